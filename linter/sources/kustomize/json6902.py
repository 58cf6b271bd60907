"""RFC 6902 JSON patches on data and origins together.

``jsonpatch`` works on plain data and cannot say where a value came from, so the six
operations are applied here over the object and its origin tree, with RFC 6901 pointers
(``~1`` is ``/``, ``~0`` is ``~``, ``-`` appends). Added and replaced values point at the
operation's ``value`` in the patch.
"""

from __future__ import annotations

from typing import Any

from crashlint.model.nested import copy_data
from crashlint.sources.kustomize.origins import Origin


class PatchError(ValueError):
    """An operation that cannot apply (kustomize refuses the build)."""


def _tokens(pointer: Any) -> list[str]:
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise PatchError(f"invalid JSON pointer {pointer!r}")
    if pointer == "":
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _index(container: list[Any], token: str, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise PatchError(f"invalid array index {token!r}")
    i = int(token)
    if i > len(container) or (i == len(container) and not allow_end):
        raise PatchError(f"array index {i} out of range")
    return i


def _parent(doc: dict[str, Any], origin: Origin, tokens: list[str]) -> tuple[Any, Origin]:
    value: Any = doc
    node = origin
    for token in tokens[:-1]:
        if isinstance(value, dict):
            if token not in value:
                raise PatchError(f"path /{'/'.join(tokens)} does not exist")
            value = value[token]
            node = node.kid(token)
        elif isinstance(value, list):
            i = _index(value, token, False)
            value = value[i]
            node = node.kid(i)
        else:
            raise PatchError(f"path /{'/'.join(tokens)} does not exist")
    return value, node


def _get(doc: dict[str, Any], origin: Origin, tokens: list[str]) -> tuple[Any, Origin]:
    parent, node = _parent(doc, origin, tokens)
    last = tokens[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last], node.peek(last)
    if isinstance(parent, list):
        i = _index(parent, last, False)
        return parent[i], node.peek(i)
    raise PatchError(f"path /{'/'.join(tokens)} does not exist")


def _remove(doc: dict[str, Any], origin: Origin, tokens: list[str]) -> tuple[Any, Origin]:
    parent, node = _parent(doc, origin, tokens)
    last = tokens[-1]
    if isinstance(parent, dict) and last in parent:
        old = node.peek(last)
        node.drop(last)
        return parent.pop(last), old
    if isinstance(parent, list):
        i = _index(parent, last, False)
        items = node.items_of(len(parent))
        old = items.pop(i)
        node.set_items(items)
        return parent.pop(i), old
    raise PatchError(f"path /{'/'.join(tokens)} does not exist")


def _add(doc: dict[str, Any], origin: Origin, tokens: list[str], value: Any, vorigin: Origin) -> None:
    parent, node = _parent(doc, origin, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
        node.put(last, vorigin)
    elif isinstance(parent, list):
        i = _index(parent, last, True)
        items = node.items_of(len(parent))
        parent.insert(i, value)
        items.insert(i, vorigin)
        node.set_items(items)
    else:
        raise PatchError(f"path /{'/'.join(tokens)} does not exist")


def apply(target: dict[str, Any], torigin: Origin, ops: list[Any], porigin: Origin) -> None:
    """Apply every operation of ``ops`` in order; raises PatchError on the first that cannot."""
    for n, op in enumerate(ops):
        if not isinstance(op, dict):
            raise PatchError(f"operation {n} is not a mapping")
        kind = op.get("op")
        tokens = _tokens(op.get("path"))
        vorigin = porigin.peek(n).peek("value")
        if not tokens and kind != "test":
            raise PatchError("operations on the whole object are not supported")
        if kind == "add":
            _add(target, torigin, tokens, copy_data(op.get("value")), vorigin)
        elif kind == "remove":
            _remove(target, torigin, tokens)
        elif kind == "replace":
            _remove(target, torigin, tokens)
            _add(target, torigin, tokens, copy_data(op.get("value")), vorigin)
        elif kind in ("move", "copy"):
            source = _tokens(op.get("from"))
            if not source:
                raise PatchError(f"{kind} needs a 'from' path")
            if kind == "move":
                value, vo = _remove(target, torigin, source)
            else:
                value, vo = _get(target, torigin, source)
                value, vo = copy_data(value), vo.copy()
            _add(target, torigin, tokens, value, vo)
        elif kind == "test":
            actual = _get(target, torigin, tokens)[0] if tokens else target
            if actual != op.get("value"):
                raise PatchError(f"test failed at {op.get('path')}")
        else:
            raise PatchError(f"unknown operation {kind!r}")
