"""What exists: every object of the linted set (and, when asked, of the cluster), indexed for rules.

Cross-object rules (a ConfigMap reference, a Service selector, a pull secret) ask the
inventory, never the files or the network: the CLI fills it from every file of one run, the
cluster look-up adds what the cluster has, the webhook adds what its cached look-ups found.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from crashlint._typing import Protocol, TypeVar
from crashlint.model.objects import K8sObject
from crashlint.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

T = TypeVar("T")


class Entry(Record):
    """An object known to exist, with what rules may need of it (ConfigMap/Secret keys)."""

    kind: str
    namespace: str | None
    name: str
    keys: frozenset[str] | None  # None: keys unknown (e.g. Secret metadata from a cluster)
    obj: K8sObject | None  # set for objects of the linted files
    origin: str  # "file" | "cluster"
    # Where the definition applies from: its kustomize unit, or its file's directory (None: a
    # cluster's object, visible everywhere). Objects see definitions of their own scope first,
    # then of the directories above it; a sibling variant's (envs/dev vs envs/prod) only when
    # it is the only one.
    scope: str | None
    # No namespace written: it lands wherever it is applied (`kubectl apply -n`, a kustomization's
    # `namespace:`), so it matches references from any namespace.
    floating: bool

    __slots__ = ("kind", "namespace", "name", "keys", "obj", "origin", "scope", "floating")

    def __init__(self, kind: str, namespace: str | None, name: str, keys: frozenset[str] | None = None,
                 obj: K8sObject | None = None, origin: str = "file", scope: str | None = None,
                 floating: bool = False) -> None:
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.keys = keys
        self.obj = obj
        self.origin = origin
        self.scope = scope
        self.floating = floating


def scope_of(obj: K8sObject) -> str:
    """The scope an object resolves references from: its kustomize unit, else its file's directory."""
    unit = getattr(obj, "unit", None)
    return os.path.normpath(unit if isinstance(unit, str) else os.path.dirname(obj.file) or ".")


def _within(scope: str, near: str) -> bool:
    """True when ``scope`` is ``near`` or a directory above it."""
    if scope == near or near.startswith(scope.rstrip(os.sep) + os.sep):
        return True
    return scope == "." and not os.path.isabs(near)  # the working directory is above every relative path


def _rank(e: Entry) -> tuple[str, str]:
    """A total order on definitions, so which one represents a key never depends on input order."""
    return (e.scope or "", e.obj.file if e.obj is not None else "")


