"""Shared rig of the webhook soak and fault runs: the real server, certificates, fake cluster APIs, clients.

Everything listens on and talks to 127.0.0.1. The server is the webhook suites' one
(:class:`harness.webhook.Webhook`: ``crashlint webhook serve`` under gunicorn with TLS, as a
subprocess) configured for these runs (:class:`Server`); certificates come from ``crashlint certs`` or, when a
renewal under the *same* CA is needed (what cert-manager does), from a CA kept in memory here.
Mounted certificates can be laid out the way the kubelet mounts a Secret (``..data`` symlink
swapped atomically), so a rotation is the same file-system event as in a pod.

The scenarios that use it (``faults_webhook``, ``soak_webhook``) sit beside it; ``tests/webhook_faults``
runs short versions of them and the ``bench/`` scripts of the same names run them long.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import ssl
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakeapi import FakeAPI, closed_port_url, write_kubeconfig  # noqa: F401 - the scenarios' fake API
from harness.webhook import FIXTURES, Webhook, admission_review, fixture, make_certs  # noqa: F401 - for the scenarios

HOST = "127.0.0.1"


# --- request bodies ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Body:
    """One AdmissionReview template and the decision the server must give it."""

    name: str
    template: bytes  # contains the placeholders "UID" and "NAMESPACE"
    allowed: bool
    warned: bool  # at least one crashlint finding among the warnings

    def render(self, namespace: str = "bench") -> tuple[str, bytes]:
        uid = str(uuid.uuid4())
        return uid, self.template.replace(b'"UID"', f'"{uid}"'.encode()).replace(
            b'"NAMESPACE"', f'"{namespace}"'.encode())


def review_bytes(obj: dict[str, Any]) -> bytes:
    """An admission.k8s.io/v1 AdmissionReview of ``obj`` with UID/NAMESPACE placeholders."""
    return json.dumps(admission_review(obj, namespace="NAMESPACE", uid="UID", user="bench")).encode()


def mix(cluster: bool) -> list[Body]:
    """Denied, warned and clean objects, as the soak sends them in turn.

    ``refs`` names ConfigMaps no namespace of the fake API has: with cluster data it is denied;
    with file-only checks (no look-ups) it is allowed with a warning.
    """
    return [
        Body("denied-busybox", review_bytes(fixture("deployment-busybox.yaml")), allowed=False, warned=False),
        Body("warned-untagged", review_bytes(fixture("deployment-untagged.yaml")), allowed=True, warned=True),
        Body("clean", review_bytes(fixture("deployment-clean.yaml")), allowed=True, warned=False),
        Body("denied-pod", review_bytes(fixture("pod-naked.yaml")), allowed=False, warned=False),
        Body("refs", review_bytes(fixture("deployment-refs.yaml")), allowed=not cluster, warned=not cluster),
    ]


def refs_body() -> Body:
    return Body("refs", review_bytes(fixture("deployment-refs.yaml")), allowed=True, warned=True)


# --- certificates -----------------------------------------------------------------------------

def install_in_place(src: Path, dst: Path) -> None:
    """Rename ``src``'s ca.crt, tls.key, tls.crt over ``dst``'s one by one, as ``crashlint certs`` does.

    Between the key and the certificate the pair on disk does not match: the server must keep
    serving the previous pair until both are new.
    """
    for name in ("ca.crt", "tls.key", "tls.crt"):
        tmp = dst / f".{name}.tmp"
        tmp.write_bytes((src / name).read_bytes())
        os.replace(tmp, dst / name)


class MemoryCA:
    """A CA whose key stays in memory, to renew the serving certificate under the same CA."""

    def __init__(self) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self._key = ec.generate_private_key(ec.SECP256R1())
        self._name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crashlint-bench-ca")])
        now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
        self.cert = (x509.CertificateBuilder().subject_name(self._name).issuer_name(self._name)
                     .public_key(self._key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now).not_valid_after(now + dt.timedelta(days=2))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                     .sign(self._key, hashes.SHA256()))

    def ca_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.cert.public_bytes(serialization.Encoding.PEM)

    def issue(self) -> tuple[bytes, bytes, int]:
        """(tls.crt, tls.key, serial) of a new serving pair for localhost/127.0.0.1."""
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
        serial = x509.random_serial_number()
        cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
                .issuer_name(self._name).public_key(key.public_key()).serial_number(serial)
                .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                            x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .sign(self._key, hashes.SHA256()))
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return cert.public_bytes(serialization.Encoding.PEM), key_pem, serial


class KubeletMount:
    """A directory laid out like a Secret volume: ``tls.crt -> ..data/tls.crt``, ``..data -> ..<stamp>``.

    :meth:`publish` writes a new stamp directory and renames a new ``..data`` link over the old
    one, so both files change in one atomic step, as the kubelet's AtomicWriter does.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._n = 0

    @property
    def cert(self) -> Path:
        return self.root / "tls.crt"

    @property
    def key(self) -> Path:
        return self.root / "tls.key"

    def publish(self, files: dict[str, bytes]) -> None:
        self._n += 1
        stamp = self.root / f"..{time.strftime('%Y_%m_%d_%H_%M_%S')}.{self._n}"
        stamp.mkdir()
        for name, data in files.items():
            (stamp / name).write_bytes(data)
        tmp = self.root / "..data_tmp"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(stamp.name)
        old = (self.root / "..data").resolve() if (self.root / "..data").is_symlink() else None
        os.replace(tmp, self.root / "..data")
        for name in files:
            link = self.root / name
            if not link.is_symlink():
                link.symlink_to(f"..data/{name}")
        if old is not None and old != stamp.resolve():
            for f in old.iterdir():
                f.unlink()
            old.rmdir()


