"""The peer tools' own fixtures (kube-score, Polaris) against the issue-2 rules, as EXPECTED.md says.

Only the causes EXPECTED.md lists for these rules are asserted (image tags, pull policy, the
run-to-completion negatives, API rejections, positions, List unwrapping, document splitting);
probe, resource, reference and networking expectations belong to the suites of those rules.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from crashlint.engine.api import lint_paths
from crashlint.model.report import LintReport
from crashlint.settings.config import load_settings

# The shared tree sits beside the repository (``SHARED`` of tests/conftest.py).
PEERS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "peers"

pytestmark = pytest.mark.skipif(not PEERS.is_dir(), reason="needs ../shared/corpus/peers beside the checkout (README: Tests)")

# EXPECTED.md "should trigger: C5 image-tag-mutable / latest / untagged".
MUTABLE = {
    "kube-score/pod-probes-all-missing.yaml", "kube-score/pod-probes-missing-ready.yaml",
    "kube-score/pod-probes-missing-live.yaml", "kube-score/pod-probes-not-targeted-by-service.yaml",
    "kube-score/pod-probes-on-different-containers-init.yaml", "kube-score/pod-image-tag-latest.yaml",
    "kube-score/pod-image-pullpolicy-undefined-no-tag.yaml", "kube-score/service-not-target-pod.yaml",
    "kube-score/service-not-target-pod-multi-label.yaml", "kube-score/service-target-pod-different-namespace.yaml",
    "kube-score/service-target-pod.yaml", "kube-score/statefulset-nested-ignores.yaml", "kube-score/list.yaml",
    "polaris/livenessProbeMissing__failure.yaml", "polaris/livenessProbeMissing__success.yaml",
    "polaris/readinessProbeMissing__failure.yaml", "polaris/readinessProbeMissing__success.yaml",
    "polaris/cpuRequestsMissing__failure.yaml", "polaris/cpuRequestsMissing__success.yaml",
    "polaris/cpuLimitsMissing__failure.yaml", "polaris/cpuLimitsMissing__success.yaml",
    "polaris/memoryRequestsMissing__failure.yaml", "polaris/memoryRequestsMissing__success.yaml",
    "polaris/memoryLimitsMissing__failure.yaml", "polaris/memoryLimitsMissing__success.yaml",
    "polaris/tagNotSpecified__failure.yaml", "polaris/tagNotSpecified__failure.latest.yaml",
    "polaris/pullPolicyNotAlways__failure.cron-job.yaml",
    "polaris/resourceRange__failure.cpu-number.yaml", "polaris/resourceRange__failure.mem-number.yaml",
    "polaris/resourceRange__success.cpu-number.yaml", "polaris/resourceRange__success.mem-number.yaml",
}
# "should NOT trigger: C5", plus the files whose only images carry a fixed tag (foo/bar:123, nginx:1.14.2).
PINNED = {
    "kube-score/pod-image-tag-fixed.yaml", "kube-score/pod-image-pullpolicy-always.yaml",
    "kube-score/pod-image-pullpolicy-never.yaml", "kube-score/pod-test-resources-none.yaml",
    "kube-score/pod-test-resources-only-limits.yaml", "kube-score/pod-test-resources-limits-and-requests.yaml",
    "kube-score/deployment-test-resources.yaml", "kube-score/service-not-target-deployment.yaml",
    "kube-score/service-target-deployment.yaml", "kube-score/statefulset-service-name-different-name.yaml",
    "polaris/pullPolicyNotAlways__failure.deployment.yaml", "polaris/pullPolicyNotAlways__success.deployment.yaml",
    "polaris/tagNotSpecified__success.yaml",
}


@pytest.fixture(scope="module")
def report() -> LintReport:
    return lint_paths([str(PEERS)], load_settings(raw={}))


def _rel(path: str) -> str:
    return Path(path).resolve().relative_to(PEERS.resolve()).as_posix()


def _by_file(report: LintReport, rule: str) -> dict[str, list[tuple[int, int, str]]]:
    out: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for f in report.findings:
        if f.rule == rule:
            out[_rel(f.file)].append((f.line, f.column, f.severity))
    return out


def test_corpus_loads_without_errors(report: LintReport) -> None:
    assert report.errors == []
    assert report.files >= 55


def test_image_tag_mutable(report: LintReport) -> None:
    flagged = _by_file(report, "image-tag-mutable")
    assert MUTABLE - set(flagged) == set(), "untagged/latest images not reported"
    assert PINNED & set(flagged) == set(), "pinned images reported as mutable"
    assert flagged["kube-score/list.yaml"] == [(32, 22, "warning")]
    assert flagged["kube-score/pod-image-pullpolicy-undefined-no-tag.yaml"] == [(8, 12, "warning")]
    # Both containers of the init-container fixture use foo/bar:latest.
    assert [(line, col) for line, col, _ in flagged["kube-score/pod-probes-on-different-containers-init.yaml"]] == \
        [(10, 12), (13, 12)]


def test_image_pull_never(report: LintReport) -> None:
    assert dict(_by_file(report, "image-pull-never")) == {
        "kube-score/pod-image-pullpolicy-never.yaml": [(9, 22, "warning")]}


def test_completes_immediately_negatives_and_borderlines(report: LintReport) -> None:
    flagged = _by_file(report, "completes-immediately")
    assert "polaris/pullPolicyNotAlways__failure.cron-job.yaml" not in flagged  # a CronJob is meant to complete
    # The probe demos run `touch; sleep 30; rm; sleep 600` in a Pod: they do end, but after the
    # kubelet's back-off window — borderline, so never more than info.
    borderline = {"polaris/livenessProbeMissing__failure.yaml", "polaris/livenessProbeMissing__success.yaml",
                  "polaris/readinessProbeMissing__failure.yaml", "polaris/readinessProbeMissing__success.yaml"}
    assert set(flagged) <= borderline
    assert all(sev == "info" for hits in flagged.values() for *_, sev in hits)


def test_rejected_by_api_on_ports_and_missing_names(report: LintReport) -> None:
    flagged = _by_file(report, "rejected-by-api")
    assert flagged["kube-score/pod-container-ports-duplicate-names.yaml"] == [(26, 17, "error")]
    assert flagged["kube-score/pod-container-ports-missing-containerport.yaml"] == [(26, 11, "error")]
    for name in ("tagNotSpecified__failure.yaml", "tagNotSpecified__failure.latest.yaml", "tagNotSpecified__success.yaml"):
        assert flagged[f"polaris/{name}"] == [(9, 5, "error")], name  # the container has no name


def test_linenumbers_positions(report: LintReport) -> None:
    # foo starts at line 2 and foo2 at line 12. Each lacks spec.template.spec, as a kustomize patch
    # does, and no kustomization lists the file: each is a fragment, said with its line (issue 10).
    hits = [s.reason.split(":")[0] for s in report.skipped if _rel(s.file) == "kube-score/linenumbers.yaml"]
    assert hits == ["line 2", "line 12"]
    assert [f for f in report.findings if _rel(f.file) == "kube-score/linenumbers.yaml"] == []


def test_list_is_unwrapped(report: LintReport) -> None:
    in_list = {f.object["name"] for f in report.findings if _rel(f.file) == "kube-score/list.yaml"}
    assert "list-deployment-test" in in_list
    single = lint_paths([str(PEERS / "kube-score" / "list.yaml")], load_settings(raw={}))
    assert single.objects == 2 and single.errors == []


def test_configmap_multi_dash_has_no_findings(report: LintReport) -> None:
    assert [f for f in report.findings if _rel(f.file) == "kube-score/configmap-multi-dash.yaml"] == []
    single = lint_paths([str(PEERS / "kube-score" / "configmap-multi-dash.yaml")], load_settings(raw={}))
    assert single.errors == [] and single.findings == [] and single.objects == 1
