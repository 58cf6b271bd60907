"""rejected-by-api: what the API server (or kubectl, or the runtime) refuses anyway.

Catching these at commit time saves a failed deploy: ``kubectl apply`` answers
``Deployment.apps "x" is invalid: spec.template.spec.restartPolicy: Unsupported value:
"Never"``, a Job with ``restartPolicy: Always`` is refused, limits below requests are refused
(``must be greater than or equal to cpu request``), probes on init containers are refused, a
liveness ``successThreshold`` other than 1 is refused.

A repeated YAML key is not here: ``kubectl apply -f`` keeps the last value without a word
(``duplicate-key``). Neither are quantities the server accepts but no node or runtime can
honour, such as ``cpu: 64Mi`` or ``memory: 512m`` (``resource-unit-mistake``).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from crashlint.model.findings import Hit, pointer_str
from crashlint.model.objects import K8sObject
from crashlint.model.quantity import QuantityError, parse_quantity
from crashlint.rules import RuleContext
from crashlint.knowledge.validation import problems as validation_problems
from crashlint.knowledge.validation._wording import filled_in_later
from crashlint.knowledge.validation.fields import one_finding_per_place
from crashlint.knowledge.validation.kinds import BUILTIN_KINDS
from crashlint.knowledge.validation.podspec import STATEFULSET_NOTE
from crashlint.model.workloads import (
    RUN_TO_COMPLETION_KINDS,
    Container,
    Workload,
    pod_spec_problems,
    workload_of,
)

ID = "rejected-by-api"
KINDS = BUILTIN_KINDS

_VALID_RESTART = {"Always", "OnFailure", "Never"}
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_CONTAINER_LISTS = ("env", "envFrom", "volumeMounts", "volumeDevices")
_CONTAINER_MAPS = ("livenessProbe", "readinessProbe", "startupProbe", "securityContext", "lifecycle")
_POD_LISTS = ("volumes", "imagePullSecrets", "tolerations", "hostAliases")


def _json_type(value: object) -> str:
    """The JSON name of a value's type, as the API server's messages use."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {"dict": "object", "list": "list", "str": "string"}.get(type(value).__name__, type(value).__name__)


def _quantity_hits(c: Container) -> Iterator[Hit]:
    resources = c.data.get("resources")
    if resources is None:
        return
    if not isinstance(resources, dict):
        yield Hit(c.at("resources"), f"container '{c.name}': resources must be a mapping", container=c.name)
        return
    parsed: dict[str, dict[str, Decimal]] = {}
    for section in ("requests", "limits"):
        values = resources.get(section)
        if values is None:
            continue
        if not isinstance(values, dict):
            yield Hit(c.at("resources", section), f"container '{c.name}': resources.{section} must be a mapping "
                      f"of resource names to quantities, not {_json_type(values)}", container=c.name)
            continue
        parsed[section] = {}
        for res, raw in values.items():
            if raw is None or filled_in_later(raw):
                continue  # null decodes as a zero quantity (apimachinery Quantity.UnmarshalJSON)
            try:
                q = parse_quantity(raw)
            except QuantityError as exc:
                yield Hit(c.at("resources", section, res), f"container '{c.name}': resources.{section}.{res}: "
                          f"{exc}; the API server rejects the object", container=c.name, anchor="value")
                continue
            if q < 0:
                yield Hit(c.at("resources", section, res), f"container '{c.name}': resources.{section}.{res} "
                          "must not be negative", container=c.name, anchor="value")
                continue
            parsed[section][str(res)] = q
    for res, limit in parsed.get("limits", {}).items():
        request = parsed.get("requests", {}).get(res)
        if request is not None and limit < request:
            yield Hit(c.at("resources", "limits", res), (
                f"container '{c.name}': {res} limit {resources['limits'][res]} is below its request "
                f"{resources['requests'][res]}; the API server rejects it (must be greater than or equal "
                f"to {res} request)"), container=c.name, anchor="value")


def _shape_hits(c: Container) -> Iterator[Hit]:
    """Fields other rules read, of the wrong JSON type: the API server's decoder refuses them."""
    for key in _CONTAINER_LISTS:
        v = c.data.get(key)
        if v is not None and not isinstance(v, list):
            yield Hit(c.at(key), f"container '{c.name}': {key} must be a list, not {_json_type(v)}",
                      container=c.name, anchor="value")
    for key in _CONTAINER_MAPS:
        v = c.data.get(key)
        if v is not None and not isinstance(v, dict):
            yield Hit(c.at(key), f"container '{c.name}': {key} must be a mapping, not {_json_type(v)}",
                      container=c.name, anchor="value")


