"""``crashlint lint -o html``: escaping, grouping by file, source excerpts, patches, a page that is
self-contained and printable, and exit codes exactly those of the other outputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dom import Node, parse
from hypothesis import given, settings
from hypothesis import strategies as st
from html_helpers import LINT_FIXTURES, ROOT, crashlint

from crashlint.reporters import excerpt
from crashlint.reporters.excerpt import SourceLines
from crashlint.reporters.htmlpage import Markup, anchor, esc, h, prose
from crashlint.reporters.safe import xml_text


def _page(*args: str, cwd: Path = LINT_FIXTURES) -> tuple[int, Node, str]:
    run = crashlint("lint", "-o", "html", *args, cwd=cwd)
    return run.code, parse(run.out), run.out


def _cards(doc: Node) -> list[Node]:
    return doc.find_all("article", "finding")


def _where(card: Node) -> str:
    return card.find("span", "where").text()


def test_hostile_names_and_images_show_as_text_never_as_markup() -> None:
    code, doc, raw = _page("hostile.yaml", "--min-severity", "info")
    assert code == 1
    assert "<script" not in raw.lower() and "<img" not in raw.lower()
    assert "x&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in raw
    by_rule = {c.attrs["data-rule"]: c for c in _cards(doc)}
    assert by_rule["rejected-by-api"].find("span", "object").text() == 'Deployment shop/x<script>alert("pwned")</script>'
    placeholder = by_rule["image-placeholder"]
    assert "registry.example.com/<img src=x onerror=alert(1)>:1" in placeholder.find("p", "message").text()
    # the excerpt shows the file's own line, as text
    assert placeholder.find("span", "at").text().endswith("image: registry.example.com/<img src=x onerror=alert(1)>:1")
    assert doc.find_all("script") == [] and doc.find_all("img") == []


def test_findings_are_grouped_by_file_in_the_order_of_the_other_outputs() -> None:
    code, doc, _ = _page(".", "--min-severity", "info")
    listed = json.loads(crashlint("lint", "-o", "json", ".", cwd=LINT_FIXTURES).out)["findings"]
    assert code == 1
    sections = doc.find_all("section", "file")
    assert [s.find("h2").find("code").text() for s in sections] == ["hostile.yaml", "toolbox.yaml", "web.yaml"]
    shown = []
    for section in sections:
        name = section.find("h2").find("code").text()
        for card in _cards(section):
            assert _where(card).startswith(name + ":")
            shown.append((card.attrs["data-rule"], _where(card)))
    assert shown == [(f["rule"], f"{f['file']}:{f['line']}:{f['column']}") for f in listed]
    toc = [a.text() for a in doc.find("nav").find_all("a")]
    assert toc == ["hostile.yaml", "toolbox.yaml", "web.yaml"]


def test_a_patch_is_shown_exactly_where_a_finding_carries_one() -> None:
    _, doc, _ = _page(".")
    listed = {(f["file"], f["line"]): f for f in json.loads(crashlint("lint", "-o", "json", ".",
                                                                      cwd=LINT_FIXTURES).out)["findings"]}
    assert _cards(doc)
    for card in _cards(doc):
        file, line, _ = _where(card).split(":")
        fix = listed[(file, int(line))].get("fix")
        patches = card.find_all("div", "patch")
        if fix:
            assert len(patches) == 1 and json.loads(patches[0].find("pre").text()) == fix
        else:
            assert patches == []
    assert any(c.find_all("div", "patch") for c in _cards(doc)) and not all(c.find_all("div", "patch")
                                                                             for c in _cards(doc))


def test_each_card_shows_its_source_lines_rule_link_and_fix_and_each_rule_is_explained_once() -> None:
    _, doc, _ = _page("toolbox.yaml")
    (card,) = _cards(doc)
    lines = (LINT_FIXTURES / "toolbox.yaml").read_text().splitlines()
    numbered = [(int(s.find("span", "ln").text()), s) for s in card.find("pre", "source").children
                if isinstance(s, Node)]
    assert [n for n, _ in numbered] == [13, 14, 15, 16, 17]
    for n, span in numbered:
        assert span.text() == span.find("span", "ln").text() + lines[n - 1]
        assert ("at" in span.classes) == (n == 15)
    assert card.find("a", "rule-id").attrs["href"] == "#rule-completes-immediately"
    assert "tail" in card.find("div", "fix").text()
    rules = doc.find("section", "rules").find_all("section", "rule")
    assert [r.attrs["id"] for r in rules] == ["rule-completes-immediately"]
    assert "In the cluster:" in rules[0].text()


def test_every_place_of_one_cause_and_the_overlays_of_a_base_line_are_listed(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text((LINT_FIXTURES / "web.yaml").read_text().replace(
        "          resources:", "          env:\n"
        "            - {name: A, valueFrom: {secretKeyRef: {name: creds, key: a}}}\n"
        "            - {name: B, valueFrom: {secretKeyRef: {name: creds, key: b}}}\n          resources:"))
    _, doc, _ = _page("app.yaml", cwd=tmp_path)
    (card,) = [c for c in _cards(doc) if c.attrs["data-rule"] == "missing-secret"]
    (secret,) = [f for f in json.loads(crashlint("lint", "-o", "json", "app.yaml", cwd=tmp_path).out)["findings"]
                 if f["rule"] == "missing-secret"]
    assert [li.text() for li in card.find("div", "places").find_all("li")] == [
        f"app.yaml:{p['line']}:{p['column']} {p['where']}" for p in secret["places"]]
    assert len(secret["places"]) == 2 and "env B of container 'web'" in card.find("div", "places").text()
    shop = ROOT / "tests" / "fixtures" / "kustomize" / "shop"
    _, built, _ = _page(".", "--min-severity", "info", cwd=shop)
    overlays = {_where(c): c.find("p", "overlays").text() for c in _cards(built) if c.find_all("p", "overlays")}
    listed = json.loads(crashlint("lint", "-o", "json", ".", cwd=shop).out)["findings"]
    assert overlays and overlays == {f"{f['file']}:{f['line']}:{f['column']}":
                                     "Built in the overlays: " + ", ".join(f["overlays"])
                                     for f in listed if f.get("overlays")}


def test_the_page_is_self_contained_scriptless_and_printable() -> None:
    _, doc, raw = _page(".")
    for node in doc.find_all():
        assert node.tag not in ("script", "link", "iframe", "object", "embed", "img", "form")
        for name, value in node.attrs.items():
            assert not name.startswith("on"), (node.tag, name)
            if name in ("href", "src", "action"):
                assert (value or "").startswith("#"), (node.tag, name, value)
    csp = [m for m in doc.find_all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0].attrs["content"] or "") and "script" not in csp[0].attrs["content"]
    style = doc.find("style").text()
    assert "@media print" in style and "url(" not in style and "@import" not in style
    assert raw.startswith("<!DOCTYPE html>")


def test_severities_below_the_listed_one_are_counted_and_said() -> None:
    _, doc, _ = _page(".")
    assert "info" not in {c.attrs["data-severity"] for c in _cards(doc)}
    assert "not listed: --min-severity info lists them" in doc.find("div", "summary").text()
    _, everything, _ = _page(".", "--min-severity", "info")
    assert "info" in {c.attrs["data-severity"] for c in _cards(everything)}


def test_notes_skipped_files_and_a_clean_run_are_said(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n")
    code, doc, _ = _page(".", cwd=tmp_path)
    assert code == 0 and _cards(doc) == []
    assert doc.find("p", "clean").text() == "No findings listed."
    assert "helm template chart | crashlint lint -" in doc.find("section", "notes").text()
    assert [li.find("code").text() for li in doc.find("section", "skipped").find_all("li")] == \
        ["chart/Chart.yaml", "chart/templates/pod.yaml"]
    assert doc.find_all("section", "rules") == [] and doc.find_all("nav") == []


@pytest.mark.parametrize("args", [
    (".",), ("web.yaml",), (".", "--fail-on", "never"), (".", "--fail-on", "warning"), ("web.yaml", "--fail-on", "info"),
    ("missing.yaml",), ("broken.yaml",), ("web.yaml", "broken.yaml"),
])
def test_exit_codes_are_those_of_the_text_output(args: tuple[str, ...], tmp_path: Path) -> None:
    for name in ("hostile.yaml", "toolbox.yaml", "web.yaml"):
        shutil.copy(LINT_FIXTURES / name, tmp_path / name)
    (tmp_path / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")
    text = crashlint("lint", *args, cwd=tmp_path)
    page = crashlint("lint", "-o", "html", *args, cwd=tmp_path)
    assert page.code == text.code
    if "broken.yaml" in args:
        assert page.code == 2
        errors = parse(page.out).find("section", "errors")
        assert "broken.yaml:" in errors.text()


def test_runtime_html_exit_code_is_that_of_text(tmp_path: Path) -> None:
    from html_helpers import JOIN_ARGS, JOIN_CASE

    for extra in ((), ("--fail-on", "never"), ("--fail-on", "unpredicted")):
        text = crashlint("runtime", *JOIN_ARGS, *extra, cwd=JOIN_CASE)
        page = crashlint("runtime", *JOIN_ARGS, *extra, "-o", "html", cwd=JOIN_CASE)
        assert page.code == text.code
        assert page.out.startswith("<!DOCTYPE html>")


# -- excerpts: what is read, and what is not -------------------------------------------------------

def test_excerpt_of_a_symlink_a_fifo_a_directory_or_a_missing_file_is_empty(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("line one\nPRIVATE KEY\nline three\n")
    (tmp_path / "link.yaml").symlink_to(secret)
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "dir.yaml").mkdir()
    lines = SourceLines()
    assert lines.around(str(secret), 2)[1] == (2, "PRIVATE KEY")  # the same file, named directly, is shown
    started = time.monotonic()
    for name in ("link.yaml", "pipe.yaml", "dir.yaml", "gone.yaml"):
        assert lines.around(str(tmp_path / name), 2) == [], name
    assert time.monotonic() - started < 5  # the FIFO without a writer did not block
    assert lines.around("<stdin>", 1) == [] and lines.around("-", 1) == []


def test_excerpt_is_bounded_in_bytes_and_line_length(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 100 + "long: " + "x" * 5000 + "\n")
    monkeypatch.setattr(excerpt, "MAX_BYTES", 22)  # four lines and "a:" of the fifth
    assert SourceLines().around(str(big), 3) == [(1, "a: 1"), (2, "a: 1"), (3, "a: 1"), (4, "a: 1")]
    assert SourceLines().around(str(big), 5) == []  # the line cut short and those past it: no excerpt
    monkeypatch.undo()
    last = SourceLines().around(str(big), 101)[-1][1]
    assert len(last) == excerpt.MAX_LINE_CHARS + 1 and last.endswith("…")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_the_marked_line_is_the_line_the_finding_names(tmp_path: Path, newline: str, separator: str) -> None:
    """The excerpt counts line ends as the loader (libyaml) does: YAML's NEL and Unicode line and
    paragraph separators end a line too, so a comment holding one shifts the finding's line."""
    text = (LINT_FIXTURES / "toolbox.yaml").read_text().replace("\n", newline)
    (tmp_path / "t.yaml").write_bytes(f"# one comment{separator}# and another{newline}{text}".encode())
    _, doc, _ = _page("t.yaml", cwd=tmp_path)
    (card,) = _cards(doc)
    assert card.find("span", "at").text().endswith("image: busybox:1.36")


