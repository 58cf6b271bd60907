"""Human output: ``file:line:col: severity [rule] message``, grouped by file, then a summary line.

Every piece taken from the input goes through :func:`.safe.printable`: an object named
``"\x1b]0;pwned\x07"`` must show as text, not retitle or clear the reader's terminal.
"""

from __future__ import annotations

from crashlint.model.report import LintReport
from crashlint.model.findings import SEVERITY_RANK
from crashlint.model.objects import InternalError
from crashlint.settings.policy import Policies
from crashlint.reporters.safe import printable

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m", "dim": "\033[2m", "bold": "\033[1m"}
_RESET = "\033[0m"


def _paint(text: str, style: str, color: bool) -> str:
    return f"{_COLORS[style]}{text}{_RESET}" if color else text


def render(report: LintReport, policies: Policies, color: bool) -> str:
    lines: list[str] = []
    last_file = None
    for f in report.findings:
        if f.file != last_file:
            if last_file is not None:
                lines.append("")
            lines.append(_paint(printable(f.file), "bold", color))
            last_file = f.file
        where = f"{printable(f.file)}:{f.line}:{f.column}:"
        lines.append(f"{where} {_paint(f.severity, f.severity, color)} [{f.rule}] {printable(f.message)}")
        if f.fix:
            ops = "; ".join(f"{op['op']} {op['path']}" + (f" = {op['value']!r}" if "value" in op else "")
                            for op in f.fix)
            lines.append(_paint(f"    fix: {printable(ops)}  (crashlint fix applies it)", "dim", color))
    if report.errors:
        if lines:
            lines.append("")
        for e in report.errors:
            where = f"{printable(e.file)}:{e.line}:" if e.line else f"{printable(e.file)}:"
            label = "internal" if isinstance(e, InternalError) else "input"
            lines.append(f"{where} {_paint('error', 'error', color)} [{label}] {printable(e.message)}")
    c = report.counts()
    skipped = f" ({len(report.skipped)} skipped: not Kubernetes objects)" if report.skipped else ""
    # Severities left out by --min-severity are counted all the same, and said to be unlisted.
    counted = ", ".join(f"{c[sev]} {label}" + (" (not listed)" if report.hidden.get(sev) else "")
                        for sev, label in (("error", "error(s)"), ("warning", "warning(s)"), ("info", "info")))
    summary = f"{report.files} file(s){skipped}, {report.objects} object(s): {counted}"
    if report.hidden:
        lowest = min(report.hidden, key=lambda sev: SEVERITY_RANK[sev])
        summary += f"; --min-severity {lowest} lists them"
    if report.suppressed:
        summary += f", {len(report.suppressed)} suppressed"
    internal = sum(isinstance(e, InternalError) for e in report.errors)
    if len(report.errors) > internal:
        summary += f"; {len(report.errors) - internal} input(s) could not be read"
    if internal:
        summary += f"; {internal} internal error(s) in rules (a crashlint bug: please report it)"
    if lines:
        lines.append("")
    lines.append(summary)
    return "\n".join(lines) + "\n"
