"""``-o json``: the one object of DESIGN.md's CLI contract."""

from __future__ import annotations

import json

from ..api import LintReport
from ..policy import Policies


def render(report: LintReport, policies: Policies, color: bool) -> str:
    return json.dumps(report.as_dict(), indent=2, default=str) + "\n"
