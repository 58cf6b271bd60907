"""Which places of a YAML document are shared through anchors and aliases.

``containers: [*toolbox]`` in a Job and ``&toolbox`` in a Deployment are one node: writing a
fix into it for the Deployment changes the Job as well (a keep-alive command, and the Job never
completes). The data read back even matches the patched data, since aliases load as one
Python object, so only the node tree can tell. :func:`shared_on_path` finds such a node on the
way to a place a patch writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import yaml


def reference_counts(root: yaml.Node) -> Counter[int]:
    """How many times each collection node (by ``id``) is referenced in the tree; aliases count again."""
    counts: Counter[int] = Counter()
    stack = [root]
    while stack:
        node = stack.pop()
        counts[id(node)] += 1
        if counts[id(node)] > 1 or isinstance(node, yaml.ScalarNode):
            continue  # an alias: its children were (or will be) counted through the anchor
        if isinstance(node, yaml.MappingNode):
            stack.extend(v for _, v in node.value)
        else:
            stack.extend(node.value)
    return counts


def shared_on_path(root: yaml.Node, tokens: Iterable[str], counts: Counter[int]) -> yaml.Node | None:
    """The first node on the way to ``tokens`` (a JSON pointer's parts) that is referenced twice.

    The walk stops where the document ends: an ``add`` creates what is missing, inside the
    last node that exists, and that node is checked too.
    """
    node = root
    for token in tokens:
        if counts[id(node)] > 1:
            return node
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == token), None)
        elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            nxt = node.value[int(token)]
        else:
            nxt = None
        if nxt is None:
            return None
        node = nxt
    return node if counts[id(node)] > 1 else None
