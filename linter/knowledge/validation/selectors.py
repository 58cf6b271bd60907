"""Workload selectors as the API server validates them on create.

Read from the Kubernetes source (current releases; each rule is older than every supported version):

* ``pkg/apis/apps/validation`` ``ValidateDeploymentSpec``, ``ValidateReplicaSetSpec``,
  ``ValidateStatefulSetSpec``: ``spec.selector: Required value`` when absent (apps/v1 has no
  default selector, unlike the removed extensions/v1beta1 and apps/v1beta1), ``empty selector is
  invalid for deployment`` (the ReplicaSet says "deployment" too; ``statefulset`` for a
  StatefulSet), ``ValidateLabelSelector`` with ``AllowInvalidLabelValueInSelector: false``, and
  ``spec.template.metadata.labels: Invalid value: ...: `selector` does not match template `labels```.
* ``ValidateDaemonSetSpec`` has no ``Required`` check: a DaemonSet without a selector gets the
  selector that matches nothing (``LabelSelectorAsSelector(nil)``), so the server answers with the
  "does not match" error instead.
* ``apimachinery pkg/apis/meta/v1/validation`` ``ValidateLabelSelectorRequirement``: ``In``/``NotIn``
  need ``values`` (``Required value: must be specified when `operator` is 'In' or 'NotIn'``),
  ``Exists``/``DoesNotExist`` forbid them, any other operator is ``not a valid selector operator``,
  keys are qualified names, and each value is a label value.
* ``pkg/apis/core/validation`` ``ValidateReplicationControllerSpec``: the v1 defaults copy the
  template's labels into an empty selector; a selector given must match them, and with neither the
  server answers ``spec.selector: Required value``.
* ``pkg/apis/batch/validation``: a Job without ``manualSelector: true`` gets a generated selector
  (``controller-uid`` = its new UID) and generated template labels (``job-name``,
  ``controller-uid``, and their ``batch.kubernetes.io/`` forms since 1.27); a selector written by
  hand must still match those generated labels (``spec.selector: Invalid value: ...: `selector` not
  auto-generated``), and a template label of those names with another value is refused (``must be
  '<value>'``). With ``manualSelector: true`` the selector is required and must match the template.
  A CronJob's ``jobTemplate`` may set neither (```selector` will be auto-generated``; ``manualSelector:
  Unsupported value: true: supported values: "nil", "false"``).

A selector or template label that holds a render-time placeholder (``${APP}``) is not compared: the
rendered values decide. Objects of a group version the server no longer serves are reported once by
``metadata`` and not judged here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from crashlint.knowledge import k8snames
from crashlint.model.findings import Hit, Pointer
from crashlint.model.objects import K8sObject
from crashlint.model.record import Record, Value
from crashlint.knowledge.selectors import requirement_matches
from crashlint.knowledge.validation.metadata import (decode_error, decoded_by_api_server, go_quote, label_hits, marked_placeholder, string_map_hits,
                       unserved)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

# apps/v1 kinds with a required LabelSelector, and the word the server's "empty selector" message uses.
_APPS_EMPTY_WORD = {"Deployment": "deployment", "ReplicaSet": "deployment", "StatefulSet": "statefulset",
                    "DaemonSet": "daemonset"}
_OPERATORS_WITH_VALUES = ("In", "NotIn")
_OPERATORS_WITHOUT_VALUES = ("Exists", "DoesNotExist")
_JOB_NAME_LABELS = ("job-name", "batch.kubernetes.io/job-name")
_JOB_UID_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid")
_NEW_UID = "\x00the Job's new UID"  # never equal to anything a file can say


class Requirement(Value):
    """One term of a selector: ``key op values``."""

    __slots__ = ("key", "op", "values")

    key: Final[str]
    op: Final[str]  # In | NotIn | Exists | DoesNotExist
    values: Final[frozenset[str]]

    def __init__(self, key: str, op: str, values: frozenset[str]) -> None:
        self.key = key
        self.op = op
        self.values = values

    def matches(self, labels: dict[str, str]) -> bool:
        """``labels.Requirement.Matches`` (``op`` is one of the four: parse_selector refuses others)."""
        return requirement_matches(self.key, self.op, self.values, labels) is True

    def text(self) -> str:
        if self.op == "In" and len(self.values) == 1:
            return f"{self.key}={next(iter(self.values))}"
        if self.op in _OPERATORS_WITH_VALUES:
            return f"{self.key} {self.op.lower()} ({', '.join(sorted(self.values))})"
        return self.key if self.op == "Exists" else f"!{self.key}"


class Selector(Record):
    """A parsed ``LabelSelector``: its terms, whether it can be compared, and what the server refuses in it."""

    __slots__ = ("requirements", "comparable", "hits")

    requirements: list[Requirement]
    comparable: bool  # False when malformed or holding a placeholder
    hits: list[Hit]

    def __init__(self, requirements: list[Requirement], comparable: bool, hits: list[Hit]) -> None:
        self.requirements = requirements
        self.comparable = comparable
        self.hits = hits

    @property
    def empty(self) -> bool:
        return not self.requirements


def go_map(labels: dict[str, str]) -> str:
    """A label map as the server prints an invalid value (``%#v``: keys sorted)."""
    return "map[string]string{" + ", ".join(f"{go_quote(k)}:{go_quote(v)}" for k, v in sorted(labels.items())) + "}"


def _string_labels(raw: Any) -> dict[str, str] | None:
    """A label map as the server holds it; None when it cannot be compared (wrong types, placeholders)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        return None
    out: dict[str, str] = {}
    for k, v in raw.items():
        if not isinstance(k, str) or not (v is None or isinstance(v, str)):
            return None
        v = v or ""
        if marked_placeholder(k) is not None or marked_placeholder(v) is not None:
            return None
        out[k] = v
    return out


def parse_selector(obj: K8sObject, raw: Any, pointer: Pointer, path: str, struct: str) -> Selector:
    """``ValidateLabelSelector`` and ``LabelSelectorAsSelector`` on the selector at ``pointer``."""
    sel = Selector([], True, [])
    if not isinstance(raw, dict):
        sel.hits.append(Hit(pointer, decode_error(obj, raw, struct, path, "v1.LabelSelector"), anchor="value"))
        sel.comparable = False
        return sel
    match_labels = raw.get("matchLabels")
    sel.hits.extend(label_hits(obj, pointer + ("matchLabels",), match_labels, f"{path}.matchLabels",
                               f"{path}.matchLabels", struct="LabelSelector"))
    labels = _string_labels(match_labels)
    if labels is None:
        sel.comparable = False
    else:
        sel.requirements.extend(Requirement(k, "In", frozenset({v})) for k, v in labels.items())
    exprs = raw.get("matchExpressions")
    if exprs is None:
        pass
    elif not isinstance(exprs, list):
        sel.hits.append(Hit(pointer + ("matchExpressions",), decode_error(
            obj, exprs, "LabelSelector", f"{path}.matchExpressions", "[]v1.LabelSelectorRequirement"), anchor="value"))
        sel.comparable = False
    else:
        for i, expr in enumerate(exprs):
            req = _requirement(obj, expr, pointer + ("matchExpressions", i), f"{path}.matchExpressions[{i}]", sel)
            if req is not None:
                sel.requirements.append(req)
    if sel.hits:
        sel.comparable = False
    return sel


def _requirement(obj: K8sObject, expr: Any, pointer: Pointer, path: str, sel: Selector) -> Requirement | None:
    """One ``matchExpressions`` entry, validated; None (and ``sel`` not comparable) when it cannot be used."""
    if not isinstance(expr, dict):
        sel.comparable = False  # a decoder error; the schema check reports the type
        return None
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values")
    if not isinstance(key, (str, type(None))) or not isinstance(op, (str, type(None))) \
            or not isinstance(values, (list, type(None))) \
            or any(not isinstance(v, str) for v in values or []):
        sel.comparable = False  # decoder errors (a number where a string is expected): the schema check's
        return None
    key, op, values = key or "", op or "", values or []
    if any(marked_placeholder(t) is not None for t in (key, *values)):
        sel.comparable = False
        return None
    if op in _OPERATORS_WITH_VALUES:
        if not values:
            sel.hits.append(Hit(pointer, f"{path}.values: Required value: must be specified when `operator` is "
                                "'In' or 'NotIn'", anchor="key"))
    elif op in _OPERATORS_WITHOUT_VALUES:
        if values:
            sel.hits.append(Hit(pointer + ("values",), f"{path}.values: Forbidden: may not be specified when "
                                "`operator` is 'Exists' or 'DoesNotExist'", anchor="key"))
    else:
        sel.hits.append(Hit(pointer + ("operator",) if "operator" in expr else pointer,
                            f"{path}.operator: Invalid value: {go_quote(op)}: not a valid selector operator "
                            "(In, NotIn, Exists or DoesNotExist)", anchor="value" if "operator" in expr else "key"))
    problems = k8snames.qualified_name_problems(key)
    if problems:
        sel.hits.append(Hit(pointer + ("key",) if "key" in expr else pointer,
                            "; ".join(f"{path}.key: Invalid value: {go_quote(key)}: {m}" for m in problems),
                            anchor="value" if "key" in expr else "key"))
    for j, value in enumerate(values):
        problems = k8snames.label_value_problems(value)
        if problems:
            sel.hits.append(Hit(pointer + ("values", j), "; ".join(
                f"{path}.values[{j}]: Invalid value: {go_quote(value)}: {m}" for m in problems), anchor="value"))
    return Requirement(key, op, frozenset(values))


def _template_labels(spec: dict[str, Any], base: Pointer) -> tuple[dict[str, str] | None, Pointer] | None:
    """The pod template's labels (None when not comparable) and where to point; None without a template."""
    template = spec.get("template")
    if not isinstance(template, dict):
        return None
    meta = template.get("metadata")
    if meta is None:
        return {}, base + ("template",)
    if not isinstance(meta, dict):
        return None
    if "labels" not in meta:
        return _string_labels(None), base + ("template", "metadata")
    return _string_labels(meta.get("labels")), base + ("template", "metadata", "labels")


def _first_failing(requirements: list[Requirement], labels: dict[str, str]) -> Requirement | None:
    return next((r for r in requirements if not r.matches(labels)), None)


def _mismatch(requirement: Requirement, labels: dict[str, str], where: Pointer, path: str) -> Hit:
    has = labels.get(requirement.key)
    actual = (f"the template has no label {requirement.key}" if has is None
              else f"the template has {requirement.key}={has}")
    return Hit(where, f"{path}: Invalid value: {go_map(labels)}: `selector` does not match template `labels` "
               f"(the selector requires {requirement.text()}; {actual})", anchor="key")


def _apps(obj: K8sObject, spec: dict[str, Any]) -> Iterator[Hit]:
    raw = spec.get("selector")
    tmpl = _template_labels(spec, ("spec",))
    if raw is None:
        if obj.kind == "DaemonSet":
            shown = go_map(tmpl[0]) if tmpl is not None and tmpl[0] is not None else "map[string]string{...}"
            yield Hit(("spec",), "spec.selector is missing: an apps/v1 DaemonSet has no default selector, so it "
                      f"selects nothing and the server answers spec.template.metadata.labels: Invalid value: {shown}: "
                      "`selector` does not match template `labels`; add spec.selector.matchLabels with the "
                      "template's labels", anchor="key", fix=_selector_fix(tmpl))
        else:
            yield Hit(("spec",), f"spec.selector: Required value (an apps/v1 {obj.kind} has no default selector; "
                      "add spec.selector.matchLabels with the template's labels)", anchor="key",
                      fix=_selector_fix(tmpl))
        return
    sel = parse_selector(obj, raw, ("spec", "selector"), "spec.selector", f"{obj.kind}Spec")
    yield from sel.hits
    if isinstance(raw, dict) and sel.empty and not sel.hits and sel.comparable:
        yield Hit(("spec", "selector"), f"spec.selector: Invalid value: {{}}: empty selector is invalid for "
                  f"{_APPS_EMPTY_WORD[obj.kind]}", anchor="key")
        return
    yield from _match(sel, tmpl, "spec.template.metadata.labels")


def _match(sel: Selector, tmpl: tuple[dict[str, str] | None, Pointer] | None, path: str) -> Iterator[Hit]:
    if not sel.comparable or tmpl is None:
        return
    labels, where = tmpl
    if labels is None:
        return
    failing = _first_failing(sel.requirements, labels)
    if failing is not None:
        yield _mismatch(failing, labels, where, path)


def _selector_fix(tmpl: tuple[dict[str, str] | None, Pointer] | None) -> list[dict[str, Any]] | None:
    """Add ``spec.selector.matchLabels`` equal to the template's labels (what the old API versions defaulted)."""
    if tmpl is None or not tmpl[0]:
        return None
    return [{"op": "add", "path": "/spec/selector", "value": {"matchLabels": dict(tmpl[0])}}]


def _replication_controller(obj: K8sObject, spec: dict[str, Any]) -> Iterator[Hit]:
    raw = spec.get("selector")
    tmpl = _template_labels(spec, ("spec",))
    if raw is not None:
        hits = list(string_map_hits(obj, ("spec", "selector"), raw, "spec.selector", "ReplicationControllerSpec"))
        yield from hits
        if hits:
            return
    selector = _string_labels(raw)
    if selector is None or tmpl is None:
        return
    labels, where = tmpl
    if labels is None:
        return
    if not selector:
        if not labels:
            yield Hit(("spec",), "spec.selector: Required value (a ReplicationController's selector defaults to its "
                      "template's labels, and the template has none)", anchor="key")
        return
    failing = _first_failing([Requirement(k, "In", frozenset({v})) for k, v in selector.items()], labels)
    if failing is not None:
        yield _mismatch(failing, labels, where, "spec.template.metadata.labels")


def _job(obj: K8sObject, spec: dict[str, Any]) -> Iterator[Hit]:
    raw = spec.get("selector")
    tmpl = _template_labels(spec, ("spec",))
    if spec.get("manualSelector") is True:
        if raw is None:
            yield Hit(("spec", "manualSelector"), "spec.selector: Required value (with `manualSelector: true` the "
                      "Job's selector is yours to write; remove manualSelector to let the server generate it)",
                      anchor="key")
            return
        sel = parse_selector(obj, raw, ("spec", "selector"), "spec.selector", "JobSpec")
        yield from sel.hits
        yield from _match(sel, tmpl, "spec.template.metadata.labels")
        return
    name = obj.metadata.get("name")
    name = name if isinstance(name, str) and name else None
    if name is not None and len(name) > k8snames.LABEL_VALUE_MAX:
        yield Hit(("metadata", "name"), f"spec.template.labels: Invalid value: {go_quote(name)}: "
                  f"{k8snames.max_len_error(k8snames.LABEL_VALUE_MAX)} (the server copies the Job's name into the "
                  "pod template's job-name label, whose values are at most 63 characters)", anchor="value")
    labels, where = tmpl if tmpl is not None else (None, ("spec",))
    if labels is None:  # no template labels: none were copied
        labels, where = {}, ("spec",)
    copied = [k for k in _JOB_UID_LABELS if k in labels]
    failing = None
    if raw is not None:
        sel = parse_selector(obj, raw, ("spec", "selector"), "spec.selector", "JobSpec")
        yield from sel.hits
        # With generateName the name the job-name label will carry is not known yet.
        if sel.comparable and not (name is None and any(r.key in _JOB_NAME_LABELS for r in sel.requirements)):
            generated = {**dict.fromkeys(_JOB_UID_LABELS, _NEW_UID), **dict.fromkeys(_JOB_NAME_LABELS, name or "")}
            failing = _first_failing(sel.requirements, generated)
    if failing is not None:
        fix = (f"; its template's {', '.join(copied)} label{'s' if len(copied) > 1 else ''} must be the new UID "
               "as well: a Job copied from a cluster, remove spec.selector and those labels") if copied else \
            "; remove spec.selector, or set manualSelector: true and keep it matching the template"
        yield Hit(("spec", "selector"), f"spec.selector: Invalid value: {failing.text()}: `selector` not "
                  "auto-generated (without `manualSelector: true` the server generates a Job's selector from its "
                  f"new UID and refuses one that would select other pods{fix})", anchor="key")
        copied = []
    for key in copied:
        yield Hit(where + (key,) if where[-1] == "labels" else where,
                  f"spec.template.metadata.labels[{key}]: Invalid value: {go_quote(labels[key])}: must be "
                  "'<the Job's new UID>' (a label copied from an existing Job: the server generates it; remove it)",
                  anchor="key")
    for key in _JOB_NAME_LABELS:
        if name is not None and key in labels and labels[key] != name:
            yield Hit(where + (key,), f"spec.template.metadata.labels[{key}]: Invalid value: "
                      f"{go_quote(labels[key])}: must be '{name}' (the Job's name)", anchor="value")


def _cron_job(spec: dict[str, Any]) -> Iterator[Hit]:
    job_template = spec.get("jobTemplate")
    job_spec = job_template.get("spec") if isinstance(job_template, dict) else None
    if not isinstance(job_spec, dict):
        return
    if job_spec.get("selector") is not None:
        yield Hit(("spec", "jobTemplate", "spec", "selector"), "spec.jobTemplate.spec.selector: Invalid value: "
                  "`selector` will be auto-generated (each Job a CronJob creates gets its own; remove it)",
                  anchor="key")
    if job_spec.get("manualSelector") is True:
        yield Hit(("spec", "jobTemplate", "spec", "manualSelector"), "spec.jobTemplate.spec.manualSelector: "
                  'Unsupported value: true: supported values: "nil", "false"', anchor="value")


def check_object(obj: K8sObject, knowledge: Mapping[str, Any]) -> Iterator[Hit]:
    """What the server refuses in the selector of a Deployment, ReplicaSet, StatefulSet, DaemonSet,
    ReplicationController, Job or CronJob."""
    if decoded_by_api_server(obj) or unserved(obj, knowledge) is not None:
        return
    spec = obj.data.get("spec")
    if not isinstance(spec, dict):
        return  # a missing or mistyped spec is the pod-spec checks' finding
    group, kind = obj.api_group, obj.kind
    if group == "apps" and kind in _APPS_EMPTY_WORD:
        yield from _apps(obj, spec)
    elif group == "" and kind == "ReplicationController":
        yield from _replication_controller(obj, spec)
    elif group == "batch" and kind == "Job":
        yield from _job(obj, spec)
    elif group == "batch" and kind == "CronJob":
        yield from _cron_job(spec)
