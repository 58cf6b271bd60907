"""A cluster snapshot as plain dicts, indexed the way the classifier and the join read it.

Both sources fill the same :class:`Snapshot`: the live reader page by page, the offline reader
item by item from a ``kubectl get ... -o json`` List. Items are trimmed on the way in
(``managedFields``, ``last-applied-configuration``, event fields nobody reads), so memory grows
with what is analysed, not with what the API server sends; events are indexed by
``involvedObject.uid`` because pod names are reused (StatefulSets, bare pods).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from crashlint.sources.limits import Limits
from crashlint.sources.loader import gc_paused, load_text, too_dense
from crashlint.model.nested import dig_map
from crashlint.model.record import Record
from crashlint.runtime.shape import obj, seq

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# Kinds kept whole because they may be linted when no manifests are given.
LINTABLE_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                            "Job", "CronJob", "Pod"})
EVENT_KEYS = ("involvedObject", "reason", "message", "type", "count", "firstTimestamp", "lastTimestamp",
              "eventTime", "series", "source", "reportingComponent")
_WS = re.compile(r"[ \t\n\r]*")


class DumpError(ValueError):
    """A dump that cannot be read as a Kubernetes List: the CLI exits 2 with this message."""


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (``Z`` or offset, optional fraction) as an aware datetime; None if absent/bad."""
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def event_time(ev: dict[str, Any]) -> str | None:
    """When an event last happened: ``lastTimestamp``, then ``series``/``eventTime`` (events.k8s.io writers)."""
    series = obj(ev.get("series"))
    for value in (ev.get("lastTimestamp"), series.get("lastObservedTime"), ev.get("eventTime"),
                  ev.get("firstTimestamp"), obj(ev.get("metadata")).get("creationTimestamp")):
        if isinstance(value, str) and value:
            return value
    return None


def _meta(o: dict[str, Any]) -> dict[str, Any]:
    return obj(o.get("metadata"))


def _trim_meta(obj: dict[str, Any]) -> None:
    meta = _meta(obj)
    meta.pop("managedFields", None)
    ann = meta.get("annotations")
    if isinstance(ann, dict):
        ann.pop(LAST_APPLIED, None)


