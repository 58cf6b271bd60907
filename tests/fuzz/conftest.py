"""Hypothesis profiles for the fuzz suite.

``ci`` (the default) keeps the whole suite under a minute on two cores; ``long`` is for a run by
hand (``HYPOTHESIS_PROFILE=long pytest tests/fuzz``), and ``bench/fuzz_long.py`` goes further
with an explicit example count. No example database: a failure prints its reproducer, and
runs leave no state behind in the repository.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.register_profile("ci", max_examples=150, **_COMMON)
settings.register_profile("long", max_examples=5000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
