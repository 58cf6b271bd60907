"""One ``crashlint lint . -o json`` per repository of the shared corpus per test run.

Several test modules judge the same run of a real repository (its exit code, its errors, its
findings); linting each repository once for all of them saves a whole pass over the corpus.
Under pytest-xdist the first worker that asks for a repository lints it, holding a lock on the
repository's file in the directory that all workers of one run share (``run_tmp_path``), and
writes the result there; the others wait on the lock and read it. A run directory belongs to one
run of one tree, so the code that produced a result is the code under test.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "repos"
REPOS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []
SKIP_REASON = "needs ../shared/corpus/repos beside the checkout (README: Tests)"


@dataclass(frozen=True)
class RepoRun:
    """What ``crashlint lint . -o json`` at a repository's root printed and returned."""

    code: int
    stdout: str
    stderr: str

    @cached_property
    def report(self) -> dict[str, Any]:
        return json.loads(self.stdout)


@cache  # and a worker reads it once
def lint_repo(repo: str, run_dir: Path) -> RepoRun:
    """The run of ``repo`` in this test run: made by the first caller, read by every other."""
    results = run_dir / "corpus-lint"
    results.mkdir(exist_ok=True)
    result = results / f"{repo}.json"
    with open(results / f"{repo}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the run raises
        if not result.exists():
            proc = subprocess.run([sys.executable, "-m", "crashlint", "lint", ".", "-o", "json"], cwd=CORPUS / repo,
                                  capture_output=True, text=True, errors="replace", timeout=600,
                                  env={**os.environ, "NO_COLOR": "1"})
            partial = result.with_suffix(".partial")
            partial.write_text(json.dumps({"code": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}))
            os.replace(partial, result)  # a reader never sees half a file
    return RepoRun(**json.loads(result.read_text()))
