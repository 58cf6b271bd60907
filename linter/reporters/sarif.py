"""``-o sarif``: SARIF 2.1.0 for GitHub code scanning and other viewers.

Every rule is described with its help text; each result has a physical location with
``startLine``/``startColumn``; suppressed findings carry an in-source suppression with the
``crashlint.io/ignore-reason`` as justification; input errors become tool notifications.
"""

from __future__ import annotations

from typing import Any

from crashlint import __version__
from crashlint.model.report import LintReport
from crashlint.settings.policy import Policies
from crashlint.reporters.safe import dumps

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def _rule(meta: Any) -> dict[str, Any]:
    return {
        "id": meta.id,
        "name": "".join(p.capitalize() for p in meta.id.split("-")),
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": meta.explanation.strip() or meta.summary},
        "help": {"text": f"{meta.explanation.strip()}\n\nSymptom: {meta.symptom}\n\nFix: {meta.fix.strip()}",
                 "markdown": f"{meta.explanation.strip()}\n\n**Symptom:** {meta.symptom}\n\n"
                             f"**Fix:** {meta.fix.strip()}\n\n```yaml\n{meta.example.rstrip()}\n```"},
        "defaultConfiguration": {"level": _LEVEL[meta.severity]},
        "properties": {"tags": ["kubernetes", "crashloopbackoff", meta.cause]},
    }


def _result(f: Any, index: dict[str, int]) -> dict[str, Any]:
    res: dict[str, Any] = {
        "ruleId": f.rule,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": _uri(f.file)},
                "region": {"startLine": max(1, f.line), "startColumn": max(1, f.column)},
            },
            "logicalLocations": [{"name": f"{f.object['kind']}/{f.object['name']}" +
                                  (f"/{f.container}" if f.container else ""), "kind": "object"}],
        }],
        "properties": {"object": f.object, "path": f.path, "cause": f.cause},
    }
    if f.rule in index:
        res["ruleIndex"] = index[f.rule]
    if f.fix:
        res["properties"]["fix"] = f.fix
    if f.suppressed is not None:
        res["suppressions"] = [{"kind": "inSource", "justification": f.suppressed or "crashlint.io/ignore"}]
    return res


def render(report: LintReport, policies: Policies, color: bool) -> str:
    metas = sorted(policies.rules.values(), key=lambda m: m.id)
    index = {m.id: i for i, m in enumerate(metas)}
    notifications = [{
        "level": "error",
        "message": {"text": e.message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(e.file)},
                                            **({"region": {"startLine": e.line}} if e.line else {})}}],
    } for e in report.errors]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "crashlint", "version": __version__, "semanticVersion": __version__,
                            "informationUri": "https://github.com/crashlint/crashlint",
                            "rules": [_rule(m) for m in metas]}},
        "results": [_result(f, index) for f in report.findings + report.suppressed],
        "invocations": [{"executionSuccessful": not report.errors,
                         "toolExecutionNotifications": notifications}],
        "columnKind": "unicodeCodePoints",
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return dumps(doc) + "\n"
