"""unresolved-dependency, service-selects-nothing, service-port-not-exposed, egress-blocks-dns,
and the peer fixtures (kube-score test data) for the rules of this package."""

from __future__ import annotations

from pathlib import Path

import pytest

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from expect_markers import ALL_RULES, NETWORK_RULES, check_fixture

TESTS = Path(__file__).parent.parent
HERE = TESTS / "fixtures" / "rules" / "networking"
PEERS = TESTS.parent.parent / "shared" / "corpus" / "peers" / "kube-score"
HEALTHY = TESTS / "fixtures" / "healthy" / "refs-network"


@pytest.mark.parametrize("name", ["services.yaml", "services-only.yaml", "netpol.yaml", "deps.yaml",
                                  "deps-no-services.yaml"])
def test_fixture_findings_match_markers(name: str) -> None:
    check_fixture([HERE / name], NETWORK_RULES)


def test_service_messages_explain_where_the_pods_are() -> None:
    report = check_fixture([HERE / "services.yaml"], NETWORK_RULES)
    staging = next(f for f in report.findings if f.rule == "service-selects-nothing"
                   and f.object["namespace"] == "staging")
    assert "exist in namespace shop" in staging.message and "own namespace" in staging.message
    typo = next(f for f in report.findings if f.object["name"] == "web-frontend")
    assert "Closest: Deployment 'web' has labels app=web, tier=frontend" in typo.message
    port = next(f for f in report.findings if f.rule == "service-port-not-exposed")
    assert port.path == "/spec/ports/5/targetPort" and "'https'" in port.message


def test_egress_message_names_the_pods_cut_off() -> None:
    report = check_fixture([HERE / "netpol.yaml"], NETWORK_RULES)
    loader = next(f for f in report.findings if f.object["name"] == "loader-egress")
    assert "Deployment 'loader'" in loader.message and "reporter" not in loader.message
    assert loader.path == "/spec/egress" and "allows no port 53" in loader.message
    tcp = next(f for f in report.findings if f.object["name"] == "dns-tcp-only")
    assert "only over TCP" in tcp.message


def test_dependency_message_and_pointer() -> None:
    report = check_fixture([HERE / "deps.yaml"], NETWORK_RULES)
    db = next(f for f in report.findings if "DATABASE_URL" in f.message)
    assert db.severity == "info" and db.path == "/spec/template/spec/containers/0/env/1/value"
    assert "no Service 'db' in namespace 'shop'" in db.message


# Peer fixtures (../shared/corpus/peers/EXPECTED.md): which of this package's rules each must
# and must not raise. Rules of other packages are not asserted here.
PEER_EXPECTATIONS: dict[str, set[tuple[str, str]]] = {
    "service-not-target-pod.yaml": {("service-selects-nothing", "warning")},
    "service-not-target-deployment.yaml": {("service-selects-nothing", "warning")},
    "service-not-target-pod-multi-label.yaml": {("service-selects-nothing", "warning")},
    "service-target-pod-different-namespace.yaml": {("service-selects-nothing", "warning")},
    "service-target-deployment-different-namespace.yaml": {("service-selects-nothing", "warning")},
    "service-target-pod.yaml": set(),
    "service-target-deployment.yaml": set(),
    "service-externalname.yaml": set(),
    "pod-probes-all-missing.yaml": set(),
    "pod-probes-missing-ready.yaml": set(),
    "pod-probes-missing-live.yaml": set(),
    "pod-probes-identical-http.yaml": set(),
    "pod-probes-identical-tcp.yaml": set(),
    "pod-probes-identical-exec.yaml": set(),
    "pod-probes-targeted-by-service-different-namespace.yaml": {("service-selects-nothing", "warning")},
    "pod-probes-not-targeted-by-service.yaml": {("service-selects-nothing", "warning")},
    "pod-probes-on-different-containers-init.yaml": set(),
    "list.yaml": set(),
    "ingress-targets-service-no-match.yaml": {("service-selects-nothing", "info")},
    "statefulset-nested-ignores.yaml": {("missing-configmap", "warning"), ("missing-secret", "warning"),
                                        ("missing-service-account", "info")},
    "statefulset-service-name-different-name.yaml": {("unresolved-dependency", "info")},
    "configmap-multi-dash.yaml": set(),
}


@pytest.mark.skipif(not PEERS.is_dir(), reason="needs ../shared/corpus/peers beside the checkout (README: Tests)")
@pytest.mark.parametrize("name", sorted(PEER_EXPECTATIONS))
def test_peer_fixture(name: str) -> None:
    report = lint_paths([str(PEERS / name)], load_settings(raw={}))
    got = {(f.rule, f.severity) for f in report.findings if f.rule in ALL_RULES}
    assert got == PEER_EXPECTATIONS[name], [f.message for f in report.findings if f.rule in ALL_RULES]


