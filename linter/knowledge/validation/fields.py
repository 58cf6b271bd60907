"""Unknown fields and values of the wrong JSON type, from the official OpenAPI schema.

``kubectl apply -f`` refuses an object with a field its kind does not have. Since Kubernetes
1.25 kubectl asks the server for strict field validation (``--validate=strict``, the default;
server-side field validation is beta in 1.25 and GA in 1.27) and the server answers
``Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown
field "spec.template.spec.containers[0].imagePullPolice"``; older kubectl refused the same object
with its client-side OpenAPI validation (``ValidationError(...): unknown field``). Field names are
case-sensitive (``sigs.k8s.io/json`` ``UnmarshalCaseSensitivePreserveInts``).

A value of the wrong JSON type fails earlier, in every version, in the decoder itself:
``json: cannot unmarshal string into Go struct field FCVolumeSource.spec.template.spec.volumes.fc.lun
of type int32`` (``encoding/json``'s ``UnmarshalTypeError``: the Go struct that holds the field, the
JSON path without list indices, the Go type). A JSON ``null`` is accepted anywhere (the decoder
leaves the field unset), so it is never reported.

The schema is data (``policies/schema/fields.json``, written by ``tools/gen_schema.py`` from the
OpenAPI definitions of every Kubernetes minor it lists): the union over those versions, so a field
any of them knows is known. An object whose ``apiVersion``/``kind`` none of them serves (an old
``extensions/v1beta1`` Deployment) is not judged here: its fields cannot be looked up, and whether
the version is still served is another question. Build-time placeholders (``${PORT}``,
``{{ .Values.x }}``) in typed fields are not judged; an unknown *key* is unknown whatever its value.
Keys that start with ``$`` are strategic-merge-patch directives (``$patch: delete``): such a
document is a patch for kustomize, not an object anyone applies, so they are not called unknown.
Objects the API server has already decoded (the webhook's AdmissionReview object, runtime mode's
live objects) are not judged: they cannot hold what the decoder refuses, and a server newer than
the data would make each field it added look unknown.

One pass over the object, each node visited once; suggestions (``difflib``) are computed only for
unknown keys, at most ``MAX_HITS`` per object (the decoder itself stops collecting strict errors
at 100).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache

import yaml

import crashlint.policies
from crashlint.model.findings import Hit
from crashlint.model.objects import K8sObject
from crashlint.knowledge.validation._wording import filled_in_later

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

    # A parsed type code: (tag, argument). Tags: s b i32 i64 i f ios q * (scalars and anything),
    # "@" (argument: the definition's short name), "[]" and "{}" (argument: the parsed element code).
    Code = tuple[str, Any]

MAX_HITS = 100

_INT_RANGE = {"i32": (-2**31, 2**31 - 1), "i64": (-2**63, 2**63 - 1), "i": (-2**63, 2**63 - 1)}
_NUMERIC = frozenset({"i32", "i64", "i", "f", "ios", "q"})
_GO_TYPE = {"i32": "int32", "i64": "int64", "i": "int64", "b": "bool", "f": "float64"}
_EXPECTED = {"s": "a string", "b": "a boolean (true or false)", "i32": "an integer", "i64": "an integer",
             "i": "an integer", "f": "a number", "ios": "an integer or a string", "q": "a quantity (a string "
             "such as 500m or 1Gi, or a number)", "@": "a mapping", "[]": "a list", "{}": "a mapping"}
# A plain (unquoted) scalar that PyYAML keeps as a string but kubectl's go-yaml reads as a number
# (``08080``, ``1e3``, ``0o17``): go-yaml v2 resolves it with ``strconv.ParseInt(s, 0, 64)`` and
# then its float pattern, so the server receives a number.
_GO_YAML_NUMBER = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?0o[0-7]+")
_QUANTITY_ERROR = ("quantities must match the regular expression "
                   "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


class DecodeHit(Hit):
    """A hit of this module: a problem the decoder reports, whoever else explains the same node."""

    __slots__ = ()


def one_finding_per_place(hits: Iterable[Hit]) -> Iterator[Hit]:
    """``hits`` without the decoder findings of this module at a node another check already
    explains (``env: {}`` is said once, by the check that knows what ``env`` is for)."""
    hits = list(hits)
    explained = {h.pointer for h in hits if not isinstance(h, DecodeHit) and h.position is None}
    return (h for h in hits if not isinstance(h, DecodeHit) or h.pointer not in explained)


class Schema:
    """The generated data, parsed once: kinds by apiVersion, and each definition's fields."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.kinds: dict[str, dict[str, str]] = data["kinds"]
        self._defs: dict[str, dict[str, str]] = data["definitions"]
        self._parsed: dict[str, Code] = {}
        self._fields: dict[str, dict[str, Code]] = {}

    def code(self, text: str) -> Code:
        """The parsed form of a type code (cached: a few hundred distinct codes in all)."""
        got = self._parsed.get(text)
        if got is None:
            if text.startswith(("[]", "{}")):
                got = (text[:2], self.code(text[2:]))
            elif text.startswith("@"):
                got = ("@", text[1:])
            else:
                got = (text, None)
            self._parsed[text] = got
        return got

    def fields(self, name: str) -> dict[str, Code]:
        """A definition's fields with their parsed codes (built on first use)."""
        got = self._fields.get(name)
        if got is None:
            got = self._fields[name] = {k: self.code(v) for k, v in self._defs.get(name, {}).items()}
        return got

    def root(self, api_version: str, kind: str) -> str | None:
        """The definition of ``kind`` in ``api_version``, or None when no supported version serves it."""
        return self.kinds.get(api_version, {}).get(kind)

    def groups(self) -> frozenset[str]:
        """Every API group with a kind in the data ("" is the core group)."""
        return frozenset(av.rsplit("/", 1)[0] if "/" in av else "" for av in self.kinds)


