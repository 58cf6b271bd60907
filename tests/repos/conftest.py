"""The shared corpus's repositories, each linted once per test run (``corpus_runs``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from corpus_runs import RepoRun, lint_repo


@pytest.fixture(scope="session")
def repo_run(run_tmp_path: Path) -> Callable[[str], RepoRun]:
    """``repo_run(name)``: the run of ``crashlint lint . -o json`` at that repository's root."""
    return lambda repo: lint_repo(repo, run_tmp_path)
