"""Property tests: whatever a manifest holds, loading and linting report instead of raising.

The CLI turns a rule's exception into an "internal error" input error (exit 2), which hides every
other finding of that object; so the property is stronger than "no traceback": no rule may raise
on any value in any field it reads, and the loader may not raise on any bytes.
"""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crashlint.engine.api import lint_objects
from crashlint.settings.config import load_settings
from crashlint.sources.loader import load_text

from lint_helpers import BUSYBOX_DEPLOYMENT

SETTINGS = load_settings(raw={})

# Any JSON/YAML value, including the awkward scalars YAML produces (NaN, huge ints, nulls).
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["", "Always", "Never", "sh", "-c", "echo hi", "busybox", "nginx:latest", "512m", "1Gi",
                     "2Gi", "500m", "http", "&&", ";", "sleep", "infinity", "=", "-1", "1e400", "0x10"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["name", "image", "command", "args", "port", "containerPort", "memory", "cpu", "httpGet",
         "exec", "tcpSocket", "successThreshold", "restartPolicy", "x"]), inner, max_size=4)), max_leaves=12)

CONTAINER_FIELDS = ["name", "image", "imagePullPolicy", "command", "args", "stdin", "tty", "ports", "env",
                    "envFrom", "resources", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
                    "securityContext", "volumeMounts", "restartPolicy", "workingDir"]
POD_FIELDS = ["restartPolicy", "initContainers", "volumes", "imagePullSecrets", "containers",
              "serviceAccountName", "hostAliases", "tolerations", "ephemeralContainers"]
KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
         "Pod", "PodTemplate"]


def _object(kind: str, pod: dict, containers: list) -> dict:
    spec = {**pod, "containers": containers} if "containers" not in pod else pod
    template = {"metadata": {"labels": {"app": "f"}}, "spec": spec}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": kind, "metadata": {"name": "f"}, "spec": spec}
    if kind == "PodTemplate":
        return {"apiVersion": "v1", "kind": kind, "metadata": {"name": "f"}, "template": template}
    if kind == "CronJob":
        return {"apiVersion": "batch/v1", "kind": kind, "metadata": {"name": "f"},
                "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": template}}}}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "f"},
            "spec": {"selector": {"matchLabels": {"app": "f"}}, "template": template}}


def _lint_text(text: str) -> list[str]:
    """Internal errors of the rules; also checks every finding lies inside the text."""
    loaded = load_text("fuzz.yaml", text)
    result = lint_objects(loaded.objects, SETTINGS)
    n_lines = text.count("\n") + 1
    for f in result.findings:
        assert 1 <= f.line <= n_lines and f.column >= 1, (f.rule, f.line, f.column)
    return [e.message for e in result.errors if "internal error" in e.message]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS),
       container=st.dictionaries(st.sampled_from(CONTAINER_FIELDS), VALUES, max_size=6),
       pod=st.dictionaries(st.sampled_from(POD_FIELDS), VALUES, max_size=3))
def test_rules_never_raise_on_any_field_value(kind: str, container: dict, pod: dict) -> None:
    base = {"name": "app", "image": "busybox:1.36"}
    text = yaml.safe_dump(_object(kind, pod, [{**base, **container}, {"name": "side", "image": "nginx:1.27"}]))
    assert _lint_text(text) == []


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_loader_never_raises_on_mutated_bytes(data: st.DataObject) -> None:
    raw = bytearray(BUSYBOX_DEPLOYMENT.encode())
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(raw)))
        op = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = data.draw(st.sampled_from(list(b"\t\n\r -:[]{}&*!|>'\"#%@`,?\x00\xff") + [0xEF, 0xBB, 0xBF]))
        if op == "insert":
            raw.insert(at, byte)
        elif raw and at < len(raw):
            if op == "delete":
                del raw[at]
            else:
                raw[at] = byte
    loaded = load_text("fuzz.yaml", bytes(raw))
    for err in loaded.errors:
        assert err.line >= 0 and err.message
    assert lint_objects(loaded.objects, SETTINGS).errors == []
