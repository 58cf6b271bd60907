"""Output formats of ``crashlint lint``: each module has ``render(report, policies, color) -> str``.

``RENDERERS`` names each format's module, and :func:`renderer` imports the one a run writes
with: a pre-commit hook's text output does not pay for the XML, SARIF and HTML writers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from crashlint.model.report import LintReport
    from crashlint.settings.policy import Policies

Renderer = Callable[["LintReport", "Policies", bool], str]

RENDERERS: dict[str, str] = {
    "text": "crashlint.reporters.text",
    "json": "crashlint.reporters.json_format",
    "sarif": "crashlint.reporters.sarif",
    "junit": "crashlint.reporters.junit",
    "github": "crashlint.reporters.github",
    "html": "crashlint.reporters.html",
}


def renderer(output: str) -> Renderer:
    """The ``render`` function of the format ``output`` (a key of ``RENDERERS``), imported now."""
    render: Renderer = importlib.import_module(RENDERERS[output]).render
    return render