class Snapshot(Record):
    """Pods, their owners and events of one read, plus the workload objects to lint."""

    pods: list[dict[str, Any]]
    owners: dict[str, dict[str, Any]]  # uid -> ReplicaSet/Job
    owners_by_name: dict[tuple[str, str, str], dict[str, Any]]
    workloads: list[dict[str, Any]]  # Deployment, StatefulSet, ... CronJob
    events: dict[str, list[dict[str, Any]]]
    event_count: int
    newest: str  # newest second-precision UTC timestamp seen ("YYYY-MM-DDTHH:MM:SS")
    warnings: list[str]

    __slots__ = ("pods", "owners", "owners_by_name", "workloads", "events", "event_count", "newest", "warnings")

    def __init__(self, event_count: int = 0, newest: str = "") -> None:
        self.pods = []
        self.owners = {}
        self.owners_by_name = {}
        self.workloads = []
        self.events = defaultdict(list)
        self.event_count = event_count
        self.newest = newest
        self.warnings = []

    def _see(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= 19 and value[:19] > self.newest and value.endswith("Z"):
            self.newest = value[:19]

    def add(self, item: dict[str, Any]) -> None:
        """Take one object of a List; kinds runtime mode does not read are dropped."""
        kind = item.get("kind")
        if kind == "Event":
            self._add_event(item)
            return
        if kind not in LINTABLE_KINDS:
            return
        _trim_meta(item)
        meta = _meta(item)
        self._see(meta.get("creationTimestamp"))
        if kind == "Pod":
            self._see_pod_times(item)
            self.pods.append(item)
        elif kind in ("ReplicaSet", "Job"):
            uid = meta.get("uid")
            if isinstance(uid, str) and uid:
                self.owners[uid] = item
            self.owners_by_name[(kind, str(meta.get("namespace") or "default"), str(meta.get("name") or ""))] = item
        else:
            self.workloads.append(item)

    def _see_pod_times(self, pod: dict[str, Any]) -> None:
        status = dig_map(pod, "status")
        self._see(status.get("startTime"))
        for cond in seq(status.get("conditions")):
            if isinstance(cond, dict):
                self._see(cond.get("lastTransitionTime"))
        for section in ("initContainerStatuses", "containerStatuses"):
            for cs in seq(status.get(section)):
                if not isinstance(cs, dict):
                    continue
                for which in ("state", "lastState"):
                    st = cs.get(which)
                    if isinstance(st, dict):
                        for sub in st.values():
                            if isinstance(sub, dict):
                                self._see(sub.get("startedAt"))
                                self._see(sub.get("finishedAt"))

    def _add_event(self, ev: dict[str, Any]) -> None:
        inv = ev.get("involvedObject")
        if not isinstance(inv, dict) or inv.get("kind") != "Pod":
            return  # events of Nodes/ReplicaSets/Jobs say nothing about a container
        uid = inv.get("uid")
        if not isinstance(uid, str) or not uid:
            return  # a name-only join would attribute a reused pod name's events wrongly
        slim = {k: ev[k] for k in EVENT_KEYS if k in ev}
        slim["_time"] = event_time(ev)
        self.add_slim_event(uid, slim)

    def add_slim_event(self, pod_uid: str, slim: dict[str, Any]) -> None:
        """One event of a pod, already reduced to ``EVENT_KEYS`` with its ``_time``: what the
        watcher's store keeps, so judging a workload on every pod update does not slim again."""
        self._see(slim.get("_time"))
        self.events[pod_uid].append(slim)
        self.event_count += 1

    def reference_time(self) -> datetime | None:
        """The newest timestamp of the snapshot: a lower bound of when it was taken."""
        return parse_time(self.newest + "Z") if self.newest else None


def _skip_ws(text: str, i: int) -> int:
    space = _WS.match(text, i)
    assert space is not None  # the pattern matches the empty string
    return space.end()


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def iter_items(text: str) -> Iterator[dict[str, Any]]:
    """The objects of a JSON List (or a single object), decoded one item at a time.

    The top level is walked by hand so each element of ``items`` is decoded, handed over and
    released before the next: a 100 MB dump never exists twice in memory as Python objects.
    Nested Lists (``kubectl get a,b -o json`` of several scopes) are expanded.
    """
    dec = json.JSONDecoder()
    i = _skip_ws(text, 0)
    if text[i:i + 1] != "{":
        raise DumpError("line 1: expected a JSON object (a List from `kubectl get ... -o json`)")
    top: dict[str, Any] = {}
    saw_items = False
    i += 1
    try:
        while True:
            i = _skip_ws(text, i)
            if text[i:i + 1] == "}":
                break
            key, i = dec.raw_decode(text, i)
            i = _skip_ws(text, i)
            if not isinstance(key, str) or text[i:i + 1] != ":":
                raise DumpError(f"line {_line_of(text, i)}: invalid JSON object")
            i = _skip_ws(text, i + 1)
            if key == "items" and text[i:i + 1] == "[":
                saw_items = True
                i = _skip_ws(text, i + 1)
                if text[i:i + 1] == "]":
                    i += 1
                while text[i - 1:i] != "]":
                    item, i = dec.raw_decode(text, i)
                    yield from _expand(item)
                    i = _skip_ws(text, i)
                    sep = text[i:i + 1]
                    if sep not in (",", "]"):
                        raise DumpError(f"line {_line_of(text, i)}: expected ',' or ']' in items")
                    i = _skip_ws(text, i + 1) if sep == "," else i + 1
            else:
                top[key], i = dec.raw_decode(text, i)
            i = _skip_ws(text, i)
            sep = text[i:i + 1]
            if sep == ",":
                i += 1
            elif sep != "}":
                raise DumpError(f"line {_line_of(text, i)}: expected ',' or '}}'")
    except ValueError as exc:
        if isinstance(exc, DumpError):
            raise
        pos = getattr(exc, "pos", i)
        raise DumpError(f"line {_line_of(text, pos)}: invalid JSON: {getattr(exc, 'msg', exc)}") from None
    if not saw_items:
        if not isinstance(top.get("kind"), str):
            raise DumpError("no Kubernetes objects found (expected a List from `kubectl get ... -o json`)")
        yield from _expand(top)


def _expand(item: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(item, dict):
        return
    kind = item.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(item.get("items"), list):
        for sub in item["items"]:
            yield from _expand(sub)
    elif isinstance(kind, str):
        yield item


def load_dump(raw: bytes | str, snapshot: Snapshot | None = None, limits: Limits | None = None) -> Snapshot:
    """A Snapshot of what ``kubectl get pods,replicasets,jobs,events -o json`` printed (YAML accepted too).

    A dump is as untrusted as a manifest, so the loader's :class:`Limits` apply: its size, and
    for YAML the alias expansion, nesting and scalar bounds (an 868-byte alias bomb used to run
    for a minute and die of MemoryError). JSON nested deeper than Python can decode is refused.
    """
    limits = limits or Limits()
    snap = snapshot or Snapshot()
    if len(raw) > limits.max_file_bytes:
        raise DumpError(f"larger than {limits.max_file_bytes} bytes; not read "
                        "(raise limits.max_file_bytes in .crashlint.yaml)")
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DumpError(f"not UTF-8 text (byte offset {exc.start})") from None
    else:
        text = raw[1:] if raw.startswith("\ufeff") else raw
    if text.lstrip().startswith("{"):
        problem = too_dense(text, limits)
        if problem is not None:
            raise DumpError(problem)
        try:
            with gc_paused():
                for item in iter_items(text):
                    snap.add(item)
        except RecursionError:
            raise DumpError("JSON nested deeper than Python can read; not read") from None
        return snap
    loaded = load_text("dump", text, limits)
    if loaded.errors:
        err = loaded.errors[0]
        what = err.message.replace("invalid YAML", "neither JSON nor YAML", 1)
        raise DumpError(f"line {err.line}: {what}" if err.line else what)
    items = [item for o in loaded.objects for item in _expand(o.data)]
    if not items:
        raise DumpError("no Kubernetes objects found (expected a List from `kubectl get ... -o json`)")
    for item in items:
        snap.add(item)
    return snap


def read_dump_file(path: str, limits: Limits | None = None) -> Snapshot:
    """Read a dump file as text (no second, bytes copy of a 100 MB dump alive while it is decoded).

    Only a regular file is opened: a FIFO would block and ``/dev/zero`` never ends.
    """
    limits = limits or Limits()
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise DumpError("not a regular file")
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(limits.max_file_bytes + 1)
    except UnicodeDecodeError as exc:
        raise DumpError(f"not UTF-8 text (byte offset {exc.start})") from None
    return load_dump(text, limits=limits)
