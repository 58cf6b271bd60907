"""List, then watch, one kind of object through the official client; relist on 410, reconnect with backoff.

Each kind runs on its own thread: a paginated list (``limit``/``continue``; an expired continue
token restarts the list) gives the objects and the resourceVersion to watch from; the watch
(``watch=true``, ``allowWatchBookmarks``, a server-side ``timeoutSeconds``) is read line by
line from the chunked response with the client's own line splitter. Bookmarks only move the
resourceVersion. ``410 Gone`` (an ERROR event or the status of the watch request) means the
version is too old: relist. Anything else that ends a watch early (the connection dropped,
the server answered 500, timed out, was unreachable) is retried from the last
resourceVersion after an exponential backoff with full jitter (0.5 s doubling to 30 s, reset
once a watch delivers), so a fleet of watchers does not hammer a recovering API server in
step. The thread never ends on its own: only ``stop`` ends it.

Objects are decoded as plain JSON, never into the client's models: a malformed object is one
bad object, counted and skipped by the store, not a deserialisation error that kills the stream.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("crashlint.watch")

BACKOFF_START, BACKOFF_MAX = 0.5, 30.0
MAX_LIST_RESTARTS = 3


@dataclass(frozen=True)
class Kind:
    """A watched kind: its client API class and list methods, and whether a label selector applies."""

    kind: str
    api: str
    namespaced: str | None
    all_namespaces: str
    labelled: bool = True


KINDS = (
    Kind("Pod", "CoreV1Api", "list_namespaced_pod", "list_pod_for_all_namespaces"),
    Kind("Event", "CoreV1Api", "list_namespaced_event", "list_event_for_all_namespaces", labelled=False),
    Kind("ReplicaSet", "AppsV1Api", "list_namespaced_replica_set", "list_replica_set_for_all_namespaces"),
    Kind("Job", "BatchV1Api", "list_namespaced_job", "list_job_for_all_namespaces"),
    Kind("Deployment", "AppsV1Api", "list_namespaced_deployment", "list_deployment_for_all_namespaces"),
    Kind("StatefulSet", "AppsV1Api", "list_namespaced_stateful_set", "list_stateful_set_for_all_namespaces"),
    Kind("DaemonSet", "AppsV1Api", "list_namespaced_daemon_set", "list_daemon_set_for_all_namespaces"),
    Kind("ReplicationController", "CoreV1Api", "list_namespaced_replication_controller",
         "list_replication_controller_for_all_namespaces"),
    Kind("CronJob", "BatchV1Api", "list_namespaced_cron_job", "list_cron_job_for_all_namespaces"),
)
NAMESPACES = Kind("Namespace", "CoreV1Api", None, "list_namespace")


class Gone(Exception):
    """410: the resourceVersion is too old to watch from; relist."""


@dataclass
class Health:
    """One stream's state, read by the metrics and the page (written by its thread only)."""

    kind: str
    synced: bool = False  # the first list completed
    up: bool = False  # listed and watching right now
    last_sync: float = 0.0  # wall time the stream was last known current (list done, event or bookmark)
    relists: int = 0
    reconnects: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # HTTP status (or "connection") -> count
    bad_lines: int = 0


@dataclass
class StreamConfig:
    """Scope and timings of every stream."""

    namespace: str | None = None
    label_selector: str | None = None
    namespace_selector: str | None = None
    page_size: int = 500
    request_timeout: float = 30.0
    watch_timeout: int = 300  # timeoutSeconds asked of the server; each watch gets up to twice this
    connect_timeout: float = 10.0


