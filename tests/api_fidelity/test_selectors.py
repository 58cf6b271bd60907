"""API fidelity of workload selectors: what apps, core and batch validation refuse, and near-misses.

Each ``refused-*`` fixture under ``tests/fixtures/api_fidelity/selectors/`` quotes the server's answer
(``pkg/apis/apps/validation``, ``pkg/apis/core/validation``, ``pkg/apis/batch/validation``,
apimachinery ``ValidateLabelSelector``); each ``accepted-*`` fixture holds near-misses it accepts.
"""

from __future__ import annotations

import pytest
from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from server_answers import FIXTURES, RULE
from crashlint.settings.policy import load_policies

KNOWLEDGE = load_policies().knowledge  # the shipped knowledge, as a run without .crashlint.yaml has it


def test_kustomize_common_labels_reach_selector_and_template_alike() -> None:
    report = lint_paths([str(FIXTURES / "selectors" / "kustomize-common-labels")], load_settings(raw={}))
    assert report.errors == [] and report.objects >= 1
    assert [f"{f.line}: {f.message}" for f in report.findings if f.rule == RULE] == []


def test_the_missing_selector_fix_copies_the_template_labels() -> None:
    path = FIXTURES / "selectors" / "refused-apps-selector-required.yaml"
    found = [f for f in lint_paths([str(path)], load_settings(raw={})).findings if f.rule == RULE]
    assert [f.fix for f in found] == [
        [{"op": "add", "path": "/spec/selector", "value": {"matchLabels": {"app": app}}}] for app in ("web", "db", "agent")]


@pytest.mark.parametrize("selector", [
    None, [], "app=web", 3, {"matchLabels": ["a"]}, {"matchLabels": {"a": 1, None: "x"}},
    {"matchExpressions": {"key": "a"}}, {"matchExpressions": [None, 3, {"key": 5, "operator": []}]},
    {"matchExpressions": [{"key": "a", "operator": "In", "values": "x"}]},
    {"matchExpressions": [{"key": "a", "operator": "In", "values": [1, None, {"b": 2}]}]},
])
@pytest.mark.parametrize("template", [None, [], {"metadata": []}, {"metadata": {"labels": "x"}},
                                      {"metadata": {"labels": {"a": ["b"]}}}])
def test_selectors_and_templates_of_any_shape_never_raise(selector: object, template: object) -> None:
    from crashlint.model.document import Document
    from crashlint.model.objects import K8sObject
    from crashlint.knowledge.validation import selectors as module

    for api_version, kind in (("apps/v1", "Deployment"), ("apps/v1", "DaemonSet"), ("v1", "ReplicationController"),
                              ("batch/v1", "Job"), ("batch/v1", "CronJob")):
        spec = {"selector": selector, "template": template, "manualSelector": True,
                "jobTemplate": {"spec": {"selector": selector, "template": template}}}
        for data in ({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": spec},
                     {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"},
                      "spec": {**spec, "manualSelector": None}}):
            list(module.check_object(K8sObject(data, Document("x.yaml", 0, 0, data), ()), KNOWLEDGE))


@pytest.mark.parametrize("source", ["admission", "cluster:Job/ns/migrate"])
def test_objects_the_api_server_decoded_are_not_judged(source: str) -> None:
    """A live Job (runtime mode) or an admitted one (webhook) carries the selector and labels the server
    generated: in a file they are refused, on the server they are its own."""
    from crashlint.model.document import Document
    from crashlint.model.objects import K8sObject
    from crashlint.knowledge.validation import metadata, selectors

    uid = "95052288-f609-11e8-aa53-42010a80021b"
    data = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "uid": uid},
            "spec": {"selector": {"matchLabels": {"controller-uid": uid}},
                     "template": {"metadata": {"labels": {"controller-uid": uid, "job-name": "migrate"}},
                                  "spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": "m:1"}]}}}}
    for module in (metadata, selectors):
        assert list(module.check_object(K8sObject(data, Document(source, 0, 0, data), ()), KNOWLEDGE)) == []
    assert len(list(selectors.check_object(K8sObject(data, Document("job.yaml", 0, 0, data), ()), KNOWLEDGE))) == 1
