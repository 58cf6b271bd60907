"""A gunicorn ``gthread`` worker whose event loop reads each request whole before a thread sees it.

gunicorn's threaded worker gives a connection to a thread as soon as it turns readable; the
thread then blocks on the socket through the TLS handshake, the headers and the body. A
deadline on each blocking read does not help against a client that sends a byte every few
seconds (slowloris): every read succeeds in time, and a few hundred such sockets hold all
threads, so the API server's requests wait until it gives up on them.

Here the worker's event loop does all of that without blocking: it drives the TLS handshake,
buffers the request line, the headers and a ``Content-Length`` body, and hands the connection
to a thread only once the whole request is in memory, so the thread parses from the buffer and
never waits on the client. A connection that has not delivered a whole request within
:data:`REQUEST_DEADLINE` of its accept (or of the first byte of a kept-alive connection's next
request) is closed. A slow socket costs a file descriptor and a bounded buffer, never a thread.

Closing ("lingering": send FIN, read what the client still sends, then close) is done by the
event loop as well, since gunicorn's graceful close reads from the socket for up to 2 s on the
loop's own thread.
"""

from __future__ import annotations

import errno
import json
import re
import selectors
import socket
import ssl
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from gunicorn import http, util
from gunicorn import sock as gsock
from gunicorn.workers.gthread import ThreadWorker, TConn

# Seconds from accept (or from a kept-alive connection's first new byte) to a whole request:
# TLS handshake, head and body. The API server sends a review at once and waits at most its
# webhook timeout for the answer; a client still sending after this long is not the API server.
REQUEST_DEADLINE = 5.0
# Request line plus headers; the API server's are well under 1 KiB.
MAX_HEAD = 64 * 1024
# Seconds a closed connection is drained before it is dropped (RFC 9112 section 9.6).
LINGER = 2.0
DEFAULT_MAX_BODY = 8 * 1024 * 1024
# Bytes all connections of a worker may have buffered at once, as a multiple of the body limit
# (32 MiB by default): past it, a request is answered 503 instead of growing the worker's memory.
BUFFER_BODIES = 4
_CHUNK = 256 * 1024
_HEAD_END = b"\r\n\r\n"
_EXPECT_LINE = re.compile(rb"\r\nexpect:[^\r\n]*", re.IGNORECASE)


class _Refusal(Exception):
    """A request the event loop answers itself, then closes: its head is too large, it has no
    Content-Length, it is not whole by the deadline, or the worker's buffers are full."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason = status, reason


class _Conn(TConn):
    """gunicorn's connection, plus the bytes of the request being buffered."""

    def __init__(self, cfg: Any, sock: socket.socket, client: Any, server: Any,
                 linger: Callable[[_Conn], None]) -> None:
        super().__init__(cfg, sock, client, server)
        self.linger = linger
        self.buf = bytearray()
        self.deadline = 0.0
        self.events = 0  # what the event loop waits for on this socket (0: not registered)
        self.ready = False  # a whole request is in the parser's buffer: a thread may serve it
        self.body_cut = False  # the body is over the limit and was not buffered: answer, then close
        self.continued = False  # "100 Continue" was sent for the request being buffered

    def close(self, graceful: bool = False) -> None:
        if graceful:
            self.linger(self)
        else:
            util.close(self.sock)


