"""Every repeated YAML key of the real repositories, judged (issue 11, item 7).

The corpus holds ten repeated keys. The six in built-in kinds repeat the same value (a selector,
a Secret's type, a storage class written twice): `kubectl apply -f` loses nothing, so each is
info, never "silently dropped". The four in custom resources are not judged (no rule reads
custom resources); three of them do lose a value (Confluent `requests` written twice with other
figures), which is listed here so that a change of that scope shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "repos"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus/repos beside the checkout (README: Tests)")

# (file, line of the repeat, line of the first occurrence): the same value twice.
SAME_VALUE = [
    ("argo-cd/gitops-engine/pkg/health/testdata/statefulset-ondelete.yaml", 94, 30),
    ("kubernetes-examples/_archived/openshift-origin/etcd-controller.yaml", 12, 6),
    ("kubernetes-examples/_archived/openshift-origin/etcd-discovery-controller.yaml", 12, 6),
    ("kubernetes-examples/_archived/openshift-origin/openshift-controller.yaml", 12, 8),
    ("kubernetes-examples/_archived/persistent-volume-provisioning/quobyte/quobyte-admin-secret.yaml", 9, 5),
    ("kubernetes-examples/_archived/volumes/scaleio/sc-pvc.yaml", 12, 6),
]
# Repeats in custom resources (Confluent for Kubernetes, RabbitMQ's User): not judged today.
CUSTOM_RESOURCES = [
    "kubernetes-engine-samples/streaming/kafka-confluent/manifests/05-replicator/replicator.yaml",  # cpu 500m, 1000m
    "kubernetes-engine-samples/streaming/kafka-confluent/manifests/05-replicator/my-target-cluster.yaml",  # 3Gi, 2Gi
    "kubernetes-engine-samples/streaming/kafka-confluent/manifests/06-confluent-platform/platform.yaml",  # 500m, 1000m
    "argo-cd/resource_customizations/rabbitmq.com/User/testdata/unknown.yaml",  # status twice
]


def _duplicate_findings(path: str) -> list:
    report = lint_paths([str(CORPUS / path)], load_settings(raw={}))
    return [f for f in report.findings + report.suppressed if f.rule == "duplicate-key"]


@pytest.mark.parametrize(("path", "line", "first"), SAME_VALUE, ids=[p for p, *_ in SAME_VALUE])
def test_same_value_repeats_are_info(path: str, line: int, first: int) -> None:
    [finding] = _duplicate_findings(path)
    assert (finding.line, finding.severity) == (line, "info")
    assert f"lines {first} and {line}), with the same value" in finding.message


@pytest.mark.parametrize("path", CUSTOM_RESOURCES)
def test_custom_resources_are_not_judged(path: str) -> None:
    assert _duplicate_findings(path) == []
