"""Runtime mode judges with the same loaded settings as ``crashlint lint`` (issue 12): a user's
``.crashlint.yaml`` switches rules off, changes severities and adds runtime knowledge, and a
mistake in it is a configuration error before anything is read.

Before issue 12 the runtime knowledge (``policies/runtime.yaml``: confirmations, the rules that
need manifests, classifier thresholds, hints) came from a loader of its own that read only the
shipped file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runtime_cases import load_case

NOW = ["--now", "2026-03-01T12:00:00Z"]


def _findings(run_cli, argv: list[str]) -> list[tuple[str, str, str]]:
    code, out, err = run_cli([*argv, *NOW, "-o", "json", "--fail-on", "never"])
    assert code == 0, err
    return sorted((f["rule"], f["severity"], f["object"]["name"]) for f in json.loads(out)["findings"])


@pytest.fixture
def join_case() -> tuple[str, str]:
    case = load_case("join")
    return str(case.dir / "cluster.json"), str(case.dir / "manifests.yaml")


def test_a_disabled_rule_and_a_changed_severity_are_honoured(run_cli, join_case, tmp_path: Path) -> None:
    dump, manifests = join_case
    shipped = _findings(run_cli, ["--from", dump, "--manifests", manifests])
    assert ("completes-immediately", "error", "toolbox") in shipped
    assert ("command-not-executable", "error", "worker") in shipped
    cfg = tmp_path / "crashlint.yaml"
    cfg.write_text("rules:\n  completes-immediately: off\n  command-not-executable: warning\n")
    configured = _findings(run_cli, ["--from", dump, "--manifests", manifests, "--config", str(cfg)])
    assert not [f for f in configured if f[0] == "completes-immediately"]
    assert ("command-not-executable", "warning", "worker") in configured
    # Nothing else changed.
    assert [f for f in configured if f[0] not in ("completes-immediately", "command-not-executable")] == \
        [f for f in shipped if f[0] not in ("completes-immediately", "command-not-executable")]


def test_the_config_found_from_the_working_directory_is_used(run_cli, join_case, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    dump, manifests = join_case
    (tmp_path / ".git").mkdir()  # the repository root: the config search stops here
    (tmp_path / ".crashlint.yaml").write_text("rules:\n  probe-port-not-exposed: {severity: info}\n")
    monkeypatch.chdir(tmp_path)
    found = _findings(run_cli, ["--from", dump, "--manifests", manifests])
    assert ("probe-port-not-exposed", "info", "exporter") in found


def test_runtime_knowledge_comes_from_the_loaded_settings(run_cli, join_case, tmp_path: Path) -> None:
    """Linting the cluster's own workloads leaves out the rules listed under ``rules_needing_manifests``;
    a rule the user adds there (``knowledge: {runtime: ...}``) is left out too."""
    dump, _ = join_case
    assert ("command-not-executable", "error", "worker-6b7c9d5f8") in _findings(run_cli, ["--from", dump])
    cfg = tmp_path / "crashlint.yaml"
    cfg.write_text("knowledge:\n  runtime:\n    rules_needing_manifests: [command-not-executable]\n")
    found = _findings(run_cli, ["--from", dump, "--config", str(cfg)])
    assert not [f for f in found if f[0] == "command-not-executable"]
    assert ("completes-immediately", "error", "toolbox-5f7d8c9b6a") in found


def test_a_config_mistake_exits_2_before_anything_is_read(run_cli, join_case, tmp_path: Path) -> None:
    dump, manifests = join_case
    cfg = tmp_path / "crashlint.yaml"
    cfg.write_text("rules:\n  completes-immediately:\n    params: {crashloop_window_seconds: abc}\n")
    code, out, err = run_cli(["--from", dump, "--manifests", manifests, "--config", str(cfg), *NOW])
    assert code == 2 and out == ""
    assert "crashlint.yaml:3: rules.completes-immediately.params.crashloop_window_seconds: expected a number" in err
