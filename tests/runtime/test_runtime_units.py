"""Pure parts of runtime mode on small inputs: the dump reader, owner names, classifier edges."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from crashlint.runtime.classify import Params, classify_pod
from crashlint.runtime.join import runtime_policy
from crashlint.runtime.owners import resolve
from crashlint.runtime.state import DumpError, Snapshot, iter_items, load_dump

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
PARAMS = runtime_policy().classifier


def _pod(statuses, *, restart="Always", phase="Running", spec_containers=None, **meta):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns", "uid": "u1", **meta},
            "spec": {"restartPolicy": restart, "containers": spec_containers or [{"name": "c", "image": "i"}]},
            "status": {"phase": phase, "containerStatuses": statuses}}


def _status(state, last=None, rc=0):
    return {"name": "c", "state": state, "lastState": last or {}, "restartCount": rc}


def _term(reason, code, start="2026-03-01T11:58:00Z", end="2026-03-01T11:58:05Z"):
    return {"terminated": {"reason": reason, "exitCode": code, "startedAt": start, "finishedAt": end}}


def _sig(pod, events=(), logs=None):
    crashes, note = classify_pod(pod, list(events), logs or {}, NOW, PARAMS, "Pod/ns/p")
    return [c.signature for c in crashes], note


BACKOFF = {"waiting": {"reason": "CrashLoopBackOff"}}


@pytest.mark.parametrize("state, last, rc, expected", [
    (BACKOFF, _term("Unknown", 255), 1, []),                       # node/runtime lost it
    ({"waiting": {"reason": "PostStartHookError"}}, None, 0, ["exited-with-error"]),
    ({"waiting": {"reason": "CreateContainerError", "message": "no command specified"}}, None, 0, ["command-failed"]),
    ({"running": {"startedAt": "2026-03-01T11:00:00Z"}}, None, 0, []),  # healthy
    (BACKOFF, _term("Error", 126), 3, ["command-failed"]),
    (BACKOFF, _term("Error", 1), 3, ["exited-with-error"]),
])
def test_container_edges(state, last, rc, expected):
    assert _sig(_pod([_status(state, last, rc)]))[0] == expected


def test_job_container_that_finished_is_not_a_crash_but_a_failed_one_is():
    assert _sig(_pod([_status(_term("Completed", 0))], restart="Never", phase="Running"))[0] == []
    assert _sig(_pod([_status(_term("Error", 1))], restart="Never", phase="Failed"))[0] == ["exited-with-error"]


def test_one_failed_liveness_probe_does_not_turn_a_completed_loop_into_a_liveness_kill():
    spec = [{"name": "c", "image": "busybox", "livenessProbe": {"exec": {"command": ["true"]}, "failureThreshold": 3}}]
    ev = {"reason": "Unhealthy", "message": "Liveness probe failed: ", "count": 1, "_time": "2026-03-01T11:58:02Z",
          "involvedObject": {"kind": "Pod", "uid": "u1", "fieldPath": "spec.containers{c}"}}
    pod = _pod([_status(BACKOFF, _term("Completed", 0), 4)], spec_containers=spec)
    assert _sig(pod, [ev])[0] == ["completed"]
    assert _sig(pod, [{**ev, "count": 3}])[0] == ["liveness-failed"]


def test_a_killing_event_of_another_container_does_not_count():
    ev = {"reason": "Killing", "message": "Container sidecar failed liveness probe, will be restarted",
          "_time": "2026-03-01T11:58:03Z", "involvedObject": {"kind": "Pod", "uid": "u1",
                                                               "fieldPath": "spec.containers{sidecar}"}}
    assert _sig(_pod([_status(BACKOFF, _term("Error", 137), 2)]), [ev])[0] == ["exited-with-error"]


def test_dependency_text_needs_a_non_zero_exit():
    logs = {"c": {"previous": "dial tcp 10.0.0.1:5432: connect: connection refused\n"}}
    assert _sig(_pod([_status(BACKOFF, _term("Error", 1), 2)]), logs=logs)[0] == ["dependency-unreachable"]
    assert _sig(_pod([_status(BACKOFF, _term("Completed", 0), 2)]), logs=logs)[0] == ["completed"]


def test_iter_items_streams_nested_lists_and_single_objects():
    text = json.dumps({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": [
        {"kind": "PodList", "items": [{"kind": "Pod", "metadata": {"name": "a"}}]},
        {"kind": "Event", "metadata": {"name": "e"}}, 3, None]}, indent=1)
    assert [i["kind"] for i in iter_items(text)] == ["Pod", "Event"]
    assert [i["kind"] for i in iter_items('{"kind": "Pod", "apiVersion": "v1"}')] == ["Pod"]
    assert list(iter_items('{"kind":"List","items":[]}')) == []
    with pytest.raises(DumpError):
        list(iter_items('{"kind": "List", "items": [{}] "x": 1}'))


def test_snapshot_trims_what_nobody_reads_and_skips_uid_less_events():
    dump = {"kind": "List", "apiVersion": "v1", "items": [
        {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p", "uid": "u", "managedFields": [{}],
                                                        "annotations": {"kubectl.kubernetes.io/last-applied-"
                                                                        "configuration": "{...}", "keep": "1"}}},
        {"kind": "Event", "involvedObject": {"kind": "Pod", "name": "p"}, "reason": "BackOff"},
        {"kind": "Event", "involvedObject": {"kind": "Node", "uid": "n"}, "reason": "SystemOOM"},
        {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "s"}, "data": {"k": "c2VjcmV0"}},
    ]}
    snap = load_dump(json.dumps(dump).encode())
    assert snap.pods[0]["metadata"] == {"name": "p", "uid": "u", "annotations": {"keep": "1"}}
    assert snap.event_count == 0  # no uid: a name-only join could pick a reused name's pod
    assert "c2VjcmV0" not in repr(snap)


@pytest.mark.parametrize("job, workload", [
    ("nightly-29538000", "CronJob/ns/nightly"),        # minutes since the epoch in 2026
    ("backup-20260301", "Job/ns/backup-20260301"),       # a date, not plausible minutes
    ("x-1", "Job/ns/x-1"),
])
def test_cronjob_names_when_the_job_is_missing(job, workload):
    pod = {"kind": "Pod", "metadata": {"name": job + "-abcde", "namespace": "ns", "ownerReferences": [
        {"kind": "Job", "name": job, "uid": "j", "controller": True}]}}
    assert resolve(Snapshot(), pod) == workload


def test_params_come_from_the_policy():
    assert isinstance(PARAMS, Params) and PARAMS.init_stuck_after_seconds == 600
    assert PARAMS.dependency_regex is not None and PARAMS.dependency_regex.search("getaddrinfo ENOTFOUND db")


@pytest.mark.parametrize("message", [
    "Container c failed liveness probe, will be restarted",
    "Killing container with id containerd://c:Container failed liveness probe.. Container will be killed and recreated.",
    "(combined from similar events): Container c failed startup probe, will be restarted",
])
def test_killing_wordings_across_kubelet_versions(message):
    ev = {"reason": "Killing", "message": message, "_time": "2026-03-01T11:58:03Z",
          "involvedObject": {"kind": "Pod", "uid": "u1", "fieldPath": "spec.containers{c}"}}
    assert _sig(_pod([_status(BACKOFF, _term("Error", 137), 2)]), [ev])[0] == ["liveness-failed"]
    assert _sig(_pod([_status(BACKOFF, _term("OOMKilled", 137), 2)]), [ev])[0] == ["oom-killed"]


def _paths(x, pre=()):
    if isinstance(x, dict):
        for k, v in x.items():
            yield pre + (k,)
            yield from _paths(v, pre + (k,))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield pre + (i,)
            yield from _paths(v, pre + (i,))


def test_any_field_of_the_wrong_type_gives_no_traceback():
    """Every field of a crashing pod and of its events, replaced by each JSON type in turn."""
    import copy

    from runtime_cases import load_case

    from crashlint.settings.config import load_settings
    from crashlint.runtime.analysis import analyse

    items = load_case("liveness-failed").items
    pod = next(i for i in items if i["kind"] == "Pod")
    events = [i for i in items if i["kind"] == "Event" and i["involvedObject"]["uid"] == pod["metadata"]["uid"]]
    settings = load_settings(raw={})
    runs = 0
    for index, original in enumerate([pod, *events]):
        for path in list(_paths(original)):
            for value in (None, "x", 7, [], {"k": 1}):
                subject = [copy.deepcopy(pod), *copy.deepcopy(events)]
                target = subject[index]
                for token in path[:-1]:
                    target = target[token]
                target[path[-1]] = value
                snap = load_dump(json.dumps({"kind": "List", "apiVersion": "v1", "items": subject}))
                analyse(snap, settings, now=NOW)  # must not raise
                runs += 1
    assert runs > 500


def test_policy_names_only_known_signatures_rules_and_hints():
    from runtime_cases import CASES, load_case

    from crashlint.rules import all_rules
    from crashlint.runtime.classify import SIGNATURES

    policy = runtime_policy()
    known = set(SIGNATURES) | set(policy.observations)
    assert all(sigs <= known and sigs for sigs in policy.confirmations.values())
    assert set(policy.confirmations) <= set(all_rules())
    assert policy.match_names <= set(policy.confirmations)
    assert set(policy.hints) == set(SIGNATURES)
    covered = {row[3] for name in CASES for row in load_case(name).expected["crashes"]}
    assert covered == set(SIGNATURES)  # the corpus shows every signature at least once


def test_a_failed_job_pod_kept_as_history_is_not_a_crash_now():
    old = _term("Error", 1, "2026-02-27T03:00:00Z", "2026-02-27T03:00:04Z")
    assert _sig(_pod([_status(old)], restart="Never", phase="Failed"))[0] == []
    recent = _term("Error", 1, "2026-03-01T11:50:00Z", "2026-03-01T11:50:04Z")
    assert _sig(_pod([_status(recent)], restart="Never", phase="Failed"))[0] == ["exited-with-error"]
