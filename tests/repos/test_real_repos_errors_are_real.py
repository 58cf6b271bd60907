"""Every error-level finding left at the roots of the real repositories is real (issue 10).

An error is real only if the API server would refuse the object, or the pod would crash or hang
as applied. Each one is listed here with the reason; a new error, or one that disappears, fails
the test and must be judged again. A sample of warnings is justified the same way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "repos"
REPOS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []
pytestmark = pytest.mark.skipif(not REPOS, reason="shared corpus of real repositories not present")

ALPINE_CRASHLOOP = "alpine's default command is `sh`, which exits 0 at once without a TTY: a Deployment restarts it forever"
EMPTY_TAG = "the image is '/name:' (an empty hub and tag rendered into a golden file): the kubelet reports InvalidImageName"
INVALID_TAG = "'alpine:invalid!' is not a valid reference (on purpose, for a failing sync): InvalidImageName"
LIMIT_BELOW_REQUEST = "memory limit 64M (64,000,000 bytes) is below the request 64Mi: the API server refuses it"

REAL_ERRORS: dict[tuple[str, str, int, str], str] = {
    ("argo-cd", "controller/testdata/additional-image-replicas-deployment.yaml", 21, "completes-immediately"):
        ALPINE_CRASHLOOP,
    ("argo-cd", "controller/testdata/minimal-image-replicas-deployment.yaml", 19, "completes-immediately"):
        ALPINE_CRASHLOOP,
    ("argo-cd", "controller/testdata/target-deployment-new-entries.yaml", 30, "rejected-by-api"):
        "ports[1] has only `grpcPort`: containerPort is required (spec...ports[1].containerPort: Required value)",
    ("argo-cd", "manifests/base/application-controller-deployment/argocd-application-controller-statefulset.yaml",
     10, "image-reference-invalid"):
        "`kubectl kustomize manifests/ha/base/controller-deployment` really emits this StatefulSet without an "
        "image (checked with the real kustomize): the API server refuses it (containers[].image: Required value)",
    ("argo-cd", "test/e2e/testdata/crd-validation/deployment.yaml", 21, "rejected-by-api"):
        "containerPort: '80' is a string; the API server cannot decode it into an int32 and refuses the object",
    ("argo-cd", "test/e2e/testdata/progressive-sync/dev/deployment.yaml", 19, "image-reference-invalid"): INVALID_TAG,
    ("argo-cd", "test/e2e/testdata/progressive-sync/prod/deployment.yaml", 19, "image-reference-invalid"): INVALID_TAG,
    ("argo-cd", "test/e2e/testdata/progressive-sync/staging/deployment.yaml", 19, "image-reference-invalid"):
        INVALID_TAG,
    ("istio", "pilot/pkg/config/kube/gatewaycommon/testdata/deployment/agentgateway-resources-null.yaml", 102,
     "image-reference-invalid"): EMPTY_TAG,
    ("istio", "pilot/pkg/config/kube/gatewaycommon/testdata/deployment/agentgateway-waypoint-resources-null.yaml", 100,
     "image-reference-invalid"): EMPTY_TAG,
    ("istio", "pilot/pkg/config/kube/gatewaycommon/testdata/deployment/kube-gateway-resources-null.yaml", 130,
     "image-reference-invalid"): EMPTY_TAG,
    ("istio", "pilot/pkg/config/kube/gatewaycommon/testdata/deployment/waypoint-resources-null.yaml", 130,
     "image-reference-invalid"): EMPTY_TAG,
    ("istio", "pkg/config/analysis/analyzers/testdata/image-auto.yaml", 85, "completes-immediately"):
        "a bare Pod of `ubuntu` with no command: bash exits 0 at once and restartPolicy Always restarts it forever",
    ("istio", "pkg/config/analysis/analyzers/testdata/sidecar-default-selector.yaml", 63, "rejected-by-api"):
        "a Pod whose only container has no name: the API server refuses it (containers[0].name: Required value)",
    ("istio", "pkg/kube/inject/testdata/inject/multi-container.yaml", 18, "completes-immediately"): ALPINE_CRASHLOOP,
    ("istio", "pkg/kube/inject/testdata/inject/multi-container.yaml", 24, "completes-immediately"): ALPINE_CRASHLOOP,
    ("kubernetes-engine-samples", "cost-optimization/gke-shift-left-cost/api/testdata/manifests/test.yaml", 36,
     "rejected-by-api"): LIMIT_BELOW_REQUEST,
    ("kubernetes-engine-samples",
     "cost-optimization/gke-shift-left-cost/samples/k8s-cost-estimator-local/app-v1/deployment.yaml", 36,
     "rejected-by-api"): LIMIT_BELOW_REQUEST,
    ("kubernetes-engine-samples",
     "cost-optimization/gke-shift-left-cost/samples/k8s-cost-estimator-local/app-v2/deployment.yaml", 36,
     "rejected-by-api"): LIMIT_BELOW_REQUEST,
}

# A sample of warnings, each justified: worth a look, not certain to crash.
SAMPLED_WARNINGS: dict[tuple[str, str, int, str], str] = {
    ("rook", "deploy/examples/cleanup-job.yaml", 90, "missing-secret"):
        "rook-ceph-mon is written by the Rook operator at run time; absent from the files, present once the "
        "operator runs: a warning, never an error",
    ("kube-prometheus", "tests/e2e/kind/kubernetesControlPlane-kubeControllerManagerPrometheusDiscoveryService.yaml",
     14, "service-selects-nothing"):
        "selects the control plane's static pods, which no file defines: true of the files, so a warning",
    ("example-voting-app", "k8s-specifications/result-deployment.yaml", 18, "image-tag-mutable"):
        "no tag means :latest, so which code runs depends on when each node pulled",
}


def _lint(repo: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "crashlint", "lint", repo, "-o", "json", "--fail-on", "never"],
                          cwd=CORPUS, capture_output=True, timeout=600)
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def reports() -> dict[str, dict]:
    return {repo: _lint(repo) for repo in REPOS}


def _keyed(reports: dict[str, dict], severity: str) -> set[tuple[str, str, int, str]]:
    return {(repo, f["file"].split("/", 1)[1], f["line"], f["rule"]) for repo, report in reports.items()
            for f in report["findings"] if f["severity"] == severity}


def test_every_error_is_listed_with_its_reason(reports: dict[str, dict]) -> None:
    assert _keyed(reports, "error") == set(REAL_ERRORS)


def test_sampled_warnings_are_there(reports: dict[str, dict]) -> None:
    assert set(SAMPLED_WARNINGS) <= _keyed(reports, "warning")


def test_a_base_line_found_by_several_overlays_is_one_finding_naming_them(reports: dict[str, dict]) -> None:
    dns = [f for f in reports["microservices-demo"]["findings"] if f["rule"] == "egress-blocks-dns"]
    assert len(dns) == 1 and len(dns[0]["overlays"]) >= 2, dns
    assert dns[0]["file"].endswith("kustomize/components/network-policies/network-policy-deny-all.yaml")
