"""Kubernetes API access: the one module that talks to an API server.

``lint --cluster`` and the webhook's look-ups (:mod:`.cluster`), runtime mode
(:mod:`crashlint.runtime.live`) and the watcher all come through here, so a cluster is read one
way everywhere:

* :func:`connect` is the one client setup: a kubeconfig file and context, or the pod's service
  account (in a pod, when neither was named), a timeout on every request, urllib3 retries off (a
  dead API fails in one timeout, not four), and the namespace a run defaults to.
* :meth:`Connection.get` is the one GET: a path, a query and an ``Accept`` header through the
  official client's serializer and auth; a transport failure is :class:`Unreachable`, a reply
  other than 200 a :class:`StatusError` carrying the server's Status.
* :func:`list_all` is the one paginated LIST: ``limit``/``continue`` pages, at most
  ``max_pages`` of them (an API or proxy that always answers with a ``continue`` token must not
  loop a run forever), and when the continue token expires mid-list (410 Gone) the list starts
  again from scratch, at most ``max_restarts`` times.
* Secrets are read as metadata only. :func:`list_all` refuses to list ``secrets`` any other
  way; ``metadata_only`` sends the ``PartialObjectMetadataList`` media type with no
  ``application/json`` fallback, so a server or proxy that ignored ``as=`` cannot hand back
  Secret values, and a reply of any other kind is dropped unread.
* :class:`ListWatch` is the one list-then-watch loop: list, watch from the list's
  resourceVersion with bookmarks, relist on 410 Gone, reconnect after a dropped stream or an
  API error with client-go's reflector backoff and jitter.

Every namespace and name that goes into a path is checked as the API server checks it
(:mod:`crashlint.knowledge.k8snames`) and quoted (:func:`collection_path`): in the webhook they
come from the admission request, and ``kube-system/secrets?x=`` must not become a path. The
``kubernetes`` package is imported when a connection is made, never at import time.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from crashlint.knowledge.k8snames import is_dns1123_label
from crashlint.model.nested import dig_list, dig_str
from crashlint.model.record import Record, Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Final

JSON_ACCEPT = "application/json"
METADATA_LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
METADATA_WATCH_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
IN_CLUSTER_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
PAGE_SIZE = 500
# A list longer than this (50,000 objects of one kind in one scope) is not read to the end.
MAX_PAGES = 100
MAX_LIST_RESTARTS = 3

Query = Sequence[tuple[str, Any]]


class KubeAPIError(Exception):
    """The API could not be asked, or did not answer usefully."""


class CredentialsError(KubeAPIError):
    """No client could be configured: a bad or missing kubeconfig, no service account, no client."""


class Unreachable(KubeAPIError):
    """No answer: connection refused, DNS, TLS, or nothing within the timeout."""


class StatusError(KubeAPIError):
    """An HTTP answer other than 200; ``status`` the code, ``body`` the Status object when there is one."""

    def __init__(self, status: int, reason: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"HTTP {status} {reason}".strip())
        self.status = status
        self.reason = reason
        self.body = body or {}


class BadReply(KubeAPIError):
    """A 200 that is not what was asked for (not JSON, or not the asked kind of list)."""


class IncompleteList(KubeAPIError):
    """A list that could not be read to the end (too many pages, or its snapshot kept expiring)."""


class InvalidName(ValueError):
    """A namespace or name the API server would refuse: no object can have it, so nothing is asked."""


def collection_path(prefix: str, plural: str, namespace: str | None = None) -> str:
    """``{prefix}[/namespaces/{ns}]/{plural}`` (prefix ``/api/v1`` or ``/apis/<group>/<version>``),
    the namespace checked and every segment quoted; raises :class:`InvalidName`."""
    if namespace is None:
        return f"{prefix}/{quote(plural, safe='')}"
    if not is_dns1123_label(namespace):
        raise InvalidName(f"not a valid namespace name: {str(namespace)[:80]!r}")
    return f"{prefix}/namespaces/{quote(namespace, safe='')}/{quote(plural, safe='')}"


class Resource(Value):
    """A served collection: the kind of its items, their apiVersion, and its plural name."""

    __slots__ = ("kind", "api_version", "plural", "namespaced")

    kind: Final[str]
    api_version: Final[str]
    plural: Final[str]
    namespaced: Final[bool]

    def __init__(self, kind: str, api_version: str, plural: str, namespaced: bool = True) -> None:
        self.kind = kind
        self.api_version = api_version
        self.plural = plural
        self.namespaced = namespaced

    @property
    def prefix(self) -> str:
        """``/api/v1`` for the core group, else ``/apis/<group>/<version>``."""
        return "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"

    def path(self, namespace: str | None = None) -> str:
        """The collection in ``namespace`` (every namespace when None), checked and quoted."""
        return collection_path(self.prefix, self.plural, namespace if self.namespaced else None)


# Every collection crashlint reads, by kind: `lint --cluster` and the webhook (ConfigMaps, Secret
# metadata, ServiceAccounts, Services), runtime mode and the watcher (pods, their owners, events,
# the workloads, namespaces for a namespace selector).
RESOURCES: dict[str, Resource] = {r.kind: r for r in (
    Resource("Pod", "v1", "pods"),
    Resource("Event", "v1", "events"),
    Resource("ConfigMap", "v1", "configmaps"),
    Resource("Secret", "v1", "secrets"),
    Resource("ServiceAccount", "v1", "serviceaccounts"),
    Resource("Service", "v1", "services"),
    Resource("ReplicationController", "v1", "replicationcontrollers"),
    Resource("Namespace", "v1", "namespaces", namespaced=False),
    Resource("ReplicaSet", "apps/v1", "replicasets"),
    Resource("Deployment", "apps/v1", "deployments"),
    Resource("StatefulSet", "apps/v1", "statefulsets"),
    Resource("DaemonSet", "apps/v1", "daemonsets"),
    Resource("Job", "batch/v1", "jobs"),
    Resource("CronJob", "batch/v1", "cronjobs"),
)}


class Connection(Record):
    """A configured client of one API server (thread-safe: the webhook's look-ups share one)."""

    __slots__ = ("client", "host", "namespace", "timeout")

    client: Any  # kubernetes.client.ApiClient
    host: str
    namespace: str  # the context's namespace, the pod's, or "default": where an unscoped run looks
    timeout: float

    def __init__(self, client: Any, host: str, namespace: str, timeout: float) -> None:
        self.client = client
        self.host = host
        self.namespace = namespace
        self.timeout = timeout

    def request(self, path: str, query: Query = (), accept: str = JSON_ACCEPT, timeout: float | None = None,
                read_timeout: float | None = None) -> Any:
        """Send a GET; the reply's body is not read yet (watches stream it). Raises :class:`Unreachable`."""
        import urllib3
        from kubernetes.client.exceptions import ApiException

        timeout = self.timeout if timeout is None else timeout
        method, url, headers, body, post = self.client.param_serialize(
            "GET", path, query_params=list(query), header_params={"Accept": accept}, auth_settings=["BearerToken"])
        try:
            return self.client.call_api(method, url, header_params=headers, body=body, post_params=post,
                                        _request_timeout=(timeout, timeout if read_timeout is None else read_timeout))
        except (urllib3.exceptions.HTTPError, OSError, ApiException) as exc:
            raise self.unreachable(exc, timeout) from None

    def unreachable(self, exc: BaseException, timeout: float | None = None) -> Unreachable:
        reason = getattr(exc, "reason", None) or exc
        timeout = self.timeout if timeout is None else timeout
        return Unreachable(f"cluster API at {self.host} unreachable or not answering within {timeout:g}s: "
                           f"{type(exc).__name__}: {reason}")

    def get(self, path: str, query: Query = (), accept: str = JSON_ACCEPT, timeout: float | None = None) -> bytes:
        """The body of a GET answered 200; else :class:`StatusError` (or :class:`Unreachable`)."""
        import urllib3

        resp = self.request(path, query, accept, timeout)
        try:
            raw: bytes = resp.read()
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self.unreachable(exc, timeout) from None
        if resp.status != 200:
            raise StatusError(resp.status, resp.reason or "", _status_body(raw))
        return raw

    def get_json(self, path: str, query: Query = (), accept: str = JSON_ACCEPT,
                 timeout: float | None = None) -> dict[str, Any]:
        """A GET whose 200 reply must be a JSON object; else :class:`BadReply`."""
        try:
            doc = json.loads(self.get(path, query, accept, timeout))
        except ValueError:
            raise BadReply("the reply is not JSON") from None
        if not isinstance(doc, dict):
            raise BadReply("the reply is not a JSON object")
        return doc

    def close(self) -> None:
        self.client.close()


def _status_body(raw: bytes) -> dict[str, Any] | None:
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def uses_service_account(kubeconfig: str | None, context: str | None) -> bool:
    """Whether :func:`connect` reads the pod's service account: in a pod, with no kubeconfig or context named."""
    return kubeconfig is None and context is None and "KUBERNETES_SERVICE_HOST" in os.environ


def connect(kubeconfig: str | None = None, context: str | None = None, *, in_cluster: bool | None = None,
            timeout: float = 5.0) -> Connection:
    """A connection to the cluster of ``kubeconfig``/``context`` or of the pod's service account.

    ``in_cluster=None`` picks the service account when running in a pod and neither a kubeconfig
    nor a context was named, the kubeconfig (``KUBECONFIG`` / ``~/.kube/config``) otherwise.
    Raises :class:`CredentialsError` with one line saying where it looked.
    """
    try:
        from kubernetes import client, config  # optional dependency: loaded only when a cluster is read
    except ImportError:
        raise CredentialsError("reading a cluster needs the kubernetes client: pip install 'crashlint[cluster]'") \
            from None
    if in_cluster is None:
        in_cluster = uses_service_account(kubeconfig, context)
    cfg = client.Configuration()
    namespace = "default"
    try:
        if in_cluster:
            config.load_incluster_config(client_configuration=cfg)
            namespace = _pod_namespace() or namespace
        else:
            config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=cfg,
                                    persist_config=False)
            contexts, active = config.list_kube_config_contexts(config_file=kubeconfig)
            chosen = next((c for c in contexts if c.get("name") == context), active) if context else active
            namespace = ((chosen or {}).get("context") or {}).get("namespace") or namespace
    except (config.ConfigException, OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        where = "in-cluster service account" if in_cluster else (kubeconfig or "kubeconfig")
        raise CredentialsError(f"cannot load cluster credentials from {where}: {exc}") from None
    cfg.retries = False
    return Connection(client.ApiClient(cfg), cfg.host, namespace, timeout)


def _pod_namespace() -> str | None:
    try:
        with open(IN_CLUSTER_NAMESPACE_FILE, encoding="utf-8") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


class ListResult(Record):
    """Every item of one list, and the resourceVersion of the snapshot they were read from."""

    __slots__ = ("items", "resource_version", "kind")

    items: list[dict[str, Any]]
    resource_version: str
    kind: str  # the list's kind: "PodList", "PartialObjectMetadataList", ...

    def __init__(self, items: list[dict[str, Any]], resource_version: str, kind: str) -> None:
        self.items = items
        self.resource_version = resource_version
        self.kind = kind


def list_all(conn: Connection, path: str, *, query: Query = (), metadata_only: bool = False,
             page_size: int = PAGE_SIZE, max_pages: int = MAX_PAGES, max_restarts: int = MAX_LIST_RESTARTS,
             timeout: float | None = None) -> ListResult:
    """Every item of the collection at ``path``, read in pages.

    A 410 Gone on a ``continue`` token (the snapshot expired mid-list) starts the list again
    from its first page: a consistent list needs one snapshot. Raises :class:`IncompleteList`
    after ``max_pages`` pages or ``max_restarts`` expiries, :class:`BadReply` when a metadata-only
    list comes back as anything but a ``PartialObjectMetadataList`` (its content is not read),
    and what :meth:`Connection.get_json` raises.
    """
    plural = path.rsplit("/", 1)[-1]
    if plural == "secrets" and not metadata_only:
        raise ValueError("Secrets are only ever listed as metadata (metadata_only=True)")
    accept = METADATA_LIST_ACCEPT if metadata_only else JSON_ACCEPT
    for _ in range(max_restarts):
        items: list[dict[str, Any]] = []
        token: str | None = None
        version = ""
        try:
            for _page in range(max_pages):
                q = [*query, ("limit", page_size), *([("continue", token)] if token else [])]
                doc = conn.get_json(path, q, accept, timeout)
                kind = doc.get("kind")
                if metadata_only and kind != "PartialObjectMetadataList":
                    doc.clear()  # fail closed: whatever this is (maybe full Secrets), it is not read
                    raise BadReply(f"the API answered {kind!r} instead of PartialObjectMetadataList")
                items.extend(i for i in dig_list(doc, "items") if isinstance(i, dict))
                version = version or dig_str(doc, "metadata", "resourceVersion", default="")
                token = dig_str(doc, "metadata", "continue")
                if not token:
                    return ListResult(items, version, str(kind or ""))
        except StatusError as exc:
            if exc.status == 410 and token:
                continue  # the snapshot expired mid-list
            raise
        raise IncompleteList(f"more than {max_pages} pages of {plural}; the list was not read to the end")
    raise IncompleteList(f"the continue token of {plural} expired {max_restarts} times in a row")


class Backoff(Value):
    """Exponential backoff with jitter, as client-go's reflector waits between failed list/watch
    attempts: ``NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0)`` — 0.8 s doubling up to
    30 s, each wait stretched by a random factor in [1, 2) (so at most [30, 60) s), and back to
    0.8 s after two minutes without a failure."""

    __slots__ = ("initial", "cap", "factor", "jitter", "reset_after")

    initial: Final[float]
    cap: Final[float]
    factor: Final[float]
    jitter: Final[float]
    reset_after: Final[float]

    def __init__(self, initial: float = 0.8, cap: float = 30.0, factor: float = 2.0, jitter: float = 1.0,
                 reset_after: float = 120.0) -> None:
        self.initial = initial
        self.cap = cap
        self.factor = factor
        self.jitter = jitter
        self.reset_after = reset_after

    def delay(self, failures: int, rng: Callable[[], float] = random.random) -> float:
        """The wait before the attempt after ``failures`` (>= 1) failures in a row."""
        base = min(self.cap, self.initial * self.factor ** max(0, failures - 1))
        return base * (1.0 + self.jitter * rng())


class WatchEvent(Value):
    """What :meth:`ListWatch.events` yields.

    ``type``:
      * ``SYNC``: a complete list (``items``) — the first one, and again after every relist; the
        consumer replaces what it holds (objects absent from it are gone);
      * ``ADDED`` / ``MODIFIED`` / ``DELETED``: one change (``object``);
      * ``BOOKMARK``: nothing changed up to ``resource_version``;
      * ``ERROR``: the list or the watch failed (``error``); the loop waits ``retry_in`` seconds,
        then resumes from where it was (or relists), and the data is stale until the next event.
    """

    __slots__ = ("type", "resource_version", "object", "items", "error", "retry_in")

    type: Final[str]
    resource_version: Final[str]
    object: Final[dict[str, Any] | None]
    items: Final[tuple[dict[str, Any], ...]]
    error: Final[str | None]
    retry_in: Final[float]

    def __init__(self, type: str, resource_version: str = "", object: dict[str, Any] | None = None,
                 items: tuple[dict[str, Any], ...] = (), error: str | None = None, retry_in: float = 0.0) -> None:
        self.type = type
        self.resource_version = resource_version
        self.object = object
        self.items = items
        self.error = error
        self.retry_in = retry_in


class ListWatch(Record):
    """List the collection at ``path``, then watch it, until :meth:`close`.

    The watch starts at the list's resourceVersion with bookmarks allowed and a server-side
    timeout of ``watch_timeout`` to twice that (client-go's 5 to 10 minutes, jittered so that
    watchers do not reconnect together); a watch that ends normally is reopened at once from the
    last version seen. A 410 Gone (an HTTP 410, or an ERROR event with code 410: the version was
    compacted away) relists. A dropped stream, an unreachable API or any other error waits
    :class:`Backoff` and reconnects from the last version. Counters for metrics: ``relists``
    (lists after the first), ``reconnects`` (watches reopened after a failure), ``errors``.

    ``events()`` is a blocking generator: run it on its own thread; :meth:`close` from any
    thread ends it promptly (it closes the open stream and interrupts a backoff wait).
    """

    __slots__ = ("conn", "path", "query", "metadata_only", "page_size", "watch_timeout", "backoff", "rng", "relists",
                 "reconnects", "errors", "_stop", "_resp")

    conn: Connection
    path: str
    query: Query
    metadata_only: bool
    page_size: int
    watch_timeout: float
    backoff: Backoff
    rng: Callable[[], float]
    relists: int
    reconnects: int
    errors: int
    _stop: threading.Event
    _resp: Any  # the open watch response, shut down by close() from another thread

    def __init__(self, conn: Connection, path: str, query: Query = (), metadata_only: bool = False,
                 page_size: int = PAGE_SIZE, watch_timeout: float = 300.0, backoff: Backoff | None = None,
                 rng: Callable[[], float] = random.random, relists: int = 0, reconnects: int = 0,
                 errors: int = 0) -> None:
        self.conn = conn
        self.path = path
        self.query = query
        self.metadata_only = metadata_only
        self.page_size = page_size
        self.watch_timeout = watch_timeout
        self.backoff = Backoff() if backoff is None else backoff
        self.rng = rng
        self.relists = relists
        self.reconnects = reconnects
        self.errors = errors
        self._stop = threading.Event()
        self._resp = None

    def close(self) -> None:
        self._stop.set()
        resp = self._resp
        if resp is not None:
            try:
                resp.response.shutdown()  # unblocks a read in progress on another thread
            except (AttributeError, OSError):
                pass

    @property
    def closed(self) -> bool:
        return self._stop.is_set()

    def events(self) -> Iterator[WatchEvent]:
        version: str | None = None  # None: (re)list first
        failures = 0
        listed = False
        while not self._stop.is_set():
            try:
                if version is None:
                    sync = self._list()
                    self.relists += listed
                    listed = True
                    version = sync.resource_version
                    failures = 0
                    yield sync
                    # Not held while watching: replaced objects must be freed, or a long-running
                    # watcher keeps the whole first list (the cluster's size again) until a relist.
                    del sync
                    continue
                started = time.monotonic()
                version, delivered = yield from self._watch(version)
                if not delivered and time.monotonic() - started < 1.0 and not self._stop.is_set():
                    raise BadReply("the watch ended at once without an event")  # never spin on such a server
                failures = 0
            except KubeAPIError as exc:
                if isinstance(exc, StatusError) and exc.status == 410 and version is not None:
                    version = None  # compacted away: only a new list is consistent
                    continue
                if self._stop.is_set():
                    return
                failures += 1
                self.errors += 1
                self.reconnects += version is not None
                wait = self.backoff.delay(failures, self.rng)
                yield WatchEvent("ERROR", version or "", error=str(exc), retry_in=wait)
                self._stop.wait(wait)

    def _list(self) -> WatchEvent:
        """The whole collection as one SYNC event (a helper, so no local of :meth:`events` holds the list)."""
        result = list_all(self.conn, self.path, query=self.query, metadata_only=self.metadata_only,
                          page_size=self.page_size)
        return WatchEvent("SYNC", result.resource_version, items=tuple(result.items))

    def _watch(self, version: str) -> Generator[WatchEvent, None, tuple[str, int]]:
        """One watch request from ``version``: its events, then (the version to go on from, how
        many events came). An ERROR event is raised as the :class:`StatusError` it carries."""
        import urllib3

        timeout = int(self.watch_timeout * (1.0 + self.rng()))
        query = [*self.query, ("watch", "true"), ("resourceVersion", version), ("allowWatchBookmarks", "true"),
                 ("timeoutSeconds", timeout)]
        accept = METADATA_WATCH_ACCEPT if self.metadata_only else JSON_ACCEPT
        resp = self._resp = self.conn.request(self.path, query, accept, read_timeout=timeout + 30.0)
        delivered = 0
        try:
            if resp.status != 200:
                raise StatusError(resp.status, resp.reason or "", _status_body(resp.read()))
            for line in _lines(resp.response):
                event = _event(line)
                if isinstance(event, StatusError):
                    raise event
                version = event.resource_version or version
                delivered += 1
                yield event
                if self._stop.is_set():
                    break
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if not self._stop.is_set():
                raise Unreachable(f"watch of {self.path} broke off: {type(exc).__name__}: "
                                  f"{getattr(exc, 'reason', None) or exc}") from None
        finally:
            self._resp = None
            resp.response.release_conn()
        return version, delivered


def _lines(resp: Any) -> Iterator[bytes]:
    """The lines of a streamed body as they arrive (a chunk may hold part of a line, or several)."""
    buf = b""
    for chunk in resp.stream(amt=None, decode_content=False):
        buf += chunk
        *lines, buf = buf.split(b"\n")
        yield from (line for line in lines if line.strip())
    if buf.strip():
        yield buf


def _event(line: bytes) -> WatchEvent | StatusError:
    """One watch line: the event, or for an ERROR event the Status it carries. A line that is not
    an event is a :class:`BadReply` (the stream is not trusted further; the loop reconnects)."""
    try:
        doc = json.loads(line)
    except ValueError:
        raise BadReply("a watch event is not JSON") from None
    if not isinstance(doc, dict):
        raise BadReply("a watch event is not a JSON object")
    obj, kind = doc.get("object"), doc.get("type")
    if not isinstance(obj, dict) or kind not in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"):
        raise BadReply("a watch event without a type and an object")
    if kind == "ERROR":
        code = obj.get("code")
        return StatusError(code if isinstance(code, int) else 500, str(obj.get("reason") or ""), obj)
    version = dig_str(obj, "metadata", "resourceVersion", default="")
    return WatchEvent(str(kind), version, object=None if kind == "BOOKMARK" else obj)
