"""Dense JSON is refused before it is decoded: memory stays within ``max_memory_factor`` x the input.

63 MB of ``[[[[[[[[[[]]]]]]]]]]`` took 2.9 GB of RSS (every empty array is ~100 bytes of
Python data); ``bench/README.md`` has the measurement. The test uses a smaller input (59 MB) under a
data limit (600 MB, which the old code exceeded ~4x): the check is the same.
"""

from __future__ import annotations

import json
import resource
from pathlib import Path

from hostile_cli import crashlint, one_line_error

DENSE = '{"apiVersion": "v1", "kind": "List", "items": [' + ",".join(["[[[[[[[[[[]]]]]]]]]]"] * 2_800_000) + "]}"


def _data_limit() -> None:
    resource.setrlimit(resource.RLIMIT_DATA, (600 << 20, 600 << 20))


def test_dense_json_is_an_input_error_not_gigabytes(tmp_path: Path) -> None:
    (tmp_path / ".crashlint.yaml").write_text("")
    (tmp_path / "dense.json").write_text(DENSE)
    run = crashlint("lint", "-o", "json", "dense.json", cwd=tmp_path, preexec=_data_limit)
    report = json.loads(run.text)
    assert run.code == 2
    assert [e["line"] for e in report["errors"]] == [1]
    assert "max_memory_factor" in report["errors"][0]["message"]


def test_dense_runtime_dump_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".crashlint.yaml").write_text("")
    (tmp_path / "dump.json").write_text(DENSE)
    line = one_line_error(crashlint("runtime", "--from", "dump.json", cwd=tmp_path, preexec=_data_limit))
    assert "max_memory_factor" in line
