"""Faults: 410 Gone mid-watch, dropped streams, a failing or unreachable API server, bad objects."""

from __future__ import annotations

from pathlib import Path

from fakeapi import FakeAPI
from watch_helpers import (CACHE, TOOLBOX, crashes, fixture, get, recorded_events, running, samples, service,
                           update, verdicts, wait_for)

KINDS = ("Pod", "Event", "ReplicaSet", "Job", "Deployment", "StatefulSet", "DaemonSet", "ReplicationController",
         "CronJob")


def _lists(api: FakeAPI, plural: str) -> int:
    return sum(1 for r in api.requests if r.path.endswith("/" + plural) and not r.watch)


def test_410_mid_watch_relists_without_losing_or_doubling_verdicts(api: FakeAPI, tmp_path: Path) -> None:
    with running(api, tmp_path) as svc:
        wait_for(svc.elector.is_leader, what="the Lease")
        update(api, fixture("toolbox-crashloop.yaml"), svc)
        assert svc.publisher.idle.wait(10)
        before_verdicts, pod_lists = verdicts(svc), _lists(api, "pods")
        api.expire()  # every open watch ends with ERROR 410 "too old resource version"
        api.update(fixture("cache-oomkilled.yaml"))  # written while the watchers relist: must not be lost
        wait_for(lambda: all(v == 1.0 for v in samples(svc, "crashlint_watch_relists_total").values()),
                 what="one relist per kind")
        wait_for(lambda: (CACHE, "cache-7f9c8d6b5a-q2w3e", "cache", "oom-killed", ()) in crashes(svc),
                 what="the OOM kill written during the relist")
        assert svc.publisher.idle.wait(10)
        assert verdicts(svc) == before_verdicts
        assert sum(1 for r in svc.watcher.results[TOOLBOX].findings if r.status == "confirmed") == 1
        assert sorted(e["reason"] for e in recorded_events(api)) == ["CrashConfirmed", "CrashUnpredicted"]
        assert _lists(api, "pods") == pod_lists + 1
        assert samples(svc, "crashlint_watch_stale") == {(): 0.0}


def test_a_dropped_stream_reconnects_from_where_it_was(api: FakeAPI, tmp_path: Path) -> None:
    with running(api, tmp_path, "--no-events") as svc:
        wait_for(lambda: len(api.watches()) == len(KINDS), what="every kind watched")
        watches_before = len(api.watches())
        pod_lists = _lists(api, "pods")
        seen_rv = [r for r in api.watches() if r.path.endswith("/pods")][0].query["resourceVersion"]
        api.drop()  # every open stream cut without its last chunk
        wait_for(lambda: all(v == 1.0 for v in samples(svc, "crashlint_watch_reconnects_total").values()),
                 what="one reconnect per kind")
        wait_for(lambda: len(api.watches()) >= watches_before + len(KINDS), what="the watches re-opened")
        rewatch = [r for r in api.watches()[watches_before:] if r.path.endswith("/pods")]
        assert rewatch[0].query["resourceVersion"] == seen_rv  # resumed where it was (no pod changed), not relisted
        assert rewatch[0].query["allowWatchBookmarks"] == ["true"]
        assert _lists(api, "pods") == pod_lists
        update(api, fixture("toolbox-crashloop.yaml"), svc)
        assert (TOOLBOX, "completes-immediately", "toolbox", "confirmed") in verdicts(svc)
        assert samples(svc, "crashlint_watch_relists_total") == {(("resource", k),): 0.0 for k in KINDS}


def test_a_failing_api_server_marks_the_data_stale_and_recovers(api: FakeAPI, tmp_path: Path) -> None:
    with running(api, tmp_path, "--no-events") as svc:
        api.status = 500  # every request: "etcdserver: request timed out"
        api.drop()
        wait_for(lambda: samples(svc, "crashlint_watch_stale") == {(): 1.0}, what="stale")
        wait_for(lambda: samples(svc, "crashlint_watch_api_errors_total").get(
            (("code", "500"), ("resource", "Pod"))), what="a 500 counted")
        status, page, _ = get(svc, "/")
        assert status == 200 and "Data is stale" in page
        assert "not watched right now (reconnecting to the API server); shown as last seen" in page
        assert TOOLBOX in page  # shown as last seen
        assert get(svc, "/healthz")[0] == 200
        api.status = None

        def current() -> bool:  # a stream is current again once its server says something: a bookmark
            api.bookmark()
            return samples(svc, "crashlint_watch_stale") == {(): 0.0}

        wait_for(current, timeout=40, what="current again")
        update(api, fixture("toolbox-crashloop.yaml"), svc)
        assert (TOOLBOX, "completes-immediately", "toolbox", "confirmed") in verdicts(svc)


