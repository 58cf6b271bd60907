"""The one call every front end makes: sources in, findings and errors out.

The CLI lints paths, the webhook lints an admission request's object, runtime mode lints the
manifests it joins crashes to; all of them go through :func:`lint_paths` or :func:`lint_objects`
so the data flow stays ``loader -> inventory -> rules -> findings``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from crashlint._typing import Protocol
from crashlint.settings.config import Settings, load_settings
from crashlint.engine.runner import Engine, EngineResult, wanted_kinds
from crashlint.rules import all_rules
from crashlint.model.inventory import Inventory
from crashlint.sources.kustomize import build_tree
from crashlint.engine.units import carried_by_units, downgrade_in_fallbacks
from crashlint.sources.kustomize.units import enclosing_units
from crashlint.sources.loader import load_paths
from crashlint.sources.fragments import fragment_reason
from crashlint.model.objects import K8sObject
from crashlint.model.report import LintReport
from crashlint.model.report import SkippedFile

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import BinaryIO

MAX_FRAGMENT_NOTES = 10  # on stderr; -o json lists every one under `skipped`


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

    Kustomize units are linted as they are built (:mod:`.kustomize`); the files they read are
    not linted on their own, and patches never are. Errors of the cluster source (unreachable,
    forbidden) propagate: the CLI reports them once.
    """
    settings = settings or load_settings()
    paths = list(paths)
    wanted = wanted_kinds(settings)
    built = build_tree([p for p in paths if p != "-"], settings.limits, wanted, enclosing_units(paths))
    through_builds = {os.path.realpath(p) for p in built.consumed | built.patches}

    left_out = 0

    def excluded(path: str) -> bool:
        nonlocal left_out
        if settings.excluded(path):
            left_out += 1
            return True
        return os.path.realpath(path) in through_builds

    loaded = load_paths(paths, settings.limits, wanted, excluded, stdin)
    in_units = [o for o in built.objects if o.unit not in built.bases and not settings.excluded(o.file)]
    whole: list[tuple[K8sObject, str | None]] = []
    fragments: list[tuple[K8sObject, str | None]] = []
    for obj in loaded.objects:
        reason = fragment_reason(obj)
        (fragments if reason else whole).append((obj, reason))
    skipped = loaded.skipped_files + [
        SkippedFile(o.file, f"line {o.locate(())[0]}: {o.kind} {o.name or '(no name)'} looks like a patch or "
                            f"fragment ({reason}) and no kustomization lists it; not linted as an object (the API "
                            "server would refuse it as it is)", noted=True) for o, reason in fragments]
    objects = [o for o, _ in whole] + in_units
    # A fixed order, whatever the order of the paths: indexes, "did you mean" hints and lists of
    # affected workloads are built in inventory order, and the output must not depend on it.
    objects.sort(key=_stable_order)
    inventory = Inventory.from_objects(objects)
    if cluster is not None:
        namespaces = {o.namespace for o in objects if o.namespace}
        merge_inventory(inventory, cluster.inventory_for(namespaces))
    result = Engine(settings).run(objects, inventory)
    fallback_dirs = [d for d, _ in built.fallbacks]
    findings = carried_by_units(downgrade_in_fallbacks(result.findings, fallback_dirs))
    suppressed = carried_by_units(result.suppressed)
    # A unit that does not build (a generated input not committed, a path kustomize's load
    # restrictor refuses) is linted file by file with one note; its files are still read and
    # their own problems reported, so a broken manifest is never hidden.
    notes = loaded.notes + [f"{d}: linted file by file, not built ({reason})" for d, reason in built.fallbacks]
    notes += [f"{s.file}: {s.reason}" for s in skipped[len(loaded.skipped_files):][:MAX_FRAGMENT_NOTES]]
    if len(fragments) > MAX_FRAGMENT_NOTES:
        notes.append(f"... and {len(fragments) - MAX_FRAGMENT_NOTES} more fragment(s); see `skipped` in -o json")
    return LintReport(findings, suppressed, loaded.errors + result.errors,
                      loaded.files + len(built.consumed),
                      loaded.object_count - len(fragments) + built.objects_read, notes,
                      skipped=sorted(skipped, key=lambda k: k.file),  # stable: a file's own order kept
                      excluded=left_out)


def _stable_order(obj: K8sObject) -> tuple[str, str, int, str]:
    unit = getattr(obj, "unit", None)
    return (unit if isinstance(unit, str) else "", obj.file, obj.document.index, repr(obj.prefix))


def rule_ids() -> frozenset[str]:
    """Every rule's id, for front ends that name rules without running them (metric labels)."""
    return frozenset(all_rules())


PreparedEngine = Engine  # what :func:`prepare` returns, for front ends that keep one (type only)


def prepare(settings: Settings) -> PreparedEngine:
    """The rules of ``settings`` made ready once, for a front end that lints many requests with them.

    The webhook keeps one per configuration and passes it to :func:`lint_objects`; the CLI and
    runtime mode lint once and need not.
    """
    return Engine(settings)


def lint_objects(objects: list[K8sObject], settings: Settings, inventory: Inventory | None = None,
                 engine: PreparedEngine | None = None, deadline: float | None = None) -> EngineResult:
    """Lint objects already loaded (an admission request's object, a live cluster's workloads).

    ``deadline`` (a ``time.monotonic()`` value) is for the webhook, which must answer in time: rules
    not started by then are listed in the result's ``skipped_rules``.
    """
    return (engine or Engine(settings)).run(objects, inventory, deadline)
