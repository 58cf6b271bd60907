"""What a live cluster has: ConfigMaps, Secret *metadata*, ServiceAccounts and Services per namespace.

The CLI's ``lint --cluster`` and the webhook ask the cluster only what reference rules need to
decide "does it exist": one paginated LIST per (kind, namespace), through :mod:`.kubeapi` (the
one client setup and list loop), run once and cached for the run. The webhook's own cache (TTL,
budget, circuit breaker) is :mod:`crashlint.webhook.lookups`, built on :class:`ClusterSource`.

Secrets are listed as ``PartialObjectMetadataList`` (:func:`.kubeapi.list_all` with
``metadata_only``: the API server strips ``data`` before it leaves the server, and a reply of any
other kind is dropped unread). The ``last-applied-configuration`` annotation (which holds a
whole Secret for objects made by ``kubectl apply``) is never kept. ServiceAccounts and Services
only need names, so they are read the same way; ConfigMaps are read whole because
``missing-key`` needs their keys.

Look-ups never decide anything (rules do) and never hang a run: every request has a client
timeout, a list stops after ``kubeapi.MAX_PAGES`` pages, and an unreachable API is one
:class:`ClusterError`. Every namespace and name is checked as the API server checks it
(:mod:`crashlint.knowledge.k8snames`) before it goes near a path.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from crashlint.knowledge.k8snames import is_dns1123_label, is_dns1123_subdomain
from crashlint.model.inventory import Entry, Inventory
from crashlint.sources import kubeapi

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# The kinds reference rules ask about, and whether they are read as metadata only (Secrets must be;
# ServiceAccounts and Services need no more than their names and labels).
KINDS: dict[str, bool] = {"ConfigMap": False, "Secret": True, "ServiceAccount": True, "Service": True}


class ClusterError(Exception):
    """The cluster cannot be asked at all (unreachable, bad kubeconfig, unauthorized)."""


class KindUnavailable(Exception):
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
    """Lists what the reference rules need from a cluster.

    ``in_cluster=None`` picks the pod's service-account config when running in a pod and no
    kubeconfig was named, the kubeconfig (``KUBECONFIG`` / ``~/.kube/config``) otherwise
    (:func:`.kubeapi.connect`). ``warn`` receives per-kind problems (a 403 on Secrets) that leave
    other kinds usable.
    """

    def __init__(self, kubeconfig: str | None = None, context: str | None = None, timeout: float = 5.0,
                 in_cluster: bool | None = None, warn: Callable[[str], None] | None = None) -> None:
        self.kubeconfig = kubeconfig
        self.context = context
        self.timeout = timeout
        self.in_cluster = kubeapi.uses_service_account(kubeconfig, context) if in_cluster is None else in_cluster
        self.warn = warn or _warn_stderr
        self._conn: kubeapi.Connection | None = None
        self._conn_lock = threading.Lock()
        self._cache: dict[tuple[str, str], list[Entry] | None] = {}

    def connect(self) -> None:
        """Load the client and the credentials now (not on the first look-up); raises ClusterError."""
        self._connection()

    def _connection(self) -> kubeapi.Connection:
        """The connection, made once; configuration problems become a ClusterError."""
        with self._conn_lock:
            if self._conn is None:
                try:
                    self._conn = kubeapi.connect(self.kubeconfig, self.context, in_cluster=self.in_cluster,
                                                 timeout=self.timeout)
                except kubeapi.CredentialsError as exc:
                    raise ClusterError(str(exc)) from None
            return self._conn

    def list_kind(self, kind: str, namespace: str, name: str | None = None,
                  timeout: float | None = None) -> list[Entry]:
        """Every object of ``kind`` in ``namespace`` (paginated), or only the one called ``name``.

        Secrets are read as metadata only. One object is asked for with a ``metadata.name``
        field selector on the same LIST, so the look-up needs no ``get`` permission.
        Raises :class:`.kubeapi.InvalidName` for a namespace or name the API server would refuse.
        """
        metadata_only = KINDS[kind]
        path = kubeapi.RESOURCES[kind].path(namespace)
        query: list[tuple[str, Any]] = []
        if name is not None:
            if not is_dns1123_subdomain(name):
                raise kubeapi.InvalidName(f"not a valid {kind} name: {str(name)[:80]!r}")
            query.append(("fieldSelector", f"metadata.name={name}"))
        conn = self._connection()
        try:
            result = kubeapi.list_all(conn, path, query=query, metadata_only=metadata_only, timeout=timeout)
        except kubeapi.Unreachable as exc:
            raise ClusterError(str(exc)) from None
        except kubeapi.StatusError as exc:
            if exc.status == 401:
                raise ClusterError(f"cluster API at {conn.host} refused the credentials (401 Unauthorized)") from None
            raise KindUnavailable(str(exc)) from None
        except (kubeapi.BadReply, kubeapi.IncompleteList) as exc:
            raise KindUnavailable(str(exc)) from None
        return _entries_from(kind, namespace, result.items)

    def fetch_namespace(self, namespace: str, kinds: Iterable[str] = tuple(KINDS)) -> tuple[Inventory, list[str]]:
        """A fresh listing of one namespace: the inventory and the per-kind problems met."""
        inv = Inventory()
        problems: list[str] = []
        for kind in kinds:
            try:
                entries = self.list_kind(kind, namespace)
            except KindUnavailable as exc:
                problems.append(f"cannot list {kubeapi.RESOURCES[kind].plural} in namespace {namespace!r} ({exc}); "
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
                    except KindUnavailable as exc:
                        self._cache[key] = None
                        self.warn(f"cannot list {kubeapi.RESOURCES[kind].plural} in namespace {ns!r} ({exc}); "
                                  f"references to {kind}s there are checked against the files only")
                entries = self._cache[key]
                if entries is None:
                    continue
                for e in entries:
                    inv.add(e)
                inv.complete.add(key)
        return inv
