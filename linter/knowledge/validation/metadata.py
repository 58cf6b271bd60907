"""Object metadata as the API server validates it on create: served versions, names, labels, annotations.

Read from the Kubernetes source (current releases; the wording has been stable since 1.20):

* ``apimachinery pkg/api/validation/objectmeta.go`` ``ValidateObjectMetaAccessor``: ``generateName`` is
  checked with its trailing ``-`` masked (``maskTrailingDash``), ``name`` with the kind's
  ``ValidateNameFunc`` (table in ``policies/apiserver.yaml``), then ``ValidateLabels`` and
  ``ValidateAnnotations``. ``kubectl apply`` needs a name (``resource name may not be empty``);
  ``generateName`` alone is for ``kubectl create`` and is not flagged.
* ``apimachinery pkg/apis/meta/v1/validation`` ``ValidateLabels``: keys ``IsQualifiedName``, values
  ``IsValidLabelValue``; errors are reported at ``metadata.labels`` with the bad key or value.
* ``ValidateAnnotations``: keys ``IsQualifiedName(strings.ToLower(k))``, and the total of keys and
  values at most ``TotalAnnotationSizeLimitB`` (256 KiB): ``metadata.annotations: Too long: must have
  at most 262144 bytes``.
* ``ValidatePodTemplateSpec`` (core) validates a pod template's labels and annotations under the
  path ``spec.template.labels`` (sic: the server's path omits ``metadata``). A CronJob's
  ``spec.jobTemplate.metadata`` is not validated when the CronJob is created; the Jobs made from it
  are, so a bad label there makes every run fail to be created.
* Labels and annotations are ``map[string]string``: an unquoted ``version: 1.0``, ``enabled: true``
  or ``tier: 3`` is decoded by the server as a number or a boolean and refused before any
  validation: ``Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal
  number into Go struct field ObjectMeta.metadata.labels of type string`` (``sigs.k8s.io/json``,
  Kubernetes 1.23 and later; older servers said ``ReadString: expects " or n``). kubectl reads YAML
  1.1 with go-yaml v2, for which a bare ``y`` or ``n`` is a boolean as well (PyYAML keeps them as
  strings, so they are looked up in the node tree). ``null`` decodes as ``""`` and is accepted.

Placeholders (``{{ .Values.x }}``, ``${VAR}``, ``<node-hostname>``, docs tokens such as ``PV_NAME``)
are values that a render step or a person replaces: a name that holds one is reported as a warning
that says so (the file as written is refused, but it is a template, not the object that will be
applied), once per object; so is ``name:`` with no value (``name: ##CRNAME##`` is a YAML comment, a
blank a script fills). A label or annotation that holds one is not judged at all, since the same
template reports itself through its name or image.
``RELEASE-NAME`` is different: it is what ``helm template`` writes when no release name is given, a
rendered file that is refused as it stands, so it stays an error with that explanation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping

import yaml

from crashlint.knowledge import k8snames
from crashlint.model.findings import Hit, Pointer, pointer_str
from crashlint.model.imageref import placeholder
from crashlint.model.document import node_at
from crashlint.model.objects import CLUSTER_SCOPED, K8sObject
from crashlint.model.nested import dig
from crashlint.model.record import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * (1 << 10)  # apimachinery TotalAnnotationSizeLimitB
MAX_HITS_PER_MAP = 20
_YAML11_BOOLS = frozenset({"y", "Y", "n", "N"})  # booleans to go-yaml v2 only: the rest PyYAML reads alike
_MARKER = re.compile(r"[$<%{]")  # every render-time placeholder form starts with one of these

_FORMATS: dict[str, Callable[[str], list[str]]] = {
    "dns1123-subdomain": k8snames.dns1123_subdomain_problems,
    "dns1123-label": k8snames.dns1123_label_problems,
    "dns1035-label": k8snames.dns1035_label_problems,
    "path-segment": k8snames.path_segment_name_problems,
}
_FLOOR = "path-segment"  # BeforeCreate's check, for every built-in kind

# Pod templates whose metadata the server validates, by (group, kind): (pointer, server path).
_TEMPLATES: dict[tuple[str, str], tuple[Pointer, str]] = {
    ("apps", "Deployment"): (("spec", "template", "metadata"), "spec.template"),
    ("apps", "ReplicaSet"): (("spec", "template", "metadata"), "spec.template"),
    ("apps", "StatefulSet"): (("spec", "template", "metadata"), "spec.template"),
    ("apps", "DaemonSet"): (("spec", "template", "metadata"), "spec.template"),
    ("", "ReplicationController"): (("spec", "template", "metadata"), "spec.template"),
    ("batch", "Job"): (("spec", "template", "metadata"), "spec.template"),
    ("batch", "CronJob"): (("spec", "jobTemplate", "spec", "template", "metadata"), "spec.jobTemplate.spec.template"),
    ("", "PodTemplate"): (("template", "metadata"), "template"),
}


class Removed(Value):
    """A group version the API server no longer serves for a kind."""

    __slots__ = ("removed_in", "use", "everywhere")

    removed_in: Final[str]
    use: Final[str | None]
    everywhere: Final[bool]  # removed in every supported release, not only the newer ones

    def __init__(self, removed_in: str, use: str | None, everywhere: bool) -> None:
        self.removed_in = removed_in
        self.use = use
        self.everywhere = everywhere


Tables = tuple[dict[tuple[str, str], str], dict[tuple[str, str], Removed]]
_last: tuple[Any, Tables] | None = None  # the tables of the last knowledge seen (one run, one knowledge)


def _tables(knowledge: Mapping[str, Any]) -> Tables:
    """``apiserver`` knowledge as look-up tables: (group, kind) -> name format; (apiVersion, kind) -> removal.

    Built from the run's knowledge (``policies/apiserver.yaml`` with a ``.crashlint.yaml`` over it),
    once per knowledge object: every object of a run asks, and the tables are the same for all.
    """
    global _last
    data = knowledge.get("apiserver") or {}
    if _last is not None and _last[0] is data:
        return _last[1]
    names: dict[tuple[str, str], str] = {}
    for entry in data.get("names") or []:
        assert entry["format"] in _FORMATS, entry["format"]
        for kind in entry["kinds"]:
            names.setdefault((entry["group"], kind), entry["format"])  # first match wins, as in every knowledge list
    removed: dict[tuple[str, str], Removed] = {}
    oldest = _release(data.get("oldest_supported", "1.0"))
    for entry in data.get("removed") or []:
        use = entry.get("use") or {}
        for kind in entry["kinds"]:
            removed_in = str(entry["removed_in"])
            removed[(entry["version"], kind)] = Removed(removed_in, use.get(kind), _release(removed_in) <= oldest)
    _last = (data, (names, removed))
    return names, removed


def _release(text: str) -> tuple[int, ...]:
    """``"1.26"`` as ``(1, 26)``, for comparing releases."""
    return tuple(int(p) for p in str(text).split("."))


def unserved(obj: K8sObject, knowledge: Mapping[str, Any]) -> Removed | None:
    """The removal of ``obj``'s apiVersion for its kind, when the server no longer serves it."""
    return _tables(knowledge)[1].get((obj.api_version, obj.kind))


