"""Test harness of the webhook suites: gunicorn in a subprocess, TLS from ``crashlint certs``, HTTPS
clients, AdmissionReviews as the API server sends them. The webhook, security and fuzz suites
import it as ``harness.webhook`` (the fault and soak scenarios use :mod:`harness.webhook_rig`).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures" / "webhook"

GROUPS = {"Deployment": "apps", "StatefulSet": "apps", "DaemonSet": "apps", "ReplicaSet": "apps",
          "Job": "batch", "CronJob": "batch"}
PLURALS = {"Deployment": "deployments", "Pod": "pods", "ConfigMap": "configmaps", "ReplicaSet": "replicasets"}


def fixture(name: str) -> dict[str, Any]:
    return yaml.safe_load((FIXTURES / name).read_text())


REPLICASET_CONTROLLER = "system:serviceaccount:kube-system:replicaset-controller"


def admission_review(obj: dict[str, Any], operation: str = "CREATE", namespace: str = "default",
                     old: dict[str, Any] | None = None, uid: str | None = None, dry_run: bool = False,
                     user: str = "kubernetes-admin") -> dict[str, Any]:
    """A v1 AdmissionReview as the API server sends it (``user``: the authenticated requester)."""
    kind = obj["kind"]
    group = GROUPS.get(kind, "")
    gvk = {"group": group, "version": "v1", "kind": kind}
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid or str(uuid.uuid4()), "kind": gvk, "resource": {"group": group, "version": "v1",
                                                                   "resource": PLURALS.get(kind, kind.lower() + "s")},
        "requestKind": gvk, "name": obj.get("metadata", {}).get("name", ""), "namespace": namespace,
        "operation": operation, "userInfo": {"username": user, "groups": ["system:masters"]},
        "object": obj, "oldObject": old, "dryRun": dry_run,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions" if operation == "CREATE" else "UpdateOptions"},
    }}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certs(out: Path) -> Path:
    """Certificates for localhost/127.0.0.1 made by the real ``crashlint certs`` command."""
    subprocess.run([sys.executable, "-m", "crashlint", "certs", "--out", str(out), "--dns", "localhost",
                    "--ip", "127.0.0.1"], check=True, capture_output=True, timeout=60)
    return out


class Webhook:
    """A running ``crashlint webhook serve`` on 127.0.0.1 and an HTTPS client that verifies its CA.

    ``certs`` holds ``tls.crt``, ``tls.key`` and ``ca.crt``; ``cert``/``key``/``ca`` name other
    files (a kubelet-style mount, a CA kept apart). Started within ``start_timeout`` seconds: ready
    when /readyz answers and ``workers`` workers run (at least one when None).
    """

    def __init__(self, certs: Path, args: list[str], log: Path, *, cert: Path | None = None, key: Path | None = None,
                 ca: Path | None = None, workers: int | None = None, start_timeout: float = 30.0) -> None:
        self.certs = certs
        self.ca = ca or certs / "ca.crt"
        self.port = free_port()
        self.log = log
        self._log_fh = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crashlint", "webhook", "serve", "--cert", str(cert or certs / "tls.crt"),
             "--key", str(key or certs / "tls.key"), "--host", "127.0.0.1", "--port", str(self.port), *args],
            stdout=self._log_fh, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                up = len(self.worker_pids())
                if self.request("GET", "/readyz", timeout=2)[0] == 200 and (up == workers if workers else up >= 1):
                    return
            except (OSError, http.client.HTTPException):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"webhook did not start: {log.read_text()[-3000:]}")
            time.sleep(0.1)

    def context(self, **kw: Any) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.ca))
        for k, v in kw.items():
            setattr(ctx, k, v)
        return ctx

    def request(self, method: str, path: str, body: bytes | None = None, ctx: ssl.SSLContext | None = None,
                headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, bytes]:
        conn = http.client.HTTPSConnection("localhost", self.port, context=ctx or self.context(), timeout=timeout)
        try:
            conn.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def post(self, review: Any, path: str = "/validate") -> tuple[int, dict[str, Any]]:
        status, data = self.request("POST", path, json.dumps(review).encode())
        return status, json.loads(data)

    def review(self, obj: dict[str, Any], **kw: Any) -> dict[str, Any]:
        """POST an AdmissionReview of ``obj``; returns ``response`` after checking the envelope."""
        review = admission_review(obj, **kw)
        status, body = self.post(review)
        assert status == 200, body
        assert body["apiVersion"] == "admission.k8s.io/v1" and body["kind"] == "AdmissionReview"
        assert body["response"]["uid"] == review["request"]["uid"]
        return body["response"]

    def metric(self, name: str, **labels: str) -> float:
        """The value of one series in /metrics (0 when absent)."""
        text = self.get("/metrics")[1].decode()
        want = name + ("{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else "")
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            series, _, value = line.rpartition(" ")
            if _canonical(series) == want:
                return float(value)
        return 0.0

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: children of the master (the subprocess itself)."""
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def rss_kib(self) -> dict[int, int]:
        """VmRSS (KiB) of the master and each worker, from /proc/<pid>/status."""
        out = {}
        for pid in [self.proc.pid, *self.worker_pids()]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out[pid] = int(line.split()[1])
            except OSError:
                continue
        return out

    def log_text(self) -> str:
        if not self._log_fh.closed:
            self._log_fh.flush()
        return self.log.read_text(errors="replace")

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM; after ``grace`` seconds SIGKILL to the workers (a hung one would outlive its master) and master."""
        if self.proc.poll() is None:
            workers = self.worker_pids()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                for pid in workers:
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                self.proc.kill()
                self.proc.wait()
        if not self._log_fh.closed:
            self._log_fh.close()


def _canonical(series: str) -> str:
    if "{" not in series:
        return series
    name, _, rest = series.partition("{")
    parts = sorted(p for p in rest.rstrip("}").split(",") if p)
    return name + "{" + ",".join(parts) + "}"
