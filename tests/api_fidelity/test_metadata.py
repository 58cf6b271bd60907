"""API fidelity of object metadata: names, generateName, labels, annotations, served versions.

Each ``refused-*`` fixture under ``tests/fixtures/api_fidelity/metadata/`` quotes what the server
answers (apimachinery ``pkg/api/validation/objectmeta.go``, ``pkg/apis/meta/v1/validation``,
``pkg/util/validation``, and each kind's ``ValidateNameFunc``); each ``accepted-*`` fixture holds
near-misses the server accepts. Cases that need generated input (a 256 KiB annotation) or a unit's
view (the upstream messages, ``maskTrailingDash``) are tested here directly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from crashlint.knowledge import k8snames
from server_answers import RULE, lint
from crashlint.settings.policy import load_policies

KNOWLEDGE = load_policies().knowledge  # the shipped knowledge, as a run without .crashlint.yaml has it


def _annotated(tmp_path: Path, size: int) -> Path:
    """A ConfigMap whose annotation keys and values add up to ``size`` bytes."""
    key = "example.com/blob"
    path = tmp_path / "annotated.yaml"
    path.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  annotations:\n"
                    f"    {key}: {'x' * (size - len(key))}\n")
    return path


def test_annotations_over_256_kib_are_too_long(tmp_path: Path) -> None:
    found = [f for f in lint(_annotated(tmp_path, 262145)).findings if f.rule == RULE]
    assert [(f.line, f.severity) for f in found] == [(5, "error")]
    assert "metadata.annotations: Too long: must have at most 262144 bytes" in found[0].message


def test_annotations_of_exactly_256_kib_are_accepted(tmp_path: Path) -> None:
    assert [f for f in lint(_annotated(tmp_path, 262144)).findings if f.rule == RULE] == []


def test_rbac_names_are_path_segments(tmp_path: Path) -> None:
    path = tmp_path / "role.yaml"
    path.write_text("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: read/pods\n"
                    "rules: []\n")
    found = [f for f in lint(path).findings if f.rule == RULE]
    assert [(f.line, f.message) for f in found] == [(4, 'metadata.name: Invalid value: "read/pods": may not contain \'/\'')]


_LABEL_REGEX_MESSAGE = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                        "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                        "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
_NAME_PART_MESSAGE = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                      "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                      "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")


@pytest.mark.parametrize("value, messages", [
    ("my-name", []),
    ("a" * 64, ["must be no more than 63 characters"]),
    ("a.b", ["must not contain dots"]),
    ("-a", [_LABEL_REGEX_MESSAGE]),
])
def test_dns1123_label_messages_are_upstreams(value: str, messages: list[str]) -> None:
    assert k8snames.dns1123_label_problems(value) == messages


@pytest.mark.parametrize("value, messages", [
    ("app.kubernetes.io/name", []),
    ("a" * 63, []),
    ("a" * 64, ["name part must be no more than 63 characters"]),
    ("", ["name part must be non-empty", _NAME_PART_MESSAGE]),
    ("a/", ["name part must be non-empty", _NAME_PART_MESSAGE]),
    ("/a", ["prefix part must be non-empty"]),
    ("a/b/c", ["a valid label key " + _NAME_PART_MESSAGE.removeprefix("name part ") + " with an optional DNS "
               "subdomain prefix and '/' (e.g. 'example.com/MyName')"]),
])
def test_qualified_name_messages_are_upstreams(value: str, messages: list[str]) -> None:
    assert k8snames.qualified_name_problems(value) == messages


@pytest.mark.parametrize("generate_name, checked_as", [("web-", "wea"), ("web", "web"), ("a-", "a"), ("-", "a")])
def test_generate_name_is_checked_with_its_trailing_dash_masked(generate_name: str, checked_as: str) -> None:
    assert k8snames.mask_trailing_dash(generate_name) == checked_as


def test_a_huge_map_of_bad_labels_costs_linear_time_and_a_screenful(tmp_path: Path) -> None:
    """100,000 numeric labels and 100,000 bad keys: one pass each, 20 findings per map and one that counts the rest."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
    from crashlint.model.document import Document
    from crashlint.model.objects import K8sObject
    from crashlint.knowledge.validation import metadata as module
    from linear_runner import rule_finishes

    def config_map(n: int) -> dict:
        labels = {**{f"n{i}": i for i in range(n)}, **{f"bad key {i}": "x" for i in range(n)}}
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big", "labels": labels}}

    assert rule_finishes(tmp_path, RULE, [config_map(100_000)]) >= 21  # the whole rule, within the deadline
    small = config_map(1_000)
    hits = list(module.check_object(K8sObject(small, Document("x.yaml", 0, 0, small), ()), KNOWLEDGE))
    assert len(hits) == 21 and "1980 more entries are refused like the ones above" in hits[-1].message


@pytest.mark.parametrize("metadata", [
    [], "x", 3, {"name": ["a"]}, {"name": 7, "generateName": 8, "namespace": {"a": 1}},
    {"name": "ok", "labels": ["a"], "annotations": "x"}, {"name": "ok", "labels": {None: 1, 1.5: True, 2: [1]}},
    {"name": "ok", "annotations": {"a": {"b": 1}, "c": None}}, {"name": None},
])
def test_metadata_of_any_shape_never_raises(tmp_path: Path, metadata: object) -> None:
    from crashlint.model.document import Document
    from crashlint.model.objects import K8sObject
    from crashlint.knowledge.validation import metadata as module

    for kind, spec in (("ConfigMap", None), ("Deployment", {"template": {"metadata": metadata}}),
                       ("CronJob", {"jobTemplate": {"metadata": metadata, "spec": {"template": metadata}}})):
        data = {"apiVersion": "batch/v1" if kind == "CronJob" else "apps/v1" if kind == "Deployment" else "v1",
                "kind": kind, "metadata": metadata, "spec": spec}
        list(module.check_object(K8sObject(data, Document("x.yaml", 0, 0, data), ()), KNOWLEDGE))


def test_the_quoting_fix_keeps_the_text_as_written() -> None:
    """``version: 1.10`` becomes ``"1.10"`` (the scalar's text), not ``"1.1"`` (the float's)."""
    path = Path(__file__).resolve().parents[1] / "fixtures" / "api_fidelity" / "metadata" / "refused-label-value-types.yaml"
    fixes = [f.fix for f in lint(path).findings if f.rule == RULE]
    assert fixes == [[{"op": "replace", "path": p, "value": v}] for p, v in (
        ("/metadata/labels/version", "1.10"), ("/metadata/labels/canary", "true"), ("/metadata/labels/beta", "y"),
        ("/metadata/annotations/replicas-hint", "3"), ("/spec/template/metadata/labels/tier", "2"))]


def test_a_patched_label_is_reported_at_the_patch_with_the_patch_text() -> None:
    """In a kustomize build each value is judged where it was written: the patch's ``2.10``, not the base's ``1.0``."""
    unit = Path(__file__).resolve().parents[1] / "fixtures" / "api_fidelity" / "metadata" / "kustomize-patched-label"
    found = [f for f in lint(unit).findings if f.rule == RULE]
    assert [(Path(f.file).name, f.line) for f in found] == [("patch.yaml", 6)]
    assert found[0].message.endswith('quote it: version: "2.10"')
