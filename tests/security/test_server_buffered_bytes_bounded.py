"""What a worker buffers of unfinished requests is bounded, however many connections send bodies.

Requests are read whole on the worker's event loop before a thread sees them; without a bound,
many connections each sending most of a maximum-size body (and then waiting) would grow the
worker's memory with the number of connections. Past BUFFER_BODIES bodies in flight, the
connection that goes over is answered 503 and closed; others are still served.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crashlint.webhook.worker import BUFFER_BODIES
from harness.webhook import FIXTURES, Webhook, make_certs

MAX_BODY = 65536


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Webhook]:
    wh = Webhook(make_certs(tmp_path / "certs"), ["--config", str(FIXTURES / "crashlint.yaml"), "--no-cluster",
                                                  "--workers", "1", "--max-body-bytes", str(MAX_BODY)],
                 tmp_path / "server.log")
    yield wh
    wh.stop()


def _almost_whole_body(server: Webhook) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock = server.context().wrap_socket(raw, server_hostname="localhost")
    length = MAX_BODY - 1000  # BUFFER_BODIES of these, heads included, stay just under the budget
    sock.sendall(b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % length + b" " * (length - 1))
    return sock


def test_connections_past_the_buffer_budget_are_answered_503(server: Webhook) -> None:
    socks = [_almost_whole_body(server) for _ in range(BUFFER_BODIES + 1)]  # one more than the budget holds
    answers: dict[int, bytes] = {}
    end = time.monotonic() + 5
    while not answers and time.monotonic() < end:  # which one goes over depends on the server's read order
        for n, sock in enumerate(socks):
            sock.settimeout(0.05)
            try:
                answers[n] = sock.recv(4096)
            except TimeoutError:
                pass
    assert len(answers) == 1 and next(iter(answers.values())).startswith(b"HTTP/1.1 503 "), answers
    assert server.get("/healthz")[0] == 200  # the others are still held, and a small request fits
    for sock in socks:
        sock.close()
