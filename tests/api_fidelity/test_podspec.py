"""API fidelity of pod specs: what ``ValidatePodSpec`` and pod creation refuse, and near-misses accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from server_answers import assert_accepted, assert_refused, fixtures

REFUSED = fixtures("podspec", "refused")
ACCEPTED = fixtures("podspec", "accepted")


@pytest.mark.parametrize("path", REFUSED, ids=lambda p: p.name)
def test_refused_pod_specs_are_reported_in_the_servers_words(path: Path) -> None:
    assert_refused(path)


@pytest.mark.parametrize("path", ACCEPTED, ids=lambda p: p.name)
def test_near_misses_the_server_accepts_are_not_reported(path: Path) -> None:
    assert_accepted(path)


def test_as_many_near_misses_as_refusals() -> None:
    assert REFUSED and sum(assert_accepted(p) for p in ACCEPTED) >= len(REFUSED)
