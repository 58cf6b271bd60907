"""Run the rules over loaded objects and turn their hits into positioned, configured findings."""

from __future__ import annotations

import time
from collections.abc import Iterable

from crashlint.settings.config import Settings
from crashlint.model.findings import Finding, Hit, pointer_str
from crashlint.model.inventory import Inventory, ScopedInventory, scope_of
from crashlint.model.objects import InternalError, K8sObject, LoadError
from crashlint.model.record import Record
from crashlint.rules import Rule, RuleContext, all_rules
from crashlint.model.workloads import workload_of

# The API groups of the kinds rules check: every built-in group of the generated OpenAPI data,
# plus extensions and apps.openshift.io (validation/kinds.py). A custom resource that reuses a
# built-in kind's name (OpenKruise's apps.kruise.io DaemonSet, Knative's serving.knative.dev
# Service) has its own schema and semantics: the rules, written for the built-in kinds, do not judge it.
from crashlint.knowledge.validation.kinds import BUILTIN_GROUPS  # noqa: E402  (kept here, beside its explanation)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

IGNORE_ANNOTATION = "crashlint.io/ignore"
IGNORE_REASON_ANNOTATION = "crashlint.io/ignore-reason"


class EngineResult(Record):
    findings: list[Finding]
    suppressed: list[Finding]
    # Rules that raised are InternalError entries (file and line of the object), never input errors.
    errors: list[LoadError]
    # Rules that raised (a bug, or an input no parser foresaw): their findings are missing.
    failed_rules: list[str]
    # Rules not run because the time budget ran out (the webhook's per-request deadline).
    skipped_rules: list[str]

    __slots__ = ("findings", "suppressed", "errors", "failed_rules", "skipped_rules")

    def __init__(self) -> None:
        self.findings = []
        self.suppressed = []
        self.errors = []
        self.failed_rules = []
        self.skipped_rules = []


def wanted_kinds(settings: Settings) -> frozenset[str]:
    """Kinds any enabled rule reads, plus what the inventory indexes for cross-object rules."""
    kinds: set[str] = {"ConfigMap", "Secret", "ServiceAccount", "Service", "NetworkPolicy", "Namespace"}
    for rid, rule in all_rules().items():
        if rid in settings.rules and settings.rules[rid].enabled:
            kinds |= rule.kinds | rule.loads
            if rule.loads_for is not None:
                kinds |= rule.loads_for(settings.knowledge)
    return frozenset(kinds)


def _suppressions(annotations: dict[str, Any]) -> tuple[set[str], str | None]:
    raw = annotations.get(IGNORE_ANNOTATION)
    if not isinstance(raw, str):
        return set(), None
    ids = {p.strip() for p in raw.split(",") if p.strip()}
    reason = annotations.get(IGNORE_REASON_ANNOTATION)
    return ids, reason if isinstance(reason, str) else ""


class Engine:
    """Configured once (per run, or per webhook config reload), then applied to objects."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        rules = all_rules()
        self._active = [rules[rid] for rid, rs in settings.rules.items() if rs.enabled and rid in rules]

    def _rules_for(self, kind: str) -> list[Rule]:
        return [r for r in self._active if kind in r.kinds]

    def run(self, objects: Iterable[K8sObject], inventory: Inventory | None = None,
            deadline: float | None = None) -> EngineResult:
        """Findings of every enabled rule on ``objects``.

        ``deadline`` (a ``time.monotonic()`` value) is for callers that must answer in time, the
        webhook: once it has passed, the remaining rules are not started and are listed in
        ``skipped_rules``, so the caller can answer with what it has and say what is missing.
        """
        objects = list(objects)
        inventory = inventory if inventory is not None else Inventory.from_objects(objects)
        scoped = ScopedInventory(inventory)  # rules resolve references from the object's own scope
        contexts = {r.id: RuleContext(scoped, self.settings.rules[r.id].params, self.settings.knowledge)
                    for r in self._active}
        result = EngineResult()
        cache: dict[str, list[Rule]] = {}
        for obj in objects:
            rules = cache.get(obj.kind)
            if rules is None:
                rules = cache[obj.kind] = self._rules_for(obj.kind)
            if not rules or obj.api_group not in BUILTIN_GROUPS:
                continue
            scoped.near = scope_of(obj)
            workload = None
            ignored, reason = _suppressions(obj.annotations)
            if any(r.wants_workload for r in rules):
                workload = workload_of(obj)
                if workload is not None:
                    t_ignored, t_reason = _suppressions(workload.template_annotations)
                    ignored |= t_ignored
                    reason = reason or t_reason
            for rule in rules:
                subject = workload if rule.wants_workload else obj
                if subject is None:
                    continue
                if deadline is not None and time.monotonic() > deadline:
                    result.skipped_rules.append(rule.id)
                    continue
                try:
                    hits = list(rule.check(subject, contexts[rule.id]))
                except Exception as exc:  # a rule bug must not hide every other finding
                    line, _ = obj.locate(())
                    result.errors.append(InternalError(
                        obj.file, line, f"internal error in rule {rule.id} on {obj.ref()}: {type(exc).__name__}: "
                        f"{exc} (a crashlint bug: this rule's findings on it are missing; the other rules ran)", rule.id))
                    result.failed_rules.append(rule.id)
                    continue
                for hit in hits:
                    finding = self._finding(rule.id, obj, hit)
                    if rule.id in ignored or "*" in ignored or "all" in ignored:
                        finding.suppressed = reason or ""
                        result.suppressed.append(finding)
                    else:
                        result.findings.append(finding)
        result.findings.sort(key=Finding.sort_key)
        result.suppressed.sort(key=Finding.sort_key)
        return result

    def _finding(self, rid: str, obj: K8sObject, hit: Hit) -> Finding:
        rs = self.settings.rules[rid]
        if hit.position:
            file, (line, col) = hit.file or obj.file, hit.position
        else:
            file, line, col = obj.source(hit.pointer, hit.anchor)
        unit = getattr(obj, "unit", None)  # a kustomize build's object (BuiltObject) knows its unit
        extra: dict[str, Any] = {"unit": unit} if isinstance(unit, str) else {}
        if hit.places:
            extra["places"] = [_place(obj, words, container, pointer) for words, container, pointer in hit.places]
        return Finding(
            rule=rid, severity=rs.severity if rs.severity_overridden else (hit.severity or rs.severity), cause=rs.cause, message=hit.message,
            file=file, line=line, column=col, object=obj.identity(), container=hit.container,
            path=pointer_str(hit.pointer), fix=hit.fix, extra=extra,
        )


def _place(obj: K8sObject, words: str, container: str | None, pointer: tuple[str | int, ...]) -> dict[str, Any]:
    """One place of a finding that has several (``Hit.places``), positioned like the finding itself."""
    file, line, col = obj.source(pointer, "value")
    return {"where": words, "container": container, "path": pointer_str(pointer), "file": file, "line": line,
            "column": col}
