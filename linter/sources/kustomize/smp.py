"""Strategic merge patches as kustomize applies them, on data and origins together.

Maps merge key by key and ``null`` deletes; lists of built-in kinds merge by the patch merge
keys of ``policies/kustomize.yaml`` (other lists, and every list of a custom resource, are
replaced). Directives: ``$patch: delete|replace|merge``, ``$retainKeys``,
``$deleteFromPrimitiveList/<field>``; ``$setElementOrder/<field>`` is accepted and ignored
(order is not something rules read). A value the patch sets points into the patch file; what
it leaves alone keeps its own origin.
"""

from __future__ import annotations

from typing import Any

from crashlint.model.nested import copy_data
from crashlint.sources.kustomize.origins import Origin
from crashlint.sources.kustomize.policy import policy

_DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"
_ORDER = "$setElementOrder/"


def strip_directives(value: Any) -> Any:
    """A patch value as it lands when nothing is there to merge with (directives removed)."""
    if isinstance(value, dict):
        if value.get("$patch") == "delete":
            return None
        return {k: strip_directives(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("$"))}
    if isinstance(value, list):
        return [strip_directives(v) for v in value
                if not (isinstance(v, dict) and v.get("$patch") in ("delete", "replace") and len(v) == 1)]
    return value


def apply(target: dict[str, Any], torigin: Origin, patch: dict[Any, Any], porigin: Origin, kind: str) -> None:
    """Merge ``patch`` into ``target`` in place (``kind`` decides whether lists merge by key).

    The patch is read from YAML, so its keys may be anything YAML allows (``1: x``), not only strings.
    """
    _merge_map(target, torigin, patch, porigin, kind in policy().schema_kinds, kind, ())


def _merge_map(target: dict[str, Any], tor: Origin, patch: dict[Any, Any], por: Origin,
               schema: bool, kind: str, path: tuple[str, ...]) -> None:
    if patch.get("$patch") == "replace":
        target.clear()
        target.update(strip_directives(patch))
        tor.kids = None
        tor.doc, tor.ptr = por.doc, por.ptr
        return
    for key, pv in patch.items():
        if not isinstance(key, str):
            target[key] = copy_data(pv)
            tor.put(key, por.peek(key))
            continue
        if key.startswith(_DELETE_PRIMITIVE):
            field = key[len(_DELETE_PRIMITIVE):]
            if isinstance(target.get(field), list) and isinstance(pv, list):
                olist = tor.peek(field).items_of(len(target[field]))
                kept = [(v, o) for v, o in zip(target[field], olist) if v not in pv]
                target[field] = [v for v, _ in kept]
                tor.kid(field).set_items(o for _, o in kept)
            continue
        if key.startswith("$"):
            continue
        if pv is None:
            target.pop(key, None)
            tor.drop(key)
            continue
        tv = target.get(key)
        if isinstance(pv, dict) and isinstance(tv, dict):
            if pv.get("$patch") == "delete":
                del target[key]
                tor.drop(key)
                continue
            _merge_map(tv, tor.kid(key), pv, por.peek(key), schema, kind, path + (key,))
        elif isinstance(pv, list) and isinstance(tv, list):
            _merge_list(target, key, tor, pv, por.peek(key), schema, kind, path + (key,))
        elif pv == tv and not isinstance(pv, (dict, list)):
            continue  # restating a value (a merge key, say) does not move where it came from
        else:
            value = strip_directives(pv)
            if value is None:
                target.pop(key, None)
                tor.drop(key)
            else:
                target[key] = value
                tor.put(key, por.peek(key))
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        for key in [k for k in target if k not in retain]:
            del target[key]
            tor.drop(key)


def _keys_for(schema: bool, kind: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
    if not schema:
        return None
    pol = policy()
    field = path[-1]
    if field == "ports" and kind == "Service" and path == ("spec", "ports"):
        return pol.service_ports
    return pol.merge_keys.get(field)


def _identity(item: Any, keys: tuple[str, ...]) -> tuple[Any, ...] | None:
    if not isinstance(item, dict) or keys[0] not in item:
        return None
    out = []
    for i, k in enumerate(keys):
        v = item.get(k)
        if v is None and k == "protocol":
            v = "TCP"
        out.append(v)
    return tuple(out)


def _merge_list(parent: dict[str, Any], key: str, tor: Origin, patch: list[Any], por: Origin,
                schema: bool, kind: str, path: tuple[str, ...]) -> None:
    target: list[Any] = parent[key]
    lor = tor.kid(key)
    if any(isinstance(v, dict) and v.get("$patch") == "replace" for v in patch):
        kept = [(v, por.peek(i)) for i, v in enumerate(patch)
                if not (isinstance(v, dict) and v.get("$patch") == "replace")]
        parent[key] = [strip_directives(v) for v, _ in kept]
        lor.set_items(o for _, o in kept)
        return
    keys = _keys_for(schema, kind, path)
    if keys is None:
        if schema and path[-1] in policy().merge_primitive_lists:
            items = target[:]
            origins = lor.items_of(len(target))
            for i, v in enumerate(patch):
                if v not in items:
                    items.append(copy_data(v))
                    origins.append(por.peek(i))
            parent[key] = items
            lor.set_items(origins)
            return
        parent[key] = strip_directives(patch)
        tor.put(key, por)
        return
    items = list(target)
    origins = lor.items_of(len(target))
    index: dict[tuple[Any, ...], int] = {}
    for i, item in enumerate(items):
        ident = _identity(item, keys)
        if ident is not None:
            index.setdefault(ident, i)
    deleted: set[int] = set()
    # kustomize orders the result as the patch names its items (new or merged), then the
    # items the patch does not mention, in their own order.
    first: list[tuple[Any, Origin]] = []
    placed: dict[tuple[Any, ...], int] = {}
    for j, pv in enumerate(patch):
        ident = _identity(pv, keys)
        pj = por.peek(j)
        if ident is None:
            first.append((strip_directives(pv), pj))
            continue
        at = index.get(ident)
        if isinstance(pv, dict) and pv.get("$patch") == "delete":
            if at is not None:
                deleted.add(at)
            continue
        if ident in placed:
            value, origin = first[placed[ident]]
            if isinstance(value, dict) and isinstance(pv, dict):
                _merge_map(value, origin, pv, pj, schema, kind, path)
            continue
        if at is None:
            value = strip_directives(pv)
            if value is not None:
                placed[ident] = len(first)
                first.append((value, pj))
            continue
        if isinstance(items[at], dict) and isinstance(pv, dict):
            _merge_map(items[at], origins[at], pv, pj, schema, kind, path)
            value, origin = items[at], origins[at]
        else:
            value, origin = strip_directives(pv), pj
        placed[ident] = len(first)
        first.append((value, origin))
        deleted.add(at)
    keep = [i for i in range(len(items)) if i not in deleted]
    parent[key] = [v for v, _ in first] + [items[i] for i in keep]
    lor.set_items([o for _, o in first] + [origins[i] for i in keep])
