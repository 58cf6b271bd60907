"""Which workload a pod belongs to, from the snapshot alone (no API round trip per pod).

Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob, StatefulSet, DaemonSet,
ReplicationController, or the bare Pod. Two fallbacks keep dumps usable that lack the middle
object: a ReplicaSet named ``<deployment>-<pod-template-hash>`` (the pod carries the hash as
a label), and a Job named ``<cronjob>-<minutes since the epoch>`` (the CronJob controller's
naming; Jobs made by some UIs carry no ownerReference).
"""

from __future__ import annotations

import re
from typing import Any

from crashlint.runtime.shape import obj as obj_
from crashlint.runtime.shape import seq
from crashlint.runtime.state import Snapshot

CRONJOB_INSTANTIATE = "cronjob.kubernetes.io/instantiate"
_CRONJOB_SUFFIX = re.compile(r"^(?P<base>.+)-(?P<minutes>\d{8,9})$")
# Scheduled times a CronJob suffix can plausibly hold: 2015-01-01 .. 2100-01-01, in minutes.
_MINUTES_RANGE = (23_667_840, 68_373_360)


def _meta(o: dict[str, Any]) -> dict[str, Any]:
    return obj_(o.get("metadata"))


def controller_ref(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The controlling ownerReference (``controller: true``), else the first one."""
    refs = [r for r in seq(_meta(obj).get("ownerReferences")) if isinstance(r, dict)]
    for r in refs:
        if r.get("controller") is True:
            return r
    return refs[0] if refs else None


def namespace_of(obj: dict[str, Any]) -> str:
    ns = _meta(obj).get("namespace")
    return ns if isinstance(ns, str) and ns else "default"


def workload_ref(kind: str, namespace: str, name: str) -> str:
    """``Kind/namespace/name``: how runtime reports name a workload (as ``K8sObject.ref`` does)."""
    return f"{kind}/{namespace}/{name}"


def _cronjob_from_job_name(name: str) -> str | None:
    m = _CRONJOB_SUFFIX.match(name)
    if m and _MINUTES_RANGE[0] <= int(m["minutes"]) <= _MINUTES_RANGE[1]:
        return m["base"]
    return None


def _resolve_job(snap: Snapshot, ns: str, ref: dict[str, Any]) -> tuple[str, str]:
    job = snap.owners.get(str(ref.get("uid") or "")) or snap.owners_by_name.get(("Job", ns, str(ref.get("name"))))
    name = str(ref.get("name") or "")
    if job is not None:
        up = controller_ref(job)
        if up is not None and up.get("kind") == "CronJob":
            return "CronJob", str(up.get("name"))
        if up is not None:
            return str(up.get("kind")), str(up.get("name"))
        ann = obj_(_meta(job).get("annotations"))
        if CRONJOB_INSTANTIATE in ann:
            return "Job", name  # made by hand from a CronJob: its name says nothing about the CronJob
        base = _cronjob_from_job_name(name)
        return ("CronJob", base) if base is not None else ("Job", name)
    base = _cronjob_from_job_name(name)
    return ("CronJob", base) if base is not None else ("Job", name)


def _resolve_replicaset(snap: Snapshot, pod: dict[str, Any], ns: str, ref: dict[str, Any]) -> tuple[str, str]:
    name = str(ref.get("name") or "")
    rs = snap.owners.get(str(ref.get("uid") or "")) or snap.owners_by_name.get(("ReplicaSet", ns, name))
    if rs is not None:
        up = controller_ref(rs)
        if up is not None:
            return str(up.get("kind")), str(up.get("name"))
        return "ReplicaSet", name
    labels = obj_(_meta(pod).get("labels"))
    h = labels.get("pod-template-hash")
    if isinstance(h, str) and h and name.endswith("-" + h):
        return "Deployment", name[: -len(h) - 1]
    return "ReplicaSet", name


def resolve(snap: Snapshot, obj: dict[str, Any]) -> str:
    """The top-level workload of a Pod (or of a ReplicaSet/Job), as ``Kind/namespace/name``."""
    meta = _meta(obj)
    ns = namespace_of(obj)
    kind = str(obj.get("kind") or "Pod")
    name = str(meta.get("name") or "")
    ref = controller_ref(obj)
    if kind == "ReplicaSet":
        if ref is not None:
            return workload_ref(str(ref.get("kind")), ns, str(ref.get("name")))
        h = obj_(meta.get("labels")).get("pod-template-hash")
        if isinstance(h, str) and h and name.endswith("-" + h):
            return workload_ref("Deployment", ns, name[: -len(h) - 1])
        return workload_ref(kind, ns, name)
    if kind == "Job":
        k, n = _resolve_job(snap, ns, {"name": name, "uid": meta.get("uid")})
        return workload_ref(k, ns, n)
    if kind != "Pod" or ref is None:
        return workload_ref(kind, ns, name)
    owner_kind = ref.get("kind")
    if owner_kind == "ReplicaSet":
        k, n = _resolve_replicaset(snap, obj, ns, ref)
    elif owner_kind == "Job":
        k, n = _resolve_job(snap, ns, ref)
    else:
        k, n = str(owner_kind), str(ref.get("name"))
    return workload_ref(k, ns, n)
