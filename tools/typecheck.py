"""Run mypy on linter/ and webhook/ under the module names they are installed as.

pyproject.toml installs ``linter/`` as the package ``crashlint`` and ``webhook/`` as
``crashlint.webhook`` (setuptools ``package-dir``), and every import is absolute
(``from crashlint.model.findings import Finding``). Plain ``mypy`` cannot follow that: it names a
file by its folders (``linter/cli.py`` becomes ``linter.cli``), and an editable install reaches
``crashlint`` through an import hook, which a static checker never runs. So every ``crashlint.*``
import would be "not found" and the code behind it unchecked.

This runs mypy with the ``[tool.mypy]`` configuration (its ``files``, flags and per-module
sections) after renaming each source file's module by the ``package-dir`` table, so an import of
``crashlint.x`` resolves to the very file being checked, and messages name the real paths
(``linter/cli.py:12: error: ...``). Arguments are mypy's own; the exit status is mypy's
(0 clean, 1 errors, 2 a blocking error such as a syntax error).

Usage: ``python tools/typecheck.py [mypy options] [files]`` from the repository root.
"""

from __future__ import annotations

import sys
import time
import tomllib
from pathlib import Path

from mypy import build, util
from mypy.errors import CompileError
from mypy.fscache import FileSystemCache
from mypy.main import process_options
from mypy.modulefinder import BuildSource

ROOT = Path(__file__).resolve().parents[1]


def package_dirs() -> dict[str, str]:
    """The folder-derived module prefix (``linter``) to installed package (``crashlint``), longest first.

    Read from pyproject.toml, so a package added there is checked under its real name without an
    edit here.
    """
    with open(ROOT / "pyproject.toml", "rb") as fh:
        table: dict[str, str] = tomllib.load(fh)["tool"]["setuptools"]["package-dir"]
    by_folder = {folder.replace("/", "."): package for package, folder in table.items()}
    return dict(sorted(by_folder.items(), key=lambda item: -len(item[0])))


def rename(sources: list[BuildSource], prefixes: dict[str, str]) -> None:
    """Give each source the module name it has when installed (``linter.cli`` → ``crashlint.cli``)."""
    for source in sources:
        for folder, package in prefixes.items():
            if source.module == folder or source.module.startswith(folder + "."):
                source.module = package + source.module[len(folder):]
                break


def main(argv: list[str]) -> int:
    """Type-check and print mypy's messages and summary; return mypy's exit status."""
    started = time.perf_counter()
    fscache = FileSystemCache()
    sources, options = process_options(argv, stdout=sys.stdout, stderr=sys.stderr, fscache=fscache)
    rename(sources, package_dirs())
    blocked = False
    try:
        messages = build.build(sources, options, fscache=fscache).errors
    except CompileError as err:
        messages, blocked = err.messages, True
    for message in messages:
        print(message)
    errors, _notes, files = util.count_stats(messages)
    seconds = time.perf_counter() - started
    if errors:
        print(f"Found {errors} error{'s' * (errors != 1)} in {files} file{'s' * (files != 1)} "
              f"(checked {len(sources)} source files, {seconds:.1f} s)")
    else:
        print(f"Success: no issues found in {len(sources)} source files ({seconds:.1f} s)")
    if blocked:
        return 2
    return 1 if errors else 0


if __name__ == "__main__":
    # As mypy's own command does: exit without freeing the build's objects (seconds on a cold run).
    util.hard_exit(main(sys.argv[1:]))
