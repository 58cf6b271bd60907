"""Real AdmissionReview JSON over verified HTTPS to ``crashlint webhook serve`` (gunicorn, TLS)."""

from __future__ import annotations

import copy
import json
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from harness.webhook import FIXTURES, REPLICASET_CONTROLLER, Webhook, admission_review, fixture, make_certs


def _warnings(resp: dict[str, Any]) -> list[str]:
    return resp.get("warnings") or []


# --- decisions -------------------------------------------------------------------------------

def test_busybox_deployment_is_denied_with_rule_container_and_fix(webhook: Webhook) -> None:
    resp = webhook.review(fixture("deployment-busybox.yaml"))
    assert resp["allowed"] is False
    assert resp["status"]["code"] == 403
    msg = resp["status"]["message"]
    assert "[completes-immediately]" in msg and "container 'shell'" in msg
    assert "tail -f /dev/null" in msg  # the fix
    assert "crashlint explain completes-immediately" in msg


def test_warning_only_deployment_is_allowed_with_short_warnings(webhook: Webhook) -> None:
    resp = webhook.review(fixture("deployment-untagged.yaml"))
    assert resp["allowed"] is True and "status" not in resp
    warnings = _warnings(resp)
    assert len(warnings) == 1 and warnings[0].startswith("crashlint image-tag-mutable:")
    assert all(len(w) <= 256 for w in warnings)  # the API server's per-warning room


def test_clean_deployment_is_allowed_without_warnings(webhook: Webhook) -> None:
    resp = webhook.review(fixture("deployment-clean.yaml"))
    assert resp == {"uid": resp["uid"], "allowed": True}


def test_non_workload_kind_and_other_operations_are_allowed(webhook: Webhook) -> None:
    cm = webhook.review(fixture("configmap.yaml"))
    assert cm == {"uid": cm["uid"], "allowed": True}
    deleted = webhook.review(fixture("deployment-busybox.yaml"), operation="DELETE")
    assert deleted["allowed"] is True and not _warnings(deleted)


def test_controller_owned_pod_is_skipped_but_a_bare_pod_is_checked(webhook: Webhook) -> None:
    owned = webhook.review(fixture("pod-owned.yaml"), user=REPLICASET_CONTROLLER)
    assert owned["allowed"] is True and not _warnings(owned)
    bare = webhook.review(fixture("pod-naked.yaml"))
    assert bare["allowed"] is False and "completes-immediately" in bare["status"]["message"]


def test_bare_replicaset_is_checked(webhook: Webhook) -> None:
    rs = fixture("deployment-busybox.yaml")
    rs["kind"] = "ReplicaSet"
    resp = webhook.review(rs)
    assert resp["allowed"] is False and "completes-immediately" in resp["status"]["message"]


def test_dry_run_gets_the_same_answer(webhook: Webhook) -> None:
    resp = webhook.review(fixture("deployment-busybox.yaml"), dry_run=True)
    assert resp["allowed"] is False and "completes-immediately" in resp["status"]["message"]


@pytest.mark.parametrize("namespace,labels,expect", [
    ("legacy", None, "warn"),         # namespace mode warn
    ("sandbox", None, "off"),         # namespace mode off
    ("kube-system", None, "off"),     # excluded namespace
    ("default", {"crashlint.io/enforcement": "warn"}, "warn"),  # label rule
    ("default", {"crashlint.io/enforcement": "strict"}, "deny"),  # a label that matches no rule
])
def test_enforcement_per_namespace_and_label(webhook: Webhook, namespace: str, labels: dict | None,
                                             expect: str) -> None:
    obj = fixture("deployment-busybox.yaml")
    if labels:
        obj["metadata"]["labels"].update(labels)
    resp = webhook.review(obj, namespace=namespace)
    if expect == "deny":
        assert resp["allowed"] is False
    elif expect == "warn":
        assert resp["allowed"] is True
        assert any(w.startswith("crashlint completes-immediately:") for w in _warnings(resp))
    else:
        assert resp["allowed"] is True and not _warnings(resp)