@lru_cache(maxsize=1)
def schema() -> Schema:
    """The shipped schema data, read on first use."""
    # Beside the package's files, as settings.policy finds the policies (not through importlib.resources).
    with open(os.path.join(os.path.dirname(crashlint.policies.__file__), "schema", "fields.json"),
              encoding="utf-8") as fh:
        text = fh.read()
    return Schema(json.loads(text))


def _json_name(value: Any) -> str:
    """How ``encoding/json`` names a JSON value in ``cannot unmarshal X into``."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _key_text(key: Any) -> str:
    """A mapping key as the JSON the server receives has it (YAML ``true:`` becomes ``"true"``)."""
    if isinstance(key, str):
        return key
    return json.dumps(key) if isinstance(key, bool) or key is None else str(key)


def _plain_number(obj: K8sObject, pointer: tuple[str | int, ...], value: str) -> bool:
    """Whether ``value`` is written unquoted and go-yaml reads it as a number (so kubectl sends one)."""
    if not _GO_YAML_NUMBER.fullmatch(value.replace("_", "")):
        return False
    node = getattr(obj.document, "node", None)
    for token in (*obj.prefix, *pointer):
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in reversed(node.value) if isinstance(k, yaml.ScalarNode)
                         and k.value == str(token)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(token, int) and 0 <= token < len(node.value):
            node = node.value[token]
        else:
            return False
    return isinstance(node, yaml.ScalarNode) and not node.style  # None (pure-Python parser) or "" (libyaml)


def _type_ok(tag: str, value: Any) -> bool:
    """Whether the decoder accepts ``value`` (not null) for a field of type ``tag``."""
    if tag == "*":
        return True
    if tag == "s":
        return isinstance(value, str)
    if tag == "b":
        return isinstance(value, bool)
    if tag in ("q", "f"):
        return isinstance(value, (int, float)) and not isinstance(value, bool) or (tag == "q" and isinstance(value, str))
    if tag in ("i32", "i64", "i", "ios"):
        if tag == "ios" and isinstance(value, str):
            return True
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        # kubectl converts YAML to JSON first: 3.0 becomes 3, which an integer field accepts.
        if isinstance(value, float) and not value.is_integer():
            return False
        lo, hi = _INT_RANGE["i32" if tag == "ios" else tag]
        return lo <= value <= hi
    if tag == "@" or tag == "{}":
        return isinstance(value, dict)
    return isinstance(value, list)  # "[]"


def _short(text: str, limit: int = 120) -> str:
    """A key or path as shown in a message: hostile input may carry a megabyte-long key."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _suggestion(key: str, known: dict[str, Code]) -> str | None:
    """The closest real field name: one differing only in case first, then ``difflib``'s best."""
    lower = key.lower()
    for name in known:
        if name.lower() == lower:
            return name
    import difflib  # here: only an unknown field needs it (with heapq, 1 ms of every start otherwise)

    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def _type_message(tag: str, value: Any, struct: str, go_path: str, field: str) -> str:
    got = _json_name(value)
    if tag == "q":
        quoted = _QUANTITY_ERROR
    else:
        # IntOrString.UnmarshalJSON decodes a non-string into its int32; the decoder then adds the
        # field's context to that error as to any other (decodeState.addErrorContext).
        detail = f"number {value}" if got == "number" and tag in (*_INT_RANGE, "ios") else got
        go_type = " of type int32" if tag == "ios" else f" of type {_GO_TYPE[tag]}" if tag in _GO_TYPE else ""
        quoted = f"json: cannot unmarshal {detail} into Go struct field {struct}.{go_path}{go_type}"
    shown = json.dumps(value) if isinstance(value, (str, bool, int, float)) else got
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return (f"{field} must be {_EXPECTED[tag]}, not {got} {shown}" if got != shown else
            f"{field} must be {_EXPECTED[tag]}, not {'an' if got[0] in 'ao' else 'a'} {got}") + \
        f"; the API server refuses the object ({quoted})"