def test_healthy_manifests_have_no_findings_from_these_rules() -> None:
    report = lint_paths([str(HEALTHY)], load_settings(raw={}))
    assert not report.errors
    assert report.objects >= 10
    assert [f"{f.file}:{f.line} {f.rule}: {f.message}" for f in report.findings if f.rule in ALL_RULES] == []


# --- healthy-corpus false positives: flag names (FP-2), object-store URLs (FP-5), operator pods (FP-10) --

_DEP = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: app, namespace: shop}}
    spec:
      selector: {{matchLabels: {{app: app}}}}
      template:
        metadata: {{labels: {{app: app}}}}
        spec:
          containers:
            - name: app
              image: ghcr.io/example/app:1.0.0
              args: ["{arg}"]
              resources: {{limits: {{memory: 128Mi}}}}
    ---
    apiVersion: v1
    kind: Service
    metadata: {{name: app, namespace: shop}}
    spec: {{selector: {{app: app}}, ports: [{{port: 80}}]}}
"""


def _dep_hosts(lint, arg: str) -> list[str]:
    report = lint(_DEP.format(arg=arg))
    assert not report.errors, report.errors
    return [f.message.split("names host '")[1].split("'")[0] for f in report.findings
            if f.rule == "unresolved-dependency"]


@pytest.mark.parametrize("arg,host", [
    ("--db-host=postgres", "postgres"), ("--redis-addr=cache:6379", "cache"), ("-server=nats:4222", "nats"),
    ("--kafka-brokers=kafka:9092,kafka-2:9092", "kafka-2"),
    ("--upstream=http://backend:8080", "backend"), ("--database-url=postgres://db:5432/app", "db"),
    ("--endpoint=redis://cache:6379", "cache"),
])
def test_flags_that_name_a_host_still_resolve(lint, arg: str, host: str) -> None:
    assert host in _dep_hosts(lint, arg)


@pytest.mark.parametrize("arg", [
    "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname", "--upstream-timeout=30s",
    "-server.http-server-read-timeout=5m", "--backend-storage=filesystem", "--endpoint-mode=dnsrr",
    "--addr-type=ipv4", "--backend-protocol=HTTPS", "--server-mode=standalone", "--broker-type=kafka",
    "--server-name=nginx", "--host-header=rewrite", "--upstream-name=primary", "--server-version=v2",
    "--endpoint-publishing-strategy=LoadBalancerService", "--hostport-range=30000-32767",
    "--db-host=Postgres", "--server=v2", "--hostname-override=node",
    "s3://example-backups/postgres/", "--source=gs://bucket/data", "--path=file://config/app.yaml",
    "--image=docker://alpine", "--dest=abfss://container/dir",
])
def test_flag_values_and_urls_that_are_not_hosts_are_ignored(lint, arg: str) -> None:
    assert _dep_hosts(lint, arg) == []


_OPERATED = """
    apiVersion: monitoring.coreos.com/v1
    kind: Prometheus
    metadata: {{name: k8s, namespace: monitoring}}
    spec: {{replicas: 2, podMetadata: {{labels: {{team: sre}}}}}}
    ---
    apiVersion: v1
    kind: Service
    metadata: {{name: prometheus, namespace: monitoring}}
    spec: {{selector: {selector}, ports: [{{port: 9090}}]}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: operator, namespace: monitoring}}
    spec:
      selector: {{matchLabels: {{app: operator}}}}
      template:
        metadata: {{labels: {{app: operator}}}}
        spec:
          containers:
            - name: operator
              image: quay.io/prometheus-operator/prometheus-operator:v0.70.0
              resources: {{limits: {{memory: 128Mi}}}}
"""


@pytest.mark.parametrize("selector", ["{app.kubernetes.io/name: prometheus, operator.prometheus.io/name: k8s}",
                                      "{prometheus: k8s}", "{app.kubernetes.io/name: prometheus, team: sre}"])
def test_a_service_for_pods_an_operator_creates_from_a_custom_resource_selects_them(lint, selector: str) -> None:
    report = lint(_OPERATED.format(selector=selector))
    assert not report.errors, report.errors
    assert [f for f in report.findings if f.rule == "service-selects-nothing"] == []


def test_a_service_for_a_resource_of_another_name_warns_and_names_the_resource(lint) -> None:
    report = lint(_OPERATED.format(selector="{app.kubernetes.io/name: prometheus, operator.prometheus.io/name: x}"))
    [f] = [f for f in report.findings if f.rule == "service-selects-nothing"]
    assert f.severity == "warning" and "Prometheus 'k8s' (operator.prometheus.io/name=k8s)" in f.message


def test_without_the_custom_resource_the_operator_is_named_as_info(lint) -> None:
    text = _OPERATED.format(selector="{prometheus: k8s}")
    report = lint(text.replace("monitoring.coreos.com/v1\n    kind: Prometheus", "v1\n    kind: ConfigMap"))
    [f] = [f for f in report.findings if f.rule == "service-selects-nothing"]
    assert f.severity == "info" and "made by Prometheus Operator from Prometheus 'k8s'" in f.message
