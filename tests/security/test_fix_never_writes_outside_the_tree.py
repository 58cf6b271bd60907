"""``crashlint fix`` writes only the linted files themselves: never through a link, never
outside the given paths, and it keeps each file's mode, owner and hard links.

It used to rewrite the target of a symlink (anyone's file the link pointed to) and, through a
linked directory, files outside the tree.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from hostile_cli import crashlint

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "busybox-deployment.yaml"
ARGS = ("--rule", "completes-immediately")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / ".crashlint.yaml").write_text("")
    (tmp_path / "k8s").mkdir()
    return tmp_path


def test_symlinked_file_is_not_rewritten(work: Path) -> None:
    victim = work / "victim.yaml"
    shutil.copy(EXAMPLE, victim)
    os.symlink(victim, work / "k8s" / "app.yaml")
    run = crashlint("fix", *ARGS, "k8s/app.yaml", cwd=work)
    assert run.code == 2 and "symbolic link" in run.err, run.err
    assert victim.read_bytes() == EXAMPLE.read_bytes()
    assert (work / "k8s" / "app.yaml").is_symlink()


def test_linked_directory_out_of_the_tree_is_not_rewritten(work: Path) -> None:
    outside = work / "outside"
    outside.mkdir()
    shutil.copy(EXAMPLE, outside / "app.yaml")
    os.symlink(outside, work / "k8s" / "linked")
    run = crashlint("fix", *ARGS, "k8s", cwd=work)
    assert (outside / "app.yaml").read_bytes() == EXAMPLE.read_bytes()
    assert run.code == 0 and "outside the linted paths" in run.err, run.err
    # Named explicitly, the file behind the linked directory is still refused.
    run = crashlint("fix", *ARGS, "k8s", "k8s/linked/app.yaml", cwd=work)
    assert run.code == 2 and "reached through the symbolic link k8s/linked" in run.err, run.err
    assert (outside / "app.yaml").read_bytes() == EXAMPLE.read_bytes()


def test_mode_and_hard_links_are_kept(work: Path) -> None:
    target = work / "k8s" / "app.yaml"
    shutil.copy(EXAMPLE, target)
    os.chmod(target, 0o640)
    os.link(target, work / "hardlink.yaml")
    before = os.stat(target)
    run = crashlint("fix", *ARGS, "k8s", cwd=work)
    assert run.code == 1, run.err
    after = os.stat(target)
    assert "tail" in target.read_text()
    assert (work / "hardlink.yaml").read_text() == target.read_text()  # same inode, both see the fix
    assert (after.st_ino, after.st_nlink) == (before.st_ino, 2)
    assert stat.S_IMODE(after.st_mode) == 0o640 and (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)


def test_single_link_file_is_replaced_with_its_mode(work: Path) -> None:
    target = work / "k8s" / "app.yaml"
    shutil.copy(EXAMPLE, target)
    os.chmod(target, 0o604)
    run = crashlint("fix", *ARGS, "k8s", cwd=work)
    assert run.code == 1, run.err
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o604 and "tail" in target.read_text()
    assert sorted(p.name for p in (work / "k8s").iterdir()) == ["app.yaml"]  # no temporary file left
