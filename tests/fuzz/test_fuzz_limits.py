"""Huge scalars at and beyond the loader's limit, in YAML and JSON: a clear error, never a hang.

Kept out of the random targets because each example is megabytes; the sizes that matter are
the ones around ``Limits.max_scalar_bytes``.
"""

from __future__ import annotations

import json

import pytest

from crashlint.sources.limits import Limits
from fuzz_properties import check_lint, check_load

LIMIT = Limits().max_scalar_bytes


def _configmap_yaml(size: int) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata:\n  blob: {'x' * size}\n"


@pytest.mark.parametrize("size", [LIMIT // 4, LIMIT])
def test_large_scalar_within_the_limit_loads(size: int) -> None:
    report = check_lint("big.yaml", _configmap_yaml(size))
    assert not report.errors and report.objects == 1


@pytest.mark.parametrize("size", [LIMIT + 1, LIMIT + 4096])
def test_scalar_over_the_limit_is_refused_with_its_line(size: int) -> None:
    result = check_load("big.yaml", _configmap_yaml(size))
    assert not result.objects
    assert [(e.line, "scalar longer" in e.message) for e in result.errors] == [(5, True)]


def test_huge_json_string_is_refused_or_loaded_without_crash() -> None:
    text = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"},
                       "data": {"blob": "y" * (LIMIT + 1)}})
    result = check_load("big.json", text)
    assert len(result.objects) + len(result.errors) >= 1
