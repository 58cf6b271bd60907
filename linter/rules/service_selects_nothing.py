"""service-selects-nothing: a Service whose selector matches no pod of its namespace.

A Service routes to the ready pods whose labels match its selector, in its own namespace. When
none match (a label typo, a selector key the pods lack, the Service in another namespace) it
has no endpoints: every client gets ``connection refused`` or a timeout, and clients that exit
on a failed connection crash-loop while the Service itself looks fine. Pod templates are those
of the linted set (Pods, Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, ReplicaSets,
Argo Rollouts, ...). A warning when the set has pod templates somewhere; info when it has none
at all (partial input: the pods may be deployed by another pipeline). A Service with no
``metadata.namespace`` goes wherever it is applied: pods matching it in any namespace count.

Pods that no manifest defines are known from ``policies/operators.yaml``
(:mod:`crashlint.knowledge.operators`): a StatefulSet's pods carry ``statefulset.kubernetes.io/pod-name``,
a Job's ``job-name``; a CloudNativePG ``Cluster`` ``db`` becomes pods labelled
``cnpg.io/cluster=db``. When the operator's custom resource is in the linted set and its pods
match, the Service selects them: no finding. When the selector aims at an operator's pods (a
signature key such as ``cnpg.io/cluster``) but the namespace holds no such resource, the pods
come from elsewhere: info, naming the operator. When such resources are there but none matches
(another name): still a warning, naming them.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.model.invcache import entries_in, memo
from crashlint.model.inventory import InventoryView
from crashlint.model.objects import K8sObject
from crashlint.knowledge.operators import PodSource, aims_at, names_in, operator_kinds, satisfied_by, sources, template_labels
from crashlint.rules import RuleContext
from crashlint.knowledge.selectors import (EXTRA_TEMPLATE_KINDS, PodTemplate, has_templates, namespaces_matching, template_order,
                         templates_with_key)
from crashlint.model.workloads import workload_of
from crashlint.rules._services import routed_selector, selected

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

ID = "service-selects-nothing"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)
KINDS = frozenset({"Service"})
# Bounds of the "did you mean" search: templates compared, and selector pairs measured by difflib.
MAX_CANDIDATES = 64
MAX_COMPARED_PAIRS = 16
_TEMPLATED = ("{{", "${", "<", "$(")


# Rollout/CloneSet are loaded so their pods count as targets; operator custom resources (shipped and
# configured: :func:`loads_for`) so the pods their operators create do.
LOADS = frozenset(EXTRA_TEMPLATE_KINDS)


def loads_for(knowledge: dict[str, Any]) -> frozenset[str]:
    """The custom resource kinds of ``policies/operators.yaml`` (and of ``.crashlint.yaml`` additions)."""
    return operator_kinds(knowledge)


def _by_name(inv: InventoryView, kind: str, namespace: str | None) -> dict[str, list[K8sObject]]:
    """Objects of ``kind`` in ``namespace`` by name (indexed once per run and namespace)."""
    def compute() -> dict[str | None, dict[str, list[K8sObject]]]:
        return {}
    per_ns = memo(inv, f"by-name:{kind}", compute)
    found = per_ns.get(namespace)
    if found is None:
        found = per_ns[namespace] = {}
        for e in entries_in(inv, kind, namespace):
            if e.obj is not None:
                found.setdefault(e.obj.name, []).append(e.obj)
    return found


def _operator_candidates(inv: InventoryView, src: PodSource, namespace: str | None,
                         selector: dict[str, str]) -> list[K8sObject]:
    """Resources of ``src`` in the namespace whose pods might match: those the selector names, and the
    first :data:`MAX_CANDIDATES` others (a selector on template labels or fixed values names none)."""
    index = _by_name(inv, src.kind or "", namespace)
    named = [o for n in names_in(selector, src, namespace) for o in index.get(n, [])]
    others = [e.obj for e in entries_in(inv, src.kind or "", namespace)[:MAX_CANDIDATES] if e.obj is not None]
    # A resource with no name (generateName) or a templated one (`{{ .Name }}`) names no pods to compare.
    return [o for o in named + others if src.owns(o) and o.name and not any(m in o.name for m in _TEMPLATED)]


def _controller_selected(obj: K8sObject, selector: dict[str, str], ctx: RuleContext) -> bool:
    """Whether a built-in controller's pod labels (``statefulset.kubernetes.io/pod-name=web-0``,
    ``job-name=migrate``) make a template of the set match the selector."""
    for src in sources(ctx.knowledge, "controller_labels"):
        if not src.kind:
            continue
        index = _by_name(ctx.inventory, src.kind, obj.namespace)
        for name in names_in(selector, src, obj.namespace):
            for owner in index.get(name, []):
                wl = workload_of(owner)
                labels = wl.template_labels if wl is not None else {}
                if satisfied_by(selector, src, name, obj.namespace, [labels]):
                    return True
    return False


def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Hit]:
    routed = routed_selector(obj)
    if routed is None:
        return
    _, selector = routed
    if selected(obj, selector, ctx) or _controller_selected(obj, selector, ctx):
        return
    ns = obj.namespace
    missing: list[PodSource] = []  # operators the selector aims at, with no resource of theirs here
    present: list[tuple[PodSource, list[K8sObject]]] = []  # ... with resources here, none matching
    for src in sources(ctx.knowledge):
        candidates = _operator_candidates(ctx.inventory, src, ns, selector) if src.kind else []
        if any(satisfied_by(selector, src, cr.name, ns, template_labels(cr, src)) for cr in candidates):
            return  # the operator makes pods that this Service selects
        if aims_at(selector, src, ns):
            if candidates:
                present.append((src, candidates))
            else:
                missing.append(src)
    shown = ", ".join(f"{k}={v}" for k, v in selector.items())
    if missing:
        made = "; ".join(_maker(m, selector, ns) for m in missing[:3])
        yield Hit(("spec", "selector"), (
            f"Service '{obj.name}' selects {shown}: pods of this Service are made by {made}, which the linted "
            f"files do not define in namespace '{ns}'; crashlint cannot check that they exist."),
            anchor="key", severity="info")
        return
    everywhere = has_templates(ctx.inventory)
    elsewhere = sorted(n or "" for n in namespaces_matching(ctx.inventory, selector))
    if elsewhere and obj.declared_namespace is None:
        return  # no namespace written: it goes wherever it is applied, and there it has pods
    if elsewhere:
        hint = (f" Pods with these labels exist in namespace {', '.join(elsewhere)}: a Service only selects "
                f"pods of its own namespace.")
    else:
        near = _closest(selector, _candidates(ctx.inventory, ns, selector))
        hint = (f" Closest: {near.obj.kind} '{near.obj.name}' has labels "
                f"{', '.join(f'{k}={v}' for k, v in near.labels.items())}." if near else "")
    for src, crs in present[:3]:
        keys = [k for k in selector if isinstance(src.labels.get(k), str) and "{" in src.labels[k]]
        named = ", ".join(
            f"'{cr.name}'" + (f" ({', '.join(f'{k}={_filled(src.labels[k], cr, ns)}' for k in keys)})" if keys else "")
            for cr in crs[:3])
        hint += f" {src.operator} makes pods from {src.kind} {named} in this namespace: none matches."
    severity = None if everywhere or present else ctx.params["severity_when_no_workloads"]
    scope = "no pod template of the linted files" if everywhere else \
        "no pod template (the linted files define none; the pods may come from elsewhere)"
    yield Hit(("spec", "selector"), (
        f"Service '{obj.name}' selects {shown}, which matches {scope} in namespace '{ns}': it "
        f"would have no endpoints, so clients get connection refused or time out (and those that exit on it "
        f"crash-loop).{hint}"), anchor="key", severity=severity)


def _maker(src: PodSource, selector: dict[str, str], namespace: str | None) -> str:
    """``CloudNativePG from Cluster 'db'``: who makes the pods, and from which resource when the selector says."""
    if not src.kind:
        return src.operator
    names = sorted(names_in(selector, src, namespace))
    return f"{src.operator} from {src.kind} {', '.join(repr(n) for n in names)}" if names else \
        f"{src.operator} from a {src.kind}"


def _filled(spec: str, cr: K8sObject, namespace: str | None) -> str:
    """A label pattern with the resource's name and namespace filled in (``{name}-svc``: ``db-svc``)."""
    return spec.replace("{name}", cr.name).replace("{namespace}", namespace or "")


def _candidates(inv: InventoryView, namespace: str | None, selector: dict[str, str]) -> list[PodTemplate]:
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
    if a and b and (a in b or b in a):
        return 0.8
    from difflib import SequenceMatcher  # here: needed only for a Service that selects nothing (1 ms of every start)

    return SequenceMatcher(None, a, b).ratio()
