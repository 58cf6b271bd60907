"""Start-up pays only for what it runs: the modules each command loads, and the policy cache.

A pre-commit hook starts ``crashlint lint`` once per commit; ``bench/bench_startup.py`` measures
the time, these tests hold the causes: which modules a command imports, and that the shipped
policies come from a cache that is safe, rebuilt when a policy changes, and identical to parsing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from crashlint import cli
from crashlint.settings import policycache
from crashlint.model.findings import SEVERITIES

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "busybox-deployment.yaml"

# Runs one command as the console script does and prints the loaded modules as JSON on stderr.
MODULES_AFTER = """
import json, sys
from crashlint.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""

# Never needed to lint files: the other commands' code and the optional dependencies.
NOT_FOR_LINT = ("crashlint.runtime", "crashlint.webhook", "crashlint.fixer.apply", "crashlint.fixer.command",
                "crashlint.sources.cluster", "crashlint.sources.kubeapi", "kubernetes", "flask", "gunicorn",
                "prometheus_client", "cryptography", "ruamel", "jsonpatch")
# Not needed to lint plain manifests into text: the kustomize builder (no kustomization in the
# paths) and the other output formats.
NOT_FOR_ONE_FILE = ("crashlint.sources.kustomize.build", "crashlint.sources.kustomize.json6902",
                    "crashlint.sources.kustomize.smp", "crashlint.sources.kustomize.generators",
                    "crashlint.sources.kustomize.transformers", "crashlint.reporters.json_format",
                    "crashlint.reporters.sarif", "crashlint.reporters.junit", "crashlint.reporters.github",
                    "crashlint.reporters.html", "crashlint.reporters.htmlpage", "xml")


