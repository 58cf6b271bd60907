"""Shared test helpers: lint YAML text or fixture files through the real loader and engine; and
what lets the suite run on several pytest-xdist workers at once (``-n auto`` in pyproject.toml):

* every test process (each worker, and each ``crashlint`` it starts) keeps crashlint's policy
  cache in a private temporary directory, never in the user's ``~/.cache``, and two workers
  never write the same cache file; where ``PYTHONDONTWRITEBYTECODE`` is set, the processes a
  worker starts keep their bytecode there too;
* a test marked ``timing`` (it asserts a wall-clock bound) runs while no other worker runs a test;
* the modules with the longest tests are collected first.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Before crashlint is imported: the policy cache of this process and of every crashlint it starts.
_CACHE_DIR = tempfile.mkdtemp(prefix="crashlint-test-cache-")
os.environ["CRASHLINT_CACHE_DIR"] = _CACHE_DIR
# The Python processes tests start (crashlint, gunicorn's workers, the fuzz and fault harnesses)
# would each compile the whole package again where the environment forbids writing bytecode
# (about 0.1 s of CPU per start, hundreds of starts); they keep it beside the policy cache
# instead, never in the source tree.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    os.environ["PYTHONPYCACHEPREFIX"] = os.path.join(_CACHE_DIR, "bytecode")

from crashlint.engine.api import lint_paths  # noqa: E402
from crashlint.model.report import LintReport  # noqa: E402
from crashlint.settings.config import load_settings  # noqa: E402

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
SHARED = TESTS.parent.parent / "shared"


def lint_text(tmp_path: Path, text: str, name: str = "manifest.yaml", config: dict[str, Any] | None = None) -> LintReport:
    """Write ``text`` (dedented) to a file and lint it with the shipped policies (plus ``config``)."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return lint_paths([str(path)], load_settings(raw=config or {}))


def rules_of(report: LintReport) -> list[str]:
    return [f.rule for f in report.findings]


@pytest.fixture
def lint(tmp_path: Path):
    """``lint(text, name=..., config=...)`` -> LintReport."""
    def _lint(text: str, name: str = "manifest.yaml", config: dict[str, Any] | None = None) -> LintReport:
        return lint_text(tmp_path, text, name, config)
    return _lint


# Modules with the suite's longest tests (``--durations=30``: the kustomize oracle over the corpus,
# the pre-commit hook's install, the corpus linted whole in three orders and repository by
# repository, a 70 MiB file). pytest-xdist's worksteal gives each worker a contiguous share of the
# collection and lets an idle worker take tests from the end of a busy one's queue, so tests
# collected first start at once and the run ends on short tests instead of one long one.
LONG_FIRST = (
    "tests/kustomize/test_kustomize_oracle.py",
    "tests/lint/test_precommit.py",
    "tests/repos/test_repository_layouts.py",
    "tests/repos/test_real_repos_errors_are_real.py",
    "tests/repos/test_real_repos_never_exit_2.py",
    "tests/lint/test_hostile.py",
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers per core. Many tests spend their time waiting on sockets, timers
    and child processes (the webhook's fault runs, the watcher against the fake API, pre-commit),
    so one worker per core leaves the cores idle; on 2 cores the suite took 232 s with 2 workers
    and 187 s with 4. ``timing`` tests still run alone (below)."""
    return 2 * (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules of ``LONG_FIRST`` first, in that order; every other test keeps its place."""
    rank = {module: i for i, module in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """A lint through ``cli.main`` turns the garbage collector off for the rest of its one-shot
    process; a test that runs one in-process must not leave it off for the next test of its
    worker (``tests/unit/test_library_leaves_gc_alone.py`` expects a process's default)."""
    gc.enable()


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)


def _run_dir(basetemp: Path) -> Path:
    """The directory that every pytest-xdist worker of one run shares, and no other run: the run's
    base temporary directory (a worker's own is ``<it>/popen-gwN``); without xdist, ``basetemp``."""
    return basetemp.resolve().parent if "PYTEST_XDIST_WORKER" in os.environ else basetemp


@pytest.fixture(scope="session")
def run_tmp_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary directory shared by all workers of this test run (guard what you make in it with
    a lock: the workers run at the same time)."""
    return _run_dir(tmp_path_factory.getbasetemp())


class _RunAlone:
    """Under pytest-xdist, a ``timing`` test runs while no other worker runs a test.

    Every test holds a shared lock on ``run.lock`` through setup, call and teardown; a timing test
    holds it exclusively. A turnstile (``gate.lock``), passed by every test before it starts and
    held by a timing test while it waits, stops the other workers from starting new tests in the
    meantime, so a timing test is never starved. The lock files sit in the run's base temporary
    directory, the one directory that all workers of one run, and no other run, share.

    (pytest-xdist's ``xdist_group`` marks are not used: on pytest 9.2 ``--dist loadgroup`` silently
    stops grouping, pytest-dev/pytest-xdist#1386.)
    """

    def __init__(self, directory: Path) -> None:
        import fcntl

        self._flock = fcntl.flock
        self._shared, self._exclusive, self._unlock = fcntl.LOCK_SH, fcntl.LOCK_EX, fcntl.LOCK_UN
        self._gate = os.open(directory / "gate.lock", os.O_RDWR | os.O_CREAT, 0o600)
        self._run = os.open(directory / "run.lock", os.O_RDWR | os.O_CREAT, 0o600)

    @contextmanager
    def hold(self, alone: bool) -> Iterator[None]:
        self._flock(self._gate, self._exclusive)
        if alone:
            self._flock(self._run, self._exclusive)
        else:
            self._flock(self._gate, self._unlock)
            self._flock(self._run, self._shared)
        try:
            yield
        finally:
            self._flock(self._run, self._unlock)
            if alone:
                self._flock(self._gate, self._unlock)


_run_alone: _RunAlone | None = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    global _run_alone
    basetemp = item.config.option.basetemp
    if "PYTEST_XDIST_WORKER" not in os.environ or not basetemp or os.name != "posix":
        return (yield)
    if _run_alone is None:
        _run_alone = _RunAlone(_run_dir(Path(basetemp)))
    with _run_alone.hold(alone=item.get_closest_marker("timing") is not None):
        return (yield)
