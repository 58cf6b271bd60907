"""A YAML/JSON document of a source with its composed node tree: where a JSON pointer is.

Positions are resolved only when a finding is reported, so the loader keeps the libyaml node
tree beside the data; rules that read how a document was written (repeated keys) and the
kustomize build read it too.
"""

from __future__ import annotations

from collections.abc import Iterable

import yaml

from crashlint.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any


def node_at(node: yaml.Node | None, pointer: Iterable[str | int]) -> yaml.Node | None:
    """The node a JSON pointer names in a composed tree (a key's first entry), or None if absent."""
    for token in pointer:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(token)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(token, int) and 0 <= token < len(node.value):
            node = node.value[token]
        else:
            return None
    return node


class Document(Record):
    """One YAML/JSON document of a source, with its node tree for position look-ups."""

    source: str
    index: int
    line_offset: int  # 0-based line of the document's first line in the source
    data: Any
    node: yaml.Node | None
    # (key, 1-based line, column, line of the first occurrence, whether both values are the same
    # as written) of every repeated mapping key.
    duplicate_keys: list[tuple[str, int, int, int, bool]]

    __slots__ = ("source", "index", "line_offset", "data", "node", "duplicate_keys")

    def __init__(self, source: str, index: int, line_offset: int, data: Any, node: yaml.Node | None = None) -> None:
        self.source = source
        self.index = index
        self.line_offset = line_offset
        self.data = data
        self.node = node
        self.duplicate_keys = []

    def node_lines(self, pointer: Iterable[str | int]) -> tuple[int, int]:
        """1-based first and last line of the node at ``pointer`` (the whole document if absent)."""
        node = self.node
        if node is None:
            return self.line_offset + 1, self.line_offset + 1
        for token in pointer:
            if isinstance(node, yaml.MappingNode):
                # The last entry of a key is the value (a repeated key, or one a merge supplies).
                node = next((v for k, v in reversed(node.value) if isinstance(k, yaml.ScalarNode)
                             and k.value == str(token)), node)
            elif isinstance(node, yaml.SequenceNode) and isinstance(token, int) and 0 <= token < len(node.value):
                node = node.value[token]
        return self.line_offset + node.start_mark.line + 1, self.line_offset + node.end_mark.line + 1

    def locate(self, pointer: Iterable[str | int], anchor: str = "auto") -> tuple[int, int]:
        """1-based (line, column) of the node a JSON pointer names.

        The walk stops at the deepest node that exists, so a pointer to a field that is
        absent (``/spec/template/spec/containers/0/args``) lands on its parent.
        ``anchor="key"`` points at the key of a mapping entry rather than its value;
        ``auto`` does so when the value is a collection (the ``livenessProbe:`` line says
        more than the first line of its body).
        """
        node = self.node
        if node is None:
            return self.line_offset + 1, 1
        best = node.start_mark
        for token in pointer:
            if isinstance(node, yaml.MappingNode):
                found = None
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(token):
                        found = (key, value)
                if found is None:
                    break
                key, value = found
                use_key = anchor == "key" or (anchor == "auto" and not isinstance(value, yaml.ScalarNode))
                best = key.start_mark if use_key else value.start_mark
                node = value
            elif isinstance(node, yaml.SequenceNode):
                try:
                    i = int(token)
                except (TypeError, ValueError):
                    break
                if not 0 <= i < len(node.value):
                    break
                node = node.value[i]
                best = node.start_mark
            else:
                break
        return self.line_offset + best.line + 1, best.column + 1
