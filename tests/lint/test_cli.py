"""The CLI contract of DESIGN.md: exit codes, --fail-on, config discovery, suppression, discoverability."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from lint_helpers import (BUSYBOX_DEPLOYMENT, BUSYBOX_IMAGE_AT, CLEAN_DEPLOYMENT, FIXTURES_DIR, ISSUE2_RULES,
                          isolated_config_text, write)

# One finding of each severity, each alone in its file.
ONLY_WARNING = CLEAN_DEPLOYMENT.replace("nginx:1.27.2", "nginx:latest")
ONLY_INFO = BUSYBOX_DEPLOYMENT + '          command: ["sleep", "3600"]\n'


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    write(tmp_path, "error.yaml", BUSYBOX_DEPLOYMENT)
    write(tmp_path, "warning.yaml", ONLY_WARNING)
    write(tmp_path, "info.yaml", ONLY_INFO)
    write(tmp_path, "clean.yaml", CLEAN_DEPLOYMENT)
    return tmp_path


def _severities(run) -> list[str]:
    return [f["severity"] for f in run.json()["findings"]]


def test_severity_fixtures_produce_one_finding_each(cli, tree: Path, isolated_config: Path) -> None:
    cfg = str(isolated_config)
    assert _severities(cli("lint", "-o", "json", "--config", cfg, "error.yaml")) == ["error"]
    assert _severities(cli("lint", "-o", "json", "--config", cfg, "warning.yaml")) == ["warning"]
    assert _severities(cli("lint", "-o", "json", "--config", cfg, "info.yaml")) == ["info"]
    assert _severities(cli("lint", "-o", "json", "--config", cfg, "clean.yaml")) == []


@pytest.mark.parametrize("path, fail_on, code", [
    ("error.yaml", None, 1), ("error.yaml", "error", 1), ("error.yaml", "never", 0),
    ("warning.yaml", None, 0), ("warning.yaml", "error", 0), ("warning.yaml", "warning", 1),
    ("warning.yaml", "info", 1), ("warning.yaml", "never", 0),
    ("info.yaml", None, 0), ("info.yaml", "warning", 0), ("info.yaml", "info", 1),
    ("clean.yaml", None, 0), ("clean.yaml", "info", 0),
])
def test_fail_on_levels(cli, tree: Path, isolated_config: Path, path: str, fail_on: str | None, code: int) -> None:
    args = ["lint", "--config", str(isolated_config), path] + (["--fail-on", fail_on] if fail_on else [])
    assert cli(*args).code == code


def test_input_error_exits_2_even_with_fail_on_never(cli, tree: Path, isolated_config: Path) -> None:
    # A manifest (apiVersion and kind) that cannot be read; a file without them is skipped, not an error.
    write(tree, "broken.yaml", "apiVersion: v1\nkind: [\n")
    run = cli("lint", "--config", str(isolated_config), "--fail-on", "never", "broken.yaml", "clean.yaml")
    assert run.code == 2
    assert "broken.yaml:" in run.out


def test_usage_errors_exit_2(cli, tree: Path) -> None:
    for args in (["lint", "--fail-on", "sometimes", "clean.yaml"], ["lint", "-o", "xml", "clean.yaml"],
                 ["frobnicate"], []):
        run = cli(*args)
        assert run.code == 2, args
        assert run.err.strip(), args


def test_text_output_format_and_summary(cli, tree: Path, isolated_config: Path) -> None:
    run = cli("lint", "--config", str(isolated_config), "error.yaml", "clean.yaml")
    lines = run.out.splitlines()
    line, col = BUSYBOX_IMAGE_AT
    assert any(s.startswith(f"error.yaml:{line}:{col}: error [completes-immediately] ") for s in lines)
    assert "\033[" not in run.out  # no colour when stdout is not a terminal
    assert lines[-1].startswith("2 file(s), 2 object(s): 1 error(s), 0 warning(s), 0 info")


# --- configuration -----------------------------------------------------------------------------

def test_config_is_discovered_upwards(cli, tmp_path: Path) -> None:
    write(tmp_path, ".crashlint.yaml", isolated_config_text(completes_immediately="off"))
    work = tmp_path / "deploy" / "prod"
    write(work, "app.yaml", BUSYBOX_DEPLOYMENT)
    assert cli("lint", "-o", "json", "app.yaml", cwd=work).json()["findings"] == []
    assert cli("lint", "app.yaml", cwd=work).code == 0
    # Without the config above it, the same file fails.
    (tmp_path / ".crashlint.yaml").unlink()
    write(tmp_path, "other/.crashlint.yaml", isolated_config_text())
    assert cli("lint", str(work / "app.yaml"), cwd=tmp_path / "other").code == 1


def test_nearest_config_wins(cli, tmp_path: Path) -> None:
    write(tmp_path, ".crashlint.yaml", isolated_config_text(completes_immediately="off"))
    write(tmp_path, "team/.crashlint.yaml", isolated_config_text())
    write(tmp_path, "team/app.yaml", BUSYBOX_DEPLOYMENT)
    assert cli("lint", "app.yaml", cwd=tmp_path / "team").code == 1


def test_severity_override_and_params(cli, tmp_path: Path) -> None:
    write(tmp_path, "error.yaml", BUSYBOX_DEPLOYMENT)
    write(tmp_path, "info.yaml", ONLY_INFO)
    write(tmp_path, "sev.yaml", isolated_config_text(completes_immediately="warning"))
    run = cli("lint", "-o", "json", "--config", "sev.yaml", "error.yaml")
    assert _severities(run) == ["warning"] and run.code == 0
    assert cli("lint", "--config", "sev.yaml", "--fail-on", "warning", "error.yaml").code == 1
    # A configured severity also replaces a rule's per-finding grading (info for long sleeps).
    assert _severities(cli("lint", "-o", "json", "--config", "sev.yaml", "info.yaml")) == ["warning"]
    # Parameters: count an hour-long sleep as a keep-alive.
    write(tmp_path, "params.yaml", isolated_config_text(completes_immediately="{params: {keepalive_seconds: 3600}}"))
    assert cli("lint", "-o", "json", "--config", "params.yaml", "info.yaml").json()["findings"] == []
    assert _severities(cli("lint", "-o", "json", "--config", "params.yaml", "error.yaml")) == ["error"]


def test_exclude_globs(cli, tmp_path: Path) -> None:
    write(tmp_path, ".crashlint.yaml",
          isolated_config_text() + 'exclude: ["vendor/**", "*.generated.yaml"]\n')
    write(tmp_path, "vendor/lib/a.yaml", BUSYBOX_DEPLOYMENT)
    write(tmp_path, "apps/b.generated.yaml", BUSYBOX_DEPLOYMENT)
    write(tmp_path, "vendor/broken.yaml", "kind: [\n")  # excluded files are not even read
    write(tmp_path, "apps/c.yaml", BUSYBOX_DEPLOYMENT)
    run = cli("lint", "-o", "json", ".")
    report = run.json()
    assert {f["file"] for f in report["findings"]} == {str(Path("apps/c.yaml"))}  # no "./" prefix
    assert report["errors"] == [] and run.code == 1
    assert report["summary"]["files"] == 1  # neither excluded files nor the hidden config file


@pytest.mark.parametrize("content, needle", [
    ("rules: {no-such-rule: off}\n", "no-such-rule"),
    ("rules: {completes-immediately: fatal}\n", "severity"),
    ("rules: [completes-immediately]\n", "rules"),
    ("rulez: {}\n", "rulez"),
    ("rules: {completes-immediately: {params: 5}}\n", "params"),
    ("exclude: vendor\n", "exclude"),
    ("rules: {a: [\n", "invalid YAML"),
    ("- just\n- a list\n", "mapping"),
])
def test_bad_config_exits_2_with_a_message(cli, tmp_path: Path, content: str, needle: str) -> None:
    write(tmp_path, ".crashlint.yaml", content)
    write(tmp_path, "app.yaml", CLEAN_DEPLOYMENT)
    run = cli("lint", "app.yaml")
    assert run.code == 2
    assert ".crashlint.yaml" in run.err and needle in run.err
    assert run.out == ""


def test_missing_config_file_exits_2(cli, tmp_path: Path) -> None:
    write(tmp_path, "app.yaml", CLEAN_DEPLOYMENT)
    run = cli("lint", "--config", "nope.yaml", "app.yaml")
    assert run.code == 2 and "nope.yaml" in run.err


# --- suppression -------------------------------------------------------------------------------

def _annotated(where: str, rules: str, reason: str | None) -> str:
    """The busybox Deployment with ignore annotations on the object or on its pod template."""
    notes = f'crashlint.io/ignore: "{rules}"' + (f', crashlint.io/ignore-reason: "{reason}"' if reason else "")
    if where == "object":
        return BUSYBOX_DEPLOYMENT.replace("  name: toolbox\n", "  name: toolbox\n  annotations: {%s}\n" % notes, 1)
    return BUSYBOX_DEPLOYMENT.replace("      labels: {app: toolbox}\n",
                                      "      labels: {app: toolbox}\n      annotations: {%s}\n" % notes, 1)


@pytest.mark.parametrize("where", ["object", "template"])
def test_ignore_annotation_suppresses_with_reason(cli, tmp_path: Path, isolated_config: Path, where: str) -> None:
    write(tmp_path, "app.yaml", _annotated(where, "image-tag-mutable, completes-immediately", "debug shell, attached by hand"))
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "app.yaml")
    report = run.json()
    assert run.code == 0
    assert report["findings"] == []
    sup = [f for f in report["suppressed"] if f["rule"] == "completes-immediately"]
    assert len(sup) == 1 and sup[0]["suppressed"] == {"reason": "debug shell, attached by hand"}
    assert report["summary"]["error"] == 0
    sarif = cli("lint", "-o", "sarif", "--config", str(isolated_config), "app.yaml").json()
    schema = json.loads((FIXTURES_DIR / "schemas" / "sarif-2.1.0-rtm.5.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)  # suppressions are valid SARIF too
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "completes-immediately"]
    assert len(results) == 1
    assert results[0]["suppressions"] == [{"kind": "inSource", "justification": "debug shell, attached by hand"}]
    assert "1 suppressed" in cli("lint", "--config", str(isolated_config), "app.yaml").out


def test_ignore_annotation_of_another_rule_does_not_suppress(cli, tmp_path: Path, isolated_config: Path) -> None:
    write(tmp_path, "app.yaml", _annotated("object", "image-tag-mutable", None))
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "app.yaml")
    assert run.code == 1
    assert [f["rule"] for f in run.json()["findings"]] == ["completes-immediately"]
    assert run.json()["suppressed"] == []


def test_ignore_without_reason_is_still_marked_suppressed(cli, tmp_path: Path, isolated_config: Path) -> None:
    write(tmp_path, "app.yaml", _annotated("object", "completes-immediately", None))
    report = cli("lint", "-o", "json", "--config", str(isolated_config), "app.yaml").json()
    assert report["findings"] == []
    assert [f["rule"] for f in report["suppressed"]] == ["completes-immediately"]
    assert "suppressed" in report["suppressed"][0]


# --- discoverability ---------------------------------------------------------------------------

def test_rules_json_lists_every_rule_with_metadata(cli, tmp_path: Path) -> None:
    run = cli("rules", "-o", "json")
    assert run.code == 0
    doc = run.json()
    rows = {r["id"]: r for r in doc["rules"]}
    for rid in ISSUE2_RULES:
        assert rid in rows
        assert rows[rid]["enabled"] is True and rows[rid]["summary"]
        assert rows[rid]["severity"] in ("error", "warning", "info")
    assert rows["completes-immediately"]["severity"] == "error"
    assert rows["completes-immediately"]["cause"] == "invalid-command"
    assert rows["image-tag-mutable"]["severity"] == "warning"
    assert rows["image-pull-never"]["severity"] == "warning"
    assert rows["rejected-by-api"]["severity"] == "error"
    assert rows["image-reference-invalid"]["cause"] == "image-pull"


def test_rules_reflect_the_discovered_config(cli, tmp_path: Path) -> None:
    write(tmp_path, ".crashlint.yaml", "rules: {image-tag-mutable: off, image-pull-never: error}\n")
    rows = {r["id"]: r for r in cli("rules", "-o", "json").json()["rules"]}
    assert rows["image-tag-mutable"]["enabled"] is False
    assert rows["image-pull-never"]["severity"] == "error"
    text = cli("rules").out
    assert any(line.startswith("completes-immediately") for line in text.splitlines())


def test_explain_tells_why_an_example_and_the_fix(cli) -> None:
    run = cli("explain", "completes-immediately")
    assert run.code == 0
    out = run.out
    for needle in ("completes-immediately", "CrashLoopBackOff", "exit code 0", "busybox", "Fix", "Job"):
        assert needle in out, needle
    assert "kind: Deployment" in out  # the example manifest


@pytest.mark.parametrize("rule", ISSUE2_RULES)
def test_explain_every_issue2_rule(cli, rule: str) -> None:
    run = cli("explain", rule)
    assert run.code == 0 and run.out.startswith(rule)


def test_explain_unknown_rule_exits_2(cli) -> None:
    run = cli("explain", "no-such-rule")
    assert run.code == 2
    assert "no-such-rule" in run.err and run.out == ""
    close = cli("explain", "immediately")
    assert close.code == 2 and "completes-immediately" in close.err


def test_default_path_is_the_working_directory(cli, tmp_path: Path, isolated_config: Path) -> None:
    write(tmp_path, "k8s/app.yaml", BUSYBOX_DEPLOYMENT)
    run = cli("lint", "--config", str(isolated_config))
    assert run.code == 1 and "app.yaml:14:18:" in run.out


def test_rule_disabled_by_mapping_form(cli, tmp_path: Path) -> None:
    write(tmp_path, "app.yaml", BUSYBOX_DEPLOYMENT)
    write(tmp_path, "cfg.yaml", isolated_config_text(completes_immediately="{enabled: false}"))
    run = cli("lint", "-o", "json", "--config", "cfg.yaml", "app.yaml")
    assert run.code == 0 and run.json()["findings"] == []


def _run_on_a_tty(args: list[str], cwd: Path, env_extra: dict[str, str]) -> str:
    """Run the CLI with stdout attached to a pseudo-terminal; return what it printed."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env_extra
    proc = subprocess.Popen([sys.executable, "-m", "crashlint", *args], cwd=cwd, stdout=follower,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO once the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    assert b"Traceback" not in proc.stderr.read()
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path, isolated_config: Path) -> None:
    write(tmp_path, "app.yaml", BUSYBOX_DEPLOYMENT)
    args = ["lint", "--config", str(isolated_config), "app.yaml"]
    coloured = _run_on_a_tty(args, tmp_path, {})
    assert "\033[31m" in coloured and "completes-immediately" in coloured
    plain = _run_on_a_tty(args, tmp_path, {"NO_COLOR": "1"})
    assert "\033[" not in plain and "app.yaml:14:18: error [completes-immediately]" in plain


