"""Kubernetes Events on the owning workload, deduplicated and rate-limited as client-go's recorder does.

:class:`Correlator` follows ``EventCorrelator`` of client-go's ``tools/record/events_cache.go``
with its defaults (``NewEventCorrelator``):

- *aggregation*: "if we see the same event that varies only by message more than 10 times in a
  10 minute period, aggregate the event" (``defaultAggregateMaxEvents = 10``,
  ``defaultAggregateIntervalInSeconds = 600``); events are similar when source, involved object,
  type, reason, reporting controller and instance are equal (``EventAggregatorByReasonFunc``);
  the aggregate's message is ``"(combined from similar events): " + message``;
- *deduplication*: an event seen before (same source, involved object, type, reason and
  message: ``getEventKey``) is not created again; the existing one is patched with
  ``count + 1`` and a new ``lastTimestamp``;
- *spam filter*: "allow a source to send 25 events about an object but control the refill
  rate to 1 new event every 5 minutes" (``defaultSpamBurst = 25``, ``defaultSpamQPS = 1/300``),
  a token bucket per source + involved object (``getSpamKey``);
- every cache holds at most 4096 keys, least recently used first out (``maxLruCacheEntries``).

The correlator is pure (a clock is passed in); :class:`Publisher` does the API writes on its
own thread, so a slow API server never holds up the analysis, and writes only while this
replica holds the Lease (a standby counts what it would have published). Events of this
component already in the cluster (recorded by the other replica, or before a restart) are
adopted into the deduplication cache, so the next leader patches them instead of adding twins.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from crashlint.model.record import Record
from crashlint.runtime.shape import count
from crashlint.watch.announce import Announcement
from crashlint.watch.errors import one_line

LRU_ENTRIES = 4096
AGGREGATE_MAX_EVENTS = 10
AGGREGATE_INTERVAL_SECONDS = 600
SPAM_BURST = 25
SPAM_QPS = 1.0 / 300.0
COMBINED_PREFIX = "(combined from similar events): "
COMPONENT = "crashlint-watch"
log = logging.getLogger("crashlint.watch")


class _LRU(OrderedDict[str, Any]):
    """A dict that forgets its least recently used key beyond ``LRU_ENTRIES``."""

    def get_recent(self, key: str) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        return None

    def put(self, key: str, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > LRU_ENTRIES:
            self.popitem(last=False)


def _join(*parts: Any) -> str:
    return "\x00".join("" if p is None else str(p) for p in parts)


def _obj_key(ev: dict[str, Any]) -> tuple[Any, ...]:
    inv, src = ev["involvedObject"], ev.get("source") or {}
    return (src.get("component"), src.get("host"), inv.get("kind"), inv.get("namespace"), inv.get("name"),
            inv.get("uid"), inv.get("apiVersion"))


def event_key(ev: dict[str, Any]) -> str:
    """client-go ``getEventKey``: source, involved object (with fieldPath), type, reason, message."""
    return _join(*_obj_key(ev), ev["involvedObject"].get("fieldPath"), ev.get("type"), ev.get("reason"),
                 ev.get("message"))


def spam_key(ev: dict[str, Any]) -> str:
    """client-go ``getSpamKey``: source and involved object."""
    return _join(*_obj_key(ev))


def aggregate_key(ev: dict[str, Any]) -> str:
    """client-go ``EventAggregatorByReasonFunc``: everything but the message."""
    return _join(*_obj_key(ev), ev.get("type"), ev.get("reason"), ev.get("reportingComponent"),
                 ev.get("reportingInstance"))


class Correlated(Record):
    """What to do with one event: skip it, create it, or patch the existing one (``patch`` set)."""

    __slots__ = ("event", "skip", "patch", "key")

    event: dict[str, Any]
    skip: bool
    patch: dict[str, Any] | None
    key: str

    def __init__(self, event: dict[str, Any], skip: bool = False, patch: dict[str, Any] | None = None,
                 key: str = "") -> None:
        self.event = event
        self.skip = skip
        self.patch = patch
        self.key = key


class _Bucket(Record):
    __slots__ = ("tokens", "at")

    tokens: float
    at: float

    def __init__(self, tokens: float, at: float) -> None:
        self.tokens = tokens
        self.at = at


class Correlator:
    """Aggregate, deduplicate, then spam-filter, in ``EventCorrelate``'s order."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._aggregates = _LRU()  # aggregate key -> (messages seen, last time)
        self._seen = _LRU()  # event key -> {"count", "name", "firstTimestamp"}
        self._buckets = _LRU()  # spam key -> _Bucket

    def correlate(self, ev: dict[str, Any]) -> Correlated:
        now = self.clock()
        ev, key = self._aggregate(ev, now)
        result = self._observe(ev, key)
        if self._spam(ev, now):
            return Correlated(ev, skip=True, key=key)
        return result

    def _aggregate(self, ev: dict[str, Any], now: float) -> tuple[dict[str, Any], str]:
        akey = aggregate_key(ev)
        record = self._aggregates.get_recent(akey)
        if record is None or now - record[1] > AGGREGATE_INTERVAL_SECONDS:
            record = (set(), now)
        messages: set[str] = record[0]
        messages.add(ev.get("message") or "")
        self._aggregates.put(akey, (messages, now))
        if len(messages) < AGGREGATE_MAX_EVENTS:
            return ev, event_key(ev)
        messages.pop()  # do not grow the set beyond the threshold (client-go's PopAny)
        stamp = _rfc3339(now)
        combined = {**ev, "message": COMBINED_PREFIX + (ev.get("message") or ""), "count": 1,
                    "firstTimestamp": stamp, "lastTimestamp": stamp,
                    "metadata": {**ev["metadata"], "name": f"{ev['involvedObject']['name']}.{int(now * 1e9):x}"}}
        return combined, akey

    def _observe(self, ev: dict[str, Any], key: str) -> Correlated:
        last = self._seen.get_recent(key)
        if last is None:
            self._seen.put(key, {"count": 1, "name": ev["metadata"]["name"], "firstTimestamp": ev["firstTimestamp"]})
            return Correlated(ev, key=key)
        count = last["count"] + 1
        self._seen.put(key, {**last, "count": count})
        ev = {**ev, "count": count, "firstTimestamp": last["firstTimestamp"],
              "metadata": {**ev["metadata"], "name": last["name"]}}
        return Correlated(ev, patch={"count": count, "lastTimestamp": ev["lastTimestamp"], "message": ev["message"]},
                          key=key)

    def adopt(self, ev: dict[str, Any]) -> None:
        """An Event this component recorded before (the other replica, or this one before a restart):
        the next identical event patches it (count + 1) instead of creating a twin beside it."""
        meta, inv = ev.get("metadata"), ev.get("involvedObject")
        if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not isinstance(inv, dict):
            return
        key = event_key(ev)
        held = self._seen.get_recent(key)
        n = count(ev.get("count"), 1)
        if held is None or held["count"] < n:
            self._seen.put(key, {"count": n, "name": meta["name"], "firstTimestamp": ev.get("firstTimestamp")})

    def renew(self, key: str, ev: dict[str, Any]) -> dict[str, Any]:
        """The server lost the event (its TTL passed: 404 on the patch): it is created again, count 1."""
        ev = {**ev, "count": 1, "firstTimestamp": ev["lastTimestamp"]}
        self._seen.put(key, {"count": 1, "name": ev["metadata"]["name"], "firstTimestamp": ev["firstTimestamp"]})
        return ev

    def _spam(self, ev: dict[str, Any], now: float) -> bool:
        skey = spam_key(ev)
        bucket = self._buckets.get_recent(skey) or _Bucket(float(SPAM_BURST), now)
        bucket.tokens = min(float(SPAM_BURST), bucket.tokens + (now - bucket.at) * SPAM_QPS)
        bucket.at = now
        self._buckets.put(skey, bucket)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return False
        return True