def _modules_after(*argv: str, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    proc = subprocess.run([sys.executable, "-c", MODULES_AFTER, *argv], capture_output=True, text=True,
                          timeout=120, env=env, check=False)
    last = json.loads(proc.stderr.strip().splitlines()[-1])
    return last["code"], set(last["modules"])


def _under(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_lint_of_one_file_loads_no_runtime_webhook_fixer_or_optional_dependency() -> None:
    code, modules = _modules_after("lint", str(EXAMPLE), "--fail-on", "never")
    assert code == 0
    assert "crashlint.engine.runner" in modules  # it did lint
    assert _under(modules, NOT_FOR_LINT) == []
    assert _under(modules, NOT_FOR_ONE_FILE) == []
    assert "crashlint.reporters.text" in modules


# Standard modules a one-file lint does without, each measured in bench/README.md ("Start-up"):
# dataclasses (with inspect, ast, dis, tokenize) wrote and compiled methods for 55 classes at import;
# hashlib loads OpenSSL; pkgutil.iter_modules imports inspect; pathlib brings urllib.parse and
# ipaddress; difflib is needed only to suggest a field name; typing (with contextlib) is read by the type
# checker only (crashlint._typing); copy (with weakref) did what model.nested.copy_data does.
NOT_AT_START = ("dataclasses", "inspect", "ast", "dis", "hashlib", "_hashlib", "pkgutil", "pathlib", "urllib",
                "ipaddress", "difflib", "importlib.resources", "zipfile", "tempfile", "shutil", "typing",
                "contextlib", "copy", "weakref")


def test_a_one_file_lint_imports_none_of_the_costly_standard_modules() -> None:
    code, modules = _modules_after("lint", str(EXAMPLE), "--fail-on", "never")
    assert code == 0 and "crashlint.engine.runner" in modules
    # What the interpreter loads before any command (an editable install's finder loads pathlib) is not the lint's.
    bare = subprocess.run([sys.executable, "-c", "import json, sys; print(json.dumps(sorted(sys.modules)))"],
                          capture_output=True, text=True, timeout=60, check=True)
    assert _under(modules - set(json.loads(bare.stdout)), NOT_AT_START) == []


def test_a_lint_loads_the_renderer_it_writes_with_and_the_builder_for_a_kustomization(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [app.yaml]\n")
    (tmp_path / "app.yaml").write_bytes(EXAMPLE.read_bytes())
    code, modules = _modules_after("lint", str(tmp_path), "-o", "junit", "--fail-on", "never")
    assert code == 0
    assert {"crashlint.reporters.junit", "crashlint.sources.kustomize.build"} <= modules
    assert _under(modules, ("crashlint.reporters.text", "crashlint.reporters.sarif", "crashlint.reporters.html")) == []


def test_the_program_ends_a_lint_without_teardown_and_loses_no_output(tmp_path: Path) -> None:
    """``python -m crashlint`` (as the console script) skips the interpreter's teardown after a lint:
    everything written is still there, to a pipe and to a file, and the exit code is the lint's."""
    many = "---\n".join(EXAMPLE.read_text().replace("name: toolbox", f"name: toolbox-{i}") for i in range(300))
    (tmp_path / "many.yaml").write_text(many)
    cmd = [sys.executable, "-m", "crashlint", "lint", str(tmp_path / "many.yaml"), "-o", "json"]
    piped = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert piped.returncode == 1
    assert len(json.loads(piped.stdout)["findings"]) >= 300
    with open(tmp_path / "out.json", "w") as out:
        to_file = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, timeout=120, check=False)
    assert to_file.returncode == 1 and (tmp_path / "out.json").read_text() == piped.stdout


def test_version_loads_nothing_of_the_linter() -> None:
    code, modules = _modules_after("--version")
    assert code == 0
    assert _under(modules, ("crashlint",)) == ["crashlint", "crashlint.cli"]
    assert _under(modules, ("yaml", "dataclasses", "typing")) == []


def test_every_command_names_an_implementation_that_exists() -> None:
    """A renamed function would otherwise surface only when someone runs that command."""
    targets = []

    def walk(parser: argparse.ArgumentParser) -> None:
        func = parser.get_default("func")
        if func is not None:
            targets.append(func)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    walk(sub)

    walk(cli.build_parser())
    named = [t.target for t in targets if isinstance(t, cli._Command)]
    assert {"crashlint.fixer.command:run", "crashlint.runtime.cli:run", "crashlint.webhook.cli:run_serve",
            "crashlint.webhook.cli:run_certs"} <= set(named)
    for target in named:
        module, _, name = target.partition(":")
        assert callable(getattr(__import__(module, fromlist=[name]), name)), target


def _parsed(parser: argparse.ArgumentParser, argv: list[str]) -> dict[str, Any]:
    """The parsed arguments, a command's implementation by name ("module:function" or the function)."""
    out = vars(parser.parse_args(argv))
    out["func"] = getattr(out["func"], "target", out["func"])
    return out


def test_commands_lists_every_command_and_one_command_parses_as_all_do() -> None:
    """main() builds only the command its command line names: the same arguments as the full parser."""
    (sub,) = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert tuple(sub.choices) == cli.COMMANDS
    for argv in (["lint", "a.yaml", "-", "-o", "json", "--fail-on", "never", "--min-severity", "info"],
                 ["rules", "-o", "json"], ["explain", "completes-immediately"], ["certs", "--out", "d"],
                 ["webhook", "serve", "--cert", "c", "--key", "k"], ["fix", "x.yaml", "--diff"]):
        assert _parsed(cli.build_parser(argv[0]), argv) == _parsed(cli.build_parser(), argv)
    (alone,) = [a for a in cli.build_parser("lint")._actions if isinstance(a, argparse._SubParsersAction)]
    assert tuple(alone.choices) == ("lint",)


def test_the_cli_spells_the_severities_as_the_model_does() -> None:
    assert cli.SEVERITY_CHOICES == SEVERITIES


# -- the policy cache ------------------------------------------------------------------------


class Counting:
    """A parser that counts its calls: a cache hit parses nothing."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, data: bytes) -> Any:
        self.calls += 1
        return json.loads(data)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache" / "crashlint"
    monkeypatch.setenv("CRASHLINT_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    src = tmp_path / "policies"
    src.mkdir()
    (src / "a.json").write_text('{"x": [1, 2.5, "three", null, true]}')
    (src / "b.json").write_text('{"nested": {"k": {"deeper": "v"}}}')
    return {"a.json": src / "a.json", "b.json": src / "b.json"}


def _paths(files: dict[str, Path]) -> dict[str, str]:
    """The files as parsed_files takes them: name -> path."""
    return {name: str(path) for name, path in files.items()}


def _only_file(directory: Path) -> Path:
    (found,) = [p for p in directory.iterdir() if p.name.startswith("policies-")]
    return found


def test_second_read_comes_from_the_cache_written_0600_in_a_0700_directory(
        cache: Path, files: dict[str, Path]) -> None:
    parse = Counting()
    first = policycache.parsed_files(_paths(files), parse, "json")
    assert parse.calls == 2
    assert first == {"a.json": {"x": [1, 2.5, "three", None, True]}, "b.json": {"nested": {"k": {"deeper": "v"}}}}
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE(_only_file(cache).stat().st_mode) == 0o600
    again = policycache.parsed_files(_paths(files), parse, "json")
    assert parse.calls == 2 and again == first
    assert [type(v) for v in again["a.json"]["x"]] == [int, float, str, type(None), bool]
    assert [p.name for p in cache.iterdir() if p.name.endswith(".tmp")] == []


def test_a_changed_file_or_another_parser_rebuilds(cache: Path, files: dict[str, Path]) -> None:
    parse = Counting()
    policycache.parsed_files(_paths(files), parse, "json")
    files["a.json"].write_text('{"x": "edited"}')
    assert policycache.parsed_files(_paths(files), parse, "json")["a.json"] == {"x": "edited"}
    assert parse.calls == 4
    policycache.parsed_files(_paths(files), parse, "json 2")
    assert parse.calls == 6
    assert policycache.parsed_files(_paths(files), parse, "json 2")["a.json"] == {"x": "edited"}
    assert parse.calls == 6


def test_an_edit_that_keeps_the_size_rebuilds(cache: Path, files: dict[str, Path]) -> None:
    """The key holds each file's checksum, not only its size: a one-character edit is seen."""
    parse = Counting()
    before = files["a.json"].read_text()
    policycache.parsed_files(_paths(files), parse, "json")
    edited = before.replace("2.5", "2.6")
    assert len(edited) == len(before) and edited != before
    files["a.json"].write_text(edited)
    assert policycache.parsed_files(_paths(files), parse, "json")["a.json"]["x"][1] == 2.6
    assert parse.calls == 4


def test_the_cache_key_is_plain_text_naming_each_file(cache: Path, files: dict[str, Path]) -> None:
    policycache.parsed_files(_paths(files), Counting(), "json")
    key = json.loads(_only_file(cache).read_bytes())["key"].splitlines()
    assert key[:2] == [f"crashlint policy cache {policycache.FORMAT}", "json"]
    assert [line.split()[:2] for line in key[2:]] == [["a.json", str(files["a.json"].stat().st_size)],
                                                       ["b.json", str(files["b.json"].stat().st_size)]]


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"\xff\xfe", b"[1, 2]", b'{"format": 1}', b"NaN",
                                     b'{"format": 1, "digest": "0", "documents": {}}',
                                     b'{"format": 2, "key": "0", "documents": {}}'])
