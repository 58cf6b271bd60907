"""The watcher's parts on their own: client-go's event correlation, the store's bounds, the scope."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from crashlint.settings.config import load_settings
from crashlint.watch.announce import Announcement
from crashlint.watch.errors import one_line
from crashlint.watch.recorder import COMBINED_PREFIX, LRU_ENTRIES, Correlator, build_event
from crashlint.watch.store import ClusterStore, StoreLimits
from crashlint.watch.streams import KINDS
from crashlint.watch.watcher import Watcher
from fakeapi import FakeAPI, load_objects
from watch_helpers import CACHE, FIXTURES, NOW, TOOLBOX, fixture, running

TARGET = {"kind": "Deployment", "namespace": "demo", "name": "toolbox", "uid": "d1", "apiVersion": "apps/v1"}


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


def _event(message: str, clock: Clock, target: dict[str, Any] = TARGET) -> dict[str, Any]:
    return build_event(Announcement("Deployment/demo/toolbox", "CrashConfirmed", message, ("k",)), target, "w", clock())


def test_a_repeated_event_patches_the_first_with_its_count() -> None:
    clock = Clock()
    c = Correlator(clock)
    first = c.correlate(_event("same", clock))
    assert first.patch is None and not first.skip
    clock.t += 60
    second = c.correlate(_event("same", clock))
    assert second.patch == {"count": 2, "lastTimestamp": "2027-01-15T08:01:00Z", "message": "same"}
    assert second.event["metadata"]["name"] == first.event["metadata"]["name"]
    assert second.event["firstTimestamp"] == first.event["firstTimestamp"] == "2027-01-15T08:00:00Z"


def test_ten_similar_events_in_ten_minutes_are_combined() -> None:
    clock = Clock()
    c = Correlator(clock)
    results = []
    for i in range(11):
        clock.t += 1
        results.append(c.correlate(_event(f"message {i}", clock)))
    assert all(r.patch is None and not r.event["message"].startswith(COMBINED_PREFIX) for r in results[:9])
    assert results[9].event["message"] == COMBINED_PREFIX + "message 9" and results[9].patch is None
    assert results[10].event["message"] == COMBINED_PREFIX + "message 10"
    assert results[10].patch == {"count": 2, "lastTimestamp": results[10].event["lastTimestamp"],
                                 "message": COMBINED_PREFIX + "message 10"}
    clock.t += 601  # quiet for longer than the interval: a fresh start
    fresh = c.correlate(_event("message 11", clock))
    assert fresh.event["message"] == "message 11"


def test_a_source_may_burst_25_events_about_an_object_then_one_per_5_minutes() -> None:
    clock = Clock()
    c = Correlator(clock)
    passed = [not c.correlate(_event("same", clock)).skip for _ in range(26)]
    assert passed == [True] * 25 + [False]
    other = dict(TARGET, name="cache", uid="d2")
    assert not c.correlate(_event("same", clock, other)).skip  # a bucket per object
    clock.t += 299
    assert c.correlate(_event("same", clock)).skip
    clock.t += 1
    assert not c.correlate(_event("same", clock)).skip
    assert c.correlate(_event("same", clock)).skip


def test_the_correlator_caches_are_bounded() -> None:
    clock = Clock()
    c = Correlator(clock)
    for i in range(LRU_ENTRIES + 50):
        c.correlate(_event("m", clock, dict(TARGET, name=f"w{i}", uid=f"u{i}")))
    assert len(c._seen) == len(c._aggregates) == len(c._buckets) == LRU_ENTRIES


def _ev(uid: str, pod_uid: str, when: datetime) -> dict[str, Any]:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"metadata": {"uid": uid, "name": uid, "namespace": "demo"}, "reason": "BackOff", "message": "m",
            "involvedObject": {"kind": "Pod", "uid": pod_uid, "name": "p"}, "lastTimestamp": stamp}


def test_events_are_pruned_by_age_and_capped_per_pod() -> None:
    store = ClusterStore(StoreLimits(max_event_age_seconds=600, max_events_per_pod=5))
    for i in range(8):
        store.apply("Event", "ADDED", _ev(f"e{i}", "pod-1", NOW - timedelta(minutes=i * 3)))
    store.apply("Event", "ADDED", _ev("other", "pod-2", NOW - timedelta(hours=2)))
    assert sorted(store.events["pod-1"]) == ["e0", "e1", "e2", "e3", "e4"]  # the newest five
    assert store.prune_events(NOW) == 2  # e4 (12 min) and pod-2's (2 h)
    assert sorted(store.events["pod-1"]) == ["e0", "e1", "e2", "e3"] and "pod-2" not in store.events
    assert store.event_count == 4


def _watcher() -> Watcher:
    w = Watcher(load_settings(), [k.kind for k in KINDS], clock=lambda: NOW)
    items = load_objects(FIXTURES / "cluster.yaml")
    for k in KINDS:
        w.sink(k.kind, "RELIST", [copy.deepcopy(i) for i in items if i["kind"] == k.kind])
    w.step(0)
    return w


def test_a_deleted_workload_leaves_nothing_behind() -> None:
    w = _watcher()
    w.sink("Pod", "MODIFIED", fixture("toolbox-crashloop.yaml"))
    w.sink("Event", "ADDED", _ev("e1", "p0000000-0000-4000-8000-000000000001", NOW))
    w.step(0)
    assert TOOLBOX in w.results and w.transitions.shown[TOOLBOX]
    objs = {o["metadata"]["name"]: o for o in load_objects(FIXTURES / "cluster.yaml")}
    for kind, name in (("Pod", "toolbox-6d4b75cb6d-x7k2p"), ("ReplicaSet", "toolbox-6d4b75cb6d"),
                       ("Deployment", "toolbox")):
        w.sink(kind, "DELETED", copy.deepcopy(objs[name]))
    w.step(0)
    assert TOOLBOX not in w.results and TOOLBOX not in w.store.members
    assert TOOLBOX not in w.transitions.shown and TOOLBOX not in w.judge._lint
    assert "p0000000-0000-4000-8000-000000000001" not in w.store.events and w.store.event_count == 0
    assert set(w.results) == {CACHE}


def test_a_pod_seen_before_its_replicaset_moves_to_the_deployment() -> None:
    store = ClusterStore()
    items = {o["metadata"]["name"]: o for o in load_objects(FIXTURES / "cluster.yaml")}
    pod = copy.deepcopy(items["cache-7f9c8d6b5a-q2w3e"])
    pod["metadata"]["labels"].pop("pod-template-hash")  # no name-based guess: only the ReplicaSet tells
    store.apply("Pod", "ADDED", pod)
    assert set(store.members) == {"ReplicaSet/demo/cache-7f9c8d6b5a"}
    store.apply("ReplicaSet", "ADDED", copy.deepcopy(items["cache-7f9c8d6b5a"]))
    assert set(store.members) == {CACHE}


def test_the_lint_is_redone_only_when_the_template_changes() -> None:
    w = _watcher()
    runs = w.judge.lint_runs
    w.sink("Pod", "MODIFIED", fixture("toolbox-crashloop.yaml"))
    w.step(0)
    assert w.judge.lint_runs == runs  # a status update: classification and join only
    dep = next(o for o in load_objects(FIXTURES / "cluster.yaml") if o["metadata"]["name"] == "toolbox")
    dep["spec"]["template"]["spec"]["containers"][0]["command"] = ["tail", "-f", "/dev/null"]
    w.sink("Deployment", "MODIFIED", dep)
    w.step(0)
    assert w.judge.lint_runs == runs + 1
    assert ("completes-immediately" not in {jf.finding.rule for jf in w.results[TOOLBOX].findings})


def test_label_and_namespace_scope_reach_the_api(tmp_path: Path) -> None:
    objs = load_objects(FIXTURES / "cluster.yaml")
    other = yaml.safe_load(yaml.safe_dump([o for o in objs if o["metadata"]["name"].startswith("toolbox")]))
    for o in other:
        o["metadata"]["namespace"] = "elsewhere"
        o["metadata"]["uid"] = "x" + o["metadata"]["uid"][1:]
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo", "labels": {"team": "a"}}},
                  {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "elsewhere"}}]
    with FakeAPI(objs + other + namespaces) as api:
        with running(api, tmp_path, "--no-events", "-l", "app=toolbox", "--namespace-selector", "team=a") as svc:
            assert set(svc.watcher.results) == {TOOLBOX}
            queries = {r.path: r.query for r in api.requests if not r.watch}
            assert queries["/api/v1/pods"]["labelSelector"] == ["app=toolbox"]
            assert queries["/apis/apps/v1/deployments"]["labelSelector"] == ["app=toolbox"]
            assert "labelSelector" not in queries["/api/v1/events"]
            assert queries["/api/v1/namespaces"]["labelSelector"] == ["team=a"]
            # The namespace gains the label: its workloads come into scope.
            api.update({"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": "elsewhere", "labels": {"team": "a"}}})
            assert svc.watcher.wait_until(lambda: "Deployment/elsewhere/toolbox" in svc.watcher.results, 10)
            assert set(svc.watcher.results) == {TOOLBOX, "Deployment/elsewhere/toolbox"}
        with running(api, tmp_path, "--no-events", "-n", "demo", identity="b") as svc:
            assert set(svc.watcher.results) == {TOOLBOX, CACHE}
            listed = {r.path for r in api.requests if not r.watch}
            assert {"/api/v1/namespaces/demo/pods", "/api/v1/namespaces/demo/events",
                    "/apis/apps/v1/namespaces/demo/deployments"} <= listed


def test_an_empty_cluster_has_its_first_verdicts() -> None:
    w = Watcher(load_settings(), [k.kind for k in KINDS], clock=lambda: NOW)
    for k in KINDS:
        w.sink(k.kind, "RELIST", [])
    w.step(0)
    assert w.synced and w.first_verdicts_at is not None and w.results == {}


def test_a_failed_api_call_is_one_log_line() -> None:
    from kubernetes.client import ApiException

    exc = ApiException(status=500, reason="Internal Server Error")
    exc.body, exc.headers = '{"kind": "Status"}', {"Server": "x"}
    assert "\n" in str(exc) and one_line(exc) == "HTTP 500 Internal Server Error"
    assert one_line(ConnectionError("refused\nmore")) == "ConnectionError: refused"
    assert one_line(TimeoutError()) == "TimeoutError"


def test_a_relist_of_what_is_held_judges_nothing_again() -> None:
    w = _watcher()
    items = load_objects(FIXTURES / "cluster.yaml")
    for i, o in enumerate(items):
        o["metadata"]["resourceVersion"] = str(i + 1)
    for k in KINDS:
        w.sink(k.kind, "RELIST", [copy.deepcopy(i) for i in items if i["kind"] == k.kind])
    w.step(0)
    results, runs = w.results, w.judge.lint_runs
    for k in KINDS:  # the same versions again, as a relist after 410 Gone brings them
        w.sink(k.kind, "RELIST", [copy.deepcopy(i) for i in items if i["kind"] == k.kind])
    w.step(0)
    assert w.results is results and w.store.dirty == set()
    crashed = fixture("toolbox-crashloop.yaml")
    crashed["metadata"]["resourceVersion"] = "99"
    w.sink("Pod", "RELIST", [crashed] + [copy.deepcopy(i) for i in items if i["kind"] == "Pod"][1:])
    w.step(0)
    assert set(w.results) == {TOOLBOX, CACHE} and w.results[CACHE] is results[CACHE]  # only toolbox judged
    assert w.results[TOOLBOX] is not results[TOOLBOX]
    assert w.judge.lint_runs == runs  # a pod's status: its Deployment's template is linted already
