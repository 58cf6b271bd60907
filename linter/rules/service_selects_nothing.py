"""service-selects-nothing: a Service whose selector matches no pod of its namespace.

A Service routes to the ready pods whose labels match its selector, in its own namespace. When
none match (a label typo, a selector key the pods lack, the Service in another namespace) it
has no endpoints: every client gets ``connection refused`` or a timeout, and clients that exit
on a failed connection crash-loop while the Service itself looks fine. Pod templates are those
of the linted set (Pods, Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, ReplicaSets,
Argo Rollouts, ...). A warning when the set has pod templates somewhere; info when it has none
at all (partial input: the pods may be deployed by another pipeline).

Operators create pods from custom resources (a ``Prometheus`` becomes a StatefulSet): when a
custom resource of the Service's namespace is known (``policies/operators.yaml``) and the labels
its operator puts on pods match the selector, the Service selects something; when the namespace
holds such a resource whose labels do not match, the finding is only info.
"""

from __future__ import annotations

from collections.abc import Iterator
from difflib import SequenceMatcher

from typing import Any

from ..findings import Hit
from ..model import K8sObject
from ..policy import load_policies
from ..rules import RuleContext
from ..invcache import entries_in
from ..inventory import Inventory
from ..selectors import (EXTRA_TEMPLATE_KINDS, PodTemplate, has_templates, map_matches, namespaces_matching,
                         readable_map, template_order, templates_with_key)
from ._services import routed_selector, selected

ID = "service-selects-nothing"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)
KINDS = frozenset({"Service"})
# Bounds of the "did you mean" search: templates compared, and selector pairs measured by difflib.
MAX_CANDIDATES = 64
MAX_COMPARED_PAIRS = 16


def _operator_entries(knowledge: dict[str, Any]) -> list[dict[str, Any]]:
    entries = (knowledge.get("operators") or {}).get("pod_labels") or []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("kind"), str)]


# Rollout/CloneSet are loaded so their pods count as targets; operator custom resources so the
# pods their operators create do.
LOADS = frozenset(EXTRA_TEMPLATE_KINDS) | {e["kind"] for e in _operator_entries(load_policies().knowledge)}


def _operator_pods(obj: K8sObject, ctx: RuleContext) -> Iterator[tuple[K8sObject, dict[str, str]]]:
    """(custom resource, labels of the pods its operator creates) for the Service's namespace."""
    for entry in _operator_entries(ctx.knowledge):
        group = str(entry.get("group") or "")
        for e in entries_in(ctx.inventory, entry["kind"], obj.namespace):
            cr = e.obj
            if cr is None or (group and not cr.api_version.startswith(group + "/")):
                continue
            labels = {str(k): str(v).replace("{name}", cr.name) for k, v in (entry.get("labels") or {}).items()}
            spec = cr.data.get("spec")
            meta = spec.get("podMetadata") if isinstance(spec, dict) else None
            labels.update(readable_map(meta.get("labels") if isinstance(meta, dict) else None) or {})
            yield cr, labels


def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Hit]:
    routed = routed_selector(obj)
    if routed is None:
        return
    _, selector = routed
    if selected(obj, selector, ctx):
        return
    operated = list(_operator_pods(obj, ctx))
    if any(map_matches(selector, labels) for _, labels in operated):
        return
    everywhere = has_templates(ctx.inventory)
    shown = ", ".join(f"{k}={v}" for k, v in selector.items())
    elsewhere = sorted(ns or "" for ns in namespaces_matching(ctx.inventory, selector))
    if elsewhere:
        hint = (f" Pods with these labels exist in namespace {', '.join(elsewhere)}: a Service only selects "
                f"pods of its own namespace.")
    else:
        near = _closest(selector, _candidates(ctx.inventory, obj.namespace, selector))
        hint = (f" Closest: {near.obj.kind} '{near.obj.name}' has labels "
                f"{', '.join(f'{k}={v}' for k, v in near.labels.items())}." if near else "")
    if operated:
        crs = ", ".join(f"{cr.kind}/{cr.name}" for cr, _ in operated)
        hint += f" Pods may also be created by an operator from {crs}, with labels crashlint does not know."
    severity = None if everywhere and not operated else ctx.params.get("severity_when_no_workloads", "info")
    scope = "no pod template of the linted files" if everywhere else \
        "no pod template (the linted files define none; the pods may come from elsewhere)"
    yield Hit(("spec", "selector"), (
        f"Service '{obj.name}' selects {shown}, which matches {scope} in namespace '{obj.namespace}': it "
        f"would have no endpoints, so clients get connection refused or time out (and those that exit on it "
        f"crash-loop).{hint}"), anchor="key", severity=severity)


def _candidates(inv: Inventory, namespace: str | None, selector: dict[str, str]) -> list[PodTemplate]:
    """The first :data:`MAX_CANDIDATES` templates of the namespace (in the set's order) sharing a label key
    with the selector: only those can score, and the bound keeps "did you mean" from comparing every
    Service with every template (difflib per pair is what made large sets quadratic)."""
    found: dict[int, PodTemplate] = {}
    for key in list(selector)[:MAX_COMPARED_PAIRS]:
        for t in templates_with_key(inv, namespace, key)[:MAX_CANDIDATES]:
            found.setdefault(id(t), t)
    order = template_order(inv)
    return sorted(found.values(), key=lambda t: order[id(t)])[:MAX_CANDIDATES]


def _closest(selector: dict[str, str], templates: list[PodTemplate]) -> PodTemplate | None:
    """The template a typo most likely meant: most equal pairs, then the most similar values.

    Similarity is measured on the selector's first :data:`MAX_COMPARED_PAIRS` pairs, each value cut to
    the 63 characters a label value may have: difflib is quadratic in the strings it compares.
    """
    best, best_score = None, (0, 0.5)
    compared = list(selector.items())[:MAX_COMPARED_PAIRS]
    for t in templates:
        equal = sum(1 for k, v in selector.items() if str(t.labels.get(k)) == v)
        similar = max((_similarity(v[:63], str(t.labels[k])[:63]) for k, v in compared if k in t.labels),
                      default=0.0)
        score = (equal, similar)
        if similar > 0.5 and score > best_score:
            best, best_score = t, score
    return best


def _similarity(a: str, b: str) -> float:
    """``web`` vs ``web-frontend``: containment counts as close, else difflib's ratio."""
    return 0.8 if a and b and (a in b or b in a) else SequenceMatcher(None, a, b).ratio()
