"""Leader election through one Lease: one replica publishes, the other is a hot standby; SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fakeapi import FakeAPI, write_kubeconfig
from watch_helpers import TOOLBOX, fixture, get, recorded_events, running, samples, update, verdicts, wait_for


def _holder(api: FakeAPI) -> str | None:
    """Who holds the Lease ("" when released); None before anyone created it."""
    found = api.objects("coordination.k8s.io/v1", "Lease", "crashlint")
    return found[0]["spec"]["holderIdentity"] if found else None


@pytest.mark.timing
def test_two_watchers_one_lease_one_publisher(api: FakeAPI, tmp_path: Path) -> None:
    with running(api, tmp_path, identity="watcher-a") as a:
        wait_for(a.elector.is_leader, what="watcher-a leading")
        with running(api, tmp_path, identity="watcher-b") as b:
            time.sleep(b.elector.retry_period * 1.5)  # b has tried at least once
            assert not b.elector.is_leader() and _holder(api) == "watcher-a"
            update(api, fixture("toolbox-crashloop.yaml"), a, b)
            assert a.publisher.idle.wait(10) and b.publisher.idle.wait(10)
            # Both judged it (the standby's caches are warm); only the leader wrote the Event.
            assert (TOOLBOX, "completes-immediately", "toolbox", "confirmed") in verdicts(a)
            assert verdicts(a) == verdicts(b)
            assert [e["reportingInstance"] for e in recorded_events(api)] == ["watcher-a"]
            assert samples(b, "crashlint_watch_events_total") == {(("reason", "CrashConfirmed"), ("result", "standby")): 1.0}
            assert samples(a, "crashlint_watch_leader") == {(): 1.0}
            assert samples(b, "crashlint_watch_leader") == {(): 0.0}
            a.stop()  # releases the Lease: b takes it at its next try, not after the 15 s lease
            started = time.monotonic()
            wait_for(b.elector.is_leader, timeout=8, what="watcher-b taking over")
            assert time.monotonic() - started < b.elector.retry_period * 2.2 + 1
            lease = api.get("coordination.k8s.io/v1", "Lease", "crashlint", "crashlint-watch")["spec"]
            assert lease["holderIdentity"] == "watcher-b" and lease["leaseTransitions"] == 1
            assert lease["leaseDurationSeconds"] == 15


@pytest.mark.timing
@pytest.mark.parametrize("api_hangs", [False, True], ids=["api-answers", "api-hangs"])
def test_sigterm_stops_within_five_seconds_and_releases_the_lease(api: FakeAPI, tmp_path: Path,
                                                                  api_hangs: bool) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", api.url, namespace="crashlint")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "crashlint", "watch", "--kubeconfig", str(kubeconfig),
                             "--listen", f"127.0.0.1:{port}", "--identity", "proc"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_for(lambda: _ready(port), timeout=30, what="the process ready")
        wait_for(lambda: _holder(api) == "proc", timeout=10, what="the Lease held")
        api.hang = api_hangs  # every request from now on is read and never answered
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=5)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert rc == 0, stderr
    assert took < 5
    api.hang = False
    assert _holder(api) == ("proc" if api_hangs else "")  # handed back when the API answers
    assert "Traceback" not in stderr


def _ready(port: int) -> bool:
    try:
        return get(port, "/readyz")[0] == 200
    except OSError:
        return False
