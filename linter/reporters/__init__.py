"""Output formats of ``crashlint lint``: each module has ``render(report, policies, color) -> str``."""

from __future__ import annotations

from collections.abc import Callable

from crashlint.model.report import LintReport
from crashlint.settings.policy import Policies
from crashlint.reporters import github, html, json_format, junit, sarif, text

Renderer = Callable[[LintReport, Policies, bool], str]

RENDERERS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "github": github.render,
    "html": html.render,
}