def test_update_denies_only_what_the_change_introduced_or_rolls_out(webhook: Webhook) -> None:
    bad = fixture("deployment-busybox.yaml")
    scaled = copy.deepcopy(bad)
    scaled["spec"]["replicas"] = 5
    # a scale of an already-bad Deployment: the template is unchanged, so it is warned, not blocked
    resp = webhook.review(scaled, operation="UPDATE", old=bad)
    assert resp["allowed"] is True
    assert any(w.startswith("crashlint completes-immediately:") for w in _warnings(resp))
    # a new rollout that keeps the problem is denied
    rolled = copy.deepcopy(bad)
    rolled["spec"]["template"]["metadata"]["annotations"] = {"kubectl.kubernetes.io/restartedAt": "2026-11-24T10:00:00Z"}
    assert webhook.review(rolled, operation="UPDATE", old=bad)["allowed"] is False
    # an update that introduces the problem is denied
    clean = fixture("deployment-clean.yaml")
    broken = copy.deepcopy(clean)
    broken["spec"]["template"]["spec"]["containers"][0].update(image="busybox:1.36")
    broken["spec"]["template"]["spec"]["containers"][0].pop("ports")
    broken["spec"]["template"]["spec"]["containers"][0].pop("readinessProbe")
    assert webhook.review(broken, operation="UPDATE", old=clean)["allowed"] is False
    # fixing it is allowed
    fixed = webhook.review(clean, operation="UPDATE", old=broken)
    assert fixed["allowed"] is True and not _warnings(fixed)


# --- cluster look-ups -----------------------------------------------------------------------

def test_references_are_checked_against_the_cluster(webhook: Webhook, fakeapi: Any) -> None:
    resp = webhook.review(fixture("deployment-refs.yaml"), namespace="shop")
    assert resp["allowed"] is False
    msg = resp["status"]["message"]
    assert "[missing-configmap]" in msg and "feature-flags" in msg and "neither in the linted files nor in the cluster" in msg
    assert "app-config" not in msg  # it exists in the cluster
    assert not any("missing-service-account" in w for w in _warnings(resp))  # shop-api exists there
    secret_calls = [r for r in fakeapi.requests if r.path.endswith("/secrets")]
    assert secret_calls and all(r.headers["accept"].startswith("application/json;as=PartialObjectMetadataList")
                                for r in secret_calls)


@pytest.mark.timing
def test_slow_cluster_degrades_within_the_budget_with_a_warning(webhook: Webhook, fakeapi: Any) -> None:
    before = webhook.metric("crashlint_webhook_lookup_errors_total", result="degraded")
    fakeapi.delay = 3.0
    try:
        start = time.monotonic()
        resp = webhook.review(fixture("deployment-refs.yaml"), namespace="slow-ns")
        elapsed = time.monotonic() - start
    finally:
        fakeapi.delay = 0.0
    assert elapsed < 2.0  # budget 0.5 s (webhook.yaml), far below the API server's timeout
    assert resp["allowed"] is True  # file-only checks: a missing ConfigMap is a warning there
    warnings = _warnings(resp)
    assert any("cluster look-ups unavailable" in w for w in warnings)
    assert all(len(w) <= 256 for w in warnings)  # the API server's per-warning room
    assert any(w.startswith("crashlint missing-configmap:") for w in warnings)
    assert webhook.metric("crashlint_webhook_lookup_errors_total", result="degraded") == before + 1


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("body,needle", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "expected a JSON object"),
    (json.dumps({"apiVersion": "v1", "kind": "Pod"}).encode(), "expected apiVersion admission.k8s.io/v1"),
    (json.dumps({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview", "request": {"uid": "x"}}).encode(),
     "admission.k8s.io/v1"),
    (json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}).encode(), "no 'request'"),
    (json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"kind": {}}}).encode(),
     "no 'uid'"),
    (b"", "not valid JSON"),
])
def test_malformed_bodies_get_400_with_a_reason(webhook: Webhook, body: bytes, needle: str) -> None:
    status, data = webhook.request("POST", "/validate", body)
    assert status == 400
    assert needle in json.loads(data)["error"]
    assert b"Traceback" not in data