def _container_hits(wl: Workload, c: Container) -> Iterator[Hit]:
    yield from _shape_hits(c)
    # Pod validation, which a StatefulSet's template escapes until its controller creates a pod.
    note = STATEFULSET_NOTE if wl.kind == "StatefulSet" else ""
    for key in ("command", "args"):
        v = c.data.get(key)
        if v is None:
            continue
        if not isinstance(v, list):
            yield Hit(c.at(key), f"container '{c.name}': {key} must be a list of strings, not a "
                      f"{_json_type(v)} (write {key}: [\"...\"])", container=c.name, anchor="value")
        else:
            for i, item in enumerate(v):
                if item is None:
                    continue  # the API decodes null in a string list as ""
                if not isinstance(item, str):
                    yield Hit(c.at(key, i), f"container '{c.name}': {key}[{i}] is a {_json_type(item)}, "
                              f"not a string; quote it (\"{item}\")", container=c.name, anchor="value")
    rp = c.data.get("restartPolicy")
    if rp is not None:
        if not isinstance(rp, str):
            yield Hit(c.at("restartPolicy"), f"container '{c.name}': restartPolicy must be a string",
                      container=c.name, anchor="value")
        elif not c.is_init:
            yield Hit(c.at("restartPolicy"), f"container '{c.name}': restartPolicy is only allowed on init "
                      f"containers (native sidecars){note}", container=c.name, anchor="value")
        elif rp != "Always":
            yield Hit(c.at("restartPolicy"), f"init container '{c.name}': restartPolicy '{rp}' is not "
                      f"supported (only Always, which makes it a native sidecar){note}", container=c.name,
                      anchor="value")
    if c.runs_to_completion_by_design:
        for probe in (*_PROBES, "lifecycle"):
            if c.data.get(probe) is not None:
                yield Hit(c.at(probe), f"init container '{c.name}' has a {probe} (init containers must not have "
                          f"{probe} unless restartPolicy is Always){note or '; the API server rejects it'}",
                          container=c.name, anchor="key")
    for probe in ("livenessProbe", "startupProbe"):
        p = c.data.get(probe)
        if isinstance(p, dict) and p.get("successThreshold") not in (None, 1):
            yield Hit(c.at(probe, "successThreshold"), f"container '{c.name}': {probe}.successThreshold must "
                      f"be 1, not {p.get('successThreshold')!r}{note}", container=c.name, anchor="value",
                      fix=[{"op": "replace", "path": pointer_str(c.at(probe, "successThreshold")),
                            "value": 1}])
    yield from _quantity_hits(c)


def _checks(obj: K8sObject, ctx: RuleContext) -> Iterator[Hit]:
    yield from validation_problems(obj, ctx.knowledge)
    for pointer, message in pod_spec_problems(obj):
        yield Hit(pointer, f"{message}; the API server rejects the {obj.kind}", anchor="key")
    wl = workload_of(obj)
    if wl is None:
        return
    rp = wl.spec.get("restartPolicy")
    if rp is not None:
        where = wl.at("restartPolicy")
        if not isinstance(rp, str) or rp not in _VALID_RESTART:
            yield Hit(where, f"restartPolicy {rp!r} is not one of Always, OnFailure, Never", anchor="value")
        elif wl.kind in RUN_TO_COMPLETION_KINDS and rp == "Always":
            yield Hit(where, f"a {wl.kind}'s pods must have restartPolicy OnFailure or Never; the API server "
                      "rejects Always", anchor="value",
                      fix=[{"op": "replace", "path": pointer_str(where), "value": "OnFailure"}])
        elif wl.kind not in RUN_TO_COMPLETION_KINDS and wl.kind not in ("Pod", "PodTemplate") and rp != "Always":
            yield Hit(where, f"a {wl.kind}'s pod template must have restartPolicy Always; the API server "
                      f"rejects '{rp}' (Unsupported value)", anchor="value",
                      fix=[{"op": "replace", "path": pointer_str(where), "value": "Always"}])
    for key in _POD_LISTS:
        v = wl.spec.get(key)
        if v is not None and not isinstance(v, list):
            yield Hit(wl.at(key), f"{key} must be a list, not {_json_type(v)}", anchor="value")
    # Container names, ports, mounts and env are judged by linter/knowledge/validation/podspec.py.
    for c in wl.containers:
        yield from _container_hits(wl, c)


def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Hit]:
    """Every check above, one finding per place: a decoder finding (``validation/fields.py``)
    at a node another check already explains is left out."""
    return one_finding_per_place(_checks(obj, ctx))
