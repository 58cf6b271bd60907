"""Verdicts through the real client against the fake API, with chunked watch streams."""

from __future__ import annotations

import json
from pathlib import Path

from crashlint.cli import main
from fakeapi import FakeAPI
from watch_helpers import CACHE, NOW, TOOLBOX, crashes, dump, fixture, running, update, verdicts


def test_busybox_is_confirmed_by_the_watch_event_of_its_pod_status(api: FakeAPI, tmp_path: Path) -> None:
    with running(api, tmp_path, "--no-events") as svc:
        assert (TOOLBOX, "completes-immediately", "toolbox", "not-observed") in verdicts(svc)
        update(api, fixture("toolbox-crashloop.yaml"), svc)
        # Judged with the batch that carried the MODIFIED event: nothing more had to arrive.
        assert (TOOLBOX, "completes-immediately", "toolbox", "confirmed") in verdicts(svc)
        assert (TOOLBOX, "toolbox-6d4b75cb6d-x7k2p", "toolbox", "completed", ("completes-immediately",)) in crashes(svc)


def test_an_oom_kill_without_a_memory_finding_is_unpredicted(api: FakeAPI, tmp_path: Path) -> None:
    with running(api, tmp_path, "--no-events") as svc:
        assert not [v for v in verdicts(svc) if v[0] == CACHE]
        update(api, fixture("cache-oomkilled.yaml"), svc)
        assert crashes(svc) == {(CACHE, "cache-7f9c8d6b5a-q2w3e", "cache", "oom-killed", ())}
        assert not [v for v in verdicts(svc) if v[0] == CACHE]


def test_verdicts_equal_crashlint_runtime_on_the_same_state(api: FakeAPI, tmp_path: Path, capsys) -> None:
    with running(api, tmp_path, "--no-events") as svc:
        update(api, fixture("toolbox-crashloop.yaml"), svc)
        update(api, fixture("cache-oomkilled.yaml"), svc)
        watched_findings, watched_crashes = verdicts(svc), crashes(svc)
    path = dump(api, tmp_path / "dump.json")
    capsys.readouterr()
    assert main(["runtime", "--from", str(path), "--now", NOW.isoformat(), "-o", "json", "--fail-on", "never"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert watched_findings == {(f["workload"], f["rule"], f.get("container") or "", f["status"])
                                for f in report["findings"]}
    assert watched_crashes == {(c["workload"], c["pod"], c["container"], c["signature"], tuple(c["predicted_by"]))
                               for c in report["crashes"]}
    assert len(watched_findings) == 2 and len(watched_crashes) == 2