def _rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_event(a: Announcement, target: dict[str, Any], instance: str, now: float) -> dict[str, Any]:
    """A core/v1 Event about ``target`` (named ``<object>.<nanoseconds hex>`` as client-go names them)."""
    stamp = _rfc3339(now)
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{target['name']}.{int(now * 1e9):x}", "namespace": target["namespace"]},
            "involvedObject": dict(target), "reason": a.reason, "message": a.message, "type": "Warning",
            "count": 1, "firstTimestamp": stamp, "lastTimestamp": stamp,
            "source": {"component": COMPONENT}, "reportingComponent": COMPONENT, "reportingInstance": instance}


class Publisher:
    """Writes correlated Events from a bounded queue on its own thread, only while leading."""

    def __init__(self, api_client: Any, instance: str, is_leader: Callable[[], bool], count: Callable[[str, str], None],
                 clock: Callable[[], float] = time.time, queue_size: int = 1000, timeout: float = 10.0) -> None:
        self.api_client = api_client
        self.instance = instance
        self.is_leader = is_leader
        self.count = count  # (reason, result) -> metrics
        self.clock = clock
        self.correlator = Correlator(clock)
        self.timeout = timeout
        # (announcement, target) to record, an Event of ours seen in the cluster to adopt, or None: stop.
        self._queue: queue.Queue[tuple[Announcement, dict[str, Any]] | dict[str, Any] | None] = queue.Queue(queue_size)
        self._thread = threading.Thread(target=self._run, name="crashlint-watch-events", daemon=True)
        self.idle = threading.Event()
        self.idle.set()

    def start(self) -> None:
        self._thread.start()

    def offer(self, a: Announcement, target: dict[str, Any]) -> None:
        """Queue an announcement; a full queue (the API server is down for long) drops it, counted."""
        if not self.is_leader():
            self.count(a.reason, "standby")
            return
        try:
            self.idle.clear()
            self._queue.put_nowait((a, target))
        except queue.Full:
            self.count(a.reason, "dropped")

    def adopt(self, ev: dict[str, Any]) -> None:
        """An Event of this component seen in the cluster, handed to the correlator on the writer's thread."""
        try:
            self.idle.clear()
            self._queue.put_nowait(ev)
        except queue.Full:
            pass  # the worst outcome: one twin Event

    def stop(self) -> None:
        """End the writer thread after what is queued; with a full queue (API down) it just ends with the process."""
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass

    def _run(self) -> None:
        while True:
            if self._queue.empty():
                self.idle.set()
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, dict):
                self.correlator.adopt(item)
                continue
            a, target = item
            if not self.is_leader():
                self.count(a.reason, "standby")
                continue
            try:
                self.count(a.reason, self.record(build_event(a, target, self.instance, self.clock())))
            except Exception as exc:  # an Event is worth a retry by the next verdict, never a crash
                log.warning("recording a %s event on %s failed: %s", a.reason, a.workload, one_line(exc))
                self.count(a.reason, "failed")

    def record(self, ev: dict[str, Any]) -> str:
        """Correlate and write one event: ``created``, ``patched`` or ``rate-limited``."""
        from kubernetes import client

        result = self.correlator.correlate(ev)
        if result.skip:
            return "rate-limited"
        api: Any = client.CoreV1Api(self.api_client)  # plain dicts as bodies: the client sends them as JSON
        ns = result.event["metadata"]["namespace"]
        if result.patch is not None:
            try:
                api.patch_namespaced_event(result.event["metadata"]["name"], ns, result.patch,
                                           _content_type="application/strategic-merge-patch+json",
                                           _preload_content=False, _request_timeout=self.timeout)
                return "patched"
            except client.ApiException as exc:
                if exc.status != 404:
                    raise
                result.event = self.correlator.renew(result.key, result.event)
        api.create_namespaced_event(ns, result.event, _preload_content=False, _request_timeout=self.timeout)
        return "created"
