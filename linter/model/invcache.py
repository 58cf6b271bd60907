"""Indexes that cross-object rules would otherwise rebuild for every object, kept by the inventory.

Rules stay pure functions of (subject, inventory, params): an index derived from the inventory
(pod templates by namespace, namespaces in use) is the same for every object of a run, so it is
computed once per inventory (:meth:`Inventory.index`) and dies with it (the webhook builds one per
request). An inventory that grew since rebuilds it.
"""

from __future__ import annotations

from collections.abc import Callable
from crashlint._typing import TypeVar

from crashlint.model.inventory import Entry, InventoryView

T = TypeVar("T")


def memo(inv: InventoryView, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per (inventory, key) while the inventory is unchanged.

    A scoped view shares its inventory's indexes: they hold every definition, whatever scope asks.
    """
    return inv.base.index(key, compute)


def entries_in(inv: InventoryView, kind: str, namespace: str | None) -> list[Entry]:
    """The ``kind`` entries of ``namespace``, from an index built once per inventory and kind.

    ``Inventory.of_kind(kind, namespace)`` filters every entry of the kind: asked once per object,
    that is n objects × n entries — the square of the input. Rules ask this instead.
    """
    def compute() -> tuple[dict[str | None, list[Entry]], list[Entry]]:
        out: dict[str | None, list[Entry]] = {}
        floating: list[Entry] = []
        for e in inv.of_kind(kind):
            out.setdefault(e.namespace, []).append(e)
            if e.floating:
                floating.append(e)  # no namespace written: seen from every namespace
        return out, floating
    by_namespace, floating = memo(inv, f"in-namespace:{kind}", compute)
    here = by_namespace.get(namespace, [])
    if not floating or namespace == "default":  # floating objects are indexed under "default" already
        return here
    seen: dict[str | None, list[Entry]] = memo(inv, f"in-namespace+floating:{kind}", dict)  # once per namespace
    joined = seen.get(namespace)
    if joined is None:
        joined = seen[namespace] = here + floating
    return joined
