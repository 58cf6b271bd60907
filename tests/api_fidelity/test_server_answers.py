"""Every API-fidelity fixture answers as the API server does, for each area of validation.

A ``refused-*.yaml`` fixture lists the server's refusals as ``# refused: LINE fragment`` (or
``# warns:``) comments, each quoting the server's message, and crashlint must report exactly those;
an ``accepted-*.yaml`` fixture holds near-misses the server accepts, and ``rejected-by-api`` must stay
silent on them. Each area has at least as many accepted objects as refused fixtures.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from server_answers import FIXTURES, assert_accepted, assert_refused, fixtures

AREAS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and fixtures(p.name, "refused"))
REFUSED = [p for area in AREAS for p in fixtures(area, "refused")]
ACCEPTED = [p for area in AREAS for p in fixtures(area, "accepted")]


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_every_area_is_covered() -> None:
    assert {"cronjob", "metadata", "podspec", "selectors", "service"} <= set(AREAS)


@pytest.mark.parametrize("path", REFUSED, ids=_id)
def test_refused_objects_are_reported_in_the_servers_words(path: Path) -> None:
    assert_refused(path)


@pytest.mark.parametrize("path", ACCEPTED, ids=_id)
def test_near_misses_the_server_accepts_are_not_reported(path: Path) -> None:
    assert_accepted(path)


@pytest.mark.parametrize("area", AREAS)
def test_as_many_near_misses_as_refusals(area: str) -> None:
    refused = fixtures(area, "refused")
    assert refused and sum(assert_accepted(p) for p in fixtures(area, "accepted")) >= len(refused)
