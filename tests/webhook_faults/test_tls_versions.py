"""TLS versions of the webhook: 1.3 and 1.2 negotiated, 1.1 and 1.0 refused *by the server*.

tests/webhook checks that a client capped at TLS 1.1 fails and a 1.2 client succeeds. That
failure could come from the client's own OpenSSL refusing old versions; here the same client
context first completes a TLS 1.1/1.0 handshake with a local server that allows them, so the
webhook's refusal is its own. TLS 1.3 (what current API servers negotiate) is checked too.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import webhook_rig as rig

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # TLS 1.0/1.1 constants


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rig.Server]:
    d = tmp_path_factory.mktemp("tls")
    certs = rig.make_certs(d / "certs")
    s = rig.Server(d, certs / "tls.crt", certs / "tls.key", certs / "ca.crt", workers=1)
    yield s
    s.stop(5)


def _negotiate(port: int, ctx: ssl.SSLContext) -> str | None:
    with socket.create_connection((rig.HOST, port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.version()


def _old_client(server: rig.Server, version: ssl.TLSVersion) -> ssl.SSLContext:
    ctx = rig.client_context(server.ca)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # allow the client to offer the old version at all
    ctx.minimum_version = version
    ctx.maximum_version = version
    return ctx


@pytest.mark.parametrize("version,name", [(ssl.TLSVersion.TLSv1_3, "TLSv1.3"), (ssl.TLSVersion.TLSv1_2, "TLSv1.2")],
                         ids=["TLSv1.3", "TLSv1.2"])
def test_tls_1_2_and_1_3_are_negotiated(server: rig.Server, version: ssl.TLSVersion, name: str) -> None:
    ctx = rig.client_context(server.ca, minimum_version=version, maximum_version=version)
    assert _negotiate(server.port, ctx) == name
    assert server.request("GET", "/healthz", ctx=ctx)[0] == 200


def test_default_client_gets_tls_1_3(server: rig.Server) -> None:
    assert _negotiate(server.port, rig.client_context(server.ca)) == "TLSv1.3"


def _permissive_server(certs: Path) -> tuple[socket.socket, threading.Thread]:
    """A one-connection local TLS server that accepts TLS 1.0 and 1.1 (the control)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.load_cert_chain(certs / "tls.crt", certs / "tls.key")
    listener = socket.create_server((rig.HOST, 0))
    listener.settimeout(10)

    def serve() -> None:  # one connection: the test makes exactly one
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            with ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (OSError, ssl.SSLError):
            pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return listener, t


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1], ids=["TLSv1.1", "TLSv1.0"])
def test_tls_below_1_2_is_refused_by_the_server(server: rig.Server, version: ssl.TLSVersion) -> None:
    ctx = _old_client(server, version)
    listener, t = _permissive_server(server.workdir / "certs")
    try:
        try:
            got = _negotiate(listener.getsockname()[1], ctx)
        except ssl.SSLError as exc:
            pytest.skip(f"this OpenSSL cannot speak {version.name} at all: {exc}")
        assert got == {"TLSv1_1": "TLSv1.1", "TLSv1": "TLSv1"}[version.name]  # the client can offer it
    finally:
        listener.close()
        t.join(timeout=5)
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _negotiate(server.port, ctx)
    assert server.request("GET", "/healthz")[0] == 200  # and the server is none the worse