def test_a_corrupt_or_foreign_cache_is_ignored_and_rewritten(
        cache: Path, files: dict[str, Path], garbage: bytes) -> None:
    parse = Counting()
    expected = policycache.parsed_files(_paths(files), parse, "json")
    target = _only_file(cache)
    target.write_bytes(garbage)
    assert policycache.parsed_files(_paths(files), parse, "json") == expected
    assert parse.calls == 4
    assert json.loads(target.read_bytes())["documents"] == expected


def test_a_cache_with_other_documents_under_the_right_key_is_not_used(cache: Path, files: dict[str, Path]) -> None:
    parse = Counting()
    policycache.parsed_files(_paths(files), parse, "json")
    target = _only_file(cache)
    data = json.loads(target.read_bytes())
    data["documents"] = {"a.json": {}}  # a file missing
    target.write_text(json.dumps(data))
    assert policycache.parsed_files(_paths(files), parse, "json")["b.json"] == {"nested": {"k": {"deeper": "v"}}}
    assert parse.calls == 4


def test_the_cache_file_is_never_read_or_written_through_a_symlink(
        cache: Path, files: dict[str, Path], tmp_path: Path) -> None:
    parse = Counting()
    policycache.parsed_files(_paths(files), parse, "json")
    target = _only_file(cache)
    victim = tmp_path / "victim"
    saved = target.read_bytes()
    victim.write_bytes(saved)  # a valid cache, reachable only through the link
    target.unlink()
    target.symlink_to(victim)
    assert policycache.parsed_files(_paths(files), parse, "json")["a.json"]["x"][0] == 1
    assert parse.calls == 4  # not read through the link
    assert not target.is_symlink()  # replaced by a file of ours, the link's target untouched
    assert victim.read_bytes() == saved and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_directory_that_is_a_symlink_or_writable_by_others_is_not_used(
        tmp_path: Path, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    monkeypatch.setenv("CRASHLINT_CACHE_DIR", str(link))
    parse = Counting()
    policycache.parsed_files(_paths(files), parse, "json")
    assert list(real.iterdir()) == []
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("CRASHLINT_CACHE_DIR", str(shared))
    policycache.parsed_files(_paths(files), parse, "json")
    assert list(shared.iterdir()) == []
    assert parse.calls == 4


def test_a_cache_file_writable_by_others_is_not_read(cache: Path, files: dict[str, Path]) -> None:
    parse = Counting()
    policycache.parsed_files(_paths(files), parse, "json")
    _only_file(cache).chmod(0o666)
    policycache.parsed_files(_paths(files), parse, "json")
    assert parse.calls == 4


def test_no_cache_when_turned_off_or_not_writable(
        tmp_path: Path, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRASHLINT_CACHE_DIR", "")
    parse = Counting()
    assert policycache.parsed_files(_paths(files), parse, "json")["a.json"]["x"][2] == "three"
    assert policycache.cache_dir() is None
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("CRASHLINT_CACHE_DIR", str(blocker / "crashlint"))  # cannot be created
    assert policycache.parsed_files(_paths(files), parse, "json")["b.json"] == {"nested": {"k": {"deeper": "v"}}}
    assert parse.calls == 4


def test_the_default_place_follows_xdg_then_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CRASHLINT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert policycache.cache_dir() == str(tmp_path / "xdg" / "crashlint")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert policycache.cache_dir() == str(tmp_path / "home" / ".cache" / "crashlint")


def test_documents_json_cannot_give_back_are_returned_but_not_cached(cache: Path, tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text("x")
    for odd in ({"when": datetime.date(2024, 5, 1)}, {1: "an integer key"}, {"x": float("nan")},
                {"x": [float("inf")]}, {"t": (1, 2)}):
        got = policycache.parsed_files({"d.yaml": str(tmp_path / "d.yaml")}, lambda _data, odd=odd: odd, repr(odd))
        assert got["d.yaml"] is odd
    assert [p for p in cache.iterdir() if p.name.startswith("policies-")] == []


def test_shipped_policies_from_the_cache_equal_the_parsed_ones(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The one call site: ``load_policies`` through the cache gives what parsing gives."""
    from crashlint.settings.policy import load_policies

    load = load_policies.__wrapped__  # past the per-process memo
    written = load()
    assert _only_file(cache).stat().st_size > 10_000
    from_cache = load()
    monkeypatch.setenv("CRASHLINT_CACHE_DIR", "")
    parsed = load()
    assert written == from_cache == parsed
    assert list(from_cache.knowledge) == list(parsed.knowledge) and list(from_cache.rules) == list(parsed.rules)
    assert json.dumps(from_cache.knowledge) == json.dumps(parsed.knowledge)


def test_lint_output_is_the_same_with_and_without_the_cache(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CRASHLINT_CACHE_DIR"}
    runs = []
    for setting in ("", str(tmp_path / "c"), str(tmp_path / "c")):  # off, cold, warm
        proc = subprocess.run([sys.executable, "-m", "crashlint", "lint", str(EXAMPLE), "-o", "json"],
                              capture_output=True, text=True, timeout=120, check=False,
                              env={**env, "CRASHLINT_CACHE_DIR": setting})
        runs.append((proc.returncode, proc.stdout))
    assert runs[0] == runs[1] == runs[2]
    assert runs[0][0] == 1 and json.loads(runs[0][1])["findings"]
