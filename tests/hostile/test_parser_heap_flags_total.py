"""Heap flags never raise: a 4,400-digit ``-Xms`` must not hide the ``-Xmx2g`` next to it.

The heap rule raised on Python's 4,300-digit ``int()`` limit and the webhook, dropping rule errors,
allowed an object it denies without the extra variable. Sizes no runtime can hold (the JVM and V8
read 64-bit sizes, Go an int64) are not settings; Unicode digits are not digits to any runtime.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from crashlint.knowledge.heap import settings_of
from crashlint.model.workloads import Container
from hostile_cli import HOSTILE, crashlint


def test_the_deny_survives_a_4400_digit_xms(tmp_path: Path) -> None:
    (tmp_path / ".crashlint.yaml").write_text("")
    run = crashlint("lint", "-o", "json", str(HOSTILE / "heap-4400-digit-xms.yaml"), cwd=tmp_path, timeout=20)
    assert run.code == 1, run.err
    assert "internal error" not in run.text
    assert '"rule": "heap-exceeds-memory-limit"' in run.text and "-Xmx2g" in run.text


def _settings(env: dict[str, str], command: list[str] | None = None) -> list[tuple[str, Decimal]]:
    data = {"name": "app", "env": [{"name": k, "value": v} for k, v in env.items()], "command": command or []}
    c = Container(data, "containers", 0, ("spec", "containers", 0))
    return [(s.kind, s.value) for s in settings_of(c, ["JAVA_OPTS"], ["NODE_OPTIONS"])]


@pytest.mark.parametrize("flag", [
    "-Xmx" + "9" * 4400, "-Xms" + "9" * 5000 + "g", "-XX:MaxHeapSize=" + "9" * 21, "-Xmx18446744073709551616",
    "-Xmx١٠٠m", "-Xmx１g", "-XX:MaxRAMPercentage=٧٥",
])
def test_jvm_sizes_beyond_any_runtime_or_not_ascii_are_no_setting(flag: str) -> None:
    assert _settings({"JAVA_TOOL_OPTIONS": flag}, ["java", flag]) == []


def test_largest_jvm_size_still_counts() -> None:
    assert _settings({"JAVA_TOOL_OPTIONS": "-Xmx16777215t"}) == [("max-heap", Decimal(16777215 * 2**40))]


@pytest.mark.parametrize("env", [
    {"NODE_OPTIONS": "--max-old-space-size=" + "9" * 4400},
    {"NODE_OPTIONS": "--max-old-space-size ٥١٢"},
    {"GOMEMLIMIT": "9" * 4400 + "MiB"},
    {"GOMEMLIMIT": "9223372036854775808"},
    {"GOMEMLIMIT": "٥١٢MiB"},
])
def test_node_and_go_sizes_never_raise(env: dict[str, str]) -> None:
    assert _settings(env) == []
