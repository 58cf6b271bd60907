"""Fixtures that say what the API server answers, linted through the real loader and engine.

A fixture under ``tests/fixtures/api_fidelity/<topic>/`` states the server's answer in its
leading comments, next to the objects it describes:

    # refused: 12 spec.ports: Required value     an error of rejected-by-api at line 12 quoting that
    # warns: 9 unknown time zone                 a warning of rejected-by-api at line 9
    # accepted                                   no rejected-by-api finding at all

``refused-*.yaml`` files list every rejected-by-api finding they produce, no more, no less;
``accepted-*.yaml`` files hold near-misses the server accepts. Messages quote the server's own
wording (``field.Error`` as ``kubectl apply`` prints it), so the fragment is read from
``pkg/apis/core/validation`` or ``pkg/apis/batch/validation``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from crashlint.engine.api import lint_paths
from crashlint.model.report import LintReport
from crashlint.settings.config import load_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "api_fidelity"
RULE = "rejected-by-api"
_CLAIM = re.compile(r"^#\s*(?P<kind>refused|warns):\s*(?P<line>\d+)\s+(?P<fragment>.+?)\s*$")
_SEVERITY = {"refused": "error", "warns": "warning"}


def fixtures(topic: str, prefix: str) -> list[Path]:
    return sorted((FIXTURES / topic).glob(f"{prefix}-*.yaml"))


def claims(path: Path) -> list[tuple[int, str, str]]:
    """(line, severity, fragment) for each ``# refused:``/``# warns:`` comment of the fixture."""
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        m = _CLAIM.match(raw)
        if m:
            out.append((int(m.group("line")), _SEVERITY[m.group("kind")], m.group("fragment")))
    return out


def lint(path: Path) -> LintReport:
    report = lint_paths([str(path)], load_settings(raw={}))
    assert report.errors == [], f"fixture must load cleanly: {report.errors}"
    return report


def assert_refused(path: Path) -> None:
    """Exactly the claimed findings: same lines and severities, each message quoting its fragment."""
    expected = claims(path)
    assert expected, f"{path.name}: a refused- fixture lists its refusals"
    found = [f for f in lint(path).findings if f.rule == RULE]
    got = Counter((f.line, f.severity) for f in found)
    want = Counter((line, sev) for line, sev, _ in expected)
    shown = [f"{f.line} {f.severity}: {f.message}" for f in found]
    assert got == want, f"{path.name}: findings differ from the claims:\n" + "\n".join(shown)
    for line, sev, fragment in expected:
        messages = [f.message for f in found if (f.line, f.severity) == (line, sev)]
        assert any(fragment in m for m in messages), f"{path.name}:{line}: no message quotes {fragment!r}: {messages}"


def assert_accepted(path: Path) -> int:
    """No rejected-by-api finding; returns how many objects the fixture holds."""
    text = path.read_text(encoding="utf-8")
    assert "# accepted" in text and not claims(path), f"{path.name}: an accepted- fixture says '# accepted' only"
    report = lint(path)
    fired = [f"{f.line}: {f.message}" for f in report.findings if f.rule == RULE]
    assert fired == [], f"{path.name}: the server accepts these objects, yet:\n" + "\n".join(fired)
    return report.objects
