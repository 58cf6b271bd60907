"""``-o github``: workflow commands, so findings show as annotations on the pull request diff.

Property values escape ``%``, CR, LF, ``:`` and ``,``; messages escape ``%``, CR and LF, as
GitHub's toolkit does (``@actions/core`` ``escapeProperty`` / ``escapeData``).
"""

from __future__ import annotations

from crashlint.model.report import LintReport
from crashlint.model.objects import InternalError
from crashlint.settings.policy import Policies
from crashlint.reporters.safe import printable

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(s: str) -> str:
    # Escaped as the toolkit does first, then any other control character shown, not sent to the log.
    return printable(s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def render(report: LintReport, policies: Policies, color: bool) -> str:
    out = []
    for f in report.findings:
        title = f"crashlint {f.rule}"
        out.append(f"::{_LEVEL[f.severity]} file={_prop(f.file)},line={f.line},col={f.column},"
                   f"title={_prop(title)}::{_data(f.message)}")
    for e in report.errors:
        line = f",line={e.line}" if e.line else ""
        title = "crashlint internal error" if isinstance(e, InternalError) else "crashlint input"
        out.append(f"::error file={_prop(e.file)}{line},title={_prop(title)}::{_data(e.message)}")
    c = report.counts()
    internal = sum(isinstance(e, InternalError) for e in report.errors)
    out.append(f"crashlint: {c['error']} error(s), {c['warning']} warning(s), {c['info']} info, "
               f"{len(report.errors) - internal} unreadable input(s)"
               + (f", {internal} internal error(s)" if internal else ""))
    return "\n".join(out) + "\n"
