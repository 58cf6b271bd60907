"""What the HTML suites share: the real command line in a subprocess, and the fixture sets."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_FIXTURES = ROOT / "tests" / "fixtures" / "html" / "lint"
JOIN_CASE = ROOT / "tests" / "fixtures" / "runtime" / "corpus" / "join"
# The join case's own arguments (its expected.json): a fixed reference time, namespace and manifests.
JOIN_ARGS = ("--from", "cluster.json", "--now", "2026-03-01T12:00:00Z", "-n", "shop", "--manifests", "manifests.yaml")


@dataclass
class Run:
    code: int
    out: str
    err: str


def crashlint(*args: str, cwd: Path = ROOT) -> Run:
    """``python -m crashlint ARGS``: never a traceback, always one of the documented exit codes."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.run([sys.executable, "-m", "crashlint", *args], cwd=cwd, capture_output=True, timeout=120,
                          env=env, stdin=subprocess.DEVNULL)
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    assert proc.returncode in (0, 1, 2), (proc.returncode, err)
    return Run(proc.returncode, out, err)
