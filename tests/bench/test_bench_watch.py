"""The watcher's scale benchmark keeps working: its quick mode, run as users run it, measures a watcher that is right.

No timing is asserted (the machine is shared); what is asserted is that the run measured what
it claims: every workload judged with the verdicts the generated cluster must give, every
update applied (the sentinel pushed last was seen), samples taken, the watcher stopped cleanly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_quick_mode_measures_a_correct_watcher() -> None:
    proc = subprocess.run([sys.executable, str(BENCH / "bench_watch.py"), "--quick", "--no-floor", "--json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(proc.stdout)
    expected, at_sync = r["expected"], r["verdicts_at_sync"]
    assert expected["workloads"] == 201 and expected["pods"] == 1001, expected
    for key in ("workloads", "pods", "crashing_containers", "unpredicted"):
        assert at_sync[key] == expected[key], (key, at_sync, expected)
    assert expected["crashing_containers"] > expected["unpredicted"] > 0
    assert at_sync["findings"]["completes-immediately/confirmed"] == expected["completes_immediately_confirmed"] > 0
    assert at_sync["events"] == r["cluster"]["Event"] == 5000
    for summary in (at_sync, r["verdicts_at_end"]):
        assert summary["bad_objects"] == summary["analysis_errors"] == summary["api_errors"] == 0, summary
    end = r["verdicts_at_end"]
    assert end["workloads"] == expected["workloads"] and end["crashing_containers"] > expected["crashing_containers"]

    recorded = r["events_recorded"]  # one Event per new verdict: each busybox confirmed, each crashing workload
    assert recorded["CrashConfirmed"] == expected["completes_immediately_confirmed"], recorded
    assert recorded["CrashUnpredicted"] >= expected["unpredicted"] // 5, recorded

    steady = r["steady"]
    assert steady["updates"] == 500
    assert 0 < steady["cpu_s"] and 0 < steady["cpu_per_update_ms"]
    assert 0 < r["sync"]["listening_s"] <= r["sync"]["listed_s"] <= r["sync"]["first_verdicts_s"]
    rss = r["rss_mib"]
    assert rss["samples"] >= 5 and 30 < rss["end_of_sync"] <= rss["peak_hwm"], rss
    assert r["exit_code"] == 0 and r["log_warnings"] == 0, r
