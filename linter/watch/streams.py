"""One thread per watched kind: :class:`crashlint.sources.kubeapi.ListWatch`'s events into the watcher.

The list-then-watch loop itself (resourceVersion, bookmarks, relist on 410 Gone, reconnect with
client-go's reflector backoff and jitter, never ending on its own) is ``kubeapi``'s, the one
every reader of the cluster uses. This module says what to watch (path and selectors per kind),
hands each change to the watcher's queue, and keeps each stream's health for ``/metrics`` and
the page: whether it is current, when it last was, and how often it relisted, reconnected or
failed. Objects arrive as plain JSON, never as the client's models: a malformed object is one
bad object, counted and skipped by the store, not a deserialisation error that ends the stream.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from crashlint.model.record import Record
from crashlint.sources.kubeapi import RESOURCES, Connection, ListWatch, Resource


# The watched kinds, from the one table of served collections (kubeapi.RESOURCES).
KINDS: tuple[Resource, ...] = tuple(RESOURCES[k] for k in (
    "Pod", "Event", "ReplicaSet", "Job", "Deployment", "StatefulSet", "DaemonSet", "ReplicationController", "CronJob"))
NAMESPACES = RESOURCES["Namespace"]
UNLABELLED = frozenset({"Event"})  # events carry no labels of their pod: the label selector skips them
_STATUS = re.compile(r"^HTTP (\d{3})\b")
log = logging.getLogger("crashlint.watch")


def error_code(error: str | None) -> str:
    """A bounded label for a failed list or watch: the HTTP status, or ``connection``/``reply``."""
    m = _STATUS.match(error or "")
    if m:
        return m[1]
    return "connection" if error and ("unreachable" in error or "broke off" in error) else "reply"


class Health(Record):
    """One stream's state, read by the metrics and the page (written by its thread only)."""

    __slots__ = ("kind", "synced", "up", "last_sync", "errors", "watch")

    kind: str
    synced: bool  # the first list completed
    up: bool  # listed and watching right now
    last_sync: float  # wall time the stream was last known current (list done, event or bookmark)
    errors: dict[str, int]  # error_code() -> count
    watch: ListWatch | None  # its relists and reconnects counters

    def __init__(self, kind: str, synced: bool = False, up: bool = False, last_sync: float = 0.0,
                 watch: ListWatch | None = None) -> None:
        self.kind = kind
        self.synced = synced
        self.up = up
        self.last_sync = last_sync
        self.errors = {}
        self.watch = watch

    @property
    def relists(self) -> int:
        return self.watch.relists if self.watch is not None else 0

    @property
    def reconnects(self) -> int:
        return self.watch.reconnects if self.watch is not None else 0


class StreamConfig(Record):
    """Scope of every stream."""

    __slots__ = ("namespace", "label_selector", "namespace_selector", "watch_timeout")

    namespace: str | None
    label_selector: str | None
    namespace_selector: str | None
    watch_timeout: float

    def __init__(self, namespace: str | None = None, label_selector: str | None = None,
                 namespace_selector: str | None = None, watch_timeout: float = 300.0) -> None:
        self.namespace = namespace
        self.label_selector = label_selector
        self.namespace_selector = namespace_selector
        self.watch_timeout = watch_timeout


class Stream:
    """The list-then-watch loop of one kind; changes go to ``sink(kind, change, object)``.

    ``sink(kind, "RELIST", items)`` replaces the kind's objects after a (re)list.
    """

    def __init__(self, kind: Resource, conn: Connection, config: StreamConfig,
                 sink: Callable[[str, str, Any], None]) -> None:
        self.kind = kind
        self.sink = sink
        selector = config.namespace_selector if kind is NAMESPACES else (
            config.label_selector if kind.kind not in UNLABELLED else None)
        path = kind.path(config.namespace)
        self.watch = ListWatch(conn, path, query=(("labelSelector", selector),) if selector else (),
                               watch_timeout=config.watch_timeout)
        self.health = Health(kind.kind, watch=self.watch)
        self.thread = threading.Thread(target=self.run, name=f"crashlint-watch-{kind.kind}", daemon=True)

    def run(self) -> None:
        for event in self.watch.events():
            if event.type == "ERROR":
                log.warning("%ss: %s; retrying in %.1f s", self.kind.kind, event.error, event.retry_in)
                self.health.up = False
                code = error_code(event.error)
                self.health.errors[code] = self.health.errors.get(code, 0) + 1
                continue
            if event.type == "SYNC":
                self.sink(self.kind.kind, "RELIST", list(event.items))
                self.health.synced = True
            elif event.type != "BOOKMARK":
                self.sink(self.kind.kind, event.type, event.object)
            if not self.health.up and self.health.errors:
                log.info("%ss: watching again", self.kind.kind)
            self.health.up = True
            self.health.last_sync = time.time()
            del event  # a list is not held until the next event comes (a quiet kind may send none for hours)

    def stop(self) -> None:
        self.watch.close()
