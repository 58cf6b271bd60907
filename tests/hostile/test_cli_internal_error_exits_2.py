"""An exception no code path expected exits 2 with one line, never Python's 1 ("findings").

CI recipes accept exit 1 (``crashlint lint -o sarif k8s/ > out.sarif || test $? -eq 1``), so a
crash that exits 1 passes the build with an empty report.
"""

from __future__ import annotations

import json
import resource
from pathlib import Path

from hostile_cli import HOSTILE, crashlint, one_line_error


def _data_limit(megabytes: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (megabytes << 20, megabytes << 20))
    return apply


def test_memory_exhaustion_is_an_internal_error_with_exit_2(tmp_path: Path) -> None:
    """A real input that needs more memory than the process may have: MemoryError reaches the guard."""
    items = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{i}"}, "data": {"k": "v" * 20}}
             for i in range(200_000)]
    (tmp_path / "big.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    (tmp_path / ".crashlint.yaml").write_text("")
    small = crashlint("lint", "-o", "sarif", str(HOSTILE / "probe-header-date.yaml"), cwd=tmp_path,
                      preexec=_data_limit(100))
    assert small.code in (0, 1), small.err  # the limit leaves room for an ordinary run
    line = one_line_error(crashlint("lint", "-o", "sarif", "big.json", cwd=tmp_path, preexec=_data_limit(100)))
    assert line.startswith("crashlint: internal error: MemoryError"), line
    assert "report" in line


def test_sarif_of_a_probe_header_date_is_written(tmp_path: Path) -> None:
    """It used to crash in the SARIF writer (a ``date`` is not JSON) and exit 1 with no output."""
    run = crashlint("lint", "-o", "sarif", str(HOSTILE / "probe-header-date.yaml"), cwd=tmp_path)
    assert run.code in (0, 1), run.err
    results = json.loads(run.text)["runs"][0]["results"]
    fixes = [r["properties"]["fix"] for r in results if "fix" in r["properties"]]
    headers = [op["value"]["httpGet"]["httpHeaders"] for fix in fixes for op in fix if "startupProbe" in op["path"]]
    assert headers == [[{"name": "X-Since", "value": "2024-01-01"}]]


def test_certs_with_absurd_days_exits_2_with_one_line(tmp_path: Path) -> None:
    """``--days 99999999`` overflowed the date arithmetic: a usage error now, nothing written."""
    line = one_line_error(crashlint("certs", "--out", "out", "--days", "99999999", cwd=tmp_path))
    assert line.startswith("crashlint: --days"), line
    assert not (tmp_path / "out").exists()
