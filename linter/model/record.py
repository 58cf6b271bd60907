"""Records: crashlint's value classes, with the methods ``dataclasses`` would write, written once.

Why not ``@dataclass``: a pre-commit hook starts crashlint on every commit, and ``@dataclass`` was
the largest cost of that start. For each class it writes the source of ``__init__``, ``__repr__``
and ``__eq__`` (and, frozen, ``__setattr__``, ``__delattr__`` and ``__hash__``) and compiles it
when the module is imported: about 0.6 ms a class, after about 10 ms to import ``dataclasses``
itself (with ``inspect``, ``ast``, ``dis`` and ``tokenize``). A one-file lint defined 55 of them,
about 45 ms of CPU before the first line was read (``bench/README.md``, "Start-up"). Every
record of the package is defined this way, so there is one way to write one.

A record lists its fields in ``__slots__`` (their order is the order of ``repr`` and of
comparison) and writes its own, typed ``__init__``. :class:`Record` gives it what ``@dataclass``
gave: equality by type and fields, a ``repr`` naming them, and :meth:`Record.replace`. A field
whose name starts with ``_`` is the record's private cache: left out of equality and ``repr``,
like a dataclass field with ``compare=False, repr=False``. :class:`Value` is an immutable record,
hashable by its fields; its fields are declared ``Final`` in the class body, so the type checker
(``mypy --strict``, run by ``.ci/run``) refuses any assignment outside ``__init__``, which is where
a frozen dataclass refused it at run time.
"""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar, Self


def _no_fields(record: object) -> tuple[()]:
    return ()


class Record:
    """A mutable record: equality and ``repr`` from its fields; unhashable, as a mutable dataclass is."""

    __slots__ = ()  # defining __eq__ sets __hash__ to None: a mutable record's fields, and so its hash, may change

    _fields: ClassVar[tuple[str, ...]] = ()  # every slot, the bases' first
    _shown: ClassVar[tuple[str, ...]] = ()  # the fields compared and shown (no leading underscore)
    _key: ClassVar[Callable[[Any], Any]] = _no_fields  # the shown fields' values, as one comparable value

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__slots__" not in cls.__dict__:
            raise TypeError(f"{cls.__qualname__}: a record declares its fields in __slots__")
        names = tuple(name for klass in reversed(cls.__mro__) for name in klass.__dict__.get("__slots__", ()))
        cls._fields = names
        cls._shown = tuple(name for name in names if not name.startswith("_"))
        # attrgetter of several names gives a tuple, of one the value itself: either compares and hashes.
        cls._key = attrgetter(*cls._shown) if cls._shown else _no_fields

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            key = type(self)._key  # read from the class: a plain function there is not bound to self
            return bool(key(self) == key(other))
        return NotImplemented

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
        return f"{type(self).__qualname__}({shown})"

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied (``dataclasses.replace``), the original unchanged.

        The copy is made field by field, without calling ``__init__``: a record's ``__init__``
        only stores its arguments, so the copy is what ``__init__`` would have built.
        """
        unknown = changes.keys() - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__qualname__} has no field {sorted(unknown)[0]!r}")
        copy = object.__new__(type(self))
        for name in self._fields:
            object.__setattr__(copy, name, changes[name] if name in changes else getattr(self, name))
        return copy


class Value(Record):
    """An immutable record: hashable by its fields, so it can be a key or a set member."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(type(self)._key(self))
