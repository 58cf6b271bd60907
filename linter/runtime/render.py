"""Runtime reports for people (text, grouped by workload) and for programs (JSON, DESIGN.md)."""

from __future__ import annotations

from collections import defaultdict

from crashlint.settings.policy import load_policies
from crashlint.reporters.safe import dumps, printable
from crashlint.runtime.analysis import RuntimeReport
from crashlint.runtime.classify import Crash
from crashlint.runtime.join import CONFIRMED, JoinedFinding

_LABEL = {"confirmed": "CONFIRMED", "not-observed": "not observed", "no-pods": "no pods"}


def render_json(report: RuntimeReport) -> str:
    return dumps(report.as_dict()) + "\n"


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


def _first_paragraph(text: str) -> str:
    """A policy's fix text up to its first blank line, as one line."""
    return " ".join(text.strip().split("\n\n")[0].split())


def _crash_lines(crash: Crash, indent: str) -> list[str]:
    """Events, log tail or termination message: what the summary line does not already say."""
    lines = []
    for e in crash.evidence.get("events", ())[:3]:
        if e["message"] in crash.summary:
            continue
        count = f" (x{e['count']})" if isinstance(e.get("count"), int) and e["count"] > 1 else ""
        lines.append(f"{indent}event {e['reason']}{count}: {e['message']}")
        if len(lines) == 2:
            break
    tail = crash.evidence.get("log_tail") or []
    for line in tail[-3:]:
        lines.append(f"{indent}log | {line}")
    message = _first_line((crash.evidence.get("last_termination") or {}).get("message") or "")
    if not tail and message and message not in crash.summary:
        lines.append(f"{indent}termination message | {message}")
    return lines


def _group_crashes(crashes: list[Crash]) -> list[tuple[Crash, int]]:
    """Crashes of the same container and signature across replicas shown once, with a count."""
    groups: dict[tuple[str, str, str], list[Crash]] = defaultdict(list)
    for c in crashes:
        groups[(c.workload, c.container, c.signature)].append(c)
    return [(cs[0], len(cs)) for cs in groups.values()]


def render_text(report: RuntimeReport) -> str:
    metas = load_policies().rules
    hints = report.hints
    by_wl: dict[str, list[JoinedFinding]] = defaultdict(list)
    for jf in report.findings:
        by_wl[jf.workload or f"{jf.finding.object.get('kind')}/{jf.finding.object.get('namespace')}/"
              f"{jf.finding.object.get('name')}"].append(jf)
    unpredicted: dict[str, list[Crash]] = defaultdict(list)
    for c in report.unpredicted:
        unpredicted[c.workload].append(c)
    out: list[str] = []
    for wl in sorted(set(by_wl) | set(unpredicted)):
        shown = [jf for jf in by_wl.get(wl, []) if jf.status == CONFIRMED or jf.finding.severity != "info"]
        if not shown and not unpredicted.get(wl):
            continue  # only info findings nobody saw: the JSON output keeps them
        out.append(wl)
        for jf in sorted(shown, key=lambda j: (j.status != CONFIRMED, j.finding.sort_key())):
            f = jf.finding
            where = f"{f.file}:{f.line}:{f.column}"
            ctr = f" [{f.container}]" if f.container else ""
            out.append(f"  {_LABEL[jf.status]:<12} {f.severity:<7} {f.rule}{ctr}  {where}")
            if jf.status != CONFIRMED:
                continue
            out.append(f"      {f.message}")
            for ev in jf.evidence[:2]:
                out.append(f"      seen: pod {ev['pod']} [{ev['container']}] {ev['signature']}: {ev['summary']}")
            crash = next((c for c in report.crashes if f.rule in c.predicted_by and c.workload == wl), None)
            if crash is not None:
                out.extend(_crash_lines(crash, "        "))
            if jf.confirmed_count > len(jf.evidence[:2]):
                out.append(f"      ({jf.confirmed_count} observations in all)")
            meta = metas.get(f.rule)
            if meta is not None and meta.fix:
                out.append(f"      fix: {_first_paragraph(meta.fix)}")
        for crash, n in _group_crashes(unpredicted.get(wl, [])):
            more = f" (and {n - 1} more pods)" if n > 1 else ""
            kind = "init container" if crash.init else "container"
            out.append(f"  UNPREDICTED  {crash.signature}  {kind} {crash.container}, pod {crash.pod}{more}")
            out.append(f"      {crash.summary}")
            out.extend(_crash_lines(crash, "        "))
            if crash.signature in hints:
                out.append(f"      hint: {hints[crash.signature]}")
    if report.notes:
        out.append("Not crashes:")
        for note in report.notes[:10]:
            out.append(f"  {note.workload} pod {note.pod}: {note.reason}"
                       + (f" - {_first_line(note.message)}" if note.message else ""))
        if len(report.notes) > 10:
            out.append(f"  ... and {len(report.notes) - 10} more")
    s = report.as_dict()["summary"]
    when = report.reference_time.isoformat().replace("+00:00", "Z") if report.reference_time else "unknown"
    if report.reference_is_lower_bound:
        when += " (newest timestamp in the dump: a lower bound; pass --now)"
    out.append(f"{s['pods']} pods in {s['workloads']} workloads, {s['events']} events; reference time {when}")
    out.append(f"{s['crashes']} crashing containers, {s['unpredicted']} unpredicted; findings "
               f"({report.source}): {s['confirmed']} confirmed, {s['not-observed']} not observed, "
               f"{s['no-pods']} without pods")
    # Names, events and log lines come from the cluster: control characters are shown, not sent.
    return "\n".join(printable(line) for line in out) + "\n"
