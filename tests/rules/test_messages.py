"""Every finding message is one line: text output and `-o github` annotations print one line per
finding, so a newline (a multi-line exec script pasted into a message) splits it."""

from __future__ import annotations

from pathlib import Path

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_no_finding_message_on_any_fixture_contains_a_newline() -> None:
    report = lint_paths([str(FIXTURES)], load_settings(raw={}))
    assert len(report.findings) > 100  # the tree is full of broken manifests: the check sees many messages
    broken = [f"{f.file}:{f.line} {f.rule}: {f.message!r}" for f in report.findings + report.suppressed
              if "\n" in f.message or "\r" in f.message]
    assert broken == []
