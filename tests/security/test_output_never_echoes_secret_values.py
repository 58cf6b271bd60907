"""A Secret value that fails its explicit tag (``password: !!int hunter2``) is reported by tag
and line, never quoted: it used to appear in every output format, and CI logs keep them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hostile_cli import HOSTILE, crashlint

FIXTURE = HOSTILE / "secret-bad-tags.yaml"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_failing_tag_error_names_line_and_tag_only(tmp_path: Path, fmt: str) -> None:
    run = crashlint("lint", "-o", fmt, str(FIXTURE), cwd=tmp_path)
    assert run.code == 2
    shown = run.text + run.err
    assert "hunter2" not in shown and "s3cr3t" not in shown.lower()
    assert "!!int" in shown and "!!float" in shown


def test_errors_point_at_the_tagged_values(tmp_path: Path) -> None:
    report = json.loads(crashlint("lint", "-o", "json", str(FIXTURE), cwd=tmp_path).text)
    assert [e["line"] for e in report["errors"]] == [7, 13]
