"""The properties every input must satisfy, as plain functions that raise AssertionError.

Kept apart from the hypothesis decorators so the fast suite and ``bench/fuzz_long.py`` check
exactly the same things: no exception escapes the loader, the rules, the reporters or the
CLI; every input yields objects/findings or a LoadError that names the file and a line.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonpatch
import jsonpointer
from hypothesis import strategies as st

from crashlint import cli
from crashlint.model.report import LintReport
from crashlint.settings.config import Settings, load_settings
from crashlint.engine.runner import Engine, wanted_kinds
from crashlint.model.findings import SEVERITIES
from crashlint.model.inventory import Inventory
from crashlint.sources.limits import Limits
from crashlint.sources.loader import LoadResult, load_text
from crashlint.settings.policy import load_policies
from crashlint.reporters import RENDERERS, renderer
from crashlint.rules import all_rules

from fuzz_strategies import alias_bomb, deep_nesting, emitted_yaml, manifest, yaml_stream

RULE_CRASH = "internal error in rule"


@lru_cache(maxsize=1)
def _settings() -> Settings:
    """The shipped policies with every rule enabled as configured by default."""
    return load_settings(raw={})


@lru_cache(maxsize=1)
def _engine() -> Engine:
    return Engine(_settings())


def _strict_json(text: str) -> Any:
    """``json.loads`` that refuses NaN/Infinity, which no other JSON consumer accepts."""
    def refuse(token: str) -> Any:
        raise AssertionError(f"output is not strict JSON: contains {token}")
    return json.loads(text, parse_constant=refuse)


def check_load(name: str, raw: str | bytes) -> LoadResult:
    """The loader returns objects or errors for anything; errors name the file and a line >= 0."""
    result = load_text(name, raw)
    for err in result.errors:
        assert err.file == name, err
        assert isinstance(err.line, int) and err.line >= 0, err
        assert isinstance(err.message, str) and err.message.strip(), err
    for obj in result.objects:
        assert isinstance(obj.data, dict)
        line, column = obj.locate(())
        assert line >= 1 and column >= 1, (line, column)
    return result


def _line_count(raw: str | bytes) -> int:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return text.count("\n") + 1


def check_lint(name: str, raw: str | bytes) -> LintReport:
    """Load and lint: no rule crashes, every finding is well-formed, outputs render, fixes apply."""
    loaded = check_load(name, raw)
    settings = _settings()
    objects = [o for o in loaded.objects if o.kind in wanted_kinds(settings)]
    result = _engine().run(objects, Inventory.from_objects(objects))
    report = LintReport(result.findings, result.suppressed, loaded.errors + result.errors, 1, loaded.object_count)
    crashes = [e.message for e in result.errors if RULE_CRASH in e.message]
    assert not crashes, crashes
    known = all_rules()
    lines = _line_count(raw)
    for f in report.findings + report.suppressed:
        assert f.rule in known, f.rule
        assert f.severity in SEVERITIES, f.severity
        assert isinstance(f.line, int) and 1 <= f.line <= lines, (f.rule, f.line, lines)
        assert isinstance(f.column, int) and f.column >= 1, (f.rule, f.column)
        assert isinstance(f.message, str) and f.message, f.rule
        if f.fix:
            _check_fix_applies(f.fix, f.object, objects, f.rule)
    _check_outputs(report)
    return report


def _check_fix_applies(fix: list[dict[str, Any]], identity: dict[str, Any], objects: list[Any], rule: str) -> None:
    """A finding's fix is an RFC 6902 patch that applies to the data of the object it names."""
    candidates = [o for o in objects if o.identity() == identity]
    assert candidates, f"{rule}: finding names an object that was not linted: {identity}"
    problems = []
    for obj in candidates:
        try:
            jsonpatch.apply_patch(obj.data, fix)
            return
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError, KeyError,
                ValueError) as exc:
            problems.append(f"{type(exc).__name__}: {exc}")
    raise AssertionError(f"{rule}: fix {fix} does not apply: {problems}")


def _check_outputs(report: LintReport) -> None:
    """Every renderer works; JSON output is strict JSON and says what the report says."""
    policies = load_policies()
    outputs = {fmt: renderer(fmt)(report, policies, False) for fmt in RENDERERS}
    assert all(isinstance(out, str) for out in outputs.values())
    data = _strict_json(outputs["json"])
    assert data["version"] == 1
    assert [(f["rule"], f["line"], f["column"]) for f in data["findings"]] == \
        [(f.rule, f.line, f.column) for f in report.findings]
    assert len(data["errors"]) == len(report.errors)
    _strict_json(outputs["sarif"])


