"""The webhook's cluster look-ups: a per-namespace cache with a TTL, a time budget per admission,
stale-while-error, verified negatives and a circuit breaker, over :class:`ClusterSource`.

Only the webhook needs this (``lint --cluster`` lists once per run and is done), so it lives
here, not in the sources stage: what a namespace holds comes from
:class:`crashlint.sources.cluster.ClusterSource`, which reads it through the one Kubernetes API
module (:mod:`crashlint.sources.kubeapi`). Namespaces and names from admission requests are
checked (:mod:`crashlint.knowledge.k8snames`) before anything is asked.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ThreadPoolExecutor, wait
from typing import Any

from crashlint.knowledge.k8snames import is_dns1123_label, is_dns1123_subdomain
from crashlint.model.inventory import Entry, Inventory
from crashlint.model.record import Record
from crashlint.sources.cluster import KINDS, ClusterError, ClusterSource, KindUnavailable
from crashlint.sources.kubeapi import InvalidName

Refresh = Future[tuple[Inventory, list[str]]]


class LookupResult(Record):
    """A namespace's inventory for one admission request, and why it may be partial."""

    __slots__ = ("inventory", "degraded", "stale", "problems")

    inventory: Inventory
    degraded: str | None  # set when no cluster data could be used: say so in a warning
    stale: bool  # served from an expired cache entry because the refresh failed
    problems: list[str]

    def __init__(self, inventory: Inventory, degraded: str | None = None, stale: bool = False,
                 problems: list[str] | None = None) -> None:
        self.inventory = inventory
        self.degraded = degraded
        self.stale = stale
        self.problems = [] if problems is None else problems


class _Slot(Record):
    __slots__ = ("inventory", "problems", "fetched_at", "pending", "last_error", "failed_at")

    inventory: Inventory | None
    problems: list[str]
    fetched_at: float
    pending: Refresh | None
    last_error: str | None
    failed_at: float | None

    def __init__(self, inventory: Inventory | None = None, fetched_at: float = 0.0, pending: Refresh | None = None,
                 last_error: str | None = None, failed_at: float | None = None) -> None:
        self.inventory = inventory
        self.problems = []
        self.fetched_at = fetched_at
        self.pending = pending
        self.last_error = last_error
        self.failed_at = failed_at


class _Breaker:
    """Stops waiting on an API that is failing or hanging (a circuit breaker).

    ``threshold`` failures in a row (an error, or a request whose budget ran out while the
    API had not answered) open it for ``cool_down`` seconds: requests then answer at once from
    whatever the cache has, and at most one refresh (the probe) is sent until one succeeds.
    Opening it wakes every request still waiting, so a hung API costs one budget, not one per
    request. Called under the look-up lock.
    """

    def __init__(self, threshold: int, cool_down: float, clock: Callable[[], float]) -> None:
        self.threshold = threshold
        self.cool_down = cool_down
        self.clock = clock
        self.failures = 0
        self.open_until: float | None = None
        self.reason: str | None = None
        self.tripped: Future[None] = Future()  # completed when the breaker opens; waiters wait on it too

    def is_open(self) -> bool:
        return self.open_until is not None

    def may_probe(self) -> bool:
        return self.open_until is None or self.clock() >= self.open_until

    def failure(self, reason: str) -> None:
        self.failures += 1
        self.reason = reason
        if self.failures >= self.threshold:
            self.open_until = self.clock() + self.cool_down
            if not self.tripped.done():
                self.tripped.set_result(None)

    def success(self) -> None:
        self.failures = 0
        self.reason = None
        if self.open_until is not None:
            self.open_until = None
            self.tripped = Future()


