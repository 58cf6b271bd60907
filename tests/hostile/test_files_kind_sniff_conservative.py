"""The quick ``kind:`` sniff skips a document only when it cannot be wrong.

A Deployment whose ``kind`` key the sniff cannot read, next to a column-0
``kind: CustomResourceDefinition`` hidden in a quoted string or a flow mapping, was skipped as
a CRD without a word. A ``kind`` that is not a string, which kubectl refuses, was skipped too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hostile_cli import HOSTILE, crashlint


@pytest.mark.parametrize("name", ["kind-sniff-quoted-string.yaml", "kind-sniff-flow-mapping.yaml"])
def test_hidden_crd_line_does_not_hide_the_deployment(tmp_path: Path, name: str) -> None:
    (tmp_path / ".crashlint.yaml").write_text("")
    run = crashlint("lint", "-o", "json", str(HOSTILE / name), cwd=tmp_path)
    report = json.loads(run.text)
    assert run.code == 1, run.err
    # In the flow-mapping file the hidden line is a key of metadata, which ObjectMeta does not have
    # (strict decoding error: unknown field "metadata.kind").
    unknown = [("rejected-by-api", "Deployment")] if "flow-mapping" in name else []
    assert sorted((f["rule"], f["object"]["kind"]) for f in report["findings"] if f["severity"] == "error") == sorted([
        ("completes-immediately", "Deployment"), *unknown])


def test_kind_that_is_not_a_string_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / ".crashlint.yaml").write_text("")
    run = crashlint("lint", "-o", "json", str(HOSTILE / "kind-not-a-string.yaml"), cwd=tmp_path)
    report = json.loads(run.text)
    assert run.code == 2
    assert [(e["line"], "'kind' must be a string" in e["message"]) for e in report["errors"]] == [
        (3, True), (7, True), (14, True)]
    assert [f["object"]["name"] for f in report["findings"] if f["rule"] == "completes-immediately"] == ["fine"]
