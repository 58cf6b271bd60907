"""Label values taken from requests come from closed sets, so ``/metrics`` cannot be grown by callers.

Before, every invented ``kind`` or ``operation`` in an AdmissionReview added a series for good
(5,000 requests took ``/metrics`` from 1.7 KB to 10.4 MB). Now kinds outside the checked ones
and operations outside CREATE/UPDATE/DELETE/CONNECT are counted as ``other``.
"""

from __future__ import annotations

import json


from harness.webhook import Webhook, admission_review, fixture


def _invented(i: int) -> bytes:
    review = admission_review(fixture("deployment-clean.yaml"))
    req = review["request"]
    req["kind"] = {**req["kind"], "kind": f"Invented{i}"}
    req["requestKind"] = req["kind"]
    req["operation"] = f"OPERATION{i}"
    return json.dumps(review).encode()


def _send(server: Webhook, first: int, count: int) -> None:
    for i in range(first, first + count):
        status, _ = server.request("POST", "/validate", _invented(i))
        assert status in (200, 400)


def test_invented_kinds_and_operations_do_not_add_series(server: Webhook) -> None:
    _send(server, 0, 5)  # the "other" series exist from here on
    before = server.get("/metrics")[1].decode()
    _send(server, 5, 300)
    after = server.get("/metrics")[1].decode()
    assert "Invented" not in after and "OPERATION" not in after
    assert 'kind="other"' in after and 'operation="other"' in after
    series = [line for line in after.splitlines() if line and not line.startswith("#")]
    assert len(series) == len([line for line in before.splitlines() if line and not line.startswith("#")])
    assert len(after) < len(before) + 200, (len(before), len(after))  # counts grew by digits, not by lines


def test_checked_kinds_keep_their_own_series(server: Webhook) -> None:
    status, _ = server.post(admission_review(fixture("deployment-clean.yaml")))
    assert status == 200
    assert server.metric("crashlint_webhook_requests_total", kind="Deployment", operation="CREATE",
                         decision="allowed") >= 1
