"""crashlint.model.record: the methods ``@dataclass`` gave the lint path's value classes, written once."""

from __future__ import annotations

import pytest

from crashlint.model.record import Record, Value


class Point(Value):
    __slots__ = ("x", "y", "_seen")

    def __init__(self, x: int, y: int = 0) -> None:
        self.x = x
        self.y = y
        self._seen = 0  # a private cache: neither compared nor shown


class Labelled(Point):
    __slots__ = ("label",)

    def __init__(self, x: int, y: int, label: str) -> None:
        super().__init__(x, y)
        self.label = label


class Bag(Record):
    __slots__ = ("items",)

    def __init__(self, items: list[int]) -> None:
        self.items = items


class Single(Value):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class Empty(Value):
    __slots__ = ()


def test_equal_by_class_and_fields_not_by_private_caches() -> None:
    a, b = Point(1, 2), Point(1, 2)
    b._seen = 7
    assert a == b and hash(a) == hash(b)
    assert a != Point(1, 3) and a != Point(2, 2)
    assert a != (1, 2)  # not a tuple: another class is never equal
    assert Labelled(1, 2, "p") != Point(1, 2) and Point(1, 2) != Labelled(1, 2, "p")
    assert Single("a") == Single("a") != Single("b") and hash(Single("a")) == hash(Single("a"))
    assert Empty() == Empty() and hash(Empty()) == hash(Empty())
    assert {Point(1, 2): "k"}[Point(1, 2)] == "k"


def test_fields_are_the_slots_of_the_whole_hierarchy_in_order() -> None:
    assert Labelled._fields == ("x", "y", "_seen", "label")
    assert repr(Labelled(1, 2, "p")) == "Labelled(x=1, y=2, label='p')"
    assert repr(Empty()) == "Empty()"


def test_a_mutable_record_is_unhashable_as_a_mutable_dataclass_is() -> None:
    assert Bag([1]) == Bag([1]) and Bag([1]) != Bag([2])
    with pytest.raises(TypeError):
        hash(Bag([1]))


def test_replace_copies_and_leaves_the_original() -> None:
    a = Labelled(1, 2, "p")
    a._seen = 3
    b = a.replace(y=5)
    assert type(b) is Labelled and (b.x, b.y, b.label, b._seen) == (1, 5, "p", 3)
    assert (a.x, a.y) == (1, 2)
    with pytest.raises(TypeError, match="no field 'z'"):
        a.replace(z=1)


def test_a_record_without_slots_is_refused() -> None:
    with pytest.raises(TypeError, match="__slots__"):
        class Loose(Record):  # noqa: F841  # defining it is the test
            pass


def test_every_record_of_the_package_is_a_record_not_a_dataclass() -> None:
    """One way to write a value class: a dataclass would also bring back the import-time cost
    that model/record.py removed from every start (bench/README.md, "Start-up")."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    users = []
    for path in sorted([*root.joinpath("linter").rglob("*.py"), *root.joinpath("webhook").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "dataclasses" for a in node.names) \
                    or isinstance(node, ast.ImportFrom) and node.module == "dataclasses":
                users.append(f"{path.relative_to(root)}:{node.lineno}")
    assert users == []
