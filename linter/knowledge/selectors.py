"""Label selectors as the API server evaluates them: the one label matcher of crashlint.

Two shapes exist: a Service's ``spec.selector`` (a plain map, every pair must match) and a
``LabelSelector`` (``matchLabels`` plus ``matchExpressions`` with In/NotIn/Exists/DoesNotExist),
used by NetworkPolicies and controllers. A selector crashlint cannot read (wrong types, an
unknown operator) matches nothing *and* is reported as unreadable, so callers can stay quiet
instead of guessing. :func:`requirement_matches` is the one evaluation of a term (``key op
values``) that every selector reader uses: the LabelSelectors here, the parsed selectors of
``validation.selectors`` and the string selectors of kustomize's patch targets.

:func:`pod_templates` lists what selectors are matched against: the labels and pod spec of
every pod-running object of the linted files.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from crashlint.model.inventory import InventoryView
from crashlint.model.invcache import memo
from crashlint.model.objects import K8sObject
from crashlint.model.nested import dig_map
from crashlint.model.record import Value
from crashlint.model.workloads import WORKLOAD_KINDS, workload_of

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final


def _label_value(v: Any) -> str | None:
    """Label values are strings; YAML turns ``true``/``1`` into other scalars, which kubectl refuses."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, int, float)):
        return str(v)
    return None


def readable_map(selector: Any) -> dict[str, str] | None:
    """A Service-style selector as ``{key: value}``; None when it is not a map of scalars."""
    if not isinstance(selector, dict):
        return None
    out: dict[str, str] = {}
    for k, v in selector.items():
        val = _label_value(v)
        if not isinstance(k, str) or val is None:
            return None
        out[k] = val
    return out


def map_matches(selector: Mapping[str, str], labels: Mapping[str, Any]) -> bool:
    """Every selector pair present in ``labels`` with the same value (an empty map matches all)."""
    return all(_label_value(labels.get(k)) == v for k, v in selector.items())


def label_selector_matches(selector: Any, labels: dict[str, Any]) -> bool | None:
    """Evaluate a ``LabelSelector``; None when the selector is malformed.

    ``{}`` (and a missing selector given as ``{}``) matches every label set, as for a
    NetworkPolicy's ``podSelector: {}``.
    """
    if not isinstance(selector, dict):
        return None
    match_labels = selector.get("matchLabels")
    if match_labels is not None:
        ml = readable_map(match_labels)
        if ml is None:
            return None
        if not map_matches(ml, labels):
            return False
    exprs = selector.get("matchExpressions")
    if exprs is None:
        return True
    if not isinstance(exprs, list):
        return None
    for expr in exprs:
        result = _expression_matches(expr, labels)
        if result is None:
            return None
        if not result:
            return False
    return True


def _expression_matches(expr: Any, labels: dict[str, Any]) -> bool | None:
    if not isinstance(expr, dict) or not isinstance(expr.get("key"), str):
        return None
    raw_values = expr.get("values") or []
    if not isinstance(raw_values, list):
        return None
    return requirement_matches(expr["key"], expr.get("operator"), {_label_value(v) for v in raw_values}, labels)


def requirement_matches(key: str, op: Any, values: Collection[str | None], labels: Mapping[str, Any]) -> bool | None:
    """One selector term against a label map, as ``Requirement.Matches`` (apimachinery
    ``pkg/labels/selector.go``, unchanged since 1.0) evaluates it; None for an operator that a
    ``LabelSelector`` does not define.

    ``In`` (and ``=``/``==``): the key is present with one of the values. ``NotIn`` (and ``!=``):
    the key is absent, or present with none of them. ``Exists``: present. ``DoesNotExist``: absent.
    Label values are compared as the strings the server holds (``true`` and ``1`` read by YAML
    as other scalars compare as ``"true"`` and ``"1"``).
    """
    present = key in labels
    actual = _label_value(labels[key]) if present else None
    if op == "In":
        return present and actual in values
    if op == "NotIn":
        return not present or actual not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    return None


# Pod-running kinds of other projects whose pod template sits at spec.template (Argo Rollouts,
# OpenKruise): loaded for the networking rules so their pods count as Service targets.
EXTRA_TEMPLATE_KINDS = ("Rollout", "CloneSet")


class PodTemplate(Value):
    """Labels and pod spec of something in the set that runs pods."""

    __slots__ = ("obj", "labels", "spec")

    obj: Final[K8sObject]
    labels: Final[dict[str, Any]]
    spec: Final[dict[str, Any]]

    def __init__(self, obj: K8sObject, labels: dict[str, Any], spec: dict[str, Any]) -> None:
        self.obj = obj
        self.labels = labels
        self.spec = spec

    def containers(self, with_sidecars: bool = True) -> list[dict[str, Any]]:
        """App containers (and native sidecars, whose ports also serve traffic)."""
        out = [c for c in self.spec.get("containers") or [] if isinstance(c, dict)]
        if with_sidecars:
            out += [c for c in self.spec.get("initContainers") or []
                    if isinstance(c, dict) and c.get("restartPolicy") == "Always"]
        return out


