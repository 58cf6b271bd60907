"""RFC 6902 operations on ruamel round-trip trees: semantics of jsonpatch, comments kept."""

from __future__ import annotations

import io

import jsonpatch
import pytest
import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq

from crashlint.fixer.yamlpatch import PatchError, apply_op, apply_patch, to_node, to_plain

DOC = """\
spec:
  containers:   # the list
    - name: a   # first
      args: ["x", "y"]
    - name: b
  replicas: 1
"""


def _load(text: str = DOC):
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    return y, y.load(text)


def _dump(y: YAML, tree) -> str:
    out = io.StringIO()
    y.dump(tree, out)
    return out.getvalue()


@pytest.mark.parametrize("ops", [
    [{"op": "add", "path": "/spec/containers/1", "value": {"name": "mid"}}],
    [{"op": "add", "path": "/spec/containers/-", "value": {"name": "end"}}],
    [{"op": "add", "path": "/spec/containers/0/args/0", "value": "first"}],
    [{"op": "remove", "path": "/spec/containers/0"}],
    [{"op": "replace", "path": "/spec/replicas", "value": 3}],
    [{"op": "add", "path": "/spec/replicas", "value": 2}],
    [{"op": "move", "from": "/spec/containers/1", "path": "/spec/containers/0"}],
    [{"op": "copy", "from": "/spec/containers/0/args", "path": "/spec/containers/1/args"}],
    [{"op": "test", "path": "/spec/containers/0/args", "value": ["x", "y"]},
     {"op": "remove", "path": "/spec/containers/0/args/1"}],
])
def test_same_result_as_jsonpatch(ops: list) -> None:
    _, tree = _load()
    expected = jsonpatch.apply_patch(to_plain(tree), ops)
    apply_patch(tree, ops)
    assert to_plain(tree) == expected


def test_comments_survive_edits_elsewhere() -> None:
    y, tree = _load()
    apply_patch(tree, [{"op": "add", "path": "/spec/containers/-", "value": {"name": "c"}},
                       {"op": "replace", "path": "/spec/replicas", "value": 2}])
    out = _dump(y, tree)
    assert "  containers:   # the list\n" in out
    assert "    - name: a   # first\n" in out
    assert out.endswith("    - name: c\n  replicas: 2\n")


def test_appended_item_takes_the_quote_style_of_its_siblings() -> None:
    y, tree = _load()
    apply_op(tree, {"op": "add", "path": "/spec/containers/0/args/-", "value": "z"})
    assert '      args: ["x", "y", "z"]\n' in _dump(y, tree)


def test_replaced_string_keeps_its_quotes() -> None:
    y, tree = _load("image: 'a:1'  # pinned\n")
    apply_op(tree, {"op": "replace", "path": "/image", "value": "a:2"})
    assert _dump(y, tree) == "image: 'a:2'  # pinned\n"


@pytest.mark.parametrize("op, message", [
    ({"op": "add", "path": "/spec/containers/01", "value": {}}, "not an array index"),
    ({"op": "add", "path": "/spec/containers/3", "value": {}}, "out of range"),
    ({"op": "replace", "path": "/spec/containers/2", "value": {}}, "out of range"),
    ({"op": "remove", "path": "/spec/containers/-"}, "not an array index"),
    ({"op": "replace", "path": "/spec/missing", "value": 1}, "no key"),
    ({"op": "remove", "path": "/spec/missing"}, "no key"),
    ({"op": "add", "path": "/spec/replicas/x", "value": 1}, "scalar"),
    ({"op": "add", "path": "/nope/deeper", "value": 1}, "no key"),
    ({"op": "add", "path": "", "value": {}}, "root"),
    ({"op": "add", "path": "spec", "value": 1}, "invalid pointer"),
    ({"op": "add", "path": 5, "value": 1}, "must be a string"),
    ({"op": "add", "path": "/spec/x"}, "no value"),
    ({"op": "test", "path": "/spec/replicas", "value": 2}, "differs"),
    ({"op": "move", "from": "/spec", "path": "/spec/inner"}, "own child"),
    ({"op": "frobnicate", "path": "/spec"}, "unknown operation"),
])
def test_bad_operations_raise_patch_error(op: dict, message: str) -> None:
    _, tree = _load()
    with pytest.raises(PatchError, match=message):
        apply_op(tree, op)


def test_test_op_on_a_bool_compares_plain_values() -> None:
    _, tree = _load("enabled: true\n")
    apply_op(tree, {"op": "test", "path": "/enabled", "value": True})
    with pytest.raises(PatchError):
        apply_op(tree, {"op": "test", "path": "/enabled", "value": False})


@pytest.mark.parametrize("value", ["yes", "on", "1.10", "0755", "2024-01-02", "~", "null", "", "a: b", "=", "- x"])
def test_new_strings_that_yaml_1_1_would_misread_are_quoted(value: str) -> None:
    y = YAML(typ="rt")
    out = io.StringIO()
    y.dump({"v": to_node(value)}, out)
    assert yaml.safe_load(out.getvalue()) == {"v": value}


def test_new_lists_flow_only_when_short_and_scalar() -> None:
    assert to_node(["sleep", "infinity"]).fa.flow_style() is True
    assert to_node(["x" * 70]).fa.flow_style() is False
    assert to_node([{"name": "a"}]).fa.flow_style() is False
    assert isinstance(to_node([]), CommentedSeq)


def test_replaced_list_keeps_quotes_and_flow_style() -> None:
    y, tree = _load('command: ["python worker.py"]   # split me\nargs:\n  - a\n')
    apply_op(tree, {"op": "replace", "path": "/command", "value": ["python", "worker.py"]})
    apply_op(tree, {"op": "replace", "path": "/args", "value": ["b", "c"]})
    # ruamel keeps a comment's column while the line fits in front of it, else one space.
    assert _dump(y, tree) == 'command: ["python", "worker.py"] # split me\nargs:\n  - b\n  - c\n'
