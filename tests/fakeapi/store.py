"""The fake API's state: the served resources, the objects, resourceVersions and the change log.

The API server's bookkeeping, reduced to what clients observe: one resourceVersion counter
for every write (an object carries the version of its last write, a list the counter at the
time it was read), a change log that watches replay from a resourceVersion, and a compaction
point (:meth:`Store.expire`) below which neither a watch nor a list's ``continue`` token can
start. Lists come in pages of at most ``page_size`` items whatever ``limit`` asks for (a server
may return fewer) when a ``limit`` is sent, so tiny fixtures exercise the client's paging. Label selectors are read by
the kustomize build's selector reader, which evaluates each term with the one label matcher
(:func:`crashlint.knowledge.selectors.requirement_matches`).
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from crashlint.sources.kustomize.transformers import selector_matches


@dataclass(frozen=True)
class Resource:
    """One served collection: where it lives and what its objects are."""

    prefix: str  # /api/v1 or /apis/<group>/v1
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return "v1" if self.prefix == "/api/v1" else self.prefix.removeprefix("/apis/")


RESOURCES = [
    Resource("/api/v1", "pods", "Pod"),
    Resource("/api/v1", "events", "Event"),
    Resource("/api/v1", "configmaps", "ConfigMap"),
    Resource("/api/v1", "secrets", "Secret"),
    Resource("/api/v1", "serviceaccounts", "ServiceAccount"),
    Resource("/api/v1", "services", "Service"),
    Resource("/api/v1", "replicationcontrollers", "ReplicationController"),
    Resource("/api/v1", "namespaces", "Namespace", namespaced=False),
    Resource("/apis/apps/v1", "deployments", "Deployment"),
    Resource("/apis/apps/v1", "replicasets", "ReplicaSet"),
    Resource("/apis/apps/v1", "statefulsets", "StatefulSet"),
    Resource("/apis/apps/v1", "daemonsets", "DaemonSet"),
    Resource("/apis/batch/v1", "jobs", "Job"),
    Resource("/apis/batch/v1", "cronjobs", "CronJob"),
    Resource("/apis/coordination.k8s.io/v1", "leases", "Lease"),
    Resource("/apis/events.k8s.io/v1", "events", "Event"),
]
BY_PATH = {(r.prefix, r.plural): r for r in RESOURCES}
BY_TYPE = {(r.api_version, r.kind): r for r in RESOURCES}


def status(code: int, reason: str, message: str) -> dict[str, Any]:
    """A ``Status`` body as the API server sends with every failure."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


def gone(message: str) -> dict[str, Any]:
    return status(410, "Expired", message)


