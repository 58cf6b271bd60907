"""Fixtures of the watcher tests; the helpers live in ``watch_helpers`` (a unique module name)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakeapi import FakeAPI
from watch_helpers import cluster_api


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    with cluster_api() as fake:
        yield fake
