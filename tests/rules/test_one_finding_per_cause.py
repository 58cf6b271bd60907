"""One finding per cause: a missing ConfigMap/Secret (or key, or pull Secret) named by many fields
of one workload is one finding on the first place, listing every place with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from crashlint.model.findings import Finding
from crashlint.runtime.classify import Crash
from crashlint.runtime.join import CONFIRMED, NOT_OBSERVED, Observed, join
from expect_markers import REFERENCE_RULES, check_fixture

FIXTURE = Path(__file__).parent.parent / "fixtures" / "rules" / "references" / "one-per-cause.yaml"


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return [f for f in check_fixture([FIXTURE], REFERENCE_RULES).findings if f.rule in REFERENCE_RULES]


def _one(findings: list[Finding], rule: str, text: str) -> Finding:
    got = [f for f in findings if f.rule == rule and text in f.message]
    assert len(got) == 1, [f.message for f in findings]
    return got[0]


def test_markers_match_one_finding_per_object_and_key(findings: list[Finding]) -> None:
    assert len(findings) == 6  # checked against the fixture's markers by check_fixture too


def test_a_secret_named_six_times_is_one_finding_listing_every_place(findings: list[Finding]) -> None:
    f = _one(findings, "missing-secret", '"db-credentials"')
    places = f.extra["places"]
    assert [p["where"] for p in places] == [
        "env DB_PASSWORD of container 'migrate'", "env DB_PASSWORD of container 'web'", "envFrom of container 'web'",
        "env DB_PASSWORD of container 'sidecar'", "volume 'creds'", "projected volume 'bundle'"]
    assert [p["line"] for p in places] == [36, 44, 56, 68, 79, 83]
    assert (f.line, f.path) == (places[0]["line"], places[0]["path"])  # on the first place, init container first
    assert f.path == "/spec/template/spec/initContainers/0/env/0/valueFrom/secretKeyRef/name"
    assert "used in 6 places" in f.message and "mark the references `optional: true`" in f.message
    # a volume that cannot mount holds every container back: that is the symptom users see
    assert 'FailedMount: MountVolume.SetUp failed for volume "creds" : secret "db-credentials" not found' in f.message
    # places span several containers and volumes: no single container owns the finding
    assert f.container is None
    assert {p["container"] for p in places} == {"migrate", "web", "sidecar", None}


def test_json_output_carries_the_places() -> None:
    report = lint_paths([str(FIXTURE)], load_settings(raw={}))
    f = next(f.as_dict() for f in report.findings if f.rule == "missing-configmap" and "web-env" in f.message)
    assert [(p["container"], p["line"]) for p in f["places"]] == [("web", 58), ("sidecar", 76)]
    assert f["places"][0]["path"] == f["path"] and f["line"] == 58


def test_places_in_one_container_keep_the_container(findings: list[Finding]) -> None:
    f = _one(findings, "missing-configmap", '"worker-env"')
    assert f.container == "worker" and len(f.extra["places"]) == 2


def test_optional_places_are_not_listed_and_alone_give_nothing(findings: list[Finding]) -> None:
    assert not any("maybe-there" in f.message for f in findings)


def test_a_key_missing_for_two_containers_and_a_volume_is_one_finding(findings: list[Finding]) -> None:
    f = _one(findings, "missing-key", 'no key "level"')
    assert [p["line"] for p in f.extra["places"]] == [49, 71, 92]
    assert f.extra["places"][2]["path"].endswith("/volumes/2/configMap/items/1/key")
    assert "configmap references non-existent config key: level" in f.message
    # the binaryData key is missing only for env, so the volume item that reads it is no place
    logo = _one(findings, "missing-key", 'no key "logo.png"')
    assert "binaryData" in logo.message and logo.container == "web" and len(logo.extra["places"]) == 1
    assert "mark the reference `optional: true`" in logo.message


def test_a_pull_secret_listed_twice_is_one_finding(findings: list[Finding]) -> None:
    f = _one(findings, "missing-image-pull-secret", '"registry-creds"')
    assert "listed 2 times" in f.message and [p["line"] for p in f.extra["places"]] == [26, 27]


def _crash(container: str, workload: str = "Deployment/shop/web") -> Crash:
    return Crash(workload, "shop", "web-5d8f-abcde", "uid-1", container, False, "config-missing",
                 {"waiting": {"reason": "CreateContainerConfigError"}},
                 'CreateContainerConfigError: secret "db-credentials" not found',
                 names=frozenset({"db-credentials"}))


@pytest.mark.parametrize("container", ["web", "sidecar", "migrate"])
def test_runtime_join_confirms_the_grouped_finding_by_a_crash_of_any_of_its_containers(
        findings: list[Finding], container: str) -> None:
    f = _one(findings, "missing-secret", '"db-credentials"')
    observed = Observed()
    observed.pods["Deployment/shop/web"] = 1
    observed.crashes["Deployment/shop/web"].append(_crash(container))
    (joined,) = join([(f, "Deployment/shop/web")], observed)
    assert joined.status == CONFIRMED and joined.evidence[0]["container"] == container


def test_runtime_join_keeps_a_one_container_finding_to_its_container(findings: list[Finding]) -> None:
    f = _one(findings, "missing-configmap", '"worker-env"')
    observed = Observed()
    observed.pods["Deployment/shop/worker"] = 1
    other = Crash("Deployment/shop/worker", "shop", "worker-1", "uid-2", "other", False, "config-missing", {},
                  'CreateContainerConfigError: configmap "worker-env" not found', names=frozenset({"worker-env"}))
    assert join([(f, "Deployment/shop/worker")], observed)[0].status == NOT_OBSERVED  # wrong container
    observed.crashes["Deployment/shop/worker"].append(other)
    assert join([(f, "Deployment/shop/worker")], observed)[0].status == NOT_OBSERVED
    mine = Crash("Deployment/shop/worker", "shop", "worker-1", "uid-2", "worker", False, "config-missing", {},
                 'CreateContainerConfigError: configmap "worker-env" not found', names=frozenset({"worker-env"}))
    observed.crashes["Deployment/shop/worker"].append(mine)
    assert join([(f, "Deployment/shop/worker")], observed)[0].status == CONFIRMED
