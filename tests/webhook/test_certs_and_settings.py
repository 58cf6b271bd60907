"""``crashlint certs`` output and the webhook settings file."""

from __future__ import annotations

import ipaddress
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography import x509

from crashlint.settings.config import ConfigError
from crashlint.webhook.certs import default_dns
from crashlint.webhook.settings import ConfigWatcher, WebhookSettings, load, parse_webhook


def _certs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crashlint", "certs", *args], capture_output=True, text=True,
                          timeout=60)


def test_certs_signs_the_given_names_with_its_ca(tmp_path: Path) -> None:
    proc = _certs("--out", str(tmp_path), "--dns", "hook.example.svc", "--ip", "10.0.0.7", "--days", "30")
    assert proc.returncode == 0, proc.stderr
    ca = x509.load_pem_x509_certificate((tmp_path / "ca.crt").read_bytes())
    cert = x509.load_pem_x509_certificate((tmp_path / "tls.crt").read_bytes())
    cert.verify_directly_issued_by(ca)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["hook.example.svc"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.7")]
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert 29 <= (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 31
    assert stat.S_IMODE((tmp_path / "tls.key").stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ca.crt", "tls.crt", "tls.key"]  # the CA key is not kept


def test_certs_default_names_are_the_shipped_service(tmp_path: Path) -> None:
    assert _certs("--out", str(tmp_path)).returncode == 0
    cert = x509.load_pem_x509_certificate((tmp_path / "tls.crt").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert names == default_dns() and "crashlint-webhook.crashlint.svc" in names


def test_certs_bad_ip_is_a_usage_error(tmp_path: Path) -> None:
    proc = _certs("--out", str(tmp_path), "--ip", "10.0.0.300")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "10.0.0.300" in proc.stderr


def test_settings_defaults_and_precedence() -> None:
    wh = parse_webhook(yaml.safe_load("""
        mode: warn
        namespaces: {prod: deny, sandbox: off}
        labels: [{selector: {tier: critical}, mode: deny}]
    """))
    assert wh.mode_for("other", {}) == "warn"
    assert wh.mode_for("prod", {}) == "deny"
    assert wh.mode_for("sandbox", {}) == "off"  # YAML reads a bare `off` as false
    assert wh.mode_for("sandbox", {"tier": "critical"}) == "deny"  # a label rule wins
    assert parse_webhook(None) == WebhookSettings()
    assert WebhookSettings().excluded_namespaces == frozenset({"kube-system"})


@pytest.mark.parametrize("text,needle", [
    ("mode: block", "mode: must be one of deny, warn, off"),
    ("deny_on: fatal", "deny_on: must be one of error, warning, info"),
    ("update: sometimes", "update: must be one of changed, introduced, all"),
    ("lookup_budget_seconds: 30", "lookup_budget_seconds: must be a number between 0 and 4"),
    ("labels: [{mode: warn}]", "labels[0].selector"),
    ("skip_owned: maybe", "skip_owned: must be true or false"),
    ("surprise: 1", "unknown keys: surprise"),
    ("- a list", "must be a mapping"),
])
def test_settings_errors_name_the_key(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "webhook.yaml"
    f.write_text(text + "\n")
    with pytest.raises(ConfigError, match=needle.replace("[", r"\[").replace("]", r"\]")) as info:
        load(None, str(f))
    assert str(info.value).startswith(str(f))


def test_watcher_reloads_and_keeps_the_last_good_config(tmp_path: Path) -> None:
    f = tmp_path / "webhook.yaml"
    f.write_text("mode: deny\n")
    w = ConfigWatcher(None, str(f), interval=0.0)
    assert w.current().webhook.mode == "deny"
    f.write_text("mode: warn\n# longer file, new size\n")
    assert w.current().webhook.mode == "warn" and w.generation == 2
    f.write_text("mode: [broken\n")
    assert w.current().webhook.mode == "warn" and w.error and "invalid YAML" in w.error
