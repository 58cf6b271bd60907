"""The serving TLS context, rebuilt when the mounted certificate files change.

cert-manager (or a re-run of ``crashlint certs``) rotates ``tls.crt``/``tls.key`` in place;
the kubelet swaps a Secret mount atomically through a ``..data`` symlink. The server asks for
a context per connection, on the worker's event loop, so that path only compares the files'
stat signature (a few microseconds; ``stat`` never opens a file). When it changed, a loader
thread reads the pair: files that are not regular (a FIFO would block the open or the read
until a writer comes) are refused without being read, and a read that hangs (a stalled network
mount) is given up on after :data:`SWAP_WAIT` while the previous context keeps serving. A
half-written pair fails to load and the previous context serves until the files are
consistent again; ``error`` says why, and readiness reports it.
"""

from __future__ import annotations

import contextlib
import os
import ssl
import stat
import tempfile
import threading
from collections.abc import Iterator

# Seconds a thread may wait on each blocking read or write of a TLS connection (writing an
# answer to a client that does not read it). Reading requests never blocks a thread: the
# worker's event loop does it (see worker.py).
IO_TIMEOUT = 5.0
# Seconds a connection waits for a changed pair to load before it is served the previous one.
SWAP_WAIT = 0.5
# Seconds serve() waits for the first pair before it gives up.
FIRST_LOAD_WAIT = 10.0
MAX_PEM_BYTES = 1024 * 1024  # a certificate chain and key are a few KiB


class DeadlineSSLSocket(ssl.SSLSocket):
    """An SSL socket whose blocking operations time out.

    gunicorn's threaded worker switches sockets to plain blocking mode (no timeout) before
    every request; on this class "blocking" means "blocking for at most IO_TIMEOUT seconds",
    so a client that stops reading its answer costs a thread at most that long.
    """

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(IO_TIMEOUT)
        else:
            super().setblocking(flag)


Signature = tuple[tuple[int, int, int, int], ...] | None


def _signature(*paths: str) -> Signature:
    try:
        return tuple((st.st_mode, st.st_mtime_ns, st.st_size, st.st_ino) for st in (os.stat(p) for p in paths))
    except OSError:
        return None


def _read_regular(path: str) -> bytes:
    """The bytes of ``path``, refusing anything but a regular file of sane size before reading it."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))  # a FIFO opens at once
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{path} is not a regular file")
        if st.st_size > MAX_PEM_BYTES:
            raise OSError(f"{path} is larger than {MAX_PEM_BYTES} bytes")
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(MAX_PEM_BYTES + 1)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _as_files(*blobs: bytes) -> Iterator[list[str]]:
    """Paths holding ``blobs``, for OpenSSL, which loads a chain and key only from files.

    In memory (``memfd``) where the system has it, so the key never touches a disk; otherwise
    in a private temporary directory removed at once.
    """
    if hasattr(os, "memfd_create"):
        fds = [os.memfd_create("crashlint-tls", os.MFD_CLOEXEC) for _ in blobs]
        try:
            for fd, blob in zip(fds, blobs):
                os.write(fd, blob)
            yield [f"/proc/self/fd/{fd}" for fd in fds]
        finally:
            for fd in fds:
                os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="crashlint-tls-") as d:
        paths = [os.path.join(d, str(i)) for i in range(len(blobs))]
        for path, blob in zip(paths, blobs):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
                fh.write(blob)
        yield paths


class ReloadingTLS:
    """A server-side SSLContext (TLS >= 1.2) for ``cert``/``key`` that follows file changes."""

    def __init__(self, cert: str, key: str) -> None:
        self.cert = cert
        self.key = key
        self.error: str | None = None
        self.reloads = 0
        self._lock = threading.Lock()
        self._context: ssl.SSLContext | None = None
        self._failure: Exception | None = None  # why the last load failed
        self._tried: Signature | object = object()  # the signature the last load was started for
        self._loader: threading.Thread | None = None

    def _build(self) -> ssl.SSLContext:
        cert, key = _read_regular(self.cert), _read_regular(self.key)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        with _as_files(cert, key) as (cert_path, key_path):
            ctx.load_cert_chain(cert_path, key_path)
        ctx.set_alpn_protocols(["http/1.1"])
        ctx.sslsocket_class = DeadlineSSLSocket
        return ctx

    def _load(self) -> None:
        """Runs on the loader thread: the files' bytes are read here, never on a connection's path."""
        try:
            ctx = self._build()
        except (ssl.SSLError, OSError, ValueError) as exc:
            with self._lock:
                self._failure = exc
                self.error = f"cannot load {self.cert} / {self.key}: {exc}"
            return
        with self._lock:
            if self._context is not None:
                self.reloads += 1
            self._context, self._failure, self.error = ctx, None, None

    def context(self, wait: float = SWAP_WAIT) -> ssl.SSLContext:
        """The current context, waiting at most ``wait`` s for a changed pair to load.

        Raises ssl.SSLError/OSError only when no pair ever loaded.
        """
        sig = _signature(self.cert, self.key)
        ctx = self._context
        if ctx is not None and sig == self._tried:
            return ctx
        started = None
        with self._lock:
            busy = self._loader is not None and self._loader.is_alive()
            if sig != self._tried and not busy:
                # One load at a time: a read stuck on a hung mount does not pile up threads.
                self._tried = sig
                started = self._loader = threading.Thread(target=self._load, name="crashlint-tls-load", daemon=True)
                started.start()
        # The connection that noticed the change waits for it (so it already gets the new pair);
        # others wait only when there is nothing to serve yet.
        waiting_for = started or (self._loader if self._context is None else None)
        if waiting_for is not None:
            waiting_for.join(wait)
            if waiting_for.is_alive():
                with self._lock:
                    self.error = f"reading {self.cert} / {self.key} takes longer than {wait:g} s"
        with self._lock:
            if self._context is None:
                raise self._failure or OSError(self.error)
            return self._context

    @property
    def loaded(self) -> bool:
        """True once a certificate pair has loaded (what readiness waits for)."""
        if self._context is None:
            try:
                self.context()
            except (ssl.SSLError, OSError):
                return False
        return True
