"""Probe rules: liveness-kills-before-startup, liveness-too-aggressive, probe-port-not-exposed,
liveness-same-as-readiness — fixtures under tests/fixtures/rules/probes, plus the kube-score
and Polaris fixtures that concern them."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonpatch
import pytest
import yaml

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from crashlint.model.findings import Finding
from rule_helpers import found, lint_file

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures" / "rules" / "probes"
PEERS = TESTS.parent.parent / "shared" / "corpus" / "peers"
PROBE_RULES = {"liveness-kills-before-startup", "liveness-too-aggressive", "probe-port-not-exposed",
               "liveness-same-as-readiness"}


def by_container(findings: list[Finding]) -> dict[str | None, Finding]:
    out = {f.container: f for f in findings}
    assert len(out) == len(findings), "one finding per container expected"
    return out


def apply_fix(doc_text: str, finding: Finding, index: int = 0) -> dict:
    docs = [d for d in yaml.safe_load_all(doc_text) if d]
    return jsonpatch.apply_patch(copy.deepcopy(docs[index]), finding.fix)


# --- liveness-kills-before-startup -------------------------------------------------------------

def test_elasticsearch_on_probe_defaults_is_killed_before_it_starts():
    report = lint_file(FIXTURES / "kills-elasticsearch-defaults.yaml")
    [f] = found(report, "liveness-kills-before-startup")
    assert f.severity == "warning" and f.container == "es"
    assert "about 31 s" in f.message and "60 s" in f.message and "no startupProbe" in f.message
    assert (f.line, f.path) == (19, "/spec/template/spec/containers/0/livenessProbe")
    # The fix adds a startupProbe mirroring the liveness check, sized to twice the 60 s budget.
    assert f.fix == [{"op": "add", "path": "/spec/template/spec/containers/0/startupProbe",
                      "value": {"tcpSocket": {"port": "http"}, "periodSeconds": 10, "failureThreshold": 12}}]


def test_the_fix_silences_the_finding_and_is_stable(tmp_path):
    text = (FIXTURES / "kills-elasticsearch-defaults.yaml").read_text()
    [f] = found(lint_file(FIXTURES / "kills-elasticsearch-defaults.yaml"), "liveness-kills-before-startup")
    fixed = apply_fix(text, f)
    out = tmp_path / "fixed.yaml"
    out.write_text(yaml.safe_dump(fixed))
    assert found(lint_file(out), "liveness-kills-before-startup") == []


def test_jvm_recognised_by_spring_env_on_a_custom_image():
    [f] = found(lint_file(FIXTURES / "kills-spring-env.yaml"), "liveness-kills-before-startup")
    assert "JVM application" in f.message and "about 16 s" in f.message
    assert f.fix[0]["value"]["httpGet"] == {"path": "/actuator/health/liveness", "port": "http"}
    assert f.fix[0]["value"]["periodSeconds"] == 5 and f.fix[0]["value"]["failureThreshold"] == 8


def test_a_startup_probe_too_short_for_the_budget_is_reported_on_the_startup_probe():
    [f] = found(lint_file(FIXTURES / "kills-startup-probe-too-short.yaml"), "liveness-kills-before-startup")
    assert f.path.endswith("/startupProbe") and "startupProbe kills" in f.message and "about 21 s" in f.message
    assert f.fix == [{"op": "replace", "path": "/spec/template/spec/containers/0/startupProbe/failureThreshold",
                      "value": 12}]


def test_no_finding_with_a_startup_probe_unknown_image_generous_delay_or_no_liveness():
    report = lint_file(FIXTURES / "kills-negatives.yaml")
    assert found(report, "liveness-kills-before-startup") == []
    assert report.objects == 5


def test_native_sidecar_is_checked_and_plain_init_and_unknown_app_are_not():
    [f] = found(lint_file(FIXTURES / "kills-sidecar-and-init.yaml"), "liveness-kills-before-startup")
    assert f.container == "agent" and f.path == "/spec/template/spec/initContainers/1/livenessProbe"


def test_budget_is_data_and_a_policy_override_of_the_margin_is_honoured():
    config = {"rules": {"liveness-kills-before-startup": {"params": {"startup_margin": 3}}}}
    [f] = found(lint_file(FIXTURES / "kills-elasticsearch-defaults.yaml", config), "liveness-kills-before-startup")
    assert f.fix[0]["value"]["failureThreshold"] == 18


def test_job_with_a_tight_liveness_probe_on_a_known_slow_image_is_still_reported(lint):
    report = lint("""
        apiVersion: batch/v1
        kind: Job
        metadata: {name: reindex}
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers:
                - name: es
                  image: elasticsearch:8.15.0
                  livenessProbe:
                    tcpSocket: {port: 9200}
                    periodSeconds: 5
                  resources: {limits: {memory: 4Gi}}
    """)
    assert [f.container for f in found(report, "liveness-kills-before-startup")] == ["es"]


# --- liveness-too-aggressive ---------------------------------------------------------------------

def test_each_hair_trigger_case_and_the_defaults():
    hits = by_container(found(lint_file(FIXTURES / "aggressive.yaml"), "liveness-too-aggressive"))
    assert set(hits) == {"one-strike", "fast-poll", "short-stall"}
    one = hits["one-strike"]
    assert "failureThreshold 1" in one.message and one.path == "/spec/containers/0/livenessProbe/failureThreshold"
    assert one.fix == [{"op": "replace", "path": "/spec/containers/0/livenessProbe/failureThreshold", "value": 3}]
    fast = hits["fast-poll"]
    assert "polled every 1 s" in fast.message and fast.fix is None
    stall = hits["short-stall"]
    assert "only 4 s" in stall.message
    assert stall.fix == [{"op": "replace", "path": "/spec/containers/2/livenessProbe/failureThreshold", "value": 3}]


def test_fixes_clear_the_finding_they_address(tmp_path):
    text = (FIXTURES / "aggressive.yaml").read_text()
    doc = yaml.safe_load(text)
    for f in found(lint_file(FIXTURES / "aggressive.yaml"), "liveness-too-aggressive"):
        if f.fix:
            doc = jsonpatch.apply_patch(doc, f.fix)
    out = tmp_path / "fixed.yaml"
    out.write_text(yaml.safe_dump(doc))
    after = found(lint_file(out), "liveness-too-aggressive")
    assert [f.container for f in after] == ["fast-poll"] and after[0].fix is None


def test_readiness_and_startup_probes_are_not_judged(lint):
    report = lint("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: app
              image: ghcr.io/example/app:1.0.0
              ports: [{name: http, containerPort: 8080}]
              readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 1, failureThreshold: 1}
              startupProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 1, failureThreshold: 120}
              resources: {limits: {memory: 128Mi}}
    """)
    assert found(report, "liveness-too-aggressive") == []


