"""Every output format stays valid whatever text the input holds.

Lone surrogates (a JSON ``"\\ud800"``), undecodable bytes of a file name, terminal control
sequences and non-finite numbers used to crash the text, github and junit writers (exit 1,
the code for findings), to reach the terminal raw, or to put ``NaN`` into JSON and SARIF.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from hostile_cli import HOSTILE, Outcome, crashlint, one_line_error

FORMATS = ("text", "json", "sarif", "junit", "github")
SARIF_SCHEMA = HOSTILE.parent / "schemas" / "sarif-2.1.0-rtm.5.json"


def _strict_json(text: str) -> Any:
    """JSON as RFC 8259 has it: no NaN/Infinity, and strings that are real Unicode."""
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")
    data = json.loads(text, parse_constant=refuse)
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
    return data


def _assert_valid(fmt: str, run: Outcome) -> str:
    out = run.text  # strictly UTF-8
    if fmt in ("json", "sarif"):
        data = _strict_json(out)
        if fmt == "sarif":
            jsonschema.validate(data, json.loads(SARIF_SCHEMA.read_text()))
    elif fmt == "junit":
        ET.fromstring(out.split("\n", 1)[1])
    return out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["lone-surrogate.json", "lone-surrogate-flow.yaml"])
def test_lone_surrogates_in_names(tmp_path: Path, fmt: str, name: str) -> None:
    run = crashlint("lint", "-o", fmt, str(HOSTILE / name), cwd=tmp_path)
    assert run.code == 1, run.err  # the findings of the object, reported
    out = _assert_valid(fmt, run)
    assert "completes-immediately" in out
    assert "\\ud800" in out or "\\\\ud800" in out or "\\udfff" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_lone_surrogate_escape_in_block_yaml_is_an_input_error(tmp_path: Path, fmt: str) -> None:
    run = crashlint("lint", "-o", fmt, str(HOSTILE / "lone-surrogate-block.yaml"), cwd=tmp_path)
    assert run.code == 2, run.err
    assert "invalid Unicode character escape" in _assert_valid(fmt, run)


@pytest.mark.parametrize("fmt", FORMATS)
def test_non_utf8_file_name(tmp_path: Path, fmt: str) -> None:
    tree = tmp_path / "k8s"
    tree.mkdir()
    shutil.copy(HOSTILE / "lone-surrogate.json", bytes(tree) + b"/bad\xff.json")
    run = crashlint("lint", "-o", fmt, "k8s", cwd=tmp_path)
    assert run.code == 1, run.err
    assert "bad\\xff.json" in _assert_valid(fmt, run).replace("\\\\", "\\")


@pytest.mark.parametrize("fmt", ["text", "github", "junit"])
def test_control_characters_are_shown_not_sent(tmp_path: Path, fmt: str) -> None:
    run = crashlint("lint", "-o", fmt, str(HOSTILE / "escape-codes-name.yaml"), cwd=tmp_path)
    out = _assert_valid(fmt, run)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "c\\x9b31m" in out  # the container name, in every message about it


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_non_finite_numbers_are_not_written_as_json_numbers(tmp_path: Path, fmt: str) -> None:
    run = crashlint("lint", "-o", fmt, str(HOSTILE / "nan-probe.yaml"), cwd=tmp_path)
    out = _assert_valid(fmt, run)
    assert '"NaN"' in out and '"-Infinity"' in out


def test_config_error_is_one_line(tmp_path: Path) -> None:
    """libyaml's messages span lines; the CLI's error stays one line whatever the config holds."""
    (tmp_path / "c.yaml").write_text('rules: {"bad\\ud800\x1b[2J": off}\n')
    line = one_line_error(crashlint("lint", "--config", "c.yaml", str(HOSTILE / "escape-codes-name.yaml"),
                                    cwd=tmp_path))
    assert "invalid YAML in config" in line and "\x1b" not in line
