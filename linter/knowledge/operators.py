"""Pods that no manifest defines: those operators and the built-in controllers create, and their labels.

A Service may rightly select pods that the linted files never spell out: a CloudNativePG
``Cluster`` named ``db`` becomes pods labelled ``cnpg.io/cluster=db``, a StatefulSet ``web``
becomes pods labelled ``statefulset.kubernetes.io/pod-name=web-0``. ``policies/operators.yaml``
lists, with a source each, the labels operators (``pod_labels``) and controllers
(``controller_labels``) put on the pods they create. This module reads those entries and
answers two questions for a selector: which entries does it aim at (its keys include an entry's
``signature``), and does a given resource's pods satisfy it.

Label values in the knowledge are patterns: ``{name}`` (the resource's name), ``{namespace}``,
``{ordinal}`` (a pod index), ``*`` (any value), or a list of the values the label takes.
"""

from __future__ import annotations

import re

from crashlint.model.objects import K8sObject
from crashlint.model.nested import dig_str
from crashlint.model.record import Value
from crashlint.knowledge.selectors import _label_value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

_PLACEHOLDER = re.compile(r"\{(name|namespace|ordinal)\}")


class PodSource(Value):
    """One ``pod_labels`` (or ``controller_labels``) entry of ``policies/operators.yaml``."""

    __slots__ = ("operator", "kind", "group", "labels", "template_labels", "signature", "namespace", "source")

    operator: Final[str]
    kind: Final[str | None]
    group: Final[str]
    labels: Final[dict[str, Any]]
    template_labels: Final[tuple[str, ...]]
    signature: Final[tuple[str, ...]]
    namespace: Final[str | None]
    source: Final[str]

    def __init__(self, operator: str, kind: str | None, group: str, labels: dict[str, Any],
                 template_labels: tuple[str, ...], signature: tuple[str, ...], namespace: str | None,
                 source: str) -> None:
        self.operator = operator
        self.kind = kind
        self.group = group
        self.labels = labels
        self.template_labels = template_labels
        self.signature = signature
        self.namespace = namespace
        self.source = source

    def owns(self, obj: K8sObject) -> bool:
        """Whether ``obj`` is this entry's resource (kind, and API group when one is given)."""
        return obj.kind == self.kind and (not self.group or obj.api_version.startswith(self.group + "/"))


def _strings(raw: Any) -> tuple[str, ...]:
    return tuple(x for x in raw if isinstance(x, str)) if isinstance(raw, list) else ()


def _source(e: dict[str, Any], with_kind: bool = True) -> PodSource | None:
    kind = dig_str(e, "kind")
    labels = e.get("labels")
    if not isinstance(labels, dict) or (with_kind and kind is None and not isinstance(e.get("namespace"), str)):
        return None
    return PodSource(
        operator=str(e.get("operator") or kind or "an operator"), kind=kind, group=str(e.get("group") or ""),
        labels={str(k): v for k, v in labels.items()}, template_labels=_strings(e.get("template_labels")),
        signature=_strings(e.get("signature")),
        namespace=dig_str(e, "namespace"), source=str(e.get("source") or ""))


# Parsed entries per knowledge list (held, so its id stays unique while cached).
_MEMO: dict[tuple[int, str], tuple[Any, list[PodSource]]] = {}


def sources(knowledge: dict[str, Any], section: str = "pod_labels") -> list[PodSource]:
    """The readable entries of ``operators.<section>`` (parsed once per knowledge list)."""
    ops = knowledge.get("operators")
    raw = ops.get(section) if isinstance(ops, dict) else None
    if not isinstance(raw, list):
        return []
    held = _MEMO.get((id(raw), section))
    if held is not None and held[0] is raw:
        return held[1]
    if len(_MEMO) >= 64:
        _MEMO.clear()
    parsed = [s for s in (_source(e, section == "pod_labels") for e in raw if isinstance(e, dict)) if s is not None]
    _MEMO[(id(raw), section)] = (raw, parsed)
    return parsed


