"""Fixtures of the runtime suites; the case helpers live in ``runtime_cases`` (a unique module name:
several test directories have a conftest.py, so ``from conftest import`` is ambiguous)."""

from runtime_cases import *  # noqa: F401,F403  (fixtures and helpers)
