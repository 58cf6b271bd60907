"""The library never changes the process's garbage collector: the webhook's long-lived workers
and anyone embedding crashlint keep theirs. Only the one-shot CLI turns the collector off."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_lint_paths_leaves_the_collector_enabled_and_nothing_frozen() -> None:
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    report = lint_paths([str(EXAMPLES)], load_settings())
    assert report.findings  # it did load and lint something
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_the_cli_lint_runs_with_the_collector_off() -> None:
    code = ("import gc, sys\nfrom crashlint.cli import main\nrc = main(['lint', sys.argv[1], '-o', 'json'])\n"
            "print('gc enabled' if gc.isenabled() else 'gc disabled', file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "busybox-deployment.yaml")],
                         capture_output=True, text=True, timeout=60)
    assert run.stderr.strip().endswith("gc disabled"), run.stderr
