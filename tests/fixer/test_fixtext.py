"""Splitting streams, guessing indentation, and carrying an edit into the original text."""

from __future__ import annotations

import pytest

from crashlint.fixer.fixtext import Indent, detect_indent, merge, split_documents, split_lines


def test_split_gives_the_text_back_and_first_lines() -> None:
    text = "# head\n---\na: 1\n---  # c\nb: 2\n--- \nc: 3\n  ---not a separator\n"
    chunks = split_documents(text)
    assert "".join(c.text for c in chunks) == text
    assert [c.line for c in chunks] == [1, 2, 4, 6]


def test_split_of_a_single_document() -> None:
    assert [(c.line, c.text) for c in split_documents("a: 1\n")] == [(1, "a: 1\n")]


@pytest.mark.parametrize("text, expected", [
    ("a:\n  b:\n    - x\n    - y\n", Indent(2, 4, 2)),
    ("a:\n  b:\n  - x\n", Indent(2, 2, 0)),
    ("a:\n    b:\n        -   x\n", Indent(4, 8, 4)),
    ("a:\n  # comment\n\n  b: 1\nc:\n- name: x\n  d:\n    e: 1\n", Indent(2, 2, 0)),
])
def test_detect_indent(text: str, expected: Indent) -> None:
    assert detect_indent(text) == expected


def test_detect_indent_falls_back_when_the_text_has_no_blocks() -> None:
    assert detect_indent("a: 1\n", Indent(4, 2, 0)) == Indent(4, 2, 0)


def test_merge_keeps_lines_the_rendering_normalised() -> None:
    original = "a: ~\nb: True\nc: 1\n"
    before = "a:\nb: true\nc: 1\n"
    after = "a:\nb: true\nc: 2\nd: 3\n"
    assert merge(original, before, after) == "a: ~\nb: True\nc: 2\nd: 3\n"


def test_merge_replaces_a_normalised_line_it_edits() -> None:
    assert merge("a: ~\nb: True\n", "a:\nb: true\n", "a: 1\nb: true\n") == "a: 1\nb: True\n"


def test_merge_refuses_an_edit_of_lines_the_rendering_joined() -> None:
    assert merge("a: [1,\n  2]\nb: 1\n", "a: [1, 2]\nb: 1\n", "a: [1, 2, 3]\nb: 1\n") is None


def test_merge_keeps_crlf_and_a_missing_final_newline() -> None:
    assert merge("a: 1\r\nb: 2", "a: 1\nb: 2\n", "a: 1\nb: 2\nc: 3\n") == "a: 1\r\nb: 2\r\nc: 3"


def test_merge_inserts_at_the_start() -> None:
    assert merge("b: 1\n", "b: 1\n", "a: 0\nb: 1\n") == "a: 0\nb: 1\n"


def test_merge_takes_the_rendering_of_a_normalised_parent_line() -> None:
    original = "a: ~\nb: True\n"
    assert merge(original, "a:\nb: true\n", "a:\n- 1\nb: true\n") == "a:\n- 1\nb: True\n"


def test_merge_keeps_a_normalised_sibling_line() -> None:
    assert merge("a: ~\nb: 1\n", "a:\nb: 1\n", "a:\nc: 2\nb: 1\n") == "a: ~\nc: 2\nb: 1\n"


def test_lines_split_at_newlines_only() -> None:
    assert split_lines("a: \"x\u2028y\"\r\nb: 1") == ["a: \"x\u2028y\"\r\n", "b: 1"]
    assert split_lines("a\n") == ["a\n"] and split_lines("") == []
