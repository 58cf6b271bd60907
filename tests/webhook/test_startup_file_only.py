"""The webhook says at start-up, in one log line, whether admissions get cluster look-ups or
file-only checks, and why: ``--no-cluster``, no credentials at all, or no access to the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakeapi import recorded_cluster, write_kubeconfig
from harness.webhook import FIXTURES, Webhook, free_port, make_certs


def _startup(log: Path) -> dict[str, Any]:
    """The one start-up line of the server's log (JSON lines; gunicorn's own lines are not JSON)."""
    lines = []
    for raw in log.read_text().splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("event") == "startup":
            lines.append(entry)
    assert len(lines) == 1, log.read_text()[-2000:]
    return lines[0]


@pytest.fixture
def start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)  # not a pod, whatever runs the tests
    started: list[Webhook] = []
    certs = make_certs(tmp_path / "certs")

    def run(*args: str) -> dict[str, Any]:
        log = tmp_path / f"server-{len(started)}.log"
        wh = Webhook(certs, ["--config", str(FIXTURES / "crashlint.yaml"), "--webhook-config",
                             str(FIXTURES / "webhook.yaml"), "--workers", "1", *args], log)
        started.append(wh)
        wh.stop()  # the start-up line is written before the first worker answers /readyz
        return _startup(log)

    yield run
    for wh in started:
        wh.stop()


def test_no_cluster_flag_logs_file_only(start: Any) -> None:
    line = start("--no-cluster")
    assert line["level"] == "warning" and line["lookups"] == "file-only"
    assert line["msg"].startswith("file-only checks: --no-cluster was given;")
    assert "never denied" in line["msg"]


def test_no_credentials_at_all_logs_file_only(start: Any) -> None:
    line = start()
    assert line["lookups"] == "file-only"
    assert "no --kubeconfig or --context was given and this is not a pod" in line["msg"]


@pytest.fixture
def api() -> Iterator[Any]:
    fake = recorded_cluster().start()
    yield fake
    fake.stop()


def test_no_access_logs_file_only(start: Any, api: Any, tmp_path: Path) -> None:
    api.forbidden |= {("default", plural) for plural in ("configmaps", "secrets", "serviceaccounts", "services")}
    line = start("--kubeconfig", str(write_kubeconfig(tmp_path / "kubeconfig", api.url)))
    assert line["level"] == "warning" and line["lookups"] == "file-only"
    assert line["msg"].startswith("file-only checks: no access to the cluster through ")
    assert "403" in line["msg"]


def test_an_api_that_does_not_answer_logs_file_only(start: Any, tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{free_port()}")
    line = start("--kubeconfig", str(kubeconfig))
    assert line["lookups"] == "file-only" and "unreachable or not answering" in line["msg"]


def test_one_kind_forbidden_logs_partial(start: Any, api: Any, tmp_path: Path) -> None:
    api.forbidden.add(("default", "secrets"))
    line = start("--kubeconfig", str(write_kubeconfig(tmp_path / "kubeconfig", api.url)))
    assert line["lookups"] == "partial" and "cannot list secrets" in line["msg"]


def test_cluster_access_logs_look_ups_on(start: Any, api: Any, tmp_path: Path) -> None:
    line = start("--kubeconfig", str(write_kubeconfig(tmp_path / "kubeconfig", api.url)))
    assert line["level"] == "info" and line["lookups"] == "cluster"
    assert all(r.path.startswith("/api/v1/namespaces/default/") for r in api.requests)