def pod_templates(inv: InventoryView, namespace: str | None = None) -> list[PodTemplate]:
    """Every pod template of the linted files (in ``namespace`` when given); built once per run."""
    by_ns = memo(inv, "pod_templates", lambda: _templates_by_namespace(inv))
    if namespace is None:
        return [t for ts in by_ns.values() for t in ts]
    return by_ns.get(namespace, [])


def templates_with_label(inv: InventoryView, namespace: str | None, key: str, value: str) -> list[PodTemplate]:
    """Pod templates of ``namespace`` carrying ``key=value`` (indexed once per run)."""
    def compute() -> dict[tuple[str | None, str, str], list[PodTemplate]]:
        index: dict[tuple[str | None, str, str], list[PodTemplate]] = {}
        for t in _all_templates(inv):
            for k, v in t.labels.items():
                val = _label_value(v)
                if isinstance(k, str) and val is not None:
                    index.setdefault((t.obj.namespace, k, val), []).append(t)
        return index
    return memo(inv, "label_index", compute).get((namespace, key, value), [])


def has_templates(inv: InventoryView) -> bool:
    """Whether the linted files define any pod template at all."""
    return any(memo(inv, "pod_templates", lambda: _templates_by_namespace(inv)).values())


def namespaces_matching(inv: InventoryView, selector: dict[str, str]) -> set[str | None]:
    """Namespaces with a pod template that ``selector`` (a non-empty map) matches.

    Only templates carrying the selector's rarest pair are tried (from an index over all
    namespaces, built once per run), not every template of the set.
    """
    def compute() -> dict[tuple[str, str], list[PodTemplate]]:
        index: dict[tuple[str, str], list[PodTemplate]] = {}
        for t in _all_templates(inv):
            for k, v in t.labels.items():
                val = _label_value(v)
                if isinstance(k, str) and val is not None:
                    index.setdefault((k, val), []).append(t)
        return index
    index = memo(inv, "label_index_any_namespace", compute)
    rarest = min((index.get(pair, []) for pair in selector.items()), key=len)
    return {t.obj.namespace for t in rarest if map_matches(selector, t.labels)}


def templates_with_key(inv: InventoryView, namespace: str | None, key: str) -> list[PodTemplate]:
    """Pod templates of ``namespace`` that carry the label ``key`` at all, in the set's order."""
    def compute() -> dict[tuple[str | None, str], list[PodTemplate]]:
        index: dict[tuple[str | None, str], list[PodTemplate]] = {}
        for t in _all_templates(inv):
            for k in t.labels:
                if isinstance(k, str):
                    index.setdefault((t.obj.namespace, k), []).append(t)
        return index
    return memo(inv, "label_key_index", compute).get((namespace, key), [])


def _templates_by_namespace(inv: InventoryView) -> dict[str | None, list[PodTemplate]]:
    out: dict[str | None, list[PodTemplate]] = {}
    for t in _all_templates(inv):
        out.setdefault(t.obj.namespace, []).append(t)
    return out


def template_order(inv: InventoryView) -> dict[int, int]:
    """Position of each template (by ``id``) in the set's stable order, for callers that merge index lists."""
    return memo(inv, "template_order", lambda: {id(t): i for i, t in enumerate(_all_templates(inv))})


def _all_templates(inv: InventoryView) -> list[PodTemplate]:
    """Every pod template, built once per run: all the indexes above share these very objects."""
    return memo(inv, "all_templates", lambda: _build_templates(inv))


def _build_templates(inv: InventoryView) -> list[PodTemplate]:
    out: list[PodTemplate] = []
    for kind in (*sorted(WORKLOAD_KINDS), *EXTRA_TEMPLATE_KINDS):  # stable message order
        for e in inv.of_kind(kind):
            if e.obj is None:
                continue
            wl = workload_of(e.obj)
            if wl is not None:
                out.append(PodTemplate(e.obj, wl.template_labels, wl.spec))
                continue
            spec = e.obj.data.get("spec")
            tmpl = spec.get("template") if isinstance(spec, dict) else None
            if isinstance(tmpl, dict) and isinstance(tmpl.get("spec"), dict):
                out.append(PodTemplate(e.obj, dig_map(tmpl, "metadata", "labels"), tmpl["spec"]))
    return out
