"""Shared test helpers: lint YAML text or fixture files through the real loader and engine."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from crashlint.api import LintReport, lint_paths
from crashlint.config import load_settings

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
SHARED = TESTS.parent.parent / "shared"


def lint_text(tmp_path: Path, text: str, name: str = "manifest.yaml", config: dict[str, Any] | None = None) -> LintReport:
    """Write ``text`` (dedented) to a file and lint it with the shipped policies (plus ``config``)."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return lint_paths([str(path)], load_settings(raw=config or {}))


def rules_of(report: LintReport) -> list[str]:
    return [f.rule for f in report.findings]


@pytest.fixture
def lint(tmp_path: Path):
    """``lint(text, name=..., config=...)`` -> LintReport."""
    def _lint(text: str, name: str = "manifest.yaml", config: dict[str, Any] | None = None) -> LintReport:
        return lint_text(tmp_path, text, name, config)
    return _lint
