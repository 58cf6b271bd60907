"""A stand-in Kubernetes API server for runtime-mode tests: stdlib HTTP, recorded objects.

It serves the objects of a corpus dump the way the API server does — typed lists without
``kind`` on the items, ``metadata.continue`` paging, Status bodies for 403/410, the pod log
subresource — and records every request so tests can assert what the client asked for (and
that it never asked for a Secret). Pages are deliberately small (``page_size``): the API lets a
server return fewer items than ``limit``, so the client's paging is exercised on tiny fixtures.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

# (group prefix, plural) -> (kind, apiVersion, list kind)
RESOURCES = {
    ("/api/v1", "pods"): ("Pod", "v1"),
    ("/api/v1", "events"): ("Event", "v1"),
    ("/api/v1", "replicationcontrollers"): ("ReplicationController", "v1"),
    ("/apis/apps/v1", "replicasets"): ("ReplicaSet", "apps/v1"),
    ("/apis/apps/v1", "deployments"): ("Deployment", "apps/v1"),
    ("/apis/apps/v1", "statefulsets"): ("StatefulSet", "apps/v1"),
    ("/apis/apps/v1", "daemonsets"): ("DaemonSet", "apps/v1"),
    ("/apis/batch/v1", "jobs"): ("Job", "batch/v1"),
    ("/apis/batch/v1", "cronjobs"): ("CronJob", "batch/v1"),
}
_LIST = re.compile(r"^(/api/v1|/apis/[a-z.]+/v1)(?:/namespaces/([^/]+))?/([a-z]+)$")
_LOG = re.compile(r"^/api/v1/namespaces/([^/]+)/pods/([^/]+)/log$")


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


class StubAPI:
    """Serve ``items`` (a kubectl List's items) and ``logs`` (the --logs shape) over HTTP."""

    def __init__(self, items: list[dict[str, Any]], logs: dict[str, dict[str, str]] | None = None,
                 page_size: int = 2, expire_once: frozenset[str] = frozenset(),
                 forbidden: frozenset[str] = frozenset()) -> None:
        self.items = items
        self.logs = logs or {}
        self.page_size = page_size
        self.expire_once = set(expire_once)  # plurals whose first continue token is "expired"
        self.forbidden = forbidden
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                url = urlparse(self.path)
                query = parse_qs(url.query)
                with stub._lock:
                    stub.requests.append((url.path, query))
                    stub.headers.append({k.lower(): v for k, v in self.headers.items()})
                code, body, ctype = stub.answer(url.path, query)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any, str]:
        """(status, body, content type) for one GET."""
        m = _LOG.match(path)
        if m and "pods/log" in self.forbidden:
            return 403, _status(403, "Forbidden", 'pods "x" is forbidden: cannot get resource "pods/log"'), \
                "application/json"
        if m:
            ns, pod = m[1], m[2]
            container = (query.get("container") or [""])[0]
            entry = self.logs.get(f"{ns}/{pod}/{container}") or {}
            if (query.get("previous") or [""])[0] == "true" and entry.get("previous"):
                text = entry["previous"]
                tail = int((query.get("tailLines") or ["0"])[0]) or None
                if tail:
                    text = "".join(text.splitlines(keepends=True)[-tail:])
                return 200, text.encode(), "text/plain"
            return 400, _status(400, "BadRequest", f'previous terminated container "{container}" in pod "{pod}" '
                                                   f"not found"), "application/json"
        m = _LIST.match(path)
        if not m or (m[1], m[3]) not in RESOURCES:
            return 404, _status(404, "NotFound", "the server could not find the requested resource"), \
                "application/json"
        prefix, ns, plural = m[1], m[2], m[3]
        if plural in self.forbidden:
            return 403, _status(403, "Forbidden", f'{plural} is forbidden: User "crashlint" cannot list resource '
                                                  f'"{plural}"'), "application/json"
        kind, api_version = RESOURCES[(prefix, plural)]
        matching = [self._as_list_item(i) for i in self.items if i.get("kind") == kind
                    and (ns is None or (i.get("metadata") or {}).get("namespace") == ns)]
        token = (query.get("continue") or [""])[0]
        if token and plural in self.expire_once:
            self.expire_once.discard(plural)
            return 410, _status(410, "Expired", "The provided continue parameter is too old to display a consistent "
                                                "list result. You can start a new list without the continue "
                                                "parameter."), "application/json"
        start = int(token.split(":")[1]) if token else 0
        limit = int((query.get("limit") or ["0"])[0]) or len(matching)
        size = min(limit, self.page_size)
        page = matching[start:start + size]
        meta: dict[str, Any] = {"resourceVersion": "4242"}
        if start + size < len(matching):
            meta["continue"] = f"{plural}:{start + size}"
        return 200, {"kind": kind + "List", "apiVersion": api_version, "metadata": meta, "items": page}, \
            "application/json"

    @staticmethod
    def _as_list_item(item: dict[str, Any]) -> dict[str, Any]:
        """Typed lists carry kind/apiVersion on the list, not on each item."""
        return {k: v for k, v in item.items() if k not in ("kind", "apiVersion")}

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]

    @contextmanager
    def running(self) -> Iterator["StubAPI"]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join(5)


def write_kubeconfig(directory: Path, url: str, namespace: str = "default") -> Path:
    """A kubeconfig with one context pointing at ``url`` (a bearer token, no TLS: it is localhost)."""
    cfg = {
        "apiVersion": "v1", "kind": "Config", "current-context": "stub",
        "clusters": [{"name": "stub", "cluster": {"server": url}}],
        "users": [{"name": "tester", "user": {"token": "stub-token"}}],
        "contexts": [{"name": "stub", "context": {"cluster": "stub", "user": "tester", "namespace": namespace}},
                     {"name": "other", "context": {"cluster": "stub", "user": "tester", "namespace": "elsewhere"}}],
    }
    path = directory / "kubeconfig"
    path.write_text(json.dumps(cfg))
    return path
