"""What exists: every object of the linted set (and, when asked, of the cluster), indexed for rules.

Cross-object rules (a ConfigMap reference, a Service selector, a pull secret) ask the
inventory, never the files or the network: the CLI fills it from every file of one run, the
cluster look-up adds what the cluster has, the webhook adds what its cached look-ups found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .model import K8sObject


@dataclass
class Entry:
    """An object known to exist, with what rules may need of it (ConfigMap/Secret keys)."""

    kind: str
    namespace: str | None
    name: str
    keys: frozenset[str] | None = None  # None: keys unknown (e.g. Secret metadata from a cluster)
    obj: K8sObject | None = None  # set for objects of the linted files
    origin: str = "file"  # "file" | "cluster"


@dataclass
class Inventory:
    """Index by (kind, namespace, name); ``kinds_present`` tells rules whether a set is partial."""

    entries: dict[tuple[str, str | None, str], Entry] = field(default_factory=dict)
    by_kind: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    # (kind, namespace) pairs whose full contents are known from a cluster look-up.
    complete: set[tuple[str, str | None]] = field(default_factory=set)

    @classmethod
    def from_objects(cls, objects: Iterable[K8sObject]) -> "Inventory":
        inv = cls()
        for obj in objects:
            # Objects without a name (every kustomization.yaml) must not replace one another.
            name = obj.name or f"<unnamed {obj.file}#{obj.document.index}{list(obj.prefix)}>"
            inv.add(Entry(obj.kind, obj.namespace, name, _keys_of(obj), obj))
        return inv

    def add(self, entry: Entry) -> None:
        key = (entry.kind, entry.namespace, entry.name)
        if key not in self.entries:
            self.by_kind[entry.kind].append(entry)
        self.entries[key] = entry

    def get(self, kind: str, namespace: str | None, name: str) -> Entry | None:
        return self.entries.get((kind, namespace, name))

    def has(self, kind: str, namespace: str | None, name: str) -> bool:
        return (kind, namespace, name) in self.entries

    def of_kind(self, kind: str, namespace: str | None = None) -> Iterator[Entry]:
        for e in self.by_kind.get(kind, ()):
            if namespace is None or e.namespace == namespace:
                yield e

    def defines_any(self, kind: str) -> bool:
        return bool(self.by_kind.get(kind))


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
