"""Derived indexes belong to the inventory they derive from; knowledge look-ups have one bounded memo."""

from __future__ import annotations

import gc
import weakref

from crashlint.knowledge.listmemo import ListMemo
from crashlint.model.invcache import memo
from crashlint.model.inventory import Entry, Inventory, ScopedInventory


def test_an_index_is_built_once_per_inventory_and_rebuilt_when_it_grows() -> None:
    inv = Inventory()
    calls: list[int] = []

    def names() -> list[str]:
        calls.append(1)
        return sorted(e.name for e in inv.of_kind("ConfigMap"))

    inv.add(Entry("ConfigMap", "default", "a"))
    assert memo(inv, "names", names) == ["a"]
    assert memo(ScopedInventory(inv, "dir"), "names", names) == ["a"]  # a scoped view shares it
    assert len(calls) == 1
    inv.add(Entry("ConfigMap", "default", "b"))
    assert memo(inv, "names", names) == ["a", "b"] and len(calls) == 2


class _Index:
    """An index that can be referred to weakly (an inventory, a record with ``__slots__``, cannot)."""


def test_indexes_die_with_their_inventory() -> None:
    inv = Inventory()
    index = memo(inv, "big", _Index)
    held = weakref.ref(index)
    del inv, index
    gc.collect()
    # Only the inventory held the index: nothing outside keeps either of them (no global memo).
    assert held() is None


def test_list_memo_answers_once_per_list_and_key_and_stays_bounded() -> None:
    lists = ListMemo[int](max_lists=2, max_keys=3)
    a, b, c = [1], [2], [3]
    calls: list[str] = []

    def answer(tag: str) -> int:
        calls.append(tag)
        return len(calls)

    assert lists.get(a, "x", lambda: answer("a-x")) == lists.get(a, "x", lambda: answer("again")) == 1
    lists.get(b, "x", lambda: answer("b-x"))
    lists.get(c, "x", lambda: answer("c-x"))  # a third list: the memo starts over, never grows past 2
    assert len(lists._held) <= 2
    for key in "pqrs":
        lists.get(c, key, lambda: answer("c"))
    assert all(len(answers) <= 3 for _, answers in lists._held.values())
    equal_but_other = [1]
    lists.get(equal_but_other, "x", lambda: answer("other list"))
    assert calls[-1] == "other list"  # identity, not equality: another list of the same contents is asked anew
