"""Issue 9 #0: a healthy `kubectl apply -f app.yaml` is never denied on a cached negative.

The file holds a ConfigMap, a Secret and the Deployment that uses them; the API server admits
them one after the other. The webhook's cache lists the namespace before the ConfigMap and the
Secret exist (a warm cache with a long TTL), then they are created in the stateful fake API, then
the Deployment is reviewed: it must be allowed. A reference to an object that really is missing
is still denied, because the absence is confirmed by a direct look-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from fakeapi import recorded_cluster, write_kubeconfig
from harness.webhook import Webhook, make_certs

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures"
NS = "shop-apply"


@pytest.fixture
def api() -> Iterator[Any]:
    fake = recorded_cluster().start()
    yield fake
    fake.stop()


@pytest.fixture
def server(tmp_path: Path, api: Any) -> Iterator[Webhook]:
    (tmp_path / "webhook.yaml").write_text("cache_ttl_seconds: 300\nlookup_budget_seconds: 1.0\n")
    kc = write_kubeconfig(tmp_path / "kubeconfig", api.url)
    wh = Webhook(make_certs(tmp_path / "certs"), [
        "--config", str(FIXTURES / "webhook" / "crashlint.yaml"), "--webhook-config", str(tmp_path / "webhook.yaml"),
        "--kubeconfig", str(kc), "--workers", "1"], tmp_path / "server.log")
    yield wh
    wh.stop()


def _documents() -> dict[str, dict[str, Any]]:
    docs = list(yaml.safe_load_all((FIXTURES / "security" / "app-apply.yaml").read_text()))
    return {d["kind"]: d for d in docs}


def test_apply_of_configmap_secret_and_deployment_together_is_allowed(server: Webhook, api: Any) -> None:
    docs = _documents()
    # Another workload of the namespace warms the cache while neither object exists yet.
    warm = server.review(docs["Deployment"], namespace=NS)
    assert warm["allowed"] is False, "the objects are missing now, and that is confirmed"
    assert "missing-configmap" in warm["status"]["message"] and "missing-secret" in warm["status"]["message"]

    # kubectl apply -f app.yaml: the ConfigMap and the Secret are created first...
    api.add(docs["ConfigMap"], namespace=NS)
    api.add(docs["Secret"], namespace=NS)
    # ...and the Deployment a moment later, well within the cache's 300 s TTL.
    resp = server.review(docs["Deployment"], namespace=NS)
    assert resp["allowed"] is True, resp
    assert not [w for w in resp.get("warnings", []) if "missing-" in w], resp

    # The Secret was asked for as metadata only, by name, through a LIST the RBAC allows.
    secret_asks = [r for r in api.requests if r.path.endswith("/secrets")]
    assert secret_asks and all("as=PartialObjectMetadataList" in r.headers["accept"] for r in secret_asks)
    assert any(r.query.get("fieldSelector") == ["metadata.name=app-credentials"] for r in secret_asks)


def test_found_objects_are_cached_and_real_absence_still_denies(server: Webhook, api: Any) -> None:
    docs = _documents()
    server.review(docs["Deployment"], namespace=NS)  # cache: neither exists
    api.add(docs["ConfigMap"], namespace=NS)
    first = server.review(docs["Deployment"], namespace=NS)
    assert first["allowed"] is False
    message = first["status"]["message"]
    assert "missing-secret" in message and "missing-configmap" not in message, message

    asked = len(api.requests)
    again = server.review(docs["Deployment"], namespace=NS)
    assert again["allowed"] is False and "missing-secret" in again["status"]["message"]
    new = api.requests[asked:]
    # the ConfigMap found by the direct look-up is remembered; only the still-missing Secret is asked again
    assert [r.query.get("fieldSelector") for r in new] == [["metadata.name=app-credentials"]], new


def test_a_key_added_after_the_listing_is_found(server: Webhook, api: Any) -> None:
    docs = _documents()
    cm = docs["ConfigMap"]
    api.add({**cm, "data": {"OTHER": "x"}}, namespace=NS)
    api.add(docs["Secret"], namespace=NS)
    before = server.review(docs["Deployment"], namespace=NS)
    assert before["allowed"] is False and "missing-key" in before["status"]["message"]
    api.add(cm, namespace=NS)  # kubectl apply updates the ConfigMap with the key
    after = server.review(docs["Deployment"], namespace=NS)
    assert after["allowed"] is True, after


def test_unconfirmable_absence_is_a_warning_not_a_denial(server: Webhook, api: Any) -> None:
    docs = _documents()
    server.review(docs["Deployment"], namespace=NS)  # cache: neither exists
    api.delay = 3.0  # the API stops answering within the budget
    resp = server.review(docs["Deployment"], namespace=NS)
    assert resp["allowed"] is True, resp
    assert any("unavailable to confirm" in w for w in resp.get("warnings", [])), resp
