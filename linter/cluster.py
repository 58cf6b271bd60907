"""What a live cluster has: ConfigMaps, Secret *metadata*, ServiceAccounts and Services per namespace.

The CLI's ``lint --cluster`` and the webhook ask the cluster only what reference rules need to
decide "does it exist": one paginated LIST per (kind, namespace), run once and cached.

Secrets are listed as ``PartialObjectMetadataList`` (the API server strips ``data`` before it
leaves the server). The request sends no ``application/json`` fallback, so a server or proxy that
ignored the ``as=`` parameter cannot hand back Secret values, and a reply of any other kind is
dropped unread. The ``last-applied-configuration`` annotation (which holds a whole Secret for
objects made by ``kubectl apply``) is never kept. ServiceAccounts and Services only need names,
so they are read the same way; ConfigMaps are read whole because ``missing-key`` needs their keys.

Look-ups never decide anything (rules do) and never hang a run: every request has a client
timeout, urllib3 retries are off, and an unreachable API is one :class:`ClusterError`.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from .inventory import Entry, Inventory

METADATA_LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
PAGE_SIZE = 500

# kind -> (plural, read as metadata only)
KINDS: dict[str, tuple[str, bool]] = {
    "ConfigMap": ("configmaps", False),
    "Secret": ("secrets", True),
    "ServiceAccount": ("serviceaccounts", True),
    "Service": ("services", True),
}


class ClusterError(Exception):
    """The cluster cannot be asked at all (unreachable, bad kubeconfig, unauthorized)."""


class _KindUnavailable(Exception):
    """One kind cannot be listed in one namespace (403, unexpected reply): warn, keep going."""


def _warn_stderr(message: str) -> None:
    print(f"crashlint: warning: {message}", file=sys.stderr)


def _entries_from(kind: str, namespace: str, items: Iterable[Any]) -> list[Entry]:
    """Entries with names (and ConfigMap keys); nothing else of the objects is kept."""
    out: list[Entry] = []
    for item in items:
        meta = item.get("metadata") if isinstance(item, dict) else None
        if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
            continue
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(LAST_APPLIED, None)  # for applied Secrets it holds the data
        keys: frozenset[str] | None = None
        if kind == "ConfigMap":
            found: set[str] = set()
            for section in ("data", "binaryData"):
                d = item.get(section)
                if isinstance(d, dict):
                    found.update(str(k) for k in d)
            keys = frozenset(found)
        out.append(Entry(kind, namespace, meta["name"], keys=keys, origin="cluster"))
    return out


class ClusterSource:
    """Lists what the reference rules need from a cluster, via the official ``kubernetes`` client.

    ``in_cluster=None`` picks the pod's service-account config when running in a pod and no
    kubeconfig was named, the kubeconfig (``KUBECONFIG`` / ``~/.kube/config``) otherwise.
    ``warn`` receives per-kind problems (a 403 on Secrets) that leave other kinds usable.
    """

    def __init__(self, kubeconfig: str | None = None, context: str | None = None, timeout: float = 5.0,
                 in_cluster: bool | None = None, warn: Callable[[str], None] | None = None) -> None:
        self.kubeconfig = kubeconfig
        self.context = context
        self.timeout = timeout
        if in_cluster is None:
            in_cluster = kubeconfig is None and context is None and "KUBERNETES_SERVICE_HOST" in os.environ
        self.in_cluster = in_cluster
        self.warn = warn or _warn_stderr
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._cache: dict[tuple[str, str], list[Entry] | None] = {}

    def connect(self) -> None:
        """Load the client and the credentials now (not on the first look-up); raises ClusterError."""
        self._api()

    def _api(self) -> Any:
        """The ApiClient, built once; configuration problems become a ClusterError."""
        with self._client_lock:
            if self._client is not None:
                return self._client
            from kubernetes import client, config  # optional dependency: only loaded when asked

            cfg = client.Configuration()
            try:
                if self.in_cluster:
                    config.load_incluster_config(client_configuration=cfg)
                else:
                    config.load_kube_config(config_file=self.kubeconfig, context=self.context,
                                            client_configuration=cfg, persist_config=False)
            except (config.ConfigException, OSError, ValueError, TypeError, KeyError) as exc:
                where = "in-cluster service account" if self.in_cluster else (self.kubeconfig or "kubeconfig")
                raise ClusterError(f"cannot load cluster credentials from {where}: {exc}") from None
            cfg.retries = False  # a dead API must fail in one timeout, not four
            self._client = client.ApiClient(cfg)
            return self._client

    def _get(self, path: str, query: list[tuple[str, Any]], accept: str) -> dict[str, Any]:
        """One GET; transport failures are ClusterError, HTTP failures _KindUnavailable."""
        import urllib3
        from kubernetes.client.exceptions import ApiException

        api = self._api()
        method, url, headers, body, post = api.param_serialize(
            "GET", path, query_params=query, header_params={"Accept": accept}, auth_settings=["BearerToken"])
        try:
            resp = api.call_api(method, url, header_params=headers, body=body, post_params=post,
                                _request_timeout=(self.timeout, self.timeout))
            raw = resp.read()
        except (urllib3.exceptions.HTTPError, OSError, ApiException) as exc:
            host = api.configuration.host
            reason = getattr(exc, "reason", None) or exc
            raise ClusterError(f"cluster API at {host} unreachable or not answering within "
                               f"{self.timeout:g}s: {type(exc).__name__}: {reason}") from None
        if resp.status == 401:
            raise ClusterError(f"cluster API at {api.configuration.host} refused the credentials (401 Unauthorized)")
        if resp.status != 200:
            raise _KindUnavailable(f"HTTP {resp.status} {resp.reason or ''}".strip())
        try:
            doc = json.loads(raw)
        except ValueError:
            raise _KindUnavailable("the reply is not JSON") from None
        if not isinstance(doc, dict):
            raise _KindUnavailable("the reply is not a JSON object")
        return doc

    def list_kind(self, kind: str, namespace: str) -> list[Entry]:
        """Every object of ``kind`` in ``namespace`` (paginated); Secrets as metadata only."""
        plural, metadata_only = KINDS[kind]
        accept = METADATA_LIST_ACCEPT if metadata_only else "application/json"
        path = f"/api/v1/namespaces/{namespace}/{plural}"
        entries: list[Entry] = []
        token: str | None = None
        while True:
            query: list[tuple[str, Any]] = [("limit", PAGE_SIZE)]
            if token:
                query.append(("continue", token))
            doc = self._get(path, query, accept)
            if metadata_only and doc.get("kind") != "PartialObjectMetadataList":
                # Fail closed: whatever this is (maybe full Secrets), it is not read.
                got = doc.get("kind")
                doc.clear()
                raise _KindUnavailable(f"the API answered {got!r} instead of PartialObjectMetadataList")
            items = doc.get("items")
            entries.extend(_entries_from(kind, namespace, items if isinstance(items, list) else []))
            meta = doc.get("metadata")
            token = meta.get("continue") if isinstance(meta, dict) else None
            if not token:
                return entries

    def fetch_namespace(self, namespace: str, kinds: Iterable[str] = tuple(KINDS)) -> tuple[Inventory, list[str]]:
        """A fresh listing of one namespace: the inventory and the per-kind problems met."""
        inv = Inventory()
        problems: list[str] = []
        for kind in kinds:
            try:
                entries = self.list_kind(kind, namespace)
            except _KindUnavailable as exc:
                problems.append(f"cannot list {KINDS[kind][0]} in namespace {namespace!r} ({exc}); "
                                f"references to {kind}s there are checked against the files only")
                continue
            for e in entries:
                inv.add(e)
            inv.complete.add((kind, namespace))
        if problems and not inv.complete:
            # Nothing could be listed (a 5xx on every kind): that is an outage, not an empty
            # namespace — let the caller keep its stale data and say the look-ups were skipped.
            raise ClusterError("; ".join(problems))
        return inv, problems

    def inventory_for(self, namespaces: set[str]) -> Inventory:
        """What the cluster has in ``namespaces``; each (kind, namespace) is listed once per source."""
        inv = Inventory()
        for ns in sorted(namespaces):
            for kind in KINDS:
                key = (kind, ns)
                if key not in self._cache:
                    try:
                        self._cache[key] = self.list_kind(kind, ns)
                    except _KindUnavailable as exc:
                        self._cache[key] = None
                        self.warn(f"cannot list {KINDS[kind][0]} in namespace {ns!r} ({exc}); "
                                  f"references to {kind}s there are checked against the files only")
                entries = self._cache[key]
                if entries is None:
                    continue
                for e in entries:
                    inv.add(e)
                inv.complete.add(key)
        return inv


@dataclass
class LookupResult:
    """A namespace's inventory for one admission request, and why it may be partial."""

    inventory: Inventory
    degraded: str | None = None  # set when no cluster data could be used: say so in a warning
    stale: bool = False  # served from an expired cache entry because the refresh failed
    problems: list[str] = field(default_factory=list)


