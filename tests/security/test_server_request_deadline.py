"""A client that trickles its request is cut off at the whole-request deadline, whatever its pace.

A deadline on each read never fires against a byte every half second; the server must close
such a connection once REQUEST_DEADLINE has passed since it was accepted: in the middle of a
TLS ClientHello, and in the middle of a request body (answered 408).
"""

from __future__ import annotations

import socket
import ssl
import time


from crashlint.webhook.worker import REQUEST_DEADLINE
from harness.webhook import Webhook

GIVE_UP = REQUEST_DEADLINE + 7.0  # well past the deadline: the old per-read timeout never cut these
SLACK = 2.5  # the worker checks deadlines once a second; a loaded machine adds some


def _client_hello(ctx: ssl.SSLContext) -> bytes:
    """The bytes of a real TLS ClientHello, to send one at a time."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    try:
        ctx.wrap_bio(incoming, outgoing, server_hostname="localhost").do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def _trickle(sock: socket.socket | ssl.SSLSocket, data: bytes) -> tuple[float, bytes]:
    """Send ``data`` a byte per 0.5 s until the server closes; (seconds until then, what it answered)."""
    start = time.monotonic()
    answer = b""
    sock.settimeout(0.5)
    for i in range(len(data)):
        if time.monotonic() - start > GIVE_UP:
            break
        try:
            sock.send(data[i:i + 1])
            chunk = sock.recv(4096)
        except (TimeoutError, ssl.SSLWantReadError):
            continue
        except OSError:
            break
        if not chunk:
            break
        answer += chunk
    return time.monotonic() - start, answer


def test_a_trickled_client_hello_is_cut_at_the_deadline(server: Webhook) -> None:
    hello = _client_hello(server.context())
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        seconds, _ = _trickle(sock, hello * 4)
    assert seconds < REQUEST_DEADLINE + SLACK, f"connection still open after {seconds:.1f} s"


def test_a_trickled_request_body_is_cut_at_the_deadline_with_408(server: Webhook) -> None:
    head = b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw, \
            server.context().wrap_socket(raw, server_hostname="localhost") as sock:
        sock.sendall(head)
        seconds, answer = _trickle(sock, b"{" * 4000)
    assert seconds < REQUEST_DEADLINE + SLACK, f"connection still open after {seconds:.1f} s"
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    # and the server still answers others at once
    assert server.get("/healthz")[0] == 200
