"""One JSON-pointer builder: ``findings.pointer_str``, with RFC 6901 escaping of ``~`` and ``/``.

Label and annotation keys carry a ``/`` (``app.kubernetes.io/name``): a pointer built by joining
the tokens with ``/`` would name ``.../app.kubernetes.io/name``, a key ``name`` under a key
``app.kubernetes.io``, and a fix would patch the wrong place or fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import jsonpointer

from crashlint.model.findings import pointer_str

LINTER = Path(__file__).resolve().parents[2] / "linter"


def test_escapes_tilde_before_slash() -> None:
    assert pointer_str(()) == ""
    assert pointer_str(("metadata", "labels", "app.kubernetes.io/name")) == "/metadata/labels/app.kubernetes.io~1name"
    # `~` first: `~1` written literally must come back as `~1`, not as `/`.
    assert pointer_str(("a~1b", "c~d", 0, "-")) == "/a~01b/c~0d/0/-"


def test_round_trips_through_a_reader() -> None:
    tokens = ("metadata", "annotations", "example.com/~odd/key", "", 3)
    assert jsonpointer.JsonPointer(pointer_str(tokens)).parts == [str(t) for t in tokens]


def test_label_key_with_slash_in_a_fix_path(lint) -> None:
    report = lint("""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
          labels:
            app.kubernetes.io/version: 1.0
        data: {}
        """)
    fixes = [op for f in report.findings for op in f.fix or []]
    assert {"op": "replace", "path": "/metadata/labels/app.kubernetes.io~1version", "value": "1.0"} in fixes
    [hit] = [f for f in report.findings if f.fix]
    assert hit.path == "/metadata/labels/app.kubernetes.io~1version"


def test_no_pointer_is_built_by_hand() -> None:
    """Every ``"path"`` of a fix comes from ``pointer_str``: no ``"/".join`` inside a fix's dict."""
    offenders = []
    for source in LINTER.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Dict):
                continue
            for key, value in zip(node.keys, node.values):
                if (isinstance(key, ast.Constant) and key.value == "path" and isinstance(value, ast.BinOp)
                        and isinstance(value.op, ast.Add)):
                    offenders.append(f"{source.relative_to(LINTER)}:{node.lineno}")
    assert not offenders, f"pointers built by hand (use findings.pointer_str): {offenders}"
