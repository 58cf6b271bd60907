"""Directory walks stay inside the given paths, and special files are refused without a read.

A symlinked directory to ``/`` made ``crashlint lint k8s/`` walk the whole filesystem; a FIFO
named as a path blocked forever and ``/dev/zero`` never ended.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from hostile_cli import crashlint

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "busybox-deployment.yaml"


def test_link_out_of_the_tree_is_noted_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(EXAMPLE, outside / "elsewhere.yaml")
    tree = tmp_path / "k8s"
    (tree / "apps").mkdir(parents=True)
    shutil.copy(EXAMPLE, tree / "apps" / "app.yaml")
    os.symlink(outside, tree / "apps" / "out")
    os.symlink("/", tree / "root")
    os.symlink("..", tree / "apps" / "up")  # inside the tree: read once, no loop
    (tmp_path / ".crashlint.yaml").write_text("")
    run = crashlint("lint", "-o", "json", "k8s", cwd=tmp_path, timeout=60)
    report = json.loads(run.text)
    assert run.code == 1 and report["errors"] == []
    assert {f["file"] for f in report["findings"]} == {os.path.join("k8s", "apps", "app.yaml")}
    notes = [ln for ln in run.err.splitlines() if "note:" in ln]
    assert len([n for n in notes if "outside the linted paths" in n]) == 2, run.err
    assert any(os.path.join("k8s", "root") in n for n in notes)


def test_link_inside_a_second_root_is_followed(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "b" / "app.yaml")
    os.symlink(tmp_path / "b", tmp_path / "a" / "b-link")
    (tmp_path / ".crashlint.yaml").write_text("")
    run = crashlint("lint", "-o", "json", "a", cwd=tmp_path)
    assert run.code == 0 and "outside the linted paths" in run.err
    run = crashlint("lint", "-o", "json", "a", "b", cwd=tmp_path)
    assert run.code == 1 and "note:" not in run.err


def test_fifo_and_devices_are_errors_not_hangs(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    shutil.copy(EXAMPLE, tmp_path / "app.yaml")
    (tmp_path / ".crashlint.yaml").write_text("")
    run = crashlint("lint", "pipe.yaml", "/dev/zero", "app.yaml", cwd=tmp_path, timeout=30)
    assert run.code == 2
    out = run.text
    assert "pipe.yaml: error [input] not a regular file" in out
    assert "/dev/zero: error [input] not a regular file" in out
    assert "completes-immediately" in out  # the rest is still linted