# -- the markup builder ----------------------------------------------------------------------------

def test_builder_escapes_text_and_attributes_and_passes_only_markup() -> None:
    built = h("p", {"title": "\"'><b>", "hidden": True, "skip": None}, "<b>&", Markup("<i>ok</i>"), None,
              ["x", ["<y>"]])
    assert built == '<p title="&quot;&#x27;&gt;&lt;b&gt;" hidden>&lt;b&gt;&amp;<i>ok</i>x&lt;y&gt;</p>'
    assert esc("a\x1b[2Jb\ud800") == "a\\x1b[2Jb\\ud800"  # terminal controls and lone surrogates shown
    assert prose("run `a<b` now") == "run <code>a&lt;b</code> now"
    assert prose("one ` only") == "one ` only"
    assert anchor("workload", 'Deployment/ns/"><x') == "workload-Deployment_ns____x"


def test_the_readme_example_runs_as_printed(tmp_path: Path) -> None:
    """The first line of the README's "HTML reports" example, run by a shell in the README's repository."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("### HTML reports", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    command = block.splitlines()[0].split("  #", 1)[0].strip()
    assert command == "crashlint lint -o html k8s/ > crashlint.html"
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "tests" / "fixtures" / "readme" / "repo", repo)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    shell = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True, timeout=120, check=False)
    assert shell.returncode == crashlint("lint", "k8s/", cwd=repo).code == 1, shell.stderr
    doc = parse((repo / "crashlint.html").read_text(encoding="utf-8"))
    files = [s.find("h2").find("code").text() for s in doc.find_all("section", "file")]
    assert files and all(f.startswith("k8s/") for f in files), files


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_comes_back_as_the_same_text_and_no_markup(text: str) -> None:
    """Round trip through the builder and an HTML parser: one element, its text and attribute
    exactly the input (with what XML cannot carry written as visible escapes, as ``xml_text`` does)."""
    doc = parse(h("p", {"title": text}, text))
    (p,) = [c for c in doc.children if isinstance(c, Node)]
    assert p.find_all() == []
    assert p.text() == xml_text(text)
    assert p.attrs["title"] == xml_text(text)
