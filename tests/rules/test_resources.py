"""Resource rules: memory-limit-too-low, heap-exceeds-memory-limit, cpu-limit-starves-startup,
missing-memory-limit — fixtures under tests/fixtures/rules/resources, the peer fixtures that
concern them, and the healthy manifests of tests/fixtures/healthy/probes-resources."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonpatch
import pytest
import yaml

from crashlint.model.findings import Finding
from rule_helpers import found, lint_file

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures" / "rules" / "resources"
HEALTHY = TESTS / "fixtures" / "healthy" / "probes-resources"
PEERS = TESTS.parent.parent / "shared" / "corpus" / "peers"
RESOURCE_RULES = {"memory-limit-too-low", "heap-exceeds-memory-limit", "cpu-limit-starves-startup",
                  "missing-memory-limit"}
MY_RULES = RESOURCE_RULES | {"liveness-kills-before-startup", "liveness-too-aggressive", "probe-port-not-exposed",
                             "liveness-same-as-readiness"}


def severities(findings: list[Finding]) -> dict[str | None, str]:
    out = {f.container: f.severity for f in findings}
    assert len(out) == len(findings), "one finding per container expected"
    return out


# --- heap-exceeds-memory-limit -------------------------------------------------------------------

def test_heap_cases_with_precedence_and_sources():
    hits = found(lint_file(FIXTURES / "heap.yaml"), "heap-exceeds-memory-limit")
    assert severities(hits) == {
        "init-over": "error", "tool-options-over": "error", "near-limit": "warning", "underscore-wins": "error",
        "ram-percentage": "error", "shell-script": "error", "es-heap": "error", "node-over": "error",
        "go-over": "warning"}
    by = {f.container: f for f in hits}
    assert "-Xmx2g (in env JAVA_TOOL_OPTIONS)" in by["tool-options-over"].message
    assert "OOMKilled, exit code 137" in by["tool-options-over"].message
    assert by["tool-options-over"].path == "/spec/containers/0/env/0/value"
    assert "-Xmx1536m (in env _JAVA_OPTIONS)" in by["underscore-wins"].message
    assert by["shell-script"].path == "/spec/containers/7/args/0" and "4Gi" in by["shell-script"].message
    assert "leaving only 74Mi" in by["near-limit"].message
    assert by["init-over"].path == "/spec/initContainers/0/command/1"
    assert "--max-old-space-size=1024" in by["node-over"].message
    assert "GOMEMLIMIT=1GiB" in by["go-over"].message


def test_pod_level_limit_bounds_a_container_without_its_own():
    [f] = found(lint_file(FIXTURES / "heap-pod-level.yaml"), "heap-exceeds-memory-limit")
    assert f.severity == "error" and "the pod's memory limit" in f.message


def test_warn_ratio_is_a_parameter():
    config = {"rules": {"heap-exceeds-memory-limit": {"params": {"warn_ratio": 0.7}}}}
    hits = {f.container: f.severity for f in found(lint_file(FIXTURES / "heap.yaml", config),
                                                   "heap-exceeds-memory-limit")}
    assert hits["sane"] == "warning"  # 768m is 75% of 1Gi: above 70%
    assert "argv-wins" not in hits  # 512m is 50%


def test_xms_alone_at_the_limit(lint):
    report = lint("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: app
              image: ghcr.io/example/app:1.0.0
              command: [java, -Xms1g, -XX:MaxRAMPercentage=50, -jar, app.jar]
              resources: {limits: {memory: 1Gi}}
    """)
    [f] = found(report, "heap-exceeds-memory-limit")
    assert f.severity == "error" and "-Xms1g" in f.message and f.path == "/spec/containers/0/command/1"


# --- memory-limit-too-low ------------------------------------------------------------------------

def test_memory_floor_and_family_baselines():
    report = lint_file(FIXTURES / "memory-low.yaml")
    hits = found(report, "memory-limit-too-low")
    assert severities(hits) == {"below-floor": "warning", "kafka-default-heap": "warning",
                                "sonarqube-small": "warning"}
    by = {f.container: f for f in hits}
    assert "-Xmx1G -Xms1G" in by["kafka-default-heap"].message and "768Mi" in by["kafka-default-heap"].message
    assert "2Gi" in by["sonarqube-small"].message
    assert "4Mi" in by["below-floor"].message and by["below-floor"].path.endswith("/resources/limits/memory")
    # Unparsable quantities are rejected-by-api's to report, unit mistakes the API server accepts
    # (cpu: 64Mi, memory: 512m) resource-unit-mistake's; no other resource rule reasons from them.
    unparsable, mistaken = {"nonsense-banana", "nonsense-list"}, {"nonsense-cpu", "milli-bytes"}
    assert {f.container for f in found(report, "rejected-by-api")} == unparsable
    assert {(f.container, f.severity) for f in found(report, "resource-unit-mistake")} == {
        ("nonsense-cpu", "error"), ("milli-bytes", "error")}
    assert not [f for f in report.findings if f.rule in RESOURCE_RULES and f.container in unparsable | mistaken]