def test_bundled_examples_show_the_classic_and_spare_the_job(cli, tmp_path: Path) -> None:
    """The README's first command: the busybox Deployment is flagged at its image, the Job is not."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    run = cli("lint", str(examples))
    assert run.code == 1
    lines = (examples / "busybox-deployment.yaml").read_text().splitlines()
    line = next(i for i, s in enumerate(lines, 1) if s.strip().startswith("image: busybox"))
    col = lines[line - 1].index("busybox") + 1
    assert f"{examples / 'busybox-deployment.yaml'}:{line}:{col}: error [completes-immediately]" in run.out
    assert not any("one-off-job.yaml" in s and "completes-immediately" in s for s in run.out.splitlines())
    healthy = cli("lint", "-o", "json", str(examples / "healthy"))
    assert [f for f in healthy.json()["findings"] if f["rule"] in ISSUE2_RULES] == []


# --- issue 11: what users see -------------------------------------------------------------------

def _options(parser: argparse.ArgumentParser, prefix: str = "crashlint") -> Iterator[tuple[str, argparse.Action]]:
    """Every argument of every (sub-)command, with the command line that reaches it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, f"{prefix} {name}")
        else:
            yield prefix, action


def test_every_option_of_every_command_has_help_with_its_default() -> None:
    from crashlint.cli import build_parser

    parser = build_parser()
    seen = set()
    for command, action in _options(parser):
        seen.add(command)
        name = "/".join(action.option_strings) or action.dest
        assert action.help and action.help is not argparse.SUPPRESS, f"`{command}` {name} has no help"
        if action.default not in (None, False, [], argparse.SUPPRESS):
            assert "default" in _help_of(command, action), f"`{command} --help` does not give the default of {name}"
    assert {"crashlint lint", "crashlint rules", "crashlint explain", "crashlint fix", "crashlint runtime",
            "crashlint webhook serve", "crashlint certs"} <= seen


