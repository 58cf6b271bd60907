"""The benchmark corpus generator: deterministic, parseable, realistic, and lintable.

The benchmark's numbers mean something only if the corpus is the same on every run, looks
like a real repository (CRDs carrying most bytes, RBAC, every workload kind) and lints the way
the generator says it does: each deliberately broken object reported by its rule, and the
healthy rest quiet.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
import yaml

BENCH = Path(__file__).resolve().parents[2] / "bench"
OBJECTS = 200


@cache
def emitter() -> ModuleType:
    """bench/ is scripts, not a package: load its YAML writer by path."""
    spec = importlib.util.spec_from_file_location("corpus_emit", BENCH / "corpus_emit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate(out: Path, seed: int = 1, objects: int = OBJECTS) -> dict[str, bytes]:
    """Run the generator as users do; return every file it wrote (relative path -> bytes)."""
    subprocess.run([sys.executable, str(BENCH / "gen_corpus.py"), str(out), "--objects", str(objects),
                    "--seed", str(seed)], check=True, capture_output=True)
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path_factory.mktemp("corpus") / "c"
    return out, generate(out)


def manifests(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if k.endswith((".yaml", ".yml", ".json"))}


def objects_of(files: dict[str, bytes]) -> list[dict]:
    """Every Kubernetes object, Lists unwrapped — parsed with PyYAML/json, independent of crashlint."""
    out: list[dict] = []
    for name, raw in manifests(files).items():
        docs = [json.loads(raw)] if name.endswith(".json") else list(yaml.load_all(raw, Loader=yaml.CSafeLoader))
        for doc in docs:
            if isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc:
                out.extend(doc["items"] if doc["kind"] == "List" else [doc])
    return out


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(corpus, tmp_path: Path) -> None:
    _, first = corpus
    assert generate(tmp_path / "again") == first
    other = generate(tmp_path / "other", seed=2)
    assert manifests(other) != manifests(first)


def test_corpus_parses_to_the_requested_count_of_realistic_objects(corpus) -> None:
    _, files = corpus
    objs = objects_of(files)
    assert len(objs) == OBJECTS
    kinds = {o["kind"] for o in objs}
    assert {"CustomResourceDefinition", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
            "ServiceAccount", "ConfigMap", "Secret", "Service", "Deployment"} <= kinds
    assert len(kinds & {"StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"}) >= 3
    crds = [o for o in objs if o["kind"] == "CustomResourceDefinition"]
    assert all(v["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"] for c in crds
               for v in c["spec"]["versions"])
    env = [e for o in objs if o["kind"] == "Deployment"
           for c in o["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])]
    assert any("configMapKeyRef" in e.get("valueFrom", {}) for e in env)
    assert any("secretKeyRef" in e.get("valueFrom", {}) for e in env)


def test_corpus_mixes_repository_layouts_and_crds_carry_most_bytes(corpus) -> None:
    _, files = corpus
    texts = manifests(files)
    assert any(k.endswith(".json") for k in texts)
    assert any(b"\nkind: List\n" in v for v in texts.values())
    assert any(v.startswith(b"---\n# Source: ") for v in texts.values())
    assert any(v.count(b"\n---\n") >= 3 for v in texts.values())
    crd_bytes = sum(len(v) for k, v in texts.items() if b"kind: CustomResourceDefinition" in v)
    assert 0.75 < crd_bytes / sum(len(v) for v in texts.values()) < 0.9


def _patch_documents(files: dict[str, bytes]) -> int:
    """Documents in files that a kustomization of the corpus lists as patches (read with PyYAML)."""
    patches: set[str] = set()
    for name, raw in files.items():
        if Path(name).name != "kustomization.yaml":
            continue
        k = yaml.safe_load(raw) or {}
        for entry in (k.get("patches") or []) + (k.get("patchesStrategicMerge") or []):
            rel = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(rel, str):
                patches.add(str(Path(name).parent / rel))
    return sum(len([d for d in yaml.safe_load_all(files[p]) if d]) for p in patches if p in files)


def test_lint_reports_every_broken_object_and_nothing_else(corpus) -> None:
    out, files = corpus
    proc = subprocess.run([sys.executable, "-m", "crashlint", "lint", str(out), "-o", "json"],
                          capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert report["errors"] == []
    # Kustomize patches are fragments of the objects they patch, not objects of their own.
    assert report["summary"]["objects"] == OBJECTS - _patch_documents(files)
    expected = list(csv.DictReader(files["EXPECTED.tsv"].decode().splitlines(), delimiter="\t"))
    assert expected, "the corpus must carry deliberately broken objects"
    found = {(str(Path(f["file"]).relative_to(out)), f["object"]["name"], f["rule"]) for f in report["findings"]}
    missing = [row for row in expected if (row["file"], row["name"], row["rule"]) not in found]
    assert missing == []
    broken = {(row["file"], row["name"]) for row in expected}
    unexpected = [(f["rule"], f["file"], f["object"]["name"], f["message"]) for f in report["findings"]
                  if (str(Path(f["file"]).relative_to(out)), f["object"]["name"]) not in broken]
    assert unexpected == []
    assert proc.returncode == (1 if any(f["severity"] == "error" for f in report["findings"]) else 0)


@pytest.mark.parametrize("value", ["=", "yes", "No", "on", "~", "null", "08", "0x1F", "1_000", "1.0", ".5", "1e3",
                                   "2024-01-02", "a: b", "a #b", " lead", "trail ", "", "*ref", "&a", "!tag",
                                   "- item", "@at", "50%", "100m", "1Gi", "line\nbreak", "tab\there",
                                   "two\n\nparagraphs", "trailing \nspace"])
def test_emitter_reads_back_exactly_what_it_wrote(value: str) -> None:
    Comment, dump = emitter().Comment, emitter().dump
    data = {"k": value, "list": [value, {"nested": value, "n": [value]}], Comment("a note"): None, value or "e": 1}
    parsed = yaml.load(dump(data), Loader=yaml.CSafeLoader)
    assert parsed == {"k": value, "list": [value, {"nested": value, "n": [value]}], value or "e": 1}
    assert yaml.load(dump(data, indent_seq=True), Loader=yaml.CSafeLoader) == parsed


def test_emitter_repeats_a_key_the_way_broken_manifests_do() -> None:
    em = emitter()
    Repeat, dump, strip_comments = em.Repeat, em.dump, em.strip_comments
    data = {"image": "app:1", "imagePullPolicy": "IfNotPresent", Repeat("imagePullPolicy"): "Always"}
    text = dump(data)
    assert text == "image: app:1\nimagePullPolicy: IfNotPresent\nimagePullPolicy: Always\n"
    assert yaml.load(text, Loader=yaml.CSafeLoader) == strip_comments(data) == {"image": "app:1",
                                                                                "imagePullPolicy": "Always"}
