"""service-selects-nothing: a Service whose selector matches no pod of its namespace.

A Service routes to the ready pods whose labels match its selector, in its own namespace. When
none match (a label typo, a selector key the pods lack, the Service in another namespace) it
has no endpoints: every client gets ``connection refused`` or a timeout, and clients that exit
on a failed connection crash-loop while the Service itself looks fine. Pod templates are those
of the linted set (Pods, Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, ReplicaSets,
Argo Rollouts, ...). A warning when the set has pod templates somewhere; info when it has none
at all (partial input: the pods may be deployed by another pipeline).
"""

from __future__ import annotations

from collections.abc import Iterator
from difflib import SequenceMatcher

from ..findings import Hit
from ..model import K8sObject
from ..rules import RuleContext
from ..selectors import EXTRA_TEMPLATE_KINDS, PodTemplate, map_matches, pod_templates
from ._services import routed_selector, selected

ID = "service-selects-nothing"
KINDS = frozenset({"Service"})
# Rollout/CloneSet are loaded so their pods count as targets.
LOADS = frozenset(EXTRA_TEMPLATE_KINDS)


def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Hit]:
    routed = routed_selector(obj)
    if routed is None:
        return
    _, selector = routed
    if selected(obj, selector, ctx):
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
    severity = None if everywhere else ctx.params.get("severity_when_no_workloads", "info")
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
