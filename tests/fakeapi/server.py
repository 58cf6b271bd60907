"""A fake Kubernetes API server: stdlib HTTP on 127.0.0.1, driven by the official client.

It answers what crashlint's cluster reads, the webhook's look-ups, runtime mode and the
watcher send, the way the API server does:

* lists of the resources in :data:`store.RESOURCES`, namespaced and across namespaces, in pages
  (``limit``/``continue``; an expired token is 410 Gone), with ``labelSelector`` and the
  ``metadata.name``/``metadata.namespace`` field selectors; ``Accept: ...;as=PartialObjectMetadataList``
  gets metadata only (``Secret`` data never leaves the fake then);
* watches (``watch=true``/``1``): a chunked response, one JSON event a line, from the list's
  resourceVersion on (or every object as ADDED when none is given), BOOKMARKs when allowed,
  ``timeoutSeconds``; ERROR 410 for a version older than the last :meth:`FakeAPI.expire`;
* get/create/replace/patch/delete of one object (a replace with a stale resourceVersion is 409
  Conflict, a create of an existing name 409 AlreadyExists): Events and Leases are written so;
* ``pods/<name>/log`` as plain text (``container``, ``previous``, ``tailLines``, ``limitBytes``).

Faults a test switches on and off at run time: :attr:`delay` (seconds before each answer),
:attr:`status` (every request fails with that code), :meth:`fail_next` (the next N requests
fail), :attr:`forbidden` (403 for a plural, or a (namespace, plural) pair, or ``"pods/log"``),
:attr:`hang` (requests are read and never answered), :meth:`drop` (open watch streams are cut
without their last chunk), :meth:`stop` (the port closes: unreachable), :attr:`ignore_as` (a
proxy that drops ``as=``: Secret lists in full), :attr:`endless_continue` (every page has a
``continue`` token) and :attr:`expire_once` (the first continue token of those plurals is 410).
Every request is recorded (:attr:`requests`) for exact assertions on what the client asked.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jsonpatch

from .store import BY_PATH, ApiError, Change, Resource, Store, gone, metadata_only, status

HOST = "127.0.0.1"
_PATH = re.compile(r"^(/api/v1|/apis/[a-z0-9.-]+/v1)(?:/namespaces/([^/]+))?/([a-z]+)(?:/([^/]+)(?:/([a-z]+))?)?$")
_FAILURE_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
                    410: "Gone", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable"}
MAX_RECORDED = 20_000  # a soak sends more; the count goes on, the log stops growing


@dataclass(frozen=True)
class Request:
    """One request as it arrived (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any = None
    # How many :meth:`FakeAPI.drop` calls had happened when the request arrived: a watch opened
    # before a drop is cut by it, even if its stream starts after (no race with a test's drop()).
    drops: int = 0
    # The same for :meth:`FakeAPI.bookmark`: a watch opened before a bookmark gets it.
    bookmarks: int = 0

    @property
    def accept(self) -> str:
        return self.headers.get("accept", "")

    @property
    def watch(self) -> bool:
        return (self.query.get("watch") or [""])[0] in ("true", "True", "1")


def failure(code: int, message: str | None = None) -> dict[str, Any]:
    """The Status body of an injected failure."""
    reason = _FAILURE_REASONS.get(code, "InternalError")
    return status(code, reason, message or f"fake API: injected {code} {reason}")


class FakeAPI:
    """The server and its state; ``with FakeAPI(...) as api:`` or :meth:`start` / :meth:`stop`."""

    def __init__(self, objects: Iterable[dict[str, Any]] = (), *, page_size: int | None = None,
                 logs: dict[str, dict[str, str]] | None = None) -> None:
        self.store = Store(page_size)
        self.logs: dict[str, dict[str, str]] = dict(logs or {})  # "ns/pod/container" -> {"previous": text}
        self.requests: list[Request] = []
        self.request_count = 0
        self.delay = 0.0
        self.status: int | None = None
        self.forbidden: set[Any] = set()  # "plural", "pods/log" or ("namespace", "plural")
        self.hang = False
        self.ignore_as = False
        self.endless_continue = False
        self.expire_once: set[str] = set()
        self._fail: list[int] = []
        self._drops = 0
        self._bookmarks = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        for obj in objects:
            self.add(obj)

    # -- life cycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self.server is not None, "start() first"
        return f"http://{HOST}:{self.server.server_address[1]}"

    def start(self) -> "FakeAPI":
        self.server = ThreadingHTTPServer((HOST, 0), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="fakeapi", daemon=True).start()
        return self

    def stop(self) -> None:
        """Close the port (the API becomes unreachable) and end hung requests and open watches."""
        self._stopping.set()
        with self.store.changed:
            self.store.changed.notify_all()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> "FakeAPI":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- state ----------------------------------------------------------------------------

    def add(self, obj: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
        """Create or replace ``obj`` (apiVersion, kind, metadata.name; ``namespace`` overrides its own):
        watches see ADDED or MODIFIED. Returns the object as stored."""
        if namespace is not None:
            obj = {**obj, "metadata": {**obj.get("metadata", {}), "namespace": namespace}}
        return self.store.put(obj)

    def update(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Replace an existing object: a new resourceVersion, MODIFIED to open watches."""
        res = self.store.resource_of(obj)
        meta = obj["metadata"]
        self.store.get(res, meta.get("namespace", ""), meta["name"])  # ApiError 404 when absent
        return self.store.put(obj)

    def delete(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Remove the object of ``obj``'s kind, namespace and name: DELETED to open watches."""
        meta = obj["metadata"]
        return self.store.delete(self.store.resource_of(obj), meta.get("namespace", ""), meta["name"])

    def push(self, type_: str, obj: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Emit one watch event: ADDED/MODIFIED write ``obj``, DELETED removes it, BOOKMARK sends the version."""
        if type_ == "BOOKMARK":
            self.bookmark()
            return None
        assert obj is not None, f"{type_} needs an object"
        return self.delete(obj) if type_ == "DELETED" else self.add(obj)

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any]:
        """The stored object (what the client's writes made of it)."""
        return self.store.get(self.store.resource_of({"apiVersion": api_version, "kind": kind}), namespace, name)

    def objects(self, api_version: str, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return self.store.select(self.store.resource_of({"apiVersion": api_version, "kind": kind}), namespace, {})

    @property
    def resource_version(self) -> int:
        return self.store.rv

    def bookmark(self) -> None:
        """Open watches that allow bookmarks get a BOOKMARK with the current resourceVersion."""
        with self.store.changed:
            self._bookmarks += 1
            self.store.changed.notify_all()

    def expire(self) -> None:
        """The history is compacted: open watches end with ERROR 410, and so does any watch or
        continue token from an older resourceVersion; a fresh list's version works again."""
        self.store.expire()

    def drop(self) -> None:
        """Cut every open watch stream mid-stream (no terminating chunk), as a broken proxy does."""
        with self.store.changed:
            self._drops += 1
            self.store.changed.notify_all()

    def fail_next(self, n: int, code: int = 500) -> None:
        """The next ``n`` requests fail with ``code`` (then the API answers again)."""
        with self._lock:
            self._fail.extend([code] * n)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def watches(self) -> list[Request]:
        return [r for r in self.requests if r.watch]

    # -- answers --------------------------------------------------------------------------

    def _record(self, req: Request) -> None:
        with self._lock:
            self.request_count += 1
            if len(self.requests) < MAX_RECORDED:
                self.requests.append(req)

    def _injected(self, req: Request, res: Resource | None, namespace: str | None, sub: str | None) -> Any:
        """The failure a switched-on fault gives this request, or None."""
        with self._lock:
            code = self._fail.pop(0) if self._fail else self.status
        if code is not None:
            return failure(code, "etcdserver: request timed out" if code == 500 else None)
        if res is None:
            return None
        plural = f"{res.plural}/{sub}" if sub else res.plural
        if plural in self.forbidden or (namespace, plural) in self.forbidden:
            where = f' in the namespace "{namespace}"' if namespace else ""
            verb = "get" if sub else ("watch" if req.watch else "list")
            return status(403, "Forbidden", f'{plural} is forbidden: User "system:serviceaccount:crashlint:crashlint" '
                                            f'cannot {verb} resource "{plural}" in API group ""{where}')
        return None

    def answer(self, req: Request) -> tuple[int, Any, str]:
        """(status, body, content type) of every request but a watch."""
        m = _PATH.match(req.path)
        res = BY_PATH.get((m[1], m[3])) if m else None
        if not m or res is None or (m[2] is not None and not res.namespaced):
            return 404, status(404, "NotFound", "the server could not find the requested resource"), "application/json"
        namespace, name, sub = (unquote(m[2]) if m[2] else None), (unquote(m[4]) if m[4] else None), m[5]
        injected = self._injected(req, res, namespace, sub)
        if injected is not None:
            return injected["code"], injected, "application/json"
        try:
            if sub == "log" and res.plural == "pods" and req.method == "GET":
                return 200, self._log(namespace or "", name or "", req.query).encode(), "text/plain"
            if sub is not None:
                raise ApiError(status(404, "NotFound", "the server could not find the requested resource"))
            if name is None:
                if req.method == "GET":
                    return 200, self._list(res, namespace, req), "application/json"
                if req.method == "POST":
                    return 201, self._create(res, namespace, req.body), "application/json"
            elif req.method == "GET":
                return 200, self.store.get(res, namespace or "", name), "application/json"
            elif req.method == "PUT":
                return 200, self._replace(res, namespace or "", name, req.body), "application/json"
            elif req.method == "PATCH":
                return 200, self._patch(res, namespace or "", name, req.body), "application/json"
            elif req.method == "DELETE":
                return 200, self.store.delete(res, namespace or "", name), "application/json"
            raise ApiError(status(405, "MethodNotAllowed", f"{req.method} is not supported here"))
        except ApiError as exc:
            return exc.body["code"], exc.body, "application/json"

    def _list(self, res: Resource, namespace: str | None, req: Request) -> dict[str, Any]:
        meta_only = "as=PartialObjectMetadataList" in req.accept and not (self.ignore_as and res.plural == "secrets")
        if self.endless_continue:
            n = int((req.query.get("continue") or ["0"])[0] or 0) + 1
            items, meta = [], {"resourceVersion": str(self.store.rv), "continue": str(n)}
        else:
            items, meta = self.store.page(res, namespace, req.query, self.expire_once)
        if meta_only:
            return {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                    "items": [metadata_only(o) for o in items]}
        for o in items:  # a typed list carries kind and apiVersion once, not on each item
            o.pop("kind", None)
            o.pop("apiVersion", None)
        return {"kind": f"{res.kind}List", "apiVersion": res.api_version, "metadata": meta, "items": items}

    def _create(self, res: Resource, namespace: str | None, body: Any) -> dict[str, Any]:
        obj = self._body_object(res, body)
        meta = obj["metadata"]
        if res.namespaced:
            meta["namespace"] = namespace or meta.get("namespace") or "default"
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + secrets.token_hex(3)[:5]
        if not isinstance(meta.get("name"), str) or not meta["name"]:
            raise ApiError(status(422, "Invalid", f"{res.kind} is invalid: metadata.name: Required value"))
        with self.store.lock:
            try:
                self.store.get(res, meta.get("namespace", ""), meta["name"])
            except ApiError:
                meta.pop("resourceVersion", None)
                return self.store.put(obj)
        raise ApiError(status(409, "AlreadyExists", f'{res.plural} "{meta["name"]}" already exists'))

    def _replace(self, res: Resource, namespace: str, name: str, body: Any) -> dict[str, Any]:
        obj = self._body_object(res, body)
        with self.store.lock:
            current = self.store.get(res, namespace, name)
            sent = obj["metadata"].get("resourceVersion")
            if sent and sent != current["metadata"]["resourceVersion"]:
                raise ApiError(status(409, "Conflict", f'Operation cannot be fulfilled on {res.plural} "{name}": the '
                                                       f"object has been modified; please apply your changes to the "
                                                       f"latest version and try again"))
            obj["metadata"].update(name=name, uid=current["metadata"]["uid"])
            if res.namespaced:
                obj["metadata"]["namespace"] = namespace
            return self.store.put(obj)

    def _patch(self, res: Resource, namespace: str, name: str, body: Any) -> dict[str, Any]:
        with self.store.lock:
            current = self.store.get(res, namespace, name)
            if isinstance(body, list):
                try:
                    patched = jsonpatch.apply_patch(current, body)
                except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
                    raise ApiError(status(422, "Invalid", f"the JSON patch does not apply: {exc}")) from None
            elif isinstance(body, dict):
                patched = _merge(current, body)
            else:
                raise ApiError(status(400, "BadRequest", "a patch is a JSON object or array"))
            patched["metadata"].update(name=name, uid=current["metadata"]["uid"])
            return self.store.put(patched)

    @staticmethod
    def _body_object(res: Resource, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("metadata", {}), dict):
            raise ApiError(status(400, "BadRequest", f"the body is not a {res.kind}"))
        obj = copy.deepcopy(body)
        obj.setdefault("metadata", {})
        obj["kind"], obj["apiVersion"] = res.kind, res.api_version
        return obj

    def _log(self, namespace: str, pod: str, query: dict[str, list[str]]) -> str:
        container = (query.get("container") or [""])[0]
        previous = (query.get("previous") or [""])[0] == "true"
        text = (self.logs.get(f"{namespace}/{pod}/{container}") or {}).get("previous" if previous else "current")
        if text is None:
            what = "previous terminated container" if previous else "container"
            raise ApiError(status(400, "BadRequest", f'{what} "{container}" in pod "{pod}" not found'))
        tail = int((query.get("tailLines") or ["0"])[0] or 0)
        if tail:
            text = "".join(text.splitlines(keepends=True)[-tail:])
        limit = int((query.get("limitBytes") or ["0"])[0] or 0)
        return text.encode()[:limit].decode(errors="ignore") if limit else text

    # -- watches --------------------------------------------------------------------------

    def watch_events(self, req: Request, res: Resource, namespace: str | None) -> Iterable[dict[str, Any] | None]:
        """The events of one watch, in order; None means "cut the stream here" (a :meth:`drop`)."""
        store = self.store
        q = {k: v[0] for k, v in req.query.items()}
        labels, fields = q.get("labelSelector", ""), q.get("fieldSelector", "")
        meta_only = "as=PartialObjectMetadata" in req.accept
        bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
        deadline = time.monotonic() + float(q["timeoutSeconds"]) if q.get("timeoutSeconds") else None
        since_text = q.get("resourceVersion", "")

        def event(type_: str, obj: dict[str, Any]) -> dict[str, Any]:
            return {"type": type_, "object": metadata_only(obj) if meta_only else obj}

        with store.lock:
            expirations, drops, marks = store.expirations, req.drops, req.bookmarks
            if since_text not in ("", "0") and (not since_text.isdigit() or int(since_text) < store.compacted):
                yield {"type": "ERROR", "object": gone(f"too old resource version: {since_text} ({store.compacted})")}
                return
            initial = [event("ADDED", o) for o in store.select(res, namespace, req.query)] \
                if since_text in ("", "0") else []
            since = store.rv if since_text in ("", "0") else int(since_text)
            position = 0
        yield from initial
        while True:
            with store.changed:
                fresh = [c for c in store.log[position:] if c.rv > since and self._concerns(c, res, namespace)
                         and store.matches(c.obj, labels, fields)]
                position = len(store.log)
                expired = store.expirations != expirations
                dropped = self._drops != drops
                marked = bookmarks and self._bookmarks != marks
                marks = self._bookmarks
                timed_out = deadline is not None and time.monotonic() >= deadline
                if not (fresh or expired or dropped or marked or timed_out or self._stopping.is_set()):
                    wait = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
                    store.changed.wait(wait)
                    continue
                rv = store.rv
            for c in fresh:
                since = c.rv
                yield event(c.type, c.obj)
            if marked:
                yield {"type": "BOOKMARK", "object": {"kind": res.kind, "apiVersion": res.api_version,
                                                      "metadata": {"resourceVersion": str(rv)}}}
            if dropped or self._stopping.is_set():
                yield None
                return
            if expired:
                yield {"type": "ERROR", "object": gone(f"too old resource version: {since} ({store.compacted})")}
                return
            if timed_out:
                return

    @staticmethod
    def _concerns(change: Change, res: Resource, namespace: str | None) -> bool:
        return change.resource == res and (namespace is None or change.obj["metadata"].get("namespace") == namespace)

    def watch_target(self, req: Request) -> tuple[Resource, str | None] | None:
        """The collection a watch request names, or None when it names none."""
        m = _PATH.match(req.path)
        res = BY_PATH.get((m[1], m[3])) if m else None
        if not m or res is None or m[4] is not None:
            return None
        return res, (unquote(m[2]) if m[2] else None)


def _merge(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch (a strategic merge patch reads the same for what tests send)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = _merge(out.get(k), v)
    return out


def _handler(api: FakeAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            body = None
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw
            req = Request(method, parts.path, parse_qs(parts.query),
                          {k.lower(): v for k, v in self.headers.items()}, body, api._drops, api._bookmarks)
            api._record(req)
            if api.delay:
                time.sleep(api.delay)
            if api.hang:  # read, never answered: it ends unanswered when the hang is lifted or the fake stops
                while api.hang and not api._stopping.is_set():
                    api._stopping.wait(0.05)
                return
            if api._stopping.is_set():
                return
            target = api.watch_target(req) if req.watch and method == "GET" else None
            try:
                if target is None:
                    code, payload, ctype = api.answer(req)
                else:
                    refused = api._injected(req, *target, None)
                    if refused is None:
                        self._stream(req, *target)
                        return
                    code, payload, ctype = refused["code"], refused, "application/json"
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (timeouts)

        def _stream(self, req: Request, res: Resource, namespace: str | None) -> None:
            self.protocol_version = "HTTP/1.1"  # chunked transfer needs it; the connection closes after
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            for ev in api.watch_events(req, res, namespace):
                if ev is None:  # cut: no terminating chunk
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                data = json.dumps(ev).encode() + b"\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's names
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def do_PUT(self) -> None:  # noqa: N802
            self._handle("PUT")

        def do_PATCH(self) -> None:  # noqa: N802
            self._handle("PATCH")

        def do_DELETE(self) -> None:  # noqa: N802
            self._handle("DELETE")

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
