"""A crash's restarts as dated points, for the timeline of the HTML report and the watcher's page.

The points are what ``kubectl describe pod`` shows and the classifier already keeps as evidence:
the last run's start and exit (reason, exit code), the decisive events at their last
occurrence with their counts (``BackOff (x80)``), the start of a container still running, and
the report's reference time ("now"). Nothing older is known (the kubelet keeps one previous
state), so the restart count says how many came before.
"""

from __future__ import annotations

from datetime import datetime, timezone

from crashlint.model.record import Value
from crashlint.runtime.classify import Crash
from crashlint.runtime.shape import obj
from crashlint.runtime.state import parse_time

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Final

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)  # a container that never started reports the epoch


class Point(Value):
    at: Final[datetime]
    kind: Final[str]  # "start" | "exit" | "event" | "now"
    label: Final[str]

    __slots__ = ("at", "kind", "label")

    def __init__(self, at: datetime, kind: str, label: str) -> None:
        self.at = at
        self.kind = kind
        self.label = label


def points(crash: Crash, now: datetime | None) -> list[Point]:
    """The dated points of one crash, oldest first; "now" last when the reference time is known."""
    ev = crash.evidence
    out: list[Point] = []
    term = obj(ev.get("last_termination"))
    if term:
        started, finished = parse_time(term.get("started_at")), parse_time(term.get("finished_at"))
        if started is not None and started > _EPOCH:
            out.append(Point(started, "start", "last run started"))
        if finished is not None and finished > _EPOCH:
            out.append(Point(finished, "exit", f"exited: {term.get('reason') or 'terminated'}, "
                                               f"exit code {term.get('exit_code')}"))
    running = parse_time(ev.get("running_since"))
    if running is not None:
        out.append(Point(running, "start", "running since"))
    for e in ev.get("events", ()) if isinstance(ev.get("events"), list) else ():
        seen = parse_time(e.get("last_seen")) if isinstance(e, dict) else None
        if seen is not None:
            count = e.get("count")
            times = f" (x{count})" if isinstance(count, int) and count > 1 else ""
            out.append(Point(seen, "event", f"{e.get('type') or 'Event'} {e.get('reason')}{times}: {e.get('message')}"))
    out.sort(key=lambda p: p.at)
    if now is not None:
        waiting = obj(ev.get("waiting"))
        state = f"waiting: {waiting.get('reason')}" if waiting.get("reason") else str(ev.get("state") or "")
        out.append(Point(now, "now", "report time" + (f" ({state})" if state else "")))
    return out


def window(all_points: list[list[Point]]) -> tuple[datetime, datetime] | None:
    """The span every row of one workload shares, so their marks line up; None without points."""
    times = [p.at for row in all_points for p in row]
    if not times:
        return None
    return min(times), max(times)


def position(at: datetime, span: tuple[datetime, datetime]) -> float:
    """Where ``at`` falls in ``span``, in percent (0 to 100; 50 when the span is one instant)."""
    start, end = span
    total = (end - start).total_seconds()
    if total <= 0:
        return 50.0
    return max(0.0, min(100.0, 100.0 * (at - start).total_seconds() / total))
