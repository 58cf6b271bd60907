"""Drive the real ``python -m crashlint`` on hostile input, and check the contract every run keeps.

A module with a unique name (several test folders have a ``conftest.py``): the hostile and
security suites import it directly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "hostile"


@dataclass
class Outcome:
    """A finished run, with stdout kept as bytes: whether it is valid UTF-8 is part of what is tested."""

    code: int
    out: bytes
    err: str

    @property
    def text(self) -> str:
        """stdout decoded strictly: raises if the output is not valid UTF-8."""
        return self.out.decode("utf-8")


def crashlint(*args: str, cwd: Path, stdin: bytes = b"", timeout: float = 60,
              preexec: Callable[[], None] | None = None) -> Outcome:
    """Run the CLI with a strict UTF-8 stdout (as under a ``*.UTF-8`` locale) and no colour settings.

    Asserts what no input may break: no traceback, and one of the documented exit codes.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run([sys.executable, "-m", "crashlint", *args], cwd=cwd, input=stdin,
                          capture_output=True, timeout=timeout, env=env, preexec_fn=preexec)
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    assert proc.returncode in (0, 1, 2), (proc.returncode, err)
    return Outcome(proc.returncode, proc.stdout, err)


def one_line_error(outcome: Outcome) -> str:
    """The run failed with exit 2 and said why on exactly one stderr line; returns that line."""
    lines = [ln for ln in outcome.err.splitlines() if ln.strip()]
    assert outcome.code == 2, (outcome.code, outcome.err)
    assert len(lines) == 1, outcome.err
    return lines[0]