def _help_of(command: str, action: argparse.Action) -> str:
    """The help text ``command --help`` prints for ``action`` (through the parser's own formatter)."""
    from crashlint.cli import build_parser

    parser = build_parser()
    for word in command.split()[1:]:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    formatter = parser._get_formatter()
    return formatter._expand_help(action)


def test_lint_help_describes_every_option(cli) -> None:
    run = cli("lint", "--help")
    assert run.code == 0
    for option in ("--output", "--fail-on", "--min-severity", "--config", "--cluster", "--kubeconfig", "--context"):
        assert option in run.out
    text = " ".join(run.out.split())
    assert "(default: error)" in text and "(default: text)" in text and "(default: .)" in text


def test_empty_directory_says_0_manifests_found_and_exits_0(cli, tmp_path: Path, isolated_config: Path) -> None:
    (tmp_path / "empty").mkdir()
    run = cli("lint", "--config", str(isolated_config), "empty")
    assert run.code == 0
    assert "crashlint: 0 manifests found under empty: no *.yaml, *.yml or *.json file there" in run.err


def test_directory_of_non_manifests_says_0_manifests_found_and_what_was_skipped(
        cli, tmp_path: Path, isolated_config: Path) -> None:
    write(tmp_path, "docs/compose.yaml", "services:\n  web: {image: nginx}\n")
    write(tmp_path, "docs/tsconfig.json", '{"compilerOptions": {}}\n')
    run = cli("lint", "--config", str(isolated_config), "docs", "-o", "json")
    assert run.code == 0
    [line] = [s for s in run.err.splitlines() if "0 manifests" in s]
    assert line.startswith("crashlint: 0 manifests found under docs: 2 file(s) read, 2 skipped (")
    assert "compose.yaml: no document with apiVersion and kind" in line and "tsconfig.json" in line
    assert run.json()["summary"]["skipped"] == 2
    # A run that does find a manifest says nothing of the kind.
    write(tmp_path, "docs/app.yaml", CLEAN_DEPLOYMENT)
    assert "0 manifests" not in cli("lint", "--config", str(isolated_config), "docs").err


