"""How kustomize units meet the rest of a lint run: which units a file belongs to, and findings per unit.

A pre-commit hook passes the changed files, not directories: a changed base file or patch is
linted through the nearest kustomization above it (up to the repository root), as it would be
applied. A finding in a base that several overlays build is one finding at the base's line that
lists the overlays carrying it. A unit that falls back to file-by-file linting cannot see what its
build would produce, so its cross-object findings are only hints (info).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from crashlint.model.findings import Finding
from crashlint.rules import all_rules
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


def downgrade_in_fallbacks(findings: list[Finding], fallback_dirs: list[str]) -> list[Finding]:
    """Cross-object findings of files in a unit linted file by file become info."""
    if not fallback_dirs:
        return findings
    cross = {rid for rid, rule in all_rules().items() if rule.cross_object}
    prefixes = tuple(os.path.normpath(d) + os.sep for d in fallback_dirs)
    for f in findings:
        if f.rule in cross and f.severity != "info" and os.path.normpath(f.file).startswith(prefixes):
            f.severity = "info"
    return findings


def carried_by_units(findings: list[Finding]) -> list[Finding]:
    """One finding per (rule, place, container); the kustomize units that carry it listed under ``overlays``.

    The same base line is found once per overlay that builds it; the message may name the
    object as each overlay renames it, so the first in a fixed order is kept.
    """
    merged: dict[tuple[str, str, int, int, str], Finding] = {}
    units: dict[tuple[str, str, int, int, str], list[str]] = {}
    out: list[Finding] = []
    for f in findings:
        unit = f.extra.pop("unit", None)
        if unit is None:
            out.append(f)
            continue
        key = (f.rule, f.file, f.line, f.column, f.container or "")
        units.setdefault(key, []).append(unit)
        if key not in merged:
            merged[key] = f
            out.append(f)
    for key, f in merged.items():
        f.extra["overlays"] = sorted(set(units[key]))
    out.sort(key=Finding.sort_key)
    return out
