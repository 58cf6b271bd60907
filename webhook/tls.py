"""The serving TLS context, rebuilt when the mounted certificate files change.

cert-manager (or a re-run of ``crashlint certs``) rotates ``tls.crt``/``tls.key`` in place;
the kubelet swaps a Secret mount atomically through a ``..data`` symlink. The server asks for
a context per connection, so checking the files' stat signature there (a few microseconds)
picks up a rotation without a restart. A half-written pair fails to load and the previous
context keeps serving until the files are consistent again.
"""

from __future__ import annotations

import os
import ssl
import threading

# Seconds a connection may take for its TLS handshake and for each read or write. The API
# server sends a whole review at once; a client that trickles bytes (slowloris) must not hold
# a worker thread for longer than this.
IO_TIMEOUT = 5.0


class DeadlineSSLSocket(ssl.SSLSocket):
    """An SSL socket whose blocking operations time out.

    gunicorn's threaded worker switches sockets to plain blocking mode (no timeout) before the
    handshake and before every request; on this class "blocking" means "blocking for at most
    IO_TIMEOUT seconds", so one slow client costs one thread for at most that long.
    """

    @classmethod
    def _create(cls, sock, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        sock.settimeout(IO_TIMEOUT)  # bounds the handshake done on connect
        return super()._create(sock, *args, **kwargs)

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(IO_TIMEOUT)
        else:
            super().setblocking(flag)


def _signature(*paths: str) -> tuple[tuple[int, int, int], ...] | None:
    try:
        return tuple((st.st_mtime_ns, st.st_size, st.st_ino) for st in (os.stat(p) for p in paths))
    except OSError:
        return None


class ReloadingTLS:
    """A server-side SSLContext (TLS >= 1.2) for ``cert``/``key`` that follows file changes."""

    def __init__(self, cert: str, key: str) -> None:
        self.cert = cert
        self.key = key
        self.error: str | None = None
        self.reloads = 0
        self._lock = threading.Lock()
        self._sig: tuple[tuple[int, int, int], ...] | None = None
        self._context: ssl.SSLContext | None = None

    def _build(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.cert, self.key)
        ctx.set_alpn_protocols(["http/1.1"])
        ctx.sslsocket_class = DeadlineSSLSocket
        return ctx

    def context(self) -> ssl.SSLContext:
        """The current context; raises ssl.SSLError/OSError only when no pair ever loaded."""
        sig = _signature(self.cert, self.key)
        if sig is not None and sig == self._sig and self._context is not None:
            return self._context
        with self._lock:
            if sig is not None and sig == self._sig and self._context is not None:
                return self._context
            try:
                ctx = self._build()
            except (ssl.SSLError, OSError) as exc:
                self.error = f"cannot load {self.cert} / {self.key}: {exc}"
                if self._context is None:
                    raise
                return self._context
            if self._context is not None:
                self.reloads += 1
            self._context, self._sig, self.error = ctx, sig, None
            return ctx

    @property
    def loaded(self) -> bool:
        """True once a certificate pair has loaded (what readiness waits for)."""
        if self._context is None:
            try:
                self.context()
            except (ssl.SSLError, OSError):
                return False
        return True
