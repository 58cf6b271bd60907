"""Findings per kustomize unit: one finding per base line, and hints where a unit was not built.

A finding in a base that several overlays build is one finding at the base's line that lists the
overlays carrying it. A unit that falls back to file-by-file linting cannot see what its build
would produce, so its cross-object findings are only hints (info).
"""

from __future__ import annotations

import os

from crashlint.model.findings import Finding
from crashlint.rules import all_rules


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
