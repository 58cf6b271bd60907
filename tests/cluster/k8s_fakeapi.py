"""A local Kubernetes API stand-in: a stdlib HTTP server replaying recorded list responses.

Responses come from ``tests/fixtures/cluster/<namespace>/<plural>[.metadata][.<continue>].json``:
``.metadata`` files answer requests whose Accept header asks for ``PartialObjectMetadataList``,
the others full lists. An unknown namespace gets an empty list, as from a real API server.
Every request is recorded (path, query, headers) so tests can assert what was asked.
Knobs: ``delay`` (seconds before answering), ``forbidden`` ({(namespace, plural)}: 403),
``ignore_as`` (answer Secret lists in full, as a proxy that drops ``as=`` would),
``status`` (answer every request with this HTTP status), ``endless_continue`` (every page
carries a ``continue`` token, as a broken proxy might).
Stateful use: :meth:`create` puts an object into a namespace's live store, which then answers
for that (namespace, plural) instead of the recorded files, honouring ``fieldSelector=metadata.name=``
and answering metadata-only requests with ``PartialObjectMetadataList`` (no ``data``), as the
API server does: objects can appear between two admission requests.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cluster"
TOKEN = "crashlint-test-token"
LIST_KINDS = {"configmaps": "ConfigMapList", "secrets": "SecretList", "serviceaccounts": "ServiceAccountList",
              "services": "ServiceList"}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class FakeAPI:
    delay: float = 0.0
    forbidden: set[tuple[str, str]] = field(default_factory=set)
    ignore_as: bool = False
    status: int | None = None
    endless_continue: bool = False
    store: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def create(self, namespace: str, plural: str, obj: dict[str, Any]) -> None:
        """Make ``obj`` exist from now on (the namespace's ``plural`` is then served from the store)."""
        self.store.setdefault((namespace, plural), {})[obj["metadata"]["name"]] = obj

    def _from_store(self, ns: str, plural: str, query: dict[str, list[str]], metadata: bool) -> Any:
        items = list(self.store[(ns, plural)].values())
        for sel in query.get("fieldSelector", []):
            if sel.startswith("metadata.name="):
                items = [o for o in items if o["metadata"]["name"] == sel.split("=", 1)[1]]
        if metadata:
            items = [{"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                      "metadata": o["metadata"]} for o in items]
            return {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                    "metadata": {"resourceVersion": "2"}, "items": items}
        return {"kind": LIST_KINDS[plural], "apiVersion": "v1", "metadata": {"resourceVersion": "2"}, "items": items}

    def answer(self, path: str, query: dict[str, list[str]], accept: str) -> tuple[int, Any]:
        if self.status is not None:
            return self.status, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": self.status}
        parts = path.strip("/").split("/")
        if len(parts) != 5 or parts[:3] != ["api", "v1", "namespaces"] or parts[4] not in LIST_KINDS:
            return 404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}
        ns, plural = parts[3], parts[4]
        if (ns, plural) in self.forbidden:
            return 403, json.loads((FIXTURES / "forbidden.json").read_text())
        metadata = "as=PartialObjectMetadataList" in accept
        if self.endless_continue:
            n = int((query.get("continue") or ["0"])[0]) + 1
            return 200, {"kind": "PartialObjectMetadataList" if metadata else LIST_KINDS[plural],
                         "apiVersion": "meta.k8s.io/v1" if metadata else "v1",
                         "metadata": {"resourceVersion": "1", "continue": str(n)}, "items": []}
        if (ns, plural) in self.store:
            return 200, self._from_store(ns, plural, query, metadata)
        if plural == "secrets" and self.ignore_as:
            return 200, json.loads((FIXTURES / "full-secrets.json").read_text())
        name = plural + (".metadata" if metadata else "")
        token = (query.get("continue") or [""])[0]
        if token:
            name += f".{token}"
        f = FIXTURES / ns / f"{name}.json"
        if f.is_file():
            return 200, json.loads(f.read_text())
        kind = "PartialObjectMetadataList" if metadata else LIST_KINDS[plural]
        return 200, {"kind": kind, "apiVersion": "meta.k8s.io/v1" if metadata else "v1",
                     "metadata": {"resourceVersion": "1"}, "items": []}

    def start(self) -> "FakeAPI":
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                api.requests.append(Recorded("GET", parts.path, query, {k.lower(): v for k, v in self.headers.items()}))
                if api.delay:
                    time.sleep(api.delay)
                status, body = api.answer(parts.path, query, self.headers.get("Accept", ""))
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def write_kubeconfig(path: Path, server: str, token: str = TOKEN) -> Path:
    """A kubeconfig with one context pointing at ``server`` with a bearer token."""
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": server}}],
        "users": [{"name": "tester", "user": {"token": token}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "tester", "namespace": "shop"}}],
    }))
    return path
