"""The shipped deployment: kustomize-ready, safe defaults, and clean under crashlint itself."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from crashlint.webhook.certs import default_dns
from crashlint.webhook.review import CHECKED_KINDS

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "webhook" / "deploy"


def _webhook_side(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The webhook's objects; crashlint watch's (component: watch) have their own tests (tests/watch)."""
    return [o for o in objs if o.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/component") != "watch"]


def _objects(directory: Path) -> list[dict[str, Any]]:
    out = []
    for f in sorted(directory.glob("*.yaml")):
        out.extend(d for d in yaml.safe_load_all(f.read_text()) if d)
    return _webhook_side(out)


def _one(objs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [o for o in objs if o["kind"] == kind]
    assert len(found) == 1, kind
    return found[0]


def test_manifests_pass_crashlint_lint() -> None:
    proc = subprocess.run([sys.executable, "-m", "crashlint", "lint", "-o", "json", "--fail-on", "warning",
                           str(DEPLOY)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["findings"] == [] and report["errors"] == []
    assert report["summary"]["objects"] >= 12


def test_kustomization_lists_every_file() -> None:
    for d in (DEPLOY / "base", DEPLOY / "overlays" / "cert-manager"):
        listed = yaml.safe_load((d / "kustomization.yaml").read_text())["resources"]
        files = {p.name for p in d.glob("*.yaml")} - {"kustomization.yaml"}
        assert {r for r in listed if r.endswith(".yaml")} == files


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
@pytest.mark.parametrize("target", ["base", "overlays/cert-manager"])
def test_kustomize_builds(target: str) -> None:
    proc = subprocess.run(["kubectl", "kustomize", str(DEPLOY / target)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    built = [d for d in yaml.safe_load_all(proc.stdout) if d]
    vwc = _one(built, "ValidatingWebhookConfiguration")
    if target != "base":
        assert vwc["metadata"]["annotations"]["cert-manager.io/inject-ca-from"] == "crashlint/crashlint-webhook"
        cert = _one(built, "Certificate")
        assert cert["spec"]["secretName"] == "crashlint-webhook-tls"
        assert set(cert["spec"]["dnsNames"]) <= set(default_dns())


def test_webhook_configuration_is_safe_and_complete() -> None:
    objs = _objects(DEPLOY / "base")
    (hook,) = _one(objs, "ValidatingWebhookConfiguration")["webhooks"]
    assert hook["admissionReviewVersions"] == ["v1"]
    assert hook["sideEffects"] == "None"
    assert hook["failurePolicy"] == "Ignore"
    assert hook["timeoutSeconds"] <= 5
    excluded = next(e for e in hook["namespaceSelector"]["matchExpressions"] if e["key"] == "kubernetes.io/metadata.name")
    assert excluded["operator"] == "NotIn" and {"kube-system", "crashlint"} <= set(excluded["values"])
    resources = {r for rule in hook["rules"] for r in rule["resources"]}
    assert resources == {"pods", "replicationcontrollers", "deployments", "statefulsets", "daemonsets",
                         "replicasets", "jobs", "cronjobs"}
    assert len(resources) == len(CHECKED_KINDS)
    assert all(rule["operations"] == ["CREATE", "UPDATE"] for rule in hook["rules"])
    svc = hook["clientConfig"]["service"]
    service = _one(objs, "Service")
    assert (svc["name"], svc["namespace"]) == (service["metadata"]["name"], service["metadata"]["namespace"])
    assert f"{svc['name']}.{svc['namespace']}.svc" in default_dns()  # what `crashlint certs` signs by default


def test_rbac_is_least_privilege() -> None:
    objs = _objects(DEPLOY / "base")
    roles = {o["metadata"]["name"]: o for o in objs if o["kind"] == "ClusterRole"}
    for role in roles.values():
        for rule in role["rules"]:
            assert "*" not in rule["verbs"] and "*" not in rule["resources"]
            assert rule["verbs"] == ["list"]  # single objects are field-selected LISTs: no `get`
    secret_rules = [r for role in roles.values() for r in role["rules"] if "secrets" in r["resources"]]
    assert secret_rules == [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]
    assert all(o["kind"] != "Role" or "secrets" not in str(o) for o in objs)


def test_deployment_runs_hardened_and_highly_available() -> None:
    objs = _objects(DEPLOY / "base")
    dep = _one(objs, "Deployment")
    spec = dep["spec"]["template"]["spec"]
    (c,) = spec["containers"]
    assert dep["spec"]["replicas"] >= 2
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    assert {"requests", "limits"} <= set(c["resources"])
    assert {"startupProbe", "livenessProbe", "readinessProbe"} <= set(c)
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert spec["topologySpreadConstraints"]
    assert _one(objs, "PodDisruptionBudget")["spec"]["minAvailable"] == 1
    assert any(v.get("emptyDir") is not None and m["mountPath"] == "/tmp"
               for v in spec["volumes"] for m in c["volumeMounts"] if m["name"] == v["name"])


def test_no_private_key_is_committed() -> None:
    for path in list(DEPLOY.rglob("*")) + list((REPO / "certs").rglob("*")):
        if path.is_file():
            assert "PRIVATE KEY-----" not in path.read_text(errors="replace"), path


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_apiserver_only_component_admits_no_pod_and_only_the_webhook_port(tmp_path: Path) -> None:
    tree = tmp_path / "deploy"
    shutil.copytree(DEPLOY, tree)  # kustomize wants relative paths: an overlay of the user's, beside it
    overlay = tree / "overlays" / "mine"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": ["../../base"], "components": ["../../components/apiserver-only"],
        "patches": [{"target": {"kind": "NetworkPolicy", "name": "crashlint-webhook-apiserver-only"},
                     "patch": "- {op: replace, path: /spec/ingress/0/from/0/ipBlock/cidr, value: 10.0.0.0/24}"}]}))
    proc = subprocess.run(["kubectl", "kustomize", str(overlay)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    built = _webhook_side([d for d in yaml.safe_load_all(proc.stdout) if d])
    policy = _one(built, "NetworkPolicy")
    pod_labels = _one(built, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert policy["metadata"]["namespace"] == _one(built, "Deployment")["metadata"]["namespace"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    (rule,) = policy["spec"]["ingress"]
    assert rule["from"] == [{"ipBlock": {"cidr": "10.0.0.0/24"}}]  # no pod or namespace selector peers
    assert rule["ports"] == [{"port": 8443, "protocol": "TCP"}]
    port = _one(built, "Deployment")["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
    assert port == 8443
