"""The cluster's objects as the watcher holds them: bounded, grouped by workload, diffed into dirty workloads.

Every change (a watch event, or a relist replacing a kind) marks the workloads it touches
*dirty*; the judge re-evaluates only those. A workload is ``Kind/namespace/name`` exactly as
:func:`crashlint.runtime.owners.resolve` names it, with the same index of ReplicaSets and Jobs,
so a pod lands in the workload ``crashlint runtime`` would put it in.

Memory is bounded by what the cluster holds, not by how long the watcher runs: a deleted
object is dropped with everything derived from it, events are kept per pod (at most
``max_events_per_pod``, newest first) and pruned once older than ``max_event_age_seconds``
(the API server's own event TTL is one hour), and metadata nobody reads (``managedFields``,
the last-applied annotation) is trimmed on the way in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from crashlint.model.record import Record, Value
from crashlint.runtime.owners import controller_ref, resolve, workload_ref
from crashlint.runtime.shape import obj, text
from crashlint.runtime.state import EVENT_KEYS, LAST_APPLIED, Snapshot, event_time, parse_time

OWNER_KINDS = frozenset({"ReplicaSet", "Job"})
TOP_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicationController", "CronJob"})
KNOWN_KINDS = OWNER_KINDS | TOP_KINDS | {"Pod", "Event", "Namespace"}
_TIME_FLOOR = "0000"

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Final


class BadObject(ValueError):
    """An object the watcher cannot file (not a map, no uid or name, its skeleton of the wrong
    types): skipped and counted. Wrong types deeper inside (a container's fields) are read as
    absent by runtime mode's shape helpers, as ``crashlint runtime`` reads them."""


# The skeleton every object must have to be grouped and judged: what owners, selectors and the
# classifier walk before any field of a container.
_SHAPE: tuple[tuple[str, type], ...] = (("labels", dict), ("annotations", dict), ("ownerReferences", list),
                                        ("spec", dict), ("status", dict))


class StoreLimits(Value):
    """How much of the cluster's event history is kept."""

    __slots__ = ("max_event_age_seconds", "max_events_per_pod")

    max_event_age_seconds: Final[float]
    max_events_per_pod: Final[int]

    def __init__(self, max_event_age_seconds: float = 3600, max_events_per_pod: int = 50) -> None:
        self.max_event_age_seconds = max_event_age_seconds
        self.max_events_per_pod = max_events_per_pod


def _identity(o: Any) -> tuple[str, str, str]:
    """(uid, namespace, name) of an API object, or BadObject when it has none of the right type."""
    if not isinstance(o, dict):
        raise BadObject(f"not an object but {type(o).__name__}")
    meta = o.get("metadata")
    if not isinstance(meta, dict):
        raise BadObject("no metadata")
    uid, name = meta.get("uid"), meta.get("name")
    if not isinstance(uid, str) or not uid or not isinstance(name, str) or not name:
        raise BadObject("metadata without uid or name")
    ns = meta.get("namespace")
    if ns is not None and not isinstance(ns, str):
        raise BadObject("metadata.namespace is not a string")
    for key, want in _SHAPE:
        where = o if key in ("spec", "status") else meta
        if where.get(key) is not None and not isinstance(where[key], want):
            raise BadObject(f"{'' if where is o else 'metadata.'}{key} is not a {want.__name__}")
    return uid, ns or "default", name


def _trim(o: dict[str, Any]) -> dict[str, Any]:
    meta = o["metadata"]
    meta.pop("managedFields", None)
    ann = meta.get("annotations")
    if isinstance(ann, dict):
        ann.pop(LAST_APPLIED, None)
    return o


class ClusterStore(Record):
    """Pods, their owners, workloads and pod events of the watched scope, indexed by workload."""

    __slots__ = ("limits", "selected_namespaces", "index", "pods", "tops", "events", "event_pod", "pod_wl",
                 "owner_wl", "top_wl", "members", "pods_by_owner", "dirty", "bad")

    limits: StoreLimits
    # None: no namespace selector, every namespace counts; else the selected namespaces' names.
    selected_namespaces: set[str] | None
    index: Snapshot  # owners / owners_by_name: what resolve() reads
    pods: dict[str, dict[str, Any]]
    tops: dict[str, dict[str, Any]]  # uid -> Deployment, StatefulSet, ...
    events: dict[str, dict[str, dict[str, Any]]]  # pod uid -> event uid -> event
    event_pod: dict[str, str]  # event uid -> pod uid
    pod_wl: dict[str, str]
    owner_wl: dict[str, str]
    top_wl: dict[str, str]
    members: dict[str, set[str]]  # workload -> uids of its objects
    pods_by_owner: dict[tuple[str, str], set[str]]  # (ns, owner name) -> pods
    dirty: set[str]
    bad: Counter[str]

    def __init__(self, limits: StoreLimits | None = None, selected_namespaces: set[str] | None = None) -> None:
        self.limits = StoreLimits() if limits is None else limits
        self.selected_namespaces = selected_namespaces
        self.index = Snapshot()
        self.pods = {}
        self.tops = {}
        self.events = {}
        self.event_pod = {}
        self.pod_wl = {}
        self.owner_wl = {}
        self.top_wl = {}
        self.members = {}
        self.pods_by_owner = {}
        self.dirty = set()
        self.bad = Counter()

    # -- changes --------------------------------------------------------------------------

    def apply(self, kind: str, change: str, item: Any) -> None:
        """One watch event (``ADDED``/``MODIFIED``/``DELETED``); a bad object is counted, never raised."""
        try:
            if change == "DELETED":
                self._delete(kind, *_identity(item))
            else:
                self._upsert(kind, item)
        except BadObject:
            self.bad[kind] += 1

    def relist(self, kind: str, items: Iterable[Any]) -> None:
        """A (re)list of one kind: what is not in it any more was deleted while nobody watched."""
        seen: set[str] = set()
        for item in items:
            try:
                uid, _, name = _identity(item)
                self._upsert(kind, item)
                seen.add(name if kind == "Namespace" else uid)
            except BadObject:
                self.bad[kind] += 1
        for uid in [u for u in self._uids(kind) if u not in seen]:
            self._delete_uid(kind, uid)

    def _uids(self, kind: str) -> list[str]:
        if kind == "Pod":
            return list(self.pods)
        if kind == "Event":
            return list(self.event_pod)
        if kind == "Namespace":
            return list(self.selected_namespaces or ())
        if kind in OWNER_KINDS:
            return [u for u, o in self.index.owners.items() if o.get("kind") == kind]
        return [u for u, o in self.tops.items() if o.get("kind") == kind]

    def _upsert(self, kind: str, item: Any) -> None:
        uid, ns, name = _identity(item)
        if self._unchanged(kind, uid, item):
            return  # a relist after 410 Gone hands back mostly what is held: nothing to judge again
        item["kind"] = kind
        if kind == "Pod":
            self._put_pod(uid, ns, _trim(item))
        elif kind == "Event":
            self._put_event(uid, item)
        elif kind in OWNER_KINDS:
            self._put_owner(uid, ns, name, _trim(item))
        elif kind in TOP_KINDS:
            self._unfile(self.top_wl, uid)
            self.tops[uid] = _trim(item)
            self._file(self.top_wl, uid, workload_ref(kind, ns, name))
        elif kind == "Namespace" and self.selected_namespaces is not None:
            self.selected_namespaces.add(name)
            self._touch_namespace(name)

    def _unchanged(self, kind: str, uid: str, item: dict[str, Any]) -> bool:
        """Whether the store holds this very version of the object (same resourceVersion)."""
        rv = item["metadata"].get("resourceVersion")
        if not isinstance(rv, str) or not rv:
            return False
        if kind == "Event":
            held = self.events.get(self.event_pod.get(uid, ""), {}).get(uid)
            return held is not None and held.get("_rv") == rv
        pool = self.pods if kind == "Pod" else self.index.owners if kind in OWNER_KINDS else (
            self.tops if kind in TOP_KINDS else {})
        held = pool.get(uid)
        return held is not None and obj(held.get("metadata")).get("resourceVersion") == rv

    def _delete(self, kind: str, uid: str, ns: str, name: str) -> None:
        self._delete_uid(kind, name if kind == "Namespace" else uid)

    def _delete_uid(self, kind: str, uid: str) -> None:
        """Forget one object; a Namespace is known by its name (what objects refer to it by)."""
        if kind == "Namespace":
            if self.selected_namespaces is not None:
                self.selected_namespaces.discard(uid)
                self._touch_namespace(uid)
        elif kind == "Pod":
            pod = self.pods.pop(uid, None)
            if pod is not None:
                self._owner_link(uid, pod, add=False)
            self._unfile(self.pod_wl, uid)
            for ev_uid in self.events.pop(uid, {}):
                self.event_pod.pop(ev_uid, None)
        elif kind == "Event":
            pod_uid = self.event_pod.pop(uid, None)
            if pod_uid is not None:
                self.events.get(pod_uid, {}).pop(uid, None)
                if not self.events.get(pod_uid):
                    self.events.pop(pod_uid, None)
                self._touch(self.pod_wl.get(pod_uid))
        elif kind in OWNER_KINDS:
            owner = self.index.owners.pop(uid, None)
            self._unfile(self.owner_wl, uid)
            if owner is not None:
                key = (kind, text(obj(owner.get("metadata")).get("namespace")) or "default",
                       text(obj(owner.get("metadata")).get("name")))
                if self.index.owners_by_name.get(key) is owner:
                    del self.index.owners_by_name[key]
                self._reresolve(key[1], key[2])
        else:
            self.tops.pop(uid, None)
            self._unfile(self.top_wl, uid)

    # -- filing ---------------------------------------------------------------------------

    def _file(self, where: dict[str, str], uid: str, wl: str) -> None:
        where[uid] = wl
        self.members.setdefault(wl, set()).add(uid)
        self.dirty.add(wl)

    def _unfile(self, where: dict[str, str], uid: str) -> None:
        wl = where.pop(uid, None)
        if wl is None:
            return
        uids = self.members.get(wl)
        if uids is not None:
            uids.discard(uid)
            if not uids:
                del self.members[wl]
        self.dirty.add(wl)

    def _touch(self, wl: str | None) -> None:
        if wl is not None:
            self.dirty.add(wl)

    def _touch_namespace(self, ns: str) -> None:
        self.dirty.update(wl for wl in self.members if wl.split("/")[1] == ns)

    def _owner_link(self, pod_uid: str, pod: dict[str, Any], add: bool) -> None:
        ref = controller_ref(pod)
        if ref is None or not isinstance(ref.get("name"), str):
            return
        key = (text(obj(pod.get("metadata")).get("namespace")) or "default", ref["name"])
        if add:
            self.pods_by_owner.setdefault(key, set()).add(pod_uid)
            return
        uids = self.pods_by_owner.get(key)
        if uids is not None:
            uids.discard(pod_uid)
            if not uids:
                del self.pods_by_owner[key]

    def _put_pod(self, uid: str, ns: str, pod: dict[str, Any]) -> None:
        old = self.pods.get(uid)
        if old is not None:
            self._owner_link(uid, old, add=False)
        self.pods[uid] = pod
        self._owner_link(uid, pod, add=True)
        wl = resolve(self.index, pod)
        if self.pod_wl.get(uid) != wl:
            self._unfile(self.pod_wl, uid)
            self._file(self.pod_wl, uid, wl)
        self.dirty.add(wl)

    def _put_owner(self, uid: str, ns: str, name: str, owner: dict[str, Any]) -> None:
        self.index.owners[uid] = owner
        self.index.owners_by_name[(str(owner["kind"]), ns, name)] = owner
        self._unfile(self.owner_wl, uid)
        self._file(self.owner_wl, uid, resolve(self.index, owner))
        self._reresolve(ns, name)

    def _reresolve(self, ns: str, owner_name: str) -> None:
        """Pods controlled by an owner that appeared, changed or went: their workload may differ now."""
        for pod_uid in list(self.pods_by_owner.get((ns, owner_name), ())):
            pod = self.pods[pod_uid]
            wl = resolve(self.index, pod)
            if self.pod_wl.get(pod_uid) != wl:
                self._unfile(self.pod_wl, pod_uid)
                self._file(self.pod_wl, pod_uid, wl)

    def _put_event(self, uid: str, ev: dict[str, Any]) -> None:
        inv = ev.get("involvedObject")
        pod_uid = inv.get("uid") if isinstance(inv, dict) and inv.get("kind") == "Pod" else None
        if not isinstance(pod_uid, str) or not pod_uid:
            return  # about a Node, a ReplicaSet, a Job: says nothing about a container (as runtime mode)
        if self.event_pod.get(uid, pod_uid) != pod_uid:
            self._delete_uid("Event", uid)
        slim = {k: ev[k] for k in EVENT_KEYS if k in ev}
        slim["kind"] = "Event"
        slim["_time"] = event_time(ev)
        slim["_rv"] = obj(ev.get("metadata")).get("resourceVersion")
        per_pod = self.events.setdefault(pod_uid, {})
        per_pod[uid] = slim
        self.event_pod[uid] = pod_uid
        if len(per_pod) > self.limits.max_events_per_pod:
            oldest = min(per_pod, key=lambda u: per_pod[u].get("_time") or _TIME_FLOOR)
            del per_pod[oldest]
            self.event_pod.pop(oldest, None)
        self._touch(self.pod_wl.get(pod_uid))

    # -- bounds ---------------------------------------------------------------------------

    def prune_events(self, now: datetime) -> int:
        """Drop events last seen more than ``max_event_age_seconds`` before ``now``; how many went."""
        horizon = now - timedelta(seconds=self.limits.max_event_age_seconds)
        gone = 0
        for pod_uid in list(self.events):
            per_pod = self.events[pod_uid]
            old = [u for u, ev in per_pod.items() if (t := parse_time(ev.get("_time"))) is not None and t < horizon]
            for u in old:
                del per_pod[u]
                self.event_pod.pop(u, None)
            if old:
                gone += len(old)
                self._touch(self.pod_wl.get(pod_uid))
            if not per_pod:
                del self.events[pod_uid]
        return gone

    # -- reads ----------------------------------------------------------------------------

    def in_scope(self, wl: str) -> bool:
        return self.selected_namespaces is None or wl.split("/")[1] in self.selected_namespaces

    def snapshot(self, wl: str) -> Snapshot | None:
        """The workload's objects as a runtime-mode Snapshot; None when nothing of it is left (or out of scope)."""
        uids = self.members.get(wl)
        if not uids or not self.in_scope(wl):
            return None
        snap = Snapshot()
        for uid in sorted(uids):
            o = self.pods.get(uid) or self.index.owners.get(uid) or self.tops.get(uid)
            if o is None:
                continue
            snap.add(o)
            for ev in self.events.get(uid, {}).values() if o.get("kind") == "Pod" else ():
                snap.add_slim_event(uid, ev)  # filed and slimmed on the way in (_put_event)
        return snap

    def target(self, wl: str) -> dict[str, Any] | None:
        """The object Events about ``wl`` are recorded on: the workload itself, else its newest owner or pod."""
        uids = self.members.get(wl, set())
        for pool in (self.tops, self.index.owners, self.pods):
            found = [pool[u] for u in uids if u in pool]
            if found:
                o = max(found, key=lambda x: text(obj(x.get("metadata")).get("creationTimestamp")))
                meta = o["metadata"]
                return {"kind": o["kind"], "namespace": meta.get("namespace") or "default", "name": meta["name"],
                        "uid": meta["uid"], "apiVersion": text(o.get("apiVersion")) or _API_VERSIONS[o["kind"]]}
        return None

    @property
    def event_count(self) -> int:
        return len(self.event_pod)


_API_VERSIONS = {"Pod": "v1", "ReplicationController": "v1", "ReplicaSet": "apps/v1", "Deployment": "apps/v1",
                 "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1"}