def go_quote(value: str) -> str:
    """A string as Go's ``%q`` prints it (close enough: JSON escapes, non-ASCII kept)."""
    return json.dumps(value, ensure_ascii=False)


def invalid(path: str, value: str, details: list[str]) -> str:
    """``field.Invalid`` as the server prints it, one detail after another."""
    return "; ".join(f"{path}: Invalid value: {go_quote(value)}: {d}" for d in details)


def json_type(value: Any) -> str:
    """The JSON type name Go's decoder puts in ``cannot unmarshal X into ...``."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def decode_error(obj: K8sObject, value: Any, struct: str, path: str, go_type: str) -> str:
    """The server's answer to a value of the wrong JSON type (``sigs.k8s.io/json``, Kubernetes 1.23+)."""
    version = obj.api_version.rsplit("/", 1)[-1] or "v1"
    return (f'{obj.kind} in version "{version}" cannot be handled as a {obj.kind}: json: cannot unmarshal '
            f"{json_type(value)} into Go struct field {struct}.{path} of type {go_type}")


def marked_placeholder(value: str) -> Any:
    """The render-time placeholder in ``value`` (``{{ }}``, ``${ }``, ``$VAR``, ``<...>``, ``{% %}``), or None."""
    if _MARKER.search(value) is None:
        return None
    return placeholder(value)


def _mapping_scalars(node: Any, pointer: Pointer) -> dict[str, yaml.ScalarNode]:
    """The scalar nodes of the mapping at ``pointer`` under ``node``, by key."""
    node = node_at(node, pointer)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)}


