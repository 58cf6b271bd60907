"""Native kustomize builds with exact source positions.

:func:`build_tree` is the entry point. The builder (``build.py`` and the transformer, patch and
generator modules it uses) is imported only when the paths hold a kustomization: a lint of
plain manifests, such as a pre-commit hook's run on the changed files, does not pay for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from crashlint.model.objects import LoadError
from crashlint.model.record import Record
from crashlint.sources.kustomize.origins import BuiltObject
from crashlint.sources.kustomize.units import find_units
from crashlint.sources.limits import Limits

__all__ = ["BuiltObject", "KustomizeResult", "build_tree", "find_units"]


class KustomizeResult(Record):
    """What building every unit under the linted paths produced.

    ``objects``: built objects of every unit that built (a base used by overlays appears once
    per unit that builds it: de-duplicate findings by position). ``consumed``: files read as
    resources, patches, components, generator inputs or kustomizations by a unit that built
    (lint them only through the build). ``patches``: files some kustomization lists as a patch,
    built or not (fragments, never objects). ``fallbacks``: (unit, reason) of units linted
    file by file. ``components``: component directories that do not build on their own (their patches
    target what their users bring); they are built only inside the units that use them.
    """

    __slots__ = ("units", "objects", "consumed", "patches", "fallbacks", "components", "errors", "unit_files",
                 "bases", "objects_read")

    units: list[str]
    objects: list[BuiltObject]
    consumed: set[str]
    patches: set[str]
    fallbacks: list[tuple[str, str]]
    components: list[str]
    errors: list[LoadError]
    # Files each unit that built read (its kustomization included).
    unit_files: dict[str, frozenset[str]]
    # Units that another unit of the run builds as a resource (a base of overlays): what is
    # applied is the overlay, so their objects are linted inside the overlays' builds only.
    bases: set[str]
    # Documents in the resource files the builds read (each file once): the summary's object count.
    objects_read: int

    def __init__(self, objects_read: int = 0) -> None:
        self.units = []
        self.objects = []
        self.consumed = set()
        self.patches = set()
        self.fallbacks = []
        self.components = []
        self.errors = []
        self.unit_files = {}
        self.bases = set()
        self.objects_read = objects_read


def build_tree(paths: list[str], limits: Limits | None = None, wanted_kinds: frozenset[str] | None = None,
               extra_units: Iterable[str] = ()) -> KustomizeResult:
    """Build every unit under ``paths`` (and the ``extra_units`` directories); never raises for bad input."""
    units = sorted(dict.fromkeys([*find_units(paths), *map(os.path.normpath, extra_units)]))
    if not units:
        return KustomizeResult()
    from crashlint.sources.kustomize.build import build_units

    return build_units(units, limits, wanted_kinds)
