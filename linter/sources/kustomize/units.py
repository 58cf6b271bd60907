"""Which directories are kustomize units: those under the linted paths, and the one a named file belongs to.

Finding them reads directory listings only, so a lint with no kustomization in its paths never
imports the builder (:mod:`crashlint.sources.kustomize`). A pre-commit hook passes the changed files, not directories: a changed base file or patch is
linted through the nearest kustomization above it (up to the repository root), as it would be
applied. What becomes of the findings per unit is the engine's business (:mod:`crashlint.engine.units`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def kustomization_file(directory: str) -> str | None:
    for name in KUSTOMIZATION_FILES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def find_units(paths: list[str]) -> list[str]:
    """Directories under ``paths`` that hold a kustomization (hidden directories skipped, as the loader does)."""
    units: list[str] = []
    for raw in paths:
        if raw == "-":
            continue
        if os.path.isfile(raw) and os.path.basename(raw) in KUSTOMIZATION_FILES:
            units.append(os.path.normpath(os.path.dirname(raw) or "."))
            continue
        if not os.path.isdir(raw):
            continue
        for root, dirs, files in os.walk(raw):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(root, d)))
            if any(name in files for name in KUSTOMIZATION_FILES):
                units.append(os.path.normpath(root))
    return sorted(dict.fromkeys(units))


def enclosing_units(paths: Iterable[str]) -> list[str]:
    """The nearest kustomization directory above each named file (not past a repository root)."""
    out: list[str] = []
    for raw in paths:
        if raw == "-" or not os.path.isfile(raw) or os.path.basename(raw) in KUSTOMIZATION_FILES:
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


def _like(raw: str, directory: str) -> str:
    """``directory`` relative when the path it was found from was relative (findings keep the user's paths)."""
    return directory if os.path.isabs(raw) else os.path.relpath(directory)
