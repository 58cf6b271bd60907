"""``crashlint certs`` in a directory where someone else planted links: the private key stays ours.

The key used to be written to the predictable ``.tls.key.tmp`` with ``O_TRUNC`` and no
``O_NOFOLLOW``, so a link planted there received the private key.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hostile_cli import crashlint, one_line_error


def test_planted_temp_link_is_not_followed(tmp_path: Path) -> None:
    out, victim = tmp_path / "certs", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("someone else's file\n")
    for name in ("ca.crt", "tls.key", "tls.crt"):
        os.symlink(victim, out / f".{name}.tmp")
    run = crashlint("certs", "--out", str(out), "--dns", "hook.example.svc", cwd=tmp_path)
    assert run.code == 0, run.err
    assert victim.read_text() == "someone else's file\n"
    key = out / "tls.key"
    assert not key.is_symlink()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key.read_bytes()


def test_target_that_is_a_link_is_refused(tmp_path: Path) -> None:
    out, victim = tmp_path / "certs", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("someone else's file\n")
    os.symlink(victim, out / "tls.key")
    line = one_line_error(crashlint("certs", "--out", str(out), "--dns", "hook.example.svc", cwd=tmp_path))
    assert "symbolic link" in line
    assert victim.read_text() == "someone else's file\n"
    assert (out / "tls.key").is_symlink() and not (out / "tls.crt").exists()
