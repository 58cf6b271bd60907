"""The README's examples, run as printed.

Each test reads its example from ``README.md`` (found by a phrase only that example holds), so
the test fails when the README changes and the example stops working — or when the example is
reworded out of existence. Commands run in a subprocess with the ``crashlint`` of this
interpreter first on ``PATH``, the way a user's shell finds it. The manifests they run on are
``tests/fixtures/readme/repo``, copied into a fresh repository per test. Examples that need a
cluster, TLS certificates or helm (the webhook, runtime mode, ``helm template``) are run up to
the point where crashlint takes over: ``helm template … |`` becomes a file on stdin.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

from lint_helpers import FIXTURES_DIR, Run, run_cli

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
REPO_FIXTURE = FIXTURES_DIR / "readme" / "repo"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def example(containing: str, lang: str | None = None) -> str:
    """The one fenced block of the README (of language ``lang``) that contains ``containing``."""
    found = [body for fence_lang, body in _FENCE.findall(README)
             if containing in body and (lang is None or fence_lang == lang)]
    assert len(found) == 1, f"{len(found)} README examples contain {containing!r} (expected exactly one)"
    return found[0]


def commands(block: str, prefix: str = "crashlint ") -> list[str]:
    """The lines of a shell example (or of a CI ``run:``/``script:`` list) that start with ``prefix``."""
    out = []
    for line in block.splitlines():
        text = re.sub(r"^\s*(?:-\s+)?(?:run:\s*)?", "", line)
        if text.startswith(prefix):
            out.append(re.sub(r"\s+#.*$", "", text).strip())
    return out


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the README fixture as a repository (``.git`` marks its root) with the README's
    ``.crashlint.yaml`` written verbatim."""
    root = tmp_path / "repo"
    shutil.copytree(REPO_FIXTURE, root)
    (root / ".git").mkdir()
    (root / ".crashlint.yaml").write_text(example("image-tag-mutable: off", "yaml"), encoding="utf-8")
    return root


