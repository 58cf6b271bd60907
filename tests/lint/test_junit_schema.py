"""``-o junit`` validates against the JUnit schema Jenkins reads (tests/fixtures/schemas/junit-10.xsd),
and its counts add up: ``tests`` = test cases, ``failures`` = failures (errors and warnings only:
an info finding is a passing case with its text in ``system-out``), ``errors`` = unreadable
inputs, ``skipped`` = suppressed findings, on ``<testsuites>`` and on each ``<testsuite>``."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from crashlint.settings.policy import load_policies
from crashlint.reporters import junit
from lint_helpers import BUSYBOX_DEPLOYMENT, CLEAN_DEPLOYMENT, FIXTURES_DIR, MIXED, write

SCHEMA = xmlschema.XMLSchema(str(FIXTURES_DIR / "schemas" / "junit-10.xsd"))

# MIXED holds one error, one warning and one info; this holds one finding suppressed by annotation.
SUPPRESSED = BUSYBOX_DEPLOYMENT.replace("  name: toolbox\n", """\
  name: quiet
  annotations:
    crashlint.io/ignore: completes-immediately
    crashlint.io/ignore-reason: "a debug pod, scaled to zero"
""", 1)


def _render(tmp_path: Path, files: dict[str, str]) -> ET.Element:
    for name, text in files.items():
        write(tmp_path, name, text)
    report = lint_paths([str(tmp_path / n) for n in files], load_settings(raw={}))
    xml = junit.render(report, load_policies(), False)
    SCHEMA.validate(xml)  # raises XMLSchemaValidationError with the path of what is wrong
    return ET.fromstring(xml.encode())


def _suites(root: ET.Element) -> list[ET.Element]:
    return [root] if root.tag == "testsuite" else root.findall("testsuite")


def _assert_counts_add_up(root: ET.Element) -> None:
    total = {"tests": 0, "failures": 0, "errors": 0}
    for suite in _suites(root):
        cases = suite.findall("testcase")
        got = {"tests": len(cases), "failures": sum(len(c.findall("failure")) for c in cases),
               "errors": sum(len(c.findall("error")) for c in cases),
               "skipped": sum(len(c.findall("skipped")) for c in cases)}
        assert {k: int(suite.get(k, "0")) for k in got} == got
        for k in total:
            total[k] += got[k]
        assert all(len(c.findall("failure")) + len(c.findall("error")) + len(c.findall("skipped")) <= 1
                   for c in cases), "one outcome per test case (the Ant schema's choice)"
    if root.tag == "testsuites":
        assert {k: int(root.get(k, "0")) for k in total} == total


def test_errors_warnings_info_suppressed_and_input_errors_validate_and_add_up(tmp_path: Path) -> None:
    root = _render(tmp_path, {"mixed.yaml": MIXED, "quiet.yaml": SUPPRESSED, "clean.yaml": CLEAN_DEPLOYMENT,
                              "broken.yaml": "apiVersion: v1\nkind: ConfigMap\ndata: {a: [1}\n"})
    _assert_counts_add_up(root)
    cases = [c for s in _suites(root) for c in s.findall("testcase")]
    failures = [f for c in cases for f in c.findall("failure")]
    assert sorted(f.get("type") for f in failures) == ["error", "warning"]  # info is not a failure
    assert {Path(f.get("message").split(" ")[0]).name for f in failures} == {"mixed.yaml:14:18", "mixed.yaml:21:18"}
    info = [c for c in cases if c.find("system-out") is not None]
    assert info and all(not list(c.iter("failure")) for c in info)
    assert all(c.find("system-out").text.startswith("info [") for c in info)
    sleep = [c for c in info if "completes-immediately" in c.get("name")]
    assert len(sleep) == 1 and "mixed.yaml:19:11" in sleep[0].find("system-out").text
    skipped = [s for c in cases for s in c.findall("skipped")]
    assert [s.get("message") for s in skipped] == ["suppressed by crashlint.io/ignore: a debug pod, scaled to zero"]
    errors = [e for c in cases for e in c.findall("error")]
    assert len(errors) == 1 and Path(errors[0].get("message").split(" ")[0]).name == "broken.yaml:3"
    assert int(root.get("tests")) == 2 + len(info) + 1 + 1 and int(root.get("failures")) == 2
    assert int(root.get("errors")) == 1


def test_a_clean_run_is_one_passing_case(tmp_path: Path) -> None:
    root = _render(tmp_path, {"clean.yaml": CLEAN_DEPLOYMENT})
    _assert_counts_add_up(root)
    cases = [c for s in _suites(root) for c in s.findall("testcase")]
    assert len(cases) == 1 and not list(cases[0]) and root.get("tests") == "1" and root.get("failures") == "0"


def test_each_finding_is_its_own_case_with_a_distinct_name(tmp_path: Path) -> None:
    two = BUSYBOX_DEPLOYMENT + "---\n" + BUSYBOX_DEPLOYMENT.replace("name: toolbox\nspec", "name: toolbox2\nspec")
    root = _render(tmp_path, {"two.yaml": two})
    _assert_counts_add_up(root)
    names = [c.get("name") for s in _suites(root) for c in s.findall("testcase") if c.find("failure") is not None]
    assert len(names) == 2 and len(set(names)) == 2


def test_hostile_names_still_validate(tmp_path: Path) -> None:
    hostile = BUSYBOX_DEPLOYMENT.replace("name: toolbox\n", 'name: "tool\\x1b[31mbox\\u0000<&>"\n', 1)
    _assert_counts_add_up(_render(tmp_path, {"hostile.yaml": hostile}))


@pytest.mark.parametrize("xml", [
    # no `tests` on the suite
    '<testsuite name="x" failures="0" errors="0"><testcase name="a"/></testsuite>',
    # a failure outside a test case
    '<testsuites><testsuite name="x" tests="0" failures="1" errors="0"><failure/></testsuite></testsuites>',
    # an element no reader knows
    '<testsuites><testsuite name="x" tests="1" failures="0" errors="0"><testcase name="a"><info/></testcase>'
    '</testsuite></testsuites>',
])
def test_the_schema_is_a_real_oracle(xml: str) -> None:
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        SCHEMA.validate(xml)
