"""The Kubernetes API stalled, erroring or gone while admission requests need look-ups.

Each run checks the warm namespace against the fake API first (the look-up path works), then
breaks the API and sends 24 requests from 4 threads over several namespaces: every one must be
answered (200, its uid) within the look-up budget (0.5 s) plus 1 s, and say that the cluster was
not asked unless cached cluster data answered it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import faults_webhook

pytestmark = pytest.mark.timing  # every run asserts answers within the budget: no other test beside it


def _check(result: dict) -> None:
    assert result["warm_checked_against_cluster"], result
    assert result["requests"] == 24, result
    assert result["failed"] == 0, result
    assert result["max_s"] < result["limit_s"], result
    assert result["without_skip_warning"] == 0, result


def test_stalled_api_answers_within_the_budget_with_a_warning(tmp_path: Path) -> None:
    result = faults_webhook.lookups(tmp_path, "stall", requests=24, stop_grace=5)
    _check(result)
    assert result["max_s"] >= 0.4, "the first requests pay the budget; if not, the stall did not happen"
    # issue 9 #3: once the breaker has seen the API hang, requests stop waiting on it: only the
    # first concurrent requests of each worker (2 workers x 4 clients) pay the budget. Before the
    # breaker, every request for an uncached namespace did (18 of 24 and more); the bound leaves
    # room for a loaded machine, where an answer at once can still take a few hundred ms.
    assert result["waited_budget"] <= 12, result


def test_unreachable_api_answers_at_once_with_a_warning(tmp_path: Path) -> None:
    # bugs-h10.md #1: a refresh failing at once used to deadlock the look-up lock and hang a worker
    result = faults_webhook.lookups(tmp_path, "unreachable", requests=24, stop_grace=3)
    _check(result)
    assert result["max_s"] < 0.5, "a refused connection needs no waiting"


def test_erroring_api_answers_with_a_warning(tmp_path: Path) -> None:
    result = faults_webhook.lookups(tmp_path, "error", requests=24, stop_grace=5)
    _check(result)
    assert result["api_requests"] > 4, "the API was asked (and failed) during the run"
