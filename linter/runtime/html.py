"""``crashlint runtime -o html`` and the watcher's ``/`` page: the runtime report for people.

One section per workload that has a crash or a finding worth showing (the text output's
choice): its findings with their verdict (confirmed first, with the crashes that confirm them,
the rule's explanation and fix), its unpredicted crashes with their evidence, and a timeline of
its restarts. Evidence is what ``kubectl describe`` shows (states, exit codes, events)
plus the log tail when logs were read; no object contents beyond that. The watcher renders its
page with :func:`render_html` from the same :class:`RuntimeReport` and passes ``stale`` while
its data may be out of date.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from crashlint.reporters.htmlpage import (Markup, anchor, badge, fix_line, h, join, page, patch_block,
                                          prose, rule_glossary, rule_link)
from crashlint.runtime.analysis import RuntimeReport
from crashlint.runtime.classify import Crash
from crashlint.runtime.join import CONFIRMED, JoinedFinding
from crashlint.runtime.timeline import Point, points, position, window
from crashlint.settings.policy import RuleMeta, load_policies

_VERDICT = {"confirmed": "confirmed", "not-observed": "not observed", "no-pods": "no pods"}
TITLE = "crashlint runtime report"


def render_html(report: RuntimeReport, stale: str | None = None, title: str = TITLE) -> str:
    """The whole page. ``stale``, when given, is shown first as "Data is stale: <stale>" (the
    watcher says since when and why, e.g. the API server unreachable and a reconnect pending)."""
    metas = load_policies().rules
    by_wl: dict[str, list[JoinedFinding]] = defaultdict(list)
    for jf in report.findings:
        by_wl[jf.workload or _object_ref(jf)].append(jf)
    crashes: dict[str, list[Crash]] = defaultdict(list)
    for c in report.crashes:
        crashes[c.workload].append(c)
    sections: list[tuple[int, str, Markup, Markup]] = []
    shown_rules: set[str] = set()
    for wl in set(by_wl) | {c.workload for c in report.unpredicted}:
        shown = sorted((jf for jf in by_wl.get(wl, []) if jf.status == CONFIRMED or jf.finding.severity != "info"),
                       key=lambda j: (j.status != CONFIRMED, j.finding.sort_key()))
        unpredicted = [c for c in crashes.get(wl, []) if not c.predicted_by]
        if not shown and not unpredicted:
            continue  # only info findings nobody saw: the JSON output keeps them
        shown_rules.update(jf.finding.rule for jf in shown)
        sections.append(_workload(wl, shown, unpredicted, crashes.get(wl, []), report, metas))
    sections.sort(key=lambda s: s[:2])  # confirmed crashes first, then unpredicted ones, then the rest
    return page(
        title,
        h("h1", None, title),
        _summary(report),
        _contents(sections),
        [body for *_, body in sections] or h("p", {"class": "clean"}, "No crashes and no findings to show."),
        _notes(report),
        _problems(report),
        rule_glossary(metas[r] for r in sorted(shown_rules) if r in metas),
        banner=f"Data is stale: {stale}" if stale else None,
    )


def _object_ref(jf: JoinedFinding) -> str:
    o = jf.finding.object
    return f"{o.get('kind')}/{o.get('namespace')}/{o.get('name')}"


def _iso(t: datetime | None) -> str:
    return t.isoformat().replace("+00:00", "Z") if t else "unknown"


def _summary(report: RuntimeReport) -> Markup:
    s = report.as_dict()["summary"]
    when = _iso(report.reference_time) + (" (newest timestamp of the dump: a lower bound)"
                                          if report.reference_is_lower_bound else "")

    def fact(n: int, what: str, css: str | None = None) -> Markup:
        return h("span", {"class": css}, h("b", None, str(n)), f" {what}")

    return h("div", None,
             h("div", {"class": "summary"}, fact(s["pods"], "pods"), fact(s["workloads"], "workloads"),
               fact(s["events"], "events"), h("span", None, "reference time ", h("b", None, when))),
             h("div", {"class": "summary"}, fact(s["crashes"], "crashing containers"),
               fact(s["unpredicted"], "unpredicted", "count-unpredicted"),
               fact(s["confirmed"], "findings confirmed", "count-confirmed"),
               fact(s["not-observed"], "not observed"), fact(s["no-pods"], "without pods"),
               h("span", {"class": "muted"}, f"findings from the {report.source}")))


def _contents(sections: list[tuple[int, str, Markup, Markup]]) -> Markup | None:
    if len(sections) < 2:
        return None
    return h("nav", None, h("ol", {"class": "toc"}, [
        h("li", None, h("a", {"href": "#" + anchor("workload", wl)}, wl), " ", badges)
        for _, wl, badges, _ in sections]))


def _workload(wl: str, shown: list[JoinedFinding], unpredicted: list[Crash], crashes: list[Crash],
              report: RuntimeReport, metas: dict[str, RuleMeta]) -> tuple[int, str, Markup, Markup]:
    """``(order, workload, its verdict badges, its section)``."""
    confirmed = sum(1 for jf in shown if jf.status == CONFIRMED)
    badges = join(badge(f"{confirmed} confirmed", "confirmed") if confirmed else None, " ",
                  badge(f"{len(unpredicted)} unpredicted", "unpredicted") if unpredicted else None)
    head = h("h2", None, h("span", {"class": "workload-name"}, wl), " ", badges)
    body = h("section", {"class": "workload", "id": anchor("workload", wl), "data-workload": wl},
             head,
             [_finding(jf, [c for c in crashes if jf.status == CONFIRMED and jf.finding.rule in c.predicted_by
                            and jf.finding.container in (None, c.container)], metas) for jf in shown],
             [_unpredicted(c, n, report.hints) for c, n in _grouped(unpredicted)],
             _timeline(_grouped(crashes), report.reference_time))
    return (0 if confirmed else 1 if unpredicted else 2), wl, badges, body


def _grouped(crashes: list[Crash]) -> list[tuple[Crash, int]]:
    """Crashes of the same container and signature across replicas shown once, with a count."""
    groups: dict[tuple[str, str], list[Crash]] = defaultdict(list)
    for c in crashes:
        groups[(c.container, c.signature)].append(c)
    return [(cs[0], len(cs)) for cs in groups.values()]


def _finding(jf: JoinedFinding, confirming: list[Crash], metas: dict[str, RuleMeta]) -> Markup:
    f = jf.finding
    meta = metas.get(f.rule)
    confirmed = jf.status == CONFIRMED
    return h(
        "article", {"class": f"card finding {jf.status}", "data-rule": f.rule, "data-verdict": jf.status},
        h("header", None, badge(_VERDICT.get(jf.status, jf.status), jf.status), badge(f.severity, f.severity),
          rule_link(f.rule),
          h("span", None, f"container {f.container}") if f.container else None,
          h("span", {"class": "where mono"}, f"{f.file}:{f.line}:{f.column}")),
        h("p", {"class": "message"}, prose(f.message)),
        h("p", {"class": "why"}, h("strong", None, "Why it crashes: "), prose(meta.summary), " ",
          h("a", {"href": "#" + anchor("rule", f.rule)}, "(explained below)")) if confirmed and meta is not None else None,
        h("ul", {"class": "seen"}, [h("li", None, "seen: pod ", h("code", None, ev.get("pod")), f" [{ev.get('container')}] ",
                                     h("b", None, ev.get("signature")), ": ", ev.get("summary"))
                                   for ev in jf.evidence]) if jf.evidence else None,
        h("p", {"class": "muted"}, f"{jf.confirmed_count} observations in all")
        if jf.confirmed_count > len(jf.evidence) else None,
        [_evidence(c) for c, _ in _grouped(confirming)[:2]],
        fix_line(meta),
        patch_block(f.fix) if f.fix and confirmed else None,
    )


def _unpredicted(crash: Crash, n: int, hints: dict[str, str]) -> Markup:
    more = f" (and {n - 1} more pods)" if n > 1 else ""
    return h(
        "article", {"class": "card crash unpredicted", "data-signature": crash.signature, "data-verdict": "unpredicted"},
        h("header", None, badge("unpredicted", "unpredicted"), h("code", None, crash.signature),
          h("span", None, f"{'init container' if crash.init else 'container'} {crash.container}, pod "),
          h("code", None, crash.pod), more),
        h("p", {"class": "message"}, crash.summary),
        _evidence(crash),
        h("div", {"class": "fix"}, h("strong", None, "Hint: "), prose(hints[crash.signature]))
        if crash.signature in hints else None,
    )


def _evidence(crash: Crash) -> Markup:
    """What ``kubectl describe pod`` shows of the crashing container, and its log tail if read."""
    ev = crash.evidence
    facts: list[Markup] = []

    def fact(name: str, value: object) -> None:
        facts.append(h("dt", None, name))
        facts.append(h("dd", None, str(value)))

    fact("pod / container", f"{crash.pod} / {crash.container}" + (" (init)" if crash.init else ""))
    waiting = ev.get("waiting") or {}
    fact("state", str(ev.get("state")) + (f": {waiting.get('reason')}" if waiting.get("reason") else "")
         + (f" ({waiting['message']})" if waiting.get("message") else ""))
    term = ev.get("last_termination") or {}
    if term:
        took = term.get("duration_seconds")
        fact("last state", f"Terminated: {term.get('reason') or 'unknown'}, exit code {term.get('exit_code')}"
             + (f", after {took:g} s" if isinstance(took, (int, float)) else ""))
    fact("restart count", ev.get("restart_count", 0))
    events = ev.get("events") or []
    logs = ev.get("log_tail") or []
    message = (term.get("message") or "").strip()
    return h("div", {"class": "evidence"},
             h("dl", {"class": "facts"}, facts),
             h("table", {"class": "events"},
               h("tr", None, h("th", None, "type"), h("th", None, "reason"), h("th", None, "count"),
                 h("th", None, "last seen"), h("th", None, "message")),
               [h("tr", None, h("td", None, e.get("type")), h("td", None, e.get("reason")),
                  h("td", None, str(e.get("count"))), h("td", {"class": "mono"}, str(e.get("last_seen") or "")),
                  h("td", None, e.get("message"))) for e in events]) if events else None,
             h("div", None, h("strong", None, "termination message"), h("pre", None, message)) if message else None,
             h("div", None, h("strong", None, "previous log (last lines)"), h("pre", {"class": "log"}, "\n".join(logs)))
             if logs else None)


def _timeline(groups: list[tuple[Crash, int]], now: datetime | None) -> Markup | None:
    rows = [(crash, n, points(crash, now)) for crash, n in groups]
    rows = [r for r in rows if any(p.kind != "now" for p in r[2])]
    span = window([pts for _, _, pts in rows])
    if span is None:
        return None
    return h("div", {"class": "timeline"},
             h("h3", None, "Restart timeline"),
             [_timeline_row(crash, n, pts, span) for crash, n, pts in rows])


def _timeline_row(crash: Crash, n: int, pts: list[Point], span: tuple[datetime, datetime]) -> Markup:
    restarts = crash.evidence.get("restart_count", 0)
    pods = f"pod {crash.pod}" + (f" and {n - 1} more" if n > 1 else "")
    return h("div", {"class": "timeline-row", "data-container": crash.container},
             h("div", None, h("b", None, crash.container), f" ({pods}): {restarts} restarts, ",
               h("code", None, crash.signature)),
             h("div", {"class": "track", "aria-hidden": "true"},
               [h("span", {"class": f"mark {p.kind}", "style": f"left: {position(p.at, span):.2f}%",
                           "title": f"{_iso(p.at)} {p.label}"}) for p in pts]),
             h("div", {"class": "axis"}, h("time", {"datetime": _iso(span[0])}, _iso(span[0])),
               h("time", {"datetime": _iso(span[1])}, _iso(span[1]))),
             h("ol", {"class": "events"},
               [h("li", None, h("time", {"datetime": _iso(p.at)}, _iso(p.at)), " ", p.label) for p in pts]))


def _notes(report: RuntimeReport) -> Markup | None:
    if not report.notes:
        return None
    return h("section", {"class": "notes"}, h("h2", None, "Not crashes"), h("ul", None, [
        h("li", None, f"{n.workload} pod ", h("code", None, n.pod), f": {n.reason}",
          f" - {n.message.strip().splitlines()[0]}" if n.message.strip() else None) for n in report.notes]))


def _problems(report: RuntimeReport) -> Markup | None:
    if not report.warnings and not report.errors:
        return None
    return h("section", {"class": "problems"}, h("h2", None, "Warnings and errors"), h("ul", None,
             [h("li", None, w) for w in report.warnings],
             [h("li", None, f"{e.file}:{e.line}: {e.message}") for e in report.errors]))
