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
