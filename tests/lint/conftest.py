"""Fixtures of the CLI-level suites; the helpers live in ``lint_helpers`` (importable by name, unlike
``conftest``, of which the test tree has several)."""

from lint_helpers import cli, isolated_config  # noqa: F401  (pytest fixtures)