def test_garbage_inside_a_valid_review_is_not_a_500(webhook: Webhook) -> None:
    review = admission_review(fixture("deployment-busybox.yaml"))
    review["request"]["object"]["spec"]["template"]["spec"]["containers"] = "not-a-list"
    status, body = webhook.post(review)
    assert status == 200 and body["response"]["uid"] == review["request"]["uid"]
    assert body["response"]["allowed"] is False and "[rejected-by-api]" in body["response"]["status"]["message"]
    review["request"]["object"] = {"kind": "Deployment", "spec": [1, {"template": None}], "metadata": "x"}
    status, body = webhook.post(review)
    assert status == 200 and body["response"]["uid"] == review["request"]["uid"]


def test_body_over_the_limit_is_413(webhook: Webhook) -> None:
    review = admission_review(fixture("deployment-clean.yaml"))
    review["request"]["object"]["metadata"]["annotations"] = {"pad": "x" * 70_000}
    status, data = webhook.request("POST", "/validate", json.dumps(review).encode())
    assert status == 413 and "larger than 65536 bytes" in json.loads(data)["error"]


# --- operations -------------------------------------------------------------------------------

def test_probes(webhook: Webhook) -> None:
    status, body = webhook.get("/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, body = webhook.get("/readyz")
    assert status == 200 and json.loads(body)["status"] == "ready"


def test_metrics_count_requests_findings_and_latency(webhook: Webhook) -> None:
    labels = {"kind": "Deployment", "operation": "CREATE", "decision": "denied"}
    denied = webhook.metric("crashlint_webhook_requests_total", **labels)
    rule = webhook.metric("crashlint_webhook_findings_total", rule="completes-immediately")
    count = webhook.metric("crashlint_webhook_request_seconds_count")
    bad = webhook.metric("crashlint_webhook_requests_total", kind="", operation="", decision="bad-request")
    for _ in range(3):  # two workers: the counts must add up across processes
        webhook.review(fixture("deployment-busybox.yaml"))
    webhook.request("POST", "/validate", b"nope")
    assert webhook.metric("crashlint_webhook_requests_total", **labels) == denied + 3
    assert webhook.metric("crashlint_webhook_findings_total", rule="completes-immediately") == rule + 3
    assert webhook.metric("crashlint_webhook_request_seconds_count") == count + 3
    assert webhook.metric("crashlint_webhook_requests_total", kind="", operation="", decision="bad-request") == bad + 1


def test_access_log_is_json_without_object_contents(webhook: Webhook) -> None:
    review = admission_review(fixture("deployment-busybox.yaml"), uid="log-check-uid")
    webhook.post(review)
    deadline = time.monotonic() + 5
    entries: list[dict] = []
    while time.monotonic() < deadline:
        lines = [ln for ln in webhook.log.read_text().splitlines() if ln.startswith("{")]
        entries = [json.loads(ln) for ln in lines]
        if any(e.get("uid") == "log-check-uid" for e in entries):
            break
        time.sleep(0.1)
    entry = next(e for e in entries if e.get("uid") == "log-check-uid")
    assert entry["decision"] == "denied" and entry["kind"] == "Deployment" and entry["name"] == "toolbox"
    assert entry["rules"] == ["completes-immediately"]
    assert "busybox" not in webhook.log.read_text()  # no images, specs or messages in the logs


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tls_below_1_2_is_refused(webhook: Webhook) -> None:
    ctx = webhook.context(maximum_version=ssl.TLSVersion.TLSv1_1, minimum_version=ssl.TLSVersion.TLSv1)
    try:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # let the client offer TLS 1.1 at all
    except ssl.SSLError:
        pass
    with pytest.raises((ssl.SSLError, ConnectionError)):
        webhook.request("GET", "/healthz", ctx=ctx)
    ok = webhook.context(maximum_version=ssl.TLSVersion.TLSv1_2)
    assert webhook.request("GET", "/healthz", ctx=ok)[0] == 200


def test_client_with_another_ca_cannot_verify(webhook: Webhook, tmp_path: Path) -> None:
    other = make_certs(tmp_path / "other")
    ctx = ssl.create_default_context(cafile=str(other / "ca.crt"))
    with pytest.raises(ssl.SSLCertVerificationError):
        webhook.request("GET", "/healthz", ctx=ctx)


def _served_cert(wh: Webhook, ctx: ssl.SSLContext) -> bytes:
    import socket

    with socket.create_connection(("127.0.0.1", wh.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            der = tls.getpeercert(binary_form=True)
            assert der
            return der


def test_rotated_certificate_is_served_without_restart(own_webhook: Any) -> None:
    wh = own_webhook()
    before = _served_cert(wh, wh.context())
    old_ctx = wh.context()  # trusts the old CA only
    make_certs(wh.certs)  # a new CA and serving pair, written over the mounted files
    after = _served_cert(wh, wh.context())  # verified against the new ca.crt
    assert after != before
    with pytest.raises(ssl.SSLCertVerificationError):
        _served_cert(wh, old_ctx)
    assert wh.proc.poll() is None
    assert wh.request("GET", "/readyz")[0] == 200


def test_configuration_is_reloaded_on_change(own_webhook: Any) -> None:
    wh = own_webhook()
    assert wh.review(fixture("deployment-busybox.yaml"))["allowed"] is False
    wconf = Path(wh.certs).parent / "webhook.yaml"
    wconf.write_text(wconf.read_text() + "mode: warn\n")
    deadline = time.monotonic() + 10
    resp = wh.review(fixture("deployment-busybox.yaml"))
    while resp["allowed"] is False and time.monotonic() < deadline:
        time.sleep(0.3)
        resp = wh.review(fixture("deployment-busybox.yaml"))
    assert resp["allowed"] is True and any("completes-immediately" in w for w in _warnings(resp))
    # a broken edit keeps the last good configuration and says so on /readyz
    wconf.write_text("mode: sometimes\n")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        body = json.loads(wh.get("/readyz")[1])
        if "config_reload_error" in body:
            break
        time.sleep(0.3)
    assert "mode: must be one of deny, warn, off" in body["config_reload_error"]
    assert wh.review(fixture("deployment-busybox.yaml"))["allowed"] is True


def test_noop_endpoint_answers_allowed(own_webhook: Any) -> None:
    wh = own_webhook()
    review = admission_review(fixture("deployment-busybox.yaml"))
    status, body = wh.post(review, path="/noop")
    assert status == 200 and body["response"] == {"uid": review["request"]["uid"], "allowed": True}


# --- command line -----------------------------------------------------------------------------

def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crashlint", "webhook", "serve", *args], capture_output=True,
                          text=True, timeout=60)


def test_serve_refuses_bad_configuration_and_certificates(certs: Path, tmp_path: Path) -> None:
    bad = tmp_path / "webhook.yaml"
    bad.write_text("deny_on: sometimes\n")
    proc = _serve("--cert", str(certs / "tls.crt"), "--key", str(certs / "tls.key"), "--webhook-config", str(bad))
    assert proc.returncode == 2 and "deny_on: must be one of error, warning, info" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = _serve("--cert", str(tmp_path / "absent.crt"), "--key", str(certs / "tls.key"))
    assert proc.returncode == 2 and proc.stderr.startswith("crashlint: cannot serve:")
    other = make_certs(tmp_path / "other")
    proc = _serve("--cert", str(certs / "tls.crt"), "--key", str(other / "tls.key"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    cfg = tmp_path / "crashlint.yaml"
    cfg.write_text("rules: {no-such-rule: off}\n")
    proc = _serve("--cert", str(certs / "tls.crt"), "--key", str(certs / "tls.key"), "--config", str(cfg))
    assert proc.returncode == 2 and "crashlint.yaml:1: rules.no-such-rule: unknown rule" in proc.stderr
    proc = _serve("--cert", str(certs / "tls.crt"), "--key", str(certs / "tls.key"), "--kubeconfig",
                  str(tmp_path / "no-kubeconfig"))
    assert proc.returncode == 2 and "cannot load cluster credentials" in proc.stderr and "--no-cluster" in proc.stderr


def test_fixture_configuration_is_valid_for_the_cli_too() -> None:
    proc = subprocess.run([sys.executable, "-m", "crashlint", "lint", "--config", str(FIXTURES / "crashlint.yaml"),
                           str(FIXTURES / "deployment-clean.yaml")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
