"""Per-inventory memo for indexes that cross-object rules rebuild otherwise for every object.

Rules stay pure functions of (subject, inventory, params): an index derived from the inventory
(pod templates by namespace, namespaces in use) is the same for every object of a run, so it is
computed once per inventory and dropped when the inventory is garbage-collected (the webhook
builds one per request). A changed entry count means the inventory grew: the index is rebuilt.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from .inventory import Entry, Inventory

T = TypeVar("T")
_cache: dict[tuple[int, str], tuple[weakref.ref[Inventory], int, Any]] = {}


def memo(inv: Inventory, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per (inventory, key) while the inventory keeps its size."""
    k = (id(inv), key)
    hit = _cache.get(k)
    if hit is not None and hit[0]() is inv and hit[1] == len(inv.entries):
        return hit[2]
    value = compute()
    _cache[k] = (weakref.ref(inv, lambda _ref, k=k: _cache.pop(k, None)), len(inv.entries), value)
    return value


def entries_in(inv: Inventory, kind: str, namespace: str | None) -> list[Entry]:
    """The ``kind`` entries of ``namespace``, from an index built once per inventory and kind.

    ``Inventory.of_kind(kind, namespace)`` filters every entry of the kind: asked once per object,
    that is n objects × n entries — the square of the input. Rules ask this instead.
    """
    def compute() -> dict[str | None, list[Entry]]:
        out: dict[str | None, list[Entry]] = {}
        for e in inv.of_kind(kind):
            out.setdefault(e.namespace, []).append(e)
        return out
    return memo(inv, f"in-namespace:{kind}", compute).get(namespace, [])
