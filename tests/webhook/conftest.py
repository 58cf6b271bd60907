"""Fixtures: a module-scoped webhook server (cluster look-ups against the recorded fake API) for
most tests, and private servers for tests that rotate certificates or edit configuration."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakeapi import recorded_cluster, write_kubeconfig
from harness.webhook import FIXTURES, Webhook, make_certs


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def fakeapi() -> Iterator[Any]:
    api = recorded_cluster().start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def webhook(certs: Path, fakeapi: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Webhook]:
    d = tmp_path_factory.mktemp("webhook")
    kc = write_kubeconfig(d / "kubeconfig", fakeapi.url)
    wh = Webhook(certs, ["--config", str(FIXTURES / "crashlint.yaml"), "--webhook-config", str(FIXTURES / "webhook.yaml"),
                         "--kubeconfig", str(kc), "--max-body-bytes", "65536", "--workers", "2"], d / "server.log")
    yield wh
    wh.stop()


@pytest.fixture
def own_webhook(tmp_path: Path) -> Iterator[Any]:
    """Start a private server (certs and config files copied into tmp so tests may change them)."""
    started: list[Webhook] = []

    def start(*args: str) -> Webhook:
        certs = make_certs(tmp_path / "certs")
        for name in ("crashlint.yaml", "webhook.yaml"):
            shutil.copy(FIXTURES / name, tmp_path / name)
        wh = Webhook(certs, ["--config", str(tmp_path / "crashlint.yaml"), "--webhook-config",
                             str(tmp_path / "webhook.yaml"), "--no-cluster", "--workers", "1", *args],
                     tmp_path / "server.log")
        started.append(wh)
        return wh

    yield start
    for wh in started:
        wh.stop()
