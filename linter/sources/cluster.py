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
timeout, urllib3 retries are off, a list stops after ``MAX_PAGES`` pages, and an unreachable API
is one :class:`ClusterError`. Every namespace and name is checked as the API server checks it
(:mod:`.k8snames`) and each path segment is quoted before it goes near a URL: in the webhook
they come from the admission request, and ``kube-system/secrets?x=`` must not become a path.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from collections import OrderedDict
from concurrent.futures import FIRST_COMPLETED, CancelledError, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from crashlint.model.inventory import Entry, Inventory
from crashlint.knowledge.k8snames import is_dns1123_label, is_dns1123_subdomain

METADATA_LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
PAGE_SIZE = 500
# A list longer than this (50,000 objects of one kind in one namespace) is not read to the end:
# an API (or a proxy) that keeps answering with a `continue` token must not loop a refresh forever.
MAX_PAGES = 100

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


class InvalidName(ValueError):
    """A namespace or name the API server would refuse: no object can have it, so nothing is asked."""


def api_path(namespace: str, plural: str) -> str:
    """``/api/v1/namespaces/{ns}/{plural}`` for a valid namespace, each segment quoted."""
    if not is_dns1123_label(namespace):
        raise InvalidName(f"not a valid namespace name: {str(namespace)[:80]!r}")
    return f"/api/v1/namespaces/{quote(namespace, safe='')}/{quote(plural, safe='')}"


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

    def _get(self, path: str, query: list[tuple[str, Any]], accept: str,
             timeout: float | None = None) -> dict[str, Any]:
        """One GET; transport failures are ClusterError, HTTP failures _KindUnavailable."""
        import urllib3
        from kubernetes.client.exceptions import ApiException

        api = self._api()
        timeout = self.timeout if timeout is None else timeout
        method, url, headers, body, post = api.param_serialize(
            "GET", path, query_params=query, header_params={"Accept": accept}, auth_settings=["BearerToken"])
        try:
            resp = api.call_api(method, url, header_params=headers, body=body, post_params=post,
                                _request_timeout=(timeout, timeout))
            raw = resp.read()
        except (urllib3.exceptions.HTTPError, OSError, ApiException) as exc:
            host = api.configuration.host
            reason = getattr(exc, "reason", None) or exc
            raise ClusterError(f"cluster API at {host} unreachable or not answering within "
                               f"{timeout:g}s: {type(exc).__name__}: {reason}") from None
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

    def list_kind(self, kind: str, namespace: str, name: str | None = None,
                  timeout: float | None = None) -> list[Entry]:
        """Every object of ``kind`` in ``namespace`` (paginated), or only the one called ``name``.

        Secrets are read as metadata only. One object is asked for with a ``metadata.name``
        field selector on the same LIST, so the look-up needs no ``get`` permission.
        Raises :class:`InvalidName` for a namespace or name the API server would refuse.
        """
        plural, metadata_only = KINDS[kind]
        accept = METADATA_LIST_ACCEPT if metadata_only else "application/json"
        path = api_path(namespace, plural)
        base: list[tuple[str, Any]] = [("limit", PAGE_SIZE)]
        if name is not None:
            if not is_dns1123_subdomain(name):
                raise InvalidName(f"not a valid {kind} name: {str(name)[:80]!r}")
            base.append(("fieldSelector", f"metadata.name={name}"))
        entries: list[Entry] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            query = list(base)
            if token:
                query.append(("continue", token))
            doc = self._get(path, query, accept, timeout)
            if metadata_only and doc.get("kind") != "PartialObjectMetadataList":
                # Fail closed: whatever this is (maybe full Secrets), it is not read.
                got = doc.get("kind")
                doc.clear()
                raise _KindUnavailable(f"the API answered {got!r} instead of PartialObjectMetadataList")
            items = doc.get("items")
            entries.extend(_entries_from(kind, namespace, items if isinstance(items, list) else []))
            meta = doc.get("metadata")
            token = meta.get("continue") if isinstance(meta, dict) else None
            if not token or not isinstance(token, str):
                return entries
        raise _KindUnavailable(f"more than {MAX_PAGES} pages of {plural}; the list was not read to the end")

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
            if not is_dns1123_label(ns):
                self.warn(f"namespace {ns[:80]!r} is not a valid namespace name; it is not looked up")
                continue
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
        self.tripped: Future = Future()  # completed when the breaker opens; waiters wait on it too

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

    def _settle(self, slot: _Slot, fut: Future) -> None:
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
                fut.add_done_callback(lambda f, s=slot: self._done(s, f))
            if breaker.is_open():
                return self._answer(slot, budget, f"cluster API failing, look-ups paused: {breaker.reason}")
            tripped = breaker.tripped
        wait([fut, tripped], timeout=max(budget, 0.0), return_when=FIRST_COMPLETED)
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
            except (_KindUnavailable, InvalidName):
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

    def _done(self, slot: _Slot, fut: Future) -> None:
        with self._lock:
            self._settle(slot, fut)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
