"""A limit configured as "practically unlimited" is read as that, not as an internal error.

``limits: {max_file_bytes: 10**30}`` once raised OverflowError (an int wider than a machine word
reached ``read()``), and clamped to a word it still made ``read(n)`` allocate n bytes up front.
"""

from __future__ import annotations

from pathlib import Path

from hostile_cli import crashlint


def test_a_limit_of_ten_to_the_thirty_bytes_lints_normally(tmp_path: Path) -> None:
    (tmp_path / ".crashlint.yaml").write_text("limits: {max_file_bytes: " + "1" + "0" * 30 + ", max_documents: "
                                              + "9" * 40 + "}\n")
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    run = crashlint("lint", "--config", str(tmp_path / ".crashlint.yaml"), "-o", "json", "a.yaml", cwd=tmp_path)
    assert run.code == 0, run.err
    assert "internal error" not in run.err
    assert '"objects": 1' in run.text
