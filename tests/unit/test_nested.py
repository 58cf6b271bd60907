"""One safe nested read: ``nested.dig``/``dig_map``/``dig_list`` never raise on hostile shapes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from crashlint.model.nested import dig, dig_list, dig_map, dig_str
from crashlint.runtime.shape import obj, seq

ROOT = Path(__file__).resolve().parents[2]
DOC = {"spec": {"template": {"metadata": {"labels": {"app": "web"}}}, "ports": [{"port": 80}, None]}}


def test_reads_the_value_itself() -> None:
    labels = dig_map(DOC, "spec", "template", "metadata", "labels")
    assert labels == {"app": "web"} and labels is DOC["spec"]["template"]["metadata"]["labels"]
    assert dig(DOC, "spec", "ports", 0, "port") == 80
    assert dig_list(DOC, "spec", "ports") is DOC["spec"]["ports"]
    assert dig(DOC) is DOC and dig_map(DOC) is DOC


@pytest.mark.parametrize("path", [
    ("spec", "missing"),
    ("spec", "ports", 5),  # past the end
    ("spec", "ports", -1),  # no negative indexes
    ("spec", "ports", True),  # a bool is no index
    ("spec", "ports", "0"),  # a string never indexes a list
    ("spec", "ports", 1, "port"),  # through a null
    ("spec", "template", 0),  # an int never reads a mapping
    ("spec", "template", "metadata", "labels", "app", "x"),  # through a string
])
def test_a_wrong_shape_anywhere_reads_as_absent(path: tuple[str | int, ...]) -> None:
    assert dig(DOC, *path) is None
    assert dig_map(DOC, *path) == {} and dig_list(DOC, *path) == []


@pytest.mark.parametrize("hostile", [None, 3, "text", ["a"], {"spec": []}, {"spec": "x"}, {"spec": {"template": 1.5}}])
def test_hostile_roots(hostile: object) -> None:
    assert dig_map(hostile, "spec", "template") == {}
    assert dig_list(hostile, "spec", "template") == []


def test_type_mismatch_at_the_end_gives_the_empty_container() -> None:
    assert dig_map(DOC, "spec", "ports") == {}
    assert dig_list(DOC, "spec", "template") == []


def test_strings_keep_empty_and_fall_back_to_the_default() -> None:
    port = {"name": "", "protocol": 6, "scheme": "HTTPS"}
    assert dig_str(port, "name") == "" and dig_str(port, "name", default="x") == ""
    assert dig_str(port, "protocol") is None and dig_str(port, "protocol", default="TCP") == "TCP"
    assert dig_str(port, "scheme", default="HTTP") == "HTTPS"
    assert dig_str(["a"], 0) == "a" and dig_str(None, "a", default="") == ""


def test_runtime_shape_reads_are_the_same_helpers() -> None:
    assert obj is dig_map and seq is dig_list


def test_no_module_walks_a_path_or_narrows_a_get_by_hand() -> None:
    """No private ``_dig`` and no ``x.get(k) if isinstance(x.get(k), dict) else {}`` (or ``str``) left."""
    offenders = []
    for source in [*(ROOT / "linter").rglob("*.py"), *(ROOT / "webhook").rglob("*.py")]:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name == "_dig":
                offenders.append(f"{source.name}:{node.lineno} _dig")
            if (isinstance(node, ast.IfExp) and isinstance(node.test, ast.Call)
                    and getattr(node.test.func, "id", "") == "isinstance" and isinstance(node.test.args[0], ast.Call) and isinstance(node.body, ast.Call)
                    and ast.dump(node.test.args[0]) == ast.dump(node.body)):
                offenders.append(f"{source.name}:{node.lineno} get-if-isinstance")
    assert not offenders, offenders