# --- probe-port-not-exposed ----------------------------------------------------------------------

def test_port_cases_and_graded_severities():
    hits = by_container(found(lint_file(FIXTURES / "ports.yaml"), "probe-port-not-exposed"))
    assert {k: v.severity for k, v in hits.items()} == {
        "named-missing": "error", "number-mismatch": "warning", "number-no-ports": "info",
        "udp-only": "warning", "grpc-mismatch": "warning"}
    named = hits["named-missing"]
    assert "'health'" in named.message and "never becomes Ready" in named.message
    assert 'strconv.Atoi: parsing "health": invalid syntax' in named.message
    assert named.path == "/spec/containers/0/readinessProbe/httpGet/port" and named.line == 12
    assert "one keystroke from the declared port 8080" in hits["number-mismatch"].message
    assert "works if the process listens" in hits["number-no-ports"].message
    assert "only as UDP" in hits["udp-only"].message
    assert hits["grpc-mismatch"].path.endswith("/readinessProbe/grpc/port")


def test_configured_severity_replaces_the_graded_ones(lint):
    text = (FIXTURES / "ports.yaml").read_text()
    report = lint(text, config={"rules": {"probe-port-not-exposed": "warning"}})
    assert {f.severity for f in found(report, "probe-port-not-exposed")} == {"warning"}


