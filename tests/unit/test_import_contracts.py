"""The architecture's layers hold (``.ci/lint-imports``), and the check would notice a breach."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "lint-imports"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _run(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(root / ".ci" / "lint-imports"), "--no-cache"], cwd=root,
                          capture_output=True, text=True, timeout=120)


def test_the_contracts_are_kept() -> None:
    run = _run(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_an_upward_import_breaks_a_contract(tmp_path: Path) -> None:
    """A copy of the tree where the model imports a rule: the layers contract must fail, naming it."""
    for part in ("linter", "webhook", ".ci", "pyproject.toml"):
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / part)
    (tmp_path / ".venv").symlink_to(LINT_IMPORTS.parents[1])
    nested = tmp_path / "linter" / "model" / "nested.py"
    nested.write_text(nested.read_text() + "\nfrom crashlint.rules import all_rules  # noqa: E402,F401\n")
    run = _run(tmp_path)
    assert run.returncode != 0
    assert "crashlint.model.nested -> crashlint.rules" in run.stdout, run.stdout
