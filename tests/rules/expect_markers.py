"""Compare findings with ``# expect: rule[/severity]`` markers written on fixture lines.

A fixture states its own expectations next to the node each finding must point at, so a test
fails on a finding too many (a false positive), one too few, a wrong line or a wrong severity.
"""

from __future__ import annotations

import re
from pathlib import Path

from crashlint.engine.api import lint_paths
from crashlint.model.report import LintReport
from crashlint.settings.config import load_settings

REFERENCE_RULES = frozenset({"missing-configmap", "missing-secret", "missing-key", "missing-image-pull-secret",
                             "missing-service-account"})
INIT_RULES = frozenset({"init-container-never-completes", "init-container-waits-forever"})
NETWORK_RULES = frozenset({"unresolved-dependency", "service-selects-nothing", "service-port-not-exposed",
                           "egress-blocks-dns"})
ALL_RULES = REFERENCE_RULES | INIT_RULES | NETWORK_RULES

_MARK = re.compile(r"#\s*expect:\s*(.+)$")

Expected = set[tuple[str, int, str, str]]  # (file name, line, rule, severity)


def expected_in(path: Path, rules: frozenset[str]) -> Expected:
    """Markers of one file (only those of ``rules``); severity defaults to the rule's default."""
    defaults = {rid: rs.severity for rid, rs in load_settings(raw={}).rules.items()}
    out: Expected = set()
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        m = _MARK.search(line)
        if not m:
            continue
        for item in m.group(1).split(","):
            rule, _, severity = item.strip().partition("/")
            if rule in rules:
                out.add((path.name, lineno, rule, severity or defaults[rule]))
    return out


def found(report: LintReport, rules: frozenset[str]) -> Expected:
    return {(Path(f.file).name, f.line, f.rule, f.severity) for f in report.findings if f.rule in rules}


def check_fixture(paths: list[Path], rules: frozenset[str]) -> LintReport:
    """Lint ``paths`` together (one run) and assert the findings of ``rules`` equal the markers."""
    report = lint_paths([str(p) for p in paths], load_settings(raw={}))
    assert not report.errors, report.errors
    files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*.yaml")))]
    expected: Expected = set()
    for f in files:
        expected |= expected_in(f, rules)
    got = found(report, rules)
    shown = "\n".join(f"{f.line}: {f.rule}: {f.message}" for f in report.findings if f.rule in rules)
    assert got == expected, f"unexpected: {sorted(got - expected)}\nmissing: {sorted(expected - got)}\n{shown}"
    return report
