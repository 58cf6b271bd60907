"""RFC 6902 patches applied to a ruamel.yaml round-trip tree, so comments and layout survive.

``jsonpatch`` works on plain dicts and lists and would lose every comment; ruamel's
``CommentedMap``/``CommentedSeq`` keep them only as long as the containers are edited in
place. So the same operations are walked here on the round-trip tree: an existing key keeps
its position (and its end-of-line comment) when its value is replaced, a new key goes to the
end of its mapping as ``jsonpatch`` would put it, and new values take the file's look (short
lists of scalars in flow style, strings quoted when a YAML 1.1 reader such as kubectl would
read them as something else).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import yaml
from jsonpointer import JsonPointer, JsonPointerException
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

# A new list of scalars is written on one line (``command: [sleep, infinity]``) up to this width.
FLOW_LIST_WIDTH = 60


class PatchError(Exception):
    """An operation that does not fit the document (missing path, failed test, bad index)."""


def _path(value: object) -> str:
    """An operation's ``path`` or ``from`` as given: a patch is input, so its pointer may be anything."""
    if not isinstance(value, str):
        raise PatchError(f"path must be a string, not {type(value).__name__}")
    return value


def _parts(path: str) -> list[str]:
    try:
        return list(JsonPointer(path).parts)
    except JsonPointerException as exc:
        raise PatchError(f"invalid pointer {path!r}: {exc}") from exc


def _child(node: Any, token: str, path: str) -> Any:
    if isinstance(node, Mapping):
        if token not in node:
            raise PatchError(f"{path}: no key {token!r}")
        return node[token]
    if isinstance(node, MutableSequence):
        return node[_index(node, token, path, allow_end=False)]
    raise PatchError(f"{path}: cannot descend into a scalar")


def _index(seq: MutableSequence[Any], token: str, path: str, allow_end: bool) -> int:
    """RFC 6901 array index: decimal digits without leading zeros; ``-``/len only where adding."""
    if token == "-" and allow_end:
        return len(seq)
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise PatchError(f"{path}: {token!r} is not an array index")
    i = int(token)
    if i > len(seq) or (i == len(seq) and not allow_end):
        raise PatchError(f"{path}: index {i} out of range")
    return i


def _parent(root: Any, path: str) -> tuple[Any, str]:
    parts = _parts(path)
    if not parts:
        raise PatchError("operations on the document root are not applied")
    node = root
    for token in parts[:-1]:
        node = _child(node, token, path)
    return node, parts[-1]


def get(root: Any, path: str) -> Any:
    """The node at ``path`` (``""`` is the root)."""
    node = root
    for token in _parts(path):
        node = _child(node, token, path)
    return node


