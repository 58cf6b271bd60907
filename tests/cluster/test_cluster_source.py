"""ClusterSource and CachedLookup through the real ``kubernetes`` client against recorded API JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crashlint.sources.cluster import ClusterError, ClusterSource
from crashlint.sources.kubeapi import METADATA_LIST_ACCEPT
from crashlint.webhook.lookups import CachedLookup
from fakeapi import CLUSTER_FIXTURES as FIXTURES, TOKEN, FakeAPI, closed_port_url, write_kubeconfig

SECRET_VALUE = "aHVudGVyMi1kby1ub3Qta2VlcA=="  # the password inside the recorded last-applied annotation


def _source(kubeconfig: Path, **kw) -> tuple[ClusterSource, list[str]]:
    warnings: list[str] = []
    return ClusterSource(kubeconfig=str(kubeconfig), in_cluster=False, warn=warnings.append, **kw), warnings


def test_inventory_lists_each_kind_once_per_namespace(kubeconfig: Path, fakeapi: FakeAPI) -> None:
    source, warnings = _source(kubeconfig)
    inv = source.inventory_for({"shop"})
    assert warnings == []
    cms = {e.name: e.keys for e in inv.of_kind("ConfigMap", "shop")}
    # the second page (continue token) is read too, binaryData keys count
    assert cms == {"app-config": frozenset({"LOG_LEVEL", "app.properties"}),
                   "kube-root-ca.crt": frozenset({"ca.crt"}), "assets": frozenset({"logo.png"})}
    secrets = list(inv.of_kind("Secret", "shop"))
    assert {e.name for e in secrets} == {"db-creds", "registry-pull"}
    assert all(e.keys is None and e.origin == "cluster" and e.obj is None for e in secrets)
    assert {e.name for e in inv.of_kind("ServiceAccount", "shop")} == {"default", "shop-api"}
    assert {e.name for e in inv.of_kind("Service", "shop")} == {"postgres"}
    assert inv.complete == {("ConfigMap", "shop"), ("Secret", "shop"), ("ServiceAccount", "shop"), ("Service", "shop")}
    paths = [r.path for r in fakeapi.requests]
    assert paths.count("/api/v1/namespaces/shop/configmaps") == 2  # two pages
    assert all(r.query.get("limit") == ["500"] for r in fakeapi.requests)
    assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in fakeapi.requests)
    # cached for the run: asking again sends nothing
    before = len(fakeapi.requests)
    source.inventory_for({"shop"})
    assert len(fakeapi.requests) == before


def test_secrets_are_only_ever_read_as_metadata(kubeconfig: Path, fakeapi: FakeAPI) -> None:
    source, _ = _source(kubeconfig)
    inv = source.inventory_for({"shop", "other"})
    secret_requests = [r for r in fakeapi.requests if "secrets" in r.path]
    assert len(secret_requests) == 2
    for r in secret_requests:
        # exactly the metadata media type, with no fallback that could return full Secrets
        assert r.headers["accept"] == METADATA_LIST_ACCEPT
        assert r.path.endswith("/secrets")  # lists only, never a GET of one Secret
    # the last-applied annotation (which holds the data) is not kept anywhere
    assert SECRET_VALUE not in repr(inv.entries)
    assert "aHVudGVy" not in repr(vars(source))


def test_a_reply_that_ignored_the_metadata_request_is_discarded(kubeconfig: Path, fakeapi: FakeAPI) -> None:
    fakeapi.ignore_as = True
    source, warnings = _source(kubeconfig)
    inv = source.inventory_for({"shop"})
    assert list(inv.of_kind("Secret")) == []
    assert ("Secret", "shop") not in inv.complete
    assert ("ConfigMap", "shop") in inv.complete
    assert len(warnings) == 1 and "PartialObjectMetadataList" in warnings[0] and "SecretList" in warnings[0]
    assert SECRET_VALUE not in repr(vars(source)) + repr(inv.entries)


def test_forbidden_kind_warns_and_is_not_complete(kubeconfig: Path, fakeapi: FakeAPI) -> None:
    fakeapi.forbidden.add(("locked", "secrets"))
    source, warnings = _source(kubeconfig)
    inv = source.inventory_for({"locked"})
    assert ("Secret", "locked") not in inv.complete
    assert {("ConfigMap", "locked"), ("ServiceAccount", "locked"), ("Service", "locked")} <= inv.complete
    assert len(warnings) == 1 and "403" in warnings[0] and "secrets" in warnings[0]


def test_unauthorized_is_one_cluster_error(kubeconfig: Path, fakeapi: FakeAPI) -> None:
    fakeapi.status = 401
    source, _ = _source(kubeconfig)
    with pytest.raises(ClusterError, match="401"):
        source.inventory_for({"shop"})


@pytest.mark.timing
def test_unreachable_cluster_fails_fast(tmp_path: Path) -> None:
    kc = write_kubeconfig(tmp_path / "kc", closed_port_url())
    source, _ = _source(kc)
    start = time.monotonic()
    with pytest.raises(ClusterError, match="unreachable"):
        source.inventory_for({"shop", "other"})
    assert time.monotonic() - start < 2.0


@pytest.mark.timing
def test_slow_cluster_times_out(kubeconfig: Path, fakeapi: FakeAPI) -> None:
    fakeapi.delay = 3.0
    source, _ = _source(kubeconfig, timeout=0.3)
    start = time.monotonic()
    with pytest.raises(ClusterError, match="within 0.3s"):
        source.inventory_for({"shop"})
    assert time.monotonic() - start < 1.5  # one timeout, no retries


def test_bad_kubeconfig_is_a_cluster_error(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match="credentials"):
        ClusterSource(kubeconfig=str(tmp_path / "absent"), in_cluster=False).inventory_for({"x"})
    bad = tmp_path / "bad"
    bad.write_text("clusters: 7\n")
    with pytest.raises(ClusterError):
        ClusterSource(kubeconfig=str(bad), in_cluster=False).inventory_for({"x"})


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.timing
def test_cached_lookup_ttl_budget_and_stale_while_error(kubeconfig: Path, fakeapi: FakeAPI) -> None:
    clock = FakeClock()
    source, _ = _source(kubeconfig, timeout=2.0)
    lookup = CachedLookup(source, ttl=30, budget=1.0, max_stale=600, clock=clock)
    try:
        first = lookup.lookup("shop")
        assert first.degraded is None and not first.stale
        assert lookup.lookup("shop").inventory is first.inventory  # within the TTL: no new requests
        assert len(fakeapi.requests) == 5
        # TTL over and the API slow: the answer comes within the budget, from the stale copy
        clock.now += 31
        fakeapi.delay = 1.5
        start = time.monotonic()
        stale = lookup.lookup("shop", budget=0.3)
        assert time.monotonic() - start < 0.8
        assert stale.stale and stale.inventory is first.inventory and stale.degraded is None
        # a namespace never seen, API slow: empty inventory and a reason to warn about
        start = time.monotonic()
        cold = lookup.lookup("other", budget=0.3)
        assert time.monotonic() - start < 0.8
        assert cold.degraded and "0.3s" in cold.degraded and not cold.inventory.entries
        # the background refresh finishes and fills the cache for later requests
        fakeapi.delay = 0.0
        deadline = time.monotonic() + 5
        warm = lookup.lookup("other", budget=0.0)
        while warm.degraded and time.monotonic() < deadline:
            time.sleep(0.1)
            warm = lookup.lookup("other", budget=0.0)
        assert warm.degraded is None and ("ConfigMap", "other") in warm.inventory.complete
    finally:
        lookup.close()


def test_cached_lookup_reports_an_unreachable_api(tmp_path: Path) -> None:
    kc = write_kubeconfig(tmp_path / "kc", closed_port_url())
    source, _ = _source(kc)
    lookup = CachedLookup(source, budget=1.0)
    try:
        result = lookup.lookup("shop")
        assert result.degraded and "unreachable" in result.degraded
        assert not result.inventory.entries
    finally:
        lookup.close()


def _lint_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crashlint", "lint", *args], capture_output=True, text=True,
                          timeout=60)


def test_cli_lint_with_cluster_resolves_references(kubeconfig: Path, fakeapi: FakeAPI) -> None:
    manifest = FIXTURES / "shop-deployment.yaml"
    proc = _lint_cli("--cluster", "--kubeconfig", str(kubeconfig), "-o", "json", "--fail-on", "never", str(manifest))
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    by_rule: dict[str, list[dict]] = {}
    for f in findings:
        by_rule.setdefault(f["rule"], []).append(f)
    # what the cluster has is not reported; what it lacks is an error (the namespace was listed completely)
    missing_cm = [f for f in by_rule.get("missing-configmap", [])]
    assert [("feature-flags" in f["message"], f["severity"]) for f in missing_cm] == [(True, "error")]
    missing_secret = by_rule.get("missing-secret", [])
    assert [("api-token" in f["message"], f["severity"]) for f in missing_secret] == [(True, "error")]
    assert "missing-service-account" not in by_rule
    keys = by_rule.get("missing-key", [])
    assert len(keys) == 1 and "MISSING" in keys[0]["message"]  # Secret keys are unknown: db-creds not flagged
    assert any(r.headers["accept"] == METADATA_LIST_ACCEPT for r in fakeapi.requests if "secrets" in r.path)


def test_cli_lint_without_cluster_only_warns(kubeconfig: Path) -> None:
    proc = _lint_cli("-o", "json", "--fail-on", "never", str(FIXTURES / "shop-deployment.yaml"))
    findings = json.loads(proc.stdout)["findings"]
    assert {f["severity"] for f in findings if f["rule"] in ("missing-configmap", "missing-secret")} <= {"warning"}
    assert any(f["rule"] == "missing-configmap" and "app-config" in f["message"] for f in findings)


def test_cli_lint_unreachable_cluster_is_one_line(tmp_path: Path) -> None:
    kc = write_kubeconfig(tmp_path / "kc", closed_port_url())
    start = time.monotonic()
    proc = _lint_cli("--cluster", "--kubeconfig", str(kc), str(FIXTURES / "shop-deployment.yaml"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("crashlint: cluster API at http://127.0.0.1:") and "unreachable" in proc.stderr
    assert time.monotonic() - start < 20


def test_cached_lookup_does_not_wait_on_a_failing_api_again(kubeconfig: Path, fakeapi: FakeAPI) -> None:
    fakeapi.status = 401  # every call fails at once with a ClusterError
    clock = FakeClock()
    source, _ = _source(kubeconfig)
    lookup = CachedLookup(source, budget=1.0, retry_after=5.0, clock=clock)
    try:
        first = lookup.lookup("shop")
        assert first.degraded and "401" in first.degraded
        assert len(fakeapi.requests) == 1
        again = lookup.lookup("shop")
        assert again.degraded == first.degraded and len(fakeapi.requests) == 1  # not asked again yet
        clock.now += 5
        fakeapi.status = None
        recovered = lookup.lookup("shop")
        assert recovered.degraded is None and ("Secret", "shop") in recovered.inventory.complete
    finally:
        lookup.close()
