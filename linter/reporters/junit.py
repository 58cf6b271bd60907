"""``-o junit``: one test case per finding, for GitLab, Jenkins and Azure DevOps test reports.

The counts add up the way test-report readers add them: ``tests`` counts the ``<testcase>``
elements, ``failures`` the ``<failure>`` elements, ``errors`` the ``<error>`` elements and
``skipped`` the ``<skipped>`` ones, the same on ``<testsuites>`` and on its ``<testsuite>``.

- An **error or warning** finding is a test case with one ``<failure type="error|warning">``:
  something to fix before the manifest ships.
- An **info** finding is a *passing* test case whose ``<system-out>`` holds its text. Info is
  advice (a missing memory limit, a pull Secret made elsewhere): shown as a failure it would
  turn every report red and bury the real failures, and left out it would be invisible in the
  CI's report. A passing case with output is listed, counted in ``tests``, and never red.
- A finding **suppressed** by ``crashlint.io/ignore`` is a ``<skipped>`` case whose message
  is the ignore reason: it was not judged, on purpose, and the report says so.
- A file that could not be read is a case with one ``<error type="input">``.
- A run with none of these is one passing case, so readers show a green suite, not an empty one.

Each finding is its own case, because the JUnit schemas allow one outcome per test case (the Ant
schema's ``choice`` of skipped/error/failure). The document validates against the Jenkins xUnit
schema ``junit-10.xsd`` (tests/fixtures/schemas), which GitLab's and Jenkins' readers accept.
"""

from __future__ import annotations

import socket
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from crashlint import __version__
from crashlint.model.report import LintReport
from crashlint.model.findings import Finding
from crashlint.model.objects import InternalError
from crashlint.settings.policy import Policies
from crashlint.reporters.safe import xml_text

FAILING = ("error", "warning")


def _case_name(f: Finding) -> str:
    """``rule Kind/name container 'c' line L:C``: unique per finding, readable in a CI's list."""
    container = f" container '{f.container}'" if f.container else ""
    return f"{f.rule} {f.object.get('kind')}/{f.object.get('name')}{container} line {f.line}:{f.column}"


def _text(f: Finding) -> str:
    return (f"{f.severity} [{f.rule}] {f.object.get('kind')}/{f.object.get('name')}"
            + (f" container {f.container}" if f.container else "") + f"\n{f.file}:{f.line}:{f.column} {f.message}")


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=name, time="0")


def render(report: LintReport, policies: Policies, color: bool) -> str:
    suite = ET.Element("testsuite")
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="crashlint.version", value=__version__)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for f in sorted(report.findings, key=Finding.sort_key):
        case = _case(suite, f.file, _case_name(f))
        if f.severity in FAILING:
            failure = ET.SubElement(case, "failure", type=f.severity, message=f"{f.file}:{f.line}:{f.column} {f.message}")
            failure.text = _text(f)
            counts["failures"] += 1
        else:
            ET.SubElement(case, "system-out").text = _text(f)
    for f in sorted(report.suppressed, key=Finding.sort_key):
        case = _case(suite, f.file, _case_name(f))
        reason = f": {f.suppressed}" if f.suppressed else ""
        ET.SubElement(case, "skipped", message=f"suppressed by crashlint.io/ignore{reason}")
        counts["skipped"] += 1
    for e in report.errors:
        kind = "internal" if isinstance(e, InternalError) else "input"
        case = _case(suite, e.file, kind)
        err = ET.SubElement(case, "error", type=kind, message=f"{e.file}:{e.line} {e.message}")
        err.text = e.message
        counts["errors"] += 1
    if not suite.findall("testcase"):
        _case(suite, "crashlint", "no findings")
    counts["tests"] = len(suite.findall("testcase"))
    ET.SubElement(suite, "system-out")  # the Ant schema wants both, after the cases; each case carries its own
    ET.SubElement(suite, "system-err")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    suite.attrib.update({"name": "crashlint", "id": "0", "package": "crashlint", "timestamp": stamp,
                         "hostname": socket.gethostname() or "localhost", "time": "0",
                         **{k: str(v) for k, v in counts.items()}})
    root = ET.Element("testsuites", {"name": "crashlint", "time": "0",
                                     **{k: str(counts[k]) for k in ("tests", "failures", "errors")}})
    root.append(suite)
    ET.indent(root)
    # Input text may hold what XML cannot (lone surrogates, C0 controls): escaped visibly, after
    # ElementTree's own escaping, so every output is a well-formed UTF-8 document.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml_text(ET.tostring(root, encoding="unicode")) + "\n"
