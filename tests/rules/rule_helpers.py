"""Helpers shared by the rule suites: lint one fixture with the shipped policies, pick findings."""

from __future__ import annotations

from pathlib import Path

from crashlint.engine.api import lint_paths
from crashlint.model.report import LintReport
from crashlint.settings.config import load_settings
from crashlint.model.findings import Finding


def lint_file(path: Path, config: dict | None = None) -> LintReport:
    """Lint one file; a fixture that does not load cleanly is a broken test, not a finding."""
    report = lint_paths([str(path)], load_settings(raw=config or {}))
    assert not report.errors, report.errors
    return report


def found(report: LintReport, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]
