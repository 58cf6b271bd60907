"""The one call every front end makes: sources in, findings and errors out.

The CLI lints paths, the webhook lints an admission request's object, runtime mode lints the
manifests it joins crashes to; all of them go through :func:`lint_paths` or :func:`lint_objects`
so the data flow stays ``loader -> inventory -> rules -> findings``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

from .config import Settings, load_settings
from .engine import Engine, EngineResult, wanted_kinds
from .findings import Finding
from .inventory import Inventory
from .loader import load_paths
from .model import K8sObject, LoadError
from .nonmanifest import SkippedFile


@dataclass
class LintReport:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    files: int = 0
    objects: int = 0
    notes: list[str] = field(default_factory=list)  # said on stderr: not findings, not errors
    skipped: list[SkippedFile] = field(default_factory=list)  # files that are not manifests: never exit 2

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of DESIGN.md (``suppressed``, ``skipped`` and ``summary.skipped`` are
        additions consumers may ignore)."""
        return {
            "version": 1,
            "findings": [f.as_dict() for f in self.findings],
            "errors": [e.as_dict() for e in self.errors],
            "summary": {"files": self.files, "objects": self.objects, **self.counts(), "skipped": len(self.skipped)},
            "suppressed": [f.as_dict() for f in self.suppressed],
            "skipped": [s.as_dict() for s in self.skipped],
        }


class InventorySource(Protocol):
    """Where else objects may exist (a live cluster): asked once per run for the namespaces in use."""

    def inventory_for(self, namespaces: set[str]) -> Inventory: ...


def merge_inventory(inventory: Inventory, extra: Inventory) -> None:
    """Add what ``extra`` knows; objects of the linted files win over the cluster's copy."""
    for entry in extra.entries.values():
        if not inventory.has(entry.kind, entry.namespace, entry.name):
            inventory.add(entry)
    inventory.complete |= extra.complete


def lint_paths(paths: Iterable[str], settings: Settings | None = None, stdin: BinaryIO | None = None,
               cluster: InventorySource | None = None) -> LintReport:
    """Lint files/directories/``-``; ``cluster`` resolves what the files do not define.

    Errors of the cluster source (unreachable, forbidden) propagate: the CLI reports them once.
    """
    settings = settings or load_settings()
    loaded = load_paths(paths, settings.limits, wanted_kinds(settings), settings.excluded, stdin)
    inventory = Inventory.from_objects(loaded.objects)
    if cluster is not None:
        namespaces = {o.namespace for o in loaded.objects if o.namespace}
        merge_inventory(inventory, cluster.inventory_for(namespaces))
    result = Engine(settings).run(loaded.objects, inventory)
    return LintReport(result.findings, result.suppressed, loaded.errors + result.errors,
                      loaded.files, loaded.object_count, loaded.notes, skipped=loaded.skipped_files)


def lint_objects(objects: list[K8sObject], settings: Settings, inventory: Inventory | None = None,
                 engine: Engine | None = None) -> EngineResult:
    """Lint objects already loaded (the webhook keeps one Engine per configuration)."""
    return (engine or Engine(settings)).run(objects, inventory)
