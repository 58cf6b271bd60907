"""The fake API itself, driven through the official ``kubernetes`` client: what other suites rely on.

Lists (pages, resourceVersion, selectors, metadata-only Accept, 410 on an expired continue token),
watch streams (chunked events, resourceVersion, bookmarks, 410 after a compaction, a dropped
stream), writes of Events and Leases (409 on a stale resourceVersion), pod logs and faults.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from fakeapi import FakeAPI, load_objects, recorded_cluster, write_kubeconfig
from fakeapi.files import CLUSTER_FIXTURES

METADATA = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"


def _pod(name: str, ns: str = "demo", **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]}}


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    with recorded_cluster() as fake:
        yield fake


@pytest.fixture
def core(api: FakeAPI, tmp_path: Path) -> Iterator[client.CoreV1Api]:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(write_kubeconfig(tmp_path / "kc", api.url)), client_configuration=cfg)
    with client.ApiClient(cfg) as c:
        yield client.CoreV1Api(c)


def _stream(fn: Any, *args: Any, **kw: Any) -> tuple[list[dict[str, Any]], threading.Thread, list[BaseException]]:
    """Consume a watch in a thread: (events as they arrive, the thread, the exception it ended with)."""
    events: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for ev in watch.Watch().stream(fn, *args, **kw):
                events.append(ev)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return events, t, errors


def _until(cond: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_fixture_files_load_as_objects() -> None:
    objs = load_objects(CLUSTER_FIXTURES / "shop.yaml")
    assert {o["kind"] for o in objs} == {"ConfigMap", "Secret", "ServiceAccount", "Service"}


def test_lists_come_in_pages_with_a_resource_version(api: FakeAPI, core: client.CoreV1Api) -> None:
    first = core.list_namespaced_config_map("shop", limit=500)
    assert [c.metadata.name for c in first.items] == ["app-config", "kube-root-ca.crt"]
    assert first.metadata._continue and int(first.metadata.resource_version) == api.resource_version
    second = core.list_namespaced_config_map("shop", limit=500, _continue=first.metadata._continue)
    assert [c.metadata.name for c in second.items] == ["assets"] and not second.metadata._continue
    assert all(c.metadata.resource_version for c in first.items + second.items)
    assert [r.query.get("continue") for r in api.requests] == [None, [first.metadata._continue]]


def test_selectors_and_all_namespaces(api: FakeAPI, core: client.CoreV1Api) -> None:
    api.add(_pod("a", app="web", tier="front"))
    api.add(_pod("b", app="web"))
    api.add(_pod("c", ns="other", app="db"))
    assert [p.metadata.name for p in core.list_pod_for_all_namespaces().items] == ["a", "b", "c"]
    assert [p.metadata.name for p in core.list_namespaced_pod("demo", label_selector="app=web,!tier").items] == ["b"]
    assert [p.metadata.name for p in core.list_pod_for_all_namespaces(label_selector="app in (db)").items] == ["c"]
    assert [p.metadata.name for p in core.list_namespaced_pod("demo", field_selector="metadata.name=a").items] == ["a"]


def test_an_expired_continue_token_is_410_gone(api: FakeAPI, core: client.CoreV1Api) -> None:
    token = core.list_namespaced_config_map("shop", limit=500).metadata._continue
    api.expire()
    with pytest.raises(ApiException) as err:
        core.list_namespaced_config_map("shop", limit=500, _continue=token)
    assert err.value.status == 410 and json.loads(err.value.body)["reason"] == "Expired"
    assert len(core.list_namespaced_config_map("shop", limit=500).items) == 2  # a fresh list starts again


def test_a_metadata_list_never_carries_secret_data(api: FakeAPI, core: client.CoreV1Api) -> None:
    resp = core.list_namespaced_secret("shop", _headers={"Accept": METADATA}, _preload_content=False)
    doc = json.loads(resp.data)
    assert doc["kind"] == "PartialObjectMetadataList"
    assert {i["metadata"]["name"] for i in doc["items"]} == {"db-creds", "registry-pull"}
    assert all(set(i) == {"kind", "apiVersion", "metadata"} for i in doc["items"])
    assert "aHVudGVyMi1kby1ub3Qta2VlcA==" not in json.dumps([i.get("data") for i in doc["items"]])
    assert api.requests[-1].accept == METADATA
    full = core.list_namespaced_secret("shop")  # without the metadata Accept: the Secrets themselves
    assert full.items[0].data == {"password": "aHVudGVyMi1kby1ub3Qta2VlcA=="}


def test_a_watch_streams_changes_after_the_lists_version(api: FakeAPI, core: client.CoreV1Api) -> None:
    api.add(_pod("before"))
    rv = core.list_namespaced_pod("demo").metadata.resource_version
    events, t, errors = _stream(core.list_namespaced_pod, "demo", resource_version=rv, timeout_seconds=3)
    _until(lambda: api.watches())
    api.add(_pod("web", app="web"))
    api.update({**_pod("web", app="web"), "status": {"phase": "Running"}})
    api.delete(_pod("web"))
    api.add(_pod("elsewhere", ns="other"))  # another namespace: not in this watch
    _until(lambda: len(events) == 3)
    t.join(5)
    assert not errors and not t.is_alive()  # timeoutSeconds ended the stream cleanly
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "web"), ("MODIFIED", "web"),
                                                                        ("DELETED", "web")]
    versions = [int(e["object"].metadata.resource_version) for e in events]
    assert versions == sorted(versions) and versions[0] > int(rv)
    w = api.watches()[0]
    assert w.path == "/api/v1/namespaces/demo/pods" and w.query["resourceVersion"] == [rv]
    assert w.query["timeoutSeconds"] == ["3"]


def test_a_watch_without_a_version_starts_with_every_object_added(api: FakeAPI, core: client.CoreV1Api) -> None:
    api.add(_pod("a"))
    events = list(watch.Watch().stream(core.list_namespaced_pod, "demo", timeout_seconds=1))
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "a")]


@pytest.mark.parametrize("delay", [0.0, 0.5], ids=["stream-at-once", "stream-starts-after-the-bookmark"])
def test_bookmarks_carry_the_version_when_asked_for(api: FakeAPI, core: client.CoreV1Api, delay: float) -> None:
    """With a delay, the race a loaded machine hit: the watch is recorded (the test sees it), the
    bookmark is asked for, and only then does its stream start; it must still carry the bookmark."""
    api.delay = delay  # between recording the request and starting its stream
    events, t, _ = _stream(core.list_namespaced_pod, "demo", resource_version=str(api.resource_version),
                           allow_watch_bookmarks=True, timeout_seconds=3)
    _until(lambda: api.watches())
    api.add(_pod("other-ns", ns="x"))  # moves the version without an event here
    api.bookmark()
    _until(lambda: events)
    assert events[0]["type"] == "BOOKMARK"
    assert events[0]["raw_object"]["metadata"]["resourceVersion"] == str(api.resource_version)
    t.join(5)


def test_a_watch_from_before_a_compaction_gets_410(api: FakeAPI, core: client.CoreV1Api) -> None:
    old = str(api.resource_version)
    api.expire()
    with pytest.raises(ApiException) as err:
        list(watch.Watch().stream(core.list_namespaced_pod, "demo", resource_version=old, timeout_seconds=2))
    assert err.value.status == 410 and "too old resource version" in err.value.reason
    fresh = core.list_namespaced_pod("demo").metadata.resource_version  # relist, then watch again
    assert list(watch.Watch().stream(core.list_namespaced_pod, "demo", resource_version=fresh,
                                     timeout_seconds=1)) == []


def test_an_open_watch_ends_with_error_410_on_expire(api: FakeAPI, core: client.CoreV1Api) -> None:
    events, t, errors = _stream(core.list_namespaced_pod, "demo", resource_version=str(api.resource_version),
                                timeout_seconds=5)
    _until(lambda: api.watches())
    api.add(_pod("a"))
    _until(lambda: events)
    api.expire()
    t.join(5)
    assert not t.is_alive() and isinstance(errors[0], ApiException) and errors[0].status == 410


def test_a_dropped_watch_breaks_mid_stream(api: FakeAPI, core: client.CoreV1Api) -> None:
    events, t, errors = _stream(core.list_namespaced_pod, "demo", resource_version=str(api.resource_version),
                                timeout_seconds=5)
    _until(lambda: api.watches())
    api.add(_pod("a"))
    _until(lambda: events)
    api.drop()
    t.join(5)
    assert not t.is_alive() and len(events) == 1
    assert errors and isinstance(errors[0], urllib3.exceptions.ProtocolError), errors


def test_events_are_created_and_patched(api: FakeAPI, core: client.CoreV1Api) -> None:
    body = {"metadata": {"name": "web.1", "namespace": "demo"}, "reason": "CrashConfirmed", "count": 1,
            "involvedObject": {"kind": "Deployment", "name": "web", "namespace": "demo"}, "type": "Warning"}
    core.create_namespaced_event("demo", body)
    with pytest.raises(ApiException) as err:
        core.create_namespaced_event("demo", body)
    assert err.value.status == 409
    core.patch_namespaced_event("web.1", "demo", {"count": 2})
    stored = api.get("v1", "Event", "demo", "web.1")
    assert stored["count"] == 2 and stored["reason"] == "CrashConfirmed"
    assert [r.method for r in api.requests] == ["POST", "POST", "PATCH"]


def test_a_lease_update_with_a_stale_version_is_a_conflict(api: FakeAPI, core: client.CoreV1Api) -> None:
    coord = client.CoordinationV1Api(core.api_client)
    lease = coord.create_namespaced_lease("demo", {"metadata": {"name": "crashlint-watch"},
                                                   "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15}})
    lease.spec.holder_identity = "b"
    taken = coord.replace_namespaced_lease("crashlint-watch", "demo", lease)
    assert taken.spec.holder_identity == "b"
    with pytest.raises(ApiException) as err:  # still carries the version it read before b's update
        coord.replace_namespaced_lease("crashlint-watch", "demo", lease)
    assert err.value.status == 409 and "has been modified" in json.loads(err.value.body)["message"]
    assert coord.read_namespaced_lease("crashlint-watch", "demo").spec.holder_identity == "b"


def test_previous_logs_with_tail_and_byte_limits(api: FakeAPI, core: client.CoreV1Api) -> None:
    api.logs["demo/web/app"] = {"previous": "one\ntwo\nthree\n"}
    text = core.read_namespaced_pod_log("web", "demo", container="app", previous=True, tail_lines=2)
    assert text == "two\nthree\n"
    assert core.read_namespaced_pod_log("web", "demo", container="app", previous=True, limit_bytes=5) == "one\nt"
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("web", "demo", container="app")  # no current log recorded
    assert err.value.status == 400


def test_faults_fail_then_recover(api: FakeAPI, core: client.CoreV1Api) -> None:
    api.fail_next(2, 500)
    for _ in range(2):
        with pytest.raises(ApiException) as err:
            core.list_namespaced_pod("demo")
        assert err.value.status == 500
    assert core.list_namespaced_pod("demo").items == []
    api.forbidden.add(("demo", "pods"))
    with pytest.raises(ApiException) as err:
        core.list_namespaced_pod("demo")
    assert err.value.status == 403
    assert core.list_namespaced_pod("other").items == []


def test_a_hung_api_never_answers(api: FakeAPI, core: client.CoreV1Api) -> None:
    api.hang = True
    start = time.monotonic()
    with pytest.raises(urllib3.exceptions.HTTPError):
        core.list_namespaced_pod("demo", _request_timeout=0.3)
    assert time.monotonic() - start < 2
    api.hang = False
    assert core.list_namespaced_pod("demo").items == []
