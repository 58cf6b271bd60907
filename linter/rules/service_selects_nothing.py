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
from ..selectors import EXTRA_TEMPLATE_KINDS, PodTemplate, map_matches, pod_templates, readable_map
from ._services import routed_selector, selected

ID = "service-selects-nothing"
KINDS = frozenset({"Service"})


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
        for e in ctx.inventory.of_kind(entry["kind"], obj.namespace):
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
    everywhere = pod_templates(ctx.inventory)
    shown = ", ".join(f"{k}={v}" for k, v in selector.items())
    elsewhere = sorted({t.obj.namespace or "" for t in everywhere if map_matches(selector, t.labels)})
    if elsewhere:
        hint = (f" Pods with these labels exist in namespace {', '.join(elsewhere)}: a Service only selects "
                f"pods of its own namespace.")
    else:
        near = _closest(selector, [t for t in everywhere if t.obj.namespace == obj.namespace])
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


def _closest(selector: dict[str, str], templates: list[PodTemplate]) -> PodTemplate | None:
    """The template a typo most likely meant: most equal pairs, then the most similar values."""
    best, best_score = None, (0, 0.5)
    for t in templates:
        equal = sum(1 for k, v in selector.items() if str(t.labels.get(k)) == v)
        similar = max((_similarity(v, str(t.labels[k])) for k, v in selector.items() if k in t.labels), default=0.0)
        score = (equal, similar)
        if similar > 0.5 and score > best_score:
            best, best_score = t, score
    return best


def _similarity(a: str, b: str) -> float:
    """``web`` vs ``web-frontend``: containment counts as close, else difflib's ratio."""
    return 0.8 if a and b and (a in b or b in a) else SequenceMatcher(None, a, b).ratio()
