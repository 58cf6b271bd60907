"""crashlint watch's deployment (webhook/deploy): least-privilege RBAC, hardened pod, clean under crashlint."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from crashlint.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "webhook" / "deploy"
WATCHED = {"": {"pods", "events", "replicationcontrollers"},
           "apps": {"replicasets", "deployments", "statefulsets", "daemonsets"},
           "batch": {"jobs", "cronjobs"}}
WRITES = {"create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate", "*"}


def _docs(*paths: Path) -> list[dict[str, Any]]:
    return [d for p in paths for d in yaml.safe_load_all(p.read_text()) if d]


def _watch_objects() -> list[dict[str, Any]]:
    return _docs(DEPLOY / "base" / "watch.yaml", DEPLOY / "base" / "watch-rbac.yaml")


def _rules(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for o in objs if o["kind"] in ("ClusterRole", "Role") for r in o["rules"]]


def test_rbac_reads_the_watched_kinds_and_writes_only_events_and_its_lease() -> None:
    rules = _rules(_watch_objects())
    reads: dict[str, set[str]] = {}
    for r in rules:
        assert "*" not in r["resources"] and "*" not in r["apiGroups"]
        assert not any("secret" in res for res in r["resources"]), r
        assert "pods/log" not in r["resources"]  # only with components/watch-logs
        writes = set(r["verbs"]) & WRITES
        if writes:
            allowed = {("", "events"): {"create", "patch"}, ("coordination.k8s.io", "leases"): {"create", "update"}}
            for group in r["apiGroups"]:
                for res in r["resources"]:
                    assert writes <= allowed.get((group, res), set()), r
        if {"get", "list", "watch"} <= set(r["verbs"]):
            for group in r["apiGroups"]:
                reads.setdefault(group, set()).update(r["resources"])
    assert reads == WATCHED
    lease = [r for r in rules if r["resources"] == ["leases"]]
    assert {v for r in lease for v in r["verbs"]} == {"get", "create", "update"}
    assert all(r.get("resourceNames") == ["crashlint-watch"] for r in lease if "create" not in r["verbs"])
    bindings = [o for o in _watch_objects() if o["kind"] in ("ClusterRoleBinding", "RoleBinding")]
    assert {(s["kind"], s["name"], s["namespace"]) for b in bindings for s in b["subjects"]} == {
        ("ServiceAccount", "crashlint-watch", "crashlint")}


def test_the_logs_component_adds_get_on_pods_log_and_the_flag_only() -> None:
    objs = _docs(DEPLOY / "components" / "watch-logs" / "rbac.yaml")
    assert _rules(objs) == [{"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]}]


def test_the_watcher_runs_hardened_from_the_webhook_image_in_its_namespace() -> None:
    objs = _watch_objects()
    (dep,) = [o for o in objs if o["kind"] == "Deployment"]
    webhook = next(o for o in _docs(DEPLOY / "base" / "deployment.yaml") if o["kind"] == "Deployment")
    spec = dep["spec"]["template"]["spec"]
    (c,) = spec["containers"]
    assert dep["metadata"]["namespace"] == webhook["metadata"]["namespace"] == "crashlint"
    assert c["image"] == webhook["spec"]["template"]["spec"]["containers"][0]["image"]
    assert dep["spec"]["replicas"] == 1 and spec["serviceAccountName"] == "crashlint-watch"
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert c["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                    "capabilities": {"drop": ["ALL"]}}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert c["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert spec["terminationGracePeriodSeconds"] >= 5  # SIGTERM stops it within 5 s
    # The arguments are crashlint's own (with the downward API's pod name substituted).
    args = [re.sub(r"\$\(POD_NAME\)", "crashlint-watch-0", a) for a in c["args"]]
    parsed = build_parser().parse_args(args)
    assert parsed.listen == "0.0.0.0:8080" and parsed.lease_namespace == "crashlint"
    assert parsed.identity == "crashlint-watch-0" and parsed.config == "/config/crashlint.yaml"
    assert {m["mountPath"] for m in c["volumeMounts"]} == {"/config", "/tmp"}


def test_the_image_carries_what_the_watcher_imports() -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = {re.split(r"[<>=\[ ]", r)[0] for r in extras["webhook"]}
    assert {"kubernetes", "prometheus-client"} <= names
    dockerfile = (REPO / "Dockerfile").read_text()
    assert '[webhook]"' in dockerfile and "EXPOSE 8443 8080" in dockerfile


def test_the_watch_manifests_pass_crashlint_lint() -> None:
    proc = subprocess.run([sys.executable, "-m", "crashlint", "lint", "-o", "json", "--fail-on", "info",
                           str(DEPLOY / "base" / "watch.yaml"), str(DEPLOY / "base" / "watch-rbac.yaml"),
                           str(DEPLOY / "components" / "watch-logs" / "rbac.yaml")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["findings"] == [] and report["errors"] == []


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_an_overlay_with_the_logs_component_builds(tmp_path: Path) -> None:
    tree = tmp_path / "deploy"
    shutil.copytree(DEPLOY, tree)
    overlay = tree / "overlays" / "logs"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": ["../../base"], "components": ["../../components/watch-logs"]}))
    proc = subprocess.run(["kubectl", "kustomize", str(overlay)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    built = [d for d in yaml.safe_load_all(proc.stdout) if d]
    dep = next(o for o in built if o["kind"] == "Deployment" and o["metadata"]["name"] == "crashlint-watch")
    assert dep["spec"]["template"]["spec"]["containers"][0]["args"][-1] == "--logs"
    assert any(o["kind"] == "ClusterRole" and o["metadata"]["name"] == "crashlint-watch-logs" for o in built)
    lint = subprocess.run([sys.executable, "-m", "crashlint", "lint", "--fail-on", "info", "-"], input=proc.stdout,
                          capture_output=True, text=True, timeout=60)
    assert lint.returncode == 0, lint.stdout + lint.stderr
