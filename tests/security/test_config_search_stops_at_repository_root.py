"""A ``.crashlint.yaml`` above the repository root does not apply to the repository.

The search went up to ``/``: a config planted in a parent directory (a shared ``/tmp``, a
home directory) could switch every rule off for a checkout below it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hostile_cli import crashlint

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "busybox-deployment.yaml"
ALL_OFF = "rules:\n  completes-immediately: off\n  missing-memory-limit: off\n"


@pytest.mark.parametrize("git", ["directory", "file"])
def test_parent_config_is_ignored_above_the_repository(tmp_path: Path, git: str) -> None:
    (tmp_path / ".crashlint.yaml").write_text(ALL_OFF)
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    if git == "directory":
        (repo / ".git").mkdir()
    else:  # a worktree or submodule
        (repo / ".git").write_text("gitdir: ../elsewhere\n")
    shutil.copy(EXAMPLE, repo / "k8s" / "app.yaml")
    run = crashlint("lint", "-o", "json", "app.yaml", cwd=repo / "k8s")
    assert run.code == 1 and "completes-immediately" in run.text


def test_config_inside_the_repository_still_applies(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".crashlint.yaml").write_text(ALL_OFF)
    (repo / "k8s").mkdir()
    shutil.copy(EXAMPLE, repo / "k8s" / "app.yaml")
    run = crashlint("lint", "-o", "json", "app.yaml", cwd=repo / "k8s")
    assert run.code == 0 and "completes-immediately" not in run.text
