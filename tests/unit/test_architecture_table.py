"""The README's architecture table stays true: every path it names exists, and every module and
package of ``linter/`` and ``webhook/`` is named in it (by itself or by its folder's row)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _table() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ")]


def _named_paths() -> set[str]:
    """Paths in the first column, folder rows' sub-paths taken relative to ``linter/``."""
    out: set[str] = set()
    for row in _table():
        first = row.split(" | ", 1)[0]
        for name in re.findall(r"`([^`]+)`", first):
            if name.startswith(("linter/", "webhook/", "policies/", "certs/", "tests/", "bench/", "tools/")):
                out.add(name.rstrip("/"))
            else:
                out.add("linter/" + name.rstrip("/"))
    return out


def test_every_path_in_the_table_exists() -> None:
    missing = sorted(p for p in _named_paths() if not (ROOT / p).exists())
    assert not missing, f"the architecture table names paths that do not exist: {missing}"


def test_every_module_of_the_package_is_in_the_table() -> None:
    named = _named_paths()
    table_text = "\n".join(_table())
    unnamed = []
    for source in sorted((ROOT / "linter").rglob("*.py")):
        rel = source.relative_to(ROOT).as_posix()
        if source.name in ("__init__.py", "__main__.py") or "/rules/" in rel or "/reporters/" in rel:
            continue  # a package's own files; rules and reporters are named by their folder's row
        folder = source.parent.relative_to(ROOT).as_posix()
        if rel in named or (folder in named and f"`{source.name}`" in table_text):
            continue
        unnamed.append(rel)
    assert not unnamed, f"modules the architecture table does not name: {unnamed}"
