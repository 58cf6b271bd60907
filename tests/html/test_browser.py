"""The HTML reports in a real browser: Debian's headless Chromium loads each page as a file, and the
tests assert on Chromium's own DOM and layout (the workloads, verdicts and fixes shown), on no
console error, exception or blocked load, and on the print layout. Each page's screenshot is
saved as a test artifact: under the test's temporary directory, or in ``$CRASHLINT_SCREENSHOTS``
when set (``CRASHLINT_SCREENSHOTS=docs`` renews the README's pictures).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from chromium import Chromium, Loaded, find_chromium
from html_helpers import JOIN_ARGS, JOIN_CASE, crashlint

from crashlint.reporters.htmlpage import Markup, page
from crashlint.runtime.analysis import analyse
from crashlint.runtime.html import render_html
from crashlint.runtime.state import read_dump_file
from crashlint.settings.config import load_settings

CHROMIUM = find_chromium()
if CHROMIUM is None and os.environ.get("CRASHLINT_REQUIRE_BROWSER"):  # .ci/run installed it: missing is a failure
    raise RuntimeError("CRASHLINT_REQUIRE_BROWSER is set but no chromium is on PATH")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium: Debian's `chromium` package is not installed "
                                                         "(.ci/run installs it; or set $CHROMIUM to a binary)")
LINTED = ("examples/busybox-deployment.yaml", "examples/web.yaml", "tests/fixtures/html/lint/hostile.yaml")
SHOT_HEIGHT = 760  # px: the top of each page, what the README shows


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    with Chromium(str(CHROMIUM), tmp_path_factory.mktemp("chromium-profile"), width=1000) as chromium:
        yield chromium


def _shots(tmp_path: Path) -> Path:
    where = Path(os.environ.get("CRASHLINT_SCREENSHOTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


def _open(browser: Chromium, html: str, tmp_path: Path, name: str, media: str | None = None) -> Loaded:
    path = tmp_path / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    loaded = browser.load(path, media)
    assert loaded.problems == [], loaded.problems
    assert browser.evaluate(loaded.session, "document.scripts.length") == 0
    return loaded


def _screenshot(browser: Chromium, loaded: Loaded, tmp_path: Path, name: str) -> None:
    shot = browser.screenshot(loaded.session, _shots(tmp_path) / f"{name}.png", max_height=SHOT_HEIGHT)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


LINT_DOM = """JSON.stringify([...document.querySelectorAll('section.file')].map(s => ({
  file: s.querySelector('h2 code').innerText,
  cards: [...s.querySelectorAll('article.finding')].map(a => ({
    rule: a.dataset.rule, severity: a.dataset.severity,
    where: a.querySelector('.where').innerText,
    marked: (a.querySelector('pre.source .at') || {}).innerText || null,
    markedBackground: a.querySelector('pre.source .at')
      ? getComputedStyle(a.querySelector('pre.source .at')).backgroundColor : null,
    fix: (a.querySelector('.fix') || {}).innerText || null,
    patch: (a.querySelector('.patch pre') || {}).innerText || null,
    visible: a.getBoundingClientRect().height > 0}))})))"""


def test_lint_report_in_chromium(browser: Chromium, tmp_path: Path) -> None:
    run = crashlint("lint", "-o", "html", *LINTED)
    assert run.code == 1
    loaded = _open(browser, run.out, tmp_path, "lint-report")
    files = json.loads(browser.evaluate(loaded.session, LINT_DOM))
    assert [f["file"] for f in files] == list(LINTED)
    cards = {(f["file"], c["rule"]): c for f in files for c in f["cards"]}
    busybox = cards[("examples/busybox-deployment.yaml", "completes-immediately")]
    assert busybox["visible"] and busybox["where"] == "examples/busybox-deployment.yaml:19:18"
    assert busybox["marked"].endswith("image: busybox:1.36")
    assert busybox["markedBackground"] not in ("rgba(0, 0, 0, 0)", "transparent")  # the line stands out
    assert busybox["fix"].startswith("Fix: For an idle debug/toolbox pod")
    assert json.loads(busybox["patch"]) == [{"op": "add", "path": "/spec/template/spec/containers/0/command",
                                             "value": ["tail", "-f", "/dev/null"]}]
    assert cards[("examples/web.yaml", "image-tag-mutable")]["patch"] is None
    hostile = cards[("tests/fixtures/html/lint/hostile.yaml", "rejected-by-api")]
    assert hostile["severity"] == "warning" and 'x<script>alert("pwned")</script>' in hostile["marked"]
    body = browser.evaluate(loaded.session, "document.body.innerText")
    assert 'Deployment shop/x<script>alert("pwned")</script>' in body
    assert "Rules on this page" in body
    _screenshot(browser, loaded, tmp_path, "lint-report")


def test_lint_report_prints(browser: Chromium, tmp_path: Path) -> None:
    loaded = _open(browser, crashlint("lint", "-o", "html", *LINTED).out, tmp_path, "lint-print", media="print")
    layout = json.loads(browser.evaluate(loaded.session, """JSON.stringify({
      toc: getComputedStyle(document.querySelector('nav')).display,
      cardBreak: getComputedStyle(document.querySelector('article.finding')).breakInside})"""))
    assert layout == {"toc": "none", "cardBreak": "avoid"}
    pdf = browser.pdf(loaded.session)
    assert pdf.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2  # A4 pages


RUNTIME_DOM = """JSON.stringify([...document.querySelectorAll('section.workload')].map(s => ({
  workload: s.dataset.workload,
  verdicts: [...s.querySelectorAll('article')].map(a => [a.dataset.rule || a.dataset.signature, a.dataset.verdict,
                                                        ((a.querySelector('.fix') || {}).innerText || '')]),
  marks: [...s.querySelectorAll('.timeline-row:first-of-type .mark')].map(m => m.getBoundingClientRect().left)})))"""


def test_runtime_report_in_chromium(browser: Chromium, tmp_path: Path) -> None:
    run = crashlint("runtime", *JOIN_ARGS, "-o", "html", cwd=JOIN_CASE)
    assert run.code == 1
    loaded = _open(browser, run.out, tmp_path, "runtime-report")
    shown = {w["workload"]: w for w in json.loads(browser.evaluate(loaded.session, RUNTIME_DOM))}
    assert sorted(shown) == [f"Deployment/shop/{n}" for n in
                             ("api", "cart", "encoder", "exporter", "ghost", "toolbox", "web", "worker")]
    verdicts = {wl: sorted((rule, verdict) for rule, verdict, _ in w["verdicts"]) for wl, w in shown.items()}
    assert verdicts["Deployment/shop/toolbox"] == [("completes-immediately", "confirmed")]
    assert verdicts["Deployment/shop/api"] == [("exited-with-error", "unpredicted")]
    assert verdicts["Deployment/shop/ghost"] == [("completes-immediately", "no-pods")]
    assert verdicts["Deployment/shop/web"] == [("image-tag-mutable", "not-observed")]
    assert verdicts["Deployment/shop/cart"] == [("missing-configmap", "confirmed"), ("missing-configmap", "not-observed")]
    for w in shown.values():
        for rule, verdict, fix in w["verdicts"]:
            assert fix.startswith("Fix: " if verdict != "unpredicted" else "Hint: "), (w["workload"], rule)
    marks = shown["Deployment/shop/toolbox"]["marks"]
    assert len(marks) == 4 and marks == sorted(marks) and marks[-1] - marks[0] > 500  # laid out along the track
    _screenshot(browser, loaded, tmp_path, "runtime-report")


def test_watcher_page_with_the_stale_banner(browser: Chromium, tmp_path: Path) -> None:
    report = analyse(read_dump_file(str(JOIN_CASE / "cluster.json")), load_settings(raw={}),
                     manifests=[str(JOIN_CASE / "manifests.yaml")], now=datetime(2026, 3, 1, 12, tzinfo=timezone.utc),
                     namespace="shop")
    stale = "no answer from the API server since 2026-03-01T11:58:00Z; reconnecting (attempt 4)"
    loaded = _open(browser, render_html(report, stale=stale), tmp_path, "watcher-page")
    banner = json.loads(browser.evaluate(loaded.session, """JSON.stringify((() => {
      const b = document.querySelector('[role=alert]');
      return {text: b.innerText, top: b.getBoundingClientRect().top, first: document.body.firstElementChild === b};
    })())"""))
    assert banner == {"text": f"Data is stale: {stale}", "top": 0, "first": True}
    assert browser.evaluate(loaded.session, "document.querySelectorAll('section.workload').length") == 8
    _screenshot(browser, loaded, tmp_path, "watcher-page")


def test_the_harness_reports_what_a_page_does_wrong(browser: Chromium, tmp_path: Path) -> None:
    """The "no problems" assertions above can fail: a blocked load, a console error, an exception."""
    bad = tmp_path / "bad.html"
    bad.write_text(page("bad", Markup('<img src="http://example.invalid/x.png">')))
    problems = browser.load(bad).problems
    assert any("Content Security Policy" in p for p in problems), problems
    worse = tmp_path / "worse.html"
    worse.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); null.x</script>")
    problems = browser.load(worse).problems
    assert "console.error: boom" in problems and any(p.startswith("exception: ") for p in problems), problems

