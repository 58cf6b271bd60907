"""``-o json``: the one object of DESIGN.md's CLI contract."""

from __future__ import annotations

from ..api import LintReport
from ..policy import Policies
from .safe import dumps


def render(report: LintReport, policies: Policies, color: bool) -> str:
    return dumps(report.as_dict()) + "\n"
