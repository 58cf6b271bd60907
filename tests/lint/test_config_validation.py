"""``.crashlint.yaml`` is checked when it loads, against the parameters each rule declares in
``policies/rules/<id>.yaml``: a wrong type, a value out of range, an unknown rule, an unknown
parameter or an unknown key is one configuration error naming the file, the line and the key,
and the run exits 2 before anything is linted.

Before issue 12, ``crashloop_window_seconds: abc`` reached the rule, which raised on every object:
"internal error in rule" reported as unreadable input, and the rule's real findings were gone.
Also here: a rule that raises is an internal error naming the rule and the object, with the
other rules' findings kept.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lint_helpers import BUSYBOX_DEPLOYMENT, isolated_config_text, write

from crashlint.settings.config import ConfigError, load_settings
from crashlint.settings.policy import load_policies
from crashlint.rules import all_rules

RULES_DIR = Path(__file__).resolve().parents[2] / "linter" / "rules"

# A Deployment with two findings of two rules: busybox with no command (completes-immediately)
# and a mutable tag (image-tag-mutable).
TWO_RULES = BUSYBOX_DEPLOYMENT.replace("image: busybox:1.36", "image: busybox:latest")


def _config_error(tmp_path: Path, text: str) -> str:
    cfg = tmp_path / ".crashlint.yaml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings(str(cfg))
    return str(err.value)


# --- the case, end to end ------------------------------------------------------------

def test_a_mistyped_parameter_exits_2_naming_file_line_and_key_and_lints_nothing(cli, tmp_path: Path) -> None:
    write(tmp_path, ".crashlint.yaml", """\
        # team settings
        rules:
          completes-immediately:
            params:
              crashloop_window_seconds: abc
        """)
    write(tmp_path, "app.yaml", BUSYBOX_DEPLOYMENT)
    write(tmp_path, "broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")  # would be exit 2 too
    for output in ("text", "json"):
        run = cli("lint", "-o", output, ".")
        assert run.code == 2 and run.out == ""
        assert run.err.startswith("crashlint: ") and run.err.count("\n") == 1
        assert (".crashlint.yaml:5: rules.completes-immediately.params.crashloop_window_seconds: "
                "expected a number, got 'abc'") in run.err
        assert "internal error" not in run.err and "broken.yaml" not in run.err  # nothing was linted


def test_the_same_parameter_well_typed_still_works(cli, tmp_path: Path) -> None:
    """The contrast: a number there is used (a one-hour sleep counts as a keep-alive)."""
    write(tmp_path, ".crashlint.yaml", isolated_config_text(completes_immediately="{params: {keepalive_seconds: 3600}}"))
    write(tmp_path, "app.yaml", BUSYBOX_DEPLOYMENT.replace(
        "image: busybox:1.36", "image: busybox:1.36\n          command: [sleep, '3600']"))
    run = cli("lint", "-o", "json", "app.yaml")
    assert [f["rule"] for f in run.json()["findings"]] == [] and run.code == 0
    write(tmp_path, ".crashlint.yaml", isolated_config_text(completes_immediately="{params: {keepalive_seconds: 7200}}"))
    run = cli("lint", "-o", "json", "app.yaml")
    assert [(f["rule"], f["severity"]) for f in run.json()["findings"]] == [("completes-immediately", "info")]


@pytest.mark.parametrize("text, expected", [
    # An unknown rule, with the closest id offered.
    ("rules:\n  liveness-too-aggresive: warning\n",
     ".crashlint.yaml:2: rules.liveness-too-aggresive: unknown rule (did you mean liveness-too-aggressive?"),
    ("rules:\n  image-tag-mutable: off\n  no-such-rule: off\n", ".crashlint.yaml:3: rules.no-such-rule: unknown rule"),
    # An unknown parameter, with the closest name and the ones the rule takes.
    ("rules:\n  completes-immediately:\n    params:\n      keepalive_secs: 60\n",
     ".crashlint.yaml:4: rules.completes-immediately.params.keepalive_secs: unknown parameter of "
     "completes-immediately (did you mean keepalive_seconds? it takes crashloop_window_seconds, keepalive_seconds"),
    ("rules:\n  duplicate-key: {params: {strict: true}}\n",
     ".crashlint.yaml:2: rules.duplicate-key.params.strict: unknown parameter of duplicate-key (it takes no parameters"),
    # A key a rule's mapping does not have (once silently ignored: the rule kept its severity).
    ("rules:\n  image-tag-mutable:\n    severty: error\n",
     ".crashlint.yaml:3: rules.image-tag-mutable.severty: unknown key (a rule takes enabled, severity, params)"),
    ("rules:\n  image-tag-mutable: {enabled: 'no'}\n",
     ".crashlint.yaml:2: rules.image-tag-mutable.enabled: must be true or false"),
    ("rules:\n  image-tag-mutable: fatal\n", ".crashlint.yaml:2: rules.image-tag-mutable: severity must be one of"),
    # Out of range.
    ("rules:\n  heap-exceeds-memory-limit:\n    params: {warn_ratio: 1.5}\n",
     ".crashlint.yaml:3: rules.heap-exceeds-memory-limit.params.warn_ratio: must be at most 1, got 1.5"),
    ("rules:\n  liveness-too-aggressive:\n    params:\n      min_failure_threshold: 0\n",
     ".crashlint.yaml:4: rules.liveness-too-aggressive.params.min_failure_threshold: must be at least 1, got 0"),
    ("rules:\n  completes-immediately:\n    params:\n      crashloop_window_seconds: -5\n",
     "crashloop_window_seconds: must be at least 0, got -5"),
    ("rules:\n  resource-unit-mistake:\n    params: {page_bytes: 1m}\n",
     ".crashlint.yaml:3: rules.resource-unit-mistake.params.page_bytes: must be at least 1, got '1m'"),
    # Each declared type, given something else.
    ("rules:\n  liveness-too-aggressive: {params: {min_stall_seconds: 2.5}}\n",
     "min_stall_seconds: expected an integer, got 2.5"),
    ("rules:\n  liveness-too-aggressive: {params: {min_stall_seconds: '5'}}\n",
     "min_stall_seconds: expected an integer, got '5'"),
    ("rules:\n  liveness-kills-before-startup: {params: {startup_margin: true}}\n",
     "startup_margin: expected a number, got true"),
    ("rules:\n  liveness-kills-before-startup: {params: {startup_margin: .nan}}\n",
     "startup_margin: expected a number, got nan"),
    ("rules:\n  liveness-kills-before-startup: {params: {startup_margin: null}}\n",
     "startup_margin: expected a number, got null"),
    ("rules:\n  cpu-limit-starves-startup: {params: {max_cpu_limit: half a core}}\n",
     "max_cpu_limit: expected a Kubernetes quantity (e.g. 500m, 128Mi, 4096), got 'half a core'"),
    ("rules:\n  image-tag-mutable: {params: {mutable_tags: latest}}\n",
     "mutable_tags: expected a list of strings, got 'latest'"),
    ("rules:\n  egress-blocks-dns: {params: {dns_port_names: [dns, 53]}}\n",
     "dns_port_names: expected a list of strings, got a list"),
    ("rules:\n  unresolved-dependency: {params: {cluster_domain: ''}}\n",
     "cluster_domain: expected a non-empty string, got ''"),
    ("rules:\n  missing-service-account: {params: {severity_when_none_defined: fatal}}\n",
     "severity_when_none_defined: expected one of error, warning, info, got 'fatal'"),
    ("rules:\n  completes-immediately: {params: [keepalive_seconds]}\n",
     ".crashlint.yaml:2: rules.completes-immediately.params: rules.completes-immediately.params must be a mapping"),
    # The other sections say where too.
    ("limits:\n  max_file_bytes: -1\n", ".crashlint.yaml:2: limits.max_file_bytes: expected a positive integer"),
    ("limits:\n  max_files: 10\n", ".crashlint.yaml:2: limits.max_files: unknown limit"),
    ("min_severity: debug\n", ".crashlint.yaml:1: min_severity: min_severity must be one of"),
    ("rules: {}\nmin-severity: warning\n", ".crashlint.yaml:2: unknown config keys: min-severity (known: rules"),
    ("knowledge:\n  startup:\n    families: {name: x}\n", ".crashlint.yaml:3: knowledge.startup: knowledge 'startup'"),
])
def test_each_mistake_names_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    message = _config_error(tmp_path, text)
    assert expected in message, message
    assert message.startswith(str(tmp_path / ".crashlint.yaml") + ":")


def test_every_mistake_is_reported_at_once_in_the_config_order(tmp_path: Path) -> None:
    message = _config_error(tmp_path, (
        "rules:\n"
        "  completes-immediately: {params: {crashloop_window_seconds: abc}}\n"
        "  no-such-rule: off\n"
        "  image-tag-mutable: {params: {mutable_tags: latest}}\n"))
    lines = [int(m) for m in re.findall(r"\.crashlint\.yaml:(\d+):", message)]
    assert lines == [2, 3, 4], message


def test_configs_given_as_data_say_config_and_the_key(tmp_path: Path) -> None:
    """``load_settings(raw=...)`` (tests, tools) has no file: the key alone, no line."""
    with pytest.raises(ConfigError, match=r"^config: rules\.heap-exceeds-memory-limit\.params\.warn_ratio: "
                                          r"expected a number, got 'high'"):
        load_settings(raw={"rules": {"heap-exceeds-memory-limit": {"params": {"warn_ratio": "high"}}}})


@pytest.mark.parametrize("rule, params", [
    ("heap-exceeds-memory-limit", {"warn_ratio": 0.7}),
    ("heap-exceeds-memory-limit", {"warn_ratio": 1}),  # an integer is a number
    ("memory-limit-too-low", {"floor": "32Mi"}),
    ("memory-limit-too-low", {"floor": None}),  # null: the knowledge's floor
    ("resource-unit-mistake", {"max_node_cpus": 192, "page_bytes": "16Ki"}),
    ("cpu-limit-starves-startup", {"max_cpu_limit": 1}),
    ("missing-service-account", {"always_present": [], "severity_when_none_defined": "warning"}),
    ("missing-secret", {"always_present": ["registry-credentials"]}),
    ("liveness-too-aggressive", {"min_failure_threshold": 3, "min_stall_seconds": 10}),
])
def test_values_of_the_declared_type_and_range_are_used(rule: str, params: dict) -> None:
    settings = load_settings(raw={"rules": {rule: {"params": params}}})
    got = settings.rules[rule].params
    assert {k: got[k] for k in params} == params
    # Every declared parameter is there: rules read ctx.params["x"] and never a default of their own.
    assert set(got) == set(load_policies().rules[rule].param_specs)


def test_configured_lists_do_not_leak_into_the_shipped_defaults() -> None:
    settings = load_settings(raw={})
    settings.rules["image-tag-mutable"].params["mutable_tags"].append("edge")
    assert load_settings(raw={}).rules["image-tag-mutable"].params["mutable_tags"] == ["latest"]
    assert load_policies().rules["image-tag-mutable"].params["mutable_tags"] == ["latest"]


def test_a_configured_list_replaces_the_default() -> None:
    params = load_settings(raw={"rules": {"image-tag-mutable": {"params": {"mutable_tags": ["edge"]}}}}).rules
    assert params["image-tag-mutable"].params["mutable_tags"] == ["edge"]


# --- rules read only what they declare --------------------------------------------------------

def _sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in RULES_DIR.glob("*.py")}


def test_rules_have_no_second_default_for_a_parameter() -> None:
    """``ctx.params.get("x", 30)`` would be a default the policy file does not show."""
    for name, text in _sources().items():
        assert not re.search(r"params\.get\(", text), f"linter/rules/{name} reads a parameter with .get()"


def test_every_parameter_a_rule_reads_is_declared_and_every_declared_one_is_read() -> None:
    metas = load_policies().rules
    sources = _sources()
    shared = sources["_refcheck.py"]  # missing-configmap and missing-secret read always_present there
    for rid, rule in all_rules().items():
        module = rule.check.__module__.rsplit(".", 1)[-1] + ".py"
        text = sources[module] + (shared if "_refcheck" in sources[module] else "")
        aliases = ["ctx\\.params", *re.findall(r"(\w+) = ctx\.params\b", text)]  # p = ctx.params; p["x"]
        read = set(re.findall(rf"(?:{'|'.join(aliases)})\[\"(\w+)\"\]", text))
        declared = set(metas[rid].param_specs)
        assert read == declared, (rid, read, declared)


# --- a rule that raises ----------------------------------------------------------------------

@pytest.fixture
def raising_rule(monkeypatch: pytest.MonkeyPatch) -> str:
    """image-tag-mutable, made to raise on every object (a stand-in for a rule bug)."""
    def boom(subject, ctx):
        raise KeyError("boom")
    rules = all_rules()
    monkeypatch.setitem(rules, "image-tag-mutable", rules["image-tag-mutable"].replace(check=boom))
    return "image-tag-mutable"


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from crashlint.cli import main
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_rule_that_raises_is_an_internal_error_and_the_other_findings_stay(
        raising_rule: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "app.yaml", TWO_RULES)
    write(tmp_path, ".crashlint.yaml", "rules: {}\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = _main(capsys, "lint", "-o", "json", "app.yaml")
    report = json.loads(out)
    assert code == 2  # an internal error exits 2, as the README says
    assert "completes-immediately" in {f["rule"] for f in report["findings"]}  # the other rule's finding stays
    [error] = report["errors"]
    assert error["kind"] == "internal" and error["rule"] == raising_rule
    assert error["file"] == "app.yaml" and error["line"] == 1
    assert error["message"].startswith("internal error in rule image-tag-mutable on Deployment/default/toolbox: KeyError")

    code, out, _ = _main(capsys, "lint", "app.yaml")
    assert code == 2
    assert "app.yaml:1: error [internal] internal error in rule image-tag-mutable on Deployment/default/toolbox" in out
    assert "[completes-immediately]" in out
    assert "internal error(s) in rules" in out and "could not be read" not in out and "[input]" not in out

    code, out, _ = _main(capsys, "lint", "-o", "github", "app.yaml")
    assert "title=crashlint internal error::" in out and "0 unreadable input(s), 1 internal error(s)" in out
    code, out, _ = _main(capsys, "lint", "-o", "junit", "app.yaml")
    assert 'type="internal"' in out and 'type="input"' not in out


def test_input_errors_still_say_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The contrast: an unreadable manifest is an input error, worded and shaped as before."""
    write(tmp_path, "broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")
    write(tmp_path, ".crashlint.yaml", "rules: {}\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = _main(capsys, "lint", "broken.yaml")
    assert code == 2 and "[input]" in out and "1 input(s) could not be read" in out and "internal" not in out
    code, out, _ = _main(capsys, "lint", "-o", "json", "broken.yaml")
    assert set(json.loads(out)["errors"][0]) == {"file", "line", "message"}


# --- hostile values: refused or used, never a rule that raises ----------------------------------

HOSTILE = [None, True, 0, -1, 10**400, 1e308, float("inf"), "", "x", "1e400", "500m", "-1", [], ["a", 1], [[]],
           {"k": "v"}, 0.5, 2**63]


def test_any_value_of_any_parameter_is_refused_or_linted_without_an_internal_error(tmp_path: Path) -> None:
    from crashlint.engine.api import lint_paths
    app = write(tmp_path, "app.yaml", TWO_RULES.replace(
        "image: busybox:latest", "image: busybox:latest\n          command: [sleep, '30']\n"
        "          resources: {limits: {memory: 1m, cpu: 100m}}\n"
        "          livenessProbe: {exec: {command: [true]}, failureThreshold: 1}"))
    used = refused = 0
    for rid, meta in load_policies().rules.items():
        for name in meta.param_specs:
            for value in HOSTILE:
                try:
                    settings = load_settings(raw={"rules": {rid: {"params": {name: value}}}})
                except ConfigError as exc:
                    assert f"rules.{rid}.params.{name}: " in str(exc)
                    refused += 1
                    continue
                report = lint_paths([str(app)], settings)
                assert not report.errors, (rid, name, value, report.errors)
                used += 1
    assert used and refused


def test_the_webhook_keeps_its_last_good_settings_when_a_parameter_is_mistyped(tmp_path: Path) -> None:
    """The webhook re-reads the config while it serves (the same ``load_settings``): a mistyped
    parameter is an error it keeps and reports, not settings that fail every rule on every request."""
    import os

    from crashlint.webhook.settings import ConfigWatcher
    cfg = tmp_path / "crashlint.yaml"
    cfg.write_text("rules:\n  heap-exceeds-memory-limit: {params: {warn_ratio: 0.8}}\n")
    watcher = ConfigWatcher(str(cfg), interval=0)
    assert watcher.current().settings.rules["heap-exceeds-memory-limit"].params["warn_ratio"] == 0.8
    cfg.write_text("rules:\n  heap-exceeds-memory-limit:\n    params: {warn_ratio: high}\n")
    os.utime(cfg, ns=(1, 1))  # a new signature whatever the clock's resolution
    loaded = watcher.current()
    assert loaded.settings.rules["heap-exceeds-memory-limit"].params["warn_ratio"] == 0.8
    assert watcher.error is not None and "crashlint.yaml:3: rules.heap-exceeds-memory-limit.params.warn_ratio: " \
        "expected a number, got 'high'" in watcher.error