@dataclass
class _Slot:
    inventory: Inventory | None = None
    problems: list[str] = field(default_factory=list)
    fetched_at: float = 0.0
    pending: Future | None = None
    last_error: str | None = None
    failed_at: float | None = None


class CachedLookup:
    """Per-namespace cluster inventories for the webhook: short TTL, hard budget, stale-while-error.

    A request waits at most ``budget`` seconds for a refresh; a refresh that takes longer keeps
    running in the background (one per namespace at a time) and fills the cache for the next
    request. When the refresh fails, data up to ``max_stale`` seconds old is still used; with
    nothing usable the caller gets an empty inventory and a ``degraded`` reason to warn about.
    While the API is failing, requests do not wait at all: a failed namespace is retried after
    ``retry_after`` seconds, and a refresh already under way is not waited for when stale data
    can answer.
    """

    def __init__(self, source: ClusterSource, ttl: float = 30.0, budget: float = 1.0, max_stale: float = 600.0,
                 clock: Callable[[], float] = time.monotonic, workers: int = 4, retry_after: float = 5.0) -> None:
        self.source = source
        self.ttl = ttl
        self.budget = budget
        self.max_stale = max_stale
        self.retry_after = retry_after
        self.clock = clock
        self._slots: dict[str, _Slot] = {}
        # Re-entrant: a refresh that is already done runs its done-callback inline, under the lock.
        self._lock = threading.RLock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crashlint-lookup")

    def _refresh(self, namespace: str) -> tuple[Inventory, list[str]]:
        return self.source.fetch_namespace(namespace)

    def _settle(self, slot: _Slot, fut: Future) -> None:
        """Record a finished refresh (called under the lock; harmless when called twice)."""
        if slot.pending is fut:
            slot.pending = None
        try:
            inv, problems = fut.result()
        except Exception as exc:  # ClusterError, or a look-up bug: degrade the check, never the admission
            slot.last_error = str(exc) if isinstance(exc, ClusterError) else f"{type(exc).__name__}: {exc}"
            if slot.failed_at is None:
                slot.failed_at = self.clock()
        else:
            if slot.inventory is not inv:
                slot.fetched_at = self.clock()
            slot.inventory, slot.problems, slot.last_error, slot.failed_at = inv, problems, None, None

    def _answer(self, slot: _Slot, budget: float) -> LookupResult:
        """What can be said now (called under the lock)."""
        age = self.clock() - slot.fetched_at
        if slot.inventory is not None and age < self.ttl:
            return LookupResult(slot.inventory, problems=slot.problems)
        if slot.inventory is not None and age < self.max_stale:
            return LookupResult(slot.inventory, stale=True, problems=slot.problems)
        return LookupResult(Inventory(), degraded=slot.last_error or f"no answer within {budget:g}s")

    def lookup(self, namespace: str, budget: float | None = None) -> LookupResult:
        """The namespace's inventory within ``budget`` seconds (default: the configured budget)."""
        budget = self.budget if budget is None else budget
        now = self.clock()
        with self._lock:
            slot = self._slots.setdefault(namespace, _Slot())
            if slot.inventory is not None and now - slot.fetched_at < self.ttl:
                return LookupResult(slot.inventory, problems=slot.problems)
            if slot.failed_at is not None and now - slot.failed_at < self.retry_after:
                return self._answer(slot, budget)  # the API just failed: do not wait on it again yet
            fut = slot.pending
            if fut is not None and slot.inventory is not None and now - slot.fetched_at < self.max_stale:
                return self._answer(slot, budget)  # a refresh is under way; stale data answers now
            if fut is None:
                slot.failed_at = None
                fut = slot.pending = self._pool.submit(self._refresh, namespace)
                fut.add_done_callback(lambda f, s=slot: self._done(s, f))
        try:
            fut.result(timeout=max(budget, 0.0))
        except FutureTimeout:
            pass
        except Exception:
            pass  # recorded by _settle
        with self._lock:
            if fut.done():
                self._settle(slot, fut)
            return self._answer(slot, budget)

    def _done(self, slot: _Slot, fut: Future) -> None:
        with self._lock:
            self._settle(slot, fut)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
