"""How crashlint sees a repository's layout (issue 10): variants, fragments, files named by a hook, order.

Variant directories (envs/dev, envs/prod) define the same names with other contents; each object
sees its own variant, and one outside both is never told a key is missing. A patch no
kustomization lists is a fragment, said as a note. A file named alone (as pre-commit passes it)
is linted through the nearest kustomization above it. And the whole real corpus gives the same
JSON whatever the order of its paths.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
LAYOUTS = TESTS / "fixtures" / "layouts"
SHOP = TESTS / "fixtures" / "kustomize" / "shop"
CORPUS = TESTS.parents[1] / "shared" / "corpus" / "repos"


def _lint(*paths: str, cwd: Path) -> tuple[int, dict, str]:
    proc = subprocess.run([sys.executable, "-m", "crashlint", "lint", *paths, "-o", "json", "--fail-on", "warning"],
                          cwd=cwd, capture_output=True, text=True, timeout=600)
    return proc.returncode, json.loads(proc.stdout), proc.stderr


@pytest.mark.parametrize("order", [("envs/dev", "envs/prod", "jobs"), ("jobs", "envs/prod", "envs/dev"),
                                   ("envs/prod", "jobs", "envs/dev")])
def test_variants_with_the_same_names_see_their_own(order: tuple[str, ...]) -> None:
    code, report, _ = _lint(*order, cwd=LAYOUTS / "variants")
    assert report["findings"] == [] and report["errors"] == [], report
    assert code == 0 and report["summary"]["objects"] == 5


def test_a_variants_own_key_is_still_checked(tmp_path: Path) -> None:
    import shutil
    tree = tmp_path / "variants"
    shutil.copytree(LAYOUTS / "variants", tree)
    deployment = tree / "envs" / "dev" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("key: DEV_ONLY", "key: PROD_ONLY"))
    _, report, _ = _lint("envs/prod", "envs/dev", cwd=tree)
    missing = [(f["rule"], f["file"]) for f in report["findings"]]
    assert missing == [("missing-key", "envs/dev/deployment.yaml")], report["findings"]


def test_a_patch_no_kustomization_lists_is_a_fragment_not_an_error() -> None:
    code, report, err = _lint("orphan-patch", cwd=LAYOUTS)
    assert code == 0 and report["findings"] == [] and report["errors"] == []
    (skipped,) = report["skipped"]
    assert skipped["file"] == "orphan-patch/memory-patch.yaml"
    assert skipped["reason"].startswith("line 3: Deployment web looks like a patch or fragment")
    assert "memory-patch.yaml: line 3" in err


def test_a_patch_named_alone_is_linted_through_its_overlay() -> None:
    code, report, _ = _lint("overlays/prod/app-image.yaml", cwd=SHOP)
    assert report["errors"] == [] and report["skipped"] == []
    # Built as overlays/prod builds it: prefixed names, the overlay's namespace, nothing about the patch.
    names = {f["object"]["name"] for f in report["findings"]}
    assert names and all(n.startswith("prod-") for n in names), report["findings"]
    assert {f["object"]["namespace"] for f in report["findings"]} == {"shop"}
    assert all(f["overlays"] == ["overlays/prod"] for f in report["findings"])


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus/repos beside the checkout (README: Tests)")
def test_the_whole_corpus_gives_the_same_json_in_any_order() -> None:
    repos = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    outputs = set()
    for order in (repos, repos[::-1], repos[1::2] + repos[::2]):
        proc = subprocess.run([sys.executable, "-m", "crashlint", "lint", *order, "-o", "json", "--fail-on", "never"],
                              cwd=CORPUS, capture_output=True, timeout=900)
        outputs.add(proc.stdout)
    assert len(outputs) == 1
