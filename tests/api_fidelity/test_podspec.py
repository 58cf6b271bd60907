"""API fidelity of pod specs: what ``ValidatePodSpec`` and pod creation refuse, and near-misses accepted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from crashlint.model.document import Document
from crashlint.model.objects import K8sObject
from crashlint.knowledge.validation import podspec
from crashlint.settings.policy import load_policies
from server_answers import (
    FIXTURES,
    RULE,
    lint,
)

KNOWLEDGE = load_policies().knowledge  # the shipped knowledge, as a run without .crashlint.yaml has it

_CHILD = """
import json, sys
from crashlint.model.document import Document
from crashlint.model.objects import K8sObject
from crashlint.knowledge.validation import podspec, service
from crashlint.settings.policy import load_policies

KNOWLEDGE = load_policies().knowledge  # the shipped knowledge, as a run without .crashlint.yaml has it
docs = json.load(open(sys.argv[1]))
objs = [K8sObject(d, Document(sys.argv[1], i, 0, d), ()) for i, d in enumerate(docs)]
print(sum(len(list(m.check_object(o, KNOWLEDGE))) for o in objs for m in (podspec, service)))
"""


def _hits_within_deadline(tmp_path: Path, docs: list[dict]) -> int:
    """Run the pod-spec and Service checks in a child with a 20 s deadline: quadratic work over these
    inputs (n = 30,000) takes minutes, the linear checks well under a second."""
    data = tmp_path / "objects.json"
    data.write_text(json.dumps(docs))
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(data)], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(proc.stdout)


def test_names_paths_and_ports_are_indexed_not_compared_pairwise(tmp_path: Path) -> None:
    n = 30_000
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big"}, "spec": {
        "volumes": [{"name": f"v{i}", "emptyDir": {}} for i in range(n)],
        "containers": [{"name": "app", "image": "registry.example.com/app:1.0",
                        "volumeMounts": [{"name": f"v{i}", "mountPath": f"/m/{i}"} for i in range(n)],
                        "env": [{"name": f"E{i}", "value": "x"} for i in range(n)],
                        "ports": [{"name": f"p{i}", "containerPort": 1 + i} for i in range(n)]}]}}
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "big"}, "spec": {
        "ports": [{"name": f"s{i}", "port": 1 + i, "targetPort": f"p{i}"} for i in range(n)]}}
    assert _hits_within_deadline(tmp_path, [pod, svc]) == 0
    # The same sizes, every entry a repeat of the first: one finding per repeat (volume name, mountPath,
    # Service port name, Service port/protocol pair), still linear.
    pod["spec"]["volumes"] = [{"name": "v", "emptyDir": {}}] * n
    pod["spec"]["containers"][0]["volumeMounts"] = [{"name": "v", "mountPath": "/m"}] * n
    svc["spec"]["ports"] = [{"name": "s", "port": 80}] * n
    assert _hits_within_deadline(tmp_path, [pod, svc]) == 4 * (n - 1)


def test_a_statefulset_finding_says_when_the_server_refuses() -> None:
    """Up to 1.33 the server accepts a StatefulSet whose template is invalid and refuses its pods;
    since 1.34 it refuses the StatefulSet: the message must not claim only one of the two."""
    found = [f for f in lint(FIXTURES / "podspec" / "refused-statefulset-template.yaml").findings if f.rule == RULE]
    assert len(found) == 1
    assert "since Kubernetes 1.34 the API server refuses the StatefulSet on create" in found[0].message
    assert "refuse each pod its controller creates (FailedCreate)" in found[0].message


@pytest.mark.parametrize("source", ["admission", "cluster:Pod/ns/debugged"])
def test_objects_the_api_server_decoded_are_judged_only_for_a_statefulsets_template(source: str) -> None:
    """A live Pod holds the ephemeral container `kubectl debug` added; an admitted object passed
    validation. Only a StatefulSet's template, unvalidated before 1.34, is still worth a word."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debugged"},
           "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1.0"}],
                    "ephemeralContainers": [{"name": "debugger", "image": "busybox:1.36"}]}}
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
           "spec": {"template": {"spec": {"containers": [{"name": "db", "image": "registry.example.com/db:1.0",
                                                          "volumeMounts": [{"name": "wal", "mountPath": "/wal"}]}]}}}}
    assert list(podspec.check_object(K8sObject(pod, Document(source, 0, 0, pod), ()), KNOWLEDGE)) == []
    assert len(list(podspec.check_object(K8sObject(pod, Document("pod.yaml", 0, 0, pod), ()), KNOWLEDGE))) == 1
    hits = list(podspec.check_object(K8sObject(sts, Document(source, 0, 0, sts), ()), KNOWLEDGE))
    assert [h.message.split(" (")[0] for h in hits] == [
        'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "wal"']
