"""Shared body of missing-configmap and missing-secret (one rule per kind, one logic)."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Hit
from ..invcache import memo
from ..inventory import Inventory
from ..mesh import mesh_configmaps
from ..model import K8sObject
from ..references import iter_references, kubelet_symptom, resolve, where
from ..rules import RuleContext
from ..workloads import workload_of


def _namespaces_by_name(inv: Inventory, kind: str) -> dict[str, set[str]]:
    """name -> namespaces holding a ``kind`` of that name (for the "exists elsewhere" hint)."""
    def compute() -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for e in inv.of_kind(kind):
            out.setdefault(e.name, set()).add(e.namespace or "")
        return out
    return memo(inv, f"names:{kind}", compute)


def missing_objects(obj: K8sObject, ctx: RuleContext, kind: str) -> Iterator[Hit]:
    """Hits for each non-optional reference to a ``kind`` object that nothing known defines.

    A warning when only files were checked (the object may be created elsewhere); an error when
    a cluster look-up listed the namespace's objects of that kind completely and it is not there.
    """
    wl = workload_of(obj)
    if wl is None:
        return
    ns = obj.namespace
    inv = ctx.inventory
    always = ctx.params.get("always_present") or {}
    injected = mesh_configmaps(wl, ctx.knowledge) if kind == "ConfigMap" else set()
    for ref in iter_references(wl):
        if ref.kind != kind or ref.optional or ref.is_item or ref.name in injected:
            continue  # injected: a mesh control plane writes it into every namespace (policies/mesh.yaml)
        exists, _ = resolve(inv, kind, ns, ref.name, {kind: always})
        if exists:
            continue
        complete = (kind, ns) in inv.complete
        elsewhere = sorted(_namespaces_by_name(inv, kind).get(ref.name, set()))
        hint = f" (a {kind} of that name exists in namespace {', '.join(elsewhere)})" if elsewhere else ""
        scope = ("is neither in the linted files nor in the cluster" if complete
                 else "is not defined in the linted files")
        yield Hit(ref.pointer, (
            f"{kind} \"{ref.name}\" used by {where(ref)} {scope} (namespace \"{ns}\"){hint}; without it "
            f"the kubelet reports {kubelet_symptom(ref, ns)}. Create it in this namespace, fix the name, "
            f"or mark the reference `optional: true` if the pod can run without it."),
            container=ref.container, anchor="value", severity="error" if complete else None)
