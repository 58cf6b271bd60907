"""Slow clients must not starve the API server's requests.

The server runs with the ``serve`` command's default workers and threads. A control run
without attackers and a run with two slow sockets must meet the bound; so must a run with 16
slow sockets of each kind (bugs-h10.md #4: with 2 x 4 threads it starved), and 200 slow
sockets that each send a byte every 3 s beside 100 reviews per second (issue 9 #6: a deadline
on each read let them hold every thread, and half the other requests timed out).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import faults_webhook

STYLES = faults_webhook.STYLES


def test_control_without_attackers_meets_the_bound(tmp_path: Path) -> None:
    r = faults_webhook.slowloris(tmp_path, "idle", attackers=0, seconds=2.0, stop_grace=5)
    assert r["requests"] >= 10 and r["failed"] == 0 and r["ok"], r


def test_a_few_slow_sockets_leave_the_other_threads_serving(tmp_path: Path) -> None:
    r = faults_webhook.slowloris(tmp_path, "request", attackers=2, seconds=3.0, stop_grace=5)
    assert r["failed"] == 0 and r["ok"], r


@pytest.mark.parametrize("style", STYLES)
def test_more_slow_sockets_than_threads_do_not_starve_others(tmp_path: Path, style: str) -> None:
    r = faults_webhook.slowloris(tmp_path, style, attackers=16, seconds=3.0, stop_grace=5)
    assert r["failed"] == 0, r
    assert r["ok"], r


def test_two_hundred_trickling_sockets_beside_steady_traffic(tmp_path: Path) -> None:
    r = faults_webhook.slowloris(tmp_path, "mixed", attackers=200, seconds=6.0, interval=3.0, rate=100.0,
                                 bound=2.5, stop_grace=5)
    assert r["attackers"] == 200 and r["requests"] == 600, r
    assert r["failed"] == 0, r
    assert r["ok"], r
