"""Every fuzz target of ``fuzz_properties.CASES`` under the active hypothesis profile.

The loader gets random bytes, grammar-built YAML, JSON, deep nesting and alias bombs; the
rules get Kubernetes objects built from the real field shapes, with and without wrong types
injected. The property is always the same: nothing raises, no rule crashes, every finding is
well-formed and every error names the file and a line.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from fuzz_properties import CASES, Case


def _run(case: Case) -> None:
    budget = max(10, settings.default.max_examples // case.cost)

    @settings(max_examples=budget)
    @given(case.strategy)
    def prop(value: object) -> None:
        case.check(value)

    prop()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_target(case: Case) -> None:
    _run(case)
