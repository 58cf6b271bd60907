"""Helpers of the watcher tests: the fake API with the watch fixtures, a watcher in-process, reads.

The watcher runs as ``crashlint watch`` runs (``WatchService`` from the parsed arguments, the
official client over HTTP, its own HTTP server); only signals are left to the process tests.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from prometheus_client.parser import text_string_to_metric_families

from crashlint.cli import build_parser
from crashlint.watch.service import WatchService
from fakeapi import FakeAPI, load_objects, write_kubeconfig
from harness.waiting import wait_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "watch"
# The fixtures' pods last terminated on 2026-05-01 around 10:02: judged three minutes later.
NOW = datetime(2026, 5, 1, 10, 5, tzinfo=timezone.utc)
TOOLBOX, CACHE = "Deployment/demo/toolbox", "Deployment/demo/cache"


def fixture(name: str) -> dict[str, Any]:
    return yaml.safe_load((FIXTURES / name).read_text())


def cluster_api(logs: dict[str, dict[str, str]] | None = None) -> FakeAPI:
    """The fake API serving tests/fixtures/watch/cluster.yaml (not started), in pages of two;
    ``logs``: ``{"ns/pod/container": {"previous": text}}`` for pods/log."""
    return FakeAPI(load_objects(FIXTURES / "cluster.yaml"), page_size=2, logs=logs)


def service(api: FakeAPI, tmp_path: Path, *extra: str, identity: str = "watcher-a",
            clock: datetime = NOW) -> WatchService:
    kubeconfig = write_kubeconfig(tmp_path / f"kubeconfig-{identity}", api.url, namespace="crashlint")
    args = build_parser().parse_args(["watch", "--kubeconfig", str(kubeconfig), "--listen", "127.0.0.1:0",
                                      "--identity", identity, *extra])
    svc = WatchService(args)
    svc.watcher.clock = lambda: clock
    return svc


@contextmanager
def running(api: FakeAPI, tmp_path: Path, *extra: str, identity: str = "watcher-a", synced: bool = True,
            clock: datetime = NOW) -> Iterator[WatchService]:
    """A started watcher (synced: every kind listed and the verdicts judged), stopped afterwards."""
    svc = service(api, tmp_path, *extra, identity=identity, clock=clock)
    svc.start()
    try:
        if synced:
            wait_for(lambda: svc.watcher.first_verdicts_at is not None, what="the first verdicts")
        yield svc
    finally:
        svc.stop()


def update(api: FakeAPI, obj: dict[str, Any], *watchers: WatchService) -> dict[str, Any]:
    """Write a pod through the fake API and wait until each watcher has applied and judged that very
    version (other changes, such as the watcher's own Events, may arrive in between)."""
    stored = api.update(obj)
    uid, rv = stored["metadata"]["uid"], stored["metadata"]["resourceVersion"]
    for svc in watchers:
        assert svc.watcher.wait_until(lambda: svc.watcher.seen(uid, rv), 10), f"{rv} of {uid} not seen"
    return stored


def verdicts(svc: WatchService) -> set[tuple[str, str, str, str]]:
    """(workload, rule, container, verdict) of every finding the watcher holds."""
    return {(wl, jf.finding.rule, jf.finding.container or "", jf.status)
            for wl, r in svc.watcher.results.items() for jf in r.findings}


def crashes(svc: WatchService) -> set[tuple[str, str, str, str, tuple[str, ...]]]:
    return {(c.workload, c.pod, c.container, c.signature, tuple(c.predicted_by))
            for r in svc.watcher.results.values() for c in r.crashes}


def get(svc: WatchService | int, path: str) -> tuple[int, str, dict[str, str]]:
    """(status, body, headers) of a GET to a watcher (or to a port a watcher process listens on)."""
    port = svc if isinstance(svc, int) else svc.server.port
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def metrics(svc: WatchService) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics: (name, sorted labels) -> value."""
    status, body, _ = get(svc, "/metrics")
    assert status == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(body) for s in fam.samples}


def samples(svc: WatchService, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {labels: v for (n, labels), v in metrics(svc).items() if n == name}


def recorded_events(api: FakeAPI, namespace: str = "demo") -> list[dict[str, Any]]:
    """The Events the watcher wrote (reason CrashConfirmed / CrashUnpredicted), oldest first."""
    evs = [e for e in api.objects("v1", "Event", namespace) if e.get("reason") in ("CrashConfirmed", "CrashUnpredicted")]
    return sorted(evs, key=lambda e: int(e["metadata"]["resourceVersion"]))


def dump(api: FakeAPI, path: Path) -> Path:
    """What `kubectl get pods,replicasets,jobs,events,deployments,... -A -o json` prints, from the fake."""
    items = [o for api_version, kind in (("v1", "Pod"), ("apps/v1", "ReplicaSet"), ("batch/v1", "Job"),
                                         ("v1", "Event"), ("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"),
                                         ("apps/v1", "DaemonSet"), ("batch/v1", "CronJob"),
                                         ("v1", "ReplicationController"))
             for o in api.objects(api_version, kind)]
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    return path