def to_plain(node: Any) -> Any:
    """Round-trip containers and scalar subclasses as plain JSON-like values (for ``test``)."""
    if isinstance(node, Mapping):
        return {str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [to_plain(v) for v in node]
    if isinstance(node, (bool, ScalarBoolean)) or node is None:
        return node if node is None else bool(node)
    for plain in (str, int, float):
        if isinstance(node, plain):
            return plain(node)
    return node


def _needs_quotes(text: str) -> bool:
    """True when a plain scalar would not read back as this string under YAML 1.1 (kubectl) rules."""
    try:
        read_back: object = yaml.safe_load(text)
    except yaml.YAMLError:
        return True
    return read_back != text


def to_node(value: Any) -> Any:
    """A JSON value as round-trip nodes: flow style for short scalar lists, safe quoting."""
    if isinstance(value, Mapping):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = to_node(v)
        return out
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(to_node(v) for v in value)
        scalars = all(not isinstance(v, (Mapping, list, tuple)) for v in value)
        if scalars and sum(len(str(v)) + 2 for v in value) <= FLOW_LIST_WIDTH:  # [] included
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq
    if isinstance(value, str) and not isinstance(value, ScalarString) and _needs_quotes(value):
        return DoubleQuotedScalarString(value)
    return value


def _item_style(seq: Any) -> type[ScalarString] | None:
    """The quote style every item of a sequence shares (``["a", "b"]``), if any."""
    styles = {type(v) for v in seq} if isinstance(seq, list) else set()
    style = next(iter(styles)) if len(styles) == 1 else None
    return style if style is not None and issubclass(style, ScalarString) else None


def _styled_like(old: Any, new: Any) -> Any:
    """A replacing value keeps the look of what it replaces: 'x' stays single-quoted, a list of
    double-quoted strings stays one, a flow list stays flow and a block list block."""
    if isinstance(old, ScalarString) and isinstance(new, str) and not isinstance(new, ScalarString):
        return type(old)(new)
    if isinstance(old, CommentedSeq) and isinstance(new, CommentedSeq):
        style = _item_style(old)
        if style is not None:
            for i, v in enumerate(new):
                if isinstance(v, str) and not isinstance(v, ScalarString):
                    new[i] = style(v)
        if old.fa.flow_style():
            new.fa.set_flow_style()
        else:
            new.fa.set_block_style()
    return new


def _add(root: Any, path: str, value: Any) -> None:
    parent, last = _parent(root, path)
    if isinstance(parent, MutableMapping):
        parent[last] = _styled_like(parent[last], value) if last in parent else value
    elif isinstance(parent, MutableSequence):
        style = _item_style(parent)
        if style is not None and isinstance(value, str) and not isinstance(value, ScalarString):
            value = style(value)  # ["a", "b"] grows as ["a", "b", "c"]
        parent.insert(_index(parent, last, path, allow_end=True), value)
    else:
        raise PatchError(f"{path}: parent is a scalar")


def _remove(root: Any, path: str) -> Any:
    parent, last = _parent(root, path)
    if isinstance(parent, MutableMapping):
        if last not in parent:
            raise PatchError(f"{path}: no key {last!r}")
        return parent.pop(last)
    if isinstance(parent, MutableSequence):
        return parent.pop(_index(parent, last, path, allow_end=False))
    raise PatchError(f"{path}: parent is a scalar")


def _replace(root: Any, path: str, value: Any) -> None:
    parent, last = _parent(root, path)
    if isinstance(parent, MutableMapping):
        if last not in parent:
            raise PatchError(f"{path}: no key {last!r} to replace")
        parent[last] = _styled_like(parent[last], value)
    elif isinstance(parent, MutableSequence):
        i = _index(parent, last, path, allow_end=False)
        parent[i] = _styled_like(parent[i], value)
    else:
        raise PatchError(f"{path}: parent is a scalar")


def apply_op(root: Any, op: Mapping[str, Any]) -> None:
    """Apply one RFC 6902 operation to a round-trip tree in place."""
    if not isinstance(op, Mapping):
        raise PatchError("an operation must be a mapping")
    kind, path = op.get("op"), op.get("path")
    if kind in ("add", "replace", "test") and "value" not in op:
        raise PatchError(f"{kind} {path}: no value")
    if kind == "add":
        node = to_node(op["value"])
        _add(root, _path(path), node)
    elif kind == "replace":
        node = to_node(op["value"])
        _replace(root, _path(path), node)
    elif kind == "remove":
        _remove(root, _path(path))
    elif kind == "test":
        if to_plain(get(root, _path(path))) != op["value"]:
            raise PatchError(f"test {path}: value differs")
    elif kind == "move":
        src = op.get("from")
        if isinstance(src, str) and isinstance(path, str) and path.startswith(src + "/"):
            raise PatchError(f"move {src} into its own child {path}")
        moved = _remove(root, _path(src))
        _add(root, _path(path), moved)
    elif kind == "copy":
        copied = copy.deepcopy(get(root, _path(op.get("from"))))
        _add(root, _path(path), copied)
    else:
        raise PatchError(f"unknown operation {kind!r}")


def apply_patch(root: Any, ops: Sequence[Mapping[str, Any]]) -> None:
    """Apply operations in order; the first failure raises with the tree partly changed."""
    for op in ops:
        apply_op(root, op)
