"""The event loop that buffers whole requests keeps HTTP/1.1 framing intact.

Requests reach a thread only once their head and ``Content-Length`` body are buffered
(crashlint.webhook.worker). These are the framings that path must get right: a request split
over several writes, two pipelined requests, ``Expect: 100-continue`` (one interim answer,
not two), and the heads it refuses itself (chunked bodies, oversized heads).
"""

from __future__ import annotations

import json
import socket
import ssl
import time


from crashlint.webhook.worker import MAX_HEAD
from harness.webhook import Webhook, admission_review, fixture


def _connect(server: Webhook) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    return server.context().wrap_socket(raw, server_hostname="localhost")


def _read(sock: ssl.SSLSocket, until: bytes, seconds: float = 5.0) -> bytes:
    """What the server sent until ``until`` arrived, it closed, or ``seconds`` passed."""
    end = time.monotonic() + seconds
    got = b""
    while until not in got and time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, OSError):
            break
        if not chunk:
            break
        got += chunk
    return got


def _review() -> tuple[str, bytes]:
    """A review's uid and bytes (a clean Deployment: allowed)."""
    review = admission_review(fixture("deployment-clean.yaml"))
    return review["request"]["uid"], json.dumps(review).encode()


def _head(body: bytes, *extra: bytes) -> bytes:
    return b"\r\n".join([b"POST /validate HTTP/1.1", b"Host: localhost", b"Content-Type: application/json",
                         b"Content-Length: %d" % len(body), *extra, b"", b""])


def test_a_request_split_over_writes_is_answered(server: Webhook) -> None:
    uid, body = _review()
    with _connect(server) as sock:
        for part in (_head(body)[:20], _head(body)[20:], body[:50], body[50:]):
            sock.sendall(part)
            time.sleep(0.1)
        answer = _read(sock, uid.encode())
    assert answer.startswith(b"HTTP/1.1 200 ") and uid.encode() in answer, answer[:300]


def test_pipelined_requests_are_both_answered(server: Webhook) -> None:
    (uid1, body1), (uid2, body2) = _review(), _review()
    with _connect(server) as sock:
        sock.sendall(_head(body1) + body1 + _head(body2) + body2)
        answer = _read(sock, uid2.encode())
    assert answer.count(b"HTTP/1.1 200 ") == 2 and uid1.encode() in answer and uid2.encode() in answer, answer


def test_expect_continue_gets_one_interim_answer(server: Webhook) -> None:
    uid, body = _review()
    with _connect(server) as sock:
        sock.sendall(_head(body, b"Expect: 100-continue"))
        interim = _read(sock, b"\r\n\r\n")
        sock.sendall(body)
        answer = _read(sock, uid.encode())
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert answer.startswith(b"HTTP/1.1 200 ") and uid.encode() in answer, answer[:300]


def test_a_chunked_body_is_refused_with_411(server: Webhook) -> None:
    with _connect(server) as sock:
        sock.sendall(b"POST /validate HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"2\r\n{}\r\n0\r\n\r\n")
        answer = _read(sock, b"}")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 411 ") and "Content-Length" in json.loads(body)["error"], answer


def test_an_endless_head_is_refused_with_431(server: Webhook) -> None:
    with _connect(server) as sock:
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nX-Filler: " + b"a" * (MAX_HEAD + 1024))
        except OSError:
            pass  # the server may stop reading before all of it is sent
        answer = _read(sock, b"}")
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:300]
