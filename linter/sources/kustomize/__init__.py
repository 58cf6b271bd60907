"""Native kustomize builds with exact source positions.

:func:`build_tree` is the entry point. The builder (``build.py`` and the transformer, patch and
generator modules it uses) is imported only when the paths hold a kustomization: a lint of
plain manifests, such as a pre-commit hook's run on the changed files, does not pay for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from crashlint.model.objects import LoadError
from crashlint.sources.kustomize.origins import BuiltObject
from crashlint.sources.kustomize.units import find_units
from crashlint.sources.limits import Limits

__all__ = ["BuiltObject", "KustomizeResult", "build_tree", "find_units"]


@dataclass
class KustomizeResult:
    """What building every unit under the linted paths produced.

    ``objects``: built objects of every unit that built (a base used by overlays appears once
    per unit that builds it: de-duplicate findings by position). ``consumed``: files read as
    resources, patches, components, generator inputs or kustomizations by a unit that built
    (lint them only through the build). ``patches``: files some kustomization lists as a patch,
    built or not (fragments, never objects). ``fallbacks``: (unit, reason) of units linted
    file by file. ``components``: component directories that do not build on their own (their patches
    target what their users bring); they are built only inside the units that use them.
    """

    units: list[str] = field(default_factory=list)
    objects: list[BuiltObject] = field(default_factory=list)
    consumed: set[str] = field(default_factory=set)
    patches: set[str] = field(default_factory=set)
    fallbacks: list[tuple[str, str]] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    # Files each unit that built read (its kustomization included).
    unit_files: dict[str, frozenset[str]] = field(default_factory=dict)
    # Units that another unit of the run builds as a resource (a base of overlays): what is
    # applied is the overlay, so their objects are linted inside the overlays' builds only.
    bases: set[str] = field(default_factory=set)
    # Documents in the resource files the builds read (each file once): the summary's object count.
    objects_read: int = 0


def build_tree(paths: list[str], limits: Limits | None = None, wanted_kinds: frozenset[str] | None = None,
               extra_units: Iterable[str] = ()) -> KustomizeResult:
    """Build every unit under ``paths`` (and the ``extra_units`` directories); never raises for bad input."""
    units = sorted(dict.fromkeys([*find_units(paths), *map(os.path.normpath, extra_units)]))
    if not units:
        return KustomizeResult()
    from crashlint.sources.kustomize.build import build_units

    return build_units(units, limits, wanted_kinds)
