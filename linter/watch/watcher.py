"""The analysis loop: changes from every stream, one thread applying them, verdicts per dirty workload.

Streams put changes on one bounded queue (a burst waits instead of growing memory); this loop
takes them in batches, applies them to the store, and once every kind has been listed judges
the workloads the batch touched. Judging before every kind is listed would see pods without
their Deployment's findings and announce crashes as unpredicted that a moment later are
confirmed. Results are replaced, never edited, so the page and ``/metrics`` read a consistent
dict without a lock. A workload that raises while judged is counted and skipped; the loop
never dies of one object.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from crashlint.runtime.analysis import log_targets
from crashlint.runtime.join import runtime_policy
from crashlint.runtime.shape import count, obj, seq, text
from crashlint.runtime.state import Snapshot
from crashlint.settings.config import Settings
from crashlint.watch.announce import Announcement, Transitions
from crashlint.watch.judge import Judge, WorkloadResult
from crashlint.watch.logs import PENDING, LogFetcher
from crashlint.watch.recorder import COMPONENT
from crashlint.watch.store import ClusterStore, StoreLimits
from crashlint.watch.errors import one_line

log = logging.getLogger("crashlint.watch")
QUEUE_SIZE = 10_000
BATCH = 2_000
PRUNE_EVERY_SECONDS = 30.0


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Watcher:
    """Store, judge and verdict transitions behind one queue of changes."""

    def __init__(self, settings: Settings, kinds: Iterable[str], limits: StoreLimits | None = None,
                 namespace_selector: bool = False, clock: Callable[[], datetime] = utc_now,
                 announce: Callable[[Announcement, dict[str, Any]], None] | None = None) -> None:
        self.policy = runtime_policy(settings.knowledge)
        self.store = ClusterStore(limits or StoreLimits(), set() if namespace_selector else None)
        self.judge = Judge(settings, self.policy)
        self.transitions = Transitions()
        self.clock = clock
        self.announce = announce
        self.expected = frozenset(kinds)
        self.listed: set[str] = set()
        self.results: dict[str, WorkloadResult] = {}
        self.queue: queue.Queue[tuple[str, str, Any]] = queue.Queue(QUEUE_SIZE)
        self.applied = 0  # changes applied so far (tests wait on it)
        self.analysis_errors = 0
        self.first_verdicts_at: float | None = None  # monotonic time the first full judgement finished
        self.heartbeat = time.monotonic()
        self._last_prune = time.monotonic()
        self.done = threading.Condition()
        self.logs: LogFetcher | None = None  # set when previous logs are read (--logs)
        # Called with every Event this component recorded that the Event stream brings (see Publisher.adopt).
        self.own_event: Callable[[dict[str, Any]], None] | None = None

    @property
    def synced(self) -> bool:
        return self.listed >= self.expected

    def sink(self, kind: str, change: str, item: Any) -> None:
        """What streams call: one watch event, or ``RELIST`` with the kind's whole list."""
        self.queue.put((kind, change, item))

    def step(self, timeout: float = 0.5) -> int:
        """Apply one batch of changes and judge what they touched; how many changes were applied."""
        self.heartbeat = time.monotonic()
        try:
            batch = [self.queue.get(timeout=timeout)]
        except queue.Empty:
            batch = []
        while len(batch) < BATCH:
            try:
                batch.append(self.queue.get_nowait())
            except queue.Empty:
                break
        with self.done:  # whoever waits in wait_until sees the store and results between batches only
            for kind, change, item in batch:
                if kind == "Event" and self.own_event is not None and change != "DELETED":
                    for ev in item if change == "RELIST" else (item,):
                        if isinstance(ev, dict) and ev.get("reportingComponent") == COMPONENT:
                            self.own_event(ev)
                if change == "RELIST":
                    self.store.relist(kind, item)
                    self.listed.add(kind)
                elif change == "LOG":  # a previous log arrived for this workload: judge it again
                    self.store.dirty.add(item)
                else:
                    self.store.apply(kind, change, item)
            if time.monotonic() - self._last_prune > PRUNE_EVERY_SECONDS:
                self.store.prune_events(self.clock())
                self._last_prune = time.monotonic()
            if self.synced and (self.store.dirty or self.first_verdicts_at is None):
                self._judge_dirty()  # (an empty cluster has its first, empty, verdicts too)
            self.applied += len(batch)
            self.done.notify_all()
        return len(batch)

    def _judge_dirty(self) -> None:
        dirty, self.store.dirty = self.store.dirty, set()
        now = self.clock()
        results = dict(self.results)
        announcements: list[tuple[Announcement, dict[str, Any]]] = []
        for wl in sorted(dirty):
            snap = self.store.snapshot(wl)
            if snap is None:
                results.pop(wl, None)
                self.judge.forget(wl)
                self.transitions.forget(wl)
                continue
            try:
                logs, waiting = self._logs(wl, snap, now)
                result = self.judge.evaluate(wl, snap, now, logs)
            except Exception as exc:  # a rule or the classifier choking on one object must not stop the rest
                self.analysis_errors += 1
                log.warning("judging %s failed: %s", wl, one_line(exc))
                continue
            results[wl] = result
            if waiting:
                continue  # its new verdicts are announced with their log lines, once the logs are in
            target = self.store.target(wl)
            for a in self.transitions.update(result, self.policy.hints):
                if target is not None:
                    announcements.append((a, target))
        if self.announce is not None:  # queued before the results show, so whoever sees a verdict sees it queued
            for a, target in announcements:
                self.announce(a, target)
        self.results = results
        if self.first_verdicts_at is None:
            self.first_verdicts_at = time.monotonic()

    def _logs(self, wl: str, snap: Snapshot, now: datetime) -> tuple[dict[str, dict[str, str]], bool]:
        """The previous logs the workload's crashes need, and whether some are still being read."""
        if self.logs is None:
            return {}, False
        targets = log_targets(snap, now, self.policy)
        if not targets:
            return {}, False
        pods = {text(obj(p.get("metadata")).get("name")): p for p in snap.pods}
        logs: dict[str, dict[str, str]] = {}
        waiting = False
        for ns, pod_name, container in targets:
            pod = pods.get(pod_name, {})
            restarts = next((count(cs.get("restartCount")) for key in ("initContainerStatuses", "containerStatuses")
                             for cs in seq(obj(pod.get("status")).get(key))
                             if isinstance(cs, dict) and cs.get("name") == container), 0)
            uid = text(obj(pod.get("metadata")).get("uid"))
            got = self.logs.want((uid, container, restarts), ns, pod_name, wl)
            if got is PENDING:
                waiting = True
            elif isinstance(got, str):
                logs[f"{ns}/{pod_name}/{container}"] = {"previous": got}
        return logs, waiting

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.step()

    def wait_applied(self, count: int, timeout: float) -> bool:
        """Block until ``count`` changes have been applied (and judged); for tests and the benchmark."""
        return self.wait_until(lambda: self.applied >= count, timeout)

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until ``predicate`` holds between two batches (never halfway through one)."""
        with self.done:
            return self.done.wait_for(predicate, timeout)

    def seen(self, uid: str, resource_version: str) -> bool:
        """Whether the pod ``uid`` has been applied at ``resource_version`` (and, between batches, judged)."""
        meta = obj(self.store.pods.get(uid, {}).get("metadata"))
        return meta.get("resourceVersion") == resource_version
