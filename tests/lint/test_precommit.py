"""The pre-commit hook, driven by the real ``pre-commit`` tool.

A user's ``.pre-commit-config.yaml`` names this repository and a revision; ``pre-commit run``
installs it into a virtualenv of its own and runs the ``crashlint`` hook of
``.pre-commit-hooks.yaml`` on files of a temporary git repository. The revision is a snapshot of
this working tree (tracked and new, unignored files, committed into a scratch repository), so
the hook is tested as the tree stands, uncommitted edits included.

One install per test run: ``pre-commit try-repo`` keeps its environments in a throw-away store,
so each call installed crashlint again (about 18 s each). Here the snapshot and ``PRE_COMMIT_HOME``
live in the directory that all pytest-xdist workers of the run share (``run_tmp_path``): the first
worker makes the snapshot under a lock, and pre-commit's own store lock lets one install serve
every hook run of every worker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lint_helpers import BUSYBOX_DEPLOYMENT, BUSYBOX_IMAGE_AT, CLEAN_DEPLOYMENT, write

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")

_GIT_IDENTITY = ["-c", "user.name=crashlint tests", "-c", "user.email=tests@crashlint.invalid",
                 "-c", "commit.gpgsign=false"]


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *_GIT_IDENTITY, *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``lock`` (one worker at a time)."""
    fcntl = pytest.importorskip("fcntl", reason="the workers of a run share the hook through a POSIX file lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _snapshot(dest: Path) -> str:
    """Commit this working tree (tracked and new, unignored files) into a new repository ``dest``."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=REPO, check=True, capture_output=True).stdout.decode()
    for rel in filter(None, listing.split("\0")):
        src = REPO / rel
        if src.is_file() or src.is_symlink():  # a tracked file deleted in the working tree is left out
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel, follow_symlinks=False)
    _git("init", "-q", cwd=dest)
    _git("add", "-A", cwd=dest)
    _git("commit", "-q", "--no-verify", "-m", "working tree of crashlint under test", cwd=dest)
    return _git("rev-parse", "HEAD", cwd=dest).strip()


@pytest.fixture(scope="session")
def hook_source(run_tmp_path: Path) -> tuple[Path, str]:
    """A git repository holding this working tree in one commit, made once per test run: (its
    path, the commit)."""
    if not (REPO / ".git").exists():
        pytest.skip("the hook tests snapshot the working tree of a git checkout of crashlint; this is none")
    source, rev_file = run_tmp_path / "hook-source", run_tmp_path / "hook-source.rev"
    with _exclusive(run_tmp_path / "hook-source.lock"):
        if not rev_file.exists():
            shutil.rmtree(source, ignore_errors=True)  # left half-made by a worker that died
            source.mkdir()
            rev_file.write_text(_snapshot(source))
    return source, rev_file.read_text()


@pytest.fixture(scope="session")
def pre_commit_home(run_tmp_path: Path) -> Path:
    """The store of hook environments, one per test run: crashlint is installed into it once."""
    pytest.importorskip("pre_commit")
    return run_tmp_path / "pre-commit-home"


@pytest.fixture
def user_repo(tmp_path: Path, hook_source: tuple[Path, str]) -> Path:
    """A user's repository with one failing and one clean manifest (and a non-manifest file), whose
    ``.pre-commit-config.yaml`` uses the ``crashlint`` hook of this repository."""
    source, rev = hook_source
    root = tmp_path / "user-repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    write(root, ".pre-commit-config.yaml",
          f"repos:\n- repo: {source}\n  rev: {rev}\n  hooks:\n  - id: crashlint\n")
    write(root, "k8s/toolbox.yaml", BUSYBOX_DEPLOYMENT)
    write(root, "k8s/web.yaml", CLEAN_DEPLOYMENT)
    write(root, "docs/busybox.md", BUSYBOX_DEPLOYMENT)
    return root


def _run_hook(root: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "crashlint", "--files", *files],
                          cwd=root, env=env, capture_output=True, text=True, timeout=900)


def test_hook_definition_matches_the_contract() -> None:
    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    [hook] = [h for h in hooks if h["id"] == "crashlint"]
    assert hook["entry"] == "crashlint lint"
    assert hook["language"] == "python"
    assert sorted(hook["types_or"]) == ["json", "yaml"]


def test_hook_fails_on_a_busybox_deployment(user_repo: Path, pre_commit_home: Path) -> None:
    proc = _run_hook(user_repo, pre_commit_home, "k8s/toolbox.yaml", "k8s/web.yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    line, col = BUSYBOX_IMAGE_AT
    assert f"k8s/toolbox.yaml:{line}:{col}: error [completes-immediately]" in proc.stdout
    assert not any(s.startswith("k8s/web.yaml:") for s in proc.stdout.splitlines())


def test_hook_passes_on_a_clean_deployment(user_repo: Path, pre_commit_home: Path) -> None:
    proc = _run_hook(user_repo, pre_commit_home, "k8s/web.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_hook_ignores_files_that_are_not_yaml_or_json(user_repo: Path, pre_commit_home: Path) -> None:
    proc = _run_hook(user_repo, pre_commit_home, "docs/busybox.md")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Skipped" in proc.stdout


def test_hook_passes_on_a_commit_of_non_kubernetes_files(user_repo: Path, pre_commit_home: Path) -> None:
    """A tsconfig.json with comments, a GitHub workflow and a Go template: none is a manifest (issue 10)."""
    layout = REPO / "tests" / "fixtures" / "layouts" / "mixed-repo"
    files = ["tsconfig.json", ".github/workflows/ci.yml", "hack/templates/configmap.yaml"]
    for rel in files:
        write(user_repo, rel, (layout / rel).read_text())
    subprocess.run(["git", "add", *files], cwd=user_repo, check=True)
    proc = _run_hook(user_repo, pre_commit_home, *files)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout  # pre-commit shows a passing hook's notes only with --verbose
