"""The shipped image and Deployment run unprivileged, and the webhook's RBAC is read-only.

Asserted from the files themselves (the Dockerfile at the repository root and the manifests
under ``webhook/deploy/``), so a change that weakens them fails here before it ships.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DEPLOY = ROOT / "webhook" / "deploy"
READ_VERBS = {"get", "list", "watch"}


def _final_stage(text: str) -> list[tuple[str, str]]:
    """(instruction, arguments) of the last build stage, continuation lines joined."""
    joined = re.sub(r"\\\r?\n", " ", text)
    instructions = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        instructions.append((word.upper(), rest.strip()))
    starts = [i for i, (word, _) in enumerate(instructions) if word == "FROM"]
    assert starts, "the Dockerfile has no FROM"
    return instructions[starts[-1]:]


def _is_root_user(spec: str) -> bool:
    user = spec.split(":", 1)[0].strip()
    return user in ("", "root", "0") or user.startswith("$")


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    if not DEPLOY.is_dir():
        pytest.skip("webhook/deploy/ is absent")
    out = []
    for path in sorted(DEPLOY.rglob("*.yaml")):
        out.extend(d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict) and "kind" in d)
    return out


def test_dockerfile_runs_as_non_root() -> None:
    if not DOCKERFILE.is_file():
        pytest.skip("no Dockerfile at the repository root")
    users = [args for word, args in _final_stage(DOCKERFILE.read_text()) if word == "USER"]
    assert users, "the final stage has no USER: the image would run as root"
    assert not _is_root_user(users[-1]), f"the final USER is root: {users[-1]!r}"


@pytest.mark.parametrize("spec,root", [("root", True), ("0:0", True), ("0", True), ("10001:10001", False),
                                        ("crashlint", False), ("$UID", True)])
def test_root_user_detection(spec: str, root: bool) -> None:
    assert _is_root_user(spec) is root


def _webhook_deployments(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    deployments = [o for o in objects if o.get("kind") == "Deployment"]
    if not deployments:
        pytest.skip("no Deployment under webhook/deploy/")
    return deployments


def test_deployment_is_unprivileged(objects: list[dict[str, Any]]) -> None:
    for deployment in _webhook_deployments(objects):
        pod = deployment["spec"]["template"]["spec"]
        pod_ctx = pod.get("securityContext") or {}
        assert not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC")
        containers = pod.get("containers", []) + pod.get("initContainers", [])
        assert containers
        for c in containers:
            ctx = c.get("securityContext") or {}
            where = f"{deployment['metadata']['name']}/{c['name']}"
            assert ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot")) is True, f"{where}: runAsNonRoot"
            assert ctx.get("runAsUser", pod_ctx.get("runAsUser", 1)) != 0, f"{where}: runAsUser 0"
            assert ctx.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem"
            assert ctx.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation"
            assert ctx.get("privileged") is not True, f"{where}: privileged"
            caps = ctx.get("capabilities") or {}
            assert "ALL" in (caps.get("drop") or []), f"{where}: capabilities not dropped"
            assert not caps.get("add"), f"{where}: adds capabilities {caps.get('add')}"


def _rbac_rules(objects: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    roles = [o for o in objects if o.get("kind") in ("ClusterRole", "Role")]
    if not roles:
        pytest.skip("no Role/ClusterRole under webhook/deploy/")
    return [(r["metadata"]["name"], rule) for r in roles for rule in r.get("rules") or []]


# The only writes any shipped role may make: the watcher records Events on the workloads it judges
# and holds its Lease for leader election. Nothing else is ever created, changed or deleted.
WRITES_ALLOWED = {("", "events"): {"create", "patch"}, ("events.k8s.io", "events"): {"create", "patch"},
                  ("coordination.k8s.io", "leases"): {"create", "update"}}


def test_rbac_is_read_only_without_wildcards(objects: list[dict[str, Any]]) -> None:
    for name, rule in _rbac_rules(objects):
        verbs = set(rule.get("verbs") or [])
        assert verbs, f"{name}: a rule without verbs"
        writes = verbs - READ_VERBS
        for group in rule.get("apiGroups") or [""]:
            for resource in rule.get("resources") or []:
                allowed = WRITES_ALLOWED.get((group, resource), set())
                assert writes <= allowed, f"{name}: verbs {sorted(writes)} on {group or 'core'}/{resource} beyond get/list/watch"
        for field in ("apiGroups", "resources", "resourceNames", "nonResourceURLs"):
            assert "*" not in (rule.get(field) or []), f"{name}: wildcard in {field}"


def test_rbac_never_gets_secrets(objects: list[dict[str, Any]]) -> None:
    """Reading one Secret by name returns its data; the webhook needs names only."""
    for name, rule in _rbac_rules(objects):
        if "secrets" in (rule.get("resources") or []):
            assert "get" not in (rule.get("verbs") or []), f"{name} grants get on secrets"


def test_bindings_name_only_the_shipped_roles(objects: list[dict[str, Any]]) -> None:
    """No binding to a built-in role such as cluster-admin or edit."""
    shipped = {o["metadata"]["name"] for o in objects if o.get("kind") in ("ClusterRole", "Role")}
    bindings = [o for o in objects if o.get("kind") in ("ClusterRoleBinding", "RoleBinding")]
    if not bindings:
        pytest.skip("no RoleBinding/ClusterRoleBinding under webhook/deploy/")
    for b in bindings:
        assert b["roleRef"]["name"] in shipped, f"{b['metadata']['name']} binds {b['roleRef']['name']}"
