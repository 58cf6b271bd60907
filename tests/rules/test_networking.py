"""unresolved-dependency, service-selects-nothing, service-port-not-exposed, egress-blocks-dns,
and the peer fixtures (kube-score test data) for the rules of this package."""

from __future__ import annotations

from pathlib import Path

import pytest

from crashlint.api import lint_paths
from crashlint.config import load_settings
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


@pytest.mark.skipif(not PEERS.is_dir(), reason="peer corpus not present next to the repository")
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