def check_cli(directory: Path, name: str, raw: str | bytes) -> int:
    """``crashlint lint FILE -o json`` exits 0/1/2 with strict JSON on stdout and no traceback."""
    config = directory / "crashlint-empty.yaml"
    if not config.exists():
        config.write_text("{}\n")
    path = directory / name
    path.write_bytes(raw.encode("utf-8") if isinstance(raw, str) else raw)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["lint", str(path), "-o", "json", "--config", str(config)])
    assert code in (0, 1, 2), code
    assert "Traceback" not in err.getvalue(), err.getvalue()
    data = _strict_json(out.getvalue())
    assert data["summary"]["files"] == 1
    if data["errors"]:
        assert code == 2, (code, data["errors"])
        assert not any(RULE_CRASH in e["message"] for e in data["errors"]), data["errors"]
        assert all(e["file"] == str(path) and e["line"] >= 0 for e in data["errors"]), data["errors"]
    return code


@lru_cache(maxsize=1)
def _scratch() -> tempfile.TemporaryDirectory[str]:
    """One scratch directory per process for the CLI target (removed at interpreter exit)."""
    return tempfile.TemporaryDirectory(prefix="crashlint-fuzz-")


def _check_cli_input(named: tuple[str, str | bytes]) -> None:
    check_cli(Path(_scratch().name), *named)


def expected_bomb_refused(expanded: int) -> bool:
    """Whether the loader's default limit must refuse a bomb that expands to ``expanded`` nodes."""
    return expanded > Limits().max_expanded_nodes



@dataclass(frozen=True)
class Case:
    """One fuzz target: a strategy and the property its examples must satisfy.

    ``cost`` scales the example count down for expensive targets, in the suite and the long run.
    """

    name: str
    strategy: st.SearchStrategy[Any]
    check: Callable[[Any], object]
    cost: int = 1


def _check_bomb(bomb: tuple[str, int]) -> None:
    text, expanded = bomb
    result = check_load("bomb.yaml", text)
    if expected_bomb_refused(expanded):
        assert not result.objects and any("alias" in e.message for e in result.errors), result.errors
    elif expanded * 3 + 50 < Limits().max_expanded_nodes:
        assert len(result.objects) == 1 and not result.errors, result.errors
    check_lint("bomb.yaml", text)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16")  # with a BOM, as editors on Windows write it


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)
json_objects = st.builds(lambda extra, kind: {"apiVersion": "v1", "kind": kind, **extra},
                         st.dictionaries(st.sampled_from(("metadata", "spec", "data", "items", "x")), json_values, max_size=4),
                         st.sampled_from(("Pod", "ConfigMap", "List", "Deployment", "Service")))

CASES = (
    Case("loader-random-bytes", st.binary(max_size=4096), lambda b: check_load("fuzz.yaml", b)),
    Case("loader-random-bytes-json", st.binary(max_size=4096), lambda b: check_load("fuzz.json", b)),
    Case("loader-yaml-grammar", yaml_stream(), lambda s: check_lint("fuzz.yaml", s), cost=2),
    Case("loader-yaml-emitted", emitted_yaml(), lambda s: check_lint("fuzz.yaml", s), cost=2),
    Case("loader-yaml-grammar-utf16", yaml_stream().map(_utf16), lambda b: check_load("fuzz.yaml", b), cost=3),
    Case("loader-json", st.one_of(json_values, json_objects).map(lambda v: json.dumps(v, indent=1)),
         lambda s: check_lint("fuzz.json", s)),
    Case("loader-json-as-yaml", json_objects.map(json.dumps), lambda s: check_lint("fuzz.yaml", s)),
    Case("loader-deep-nesting", deep_nesting(), lambda s: check_load("deep.yaml", s), cost=2),
    Case("loader-alias-bomb", alias_bomb(), _check_bomb, cost=3),
    Case("rules-k8s-shapes", manifest(), lambda m: check_lint(m[0], m[1]), cost=2),
    Case("rules-wrong-types", manifest(wrong_types=True), lambda m: check_lint(m[0], m[1]), cost=2),
    Case("cli-lint-file", st.one_of(
        st.tuples(st.sampled_from(("in.yaml", "in.json", "in.yml")), st.binary(max_size=2048)),
        st.tuples(st.just("in.yaml"), yaml_stream()),
        manifest(wrong_types=True).map(lambda m: (m[0], m[1]))), _check_cli_input, cost=3),
)