class Stream:
    """The list-then-watch loop of one kind; changes go to ``sink(kind, change, object)``.

    ``sink(kind, "RELIST", items)`` replaces the kind's objects after a (re)list.
    """

    def __init__(self, kind: Kind, api_client: Any, config: StreamConfig,
                 sink: Callable[[str, str, Any], None], stop: threading.Event) -> None:
        self.kind = kind
        self.api_client = api_client
        self.config = config
        self.sink = sink
        self.stop_event = stop
        self.health = Health(kind.kind)
        # Whether the watch that ended in 410 had delivered anything: if so it simply fell behind and
        # relists at once; a server answering nothing but 410 is backed off like any failure.
        self._delivered_before_gone = True
        self.thread = threading.Thread(target=self.run, name=f"crashlint-watch-{kind.kind}", daemon=True)

    def _fn(self) -> tuple[Callable[..., Any], tuple[str, ...], dict[str, Any]]:
        from kubernetes import client

        api = getattr(client, self.kind.api)(self.api_client)
        ns = self.config.namespace if self.kind.namespaced else None
        fn = getattr(api, self.kind.namespaced if ns else self.kind.all_namespaces)
        kwargs: dict[str, Any] = {}
        selector = self.config.namespace_selector if self.kind is NAMESPACES else (
            self.config.label_selector if self.kind.labelled else None)
        if selector:
            kwargs["label_selector"] = selector
        return fn, (ns,) if ns else (), kwargs

    def run(self) -> None:
        from kubernetes import client

        rv: str | None = None
        delay = BACKOFF_START
        while not self.stop_event.is_set():
            got: Stream._Delivered | None = None
            try:
                if rv is None:
                    rv = self._list()
                got = self._watch(rv)
                rv = got.rv
                if not got.early:
                    continue  # the server's timeoutSeconds: watch on at once
                self.health.reconnects += 1
                if got.count:
                    delay = BACKOFF_START
                    continue  # dropped after delivering: reconnect at once, from where it got to
            except (Gone, client.ApiException) as exc:
                if isinstance(exc, Gone) or exc.status == 410:
                    rv, self.health.relists = None, self.health.relists + 1
                    if self._delivered_before_gone:
                        continue  # relist at once; a server answering nothing but 410 is backed off
                else:
                    self._failed(str(exc.status or "connection"), f"HTTP {exc.status} {exc.reason}")
                    self.health.reconnects += rv is not None
            except Exception as exc:  # unreachable, reset, timed out, a proxy's garbage: retry, never exit
                self._failed("connection", f"{type(exc).__name__}: {exc}")
                self.health.reconnects += rv is not None
            self.stop_event.wait(random.uniform(0, delay))
            delay = min(delay * 2, BACKOFF_MAX)

    def _failed(self, code: str, what: str) -> None:
        self.health.up = False
        self.health.errors[code] = self.health.errors.get(code, 0) + 1
        log.warning("watching %ss: %s; retrying", self.kind.kind, what)

    def _list(self) -> str:
        """Every object of the kind, page by page; hands them to the sink and returns the list's version."""
        from kubernetes import client

        fn, args, base = self._fn()
        for _attempt in range(MAX_LIST_RESTARTS):
            items: list[Any] = []
            token: str | None = None
            try:
                while True:
                    kwargs = {**base, "limit": self.config.page_size}
                    if token:
                        kwargs["_continue"] = token
                    resp = fn(*args, _preload_content=False, _request_timeout=self.config.request_timeout, **kwargs)
                    body = json.loads(resp.data)
                    page = body.get("items") if isinstance(body, dict) else None
                    meta = body.get("metadata") if isinstance(body, dict) else None
                    if not isinstance(page, list) or not isinstance(meta, dict):
                        raise ValueError("the list response is not a Kubernetes List")
                    items.extend(page)
                    token = meta.get("continue") or None
                    if not token:
                        rv = meta.get("resourceVersion")
                        if not isinstance(rv, str) or not rv:
                            raise ValueError("the list response has no resourceVersion")
                        self.sink(self.kind.kind, "RELIST", items)
                        self.health.synced = self.health.up = True
                        self.health.last_sync = time.time()
                        return rv
            except client.ApiException as exc:
                if exc.status == 410 and token:
                    continue  # the continue token expired: a consistent list starts over
                raise
        raise ValueError(f"the continue token expired {MAX_LIST_RESTARTS} times in a row")

    @dataclass
    class _Delivered:
        rv: str
        count: int = 0
        early: bool = False

    def _watch(self, rv: str) -> "Stream._Delivered":
        """One watch request from ``rv``; returns where it got to. Raises Gone on 410."""
        from kubernetes.watch.watch import iter_resp_lines

        fn, args, base = self._fn()
        timeout = int(self.config.watch_timeout * (1 + random.random()))  # as client-go's reflector spreads them
        started = time.monotonic()
        resp = fn(*args, watch=True, resource_version=rv, allow_watch_bookmarks=True, timeout_seconds=timeout,
                  _preload_content=False, _request_timeout=(self.config.connect_timeout, timeout + 30), **base)
        out = Stream._Delivered(rv)
        self.health.up = True
        self._delivered_before_gone = False
        try:
            for line in iter_resp_lines(resp):
                if self.stop_event.is_set():
                    break
                if not line:
                    continue
                out.rv = self._event(line, out.rv)
                out.count += 1
                self._delivered_before_gone = True
                self.health.last_sync = time.time()
        finally:
            resp.close()
            resp.release_conn()
        out.early = not self.stop_event.is_set() and time.monotonic() - started < timeout - 1
        return out

    def _event(self, line: str, rv: str) -> str:
        try:
            event = json.loads(line)
        except ValueError:
            self.health.bad_lines += 1
            return rv
        if not isinstance(event, dict):
            self.health.bad_lines += 1
            return rv
        kind, o = event.get("type"), event.get("object")
        if kind == "ERROR":
            code = o.get("code") if isinstance(o, dict) else None
            if code == 410:
                raise Gone()
            from kubernetes import client

            raise client.ApiException(status=code if isinstance(code, int) else 0,
                                      reason=f"watch ERROR event: {o.get('message') if isinstance(o, dict) else o}")
        new_rv = o.get("metadata", {}).get("resourceVersion") if isinstance(o, dict) and isinstance(
            o.get("metadata"), dict) else None
        if kind == "BOOKMARK":
            return new_rv if isinstance(new_rv, str) and new_rv else rv
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            self.sink(self.kind.kind, kind, o)
        else:
            self.health.bad_lines += 1
        return new_rv if isinstance(new_rv, str) and new_rv else rv
