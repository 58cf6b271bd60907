"""``crashlint runtime --from`` reads a dump as carefully as the linter reads a manifest.

Dumps had no limits: an 868-byte alias bomb ran for a minute and died of MemoryError, deep
JSON nesting raised RecursionError, ``/dev/zero`` never ended, and lone surrogates crashed
the output (all of them exit 1, the code for "a confirmed crash").
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hostile_cli import crashlint, one_line_error

_BOMB = "".join(f"{a}: &{a} [{', '.join([f'*{p}'] * 9)}]\n" for p, a in zip("abcdefgh", "bcdefghi"))
ALIAS_BOMB = ("a: &a [x, x, x, x, x, x, x, x, x]\n" + _BOMB +
              "apiVersion: v1\nkind: List\nitems: [{kind: Pod, metadata: {name: p, labels: *i}}]\n")

CRASHING_POD = {"kind": "Pod", "metadata": {"name": "web\ud800", "namespace": "shop", "uid": "u1"},
                "spec": {"containers": [{"name": "c\ud800", "image": "busybox:1.36"}]},
                "status": {"phase": "Running", "containerStatuses": [{
                    "name": "c\ud800", "restartCount": 5, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / ".crashlint.yaml").write_text("")
    return tmp_path


def test_alias_bomb_is_refused_with_its_line(work: Path) -> None:
    (work / "dump.yaml").write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 1000
    line = one_line_error(crashlint("runtime", "--from", "dump.yaml", cwd=work, timeout=30))
    assert "alias" in line and "line " in line


@pytest.mark.parametrize("name, text", [
    ("deep.json", '{"kind": "List", "items": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ("deep.yaml", "[" * 100_000 + "]" * 100_000),
])
def test_deep_nesting_is_refused(work: Path, name: str, text: str) -> None:
    (work / name).write_text(text)
    line = one_line_error(crashlint("runtime", "--from", name, cwd=work))
    assert "nest" in line or "deep" in line


def test_oversized_dump_is_refused(work: Path) -> None:
    (work / ".crashlint.yaml").write_text("limits: {max_file_bytes: 1000}\n")
    (work / "dump.json").write_text(json.dumps({"kind": "List", "items": [CRASHING_POD] * 20}))
    assert "larger than 1000 bytes" in one_line_error(crashlint("runtime", "--from", "dump.json", cwd=work))


@pytest.mark.parametrize("option", ["--from", "--logs"])
def test_devices_and_fifos_are_not_read(work: Path, option: str) -> None:
    os.mkfifo(work / "pipe.json")
    (work / "dump.json").write_text(json.dumps({"kind": "List", "items": [CRASHING_POD]}))
    for target in ("/dev/zero", "pipe.json"):
        args = ["--from", target] if option == "--from" else ["--from", "dump.json", "--logs", target]
        assert "not a regular file" in one_line_error(crashlint("runtime", *args, cwd=work, timeout=30))


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_lone_surrogates_in_a_dump(work: Path, fmt: str) -> None:
    (work / "dump.json").write_text(json.dumps({"kind": "List", "items": [CRASHING_POD]}))
    run = crashlint("runtime", "--from", "dump.json", "-o", fmt, cwd=work)
    assert run.code == 1, run.err  # the unpredicted crash
    out = run.text
    if fmt == "json":
        json.dumps(json.loads(out), ensure_ascii=False).encode("utf-8")
    assert "web\\ud800" in out.replace("\\\\", "\\")  # shown as an escape (JSON doubles the backslash)
