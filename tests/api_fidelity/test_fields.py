"""Unknown fields and wrong JSON types, judged from the official OpenAPI schema (validation/fields.py).

Fixtures under ``tests/fixtures/api_fidelity/fields/``: ``pos-*`` files list every
``rejected-by-api`` finding (``# expect: rule@line:col``) and the server's wording each must quote
(``# message: ...``); ``neg-*`` files are objects the API server accepts, on which this module
must say nothing.
"""

from __future__ import annotations

import importlib.util
import json
import re
import statistics
import time
from importlib import metadata
from pathlib import Path

import pytest
from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from crashlint.engine.runner import BUILTIN_GROUPS
from crashlint.model.document import Document
from crashlint.sources.loader import load_text
from crashlint.model.objects import K8sObject
from crashlint.knowledge.validation import fields
from crashlint.knowledge.validation.kinds import BUILTIN_KINDS
from crashlint.settings.policy import load_policies

KNOWLEDGE = load_policies().knowledge  # the shipped knowledge, as a run without .crashlint.yaml has it

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "api_fidelity" / "fields"
DATA = ROOT / "policies" / "schema" / "fields.json"
_EXPECT = re.compile(r"^#\s*expect:\s*(.*)$")
_MESSAGE = re.compile(r"^#\s*message:\s*(.*)$")
_ITEM = re.compile(r"^([a-z0-9-]+)@(\d+):(\d+)$")
# What this module's messages carry (the server's own wording).
_MINE = ("strict decoding error: unknown field", "the API server refuses the object (json:",
         "the API server refuses the object (quantities")


def _header(path: Path) -> tuple[list[tuple[str, int, int]], list[str]]:
    expected, messages = [], []
    for line in path.read_text().splitlines():
        if m := _EXPECT.match(line):
            for token in (t.strip() for t in m.group(1).split(",")):
                if it := _ITEM.match(token):
                    expected.append((it.group(1), int(it.group(2)), int(it.group(3))))
        elif m := _MESSAGE.match(line):
            messages.append(m.group(1).strip())
    return expected, messages


def _lint(path: Path):
    report = lint_paths([str(path)], load_settings(raw={}))
    assert report.errors == [], report.errors
    return report


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("pos-*.yaml")), ids=lambda p: p.name)
def test_refused_objects_are_reported_with_the_servers_words(path: Path) -> None:
    expected, messages = _header(path)
    assert expected and messages, "a pos- fixture lists its findings and the wording they quote"
    found = [f for f in _lint(path).findings if f.rule == "rejected-by-api"]
    assert sorted((f.rule, f.line, f.column) for f in found) == sorted(expected)
    assert all(f.severity == "error" for f in found)
    for text in messages:
        assert any(text in f.message for f in found), f"no finding says {text!r}: {[f.message for f in found]}"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("neg-*.yaml")), ids=lambda p: p.name)
def test_objects_the_server_accepts_get_no_field_finding(path: Path) -> None:
    report = _lint(path)
    mine = [f"{f.line}:{f.column} {f.message}" for f in report.findings if any(m in f.message for m in _MINE)]
    assert mine == []


def test_near_misses_get_no_rejected_by_api_at_all() -> None:
    """The accepted forms are accepted by every check, not only by this module."""
    for name in ("neg-near-misses.yaml", "neg-version-dependent-fields.yaml", "neg-real-istiod-deployment.yaml"):
        fired = [f"{f.line}:{f.column} {f.message}" for f in _lint(FIXTURES / name).findings
                 if f.rule == "rejected-by-api"]
        assert fired == [], name


def _objects(text: str):
    return load_text("m.yaml", text.encode()).objects


def _messages(text: str) -> list[str]:
    return [h.message for obj in _objects(text) for h in fields.check_object(obj, KNOWLEDGE)]


