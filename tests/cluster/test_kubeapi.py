"""crashlint.sources.kubeapi against the fake API: the client setup, the paginated list, Secrets as
metadata only, and the list-then-watch loop (relist on 410, reconnect after a drop, bookmarks, close)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crashlint.sources import kubeapi
from crashlint.sources.kubeapi import Backoff, ListWatch, WatchEvent
from fakeapi import FakeAPI, closed_port_url, recorded_cluster, write_kubeconfig

QUICK = Backoff(initial=0.01, cap=0.05)


def _pod(name: str, ns: str = "demo") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
            "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]}}


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    with recorded_cluster() as fake:
        yield fake


@pytest.fixture
def conn(api: FakeAPI, tmp_path: Path) -> Iterator[kubeapi.Connection]:
    c = kubeapi.connect(str(write_kubeconfig(tmp_path / "kc", api.url, namespace="shop")), timeout=5.0)
    yield c
    c.close()


def test_connect_reads_the_contexts_namespace_and_refuses_a_bad_kubeconfig(conn: kubeapi.Connection,
                                                                          tmp_path: Path) -> None:
    assert conn.namespace == "shop" and conn.host.startswith("http://127.0.0.1:")
    with pytest.raises(kubeapi.CredentialsError, match="cannot load cluster credentials from .*absent"):
        kubeapi.connect(str(tmp_path / "absent"))


def test_list_all_reads_every_page_and_restarts_after_an_expired_token(api: FakeAPI,
                                                                      conn: kubeapi.Connection) -> None:
    api.expire_once.add("configmaps")
    result = kubeapi.list_all(conn, kubeapi.collection_path("/api/v1", "configmaps", "shop"))
    assert [i["metadata"]["name"] for i in result.items] == ["app-config", "kube-root-ca.crt", "assets"]
    assert result.kind == "ConfigMapList" and int(result.resource_version) == api.resource_version
    assert [r.query.get("continue") is not None for r in api.requests] == [False, True, False, True]


def test_secrets_are_listed_as_metadata_or_not_at_all(api: FakeAPI, conn: kubeapi.Connection) -> None:
    path = kubeapi.collection_path("/api/v1", "secrets", "shop")
    with pytest.raises(ValueError, match="only ever listed as metadata"):
        kubeapi.list_all(conn, path)
    assert api.requests == []
    result = kubeapi.list_all(conn, path, metadata_only=True)
    assert all(set(i) == {"kind", "apiVersion", "metadata"} for i in result.items)
    assert api.requests[-1].accept == kubeapi.METADATA_LIST_ACCEPT
    api.ignore_as = True
    with pytest.raises(kubeapi.BadReply, match="'SecretList' instead of PartialObjectMetadataList"):
        kubeapi.list_all(conn, path, metadata_only=True)


def test_a_list_that_never_ends_stops_at_the_page_cap(api: FakeAPI, conn: kubeapi.Connection) -> None:
    api.endless_continue = True
    with pytest.raises(kubeapi.IncompleteList, match="more than 5 pages of pods"):
        kubeapi.list_all(conn, "/api/v1/namespaces/demo/pods", max_pages=5)
    assert len(api.requests) == 5


def test_invalid_names_never_reach_a_path() -> None:
    with pytest.raises(kubeapi.InvalidName):
        kubeapi.collection_path("/api/v1", "secrets", "kube-system/secrets?x=")
    assert kubeapi.collection_path("/apis/apps/v1", "deployments") == "/apis/apps/v1/deployments"


def test_unreachable_and_status_errors(tmp_path: Path, api: FakeAPI, conn: kubeapi.Connection) -> None:
    dead = kubeapi.connect(str(write_kubeconfig(tmp_path / "dead", closed_port_url())), timeout=1.0)
    with pytest.raises(kubeapi.Unreachable, match="unreachable or not answering within 1s"):
        dead.get_json("/api/v1/pods")
    api.forbidden.add("pods")
    with pytest.raises(kubeapi.StatusError) as err:
        conn.get_json("/api/v1/pods")
    assert err.value.status == 403 and err.value.body["reason"] == "Forbidden"


def test_backoff_doubles_to_the_cap_with_jitter() -> None:
    b = Backoff()
    assert [b.delay(n, rng=lambda: 0.0) for n in (1, 2, 3, 7, 8)] == [0.8, 1.6, 3.2, 30.0, 30.0]
    assert b.delay(8, rng=lambda: 0.999) == pytest.approx(59.97)


def _until(cond: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


class Consumer:
    """Runs ListWatch.events() on a thread and hands the events over a queue."""

    def __init__(self, lw: ListWatch) -> None:
        self.lw = lw
        self.q: queue.Queue[WatchEvent] = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for ev in self.lw.events():
            self.q.put(ev)

    def next(self, *types: str) -> WatchEvent:
        """The next event of one of ``types`` (others are skipped)."""
        deadline = time.monotonic() + 10
        while True:
            ev = self.q.get(timeout=max(0.1, deadline - time.monotonic()))
            if ev.type in types:
                return ev


def test_list_then_watch_relists_on_410_and_reconnects_after_a_drop(api: FakeAPI, conn: kubeapi.Connection) -> None:
    api.add(_pod("first"))
    lw = ListWatch(conn, "/api/v1/namespaces/demo/pods", backoff=QUICK, watch_timeout=30)
    c = Consumer(lw)
    try:
        sync = c.next("SYNC")
        assert [i["metadata"]["name"] for i in sync.items] == ["first"]
        api.add(_pod("second"))
        added = c.next("ADDED")
        assert added.object is not None and added.object["metadata"]["name"] == "second"
        watch = api.watches()[-1]
        assert watch.query["resourceVersion"] == [sync.resource_version]
        assert watch.query["allowWatchBookmarks"] == ["true"]

        api.expire()  # the open watch gets ERROR 410: a new list, not an error
        again = c.next("SYNC", "ERROR")
        assert again.type == "SYNC" and lw.relists == 1 and lw.errors == 0
        assert {i["metadata"]["name"] for i in again.items} == {"first", "second"}

        _until(lambda: len(api.watches()) == 2)  # the watch after the relist is open
        api.drop()  # the stream breaks: an ERROR, a wait, then a watch from the last version
        broke = c.next("ERROR")
        assert "broke off" in (broke.error or "") and broke.retry_in > 0
        api.delete(_pod("first"))
        deleted = c.next("DELETED")
        assert deleted.object is not None and deleted.object["metadata"]["name"] == "first"
        assert lw.reconnects == 1 and lw.relists == 1
        assert api.watches()[-1].query["resourceVersion"] == [again.resource_version]

        api.bookmark()
        assert c.next("BOOKMARK").resource_version == str(api.resource_version)
    finally:
        lw.close()
    c.thread.join(5)
    assert not c.thread.is_alive()  # close() ended the blocked read at once


def test_an_unreachable_api_is_retried_with_backoff_until_closed(tmp_path: Path) -> None:
    dead = kubeapi.connect(str(write_kubeconfig(tmp_path / "dead", closed_port_url())), timeout=1.0)
    lw = ListWatch(dead, "/api/v1/pods", backoff=QUICK)
    c = Consumer(lw)
    errors = [c.next("ERROR") for _ in range(3)]
    lw.close()
    c.thread.join(5)
    assert not c.thread.is_alive() and lw.errors >= 3 and lw.reconnects == 0
    assert all("unreachable" in (e.error or "") for e in errors)


def test_a_list_refused_with_410_backs_off_instead_of_spinning(api: FakeAPI, conn: kubeapi.Connection) -> None:
    api.fail_next(1, 410)  # only a watch's 410 means "relist now"; a list's is an error like any other
    lw = ListWatch(conn, "/api/v1/namespaces/demo/pods", backoff=QUICK)
    c = Consumer(lw)
    try:
        first = c.next("ERROR", "SYNC")
        assert first.type == "ERROR" and "HTTP 410" in (first.error or "") and first.retry_in > 0
        assert c.next("SYNC").items == ()
        assert lw.errors == 1 and lw.relists == 0
    finally:
        lw.close()
    c.thread.join(5)
