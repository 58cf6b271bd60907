"""The admission endpoint under random, truncated and wrongly typed AdmissionReview bodies.

A real ``crashlint webhook serve`` (started by the webhook suite's harness, over HTTPS) must
answer every body with a JSON 200 (a decision), 400 (what is wrong with the body) or 413
(too large) — never a 5xx, never a decision that failed internally — and stay healthy.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzz_strategies import junk, manifest, with_wrong_types, workload
from harness import webhook as harness

MAX_BODY = 65536
INTERNAL_ERROR = "crashlint: internal error"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    d = tmp_path_factory.mktemp("fuzz-webhook")
    certs = harness.make_certs(d / "certs")
    fixtures = harness.FIXTURES
    wh = harness.Webhook(certs, ["--config", str(fixtures / "crashlint.yaml"), "--webhook-config",
                                 str(fixtures / "webhook.yaml"), "--no-cluster", "--workers", "1",
                                 "--max-body-bytes", str(MAX_BODY)], d / "server.log")
    yield wh
    wh.stop()
    log = (d / "server.log").read_text(errors="replace")
    assert "Traceback" not in log and "decision failed" not in log, log[-3000:]


def _review(obj: Any, operation: str = "CREATE") -> dict[str, Any]:
    """A v1 AdmissionReview around ``obj`` (which may be any JSON value, as a broken client sends)."""
    kind = obj.get("kind") if isinstance(obj, dict) else None
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    gvk = {"group": "", "version": "v1", "kind": kind if isinstance(kind, str) else "Pod"}
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": str(uuid.uuid4()), "kind": gvk, "requestKind": gvk,
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "name": name if isinstance(name, str) else "", "namespace": "default", "operation": operation,
        "userInfo": {"username": "fuzz"}, "object": obj, "oldObject": None, "dryRun": False}}


@st.composite
def review_bodies(draw: st.DrawFn) -> bytes:
    """Valid reviews of generated objects, then damaged: truncated, envelope fields mistyped, raw bytes."""
    obj = draw(st.one_of(workload, with_wrong_types(workload), junk))
    review = _review(obj, draw(st.sampled_from(("CREATE", "UPDATE", "DELETE", "CONNECT", "BOGUS"))))
    if draw(st.booleans()) and isinstance(review.get("request"), dict):
        review = copy.deepcopy(review)
        field = draw(st.sampled_from(("uid", "kind", "object", "oldObject", "namespace", "operation", "dryRun",
                                      "userInfo", "resource", "options")))
        review["request"][field] = draw(junk)
    body = json.dumps(review, default=str).encode()
    damage = draw(st.sampled_from(("none", "none", "truncate", "bytes", "nest")))
    if damage == "truncate":
        return body[:draw(st.integers(0, max(0, len(body) - 1)))]
    if damage == "bytes":
        return draw(st.binary(max_size=512))
    if damage == "nest":
        depth = draw(st.integers(100, 5000))
        return b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": ' + b"[" * depth + b"]" * depth + b"}"
    return body


def _check_answer(server: Any, body: bytes) -> None:
    status, raw = server.request("POST", "/validate", body)
    assert status in (200, 400, 413), (status, raw[:500])
    data = json.loads(raw)
    if status != 200:
        assert isinstance(data.get("error"), str) and data["error"], data
        return
    response = data["response"]
    sent = json.loads(body)
    assert response["uid"] == sent["request"]["uid"]
    assert isinstance(response["allowed"], bool)
    assert not any(INTERNAL_ERROR in w for w in response.get("warnings") or []), response


@settings(max_examples=max(10, settings.default.max_examples // 2))
@given(review_bodies())
def test_validate_answers_every_body(server: Any, body: bytes) -> None:
    _check_answer(server, body)


@settings(max_examples=max(10, settings.default.max_examples // 3))
@given(manifest(wrong_types=True))
def test_validate_decides_generated_workloads(server: Any, generated: tuple[str, str, list[dict[str, Any]]]) -> None:
    """Every generated workload gets a decision (200) without an internal error."""
    review = _review(generated[2][0])
    body = json.dumps(review, default=str).encode()
    if len(body) > MAX_BODY:
        return
    status, raw = server.request("POST", "/validate", body)
    assert status == 200, raw[:500]
    response = json.loads(raw)["response"]
    assert response["uid"] == review["request"]["uid"]
    assert not any(INTERNAL_ERROR in w for w in response.get("warnings") or []), response


def test_server_is_healthy_after_the_fuzzing(server: Any) -> None:
    assert server.get("/healthz")[0] == 200
