"""Slow clients must not starve the API server's requests.

The server runs with the ``serve`` command's default workers and threads. A control run
without attackers and a run with two slow sockets must meet the bound; so must a run with 16
slow sockets of each kind (bugs-h10.md #4: with 2 x 4 threads it starved).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import faults_webhook

STYLES = ["idle", "hello", "request"]


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