def test_named_liveness_port_missing_explains_it_never_protects(lint):
    report = lint("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: app
              image: ghcr.io/example/app:1.0.0
              livenessProbe: {tcpSocket: {port: metrics}}
              resources: {limits: {memory: 128Mi}}
    """)
    [f] = found(report, "probe-port-not-exposed")
    assert f.severity == "error" and "named ports: none" in f.message and "never protects" in f.message


# --- liveness-same-as-readiness ------------------------------------------------------------------

def test_same_check_graded_by_patience_and_differences_respected():
    hits = by_container(found(lint_file(FIXTURES / "same.yaml"), "liveness-same-as-readiness"))
    assert {k: v.severity for k, v in hits.items()} == {"name-vs-number": "warning", "patient-liveness": "info"}
    assert "HTTP GET :8080/health" in hits["name-vs-number"].message
    assert "60 s of failures vs 30 s" in hits["patient-liveness"].message
    assert all(f.object["kind"] == "Pod" for f in hits.values())  # the Job is skipped


# --- peer fixtures -------------------------------------------------------------------------------

needs_peers = pytest.mark.skipif(not PEERS.is_dir(), reason="needs ../shared/corpus/peers beside the checkout (README: Tests)")


@needs_peers
@pytest.mark.parametrize("name", ["pod-probes-identical-http.yaml", "pod-probes-identical-tcp.yaml",
                                  "pod-probes-identical-exec.yaml"])
def test_kube_score_identical_probes(name):
    [f] = found(lint_file(PEERS / "kube-score" / name), "liveness-same-as-readiness")
    assert f.severity == "warning" and f.container == "foobar"


@needs_peers
def test_kube_score_statefulset_same_path_and_port_with_more_patient_liveness():
    report = lint_file(PEERS / "kube-score" / "statefulset-nested-ignores.yaml")
    [f] = found(report, "liveness-same-as-readiness")
    assert f.severity == "info" and "HTTP GET :4954/healthz" in f.message
    assert not [x for x in report.findings if x.rule in PROBE_RULES and x.severity == "error"]


@needs_peers
def test_kube_score_init_container_and_different_paths():
    report = lint_file(PEERS / "kube-score" / "pod-probes-on-different-containers-init.yaml")
    assert found(report, "liveness-same-as-readiness") == []
    assert not [f for f in report.findings if f.rule in PROBE_RULES and f.container == "foobar2"]


@needs_peers
@pytest.mark.parametrize("name", ["pod-probes-missing-live.yaml", "pod-probes-missing-ready.yaml",
                                  "pod-probes-not-targeted-by-service.yaml", "pod-probes-all-missing.yaml"])
def test_kube_score_probe_fixtures_raise_no_timing_findings(name):
    report = lint_file(PEERS / "kube-score" / name)
    # foo/bar is unknown software: no start budget, and API-default timing is not a hair trigger.
    assert found(report, "liveness-too-aggressive") == []
    assert found(report, "liveness-kills-before-startup") == []


@needs_peers
def test_polaris_liveness_demo_is_not_called_aggressive():
    report = lint_file(PEERS / "polaris" / "livenessProbeMissing__success.yaml")
    assert found(report, "liveness-too-aggressive") == []  # period 5, failureThreshold 3: 11 s of silence


@needs_peers
def test_no_peer_fixture_gets_a_probe_error_or_a_numeric_port_error():
    for path in sorted(PEERS.rglob("*.yaml")):
        report = lint_paths([str(path)], load_settings(raw={}))
        bad = [f for f in report.findings if f.rule in PROBE_RULES and f.severity == "error"]
        assert not bad, (path.name, [(f.rule, f.message) for f in bad])


# --- bad input -----------------------------------------------------------------------------------

def test_malformed_probes_and_resources_give_findings_of_other_rules_never_a_traceback():
    report = lint_file(FIXTURES / "malformed.yaml")  # asserts no load/internal errors
    mine = [(f.rule, f.container) for f in report.findings if f.rule in PROBE_RULES | {
        "memory-limit-too-low", "heap-exceeds-memory-limit", "cpu-limit-starves-startup", "missing-memory-limit"}]
    # 1e9 bytes is a valid quantity (~954Mi), below Keycloak's 1Gi; everything else is rejected-by-api's.
    assert mine == [("memory-limit-too-low", "empty-probes")]
    assert "~954Mi" in found(report, "memory-limit-too-low")[0].message
    assert found(report, "rejected-by-api")


# --- probe-port-not-exposed: undeclared numbers (healthy-corpus false positives FP-1, FP-12) ---------

_POD = """
    apiVersion: v1
    kind: Pod
    metadata: {{name: p, annotations: {annotations}}}
    spec:
      containers:
        - name: app
          image: {image}
          ports: [{{name: http, containerPort: 8080}}]
          env: [{{name: OTHER, value: "{env}"}}]
          livenessProbe: {{httpGet: {{path: /healthz, port: {port}}}}}
          resources: {{limits: {{memory: 128Mi}}}}
{extra}"""


def _port_findings(lint, port: int, image: str = "ghcr.io/example/app:1.0.0", env: str = "x",
                   annotations: str = "{}", extra: str = "") -> list[Finding]:
    text = _POD.format(port=port, image=image, env=env, annotations=annotations, extra=extra)
    return found(lint(text), "probe-port-not-exposed")


@pytest.mark.parametrize("port", [8081, 8082, 8078, 8008, 9080, 808])
def test_an_undeclared_number_one_slip_from_a_declared_port_still_warns(lint, port: int) -> None:
    [f] = _port_findings(lint, port)
    assert f.severity == "warning" and "one keystroke from the declared port 8080" in f.message


@pytest.mark.parametrize("port", [10254, 9100, 8181, 15020])
def test_an_undeclared_number_far_from_the_declared_ports_is_only_info(lint, port: int) -> None:
    [f] = _port_findings(lint, port)
    assert f.severity == "info" and f"works if the process listens on {port}" in f.message
    assert "declares only 8080" in f.message and "\n" not in f.message


def test_a_number_the_container_is_told_to_listen_on_is_not_reported(lint) -> None:
    # Spring Boot's actuator on its own port: one keystroke from 8080, but the env says so.
    assert _port_findings(lint, 8081, env="8081") == []
    assert _port_findings(lint, 8081, env="--health-probe-bind-address=:8081") == []
    assert _port_findings(lint, 8081, env="18081") != []  # a longer number does not mention 8081


def test_a_port_a_sibling_container_declares_counts_as_declared(lint) -> None:
    sidecar = """        - name: envoy
          image: envoyproxy/envoy:v1.28.0
          ports: [{containerPort: 9901}]
          resources: {limits: {memory: 128Mi}}
"""
    assert _port_findings(lint, 9901, extra=sidecar) == []
    assert [f.severity for f in _port_findings(lint, 9902, extra=sidecar)] == ["info"]


def test_istio_agent_ports_are_served_on_injected_pods_only(lint) -> None:
    injected = "{sidecar.istio.io/status: '{\"containers\":[\"istio-proxy\"]}'}"
    assert _port_findings(lint, 15020, annotations=injected) == []
    assert _port_findings(lint, 15021, annotations=injected) == []
    assert [f.severity for f in _port_findings(lint, 15020)] == ["info"]  # no mesh: plain far port


def test_an_image_known_to_serve_an_undeclared_health_port_is_not_reported(lint) -> None:
    image = "registry.k8s.io/ingress-nginx/controller:v1.9.4"
    assert _port_findings(lint, 10254, image=image) == []
    assert [f.severity for f in _port_findings(lint, 10255, image=image)] == ["info"]


def test_one_edit_distance_is_exact() -> None:
    from crashlint.rules.probe_port_not_exposed import _one_edit
    assert _one_edit("8080", "8008") and _one_edit("8080", "80800") and _one_edit("443", "4443")
    assert not _one_edit("8080", "9090") and not _one_edit("80", "10254") and not _one_edit("8080", "8080")


# --- liveness-same-as-readiness: no cascade without serving replicas (FP-4), one-line message (FP-8) ---

_SAME = """
    apiVersion: apps/v1
    kind: {kind}
    metadata: {{name: web, namespace: shop}}
    spec:
      {spec}
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec:
          containers:
            - name: web
              image: ghcr.io/example/web:1.0.0
              readinessProbe: {{httpGet: {{path: /health, port: 8080}}}}
              livenessProbe: {{httpGet: {{path: /health, port: 8080}}}}
              resources: {{limits: {{memory: 128Mi}}}}
{extra}"""

_SERVICE = """    ---
    apiVersion: v1
    kind: Service
    metadata: {{name: svc, namespace: shop}}
    spec: {{selector: {{app: {app}}}, ports: [{{port: 80, targetPort: 8080}}]}}
"""


@pytest.mark.parametrize("kind,spec,extra,severity", [
    ("Deployment", "replicas: 3", "", "warning"),
    ("Deployment", "replicas: 1", "", "info"),
    ("StatefulSet", "replicas: 1", "", "info"),
    ("Deployment", "strategy: {type: Recreate}", "", "info"),
    ("Deployment", "replicas: 3\n      strategy: {type: Recreate}", "", "warning"),
    ("Deployment", "strategy: {type: Recreate}",
     "    ---\n    apiVersion: autoscaling/v2\n    kind: HorizontalPodAutoscaler\n"
     "    metadata: {name: web, namespace: shop}\n"
     "    spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 5}\n", "warning"),
    ("Deployment", "replicas: 3", _SERVICE.format(app="web"), "warning"),
    ("Deployment", "replicas: 3", _SERVICE.format(app="other"), "info"),
    ("DaemonSet", "revisionHistoryLimit: 3", "", "warning"),
])
def test_same_check_is_a_warning_only_where_restarts_can_cascade(lint, kind: str, spec: str, extra: str,
                                                                  severity: str) -> None:
    report = lint(_SAME.format(kind=kind, spec=spec, extra=extra))
    assert not report.errors, report.errors
    [f] = found(report, "liveness-same-as-readiness")
    assert f.severity == severity
    if severity == "info":
        assert "no cascade across replicas" in f.message


def test_a_multi_line_exec_probe_is_described_on_one_line(lint) -> None:
    report = lint("""
        apiVersion: v1
        kind: Pod
        metadata: {name: db}
        spec:
          containers:
            - name: db
              image: ghcr.io/example/db:1.0.0
              livenessProbe:
                exec:
                  command:
                    - /bin/bash
                    - -ec
                    - |
                      password_aux="${ROOT_PASSWORD:-}"
                      mysqladmin status -uroot -p"${password_aux}"
              readinessProbe:
                exec:
                  command:
                    - /bin/bash
                    - -ec
                    - |
                      password_aux="${ROOT_PASSWORD:-}"
                      mysqladmin status -uroot -p"${password_aux}"
              resources: {limits: {memory: 128Mi}}
    """)
    [f] = found(report, "liveness-same-as-readiness")
    assert "\n" not in f.message and 'exec `/bin/bash -ec password_aux="${ROOT_PASSWORD:-}" mysqladmin' in f.message