def test_empty_stdin_says_0_manifests_found(cli, isolated_config: Path) -> None:
    run = cli("lint", "--config", str(isolated_config), "-", stdin=b"# nothing yet\n")
    assert run.code == 0 and "0 manifests found in standard input" in run.err


@pytest.mark.parametrize("text, line, column", [
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n", 4, 1),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n\t b: c\n", 7, 1),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    a: b\n  \tc: d\n", 7, 3),
    ("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\n"
     "metadata:\n  name: b\n\t\tlabels: {}\n", 10, 1),
])
def test_tab_indentation_gives_line_column_and_the_word_tab(cli, tmp_path: Path, isolated_config: Path,
                                                             text: str, line: int, column: int) -> None:
    write(tmp_path, "tabs.yaml", text.encode())
    run = cli("lint", "--config", str(isolated_config), "-o", "json", "tabs.yaml")
    assert run.code == 2
    [error] = run.json()["errors"]
    assert error["line"] == line
    assert f"line {line}, column {column}: a tab indents this line" in error["message"]
    assert "only spaces" in error["message"]


def test_a_tab_that_separates_a_value_is_valid_yaml(cli, tmp_path: Path, isolated_config: Path) -> None:
    write(tmp_path, "sep.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a:\tb\n")
    run = cli("lint", "--config", str(isolated_config), "-o", "json", "sep.yaml")
    assert run.code == 0 and run.json()["errors"] == []


