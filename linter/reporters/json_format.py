"""``-o json``: the one object of DESIGN.md's CLI contract."""

from __future__ import annotations

from crashlint.model.report import LintReport
from crashlint.settings.policy import Policies
from crashlint.reporters.safe import dumps


def render(report: LintReport, policies: Policies, color: bool) -> str:
    return dumps(report.as_dict()) + "\n"