class Inventory(Record):
    """Index by (kind, namespace, name); ``kinds_present`` tells rules whether a set is partial.

    Every definition is kept: the same name in sibling directories (or in several kustomize
    builds) is several entries, and :meth:`get` picks the one a referrer sees (``near``). One
    representative per key, the first in a fixed order, serves callers that give no scope.
    """

    entries: dict[tuple[str, str | None, str], Entry]
    by_kind: dict[str, list[Entry]]
    # (kind, namespace) pairs whose full contents are known from a cluster look-up.
    complete: set[tuple[str, str | None]]
    # Bumped by every add: derived indexes (:meth:`index`) are rebuilt when it changes.
    version: int
    # Indexes derived from the entries (pod templates by namespace, names per kind ...), by key,
    # with the version they were built at: owned here, so they live and die with the inventory.
    _indexes: dict[str, tuple[int, Any]]
    _all: dict[tuple[str, str | None, str], list[Entry]]
    _floating: dict[tuple[str, str], list[Entry]]

    __slots__ = ("entries", "by_kind", "complete", "version", "_indexes", "_all", "_floating")

    def __init__(self, version: int = 0) -> None:
        self.entries = {}
        self.by_kind = defaultdict(list)
        self.complete = set()
        self.version = version
        self._indexes = {}
        self._all = {}
        self._floating = {}

    @classmethod
    def from_objects(cls, objects: Iterable[K8sObject]) -> "Inventory":
        inv = cls()
        for obj in objects:
            # Objects without a name (every kustomization.yaml) must not replace one another.
            name = obj.name or f"<unnamed {obj.file}#{obj.document.index}{list(obj.prefix)}>"
            floating = obj.namespace is not None and obj.declared_namespace is None
            inv.add(Entry(obj.kind, obj.namespace, name, _keys_of(obj), obj, scope=scope_of(obj), floating=floating))
        return inv

    def add(self, entry: Entry) -> None:
        key = (entry.kind, entry.namespace, entry.name)
        self._all.setdefault(key, []).append(entry)
        self.by_kind[entry.kind].append(entry)
        current = self.entries.get(key)
        if current is None or _rank(entry) < _rank(current):
            self.entries[key] = entry
        if entry.floating:
            self._floating.setdefault((entry.kind, entry.name), []).append(entry)
        self.version += 1

    def index(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per ``key`` while the inventory is unchanged (cross-object rules'
        indexes: the same for every object of a run, so built once, not once per object)."""
        held = self._indexes.get(key)
        if held is not None and held[0] == self.version:
            return held[1]  # type: ignore[no-any-return]  # stored by this method with the caller's T
        value = compute()
        self._indexes[key] = (self.version, value)
        return value

    def candidates(self, kind: str, namespace: str | None, name: str) -> list[Entry]:
        """Every definition a reference from ``namespace`` may mean (floating ones included)."""
        found = self._all.get((kind, namespace, name), [])
        floating = self._floating.get((kind, name), []) if namespace is not None else []
        if not floating:
            return found
        return found + [e for e in floating if e.namespace != namespace]

    def get(self, kind: str, namespace: str | None, name: str, near: str | None = None) -> Entry | None:
        """The definition a reference from scope ``near`` sees, or None.

        Own scope first, then the nearest directory above; past those, a definition elsewhere
        counts only when it is the only one. Several elsewhere (variants) exist, but which one
        applies is unknown: the answer then carries no keys, so no key is called missing.
        """
        found = self.candidates(kind, namespace, name)
        if len(found) <= 1:
            return found[0] if found else None
        if near is None:
            return self.entries.get((kind, namespace, name)) or min(found, key=_rank)
        visible = [e for e in found if e.scope is not None and _within(e.scope, near)]
        if visible:
            return min(visible, key=lambda e: (-len(e.scope or ""), _rank(e)))  # the nearest, then a fixed order
        cluster = [e for e in found if e.scope is None]
        if cluster:
            return cluster[0]
        best = min(found, key=_rank)
        if len({e.keys for e in found}) == 1:
            return best
        return Entry(best.kind, best.namespace, best.name, None, best.obj, best.origin, best.scope, best.floating)

    def has(self, kind: str, namespace: str | None, name: str) -> bool:
        """Whether any definition of that name is known (from any scope: existence is not scoped)."""
        return bool(self.candidates(kind, namespace, name))

    def of_kind(self, kind: str, namespace: str | None = None) -> Iterator[Entry]:
        for e in self.by_kind.get(kind, ()):
            if namespace is None or e.namespace == namespace or e.floating:
                yield e

    def defines_any(self, kind: str) -> bool:
        return bool(self.by_kind.get(kind))

    @property
    def base(self) -> Inventory:
        """Itself: the whole inventory, as :class:`InventoryView` promises."""
        return self


class InventoryView(Protocol):
    """What rules and knowledge read of the inventory: the whole :class:`Inventory`, or the
    :class:`ScopedInventory` the engine hands a rule, whose :meth:`get` resolves from one object's scope.
    """

    @property
    def base(self) -> Inventory:
        """The whole inventory underneath: derived indexes (invcache.memo) are kept per base."""
        ...

    @property
    def entries(self) -> dict[tuple[str, str | None, str], Entry]: ...

    @property
    def complete(self) -> set[tuple[str, str | None]]: ...

    def get(self, kind: str, namespace: str | None, name: str, near: str | None = None) -> Entry | None: ...

    def candidates(self, kind: str, namespace: str | None, name: str) -> list[Entry]: ...

    def has(self, kind: str, namespace: str | None, name: str) -> bool: ...

    def of_kind(self, kind: str, namespace: str | None = None) -> Iterator[Entry]: ...

    def defines_any(self, kind: str) -> bool: ...


class ScopedInventory:
    """The inventory as one object sees it: :meth:`get` resolves from that object's scope.

    The engine sets ``near`` before running the rules on each object, so rules keep calling
    ``ctx.inventory.get(kind, namespace, name)`` and stay pure functions of what they are given.
    Everything else is the base inventory's, unchanged.
    """

    __slots__ = ("base", "near")

    def __init__(self, base: Inventory, near: str | None = None) -> None:
        self.base = base
        self.near = near

    def get(self, kind: str, namespace: str | None, name: str, near: str | None = None) -> Entry | None:
        return self.base.get(kind, namespace, name, near or self.near)

    @property
    def entries(self) -> dict[tuple[str, str | None, str], Entry]:
        return self.base.entries

    @property
    def complete(self) -> set[tuple[str, str | None]]:
        return self.base.complete

    def candidates(self, kind: str, namespace: str | None, name: str) -> list[Entry]:
        return self.base.candidates(kind, namespace, name)

    def has(self, kind: str, namespace: str | None, name: str) -> bool:
        return self.base.has(kind, namespace, name)

    def of_kind(self, kind: str, namespace: str | None = None) -> Iterator[Entry]:
        return self.base.of_kind(kind, namespace)

    def defines_any(self, kind: str) -> bool:
        return self.base.defines_any(kind)


def _keys_of(obj: K8sObject) -> frozenset[str] | None:
    """Data keys of ConfigMaps and Secrets (``data``, ``binaryData``, ``stringData``)."""
    if obj.kind not in ("ConfigMap", "Secret"):
        return None
    keys: set[str] = set()
    for section in ("data", "binaryData", "stringData"):
        d: Any = obj.data.get(section)
        if isinstance(d, dict):
            keys.update(str(k) for k in d)
    return frozenset(keys)
