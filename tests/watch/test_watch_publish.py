"""What the watcher publishes: exact /metrics and Kubernetes Events on the owning workloads."""

from __future__ import annotations

from pathlib import Path

from fakeapi import FakeAPI
from watch_helpers import (CACHE, TOOLBOX, cluster_api, fixture, get, recorded_events, running, samples, update,
                           verdicts, wait_for)



def _crash_both(api: FakeAPI, svc) -> None:
    update(api, fixture("toolbox-crashloop.yaml"), svc)
    update(api, fixture("cache-oomkilled.yaml"), svc)
    assert svc.publisher.idle.wait(10)


def test_metrics_are_exact(api: FakeAPI, tmp_path: Path) -> None:
    with running(api, tmp_path) as svc:
        wait_for(svc.elector.is_leader, what="the Lease")
        _crash_both(api, svc)
        wait_for(lambda: len(recorded_events(api)) == 2, what="two Events")
        assert samples(svc, "crashlint_watch_crashing_containers") == {
            (("container", "cache"), ("namespace", "demo"), ("signature", "oom-killed"),
             ("workload", "Deployment/cache")): 1.0,
            (("container", "toolbox"), ("namespace", "demo"), ("signature", "completed"),
             ("workload", "Deployment/toolbox")): 1.0,
        }
        assert samples(svc, "crashlint_watch_unpredicted_crashes") == {
            (("container", "cache"), ("namespace", "demo"), ("signature", "oom-killed"),
             ("workload", "Deployment/cache")): 1.0,
        }
        assert samples(svc, "crashlint_watch_findings") == {
            (("rule", "completes-immediately"), ("verdict", "confirmed")): 1.0,
            (("rule", "missing-memory-limit"), ("verdict", "not-observed")): 1.0,
        }
        assert samples(svc, "crashlint_watch_events_total") == {
            (("reason", "CrashConfirmed"), ("result", "created")): 1.0,
            (("reason", "CrashUnpredicted"), ("result", "created")): 1.0,
        }
        assert samples(svc, "crashlint_watch_leader") == {(): 1.0}
        assert samples(svc, "crashlint_watch_stale") == {(): 0.0}
        kinds = {"Pod", "Event", "ReplicaSet", "Job", "Deployment", "StatefulSet", "DaemonSet",
                 "ReplicationController", "CronJob"}
        assert samples(svc, "crashlint_watch_up") == {(("resource", k),): 1.0 for k in kinds}
        assert samples(svc, "crashlint_watch_relists_total") == {(("resource", k),): 0.0 for k in kinds}
        assert samples(svc, "crashlint_watch_reconnects_total") == {(("resource", k),): 0.0 for k in kinds}
        assert samples(svc, "crashlint_watch_api_errors_total") == {}
        assert all(v > 0 for v in samples(svc, "crashlint_watch_last_sync_timestamp_seconds").values())
        body = get(svc, "/metrics")[1]
        assert "x7k2p" not in body and "q2w3e" not in body  # no pod names: replicas come and go


def test_events_on_the_owning_deployments_once_per_verdict(api: FakeAPI, tmp_path: Path) -> None:
    with running(api, tmp_path) as svc:
        wait_for(svc.elector.is_leader, what="the Lease")
        _crash_both(api, svc)
        events = wait_for(lambda: (e := recorded_events(api)) and len(e) == 2 and e, what="two Events")
        by_reason = {e["reason"]: e for e in events}
        confirmed, unpredicted = by_reason["CrashConfirmed"], by_reason["CrashUnpredicted"]
        toolbox = api.get("apps/v1", "Deployment", "demo", "toolbox")
        assert confirmed["involvedObject"] == {"kind": "Deployment", "namespace": "demo", "name": "toolbox",
                                               "uid": toolbox["metadata"]["uid"], "apiVersion": "apps/v1"}
        assert confirmed["type"] == "Warning" and confirmed["count"] == 1
        assert confirmed["source"] == {"component": "crashlint-watch"}
        assert confirmed["reportingComponent"] == "crashlint-watch" and confirmed["reportingInstance"] == "watcher-a"
        msg = confirmed["message"]
        assert msg.startswith("completes-immediately: container 'toolbox' runs image 'busybox:1.36' with no command")
        assert "Seen: container toolbox of pod toolbox-6d4b75cb6d-x7k2p: Completed, exit code 0" in msg
        assert 'Fix: For an idle debug/toolbox pod give it a process that waits: `command: ["tail", "-f",' in msg
        assert unpredicted["involvedObject"]["name"] == "cache"
        assert unpredicted["message"].startswith("oom-killed: container cache of pod cache-7f9c8d6b5a-q2w3e: "
                                                 "OOMKilled, exit code 137")
        assert "No finding of crashlint predicted it. Hint: the container exceeded its memory limit" in \
            unpredicted["message"]
        # The same verdicts seen again (another restart of the same crash) announce nothing new.
        again = fixture("toolbox-crashloop.yaml")
        again["status"]["containerStatuses"][0]["restartCount"] = 4
        update(api, again, svc)
        assert svc.publisher.idle.wait(10)
        assert [e["metadata"]["name"] for e in recorded_events(api)] == [e["metadata"]["name"] for e in events]
        assert all(e["count"] == 1 for e in recorded_events(api))


