"""Which kustomize unit a named file belongs to.

A pre-commit hook passes the changed files, not directories: a changed base file or patch is
linted through the nearest kustomization above it (up to the repository root), as it would be
applied. What becomes of the findings per unit is the engine's business (:mod:`crashlint.engine.units`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from crashlint.sources.kustomize.build import kustomization_file


def enclosing_units(paths: Iterable[str]) -> list[str]:
    """The nearest kustomization directory above each named file (not past a repository root)."""
    out: list[str] = []
    for raw in paths:
        if raw == "-" or not os.path.isfile(raw) or os.path.basename(raw) in _KUSTOMIZATION_NAMES:
            continue
        here = os.path.dirname(os.path.abspath(raw))
        while True:
            if kustomization_file(here) is not None:
                out.append(_like(raw, here))
                break
            parent = os.path.dirname(here)
            if parent == here or os.path.exists(os.path.join(here, ".git")):
                break
            here = parent
    return sorted(dict.fromkeys(out))


_KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _like(raw: str, directory: str) -> str:
    """``directory`` relative when the path it was found from was relative (findings keep the user's paths)."""
    return directory if os.path.isabs(raw) else os.path.relpath(directory)