class ScalarTexts:
    """How each scalar of an object was written in its file, for fixes that keep the author's text.

    A kustomize-built object answers per value with the file that set it (a patch, or the base);
    each mapping is indexed once, so looking up every value of a map costs linear time.
    """

    def __init__(self, obj: K8sObject) -> None:
        self._obj = obj
        self._maps: dict[tuple[int, Pointer], dict[str, yaml.ScalarNode]] = {}

    def get(self, pointer: Pointer) -> str | None:
        """The text of the scalar at ``pointer`` as written (``1.10``, not ``1.1``)."""
        node = self._node(pointer)
        return node.value if node is not None else None

    def plain(self, pointer: Pointer) -> bool:
        """Whether the scalar at ``pointer`` is written without quotes."""
        node = self._node(pointer)
        return node is not None and not node.style  # None from PyYAML, "" from libyaml

    def _node(self, pointer: Pointer) -> yaml.ScalarNode | None:
        origin_at = getattr(self._obj, "origin_at", None)
        doc, where = origin_at(pointer) if origin_at is not None else (self._obj.document,
                                                                       self._obj.prefix + tuple(pointer))
        if not where or str(where[-1]) != str(pointer[-1]):
            return None  # the origin does not hold this very value
        key = (id(doc), tuple(where[:-1]))
        scalars = self._maps.get(key)
        if scalars is None:
            scalars = self._maps[key] = _mapping_scalars(doc.node, where[:-1])
        return scalars.get(str(where[-1]))


