"""Everything ``crashlint watch`` runs, wired: streams, the analysis loop, the Lease, the Event publisher, HTTP.

On :meth:`WatchService.stop` the Lease is handed back first (so a standby takes over at once),
then the server closes and the watches end.
"""

from __future__ import annotations

import argparse
import logging
import socket
import threading
import time
import uuid
from collections import Counter

from crashlint.settings.config import find_config, load_settings
from crashlint.sources.kubeapi import connect
from crashlint.watch.lease import LeaderElector
from crashlint.watch.logs import LogFetcher
from crashlint.watch.metrics import WatchCollector, registry
from crashlint.watch.page import render, staleness
from crashlint.watch.recorder import Publisher
from crashlint.watch.server import HEALTHY_WITHIN_SECONDS, Endpoints, Server
from crashlint.watch.store import StoreLimits
from crashlint.watch.streams import KINDS, NAMESPACES, Stream, StreamConfig
from crashlint.watch.watcher import Watcher

log = logging.getLogger("crashlint.watch")
# Every list and write; a watch waits for its server-side timeout plus 30 s (kubeapi.ListWatch).
REQUEST_TIMEOUT = 30.0


def listen_address(value: str) -> tuple[str, int]:
    """``HOST:PORT`` of ``--listen``; ValueError with the usage when it is not one."""
    host, _, port = value.rpartition(":")
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--listen {value!r}: expected HOST:PORT, e.g. 0.0.0.0:8080")
    return host or "0.0.0.0", int(port)


class WatchService:
    """Everything ``crashlint watch`` runs, built from its arguments; :meth:`start` and :meth:`stop`.

    Tests run it in-process against the fake API; :func:`crashlint.watch.command.run` adds the signals.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        settings = load_settings(args.config or find_config())
        host, port = listen_address(args.listen)
        self.conn = connect(args.kubeconfig, args.context, timeout=REQUEST_TIMEOUT)
        api_client = self.conn.client
        self.identity = args.identity or f"{socket.gethostname()}_{uuid.uuid4().hex[:8]}"
        self.stop_event = threading.Event()
        self.event_results: Counter[tuple[str, str]] = Counter()
        self.elector: LeaderElector | None = None
        if not args.no_leader_election:
            self.elector = LeaderElector(api_client, args.lease_namespace or self.conn.namespace,
                                         args.lease_name, self.identity)
        is_leader = self.elector.is_leader if self.elector is not None else (lambda: True)
        self.publisher = Publisher(api_client, self.identity, is_leader, self._count)
        kinds = [*KINDS, *((NAMESPACES,) if args.namespace_selector else ())]
        self.watcher = Watcher(settings, [k.kind for k in kinds], StoreLimits(max_event_age_seconds=args.event_max_age),
                               namespace_selector=bool(args.namespace_selector),
                               announce=None if args.no_events else self.publisher.offer)
        self.watcher.own_event = self.publisher.adopt
        if args.logs:
            self.watcher.logs = LogFetcher(api_client, self.watcher.policy.live,
                                           lambda wl: self.watcher.sink("Log", "LOG", wl))
        config = StreamConfig(namespace=args.namespace, label_selector=args.selector,
                              namespace_selector=args.namespace_selector)
        self.streams = [Stream(k, self.conn, config, self.watcher.sink) for k in kinds]
        health = [s.health for s in self.streams]
        collector = WatchCollector(self.watcher, self.streams, is_leader, self.event_results,
                                   lambda: staleness(health) is not None)
        endpoints = Endpoints(page=lambda: render(self.watcher, health), registry=registry(collector),
                              alive=lambda: time.monotonic() - self.watcher.heartbeat < HEALTHY_WITHIN_SECONDS,
                              ready=lambda: self.watcher.synced)
        try:
            self.server = Server(host, port, endpoints)
        except OSError as exc:
            raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        self._loop = threading.Thread(target=self.watcher.run, args=(self.stop_event,), name="crashlint-watch-loop",
                                      daemon=True)
        self.scope = f"namespace {args.namespace}" if args.namespace else "all namespaces"

    def _count(self, reason: str, result: str) -> None:
        self.event_results[(reason, result)] += 1

    def start(self) -> None:
        self.server.start()
        self.publisher.start()
        if self.elector is not None:
            self.elector.start()
        for s in self.streams:
            s.thread.start()
        self._loop.start()
        log.info("watching %s as %s; serving on port %d", self.scope, self.identity, self.server.port)

    def stop(self) -> None:
        """Hand the Lease back, stop serving, close the watches (each ends its open stream at once)."""
        self.stop_event.set()
        if self.elector is not None:
            self.elector.stop(release=True)
        self.publisher.stop()
        self.server.stop()
        for s in self.streams:
            s.stop()
        self._loop.join(timeout=1)
        if self.watcher.logs is not None:
            self.watcher.logs.close()
        self.conn.close()
