"""missing-key: a pod references a key its ConfigMap or Secret does not have.

The object exists, so nothing looks wrong until the kubelet needs the key: an env
``configMapKeyRef``/``secretKeyRef`` fails with ``CreateContainerConfigError: couldn't find
key KEY in ConfigMap ns/name``, a volume ``items[].key`` with ``FailedMount: ... configmap
references non-existent config key: KEY``. Only objects whose keys are known are checked
(defined in the files, or read from the cluster with their keys); ``optional: true`` exempts
the key too. For env references a ConfigMap key must be under ``data``: the kubelet does not
read ``binaryData`` there, while volumes see both.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from ..findings import Hit
from ..invcache import memo
from ..inventory import Entry
from ..references import Reference, entry_keys, iter_references, kubelet_symptom, where
from ..rules import RuleContext
from ..workloads import Workload

ID = "missing-key"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)


def _keys(ctx: RuleContext, entry: Entry, ref: Reference) -> tuple[frozenset[str] | None, str]:
    """The keys ``ref`` can use and the first eight for messages, once per object and kind of read.

    Computed per reference, n env references to a ConfigMap of n keys cost n² (the key set is
    rebuilt, and sorted for the message, each time).
    """
    cache = memo(ctx.inventory, f"{ID}:keys", dict)
    slot = (id(entry), ref.from_env)  # entry_keys reads only these; the entry is held so its id stays its own
    held = cache.get(slot)
    if held is None or held[0] is not entry:
        keys = entry_keys(entry, ref)
        held = cache[slot] = (entry, keys, ", ".join(heapq.nsmallest(8, keys)) or "none" if keys is not None else "")
    return held[1], held[2]


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    ns = wl.obj.namespace
    for ref in iter_references(wl):
        if ref.key is None or ref.optional or ref.key_pointer is None:
            continue
        entry = ctx.inventory.get(ref.kind, ns, ref.name)
        if entry is None:
            continue  # missing-configmap / missing-secret report the object itself
        keys, shown = _keys(ctx, entry, ref)
        if keys is None or ref.key in keys:
            continue
        note = ""
        if ref.from_env and ref.kind == "ConfigMap" and entry.keys and ref.key in entry.keys:
            note = " (it is under binaryData, which env variables cannot read)"
        yield Hit(ref.key_pointer, (
            f"{ref.kind} \"{ref.name}\" has no key \"{ref.key}\"{note}, used by {where(ref)}; its keys: "
            f"{shown}. The kubelet reports {kubelet_symptom(ref, ns, ref.key)}. Fix the key name, add it "
            f"to the {ref.kind}, or mark the reference `optional: true`."),
            container=ref.container, anchor="value")
