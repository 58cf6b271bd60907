"""Issue 9: a forged ``ownerReferences`` entry with ``controller: true`` no longer skips the check.

Anyone who may create a Pod may write that entry. Only the API server's authenticated
``userInfo`` tells that a controller created the object (its template was admitted already).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from webhook_harness import REPLICASET_CONTROLLER, Webhook, make_certs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
POD = yaml.safe_load((FIXTURES / "security" / "pod-forged-owner.yaml").read_text())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Webhook]:
    d = tmp_path_factory.mktemp("owner")
    wh = Webhook(make_certs(d / "certs"), ["--config", str(FIXTURES / "webhook" / "crashlint.yaml"), "--no-cluster",
                                           "--workers", "1"], d / "server.log")
    yield wh
    wh.stop()


def test_a_user_with_a_forged_controller_reference_is_checked(server: Webhook) -> None:
    resp = server.review(POD, user="jane@example.com")
    assert resp["allowed"] is False and "completes-immediately" in resp["status"]["message"], resp


def test_a_service_account_pretending_in_its_own_namespace_is_checked(server: Webhook) -> None:
    resp = server.review(POD, user="system:serviceaccount:default:replicaset-controller")
    assert resp["allowed"] is False, resp


def test_the_replicaset_controller_creating_its_pod_is_skipped(server: Webhook) -> None:
    resp = server.review(POD, user=REPLICASET_CONTROLLER)
    assert resp["allowed"] is True and not resp.get("warnings"), resp