def test_suggestion_is_the_closest_real_field_name() -> None:
    (msg,) = _messages("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                       "    - {name: a, image: x, imagePullPolice: Always}\n")
    assert msg.startswith('unknown field "imagePullPolice"; did you mean "imagePullPolicy"?')
    assert 'unknown field "spec.containers[0].imagePullPolice"' in msg
    # Nothing close: no guess is offered.
    (msg,) = _messages("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nzzzzzz: 1\n")
    assert "did you mean" not in msg and msg.startswith('unknown field "zzzzzz": ')


@pytest.mark.parametrize("value, accepted", [
    ("8080", True), ('"http"', True), ("8080.0", True), ("true", False), ("[80]", False), ("80.5", False),
])
def test_int_or_string(value: str, accepted: bool) -> None:
    text = ("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n"
            f"    - {{port: 80, targetPort: {value}}}\n")
    msgs = _messages(text)
    assert (msgs == []) is accepted
    if not accepted:
        assert "into Go struct field ServicePort.spec.ports.targetPort of type int32" in msgs[0]


@pytest.mark.parametrize("value, accepted", [
    ("1", True), ('"500m"', True), ("0.5", True), ("true", False), ("{a: 1}", False),
])
def test_quantity(value: str, accepted: bool) -> None:
    text = ("apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q}\nspec:\n"
            f"  hard: {{cpu: {value}}}\n")
    msgs = _messages(text)
    assert (msgs == []) is accepted
    if not accepted:
        assert "quantities must match the regular expression" in msgs[0]


def test_integer_range_and_fraction() -> None:
    base = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: "
    assert _messages(base + "3\n") == [] and _messages(base + "3.0\n") == [] and _messages(base + "null\n") == []
    (msg,) = _messages(base + "3000000000\n")
    assert "json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32" in msg
    (msg,) = _messages(base + "1.5\n")
    assert "cannot unmarshal number 1.5 into" in msg


def test_numbers_go_yaml_reads_but_pyyaml_keeps_as_text() -> None:
    """kubectl's go-yaml reads a plain ``08080`` or ``1e3`` as a number; quoted, it stays a string."""
    base = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: "
    assert _messages(base + "08080\n") == [] and _messages(base + "1e3\n") == [] and _messages(base + "0o17\n") == []
    (msg,) = _messages(base + '"08080"\n')
    assert "cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32" in msg


def test_placeholders_in_typed_fields_are_not_judged_but_unknown_keys_are() -> None:
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: ${REPLICAS}\n"
            "  revisionHistoryLimit: REVISIONS\n  replicaz: ${REPLICAS}\n")
    (msg,) = _messages(text)
    assert msg.startswith('unknown field "replicaz"; did you mean "replicas"?')


@pytest.mark.parametrize("source", ["admission", "cluster:Deployment/ns/d"])
def test_objects_the_api_server_decoded_are_not_judged(source: str) -> None:
    """The webhook's and runtime mode's objects: a newer server's fields must not look unknown."""
    data = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"fieldOfKubernetes199": True, "replicas": "3"}}
    assert list(fields.check_object(K8sObject(data, Document(source, 0, 0, data), ()), KNOWLEDGE)) == []
    assert len(list(fields.check_object(K8sObject(data, Document("d.yaml", 0, 0, data), ()), KNOWLEDGE))) == 2


def test_patch_directives_are_not_unknown_fields() -> None:
    """``$patch: delete`` marks a kustomize patch, never applied on its own."""
    assert _messages("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n$patch: delete\n") == []


def test_unserved_versions_and_custom_resources_are_not_judged() -> None:
    for head in ("apiVersion: extensions/v1beta1\nkind: Deployment", "apiVersion: apps/v1beta2\nkind: Deployment",
                 "apiVersion: serving.knative.dev/v1\nkind: Service", "apiVersion: v1\nkind: NoSuchKind"):
        assert _messages(head + "\nmetadata: {name: x}\nspec: {bogus: 1, replicas: 'x'}\n") == [], head


