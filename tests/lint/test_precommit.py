"""The pre-commit hook, driven by the real ``pre-commit`` tool.

``pre-commit try-repo`` installs this repository (its working tree) into a fresh virtualenv, as a
user's ``.pre-commit-config.yaml`` would, and runs the ``crashlint`` hook of
``.pre-commit-hooks.yaml`` on files of a temporary git repository. The virtualenv is cached in a
per-session ``PRE_COMMIT_HOME`` so the install happens once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lint_helpers import BUSYBOX_DEPLOYMENT, BUSYBOX_IMAGE_AT, CLEAN_DEPLOYMENT, write

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("pre_commit")
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    """A user's repository with one failing and one clean manifest (and a non-manifest file)."""
    root = tmp_path / "user-repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    write(root, "k8s/toolbox.yaml", BUSYBOX_DEPLOYMENT)
    write(root, "k8s/web.yaml", CLEAN_DEPLOYMENT)
    write(root, "docs/busybox.md", BUSYBOX_DEPLOYMENT)
    return root


def _try_repo(root: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "crashlint",
                           "--files", *files], cwd=root, env=env, capture_output=True, text=True, timeout=900)


def test_hook_definition_matches_the_contract() -> None:
    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    [hook] = [h for h in hooks if h["id"] == "crashlint"]
    assert hook["entry"] == "crashlint lint"
    assert hook["language"] == "python"
    assert sorted(hook["types_or"]) == ["json", "yaml"]


def test_hook_fails_on_a_busybox_deployment(user_repo: Path, pre_commit_home: Path) -> None:
    proc = _try_repo(user_repo, pre_commit_home, "k8s/toolbox.yaml", "k8s/web.yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    line, col = BUSYBOX_IMAGE_AT
    assert f"k8s/toolbox.yaml:{line}:{col}: error [completes-immediately]" in proc.stdout
    assert not any(s.startswith("k8s/web.yaml:") for s in proc.stdout.splitlines())


def test_hook_passes_on_a_clean_deployment(user_repo: Path, pre_commit_home: Path) -> None:
    proc = _try_repo(user_repo, pre_commit_home, "k8s/web.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_hook_ignores_files_that_are_not_yaml_or_json(user_repo: Path, pre_commit_home: Path) -> None:
    proc = _try_repo(user_repo, pre_commit_home, "docs/busybox.md")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Skipped" in proc.stdout


def test_hook_passes_on_a_commit_of_non_kubernetes_files(user_repo: Path, pre_commit_home: Path) -> None:
    """A tsconfig.json with comments, a GitHub workflow and a Go template: none is a manifest (issue 10)."""
    layout = REPO / "tests" / "fixtures" / "layouts" / "mixed-repo"
    files = ["tsconfig.json", ".github/workflows/ci.yml", "hack/templates/configmap.yaml"]
    for rel in files:
        write(user_repo, rel, (layout / rel).read_text())
    subprocess.run(["git", "add", *files], cwd=user_repo, check=True)
    proc = _try_repo(user_repo, pre_commit_home, *files)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout  # pre-commit shows a passing hook's notes only with --verbose