class ApiError(Exception):
    """A request the API server refuses: the HTTP code and its Status body."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body["message"])
        self.body = body


def metadata_only(obj: dict[str, Any]) -> dict[str, Any]:
    """The ``PartialObjectMetadata`` of an object: what leaves the server for a metadata request."""
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": copy.deepcopy(obj.get("metadata") or {})}


def _field_matches(selector: str, obj: dict[str, Any]) -> bool:
    """``metadata.name=x`` / ``metadata.namespace=x`` terms (``==`` and ``!=`` too), comma-joined."""
    meta = obj.get("metadata") or {}
    for term in filter(None, (t.strip() for t in selector.split(","))):
        negate = "!=" in term
        key, _, value = term.replace("!=", "=").replace("==", "=").partition("=")
        field = key.strip().removeprefix("metadata.")
        if field not in ("name", "namespace"):
            raise ApiError(status(400, "BadRequest", f'field label not supported: "{key.strip()}"'))
        if (meta.get(field) == value.strip()) == negate:
            return False
    return True


@dataclass(frozen=True)
class Change:
    """One entry of the change log, as a watch event carries it."""

    rv: int
    type: str  # ADDED | MODIFIED | DELETED
    resource: Resource
    obj: dict[str, Any]


class Store:
    """Objects by resource and (namespace, name); every write is logged for watches.

    All methods take the store's lock; ``changed`` is notified after every write and every
    :meth:`expire`, which is what open watches wait on.
    """

    def __init__(self, page_size: int | None = None) -> None:
        self.page_size = page_size
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.rv = 1
        self.compacted = 0  # watches and continue tokens from below this version get 410 Gone
        self.expirations = 0  # bumped by expire(): open watches end with ERROR 410
        self.objects: dict[Resource, dict[tuple[str, str], dict[str, Any]]] = {r: {} for r in RESOURCES}
        self.log: list[Change] = []

    # -- writes ---------------------------------------------------------------------------

    def _write(self, res: Resource, obj: dict[str, Any], change: str) -> dict[str, Any]:
        with self.lock:
            self.rv += 1
            obj = copy.deepcopy(obj)
            obj["kind"], obj["apiVersion"] = res.kind, res.api_version
            meta = obj.setdefault("metadata", {})
            meta["resourceVersion"] = str(self.rv)
            meta.setdefault("uid", str(uuid.uuid4()))
            meta.setdefault("creationTimestamp", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
            key = (meta.get("namespace", "") if res.namespaced else "", meta["name"])
            if change == "DELETED":
                self.objects[res].pop(key, None)
            else:
                self.objects[res][key] = obj
            self.log.append(Change(self.rv, change, res, obj))  # shared: see _matching
            self.changed.notify_all()
            return copy.deepcopy(obj)

    @staticmethod
    def resource_of(obj: dict[str, Any]) -> Resource:
        res = BY_TYPE.get((obj.get("apiVersion"), obj.get("kind")))
        if res is None:
            raise ValueError(f"the fake API serves no {obj.get('apiVersion')}/{obj.get('kind')}")
        return res

    def put(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Create or replace ``obj`` (ADDED or MODIFIED); returns it as stored."""
        res = self.resource_of(obj)
        meta = obj.get("metadata") or {}
        if not isinstance(meta.get("name"), str):
            raise ValueError(f"a {res.kind} without metadata.name")
        with self.lock:
            exists = (meta.get("namespace", "") if res.namespaced else "", meta["name"]) in self.objects[res]
            return self._write(res, obj, "MODIFIED" if exists else "ADDED")

    def delete(self, res: Resource, namespace: str, name: str) -> dict[str, Any]:
        with self.lock:
            obj = self.objects[res].get((namespace if res.namespaced else "", name))
            if obj is None:
                raise ApiError(status(404, "NotFound", f'{res.plural} "{name}" not found'))
            return self._write(res, obj, "DELETED")

    def get(self, res: Resource, namespace: str, name: str) -> dict[str, Any]:
        with self.lock:
            obj = self.objects[res].get((namespace if res.namespaced else "", name))
            if obj is None:
                raise ApiError(status(404, "NotFound", f'{res.plural} "{name}" not found'))
            return copy.deepcopy(obj)

    def expire(self) -> None:
        """Compact the history: everything before now is too old to watch or continue from.

        The counter moves on first (as if something else was written), so a client that had
        seen the latest version must still relist; a new list's version is watchable again.
        """
        with self.lock:
            self.rv += 1
            self.compacted = self.rv
            self.expirations += 1
            self.changed.notify_all()

    # -- reads ----------------------------------------------------------------------------

    def select(self, res: Resource, namespace: str | None, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        """Copies of the objects of ``res`` in ``namespace`` (None: all) matching the query's selectors."""
        return [copy.deepcopy(o) for o in self._matching(res, namespace, query)]

    def _matching(self, res: Resource, namespace: str | None, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        """The stored objects themselves (callers copy what they hand out): a page of a 50,000-object
        list copies its 500 items, not the whole collection. Stored objects are replaced on every
        write, never edited in place, so the change log shares them and a page's shallow copies
        (the list drops their kind and apiVersion) are a consistent snapshot."""
        labels = (query.get("labelSelector") or [""])[0]
        fields = (query.get("fieldSelector") or [""])[0]
        with self.lock:
            objs = [o for (ns, _), o in self.objects[res].items() if namespace is None or ns == namespace]
        return [o for o in objs if self.matches(o, labels, fields)] if labels or fields else objs

    @staticmethod
    def matches(obj: dict[str, Any], labels: str, fields: str) -> bool:
        meta = obj.get("metadata") or {}
        if labels and not selector_matches(labels, meta.get("labels") or {}):
            return False
        return not fields or _field_matches(fields, obj)

    def page(self, res: Resource, namespace: str | None, query: dict[str, list[str]],
             expire_once: set[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """One page of a list: its items and the list's metadata (resourceVersion, continue).

        A continue token is ``<resourceVersion>:<offset>``; it expires when the history was
        compacted after it was issued, or once for a plural named in ``expire_once``.
        """
        token = (query.get("continue") or [""])[0]
        start = 0
        if token:
            rv_text, _, offset = token.partition(":")
            if not rv_text.isdigit() or not offset.isdigit():
                raise ApiError(status(400, "BadRequest", f"invalid continue token {token!r}"))
            if int(rv_text) < self.compacted or res.plural in expire_once:
                expire_once.discard(res.plural)
                raise ApiError(gone("The provided continue parameter is too old to display a consistent list "
                                    "result. You can start a new list without the continue parameter."))
            start = int(offset)
        with self.lock:
            items = self._matching(res, namespace, query)
            rv = int(token.partition(":")[0]) if token else self.rv
        limit = int((query.get("limit") or ["0"])[0] or 0)
        remaining = max(len(items) - start, 0)
        size = min(limit, self.page_size or limit, remaining) if limit else remaining  # no limit: no pages
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if start + size < len(items):
            meta["continue"] = f"{rv}:{start + size}"
            meta["remainingItemCount"] = len(items) - start - size
        return [dict(o) for o in items[start:start + size]], meta  # never edited in place: a shallow copy is a snapshot

    def changes_since(self, rv: int, after: int) -> list[Change]:
        """Logged changes with a version above ``rv``, from log position ``after`` on."""
        with self.lock:
            return [c for c in self.log[after:] if c.rv > rv]
