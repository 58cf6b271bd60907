"""Issue 9: a forged ``ownerReferences`` entry with ``controller: true`` no longer skips the check.

Anyone who may create a Pod may write that entry. Only the API server's authenticated
``userInfo`` tells that a controller created the object (its template was admitted already).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.webhook import REPLICASET_CONTROLLER, Webhook

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
POD = yaml.safe_load((FIXTURES / "security" / "pod-forged-owner.yaml").read_text())


def test_a_user_with_a_forged_controller_reference_is_checked(server: Webhook) -> None:
    resp = server.review(POD, user="jane@example.com")
    assert resp["allowed"] is False and "completes-immediately" in resp["status"]["message"], resp


def test_a_service_account_pretending_in_its_own_namespace_is_checked(server: Webhook) -> None:
    resp = server.review(POD, user="system:serviceaccount:default:replicaset-controller")
    assert resp["allowed"] is False, resp


def test_the_replicaset_controller_creating_its_pod_is_skipped(server: Webhook) -> None:
    resp = server.review(POD, user=REPLICASET_CONTROLLER)
    assert resp["allowed"] is True and not resp.get("warnings"), resp
