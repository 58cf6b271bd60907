"""``crashlint fix`` never changes a node that an alias shares with another object.

The keep-alive fix for a Deployment used to land in the anchor its container shares with a
Job, so the Job got ``tail -f /dev/null`` too and never finished.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from hostile_cli import HOSTILE, crashlint

FIXTURE = HOSTILE / "anchor-shared-container.yaml"


def test_fix_into_a_shared_anchor_is_refused_with_the_reason(tmp_path: Path) -> None:
    target = tmp_path / "shared.yaml"
    shutil.copy(FIXTURE, target)
    (tmp_path / ".crashlint.yaml").write_text("")
    run = crashlint("fix", "shared.yaml", cwd=tmp_path)
    assert target.read_bytes() == FIXTURE.read_bytes()
    assert run.code == 0, run.err
    assert "fix of completes-immediately not applied" in run.err
    assert "shared through a YAML anchor (line 15)" in run.err


def test_unshared_objects_of_the_same_file_are_still_fixed(tmp_path: Path) -> None:
    target = tmp_path / "shared.yaml"
    text = FIXTURE.read_text()
    target.write_text(text.replace("            - *toolbox", "            - {name: once, image: busybox:1.36}"))
    (tmp_path / ".crashlint.yaml").write_text("")
    run = crashlint("fix", "shared.yaml", cwd=tmp_path)
    assert run.code == 1, run.err
    assert "command: [tail, -f, /dev/null]" in target.read_text() or "tail" in target.read_text()
