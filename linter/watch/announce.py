"""Which verdicts are new: a confirmed finding or an unpredicted crash that a workload did not show before.

A verdict is keyed without pods or times (rule and container; or container and signature),
so a replica replaced by the ReplicaSet, a relist after 410 Gone or a re-evaluation after an
unrelated event announce nothing again; a verdict that went away (the crash stopped, the
template was fixed) and comes back is announced again. The message says what ``kubectl
describe`` readers need: the rule, the evidence (reason, exit code, last log line when logs
are read) and the fix.
"""

from __future__ import annotations

from crashlint.model.record import Record, Value
from crashlint.runtime.classify import Crash
from crashlint.runtime.join import CONFIRMED, JoinedFinding
from crashlint.settings.policy import load_policies
from crashlint.watch.judge import WorkloadResult

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Final

CONFIRMED_REASON, UNPREDICTED_REASON = "CrashConfirmed", "CrashUnpredicted"
# core/v1 Event messages are not limited by the API, but events.k8s.io/v1 notes are (1 kB), and
# `kubectl describe` prints the whole message on one line.
MAX_MESSAGE = 1024


class Announcement(Value):
    """One Event to record: a verdict that appeared on a workload."""

    __slots__ = ("workload", "reason", "message", "key")

    workload: Final[str]
    reason: Final[str]
    message: Final[str]
    key: Final[tuple[str, ...]]

    def __init__(self, workload: str, reason: str, message: str, key: tuple[str, ...]) -> None:
        self.workload = workload
        self.reason = reason
        self.message = message
        self.key = key


def _fix(rule: str) -> str:
    meta = load_policies().rules.get(rule)
    fix = (meta.fix if meta is not None else "") or ""
    return " ".join(fix.strip().split("\n\n")[0].split())


def _evidence(crash: Crash | None, fallback: str) -> str:
    """Reason and exit code (the crash summary), and the previous instance's last log line if read."""
    if crash is None:
        return fallback
    out = f"container {crash.container} of pod {crash.pod}: {crash.summary or crash.signature}"
    tail = crash.evidence.get("log_tail") or []
    if tail:
        out += f"; last log line: {tail[-1].strip()}"
    return out


def _cut(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def _confirmed(jf: JoinedFinding, crashes: list[Crash]) -> str:
    f = jf.finding
    crash = next((c for c in crashes if f.rule in c.predicted_by
                  and (f.container is None or c.container == f.container)), None)
    first = jf.evidence[0] if jf.evidence else {}
    seen = _evidence(crash, f"container {first.get('container')} of pod {first.get('pod')}: {first.get('summary')}")
    fix = _fix(f.rule)
    return _cut(f"{f.rule}: {f.message} Seen: {seen}." + (f" Fix: {fix}" if fix else ""))


def _unpredicted(crash: Crash, hint: str | None) -> str:
    return _cut(f"{crash.signature}: {_evidence(crash, '')}. No finding of crashlint predicted it."
                + (f" Hint: {hint}" if hint else ""))


def verdicts(result: WorkloadResult, hints: dict[str, str]) -> dict[tuple[str, ...], Announcement]:
    """The workload's announceable verdicts by key."""
    out: dict[tuple[str, ...], Announcement] = {}
    for jf in result.findings:
        if jf.status != CONFIRMED:
            continue
        key = (CONFIRMED_REASON, jf.finding.rule, jf.finding.container or "")
        if key not in out:
            out[key] = Announcement(result.workload, CONFIRMED_REASON, _confirmed(jf, result.crashes), key)
    for crash in result.crashes:
        if crash.predicted_by:
            continue
        key = (UNPREDICTED_REASON, crash.container, crash.signature)
        if key not in out:
            out[key] = Announcement(result.workload, UNPREDICTED_REASON, _unpredicted(crash, hints.get(crash.signature)),
                                    key)
    return out


class Transitions(Record):
    """The verdict keys each workload showed last time; new keys are announced."""

    __slots__ = ("shown",)

    shown: dict[str, frozenset[tuple[str, ...]]]

    def __init__(self) -> None:
        self.shown = {}

    def update(self, result: WorkloadResult, hints: dict[str, str]) -> list[Announcement]:
        now = verdicts(result, hints)
        before = self.shown.get(result.workload, frozenset())
        self.shown[result.workload] = frozenset(now)
        return [a for k, a in sorted(now.items()) if k not in before]

    def forget(self, wl: str) -> None:
        self.shown.pop(wl, None)
