"""No private key or token is in the repository (tracked files and files about to be added).

The scanner is tested first on strings built at runtime, so a pattern that silently stopped
matching would fail here instead of passing the repository scan vacuously.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from secret_scan import repository_files, scan_files, scan_text

ROOT = Path(__file__).resolve().parents[2]
DASHES = "-" * 5


def _b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


SAMPLES = {
    "PEM private key": DASHES + "BEGIN " + "RSA " + "PRIVATE KEY" + DASHES + "\nMIIE...\n",
    "AWS access key id": "aws_access_key_id = " + "AK" + "IA" + "Q3EGVP7X2LMN4RST",
    "GitHub token": "GITHUB_TOKEN=" + "gh" + "p_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A",
    "JSON Web Token": "Authorization: Bearer " + ".".join(
        [_b64url({"alg": "RS256", "kid": "k1"}), _b64url({"sub": "system:serviceaccount:a:b"}), "c2lnbmF0dXJlLXNpZ25hdHVyZQ"]),
    "token value": "users:\n- name: admin\n  user:\n    to" + "ken: " + "k8s" + "Q2x1c3RlclRva2VuVmFsdWUxMjM0NTY3ODkw\n",
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_scanner_finds_each_kind(kind: str) -> None:
    hits = scan_text("sample", SAMPLES[kind])
    assert [h.kind for h in hits] == [kind]


@pytest.mark.parametrize("text", [
    "    token: ${KUBE_TOKEN}\n",
    "    token: <your-token-here>\n",
    "    token: REDACTED-REDACTED-REDACTED-REDACTED\n",
    "    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n",
    "    token: short\n",
    "BEGIN CERTIFICATE and PUBLIC KEY blocks are not secrets\n",
    "secretKeyRef: {name: db, key: password}\n",
    "AWS_ACCESS_KEY_ID: " + "AKIA" + "EXAMPLE" + "EXAMPLE00\n",
])
def test_scanner_ignores_placeholders_and_references(text: str) -> None:
    assert scan_text("sample", text) == []


def test_no_secret_in_repository() -> None:
    files = repository_files(ROOT)
    if files is None:
        pytest.skip("git is not available or this is not a git checkout")
    assert len(files) > 50, "git listed suspiciously few files; the scan would prove nothing"
    hits = scan_files(ROOT, files)
    assert not hits, "secrets in the repository:\n" + "\n".join(map(str, hits))