def test_floor_is_a_parameter(lint):
    text = (FIXTURES / "memory-low.yaml").read_text()
    report = lint(text, config={"rules": {"memory-limit-too-low": {"params": {"floor": "32Mi"}}}})
    assert "go-small-ok" in {f.container for f in found(report, "memory-limit-too-low")}


# --- cpu-limit-starves-startup -------------------------------------------------------------------

def test_cpu_limit_starving_a_slow_start():
    report = lint_file(FIXTURES / "cpu.yaml")
    [f] = found(report, "cpu-limit-starves-startup")
    assert f.object["name"] == "starved" and f.path.endswith("/resources/limits/cpu")
    assert "about 300 s" in f.message and "after about 91 s" in f.message
    assert f.fix[0]["op"] == "add" and f.fix[0]["path"] == "/spec/template/spec/containers/0/startupProbe"
    assert f.fix[0]["value"]["failureThreshold"] == 60
    # Not double-reported: the unscaled budget (60 s) fits the 91 s window.
    assert found(report, "liveness-kills-before-startup") == []


def test_cpu_fix_silences_it(tmp_path):
    text = (FIXTURES / "cpu.yaml").read_text()
    [f] = found(lint_file(FIXTURES / "cpu.yaml"), "cpu-limit-starves-startup")
    doc = jsonpatch.apply_patch(copy.deepcopy(next(yaml.safe_load_all(text))), f.fix)
    out = tmp_path / "fixed.yaml"
    out.write_text(yaml.safe_dump(doc))
    assert found(lint_file(out), "cpu-limit-starves-startup") == []


def test_polaris_style_float_cpu_parses(lint):
    report = lint("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: es}
        spec:
          selector: {matchLabels: {app: es}}
          template:
            metadata: {labels: {app: es}}
            spec:
              containers:
                - name: es
                  image: elasticsearch:8.15.0
                  livenessProbe: {tcpSocket: {port: 9200}, initialDelaySeconds: 90}
                  resources: {limits: {cpu: 0.25, memory: 4Gi}}
    """)
    [f] = found(report, "cpu-limit-starves-startup")
    assert "0.25 of a core" in f.message and "about 240 s" in f.message


# --- missing-memory-limit ------------------------------------------------------------------------

def test_missing_memory_limit_scope():
    hits = found(lint_file(FIXTURES / "missing-limit.yaml"), "missing-memory-limit")
    assert severities(hits) == {"sidecar-no-limit": "info", "request-only": "info", "null-limits": "info"}


# --- peer fixtures -------------------------------------------------------------------------------

needs_peers = pytest.mark.skipif(not PEERS.is_dir(), reason="needs ../shared/corpus/peers beside the checkout (README: Tests)")


@needs_peers
@pytest.mark.parametrize("name,expect_missing", [
    ("kube-score/pod-test-resources-none.yaml", True),
    ("kube-score/pod-test-resources-only-limits.yaml", False),
    ("kube-score/pod-test-resources-limits-and-requests.yaml", False),
    ("kube-score/deployment-test-resources.yaml", False),
    ("polaris/memoryLimitsMissing__failure.yaml", True),
    ("polaris/memoryLimitsMissing__failure.cpu.yaml", True),
    ("polaris/memoryLimitsMissing__success.yaml", False),
    ("polaris/cpuRequestsMissing__failure.yaml", True),
    ("polaris/cpuRequestsMissing__success.yaml", True),
    ("polaris/memoryRequestsMissing__failure.yaml", True),
    ("polaris/memoryRequestsMissing__success.yaml", True),
    ("polaris/cpuLimitsMissing__failure.yaml", False),
    ("polaris/cpuLimitsMissing__success.yaml", False),
])
def test_peer_resource_fixtures(name, expect_missing):
    report = lint_file(PEERS / name)
    missing = found(report, "missing-memory-limit")
    assert bool(missing) == expect_missing
    assert all(f.severity == "info" for f in missing)
    others = [f for f in report.findings if f.rule in RESOURCE_RULES - {"missing-memory-limit"}]
    assert others == [], [(f.rule, f.message) for f in others]


@needs_peers
@pytest.mark.parametrize("name", ["resourceRange__failure.cpu-number.yaml", "resourceRange__failure.mem-number.yaml",
                                  "resourceRange__success.cpu-number.yaml", "resourceRange__success.mem-number.yaml"])
def test_polaris_resource_range_calibration_nginx_is_not_too_low(name):
    report = lint_file(PEERS / "polaris" / name)
    assert not [f for f in report.findings if f.rule in RESOURCE_RULES]
    assert not [f for f in report.findings if f.rule == "rejected-by-api"]  # numeric quantities parse


# --- healthy, production-grade manifests ---------------------------------------------------------

HEALTHY_FILES = sorted(HEALTHY.glob("*.yaml"))


def test_there_are_healthy_manifests():
    assert len(HEALTHY_FILES) >= 4


@pytest.mark.parametrize("path", HEALTHY_FILES, ids=lambda p: p.name)
def test_healthy_manifests_get_no_warning_or_error_from_these_rules(path):
    report = lint_file(path)
    loud = [f for f in report.findings if f.rule in MY_RULES and f.severity in ("warning", "error")]
    assert loud == [], [(f.rule, f.container, f.message) for f in loud]
    assert report.objects >= 1
