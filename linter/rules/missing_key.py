"""missing-key: a pod references a key its ConfigMap or Secret does not have.

The object exists, so nothing looks wrong until the kubelet needs the key: an env
``configMapKeyRef``/``secretKeyRef`` fails with ``CreateContainerConfigError: couldn't find
key KEY in ConfigMap ns/name``, a volume ``items[].key`` with ``FailedMount: ... configmap
references non-existent config key: KEY``. Only objects whose keys are known are checked
(defined in the files, or read from the cluster with their keys); ``optional: true`` exempts
the key too. For env references a ConfigMap key must be under ``data``: the kubelet does not
read ``binaryData`` there, while volumes see both. A key missing for several fields (two
containers read it, a volume item too) is one finding that lists every place.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.model.invcache import memo
from crashlint.model.inventory import Entry
from crashlint.knowledge.references import (Reference, entry_keys, first_failure, in_document_order, iter_references,
                          kubelet_symptom, places, shared_container, used_by)
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "missing-key"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)


def _keys(ctx: RuleContext, entry: Entry, ref: Reference) -> tuple[frozenset[str] | None, str]:
    """The keys ``ref`` can use and the first eight for messages, once per object and kind of read.

    Computed per reference, n env references to a ConfigMap of n keys cost n² (the key set is
    rebuilt, and sorted for the message, each time).
    """
    cache: dict[tuple[int, bool], tuple[Entry, frozenset[str] | None, str]] = memo(ctx.inventory, f"{ID}:keys", dict)
    slot = (id(entry), ref.from_env)  # entry_keys reads only these; the entry is held so its id stays its own
    held = cache.get(slot)
    if held is None or held[0] is not entry:
        keys = entry_keys(entry, ref)
        held = cache[slot] = (entry, keys, ", ".join(heapq.nsmallest(8, keys)) or "none" if keys is not None else "")
    return held[1], held[2]


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    """One hit per (object, key) the workload needs and the object lacks, listing every place that needs it."""
    ns = wl.obj.namespace
    missing: dict[tuple[str, str, str], tuple[Entry, str, list[Reference]]] = {}
    for ref in iter_references(wl):
        if ref.key is None or ref.optional or ref.key_pointer is None:
            continue
        entry = ctx.inventory.get(ref.kind, ns, ref.name)
        if entry is None:
            continue  # missing-configmap / missing-secret report the object itself
        keys, shown = _keys(ctx, entry, ref)
        if keys is None or ref.key in keys:
            continue
        group = missing.setdefault((ref.kind, ref.name, ref.key), (entry, shown, []))
        group[2].append(ref)
    for (kind, name, key), (entry, shown, found) in missing.items():
        refs = in_document_order(wl, found)
        note = ""
        if kind == "ConfigMap" and entry.keys and key in entry.keys and any(r.from_env for r in refs):
            note = " (it is under binaryData, which env variables cannot read)"
        them = "the references" if len(refs) > 1 else "the reference"
        yield Hit(refs[0].key_pointer or refs[0].pointer, (
            f"{kind} \"{name}\" has no key \"{key}\"{note}, {used_by(refs)}; its keys: "
            f"{shown}. The kubelet reports {kubelet_symptom(first_failure(refs), ns, key)}. Fix the key name, add it "
            f"to the {kind}, or mark {them} `optional: true`."),
            container=shared_container(refs), anchor="value", places=places(refs, keyed=True))
