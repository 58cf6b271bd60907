"""``-o html``: one self-contained page a person reads, prints or keeps as a CI artifact.

Findings are grouped by file, in the order the other reporters list them; each shows its source
lines (read again, carefully: :mod:`.excerpt`), the object and container, the message, the
rule's fix and, where the finding carries one, its RFC 6902 patch (what ``crashlint fix``
applies). Every rule met is explained once at the end. Markup comes from :mod:`.htmlpage`,
which escapes all text: manifests are untrusted input.
"""

from __future__ import annotations

from collections.abc import Iterable

from crashlint.model.findings import Finding
from crashlint.model.objects import InternalError, LoadError
from crashlint.model.report import LintReport
from crashlint.reporters.excerpt import SourceLines
from crashlint.reporters.htmlpage import (Markup, anchor, badge, fix_line, h, page, patch_block, prose,
                                          rule_glossary, rule_link)
from crashlint.settings.policy import Policies


def render(report: LintReport, policies: Policies, color: bool) -> str:
    """The page; ``color`` is the other reporters' terminal switch and means nothing here."""
    by_file: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_file.setdefault(f.file, []).append(f)
    source = SourceLines()
    files = [h("section", {"class": "file", "id": anchor("file", str(i))},
               h("h2", None, h("code", None, name), " ", h("span", {"class": "muted"}, _count(len(found), "finding"))),
               [_finding(f, policies, source) for f in found])
             for i, (name, found) in enumerate(by_file.items(), 1)]
    rules = sorted({f.rule for f in report.findings + report.suppressed})
    return page(
        "crashlint lint report",
        h("h1", None, "crashlint lint report"),
        _summary(report),
        _contents(by_file) if len(by_file) > 1 else None,
        files if files else h("p", {"class": "clean"}, "No findings listed."),
        _errors(report.errors),
        _notes(report.notes),
        _suppressed(report.suppressed),
        _skipped(report),
        rule_glossary(policies.rules[r] for r in rules if r in policies.rules),
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _summary(report: LintReport) -> Markup:
    counts = report.counts()
    facts = [h("span", None, h("b", None, str(report.files)), " files"),
             h("span", None, h("b", None, str(report.objects)), " objects")]
    for sev in ("error", "warning", "info"):
        hidden = report.hidden.get(sev)
        facts.append(h("span", {"class": f"count-{sev}"}, h("b", None, str(counts[sev])), f" {sev}",
                       f" ({hidden} not listed: --min-severity {sev} lists them)" if hidden else None))
    if report.suppressed:
        facts.append(h("span", None, h("b", None, str(len(report.suppressed))), " suppressed"))
    internal = sum(isinstance(e, InternalError) for e in report.errors)
    if len(report.errors) > internal:
        facts.append(h("span", None, h("b", None, str(len(report.errors) - internal)), " unreadable inputs"))
    if internal:
        facts.append(h("span", None, h("b", None, str(internal)), " internal errors"))
    if report.skipped:
        facts.append(h("span", None, h("b", None, str(len(report.skipped))), " skipped (not Kubernetes objects)"))
    return h("div", {"class": "summary"}, facts)


def _contents(by_file: dict[str, list[Finding]]) -> Markup:
    return h("nav", None, h("ol", {"class": "toc"}, [
        h("li", None, h("a", {"href": "#" + anchor("file", str(i))}, name), " ",
          h("span", {"class": "muted"}, ", ".join(_per_severity(found))))
        for i, (name, found) in enumerate(by_file.items(), 1)]))


def _per_severity(found: Iterable[Finding]) -> list[str]:
    found = list(found)
    return [f"{n} {sev}" for sev in ("error", "warning", "info")
            if (n := sum(1 for f in found if f.severity == sev))]


def _object(f: Finding) -> str:
    obj = f.object
    ns = obj.get("namespace")
    return f"{obj.get('kind')} {ns + '/' if ns else ''}{obj.get('name')}" + (
        f", container {f.container}" if f.container else "")


def _finding(f: Finding, policies: Policies, source: SourceLines) -> Markup:
    meta = policies.rules.get(f.rule)
    return h(
        "article", {"class": f"card finding {f.severity}", "data-rule": f.rule, "data-severity": f.severity},
        h("header", None,
          badge(f.severity, f.severity),
          rule_link(f.rule),
          h("span", {"class": "where mono"}, f"{f.file}:{f.line}:{f.column}"),
          h("span", {"class": "object"}, _object(f))),
        h("p", {"class": "message"}, prose(f.message)),
        _excerpt(source.around(f.file, f.line), f.line),
        _also(f),
        fix_line(meta),
        patch_block(f.fix) if f.fix else None,
    )


def _also(f: Finding) -> Markup | None:
    """Where else one cause shows (``places``: each field using a missing Secret) and the kustomize
    overlays that carry a base's line (``overlays``), as ``-o json`` lists them."""
    places = [p for p in f.extra.get("places") or () if isinstance(p, dict)]
    overlays = [str(o) for o in f.extra.get("overlays") or ()]
    if not places and not overlays:
        return None
    return h("div", {"class": "also"},
             h("div", {"class": "places"}, "Every place of this cause:",
               h("ul", None, [h("li", None, h("span", {"class": "mono"},
                                                f"{p.get('file')}:{p.get('line')}:{p.get('column')}"),
                                " ", str(p.get("where") or "")) for p in places])) if places else None,
             h("p", {"class": "overlays"}, "Built in the overlays: ", ", ".join(overlays)) if overlays else None)


def _excerpt(lines: list[tuple[int, str]], at: int) -> Markup | None:
    if not lines:
        return None
    width = len(str(lines[-1][0]))
    return h("pre", {"class": "source"}, [
        h("span", {"class": "at" if n == at else None}, h("span", {"class": "ln"}, str(n).rjust(width)), text)
        for n, text in lines])


def _errors(errors: list[LoadError]) -> Markup | None:
    if not errors:
        return None
    return h("section", {"class": "errors", "id": "errors"}, h("h2", None, "Inputs that could not be linted"), [
        h("article", {"class": "card error"},
          h("header", None, badge("internal" if isinstance(e, InternalError) else "input", "error"),
            h("span", {"class": "where mono"}, f"{e.file}:{e.line}" if e.line else e.file)),
          h("p", None, e.message))
        for e in errors])


def _notes(notes: list[str]) -> Markup | None:
    """What the text output says on stderr (a Helm chart's templates skipped, a kustomize fallback)."""
    if not notes:
        return None
    return h("section", {"class": "notes", "id": "notes"}, h("h2", None, "Notes"),
             h("ul", None, [h("li", None, prose(n)) for n in notes]))


def _suppressed(found: list[Finding]) -> Markup | None:
    """Findings an annotation silenced: listed with the reason given, so a review sees them."""
    if not found:
        return None
    return h("section", {"class": "suppressed", "id": "suppressed"},
             h("h2", None, "Suppressed findings"),
             h("ul", None, [h("li", None, h("code", None, f.rule), " ", h("span", {"class": "mono"},
                                                                          f"{f.file}:{f.line}:{f.column}"),
                              f" {_object(f)}: ", f.suppressed or "crashlint.io/ignore") for f in found]))


def _skipped(report: LintReport) -> Markup | None:
    if not report.skipped:
        return None
    return h("section", {"class": "skipped", "id": "skipped"},
             h("h2", None, "Files skipped (not Kubernetes manifests)"),
             h("ul", None, [h("li", None, h("code", None, s.file), ": ", s.reason) for s in report.skipped]))

