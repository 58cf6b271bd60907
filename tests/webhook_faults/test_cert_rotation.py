"""The serving certificate replaced while clients keep sending: no failed handshake, the new serial at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import faults_webhook


@pytest.mark.parametrize("kind", ["same-ca", "new-ca"])
def test_rotation_under_load(tmp_path: Path, kind: str) -> None:
    r = faults_webhook.rotation(tmp_path, kind, seconds=4.0, clients=4, stop_grace=5)
    assert r["failed"] == 0, r["errors"]
    assert r["handshakes_after_swap"] >= 10, r  # the swap happened under load, with new connections after it
    assert r["old_serial_after_swap"] == 0, r
    assert r["server_alive"] and r["certificate_reload_error"] is None, r
    assert r["ok"], r