@pytest.mark.parametrize("output, listed", [
    ("text", False), ("github", False), ("json", True), ("sarif", True), ("junit", True)])
def test_info_findings_default_per_output(cli, tree: Path, isolated_config: Path, output: str, listed: bool) -> None:
    run = cli("lint", "--config", str(isolated_config), "-o", output, "info.yaml")
    assert run.code == 0
    assert ("completes-immediately" in run.out) is listed, run.out


def test_hidden_info_is_counted_in_the_text_summary(cli, tree: Path, isolated_config: Path) -> None:
    run = cli("lint", "--config", str(isolated_config), "info.yaml", "warning.yaml")
    assert "warning [image-tag-mutable]" in run.out and "info [" not in run.out
    assert run.out.splitlines()[-1] == ("2 file(s), 2 object(s): 0 error(s), 1 warning(s), 1 info (not listed); "
                                        "--min-severity info lists them")
    shown = cli("lint", "--config", str(isolated_config), "--min-severity", "info", "info.yaml", "warning.yaml")
    assert "info [completes-immediately]" in shown.out
    assert shown.out.splitlines()[-1] == "2 file(s), 2 object(s): 0 error(s), 1 warning(s), 1 info"


def test_min_severity_in_json_omits_and_counts(cli, tree: Path, isolated_config: Path) -> None:
    paths = ("error.yaml", "warning.yaml", "info.yaml")
    full = cli("lint", "--config", str(isolated_config), "-o", "json", *paths).json()
    assert full["summary"]["hidden"] == 0 and len(full["findings"]) == 3
    errors_only = cli("lint", "--config", str(isolated_config), "-o", "json", "--min-severity", "error", *paths).json()
    assert [f["severity"] for f in errors_only["findings"]] == ["error"]
    assert errors_only["summary"] == {**full["summary"], "hidden": 2}  # counts stay the counts of what was found