def operator_kinds(knowledge: dict[str, Any]) -> frozenset[str]:
    """Kinds of custom resources that operators turn into pods (the loader must keep them)."""
    return frozenset(s.kind for s in sources(knowledge) if s.kind)


def _regex(pattern: str, name: str | None, namespace: str | None) -> re.Pattern[str]:
    """``{name}-{ordinal}`` as a regex; an unknown name or namespace is captured, not compared."""
    out, pos, seen = [], 0, set()
    for m in _PLACEHOLDER.finditer(pattern):
        out.append(re.escape(pattern[pos:m.start()]))
        what = m.group(1)
        known = name if what == "name" else namespace if what == "namespace" else None
        if what == "ordinal":
            out.append("[0-9]+")
        elif known is not None:
            out.append(re.escape(known))
        elif what in seen:
            out.append(f"(?P={what})")
        else:
            out.append(f"(?P<{what}>.+?)")
            seen.add(what)
        pos = m.end()
    out.append(re.escape(pattern[pos:]))
    return re.compile("".join(out))


def value_matches(spec: Any, value: str, name: str | None, namespace: str | None) -> bool:
    """Whether a pod of this entry can carry ``value`` for a label whose knowledge is ``spec``."""
    if isinstance(spec, list):
        return any(value_matches(s, value, name, namespace) for s in spec if not isinstance(s, list))
    text = _label_value(spec)
    if text is None:
        return False
    if text == "*":
        return True
    if "{" not in text:
        return text == value
    return _regex(text, name, namespace).fullmatch(value) is not None


def names_in(selector: dict[str, str], src: PodSource, namespace: str | None) -> set[str]:
    """Resource names a selector implies through this entry's ``{name}`` labels (``cnpg.io/cluster=db``: db)."""
    out: set[str] = set()
    for key, value in selector.items():
        spec = src.labels.get(key)
        if isinstance(spec, str) and "{name}" in spec:
            m = _regex(spec, None, namespace).fullmatch(value)
            if m is not None:
                out.add(m.group("name"))
    return out


def template_labels(obj: K8sObject, src: PodSource) -> list[dict[str, Any]]:
    """The label maps ``src.template_labels`` point at in ``obj`` (a list on a path: each element)."""
    out: list[dict[str, Any]] = []
    for path in src.template_labels:
        level: list[Any] = [obj.data]
        for part in path.split("."):
            nxt: list[Any] = []
            for node in level:
                for item in (node if isinstance(node, list) else [node]):
                    if isinstance(item, dict) and part in item:
                        nxt.append(item[part])
            level = nxt
        out.extend(m for node in level for m in (node if isinstance(node, list) else [node]) if isinstance(m, dict))
    return out


def satisfied_by(selector: dict[str, str], src: PodSource, name: str | None, namespace: str | None,
                 extra: list[dict[str, Any]]) -> bool:
    """Whether the pods ``src`` makes for resource ``name`` carry every pair of ``selector``.

    A pair is carried when the operator sets that label to a matching value, or one of the
    resource's own pod-template label maps (``extra``) holds it.
    """
    for key, value in selector.items():
        spec = src.labels.get(key)
        if spec is not None and value_matches(spec, value, name, namespace):
            continue
        if any(_label_value(labels.get(key)) == value for labels in extra):
            continue
        return False
    return True


def aims_at(selector: dict[str, str], src: PodSource, namespace: str | None) -> bool:
    """Whether ``selector`` is meant for this entry's pods: it uses a signature key, and every pair the
    entry knows fits (pairs it does not know may come from the resource's pod template)."""
    if src.namespace is not None and src.namespace != namespace:
        return False
    if not any(k in selector for k in src.signature):
        return False
    for key, value in selector.items():
        spec = src.labels.get(key)
        if spec is None:
            if not src.template_labels:
                return False
            continue
        if not value_matches(spec, value, None, namespace):
            return False
    return True