# --- the server -------------------------------------------------------------------------------

def client_context(*cafiles: Path, **options: Any) -> ssl.SSLContext:
    """A verifying client context trusting every CA in ``cafiles`` (a caBundle during a CA rotation)."""
    ctx = ssl.create_default_context()
    ctx.load_verify_locations(cadata="".join(Path(f).read_text() for f in cafiles))
    for k, v in options.items():
        setattr(ctx, k, v)
    return ctx


class Server(Webhook):
    """The webhook as the fault and soak runs start it: their own look-up budget and cache TTL,
    the shared ``crashlint.yaml``, cluster look-ups through ``kubeconfig`` (file-only without),
    ``workers``/``threads`` (None: the serve command's defaults), up within 40 s."""

    def __init__(self, workdir: Path, cert: Path, key: Path, ca: Path, *, kubeconfig: Path | None = None,
                 lookup_budget: float = 0.5, cache_ttl: float = 30.0, workers: int | None = None,
                 threads: int | None = None) -> None:
        self.workdir = workdir
        self.lookup_budget = lookup_budget
        wconf = workdir / "webhook.yaml"
        wconf.write_text(f"lookup_budget_seconds: {lookup_budget}\ncache_ttl_seconds: {cache_ttl}\n")
        cluster = ["--kubeconfig", str(kubeconfig)] if kubeconfig else ["--no-cluster"]
        sizing = [*(["--workers", str(workers)] if workers else []), *(["--threads", str(threads)] if threads else [])]
        super().__init__(cert.parent, ["--config", str(FIXTURES / "crashlint.yaml"), "--webhook-config", str(wconf),
                                       *sizing, *cluster], workdir / "server.log",
                         cert=cert, key=key, ca=ca, workers=workers, start_timeout=40.0)

    def request(self, method: str, path: str, body: bytes | None = None, ctx: ssl.SSLContext | None = None,
                headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, bytes]:
        """As :meth:`Webhook.request`, trusting ``ca`` alone unless ``ctx`` says otherwise."""
        return super().request(method, path, body, ctx or client_context(self.ca), headers, timeout)

    def stop(self, grace: float = 25.0) -> None:
        super().stop(grace)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def check_response(body: Body, uid: str, status: int, data: bytes, expect_allowed: bool | None = None) -> str | None:
    """None when the answer is the right AdmissionReview for ``body``, else what is wrong."""
    if status != 200:
        return f"HTTP {status}: {data[:200]!r}"
    try:
        resp = json.loads(data)["response"]
    except (ValueError, KeyError, TypeError):
        return f"not an AdmissionReview: {data[:200]!r}"
    if resp.get("uid") != uid:
        return f"uid {resp.get('uid')!r} != {uid!r}"
    allowed = body.allowed if expect_allowed is None else expect_allowed
    if resp.get("allowed") is not allowed:
        return f"{body.name}: allowed={resp.get('allowed')!r}, expected {allowed}"
    if body.warned and not any(w.startswith("crashlint ") for w in resp.get("warnings") or []):
        return f"{body.name}: no crashlint warning in {resp.get('warnings')!r}"
    return None
