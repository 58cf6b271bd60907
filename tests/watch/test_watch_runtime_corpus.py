"""The watcher's verdicts equal ``crashlint runtime``'s on every state of the runtime corpus.

Each ``tests/fixtures/runtime/corpus/<case>/cluster.json`` (a ``kubectl get ... -o json`` dump:
every signature, notes that are not crashes, owner resolution, uid joins) is served by the fake
API and watched; ``crashlint runtime --from`` reads the same file at the same reference time.
Findings (workload, rule, container, verdict) and crashes (workload, pod, container, signature,
predicted by) must be the same sets.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crashlint.cli import main
from crashlint.runtime.state import read_dump_file
from fakeapi import FakeAPI, load_objects
from watch_helpers import crashes, running, verdicts

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "runtime" / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "cluster.json").is_file())


@pytest.mark.parametrize("case", CASES)
def test_same_verdicts_as_crashlint_runtime(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dump = CORPUS / case / "cluster.json"
    now = read_dump_file(str(dump)).reference_time()
    assert now is not None
    assert main(["runtime", "--from", str(dump), "--now", now.isoformat(), "-o", "json", "--fail-on", "never"]) == 0
    report = json.loads(capsys.readouterr().out)
    with FakeAPI(load_objects(dump)) as api:
        with running(api, tmp_path, "--no-events", clock=now) as svc:
            watched_findings, watched_crashes = verdicts(svc), crashes(svc)
    assert watched_findings == {(f["workload"], f["rule"], f.get("container") or "", f["status"])
                                for f in report["findings"]}
    assert watched_crashes == {(c["workload"], c["pod"], c["container"], c["signature"], tuple(c["predicted_by"]))
                               for c in report["crashes"]}
    assert watched_findings or watched_crashes  # every case has something to agree on


def test_the_corpus_covers_confirmed_unpredicted_and_clean_states() -> None:
    """What the comparison above ranges over (it would prove little on empty reports)."""
    assert len(CASES) >= 16
    assert {"join", "owners", "not-crashes", "join-healthy", "oom-killed", "uid-join"} <= set(CASES)
