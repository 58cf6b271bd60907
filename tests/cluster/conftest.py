"""Fixtures: the fake API serving the recorded namespace ``shop``, and a kubeconfig pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fakeapi import FakeAPI, recorded_cluster, write_kubeconfig


@pytest.fixture
def fakeapi() -> Iterator[FakeAPI]:
    with recorded_cluster() as api:
        yield api


@pytest.fixture
def kubeconfig(tmp_path: Path, fakeapi: FakeAPI) -> Path:
    return write_kubeconfig(tmp_path / "kubeconfig", fakeapi.url, namespace="shop")
