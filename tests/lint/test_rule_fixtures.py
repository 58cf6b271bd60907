"""Every rule fixture under ``tests/fixtures/lint/<rule>/`` linted through the real loader and engine.

A fixture states what it expects in its leading comments, so the expectation sits next to the
manifest it describes and a new trap is one new file:

    # expect: completes-immediately@16:18, image-tag-mutable@16:18 warning
    # expect: none

``rule@line:col`` (1-based, the most specific node) is one finding, optionally followed by the
severity; ``none`` means the file's rule (its directory) must not fire. Positive files
(``pos-*``) must produce exactly the listed findings of every rule they name; negative files
(``neg-*``) must produce no finding of their directory's rule.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from crashlint.rules import all_rules

from lint_helpers import FIXTURES_DIR

LINT_FIXTURES = FIXTURES_DIR / "lint"
_EXPECT_LINE = re.compile(r"^#\s*expect:\s*(?P<items>.*)$")
_ITEM = re.compile(r"^(?P<rule>[a-z0-9-]+)@(?P<line>\d+):(?P<col>\d+)(?:\s+(?P<severity>error|warning|info))?$")
RULES_UNDER_TEST = ("completes-immediately", "command-not-executable", "command-always-fails", "image-reference-invalid", "image-placeholder",
                    "image-tag-mutable", "image-pull-never", "rejected-by-api", "heap-exceeds-memory-limit",
                    "duplicate-key", "resource-unit-mistake", "service-selects-nothing",
                    "memory-limit-too-low", "probe-port-not-exposed")


def _expectations(path: Path) -> tuple[bool, list[tuple[str, int, int, str | None]]]:
    """(says none, [(rule, line, col, severity)]) from the ``# expect:`` comment lines."""
    none, items = False, []
    for raw in path.read_text(encoding="utf-8").splitlines():
        m = _EXPECT_LINE.match(raw)
        if not m:
            continue
        for token in (t.strip() for t in m.group("items").split(",")):
            if token == "none":
                none = True
                continue
            it = _ITEM.match(token)
            assert it, f"{path.name}: cannot read expectation {token!r}"
            items.append((it.group("rule"), int(it.group("line")), int(it.group("col")), it.group("severity")))
    return none, items


def _fixture_files() -> list[Path]:
    return sorted(LINT_FIXTURES.glob("*/*.yaml"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_every_rule_under_test_has_positive_and_negative_fixtures() -> None:
    for rule in RULES_UNDER_TEST:
        names = [p.name for p in (LINT_FIXTURES / rule).glob("*.yaml")]
        assert any(n.startswith("pos-") for n in names), f"{rule}: no positive fixture"
        assert any(n.startswith("neg-") for n in names), f"{rule}: no negative fixture"
        assert rule in all_rules(), f"{rule}: no such rule module"


@pytest.mark.parametrize("path", _fixture_files(), ids=_id)
def test_rule_fixture(path: Path) -> None:
    rule = path.parent.name
    none, expected = _expectations(path)
    report = lint_paths([str(path)], load_settings(raw={}))
    assert report.errors == [], f"fixture must load cleanly: {report.errors}"
    if path.name.startswith("neg-"):
        assert none and not any(r == rule for r, *_ in expected), "a neg- fixture says '# expect: none'"
        fired = [f"{f.rule}@{f.line}:{f.column} {f.message}" for f in report.findings if f.rule == rule]
        assert fired == [], f"false positive(s) of {rule}"
        return
    assert path.name.startswith("pos-"), "fixtures are named pos-* or neg-*"
    assert not none and any(r == rule for r, *_ in expected), "a pos- fixture lists its findings"
    checked = {rule} | {r for r, *_ in expected}
    actual = Counter((f.rule, f.line, f.column) for f in report.findings if f.rule in checked)
    wanted = Counter((r, line, col) for r, line, col, _ in expected)
    assert actual == wanted, (
        f"missing: {sorted((wanted - actual).elements())}; unexpected: {sorted((actual - wanted).elements())}")
    for r, line, col, severity in expected:
        if severity is not None:
            got = {f.severity for f in report.findings if (f.rule, f.line, f.column) == (r, line, col)}
            assert got == {severity}, f"{r}@{line}:{col}: severity {got}, expected {severity}"
