"""``crashlint certs``: a private CA and a serving certificate for the webhook's Service.

The API server verifies the webhook against the ``caBundle`` of the
ValidatingWebhookConfiguration, so a self-made CA is enough: ``ca.crt`` goes into the
caBundle, ``tls.crt``/``tls.key`` into the Secret the Deployment mounts. The CA's key is not
written (nothing needs it after signing); re-run the command to rotate. Keys are ECDSA P-256:
small, fast handshakes, accepted by every API server.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_SERVICE = "crashlint-webhook"
DEFAULT_NAMESPACE = "crashlint"
# A hundred years: far beyond any rotation policy, and far from the date overflow at year 9999.
MAX_DAYS = 36_500


def default_dns(service: str = DEFAULT_SERVICE, namespace: str = DEFAULT_NAMESPACE) -> list[str]:
    """The names the API server uses to reach a webhook Service (it dials ``<svc>.<ns>.svc``)."""
    return [service, f"{service}.{namespace}", f"{service}.{namespace}.svc", f"{service}.{namespace}.svc.cluster.local"]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def generate(dns: Sequence[str], ips: Sequence[str] = (), days: int = 365) -> tuple[bytes, bytes, bytes]:
    """(ca.crt, tls.crt, tls.key) as PEM; raises ValueError for a bad IP, no names at all or bad ``days``."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"--days must be between 1 and {MAX_DAYS}")
    if not dns and not ips:
        raise ValueError("give at least one --dns name or --ip address")
    addresses = [ipaddress.ip_address(ip) for ip in ips]
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)  # tolerate small clock skew
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("crashlint-webhook-ca")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(now + dt.timedelta(days=days + 30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in dns] + [x509.IPAddress(a) for a in addresses]
    cert = (x509.CertificateBuilder().subject_name(_name(dns[0] if dns else str(addresses[0])))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ca.public_bytes(pem), cert.public_bytes(pem), key_pem


def write(out: str, dns: Sequence[str], ips: Sequence[str] = (), days: int = 365) -> list[Path]:
    """Write ``ca.crt``, ``tls.crt`` and ``tls.key`` (mode 0600) into ``out``; returns the paths.

    Each file is written beside its target and renamed over it, so a server watching the
    directory never reads half a certificate. The temporary file is created new (``O_EXCL``,
    never following a link, mode 0600 from the first byte): a link planted under a predictable
    name in a shared directory cannot redirect the private key into someone else's file. A
    target that is itself a symbolic link is refused rather than replaced.
    """
    ca, cert, key = generate(dns, ips, days)
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    for name in ("ca.crt", "tls.key", "tls.crt"):
        if (d / name).is_symlink():
            raise ValueError(f"{d / name} is a symbolic link; refusing to write through or over it")
    paths = []
    for name, data, mode in (("ca.crt", ca, 0o644), ("tls.key", key, 0o600), ("tls.crt", cert, 0o644)):
        target = d / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=d)  # O_CREAT | O_EXCL | O_NOFOLLOW, 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                os.fchmod(fh.fileno(), mode)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
        paths.append(target)
    return paths
