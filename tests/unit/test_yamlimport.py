"""sources/yamlimport: PyYAML imported with its unused patterns compiled on first use, and nothing else changed.

Each test runs in a fresh interpreter: the test process imported PyYAML long ago.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "busybox-deployment.yaml"


def _run(code: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_the_deferred_patterns_wait_and_re_compile_is_put_back() -> None:
    got = _run("""
import json, re
compile_before = re.compile
from crashlint.sources.yamlimport import import_yaml
import_yaml()
import yaml.reader, yaml.constructor, yaml.resolver
print(json.dumps({
    "reader": type(yaml.reader.Reader.NON_PRINTABLE).__name__,
    "timestamp": type(yaml.constructor.SafeConstructor.timestamp_regexp).__name__,
    "resolver": sorted({type(r[1]).__name__ for rs in yaml.resolver.Resolver.yaml_implicit_resolvers.values() for r in rs}),
    "restored": re.compile is compile_before,
}))
""")
    assert got == {"reader": "LazyPattern", "timestamp": "LazyPattern", "resolver": ["Pattern"], "restored": True}


def test_pyyaml_reads_and_refuses_as_before_through_both_readers() -> None:
    got = _run(r"""
import json
from crashlint.sources.yamlimport import import_yaml
import_yaml()
import yaml
out = {}
for name in ("SafeLoader", "CSafeLoader"):
    loader = getattr(yaml, name)
    when = yaml.load("t: 2001-12-14t21:59:43.10-05:00", Loader=loader)["t"]
    try:
        yaml.load("a: \x07", Loader=loader)
        refused = False
    except yaml.YAMLError:
        refused = True
    out[name] = [when.isoformat(), refused]
out["compiled"] = type(yaml.reader.Reader.NON_PRINTABLE._compiled).__name__
print(json.dumps(out))
""")
    assert got["SafeLoader"] == got["CSafeLoader"] == ["2001-12-14T21:59:43.100000-05:00", True]
    assert got["compiled"] == "Pattern"  # the pure-Python reader used it: compiled then, once


def test_a_one_file_lint_never_compiles_the_readers_pattern() -> None:
    got = _run(f"""
import json, sys
from crashlint.cli import main
try:
    code = main(["lint", {str(EXAMPLE)!r}, "--fail-on", "never", "-o", "json"])
except SystemExit as exc:
    code = exc.code
import yaml.reader
print(json.dumps({{"code": code, "compiled": yaml.reader.Reader.NON_PRINTABLE._compiled is not None}}))
""")
    assert got == {"code": 0, "compiled": False}


def test_pyyaml_imported_before_is_left_as_it_is() -> None:
    got = _run("""
import json, yaml.reader
from crashlint.sources.yamlimport import import_yaml
import_yaml()
print(json.dumps({"reader": type(yaml.reader.Reader.NON_PRINTABLE).__name__}))
""")
    assert got == {"reader": "Pattern"}
