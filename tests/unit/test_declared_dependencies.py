"""The third-party modules crashlint's own code imports are exactly its declared runtime dependencies.

A module that only arrives through another package's requirements (jsonpointer through jsonpatch,
urllib3 through kubernetes, werkzeug through flask) works until that package stops requiring it;
then an install of crashlint fails with an ImportError. A declared dependency nothing imports is
a floor nobody tests. The floors themselves are checked by ``.ci/lowest-versions``.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("linter", "webhook")
RUNTIME_EXTRAS = ("webhook", "cluster")


def _normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them (``ruamel.yaml`` == ``ruamel-yaml``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    """The distributions of ``[project] dependencies`` and of the runtime extras."""
    with open(ROOT / "pyproject.toml", "rb") as fh:
        project = tomllib.load(fh)["project"]
    reqs = list(project["dependencies"])
    for extra in RUNTIME_EXTRAS:
        reqs += project["optional-dependencies"][extra]
    names = set()
    for req in reqs:
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
        assert m, f"pyproject.toml: cannot read a name in {req!r}"
        names.add(_normalized(m[1]))
    return names


def imported() -> dict[str, set[str]]:
    """Top-level third-party module name -> the files that import it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for top in CODE_DIRS:
        for path in sorted((ROOT / top).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    name = module.split(".")[0]
                    if name not in sys.stdlib_module_names and name != "crashlint":
                        found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_imported_third_party_module_is_declared() -> None:
    dists = packages_distributions()
    wanted = declared()
    undeclared = []
    for module, files in sorted(imported().items()):
        owners = {_normalized(d) for d in dists.get(module, [])}
        assert owners, (f"{module} (imported by {sorted(files)}) is not installed: "
                        "install the package with its test and webhook extras")
        if not owners & wanted:
            undeclared.append(f"{module} (distribution {sorted(owners)}, imported by {sorted(files)})")
    assert not undeclared, "imported but not declared in pyproject.toml: " + "; ".join(undeclared)


def test_every_declared_runtime_dependency_is_imported() -> None:
    dists = packages_distributions()
    used = {_normalized(d) for module in imported() for d in dists.get(module, [])}
    assert declared() - used == set(), "declared in pyproject.toml but imported by no module"


def test_the_scan_sees_the_imports_it_is_about() -> None:
    # Function-local imports count (kubeapi.py imports kubernetes and urllib3 only when asked).
    found = imported()
    assert "linter/sources/kubeapi.py" in found["urllib3"]
    assert "linter/fixer/yamlpatch.py" in found["jsonpointer"]
    assert "yaml" in found and "crashlint" not in found and "json" not in found