def _request_extent(head_and_more: bytes | bytearray) -> tuple[int, int | None, bool] | None:
    """Where the first request in ``head_and_more`` ends: ``(head_end, body_length, expects_continue)``.

    None while the head is incomplete. ``body_length`` None means the framing is invalid (several
    or non-numeric ``Content-Length``): gunicorn's parser refuses such a head by itself, so it
    is handed over as it is. Raises :class:`_Refusal` for heads the worker will not wait for.

    gunicorn parses the request again; this reading only decides when it has all the bytes, so
    where the two could differ it errs towards waiting for a body (names are compared with spaces
    stripped): waiting costs no thread, while a thread that expects more bytes would block.
    """
    end = head_and_more.find(_HEAD_END, 0, MAX_HEAD + len(_HEAD_END))
    if end < 0:
        if len(head_and_more) >= MAX_HEAD:
            raise _Refusal(431, "Request Header Fields Too Large", f"request head larger than {MAX_HEAD} bytes")
        return None
    lengths: list[bytes] = []
    expects = False
    for line in bytes(head_and_more[:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip()
        if name == b"content-length":
            lengths.append(value)
        elif name == b"transfer-encoding":
            # A chunked body's end is only known by decoding it; the API server always sends a length.
            raise _Refusal(411, "Length Required", "request body without Content-Length")
        elif name == b"expect" and value.lower() == b"100-continue":
            expects = True
    head_end = end + len(_HEAD_END)
    if not lengths:
        return head_end, 0, False
    if len(lengths) > 1 or not lengths[0].isdigit():
        return head_end, None, False
    return head_end, int(lengths[0]), expects


class BufferingWorker(ThreadWorker):
    """``gthread`` with whole requests read by the event loop; see the module docstring."""

    max_body = DEFAULT_MAX_BODY

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Both in deadline order: every entry's deadline is its insertion time plus a constant.
        self._reading: dict[_Conn, None] = {}
        self._lingering: dict[_Conn, float] = {}
        self._buffered = 0  # bytes in the buffers of the connections being read
        self._budget = BUFFER_BODIES * self.max_body

    # --- gunicorn's hooks ------------------------------------------------------------------

    def accept(self, listener: socket.socket) -> None:
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._start(_Conn(self.cfg, client_sock, client_addr, listener.getsockname(), self._linger))

    def enqueue_req(self, conn: _Conn) -> None:
        """To a thread when a whole request is buffered; otherwise (a kept-alive or pipelined
        connection's next request) back to buffering."""
        if conn.ready:
            conn.ready = False
            super().enqueue_req(conn)
        else:
            self._start(conn)

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        while self._reading:
            conn = next(iter(self._reading))
            if conn.deadline > now:
                break
            if conn.parser is not None and conn.buf:
                self._refuse(conn, _Refusal(408, "Request Timeout",
                                            f"request not complete within {REQUEST_DEADLINE:g} s"))
            else:
                self._drop(conn)
        while self._lingering:
            conn, until = next(iter(self._lingering.items()))
            if until > now:
                break
            self._end_linger(conn)

    def _keepalive_after(self, conn: _Conn, keepalive: bool) -> bool:
        # An unread body over the limit would have to be drained from the socket on a thread's time.
        return not conn.body_cut and super()._keepalive_after(conn, keepalive)

    # --- buffering ---------------------------------------------------------------------------

    def _start(self, conn: _Conn) -> None:
        conn.buf = bytearray(conn.parser.unreader.take_buffered()) if conn.parser is not None else bytearray()
        conn.deadline = time.monotonic() + REQUEST_DEADLINE
        conn.continued = conn.body_cut = False
        conn.sock.setblocking(False)  # a pipelined request comes straight from a thread's blocking socket
        if not conn.initialized and self.cfg.is_ssl:
            try:
                conn.sock = gsock.ssl_context(self.cfg).wrap_socket(
                    conn.sock, server_side=True, do_handshake_on_connect=False,
                    suppress_ragged_eofs=self.cfg.suppress_ragged_eofs)
                conn.sock.setblocking(False)
            except (ssl.SSLError, OSError) as exc:
                self.log.warning("cannot set up TLS for a connection: %s", exc)
                self.nr_conns -= 1
                util.close(conn.sock)
                return
        self._reading[conn] = None
        self._buffered += len(conn.buf)
        self._advance(conn)

    def _listen(self, conn: _Conn, events: int) -> None:
        if conn.events == events:
            return
        if conn.events:
            self.poller.modify(conn.sock, events, partial(self._on_event, conn))
        else:
            self.poller.register(conn.sock, events, partial(self._on_event, conn))
        conn.events = events

    def _unlisten(self, conn: _Conn) -> None:
        if conn.events:
            try:
                self.poller.unregister(conn.sock)
            except (KeyError, ValueError, OSError):
                pass
            conn.events = 0

    def _on_event(self, conn: _Conn, _fileobj: Any) -> None:
        if conn in self._reading:
            self._advance(conn)

    def _advance(self, conn: _Conn) -> None:
        """Take the handshake and the reading as far as the client's bytes allow, never waiting."""
        try:
            if not conn.initialized:
                if self.cfg.is_ssl:
                    conn.sock.do_handshake()
                conn.initialized = True
                conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
            while len(conn.buf) <= MAX_HEAD + self.max_body:
                data = conn.sock.recv(_CHUNK)
                if not data:  # closed before sending a whole request
                    self._drop(conn)
                    return
                conn.buf += data
                self._buffered += len(data)
                if self._buffered > self._budget:
                    self._refuse(conn, _Refusal(503, "Service Unavailable", "too many request bytes in flight"))
                    return
        except ssl.SSLWantWriteError:
            self._listen(conn, selectors.EVENT_WRITE)
        except (ssl.SSLWantReadError, BlockingIOError, InterruptedError):
            self._listen(conn, selectors.EVENT_READ)
        except (ssl.SSLError, OSError) as exc:
            self.log.debug("connection dropped while reading its request: %s", exc)
            self._drop(conn)
            return
        if conn.parser is not None:
            self._decide(conn)

    def _decide(self, conn: _Conn) -> None:
        try:
            extent = _request_extent(conn.buf)
        except _Refusal as refusal:
            self._refuse(conn, refusal)
            return
        if extent is None:
            return
        head_end, length, expects = extent
        if length is not None and length > self.max_body:
            conn.body_cut = True  # the app answers 413 from the head alone
            self._hand_over(conn, conn.buf[:head_end])
            return
        if length is not None and len(conn.buf) < head_end + length:
            if expects and not conn.continued:
                conn.continued = True
                self._send_quietly(conn, b"HTTP/1.1 100 Continue\r\n\r\n")
            return
        if conn.continued:  # gunicorn would send a second "100 Continue" after the body
            head = _EXPECT_LINE.sub(b"", bytes(conn.buf[:head_end - 2])) + b"\r\n"
            self._hand_over(conn, head + conn.buf[head_end:])
        else:
            self._hand_over(conn, conn.buf)

    def _hand_over(self, conn: _Conn, data: bytes | bytearray) -> None:
        conn.parser.unreader.unread(bytes(data))
        self._stop_reading(conn)
        conn.ready = conn.data_ready = True
        self.enqueue_req(conn)

    # --- ending connections ------------------------------------------------------------------

    def _stop_reading(self, conn: _Conn) -> None:
        if conn in self._reading:
            del self._reading[conn]
            self._buffered -= len(conn.buf)
        conn.buf = bytearray()
        self._unlisten(conn)

    def _drop(self, conn: _Conn) -> None:
        self._stop_reading(conn)
        self.nr_conns -= 1
        util.close(conn.sock)

    def _refuse(self, conn: _Conn, refusal: _Refusal) -> None:
        self._stop_reading(conn)
        self.nr_conns -= 1
        body = json.dumps({"error": str(refusal)}).encode()
        self._send_quietly(conn, b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                           b"Connection: close\r\n\r\n%s" % (refusal.status, refusal.reason.encode(), len(body), body))
        self._linger(conn)

    @staticmethod
    def _send_quietly(conn: _Conn, data: bytes) -> None:
        """A short message the socket buffer takes at once; if it does not, the client misses it."""
        try:
            conn.sock.send(data)
        except (ssl.SSLError, OSError):
            pass

    def _linger(self, conn: _Conn) -> None:
        """Half-close and drain on the event loop, so unread request bytes do not turn into a reset."""
        self._unlisten(conn)
        if len(self._lingering) >= self.worker_connections:
            util.close(conn.sock)
            return
        try:
            conn.sock.setblocking(False)
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            util.close(conn.sock)
            return
        self._lingering[conn] = time.monotonic() + LINGER
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._drain, conn))
        conn.events = selectors.EVENT_READ

    def _drain(self, conn: _Conn, _fileobj: Any) -> None:
        try:
            for _ in range(16):  # a client that floods gets its turn again on the next event
                if not conn.sock.recv(_CHUNK):
                    break
            else:
                return
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError):
            return
        except OSError:
            pass
        self._end_linger(conn)

    def _end_linger(self, conn: _Conn) -> None:
        self._lingering.pop(conn, None)
        self._unlisten(conn)
        util.close(conn.sock)


def worker_class(max_body: int) -> type[BufferingWorker]:
    """The worker class for gunicorn's ``worker_class`` setting, buffering bodies up to ``max_body``."""
    return type("WebhookWorker", (BufferingWorker,), {"max_body": max_body})
