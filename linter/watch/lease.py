"""Leader election through a ``coordination.k8s.io/v1`` Lease, as client-go's ``leaderelection`` does it.

One replica holds the Lease and publishes Events; the others are hot standbys: they watch and
judge exactly like the leader (caches warm, page and metrics served) and take over when the
Lease is not renewed. The timings are client-go's usual ones (kube-controller-manager's
defaults): a Lease is held for 15 s, the holder renews every 2 s and gives up leading when it
could not renew for 10 s, so two replicas never both believe they lead for longer than the
5 s between the renew deadline and the lease duration.

Expiry is judged by this replica's own clock from when it last saw the Lease *change*, never
from the ``renewTime`` written by another node's clock (client-go's ``observedTime``). An
update carries the Lease's resourceVersion, so of two replicas racing for an expired Lease
one gets 409 Conflict and stays standby. On SIGTERM the leader releases the Lease (empty
holder, duration 1 s) so the standby takes over at its next retry instead of after 15 s.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from crashlint.model.nested import dig_map
from crashlint.runtime.shape import count
from crashlint.watch.errors import one_line

LEASE_DURATION = 15.0
RENEW_DEADLINE = 10.0
RETRY_PERIOD = 2.0
JITTER = 1.2  # client-go's JitterFactor for the acquire loop: wait RETRY_PERIOD * [1, 2.2)
log = logging.getLogger("crashlint.watch")


def _micro_time(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    """Acquire, renew and release one Lease; ``is_leader()`` is what the publisher asks."""

    def __init__(self, api_client: Any, namespace: str, name: str, identity: str,
                 lease_duration: float = LEASE_DURATION, renew_deadline: float = RENEW_DEADLINE,
                 retry_period: float = RETRY_PERIOD, clock: Callable[[], float] = time.monotonic,
                 on_change: Callable[[bool], None] | None = None) -> None:
        self.api_client = api_client
        self.namespace, self.name, self.identity = namespace, name, identity
        self.lease_duration, self.renew_deadline, self.retry_period = lease_duration, renew_deadline, retry_period
        self.clock = clock
        self.on_change = on_change
        self._leading = False
        self._observed: tuple[Any, ...] | None = None
        self._observed_at = 0.0
        self._renewed_at = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="crashlint-watch-lease", daemon=True)

    def is_leader(self) -> bool:
        return self._leading and self.clock() - self._renewed_at < self.renew_deadline

    def start(self) -> None:
        self._thread.start()

    def _api(self) -> Any:
        from kubernetes import client

        return client.CoordinationV1Api(self.api_client)

    def _set_leading(self, leading: bool) -> None:
        if leading != self._leading:
            log.info("%s the Lease %s/%s", "acquired" if leading else "lost", self.namespace, self.name)
            self._leading = leading
            if self.on_change is not None:
                self.on_change(leading)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ok = self.try_acquire_or_renew()
            except Exception as exc:  # the API server is down: keep trying, lead no longer than the deadline
                log.warning("Lease %s/%s: %s", self.namespace, self.name, one_line(exc))
                ok = False
            if ok:
                self._renewed_at = self.clock()
            self._set_leading(ok or self.is_leader())
            wait = self.retry_period if self._leading else self.retry_period * (1 + random.random() * JITTER)
            self._stop.wait(wait)

    def try_acquire_or_renew(self) -> bool:
        """One round of client-go's ``tryAcquireOrRenew``; True when this replica holds the Lease now."""
        from kubernetes import client

        api = self._api()
        now_wall = time.time()
        try:
            lease = json.loads(api.read_namespaced_lease(self.name, self.namespace, _preload_content=False,
                                                         _request_timeout=self.retry_period * 2).data)
        except client.ApiException as exc:
            if exc.status != 404:
                raise
            body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": {"name": self.name, "namespace": self.namespace},
                    "spec": self._spec(now_wall, now_wall, 0)}
            try:
                created = json.loads(api.create_namespaced_lease(self.namespace, body, _preload_content=False,
                                                                 _request_timeout=self.retry_period * 2).data)
            except client.ApiException as exc2:
                if exc2.status == 409:
                    return False  # another replica created it first
                raise
            self._observe(created)
            return True
        spec = dig_map(lease, "spec")
        self._observe(lease)
        holder = spec.get("holderIdentity") or ""
        duration = float(max(0, count(spec.get("leaseDurationSeconds")))) or self.lease_duration
        if holder and holder != self.identity and self.clock() < self._observed_at + duration:
            return False
        transitions = count(spec.get("leaseTransitions"))
        if holder == self.identity:
            acquired = spec.get("acquireTime") or _micro_time(now_wall)
        else:
            acquired, transitions = _micro_time(now_wall), transitions + 1
        lease["spec"] = {**self._spec(now_wall, now_wall, transitions), "acquireTime": acquired}
        try:
            updated = json.loads(api.replace_namespaced_lease(self.name, self.namespace, lease,
                                                              _preload_content=False,
                                                              _request_timeout=self.retry_period * 2).data)
        except client.ApiException as exc:
            if exc.status == 409:
                return False  # someone else updated it since we read it
            raise
        self._observe(updated)
        return True

    def _spec(self, acquired: float, renewed: float, transitions: int) -> dict[str, Any]:
        return {"holderIdentity": self.identity, "leaseDurationSeconds": int(self.lease_duration),
                "acquireTime": _micro_time(acquired), "renewTime": _micro_time(renewed),
                "leaseTransitions": transitions}

    def _observe(self, lease: dict[str, Any]) -> None:
        spec = dig_map(lease, "spec")
        record = tuple(json.dumps(spec.get(k), sort_keys=True) for k in
                       ("holderIdentity", "leaseDurationSeconds", "renewTime", "leaseTransitions"))
        if record != self._observed:
            self._observed, self._observed_at = record, self.clock()

    def stop(self, release: bool = True) -> None:
        """Stop electing; the leader hands the Lease back (empty holder, 1 s) so a standby takes it at once.

        The election thread finishes its round first (a renewal in flight would make the release
        a stale update), then the Lease is read again and released only if this replica still holds it.
        Each step is bounded (1.5 s, then 1 s per request) so that SIGTERM ends the process within 5 s
        even when the API server hangs.
        """
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=1.5)
        if release and self._leading:
            try:
                self._release()
            except Exception as exc:  # the standby takes over once the Lease expires
                log.warning("releasing the Lease %s/%s: %s", self.namespace, self.name, one_line(exc))
        self._set_leading(False)

    def _release(self) -> None:
        api = self._api()
        lease = json.loads(api.read_namespaced_lease(self.name, self.namespace, _preload_content=False,
                                                     _request_timeout=1).data)
        spec = dig_map(lease, "spec")
        if spec.get("holderIdentity") != self.identity:
            return
        now = _micro_time(time.time())
        lease["spec"] = {**spec, "holderIdentity": "", "leaseDurationSeconds": 1, "renewTime": now, "acquireTime": now}
        api.replace_namespaced_lease(self.name, self.namespace, lease, _preload_content=False, _request_timeout=1)
