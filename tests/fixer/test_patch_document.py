"""The patch applier on commented YAML: each case's output must match its expected file byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import jsonpatch
import pytest

from crashlint.fixer.apply import FixError, patch_document
from crashlint.sources.loader import load_text

CASES = Path(__file__).parent.parent / "fixtures" / "fixer" / "patch"
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def _case(name: str) -> tuple[str, list, str]:
    d = CASES / name
    return ((d / "input.yaml").read_text(), json.loads((d / "patch.json").read_text()),
            (d / "expected.yaml").read_text())


def _data(text: str):
    loaded = load_text("t.yaml", text)
    assert not loaded.errors
    return loaded.objects[0].data


def test_there_are_cases() -> None:
    assert {"add-map-key", "append-list", "replace-scalar", "add-nested-mapping"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_output_matches_expected_bytes(name: str) -> None:
    text, patch, expected = _case(name)
    assert patch_document(text, patch) == expected


@pytest.mark.parametrize("name", NAMES)
def test_expected_reads_as_the_patched_data(name: str) -> None:
    """Independent of the applier: the expected file is what jsonpatch makes of the input."""
    text, patch, expected = _case(name)
    assert _data(expected) == jsonpatch.apply_patch(_data(text), patch)


def test_comment_of_replaced_scalar_stays() -> None:
    text, patch, _ = _case("replace-scalar")
    out = patch_document(text, patch)
    assert "            failureThreshold: 3   # far too aggressive\n" in out
    assert "          image: 'example.com/api:1.1'  # single quotes kept\n" in out


def test_untouched_normalisable_lines_are_kept_verbatim() -> None:
    """ruamel rewrites ``~``, ``False``, flow spacing and ``...``; the merge must not."""
    text, patch, _ = _case("untouched-normalisation")
    out = patch_document(text, patch)
    for line in ('  labels: {app: odd,   tier:  "web"}', "    example.com/none: ~",
                 "  automountServiceAccountToken: False", '      args: [ "--a",  "--b" ]', "..."):
        assert line + "\n" in out


@pytest.mark.parametrize("patch, why", [
    ([{"op": "replace", "path": "/spec/nodeName", "value": "x"}], "does not apply"),
    ([{"op": "add", "path": "/spec/containers/5/command", "value": []}], "does not apply"),
    ([{"op": "test", "path": "/metadata/name", "value": "other"}], "does not apply"),
    ([{"op": "remove", "path": "/metadata/labels/missing"}], "does not apply"),
    ([{"op": "replace", "path": "", "value": {}}], "root"),
])
def test_patches_that_do_not_fit_are_refused(patch: list, why: str) -> None:
    text, _, _ = _case("add-map-key")
    with pytest.raises(FixError, match=why):
        patch_document(text, patch)


def test_text_that_is_not_one_document_is_refused() -> None:
    with pytest.raises(FixError):
        patch_document("a: [1,\n", [{"op": "add", "path": "/b", "value": 1}])
    with pytest.raises(FixError):
        patch_document("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\n"
                       "metadata: {name: b}\n", [{"op": "add", "path": "/spec", "value": {}}])
