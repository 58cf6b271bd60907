"""``-o junit``: one test case per file and rule, failures for findings (GitLab, Jenkins, Azure DevOps)."""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from ..api import LintReport
from ..policy import Policies
from .safe import xml_text


def render(report: LintReport, policies: Policies, color: bool) -> str:
    suite = ET.Element("testsuite", name="crashlint")
    by_case: dict[tuple[str, str], list] = defaultdict(list)
    for f in report.findings:
        by_case[(f.file, f.rule)].append(f)
    failures = 0
    for (file, rule), findings in sorted(by_case.items()):
        case = ET.SubElement(suite, "testcase", classname=file, name=rule, file=file, line=str(findings[0].line))
        for f in findings:
            failures += 1
            failure = ET.SubElement(case, "failure", type=f.severity,
                                    message=f"{f.file}:{f.line}:{f.column} {f.message}")
            failure.text = f"{f.severity} [{f.rule}] {f.object['kind']}/{f.object['name']}" + \
                (f" container {f.container}" if f.container else "") + f"\n{f.message}"
    for e in report.errors:
        case = ET.SubElement(suite, "testcase", classname=e.file, name="input", file=e.file, line=str(e.line))
        err = ET.SubElement(case, "error", type="input", message=f"{e.file}:{e.line} {e.message}")
        err.text = e.message
    if not by_case and not report.errors:
        ET.SubElement(suite, "testcase", classname="crashlint", name="no findings")
    suite.set("tests", str(max(1, len(by_case) + len(report.errors))))
    suite.set("failures", str(failures))
    suite.set("errors", str(len(report.errors)))
    root = ET.Element("testsuites", name="crashlint", tests=suite.get("tests"), failures=str(failures),
                      errors=str(len(report.errors)))
    root.append(suite)
    ET.indent(root)
    # Input text may hold what XML cannot (lone surrogates, C0 controls): escaped visibly, after
    # ElementTree's own escaping, so every output is a well-formed UTF-8 document.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml_text(ET.tostring(root, encoding="unicode")) + "\n"
