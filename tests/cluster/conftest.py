"""Fixtures: a running fake API server and a kubeconfig pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from k8s_fakeapi import FakeAPI, write_kubeconfig


@pytest.fixture
def fakeapi() -> Iterator[FakeAPI]:
    api = FakeAPI().start()
    yield api
    api.stop()


@pytest.fixture
def kubeconfig(tmp_path: Path, fakeapi: FakeAPI) -> Path:
    return write_kubeconfig(tmp_path / "kubeconfig", fakeapi.url)