def _decoded_by_api_server(obj: K8sObject) -> bool:
    """An AdmissionReview's object (the webhook) or a live object (runtime mode): the API server has
    decoded it already, so it cannot carry an unknown field or a wrong type, and a server newer
    than the data would make every field it added look unknown. Only files are judged."""
    source = obj.document.source
    return source == "admission" or source.startswith("cluster:")


def _describe(data: Schema, root: str, pointer: tuple[str | int, ...]) -> tuple[str, str, str]:
    """For a reported node only: its strict-decoding path (``spec.containers[0].image``), the
    decoder's field path (no list indices, no map keys) and the Go struct holding the field."""
    path, go_path, struct = "", "", ""
    code: Code = ("@", root)
    for token in pointer:
        tag, arg = code
        text = _key_text(token)
        if tag == "@":
            struct = arg.rsplit("|", 1)[-1].rsplit(".", 1)[-1]  # core.v1.FCVolumeSource -> FCVolumeSource
            go_path = f"{go_path}.{text}" if go_path else text
            path = f"{path}.{text}" if path else text
            code = data.fields(arg).get(text, ("*", None))
        elif tag == "[]":
            path, code = f"{path}[{text}]", arg
        else:
            path, code = f"{path}.{text}", arg
    return path, go_path, struct


def check_object(obj: K8sObject, knowledge: Mapping[str, Any]) -> Iterator[Hit]:
    """Unknown fields (at the key) and values of the wrong JSON type (at the value) in ``obj``.

    Only containers are pushed on the stack; a string field holding a string (most of any
    object) is settled inline. Paths for messages are built only for reported nodes.
    """
    if _decoded_by_api_server(obj):
        return
    data = schema()
    root = data.root(obj.api_version, obj.kind)
    if root is None:
        return
    hits = 0
    bad: list[tuple[tuple[str | int, ...], str, Any]] = []  # (pointer, tag, value) of wrong types
    stack: list[tuple[Any, Code, tuple[str | int, ...]]] = [(obj.data, ("@", root), ())]
    while stack and hits < MAX_HITS:
        value, (tag, arg), pointer = stack.pop()
        if not _type_ok(tag, value):
            if not (isinstance(value, str) and (filled_in_later(value) or (
                    tag in _NUMERIC and _plain_number(obj, pointer, value)))):
                hits += 1
                bad.append((pointer, tag, value))
            continue
        if tag == "@":
            known = data.fields(arg)
            for key, sub in value.items():
                code = known.get(key if key.__class__ is str else _key_text(key))
                if code is None:
                    if key.__class__ is str and key.startswith("$"):
                        continue  # a strategic-merge-patch directive ($patch, $retainKeys): a patch, not applied as is
                    hits += 1
                    if hits > MAX_HITS:
                        break
                    path, _, _ = _describe(data, root, (*pointer, key))
                    text = _key_text(key)
                    best = _suggestion(text, known)
                    hint = f'; did you mean "{best}"? ' if best else ": "
                    yield DecodeHit((*pointer, key), f'unknown field "{_short(text)}"{hint}`kubectl apply` refuses '
                                    f'the {obj.kind} (strict decoding error: unknown field "{_short(path)}")',
                                    anchor="key")
                elif sub is None or code[0] == "*" or (code[0] == "s" and sub.__class__ is str):
                    continue
                else:
                    stack.append((sub, code, (*pointer, key)))
        elif tag == "[]" or tag == "{}":
            items = enumerate(value) if tag == "[]" else value.items()
            inline_str = arg[0] == "s"
            for key, item in items:
                if item is None or (inline_str and item.__class__ is str) or arg[0] == "*":
                    continue
                stack.append((item, arg, (*pointer, key)))
    for pointer, tag, value in bad:
        path, go_path, struct = _describe(data, root, pointer)
        yield DecodeHit(pointer, _type_message(tag, value, struct, go_path, path or "the object"), anchor="value")