class CachedLookup:
    """Per-namespace cluster inventories for the webhook: short TTL, hard budget, stale-while-error.

    Positives are cached, negatives are verified: what a namespace listing lacks is asked
    again (:meth:`verify`) before anything is denied for it, because a ConfigMap applied in the
    same ``kubectl apply -f`` as its Deployment is not in a listing taken a moment earlier.

    A request waits at most ``budget`` seconds for a refresh; a refresh that takes longer keeps
    running in the background (one per namespace, however many requests wait for it) and fills
    the cache for the next request. When the refresh fails, data up to ``max_stale`` seconds old
    is still used; with nothing usable the caller gets an empty inventory and a ``degraded``
    reason to warn about. Bounds: at most ``max_pending`` refreshes queued or running (beyond
    that, requests answer at once without cluster data), at most ``max_namespaces`` namespaces
    cached (least recently used evicted), and a :class:`_Breaker` that stops all waiting while
    the API fails or hangs.
    """

    def __init__(self, source: ClusterSource, ttl: float = 30.0, budget: float = 1.0, max_stale: float = 600.0,
                 clock: Callable[[], float] = time.monotonic, workers: int = 4, retry_after: float = 5.0,
                 max_pending: int = 16, max_namespaces: int = 1024, breaker_threshold: int = 2,
                 max_verify: int = 8) -> None:
        self.source = source
        self.ttl = ttl
        self.budget = budget
        self.max_stale = max_stale
        self.retry_after = retry_after
        self.clock = clock
        self.max_pending = max_pending
        self.max_namespaces = max_namespaces
        self.max_verify = max_verify
        self._slots: OrderedDict[str, _Slot] = OrderedDict()
        self._in_flight = 0
        self._breaker = _Breaker(breaker_threshold, retry_after, clock)
        # Re-entrant: a refresh that is already done runs its done-callback inline, under the lock.
        self._lock = threading.RLock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crashlint-lookup")

    def _refresh(self, namespace: str) -> tuple[Inventory, list[str]]:
        return self.source.fetch_namespace(namespace)

    def _slot(self, namespace: str) -> _Slot:
        """The namespace's slot, most recently used; the least recently used beyond the bound go."""
        slot = self._slots.get(namespace)
        if slot is None:
            slot = self._slots[namespace] = _Slot()
            while len(self._slots) > self.max_namespaces:
                self._slots.popitem(last=False)
        else:
            self._slots.move_to_end(namespace)
        return slot

    def _settle(self, slot: _Slot, fut: Refresh) -> None:
        """Record a finished refresh (called under the lock; harmless when called twice)."""
        if slot.pending is not fut:
            return  # settled already
        slot.pending = None
        self._in_flight -= 1
        try:
            inv, problems = fut.result()
        except CancelledError:  # dropped from the queue when the breaker opened
            slot.last_error = f"cluster API failing, look-ups paused: {self._breaker.reason}"
            if slot.failed_at is None:
                slot.failed_at = self.clock()
        except Exception as exc:  # ClusterError, or a look-up bug: degrade the check, never the admission
            slot.last_error = str(exc) if isinstance(exc, ClusterError) else f"{type(exc).__name__}: {exc}"
            if slot.failed_at is None:
                slot.failed_at = self.clock()
            self._failed(slot.last_error)
        else:
            slot.fetched_at = self.clock()
            slot.inventory, slot.problems, slot.last_error, slot.failed_at = inv, problems, None, None
            self._breaker.success()

    def _answer(self, slot: _Slot, budget: float, reason: str | None = None) -> LookupResult:
        """What can be said now (called under the lock)."""
        age = self.clock() - slot.fetched_at
        if slot.inventory is not None and age < self.ttl:
            return LookupResult(slot.inventory, problems=slot.problems)
        if slot.inventory is not None and age < self.max_stale:
            return LookupResult(slot.inventory, stale=True, problems=slot.problems)
        return LookupResult(Inventory(), degraded=reason or slot.last_error or f"no answer within {budget:g}s")

    def lookup(self, namespace: str, budget: float | None = None) -> LookupResult:
        """The namespace's inventory within ``budget`` seconds (default: the configured budget)."""
        budget = self.budget if budget is None else budget
        if not is_dns1123_label(namespace):
            return LookupResult(Inventory(), degraded=f"not a valid namespace name: {str(namespace)[:80]!r}")
        now = self.clock()
        with self._lock:
            slot = self._slot(namespace)
            if slot.inventory is not None and now - slot.fetched_at < self.ttl:
                return LookupResult(slot.inventory, problems=slot.problems)
            if slot.failed_at is not None and now - slot.failed_at < self.retry_after:
                return self._answer(slot, budget)  # the API just failed: do not wait on it again yet
            fut = slot.pending
            if fut is not None and slot.inventory is not None and now - slot.fetched_at < self.max_stale:
                return self._answer(slot, budget)  # a refresh is under way; stale data answers now
            breaker = self._breaker
            if breaker.is_open() and (fut is not None or not breaker.may_probe() or self._in_flight):
                # The API is failing or hanging: answer from the cache now; one probe at a time.
                return self._answer(slot, budget, f"cluster API failing, look-ups paused: {breaker.reason}")
            if fut is None:
                if self._in_flight >= self.max_pending:
                    return self._answer(slot, budget, f"{self._in_flight} cluster look-ups already pending")
                slot.failed_at = None
                self._in_flight += 1
                fut = slot.pending = self._pool.submit(self._refresh, namespace)
                fut.add_done_callback(functools.partial(self._done, slot))
            if breaker.is_open():
                return self._answer(slot, budget, f"cluster API failing, look-ups paused: {breaker.reason}")
            tripped = breaker.tripped
        waiting: list[Future[Any]] = [fut, tripped]
        wait(waiting, timeout=max(budget, 0.0), return_when=FIRST_COMPLETED)
        with self._lock:
            if fut.done():
                self._settle(slot, fut)
            elif not tripped.done():
                self._failed(f"no answer within {budget:g}s")
            return self._answer(slot, budget)

    def verify(self, namespace: str, wanted: Iterable[tuple[str, str]],
               budget: float | None = None) -> dict[tuple[str, str], Entry | None]:
        """Ask the API directly for objects the cached listing lacks (or whose keys it lacks).

        Returns, per (kind, name) it could settle, the object's entry or None when it is
        confirmed absent now; pairs left out could not be settled (API failing, over the
        per-request bound, out of time) and must not be treated as missing. Objects found are
        added to the cached inventory, so the next request needs no look-up for them; absences
        are never cached. A name the API server would refuse is absent without asking.
        """
        budget = self.budget if budget is None else budget
        deadline = self.clock() + max(budget, 0.0)
        out: dict[tuple[str, str], Entry | None] = {}
        if not is_dns1123_label(namespace):
            return out
        for kind, name in list(dict.fromkeys(wanted))[:self.max_verify]:
            if kind not in KINDS:
                continue
            if not is_dns1123_subdomain(name):
                out[(kind, name)] = None
                continue
            remaining = deadline - self.clock()
            with self._lock:
                if self._breaker.is_open() or remaining <= 0.05:
                    break
            try:
                found = self.source.list_kind(kind, namespace, name=name, timeout=remaining)
            except ClusterError as exc:
                with self._lock:
                    self._failed(str(exc))
                break
            except (KindUnavailable, InvalidName):
                continue
            entry = next((e for e in found if e.name == name), None)
            out[(kind, name)] = entry
            if entry is not None:
                self._remember(namespace, entry)
        return out

    def _failed(self, reason: str) -> None:
        """Count a failure (under the lock); once the breaker opens, drop refreshes not yet started."""
        self._breaker.failure(reason)
        if self._breaker.is_open():
            for slot in list(self._slots.values()):
                fut = slot.pending
                if fut is not None:
                    fut.cancel()  # runs _done -> _settle inline for queued ones (re-entrant lock)

    def _remember(self, namespace: str, entry: Entry) -> None:
        """Add a verified object to the namespace's cached inventory (copy on write: readers iterate it)."""
        with self._lock:
            slot = self._slots.get(namespace)
            if slot is None or slot.inventory is None:
                return
            inv = Inventory()
            for e in slot.inventory.entries.values():
                inv.add(e)
            inv.add(entry)
            inv.complete = set(slot.inventory.complete)
            slot.inventory = inv

    def _done(self, slot: _Slot, fut: Refresh) -> None:
        with self._lock:
            self._settle(slot, fut)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
