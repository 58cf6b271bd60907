"""Shared body of missing-configmap and missing-secret (one rule per kind, one logic)."""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.model.invcache import memo
from crashlint.model.inventory import InventoryView
from crashlint.knowledge.mesh import mesh_configmaps
from crashlint.model.objects import K8sObject
from crashlint.knowledge.references import (Reference, first_failure, in_document_order, iter_references, kubelet_symptom,
                          places, resolve, shared_container, used_by)
from crashlint.rules import RuleContext
from crashlint.model.workloads import workload_of


def _namespaces_by_name(inv: InventoryView, kind: str) -> dict[str, set[str]]:
    """name -> namespaces holding a ``kind`` of that name (for the "exists elsewhere" hint)."""
    def compute() -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for e in inv.of_kind(kind):
            out.setdefault(e.name, set()).add(e.namespace or "")
        return out
    return memo(inv, f"names:{kind}", compute)


def missing_objects(obj: K8sObject, ctx: RuleContext, kind: str) -> Iterator[Hit]:
    """One hit per ``kind`` object that non-optional references of the workload need and nothing defines.

    One missing object is one cause, however many fields name it: the hit sits on the first
    place and lists every place (``Hit.places``), so a Secret used by env, envFrom and two volumes
    is one finding, not four. A warning when only files were checked (the object may be created
    elsewhere); an error when a cluster look-up listed the namespace's objects of that kind
    completely and it is not there.
    """
    wl = workload_of(obj)
    if wl is None:
        return
    ns = obj.namespace
    inv = ctx.inventory
    always = ctx.params["always_present"]
    injected = mesh_configmaps(wl, ctx.knowledge) if kind == "ConfigMap" else set()
    missing: dict[str, list[Reference] | None] = {}  # name -> its places; None: it exists
    for ref in iter_references(wl):
        if ref.kind != kind or ref.optional or ref.is_item or ref.name in injected:
            continue  # injected: a mesh control plane writes it into every namespace (policies/mesh.yaml)
        if ref.name not in missing:
            exists, _ = resolve(inv, kind, ns, ref.name, {kind: always})
            missing[ref.name] = None if exists else []
        refs = missing[ref.name]
        if refs is not None:
            refs.append(ref)
    complete = (kind, ns) in inv.complete
    scope = ("is neither in the linted files nor in the cluster" if complete
             else "is not defined in the linted files")
    for name, refs in missing.items():
        if not refs:
            continue
        refs = in_document_order(wl, refs)
        elsewhere = sorted(_namespaces_by_name(inv, kind).get(name, set()))
        hint = f" (a {kind} of that name exists in namespace {', '.join(elsewhere)})" if elsewhere else ""
        them = "the references" if len(refs) > 1 else "the reference"
        yield Hit(refs[0].pointer, (
            f"{kind} \"{name}\" {used_by(refs)} {scope} (namespace \"{ns}\"){hint}; without it "
            f"the kubelet reports {kubelet_symptom(first_failure(refs), ns)}. Create it in this namespace, fix the "
            f"name, or mark {them} `optional: true` if the pod can run without it."),
            container=shared_container(refs), anchor="value", severity="error" if complete else None,
            places=places(refs))
