"""Random patches over every fixture document: data exact, comments kept, few lines touched.

A seeded generator (reproducible) picks add/append/replace operations anywhere in the
documents of the fixer fixtures; each patch either is refused with FixError or yields text
that reads back as jsonpatch's result, keeps every full-line comment, and removes at most one
existing line per operation (the scalar or flow collection it edits).
"""

from __future__ import annotations

import difflib
import random
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonpatch
import pytest

from crashlint.fixer.apply import FixError, patch_document
from crashlint.fixer.fixtext import split_documents
from crashlint.sources.loader import load_text

FIXTURES = Path(__file__).parent.parent / "fixtures" / "fixer"
VALUES: list[Any] = [1, "x", "yes", "1.10", ["a", "b"], {"k": "v", "n": [1, 2]}, [{"name": "z", "value": "1"}],
                     True, None, "a: b", ""]
IDENTITY = {"/apiVersion", "/kind", "/metadata", "/metadata/name"}  # changing these un-makes the object


def _documents() -> list[str]:
    files = sorted(FIXTURES.glob("patch/*/input.yaml")) + sorted(FIXTURES.glob("cli/*.yaml"))
    docs = [c.text for f in files for c in split_documents(f.read_text())]
    return [d for d in docs if load_text("d.yaml", d).objects]


def _nodes(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    kind = "map" if isinstance(node, dict) else "list" if isinstance(node, list) else "scalar"
    if re.sub(r"^/items/\d+(?=/)", "", path) not in IDENTITY:  # a List's items are objects too
        yield kind, path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _nodes(v, f"{path}/{str(k).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _nodes(v, f"{path}/{i}")


def _random_patch(rng: random.Random, data: Any) -> list[dict[str, Any]]:
    nodes = list(_nodes(data))
    ops = []
    for _ in range(rng.randint(1, 3)):
        kind, path = rng.choice(nodes)
        value = rng.choice(VALUES)
        if kind == "map":
            ops.append({"op": "add", "path": f"{path}/new{rng.randint(0, 9)}", "value": value})
        elif kind == "list":
            ops.append({"op": "add", "path": f"{path}/{rng.choice(['-', '0'])}", "value": value})
        else:
            ops.append({"op": "replace", "path": path, "value": value})
    return ops


def _full_line_comments(text: str) -> Counter[str]:
    return Counter(ln.strip() for ln in text.splitlines() if ln.strip().startswith("#"))


@pytest.mark.parametrize("seed", range(4))
def test_random_patches(seed: int) -> None:
    rng = random.Random(seed)
    docs = _documents()
    applied = 0
    for _ in range(100):
        doc = rng.choice(docs)
        data = load_text("d.yaml", doc).objects[0].document.data
        ops = _random_patch(rng, data)
        try:
            expected = jsonpatch.apply_patch(data, ops)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException):
            with pytest.raises(FixError):
                patch_document(doc, ops)
            continue
        out = patch_document(doc, ops)
        applied += 1
        assert load_text("d.yaml", out).objects[0].document.data == expected
        assert _full_line_comments(out) == _full_line_comments(doc)
        removed = [ln for ln in difflib.ndiff(doc.splitlines(), out.splitlines()) if ln.startswith("- ")]
        assert len(removed) <= len(ops), (ops, removed)
    assert applied > 60