@pytest.mark.parametrize("min_severity, fail_on, listed, code", [
    ("warning", "error", {"error", "warning"}, 1),
    ("error", "warning", {"error", "warning"}, 1),  # warnings fail the run, so they are listed
    ("warning", "info", {"error", "warning", "info"}, 1),  # --fail-on info lists info findings
    ("error", "never", {"error"}, 0),
    ("info", "error", {"error", "warning", "info"}, 1),
])
def test_a_run_never_fails_on_a_finding_it_does_not_list(cli, tree: Path, isolated_config: Path, min_severity: str,
                                                        fail_on: str, listed: set[str], code: int) -> None:
    run = cli("lint", "--config", str(isolated_config), "-o", "json", "--min-severity", min_severity,
              "--fail-on", fail_on, "error.yaml", "warning.yaml", "info.yaml")
    assert {f["severity"] for f in run.json()["findings"]} == listed and run.code == code
    # Exit codes do not depend on what is listed: info alone fails --fail-on info however it is hidden.
    assert cli("lint", "--config", str(isolated_config), "--min-severity", "error", "--fail-on", "info",
               "info.yaml").code == 1


def test_min_severity_config_key_and_flag_precedence(cli, tree: Path) -> None:
    write(tree, "cfg.yaml", isolated_config_text() + "min_severity: info\n")
    assert "info [completes-immediately]" in cli("lint", "--config", "cfg.yaml", "info.yaml").out
    assert "info [" not in cli("lint", "--config", "cfg.yaml", "--min-severity", "warning", "info.yaml").out
    write(tree, "cfg.yaml", isolated_config_text() + "min_severity: error\n")
    assert cli("lint", "--config", "cfg.yaml", "-o", "json", "warning.yaml").json()["findings"] == []
    write(tree, "cfg.yaml", isolated_config_text() + "min_severity: notice\n")
    bad = cli("lint", "--config", "cfg.yaml", "info.yaml")
    assert bad.code == 2 and "min_severity must be one of error, warning, info" in bad.err


def test_a_run_whose_files_are_all_excluded_says_so(cli, tmp_path: Path) -> None:
    write(tmp_path, ".crashlint.yaml", isolated_config_text() + "exclude: [generated]\n")
    write(tmp_path, "generated/app.yaml", BUSYBOX_DEPLOYMENT)
    write(tmp_path, "generated/db.yaml", CLEAN_DEPLOYMENT)
    run = cli("lint", "generated")
    assert run.code == 0
    assert "crashlint: 0 manifests found under generated: 2 file(s) left out by `exclude` of the config" in run.err


def test_a_tab_in_the_config_is_named_with_line_and_column(cli, tmp_path: Path) -> None:
    write(tmp_path, "cfg.yaml", b"rules:\n  completes-immediately: off\n\timage-tag-mutable: off\n")
    write(tmp_path, "app.yaml", CLEAN_DEPLOYMENT)
    run = cli("lint", "--config", "cfg.yaml", "app.yaml")
    assert run.code == 2
    assert "cfg.yaml: invalid YAML in config: line 3, column 1: a tab indents this line" in run.err