def sh(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a README command line with ``sh``, this interpreter's ``crashlint`` first on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    assert shutil.which("crashlint", path=env["PATH"]), "the crashlint console script is not installed"
    return subprocess.run(["sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def findings(run: Run) -> set[tuple[str, str]]:
    return {(f["file"], f["rule"]) for f in run.json()["findings"]}


# --- the first lines: set up and lint the bundled examples ------------------------------------

def test_first_command_lints_the_examples_and_prints_what_the_readme_shows() -> None:
    setup = example("crashlint lint examples/", "sh").strip()
    lint = setup.split("&&")[-1].strip()
    assert lint == ".venv/bin/crashlint lint examples/"
    run = sh(lint.replace(".venv/bin/", ""), ROOT)
    # "it exits 1 because the examples contain crash-prone manifests on purpose"
    assert "it exits 1" in README and run.returncode == 1, run.stderr
    shown = example("error [completes-immediately] container 'toolbox'")
    first, fix = shown.split("\n    fix: ")
    printed = " ".join(first.split()).split(" ...")[0]
    assert printed in " ".join(run.stdout.split())
    assert f"fix: {fix.strip()}" in run.stdout


def test_usage_block_lists_every_lint_option() -> None:
    usage = example("crashlint lint [PATH ...]", "")
    documented = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", usage))
    run = sh("crashlint lint --help", ROOT)
    offered = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", run.stdout)) - {"--help"}
    assert offered <= documented, f"lint options missing from the README's usage: {offered - documented}"
    assert {"--min-severity", "--fail-on", "--config", "--cluster"} <= offered


# --- Configuration ------------------------------------------------------------------------------

def test_configuration_example_is_accepted_and_every_key_acts(repo: Path) -> None:
    run = run_cli("lint", "-o", "json", "--fail-on", "never", ".", cwd=repo)
    assert run.code == 0, run.err
    got = findings(run)
    # images: match with a registry host (and a host prefix with *) names these images...
    assert ("k8s/tools.yaml", "completes-immediately") in got
    flagged = {f["object"]["name"] for f in run.json()["findings"] if f["rule"] == "completes-immediately"}
    assert flagged == {"toolbox", "debug", "debugpod"}
    # ... and not the same repository path on another registry ("mirror").
    # rules: image-tag-mutable off.
    assert not any(rule == "image-tag-mutable" for _, rule in got)
    # exclude: a directory and a basename glob.
    assert not any("vendor" in file or "generated" in file for file, _ in got)
    # min_severity: warning applies to JSON too when the config says so; the summary still counts.
    doc = run.json()
    assert all(f["severity"] != "info" for f in doc["findings"])
    assert doc["summary"]["info"] == doc["summary"]["hidden"] > 0


def test_without_the_images_entry_the_registry_images_are_unknown(repo: Path) -> None:
    config = yaml.safe_load((repo / ".crashlint.yaml").read_text())
    del config["images"]
    (repo / ".crashlint.yaml").write_text(yaml.safe_dump(config))
    run = run_cli("lint", "-o", "json", "--fail-on", "never", "k8s/tools.yaml", cwd=repo)
    assert findings(run) == set()


@pytest.mark.parametrize("cwd, paths", [
    (".", ["."]),
    (".", ["k8s/"]),
    (".", ["k8s/vendor/thirdparty.yaml", "k8s/app.generated.yaml", "k8s/tools.yaml"]),
    ("k8s", ["."]),
    ("k8s", ["vendor/thirdparty.yaml", "app.generated.yaml", "tools.yaml"]),
    ("k8s/vendor", [".", ".."]),
    ("ABS", ["k8s"]),
    ("ABS", ["k8s/vendor/thirdparty.yaml", "k8s/app.generated.yaml"]),
])
def test_exclude_is_relative_to_the_config_whatever_the_paths_and_working_directory(
        repo: Path, tmp_path: Path, cwd: str, paths: list[str]) -> None:
    if cwd == "ABS":  # absolute paths, from a directory inside the repository
        where, paths = repo / "k8s", [str(repo / p) for p in paths]
    else:
        where = repo / cwd
    run = run_cli("lint", "-o", "json", "--fail-on", "never", *paths, cwd=where)
    assert run.code == 0, run.err
    files = {Path(f["file"]).name for f in run.json()["findings"]}
    assert not files & {"thirdparty.yaml", "app.generated.yaml"}, files
    if any(p.endswith(("tools.yaml", ".", "k8s", "k8s/", "..")) for p in paths):
        assert "tools.yaml" in files  # the run did lint something


def test_exclude_of_a_config_named_with_config_is_relative_to_that_file(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "settings"
    elsewhere.mkdir()
    config = elsewhere / "crashlint.yaml"
    config.write_text("exclude: [vendor]\n")
    run = run_cli("lint", "-o", "json", "--fail-on", "never", "--config", str(config), "k8s", cwd=repo)
    # `vendor` has no `/`: a directory name at any depth, so it still applies.
    assert not any("vendor" in f for f, _ in findings(run))
    config.write_text("exclude: [k8s/vendor]\n")  # relative to settings/, which holds no k8s/
    run = run_cli("lint", "-o", "json", "--fail-on", "never", "--config", str(config), "k8s", cwd=repo)
    assert any("vendor" in f for f, _ in findings(run))


def test_suppression_annotations_example(repo: Path) -> None:
    snippet = yaml.safe_load(example("crashlint.io/ignore-reason", "yaml"))
    path = repo / "k8s" / "debug.yaml"
    obj = yaml.safe_load(path.read_text())
    obj["metadata"].update(snippet["metadata"])
    path.write_text(yaml.safe_dump(obj, sort_keys=False))
    run = run_cli("lint", "-o", "json", "--fail-on", "never", "--min-severity", "info", "k8s/debug.yaml", cwd=repo)
    doc = run.json()
    assert [f["rule"] for f in doc["findings"] if f["rule"] in ("completes-immediately", "image-tag-mutable")] == []
    # image-tag-mutable is off in the README's config: only completes-immediately is left to suppress.
    assert [(f["rule"], f["suppressed"]["reason"]) for f in doc["suppressed"]] == [
        ("completes-immediately", "debug pod, deleted after the incident")]


def test_min_severity_in_the_config_example_and_its_summary_line(repo: Path) -> None:
    assert "min_severity: warning" in example("image-tag-mutable: off", "yaml")
    run = run_cli("lint", "k8s/web.yaml", cwd=repo)
    assert "missing-memory-limit" not in run.out
    summary = run.out.strip().splitlines()[-1]
    quoted = re.search(r"\(`(\d+ info \(not listed\); --min-severity info lists them)`\)", README)
    assert quoted, "the README quotes the summary line of hidden info findings"
    assert re.search(re.escape(quoted.group(1)).replace(r"\d+", "").replace(quoted.group(1).split()[0], r"\d+", 1)
                     + "$", summary), summary
    listed = run_cli("lint", "--min-severity", "info", "k8s/web.yaml", cwd=repo)
    assert "info [missing-memory-limit]" in listed.out


# --- JSON output ----------------------------------------------------------------------------------

def test_json_output_paragraph_names_the_keys_printed(repo: Path) -> None:
    start = README.index("### JSON output")
    paragraph = README[start:README.index("\n### ", start + 1)]
    run = run_cli("lint", "-o", "json", "--fail-on", "never", "--min-severity", "info", ".", cwd=repo)
    doc = run.json()
    top = json.loads(re.search(r"`(\{\"version\": 1.*?\})`", paragraph).group(1)
                     .replace("[...]", "[]").replace("{...}", "{}"))
    assert set(top) <= set(doc) and doc["version"] == 1
    finding_keys = re.search(r"each finding with (.*?`fix`)", paragraph, re.S).group(1)
    named = set(re.findall(r"`(\w+)`", finding_keys))
    with_fix = next(f for f in doc["findings"] if "fix" in f)
    assert named - {"apiVersion", "kind", "namespace", "name"} <= set(with_fix), named - set(with_fix)
    assert set(with_fix["object"]) == {"apiVersion", "kind", "namespace", "name"} <= named
    summary_keys = set(re.findall(r"`(\w+)`", paragraph[paragraph.index("`summary` has") + 9:]))
    assert summary_keys == set(doc["summary"]), (summary_keys, set(doc["summary"]))
    assert "suppressed" in doc


# --- hooks, CI, fix, stdin --------------------------------------------------------------------------

def test_precommit_example_args_are_lint_options(repo: Path) -> None:
    block = example("# .pre-commit-config.yaml", "yaml")
    hook = yaml.safe_load(block)["repos"][0]["hooks"][0]
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks[hook["id"]]["entry"] == "crashlint lint"
    args = yaml.safe_load(re.search(r"# args: (\[.*\])", block).group(1))
    assert sh(" ".join(["crashlint", "lint", *args, "k8s/web.yaml"]), repo).returncode == 1  # a warning
    # "info findings are only counted in its summary line (`args: [--min-severity, info]` lists them too"
    (repo / ".crashlint.yaml").unlink()  # the hook's defaults, not the README config's min_severity
    hook_run = sh("crashlint lint k8s/web.yaml", repo)
    assert "info [" not in hook_run.stdout and "info (not listed)" in hook_run.stdout
    listed = yaml.safe_load(re.search(r"`args: (\[--min-severity,\s+info\])` lists them", README).group(1))
    assert "info [missing-memory-limit]" in sh(" ".join(["crashlint", "lint", *listed, "k8s/web.yaml"]), repo).stdout


def test_github_actions_example(repo: Path) -> None:
    lines = commands(example("upload-sarif", "yaml"))
    assert len(lines) == 2
    sarif_step, github_step = (sh(line, repo) for line in lines)
    assert sarif_step.returncode == 0, sarif_step.stderr  # `|| test $? -eq 1`: findings do not fail it
    sarif = json.loads((repo / "crashlint.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert github_step.returncode == 1
    assert any(line.startswith("::error file=k8s/tools.yaml,") for line in github_step.stdout.splitlines())


def test_gitlab_ci_example(repo: Path) -> None:
    lines = commands(example("reports: {junit: crashlint.xml}", "yaml"))
    assert lines == ["crashlint lint -o junit k8s/ > crashlint.xml"]
    assert sh(lines[0], repo).returncode == 1
    suite = ET.parse(repo / "crashlint.xml").getroot()
    assert suite.tag == "testsuites" and int(suite.get("failures")) >= 1


def test_fix_examples(repo: Path) -> None:
    diff_cmd, apply_cmd = commands(example("crashlint fix --diff k8s/"))
    debug, vendored = repo / "k8s" / "debug.yaml", repo / "k8s" / "vendor" / "thirdparty.yaml"
    before, vendored_before = debug.read_text(), vendored.read_text()
    diff = sh(diff_cmd, repo)
    assert diff.returncode == 1 and "+++ " in diff.stdout
    assert debug.read_text() == before  # --diff writes nothing
    assert sh(apply_cmd, repo).returncode == 1
    assert debug.read_text() != before and vendored.read_text() == vendored_before  # excluded: untouched
    assert sh(apply_cmd, repo).returncode == 0  # "Running it again changes nothing."
    after = run_cli("lint", "-o", "json", "--fail-on", "never", "k8s/debug.yaml", cwd=repo)
    assert ("k8s/debug.yaml", "completes-immediately") not in findings(after)


def test_rendered_charts_lint_from_stdin(repo: Path) -> None:
    line = example("| crashlint lint -", "sh").strip()
    render, lint = (part.strip() for part in line.split("|"))
    assert render.startswith("helm template ")
    rendered = (repo / "k8s" / "tools.yaml").read_bytes()  # what `helm template` would print
    run = run_cli(*shlex.split(lint)[1:], stdin=rendered, cwd=repo)
    assert run.code == 1 and "<stdin>:" in run.out and "completes-immediately" in run.out
