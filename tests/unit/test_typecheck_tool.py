"""tools/typecheck.py checks linter/ as the package ``crashlint`` it is installed as.

Plain mypy names ``linter/a.py`` ``linter.a``, finds no ``crashlint.*`` import, and so never
checks what flows through them. These run the tool on a two-module package laid out like the
repository (``linter/`` importing itself as ``crashlint``): a type error that crosses the import
is found and named by its real path, and a clean tree passes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "typecheck.py"

SIZES = '''"""Sizes."""


def size(name: str) -> int:
    """A size."""
    return len(name)
'''


def _check(tmp_path: Path, caller: str) -> subprocess.CompletedProcess[str]:
    package = tmp_path / "linter"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "sizes.py").write_text(SIZES, encoding="utf-8")
    (package / "caller.py").write_text(caller, encoding="utf-8")
    # An empty --config-file: the test's flags only, not the repository's [tool.mypy] files list.
    return subprocess.run([sys.executable, str(TOOL), "--config-file=", "--strict", "--python-version", "3.11",
                           "--cache-dir", str(tmp_path / "cache"), "linter"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_an_error_across_a_crashlint_import_is_found_at_its_real_path(tmp_path: Path) -> None:
    caller = ('"""Caller."""\n\nfrom crashlint.sizes import size\n\n\n'
              'def label() -> str:\n    """A label."""\n    return size("web")\n')
    run = _check(tmp_path, caller)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "import-not-found" not in run.stdout, run.stdout
    assert 'linter/caller.py:8: error: Incompatible return value type (got "int", expected "str")' in run.stdout
    assert "Found 1 error in 1 file (checked 3 source files" in run.stdout


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    caller = ('"""Caller."""\n\nfrom crashlint.sizes import size\n\n\n'
              'def label() -> str:\n    """A label."""\n    return str(size("web"))\n')
    run = _check(tmp_path, caller)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success: no issues found in 3 source files" in run.stdout