def test_hostile_shapes_never_raise_and_findings_are_capped() -> None:
    shapes = [
        "apiVersion: v1\nkind: Pod\nmetadata: [1, 2]\nspec: 'x'\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: [a], annotations: 5}\nspec: {containers: {a: 1}}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {1: 2, true: 3, null: 4}\nspec:\n  containers: [null, 1, [], {name: [x]}]\n",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      ports: [{containerPort: 99999999999999999999999}]\n",
        "apiVersion: v1\nkind: Pod\nspec: {volumes: [{name: v, fc: {lun: .inf}}, {name: w, fc: {lun: .nan}}]}\n",
    ]
    for text in shapes:
        for obj in _objects(text):
            list(fields.check_object(obj, KNOWLEDGE))
    (msg,) = _messages("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" + "k" * 1_000 + ": 1\n")
    assert len(msg) < 400
    many = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" + "".join(f"k{i}: 1\n" for i in range(1000))
    assert len(_messages(many)) == fields.MAX_HITS


def test_one_finding_per_place(tmp_path: Path) -> None:
    """``env: {}`` is said once, by rejected-by-api's own check, not again by the decoder check."""
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
            "    - {name: a, image: registry.example.com/a:1, env: {}}\n")
    path = tmp_path / "pod.yaml"
    path.write_text(text)
    assert [(f.line, f.column) for f in _lint(path).findings if f.rule == "rejected-by-api"] == [(6, 55)]


@pytest.mark.timing
def test_typical_deployment_is_checked_well_under_a_millisecond() -> None:
    """The webhook runs this on every admission: the 170-line istiod Deployment, median of 200 runs."""
    (obj,) = load_text("d.yaml", (FIXTURES / "neg-real-istiod-deployment.yaml").read_bytes()).objects
    fields.schema()
    runs = []
    for _ in range(200):
        t = time.perf_counter()
        list(fields.check_object(obj, KNOWLEDGE))
        runs.append(time.perf_counter() - t)
    assert statistics.median(runs) < 0.001


def test_data_header_and_known_fields() -> None:
    data = json.loads(DATA.read_text())
    src = data["source"]
    assert src["package"] == "kubernetes-validate" and src["generator"] == "tools/gen_schema.py"
    assert src["kubernetes"][0] == "1.25" and len(src["kubernetes"]) >= 8
    defs = data["definitions"]
    assert data["kinds"]["apps/v1"]["Deployment"] == "apps.v1.Deployment"
    assert defs["core.v1.Container"]["imagePullPolicy"] == "s"
    assert defs["core.v1.FCVolumeSource"]["lun"] == "i32"
    assert defs["core.v1.ScaleIOPersistentVolumeSource"]["protectionDomain"] == "s"
    assert defs["core.v1.ServicePort"]["targetPort"] == "ios"
    assert defs["core.v1.ResourceRequirements"]["limits"] == "{}q"
    assert defs["meta.v1.ObjectMeta"]["annotations"] == "{}s"
    assert defs["apps.v1.Deployment"]["status"] == "@apps.v1.DeploymentStatus"
    # A type renamed between versions keeps both forms' fields.
    assert "claims" in defs["core.v1.ResourceRequirements|core.v1.VolumeResourceRequirements"]


def test_builtin_kinds_and_groups_come_from_the_data() -> None:
    assert {"Deployment", "PodDisruptionBudget", "ClusterRole", "StorageClass", "CronJob"} <= BUILTIN_KINDS
    assert "CustomResourceDefinition" not in BUILTIN_KINDS
    assert not any(k.endswith("List") for k in BUILTIN_KINDS)
    assert {"", "apps", "batch", "policy", "rbac.authorization.k8s.io", "extensions"} <= BUILTIN_GROUPS
    assert "serving.knative.dev" not in BUILTIN_GROUPS and "apiextensions.k8s.io" not in BUILTIN_GROUPS


def _generator():
    spec = importlib.util.spec_from_file_location("gen_schema", ROOT / "tools" / "gen_schema.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_data_is_what_the_generator_writes() -> None:
    recorded = json.loads(DATA.read_text())["source"]["version"]
    try:
        installed = metadata.version("kubernetes-validate")
    except metadata.PackageNotFoundError:
        pytest.skip("kubernetes-validate (the tools extra) is not installed")
    if installed != recorded:
        pytest.skip(f"kubernetes-validate {installed} installed, the data was generated from {recorded}")
    gen = _generator()
    assert DATA.read_text() == gen.render(gen.generate())