def test_a_verdict_that_returns_patches_the_same_event(api: FakeAPI, tmp_path: Path) -> None:
    """Gone (the pod runs fine again) and back: client-go's dedup counts it on the existing Event."""
    with running(api, tmp_path) as svc:
        wait_for(svc.elector.is_leader, what="the Lease")
        healthy = api.get("v1", "Pod", "demo", "toolbox-6d4b75cb6d-x7k2p")
        for pod in (fixture("toolbox-crashloop.yaml"), healthy, fixture("toolbox-crashloop.yaml")):
            pod["metadata"].pop("resourceVersion", None)
            update(api, pod, svc)
            assert svc.publisher.idle.wait(10)
        assert (TOOLBOX, "completes-immediately", "toolbox", "confirmed") in verdicts(svc)
        (event,) = recorded_events(api)
        assert event["reason"] == "CrashConfirmed" and event["count"] == 2
        assert samples(svc, "crashlint_watch_events_total") == {
            (("reason", "CrashConfirmed"), ("result", "created")): 1.0,
            (("reason", "CrashConfirmed"), ("result", "patched")): 1.0,
        }


def test_page_shows_the_workloads_verdicts_and_fixes(api: FakeAPI, tmp_path: Path) -> None:
    with running(api, tmp_path, "--no-events") as svc:
        _crash_both(api, svc)
        status, page, headers = get(svc, "/")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert "script-src" not in headers["Content-Security-Policy"] and "default-src 'none'" in \
            headers["Content-Security-Policy"]
        for text in (TOOLBOX, CACHE, "completes-immediately", "confirmed", "oom-killed", "tail"):
            assert text in page
        assert "<script" not in page.lower()
        assert "Data is stale" not in page
        assert get(svc, "/healthz")[0] == 200 and get(svc, "/readyz")[0] == 200
        assert get(svc, "/nope")[0] == 404


def test_with_logs_the_event_carries_the_last_log_line(tmp_path: Path) -> None:
    previous = "cache-server 2.4 starting\nloading index: 212 MiB\nloading index: 254 MiB\n"
    with cluster_api(logs={"demo/cache-7f9c8d6b5a-q2w3e/cache": {"previous": previous}}) as api:
        with running(api, tmp_path, "--logs") as svc:
            wait_for(svc.elector.is_leader, what="the Lease")
            update(api, fixture("cache-oomkilled.yaml"), svc)
            (event,) = wait_for(lambda: recorded_events(api), what="the Event")
            assert "; last log line: loading index: 254 MiB." in event["message"]
            (crash,) = svc.watcher.results[CACHE].crashes
            assert crash.evidence["log_tail"][-1] == "loading index: 254 MiB"
            # Read once for this dead instance, however often the workload is judged again.
            again = fixture("cache-oomkilled.yaml")
            again["metadata"]["labels"]["seen"] = "again"
            update(api, again, svc)
            reads = [r for r in api.requests if r.path.endswith("/pods/cache-7f9c8d6b5a-q2w3e/log")]
            assert len(reads) == 1
            assert reads[0].query["previous"] == ["true"] and reads[0].query["container"] == ["cache"]
            assert samples(svc, "crashlint_watch_log_reads_total") == {(("result", "read"),): 1.0}


def test_an_event_gone_from_the_server_is_created_again(api: FakeAPI, tmp_path: Path) -> None:
    """The API server dropped the Event (its TTL passed): the patch gets 404, the Event is recorded anew."""
    with running(api, tmp_path) as svc:
        wait_for(svc.elector.is_leader, what="the Lease")
        healthy = api.get("v1", "Pod", "demo", "toolbox-6d4b75cb6d-x7k2p")
        healthy["metadata"].pop("resourceVersion")
        update(api, fixture("toolbox-crashloop.yaml"), svc)
        assert svc.publisher.idle.wait(10)
        (first,) = wait_for(lambda: recorded_events(api), what="the Event")
        api.delete(first)
        update(api, healthy, svc)
        update(api, fixture("toolbox-crashloop.yaml"), svc)
        assert svc.publisher.idle.wait(10)
        (again,) = wait_for(lambda: recorded_events(api), what="the Event again")
        assert again["count"] == 1 and again["metadata"]["name"] == first["metadata"]["name"]
        assert again["message"] == first["message"]
        assert samples(svc, "crashlint_watch_events_total") == {
            (("reason", "CrashConfirmed"), ("result", "created")): 2.0}


def test_a_restarted_watcher_counts_on_the_event_already_there(api: FakeAPI, tmp_path: Path) -> None:
    """The replica that follows (a restart, a rollout) adopts the Events it finds: no twin Event."""
    with running(api, tmp_path, identity="watcher-a") as a:
        wait_for(a.elector.is_leader, what="watcher-a leading")
        update(api, fixture("toolbox-crashloop.yaml"), a)
        assert a.publisher.idle.wait(10)
        (first,) = wait_for(lambda: recorded_events(api), what="the Event")
    # Publishing from its first verdicts on (no Lease to win first): what it finds decides, not timing.
    with running(api, tmp_path, "--no-leader-election", identity="watcher-b") as b:
        assert b.publisher.idle.wait(10)
        (event,) = recorded_events(api)
        assert event["metadata"]["name"] == first["metadata"]["name"]
        assert event["count"] == 2 and event["firstTimestamp"] == first["firstTimestamp"]
        assert samples(b, "crashlint_watch_events_total") == {(("reason", "CrashConfirmed"), ("result", "patched")): 1.0}