def test_an_unreachable_api_server_is_waited_for(api: FakeAPI, tmp_path: Path) -> None:
    svc = service(api, tmp_path, "--no-events")
    api.stop()  # the port closes before the watcher starts
    svc.start()
    try:
        wait_for(lambda: samples(svc, "crashlint_watch_api_errors_total").get(
            (("code", "connection"), ("resource", "Pod"))), what="connection errors counted")
        assert get(svc, "/readyz")[0] == 503 and get(svc, "/healthz")[0] == 200
        assert samples(svc, "crashlint_watch_stale") == {(): 1.0}
        page = get(svc, "/")[1]
        assert "Data is stale" in page and "Pod, Event, ReplicaSet, Job, Deployment" in page and "not listed yet" in page
        assert svc._loop.is_alive() and all(s.thread.is_alive() for s in svc.streams)
    finally:
        svc.stop()


def test_bad_objects_are_skipped_and_counted(api: FakeAPI, tmp_path: Path) -> None:
    with running(api, tmp_path, "--no-events") as svc:
        applied = svc.watcher.applied
        api.add({"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": "no-uid", "namespace": "demo", "uid": 12}})
        api.add({"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": "twisted", "namespace": "demo", "labels": ["a"], "ownerReferences": "x"}})
        api.add({"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": "inside", "namespace": "demo", "deletionTimestamp": 5},
                 "spec": {"containers": "none", "restartPolicy": ["Always"]},
                 "status": {"phase": 3, "containerStatuses": [{"name": 5, "state": []}, "x",
                                                              {"name": "c", "state": {"waiting": "x"},
                                                               "lastState": {"terminated": {"exitCode": "1"}}}]}})
        api.add({"apiVersion": "apps/v1", "kind": "Deployment",
                 "metadata": {"name": "odd", "namespace": "demo"},
                 "spec": {"template": {"spec": {"containers": [{"name": 1, "image": ["x"], "command": "sh"}]}}}})
        api.add({"apiVersion": "v1", "kind": "Event",
                 "metadata": {"name": "e", "namespace": "demo"},
                 "involvedObject": {"kind": "Pod", "uid": ["x"]}, "reason": 5, "lastTimestamp": 7})
        assert svc.watcher.wait_applied(applied + 5, timeout=10)
        # The pod without a string uid and the one with a list for labels are skipped; the rest is
        # judged with wrong types read as absent (as crashlint runtime reads them).
        assert samples(svc, "crashlint_watch_bad_objects_total")[(("resource", "Pod"),)] == 2.0
        assert "Pod/demo/twisted" not in svc.watcher.results
        assert "Pod/demo/inside" in svc.watcher.results and "Deployment/demo/odd" in svc.watcher.results
        assert samples(svc, "crashlint_watch_analysis_errors_total") == {(): 0.0}
        assert get(svc, "/")[0] == 200 and get(svc, "/metrics")[0] == 200
        update(api, fixture("toolbox-crashloop.yaml"), svc)
        assert (TOOLBOX, "completes-immediately", "toolbox", "confirmed") in verdicts(svc)


def test_a_slow_api_server_is_waited_for(api: FakeAPI, tmp_path: Path) -> None:
    api.delay = 0.5  # every answer, lists and watches alike, half a second late
    with running(api, tmp_path, "--no-events") as svc:
        assert samples(svc, "crashlint_watch_stale") == {(): 0.0}
        update(api, fixture("toolbox-crashloop.yaml"), svc)
        assert (TOOLBOX, "completes-immediately", "toolbox", "confirmed") in verdicts(svc)
        assert samples(svc, "crashlint_watch_api_errors_total") == {}
