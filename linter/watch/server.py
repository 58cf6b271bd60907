"""The watcher's HTTP endpoints: ``/`` (the report), ``/metrics``, ``/healthz``, ``/readyz``.

Plain HTTP on the pod's port, on purpose: nothing here is secret or writable (a read-only page
showing what ``kubectl describe`` shows, and metrics), the readers are in-cluster (Prometheus,
``kubectl port-forward``), the kubelet probes it without a client certificate, and TLS would
need a certificate to mount and rotate for no gain in what can be read. Who may reach the port
is a NetworkPolicy's business, in the overlay that knows where Prometheus runs. GET and HEAD
only; anything else is 405.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

HEALTHY_WITHIN_SECONDS = 30.0


class Endpoints:
    """What the handler serves, as callables, so the server holds no watcher logic."""

    def __init__(self, page: Callable[[], str], registry: CollectorRegistry, alive: Callable[[], bool],
                 ready: Callable[[], bool]) -> None:
        self.page, self.registry, self.alive, self.ready = page, registry, alive, ready


def _handler(ep: Endpoints) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "crashlint-watch"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:  # probes every few seconds: not worth a line
            return

        def _send(self, code: int, body: bytes, ctype: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            if ctype.startswith("text/html"):
                # The page is self-contained: no scripts at all, styles inline, nothing fetched.
                self.send_header("Content-Security-Policy",
                                 "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/":
                self._send(200, ep.page().encode("utf-8"), "text/html; charset=utf-8")
            elif path == "/metrics":
                self._send(200, generate_latest(ep.registry), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                ok = ep.alive()
                self._send(200 if ok else 500, b"ok\n" if ok else b"analysis loop stalled\n", "text/plain")
            elif path == "/readyz":
                ok = ep.ready()
                self._send(200 if ok else 503, b"ok\n" if ok else b"initial list not complete\n", "text/plain")
            else:
                self._send(404, b"not found\n", "text/plain")

        do_HEAD = do_GET

        def _refuse(self) -> None:
            self._send(405, b"method not allowed\n", "text/plain")

        do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

    return Handler


class Server:
    """A threaded HTTP server on its own thread; ``stop`` closes it at once."""

    def __init__(self, host: str, port: int, endpoints: Endpoints) -> None:
        self.httpd = ThreadingHTTPServer((host, port), _handler(endpoints))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                       name="crashlint-watch-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
