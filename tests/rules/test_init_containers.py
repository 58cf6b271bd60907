"""init-container-never-completes and init-container-waits-forever."""

from __future__ import annotations

from pathlib import Path

import pytest

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from expect_markers import INIT_RULES, check_fixture

HERE = Path(__file__).parent.parent / "fixtures" / "rules" / "init"


@pytest.mark.parametrize("name", ["never-completes.yaml", "waits.yaml", "waits-no-services.yaml",
                                  "waits-shell-forms.yaml"])
def test_fixture_findings_match_markers(name: str) -> None:
    check_fixture([HERE / name], INIT_RULES)


def test_git_sync_fix_appends_one_time() -> None:
    report = check_fixture([HERE / "never-completes.yaml"], INIT_RULES)
    fetch = next(f for f in report.findings if f.container == "fetch")
    assert fetch.fix == [{"op": "add", "path": "/spec/template/spec/initContainers/4/args/-", "value": "--one-time"}]
    assert "Init:0/1" in fetch.message and "restartPolicy: Always" in fetch.message
    servers = [f for f in report.findings if f.container in ("proxy", "cache")]
    assert all(f.fix is None and "server image" in f.message for f in servers)


def test_git_sync_without_args_gets_an_args_list(lint) -> None:
    report = lint("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          initContainers:
            - name: sync
              image: registry.k8s.io/git-sync/git-sync:v4.2.1
              env: [{name: GITSYNC_REPO, value: "https://github.com/acme/x"}]
          containers:
            - {name: app, image: nginx:1.25.4}
        """)
    [hit] = [f for f in report.findings if f.rule == "init-container-never-completes"]
    assert hit.fix == [{"op": "add", "path": "/spec/initContainers/0/args", "value": ["--one-time"]}]


def test_wait_message_names_host_and_namespace_and_points_at_the_script() -> None:
    report = check_fixture([HERE / "waits.yaml"], INIT_RULES)
    typo = next(f for f in report.findings if f.container == "wait-db-typo")
    assert "host 'db'" in typo.message and "no Service 'db' in namespace 'shop'" in typo.message
    assert typo.path == "/spec/template/spec/initContainers/0/command/2"
    cache = next(f for f in report.findings if f.container == "wait-cache-wrong-ns")
    assert cache.path == "/spec/template/spec/initContainers/3/args/0"


def test_services_from_another_file_of_the_run_count(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: shop}\n"
        "spec: {selector: {app: db}, ports: [{port: 5432}]}\n")
    report = lint_paths([str(HERE / "waits-no-services.yaml"), str(tmp_path / "svc.yaml")], load_settings(raw={}))
    assert not [f for f in report.findings if f.rule in INIT_RULES]
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: postgres, namespace: shop}\n"
        "spec: {selector: {app: db}, ports: [{port: 5432}]}\n")
    report = lint_paths([str(HERE / "waits-no-services.yaml"), str(tmp_path / "svc.yaml")], load_settings(raw={}))
    assert [f.rule for f in report.findings if f.rule in INIT_RULES] == ["init-container-waits-forever"]


def test_unparsable_scripts_and_odd_types_never_crash(lint) -> None:
    report = lint("""
        apiVersion: v1
        kind: Service
        metadata: {name: s}
        spec: {selector: {app: x}, ports: [{port: 80}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          initContainers:
            - {name: a, image: busybox:1.36, command: [sh, -c, "until nc -z 'db 5432; do"]}
            - {name: b, image: busybox:1.36, command: [sh, -c]}
            - {name: c, image: busybox:1.36, command: "sleep infinity"}
            - {name: d, image: [nginx]}
            - {name: e, image: "registry.k8s.io/git-sync/git-sync:v4.2.1", args: "--one-time", env: "x"}
          containers:
            - {name: app, image: nginx:1.25.4}
        """)
    assert not [e for e in report.errors if "internal error" in e.message]
    assert [f.rule for f in report.findings if f.rule in INIT_RULES] == ["init-container-never-completes"]


def test_wait_scripts_are_not_reported_twice_as_unresolved_dependencies() -> None:
    report = check_fixture([HERE / "waits.yaml"], INIT_RULES)
    assert not [f for f in report.findings if f.rule == "unresolved-dependency"]
