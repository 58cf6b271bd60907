"""A certificate path that would block a read (``tls.crt`` swapped for a FIFO) never stalls serving.

Before, the first connection after the swap opened the FIFO to reload the pair and waited for
a writer forever, holding the reload lock, so every later connection waited too. Now the
files are read off the connection path, a non-regular file is refused without being read, the
last good pair keeps serving, readiness names the problem, and a later good pair still loads.
"""

from __future__ import annotations

import http.client
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.webhook import FIXTURES, Webhook, make_certs


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Webhook]:
    wh = Webhook(make_certs(tmp_path / "certs"), ["--config", str(FIXTURES / "crashlint.yaml"), "--no-cluster",
                                                  "--workers", "1"], tmp_path / "server.log")
    yield wh
    wh.stop()


def _get(server: Webhook, path: str) -> tuple[int, bytes]:
    """GET on a new connection, given up after 3 s (a wedged server must fail fast, not hang the suite)."""
    conn = http.client.HTTPSConnection("localhost", server.port, context=server.context(), timeout=3)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _reload_error(server: Webhook) -> str | None:
    status, body = _get(server, "/readyz")
    assert status == 200, body
    return json.loads(body).get("certificate_reload_error")


def test_a_fifo_in_place_of_the_certificate_does_not_stall_connections(server: Webhook, tmp_path: Path) -> None:
    crt = server.certs / "tls.crt"
    good = crt.read_bytes()
    assert _get(server, "/healthz")[0] == 200
    os.mkfifo(tmp_path / "fifo")
    os.replace(tmp_path / "fifo", crt)  # as a rename over the mounted file would

    statuses = [_get(server, "/healthz")[0] for _ in range(12)]  # each on a new connection and handshake
    assert statuses == [200] * 12
    error = _reload_error(server)
    assert error is not None and "not a regular file" in error, error

    (tmp_path / "crt.new").write_bytes(good)
    os.replace(tmp_path / "crt.new", crt)
    deadline = time.monotonic() + 5
    while _reload_error(server) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _reload_error(server) is None  # the reloader was not wedged: the good pair loaded again
