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

from collections.abc import Iterator

from ..findings import Hit
from ..references import entry_keys, iter_references, kubelet_symptom, where
from ..rules import RuleContext
from ..workloads import Workload

ID = "missing-key"


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    ns = wl.obj.namespace
    for ref in iter_references(wl):
        if ref.key is None or ref.optional or ref.key_pointer is None:
            continue
        entry = ctx.inventory.get(ref.kind, ns, ref.name)
        if entry is None:
            continue  # missing-configmap / missing-secret report the object itself
        keys = entry_keys(entry, ref)
        if keys is None or ref.key in keys:
            continue
        note = ""
        if ref.from_env and ref.kind == "ConfigMap" and entry.keys and ref.key in entry.keys:
            note = " (it is under binaryData, which env variables cannot read)"
        shown = ", ".join(sorted(keys)[:8]) or "none"
        yield Hit(ref.key_pointer, (
            f"{ref.kind} \"{ref.name}\" has no key \"{ref.key}\"{note}, used by {where(ref)}; its keys: "
            f"{shown}. The kubelet reports {kubelet_symptom(ref, ns, ref.key)}. Fix the key name, add it "
            f"to the {ref.kind}, or mark the reference `optional: true`."),
            container=ref.container, anchor="value")
