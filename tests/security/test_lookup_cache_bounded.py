"""Issue 9: a long-running webhook's look-up state stays bounded.

10,800 namespaces once took the cache to 34 MB (never evicted), and an API that keeps answering
with a ``continue`` token made a refresh loop forever. Both run through the real ``kubernetes``
client against the local fake API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crashlint.sources.cluster import ClusterSource
from crashlint.sources.kubeapi import MAX_PAGES
from crashlint.webhook.lookups import CachedLookup
from fakeapi import recorded_cluster, write_kubeconfig


@pytest.fixture
def api() -> Iterator[Any]:
    fake = recorded_cluster().start()
    yield fake
    fake.stop()


def _lookup(tmp_path: Path, api: Any, **kw: Any) -> CachedLookup:
    kc = write_kubeconfig(tmp_path / "kubeconfig", api.url)
    return CachedLookup(ClusterSource(kubeconfig=str(kc), in_cluster=False, timeout=5.0), **kw)


def test_namespaces_beyond_the_bound_are_evicted_least_recently_used_first(tmp_path: Path, api: Any) -> None:
    lookup = _lookup(tmp_path, api, max_namespaces=50, budget=5.0)
    try:
        for i in range(120):
            assert lookup.lookup(f"ns-{i}").degraded is None
            lookup.lookup("ns-0")  # kept warm: used all the time
        assert len(lookup._slots) == 50
        assert "ns-0" in lookup._slots and "ns-1" not in lookup._slots and "ns-119" in lookup._slots
    finally:
        lookup.close()


def test_an_endless_continue_token_stops_after_the_page_cap(tmp_path: Path, api: Any) -> None:
    api.endless_continue = True
    lookup = _lookup(tmp_path, api, budget=30.0)
    try:
        result = lookup.lookup("shop")
        # every kind gave up after MAX_PAGES pages: no cluster data, and the run ended
        assert result.degraded and f"more than {MAX_PAGES} pages" in result.degraded, result
        assert len(api.requests) == MAX_PAGES * 4
    finally:
        lookup.close()