def _key_text(key: Any) -> str | None:
    """A mapping key as the YAML-to-JSON conversion writes it (``1`` -> ``"1"``, ``true`` -> ``"true"``)."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    return None


def _name_hits(obj: K8sObject, meta: dict[str, Any], knowledge: Mapping[str, Any]) -> Iterator[Hit]:
    check = _FORMATS[_tables(knowledge)[0].get((obj.api_group, obj.kind), _FLOOR)]
    name, generate = meta.get("name"), meta.get("generateName")
    if isinstance(generate, str) and generate:
        yield from _one_name(obj, ("metadata", "generateName"), "metadata.generateName", generate,
                             check(k8snames.mask_trailing_dash(generate)))
    elif generate is not None and not isinstance(generate, str):
        yield Hit(("metadata", "generateName"), decode_error(obj, generate, "ObjectMeta", "metadata.generateName",
                                                              "string"), anchor="value")
    if name is None or name == "":
        if isinstance(generate, str) and generate:
            return
        if "name" in meta:
            # `name:` with no value: a blank to fill in (`name: ##CRNAME##` is a YAML comment, so null).
            yield Hit(("metadata", "name"), f"{obj.kind} has an empty metadata.name, a blank to fill in before "
                      "applying: as written `kubectl apply` refuses it (resource name may not be empty)",
                      anchor="key", severity="warning")
        else:
            yield Hit(("metadata",) if "metadata" in obj.data else ("kind",),
                      f"{obj.kind} has no metadata.name: `kubectl apply` refuses it (resource name may not be empty); "
                      "only `kubectl create` accepts `generateName` instead", anchor="key")
        return
    if not isinstance(name, str):
        yield Hit(("metadata", "name"), decode_error(obj, name, "ObjectMeta", "metadata.name", "string"), anchor="value")
        return
    yield from _one_name(obj, ("metadata", "name"), "metadata.name", name, check(name))


def _one_name(obj: K8sObject, pointer: Pointer, path: str, name: str, problems: list[str]) -> Iterator[Hit]:
    if not problems:
        return
    quoted = invalid(path, name, problems)
    found = placeholder(name)  # marked ({{ }}, ${ }, <...>) or a docs token such as PV_NAME
    if found is not None:
        yield Hit(pointer, f"{path} {go_quote(name)} holds a template placeholder left in the file ({found.token}: "
                  f"{found.what}); as written the API server refuses it ({quoted}); {found.hint}",
                  anchor="value", severity="warning")
    elif "RELEASE-NAME" in name:
        yield Hit(pointer, f"{quoted} (`RELEASE-NAME` is what `helm template` writes when no release name is "
                  "given: a template placeholder left in the file; render with `helm template NAME CHART`)",
                  anchor="value")
    else:
        yield Hit(pointer, quoted, anchor="value")


def _namespace_hits(obj: K8sObject, meta: dict[str, Any]) -> Iterator[Hit]:
    ns = meta.get("namespace")
    if ns is None or ns == "" or obj.kind in CLUSTER_SCOPED:
        return
    if not isinstance(ns, str):
        yield Hit(("metadata", "namespace"), decode_error(obj, ns, "ObjectMeta", "metadata.namespace", "string"),
                  anchor="value")
        return
    problems = k8snames.dns1123_label_problems(ns)
    if problems:
        yield from _one_name(obj, ("metadata", "namespace"), "metadata.namespace", ns, problems)


def string_map_hits(obj: K8sObject, pointer: Pointer, value: Any, decode_path: str,
                    struct: str = "ObjectMeta") -> Iterator[Hit]:
    """A ``map[string]string`` field that is not a mapping, or whose values are not strings: refused by the decoder.

    Yields nothing for the string values; callers validate those. ``null`` values decode as ``""``.
    """
    if not isinstance(value, dict):
        yield Hit(pointer, decode_error(obj, value, struct, decode_path, "map[string]string"), anchor="value")
        return
    texts: ScalarTexts | None = None
    for key, item in value.items():
        if item is None:
            continue
        yaml11 = ""
        if isinstance(item, str):
            if item not in _YAML11_BOOLS:
                continue
            texts = texts or ScalarTexts(obj)
            if not texts.plain(pointer + (key,)):
                continue
            # kubectl reads YAML 1.1 with go-yaml v2, where a bare y or n is a boolean (PyYAML keeps a string).
            item, yaml11 = item in ("y", "Y"), " (kubectl's YAML reader takes a bare y or n for a boolean)"
        texts = texts or ScalarTexts(obj)
        where = pointer + (key,)
        text = texts.get(where) if not isinstance(item, (dict, list)) else None
        quote = f'; quote it: {key}: {go_quote(text)}' if text is not None else ""
        yield Hit(where, f"{decode_path}[{key}] is a {json_type(item)}, not a string{yaml11}: "
                  f"{decode_error(obj, item, struct, decode_path, 'string')}{quote}", anchor="value",
                  fix=[{"op": "replace", "path": pointer_str(where), "value": text}]
                  if text is not None else None)


def _capped(hits: Iterator[Hit], pointer: Pointer, path: str) -> Iterator[Hit]:
    """The first :data:`MAX_HITS_PER_MAP` hits of one map, then one that counts the rest.

    Each finding is located in the file by a walk over its map; a hostile map of 100,000 bad
    entries would make that quadratic, and nobody reads past the first screen of them anyway.
    """
    count = 0
    for hit in hits:
        count += 1
        if count <= MAX_HITS_PER_MAP:
            yield hit
    if count > MAX_HITS_PER_MAP:
        yield Hit(pointer, f"{path}: {count - MAX_HITS_PER_MAP} more entries are refused like the ones above",
                  anchor="key")


def label_hits(obj: K8sObject, pointer: Pointer, labels: Any, server_path: str, decode_path: str,
               suffix: str = "", struct: str = "ObjectMeta") -> Iterator[Hit]:
    """``ValidateLabels`` on the map at ``pointer`` (``server_path`` is how the server names it)."""
    return _capped(_label_hits(obj, pointer, labels, server_path, decode_path, suffix, struct), pointer, server_path)


def _label_hits(obj: K8sObject, pointer: Pointer, labels: Any, server_path: str, decode_path: str,
                suffix: str, struct: str) -> Iterator[Hit]:
    if labels is None:
        return
    yield from string_map_hits(obj, pointer, labels, decode_path, struct)
    if not isinstance(labels, dict):
        return
    for key, value in labels.items():
        text = _key_text(key)
        if text is None or marked_placeholder(text) is not None:
            continue
        problems = k8snames.qualified_name_problems(text)
        if problems:
            yield Hit(pointer + (key,), invalid(server_path, text, problems) + suffix, anchor="key")
        if isinstance(value, str) and marked_placeholder(value) is None:
            problems = k8snames.label_value_problems(value)
            if problems:
                yield Hit(pointer + (key,), f"label {text}: {invalid(server_path, value, problems)}{suffix}",
                          anchor="value")


def annotation_hits(obj: K8sObject, pointer: Pointer, annotations: Any, server_path: str, decode_path: str,
                    suffix: str = "") -> Iterator[Hit]:
    """``ValidateAnnotations`` on the map at ``pointer``: key format (case-insensitive) and total size."""
    return _capped(_annotation_hits(obj, pointer, annotations, server_path, decode_path, suffix), pointer, server_path)


def _annotation_hits(obj: K8sObject, pointer: Pointer, annotations: Any, server_path: str, decode_path: str,
                     suffix: str) -> Iterator[Hit]:
    if annotations is None:
        return
    yield from string_map_hits(obj, pointer, annotations, decode_path)
    if not isinstance(annotations, dict):
        return
    total = 0
    for key, value in annotations.items():
        text = _key_text(key)
        if text is None:
            continue
        total += len(text.encode()) + (len(value.encode()) if isinstance(value, str) else 0)
        if marked_placeholder(text) is not None:
            continue
        problems = k8snames.qualified_name_problems(text.lower())
        if problems:
            yield Hit(pointer + (key,), invalid(server_path, text, problems) + suffix, anchor="key")
    if total > TOTAL_ANNOTATION_SIZE_LIMIT_B:
        yield Hit(pointer, f"{server_path}: Too long: must have at most {TOTAL_ANNOTATION_SIZE_LIMIT_B} bytes "
                  f"(keys and values add up to {total} bytes){suffix}", anchor="key")


def _template_hits(obj: K8sObject) -> Iterator[Hit]:
    where = _TEMPLATES.get((obj.api_group, obj.kind))
    if where is None:
        return
    pointer, server_path = where
    yield from _metadata_map_hits(obj, pointer, server_path)
    if obj.kind == "CronJob":
        suffix = (" (the API server accepts the CronJob but refuses every Job it creates from "
                  "spec.jobTemplate, so no run ever starts)")
        yield from _metadata_map_hits(obj, ("spec", "jobTemplate", "metadata"), "metadata", suffix)


def _metadata_map_hits(obj: K8sObject, pointer: Pointer, server_path: str, suffix: str = "") -> Iterator[Hit]:
    cur = dig(obj.data, *pointer)
    if not isinstance(cur, dict):
        return  # the shape of the path is the pod-spec checks' business
    decode = ".".join(map(str, pointer))
    yield from label_hits(obj, pointer + ("labels",), cur.get("labels"), f"{server_path}.labels",
                          f"{decode}.labels", suffix)
    yield from annotation_hits(obj, pointer + ("annotations",), cur.get("annotations"), f"{server_path}.annotations",
                               f"{decode}.annotations", suffix)


def decoded_by_api_server(obj: K8sObject) -> bool:
    """An AdmissionReview's object (the webhook) or a live object (runtime mode).

    The server has validated it already, and filled in what it generates: a live Job carries the
    ``controller-uid`` selector and labels that a file must not. Only files are judged here.
    """
    source = obj.document.source
    return source == "admission" or source.startswith("cluster:")


def check_object(obj: K8sObject, knowledge: Mapping[str, Any]) -> Iterator[Hit]:
    """What the server refuses in ``obj``'s apiVersion and metadata, and in its pod template's metadata."""
    if decoded_by_api_server(obj):
        return
    gone = unserved(obj, knowledge)
    if gone is not None:
        instead = f"; use {gone.use}" if gone.use else ""
        where = "every current cluster" if gone.everywhere else \
            f"Kubernetes {gone.removed_in} and later (only older releases still serve it)"
        yield Hit(("apiVersion",), f'no matches for kind "{obj.kind}" in version "{obj.api_version}": the API server '
                  f"stopped serving {obj.api_version} {obj.kind} in Kubernetes {gone.removed_in}, so `kubectl apply` "
                  f"refuses the object on {where}{instead}", anchor="value",
                  severity=None if gone.everywhere else "warning")
        return  # one finding per object: nothing else of it is judged against a version no server has
    meta = obj.data.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        yield Hit(("metadata",), decode_error(obj, meta, obj.kind, "metadata", "v1.ObjectMeta"), anchor="value")
        return
    meta = meta or {}
    said_template = False
    for hit in (*_name_hits(obj, meta, knowledge), *_namespace_hits(obj, meta)):
        if hit.severity == "warning":
            if said_template:
                continue  # one "this file is a template" per object is enough
            said_template = True
        yield hit
    yield from label_hits(obj, ("metadata", "labels"), meta.get("labels"), "metadata.labels", "metadata.labels")
    yield from annotation_hits(obj, ("metadata", "annotations"), meta.get("annotations"), "metadata.annotations",
                               "metadata.annotations")
    yield from _template_hits(obj)
