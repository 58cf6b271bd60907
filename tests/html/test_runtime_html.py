"""``crashlint runtime -o html`` and the watcher's page (``render_html``): the workloads, verdicts,
evidence, fixes and restart timeline of the runtime report, escaped, with the stale banner."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from dom import Node, parse
from html_helpers import JOIN_ARGS, JOIN_CASE, crashlint

from crashlint.runtime.analysis import RuntimeReport, analyse
from crashlint.runtime.classify import Crash
from crashlint.runtime.html import render_html
from crashlint.runtime.state import read_dump_file
from crashlint.runtime.timeline import points, position
from crashlint.settings.config import load_settings
from crashlint.settings.policy import load_policies

NOW = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def _join_page() -> tuple[Node, dict]:
    page = crashlint("runtime", *JOIN_ARGS, "-o", "html", cwd=JOIN_CASE)
    data = json.loads(crashlint("runtime", *JOIN_ARGS, "-o", "json", cwd=JOIN_CASE).out)
    return parse(page.out), data


def _sections(doc: Node) -> dict[str, Node]:
    return {s.attrs["data-workload"]: s for s in doc.find_all("section", "workload")}


def test_every_workload_with_a_crash_or_a_finding_has_its_verdicts() -> None:
    doc, data = _join_page()
    sections = _sections(doc)
    wanted: dict[str, list[tuple[str, str]]] = {}
    for f in data["findings"]:
        if f["status"] == "confirmed" or f["severity"] != "info":
            wanted.setdefault(f["workload"], []).append((f["rule"], f["status"]))
    for c in data["unpredicted"]:
        wanted.setdefault(c["workload"], []).append((c["signature"], "unpredicted"))
    assert set(sections) == set(wanted) and len(sections) == 8
    # confirmed findings first, then unpredicted crashes, then the rest; by name within each
    assert [wl.rsplit("/", 1)[1] for wl in sections] == ["cart", "encoder", "exporter", "toolbox", "worker", "api",
                                                         "ghost", "web"]
    toc = doc.find("nav").find_all("li")
    assert [li.find("a").text() for li in toc] == list(sections)
    assert toc[0].find("span", "badge").text() == "1 confirmed" and toc[5].find("span", "badge").text() == "1 unpredicted"
    for wl, section in sections.items():
        shown = [(a.attrs.get("data-rule") or a.attrs["data-signature"], a.attrs["data-verdict"])
                 for a in section.find_all("article")]
        assert sorted(shown) == sorted(wanted[wl]), wl
    assert "6 crashing containers" in doc.find("main").text().replace("\n", " ")


def test_a_confirmed_finding_shows_its_evidence_why_and_fix_and_an_unconfirmed_one_no_evidence() -> None:
    doc, _ = _join_page()
    metas = load_policies().rules
    toolbox = _sections(doc)["Deployment/shop/toolbox"]
    (card,) = toolbox.find_all("article", "finding")
    assert card.attrs["data-verdict"] == "confirmed"
    seen = [li.text() for li in card.find("ul", "seen").find_all("li")]
    assert seen[0].startswith("seen: pod toolbox-5f7d8c9b6a-t1a2b [toolbox] completed: Completed, exit code 0")
    evidence = card.find("div", "evidence").text()
    assert "exit code 0" in evidence and "BackOff" in evidence and "restart count6" in evidence
    assert metas["completes-immediately"].summary.split("`")[0] in card.find("p", "why").text()
    assert card.find("div", "fix").text().startswith("Fix: For an idle debug/toolbox pod")
    web = _sections(doc)["Deployment/shop/web"].find("article", "finding")
    assert web.attrs["data-verdict"] == "not-observed"
    assert web.find_all("div", "evidence") == [] and web.find_all("ul", "seen") == []
    api = _sections(doc)["Deployment/shop/api"].find("article", "unpredicted")
    assert "Error: missing required setting API_SIGNING_KEY" in api.find("div", "evidence").text()
    assert api.find("div", "fix").text().startswith("Hint: ")
    rule_ids = [r.attrs["id"] for r in doc.find("section", "rules").find_all("section", "rule")]
    assert "rule-completes-immediately" in rule_ids and rule_ids == sorted(rule_ids)


def test_the_restart_timeline_orders_and_places_each_point() -> None:
    doc, _ = _join_page()
    row = _sections(doc)["Deployment/shop/toolbox"].find("div", "timeline-row")
    assert row.attrs["data-container"] == "toolbox" and "6 restarts" in row.text()
    marks = row.find("div", "track").find_all("span", "mark")
    kinds = [m.attrs["class"].split()[1] for m in marks]
    assert kinds == ["start", "exit", "event", "now"]
    lefts = [float(m.attrs["style"].removeprefix("left: ").removesuffix("%")) for m in marks]
    assert lefts == sorted(lefts) and lefts[-1] == 100.0
    times = [t.attrs["datetime"] for t in row.find("ol", "events").find_all("time")]
    assert times == sorted(times) and times[-1] == "2026-03-01T12:00:00Z"


def test_timeline_points_skip_a_start_that_never_happened() -> None:
    crash = Crash("Deployment/ns/x", "ns", "x-1", "uid", "c", False, "command-failed",
                  {"restart_count": 3, "state": "waiting", "waiting": {"reason": "CrashLoopBackOff"},
                   "last_termination": {"reason": "StartError", "exit_code": 128, "started_at": "1970-01-01T00:00:00Z",
                                        "finished_at": "2026-03-01T11:59:00Z"},
                   "events": [{"type": "Warning", "reason": "BackOff", "count": "many", "last_seen": "not a time"}]},
                  "summary")
    got = points(crash, NOW)
    assert [(p.kind, p.label) for p in got] == [("exit", "exited: StartError, exit code 128"),
                                                ("now", "report time (waiting: CrashLoopBackOff)")]
    assert position(NOW, (NOW, NOW)) == 50.0


def _report(dump: Path, logs: dict | None = None):
    return analyse(read_dump_file(str(dump)), load_settings(raw={}), manifests=[str(JOIN_CASE / "manifests.yaml")],
                   logs=logs or {}, now=NOW, namespace="shop")


def test_stale_banner_comes_first_and_only_when_asked() -> None:
    report = _report(JOIN_CASE / "cluster.json")
    fresh = parse(render_html(report))
    assert fresh.find_all("div", "banner") == []
    stale = parse(render_html(report, stale="no answer from the API server since 2026-03-01T11:58:00Z; reconnecting"))
    body = stale.find("body")
    first = next(c for c in body.children if isinstance(c, Node))
    assert "banner" in first.classes and first.attrs["role"] == "alert"
    assert first.text() == "Data is stale: no answer from the API server since 2026-03-01T11:58:00Z; reconnecting"
    assert _sections(stale).keys() == _sections(fresh).keys()  # the same report below it


def test_cluster_text_is_escaped(tmp_path: Path) -> None:
    """Event messages, termination messages and logs are the cluster's text: shown, never markup."""
    dump = json.loads((JOIN_CASE / "cluster.json").read_text())
    for item in dump["items"]:
        if item["kind"] == "Event" and item["metadata"]["name"].startswith("api-"):
            item["message"] = "Back-off </td></table><script>alert(1)</script>"
        if item["kind"] == "Pod" and item["metadata"]["name"].startswith("api-"):
            for cs in item["status"]["containerStatuses"]:
                cs["lastState"]["terminated"]["message"] = "</pre><img src=x onerror=alert(2)>"
    (tmp_path / "cluster.json").write_text(json.dumps(dump))
    report = _report(tmp_path / "cluster.json",
                     logs={"shop/api-7d6c5b4a39-a9a9a/api": {"previous": "boot\n<script>alert(3)</script>\n"}})
    page = render_html(report, stale="<b>stale</b>")
    assert "<script" not in page.lower() and "<img" not in page.lower() and "<b>stale" not in page
    doc = parse(page)
    api = _sections(doc)["Deployment/shop/api"].find("article", "unpredicted")
    evidence = api.find("div", "evidence")
    assert "</pre><img src=x onerror=alert(2)>" in [p.text() for p in evidence.find_all("pre")]
    assert evidence.find("pre", "log").text() == "boot\n<script>alert(3)</script>"
    assert any("<script>alert(1)</script>" in td.text() for td in evidence.find("table").find_all("td"))


def test_an_empty_report_says_there_is_nothing_to_show() -> None:
    doc = parse(render_html(RuntimeReport()))
    assert doc.find("p", "clean").text() == "No crashes and no findings to show."
    assert doc.find_all("section") == [] and doc.find_all("nav") == []
    assert "reference time unknown" in doc.find("div", "summary").text()
