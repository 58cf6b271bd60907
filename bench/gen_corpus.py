#!/usr/bin/env python3
"""Generate the benchmark corpus: a repository-like tree of Kubernetes manifests.

    python bench/gen_corpus.py OUTDIR [--objects 10000] [--seed 1]

The tree mixes the layouts real repositories mix — kustomize bases (one kind per file plus a
``kustomization.yaml``), rendered Helm charts (multi-document, ``# Source:`` comments, indented
lists), flat multi-document files, ``kubectl get -o json`` exports, a ``kind: List`` — and,
like the real-world corpus DESIGN.md measured (10,000 objects, 54 MB), ~83% of its bytes are
CustomResourceDefinitions. The same seed always gives byte-identical files. Beside the
manifests it writes ``EXPECTED.tsv`` (file, kind, namespace, name, defect, rule that must
report it) and a marker file; neither ends in .yaml/.yml/.json, so lint never reads them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
from pathlib import Path
from typing import Any

from corpus_emit import dump, strip_comments
from corpus_objects import REPEATED_KEY, TEAMS, Bundle, BundleFactory, Item, custom_resource, namespace_objects
from corpus_schema import KINDS, OPERATORS, crd_document, schema_tree

MARKER = ".crashlint-bench-corpus"
CRD_BYTE_SHARE = 0.83
CRD_OBJECT_SHARE = 0.04


class Tree:
    """Files being built: path -> documents (YAML text) or a JSON payload."""

    def __init__(self) -> None:
        self.yaml: dict[str, list[str]] = {}
        self.flush: dict[str, bool] = {}  # True: first document without a leading '---'
        self.json: dict[str, Any] = {}
        self.expected: list[tuple[str, str, str, str, str, str]] = []
        self.objects = 0

    def add(self, path: str, text: str, objects: int = 1, flush: bool = True) -> None:
        self.yaml.setdefault(path, []).append(text)
        self.flush.setdefault(path, flush)
        self.objects += objects

    def add_json(self, path: str, data: Any, objects: int = 1) -> None:
        self.json[path] = data
        self.objects += objects

    def expect(self, path: str, item: Item, plain_data: bool = False) -> None:
        """Record a broken object; ``plain_data``: it was written from parsed data (JSON, List),
        where a repeated key no longer exists."""
        if item.expected_rule and not (plain_data and item.defect == REPEATED_KEY):
            meta = item.data["metadata"]
            self.expected.append((path, item.data["kind"], meta.get("namespace", ""), meta["name"],
                                  item.defect or "", item.expected_rule))

    def render(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for path, docs in self.yaml.items():
            if self.flush[path]:
                out[path] = "---\n".join(docs)
            else:
                out[path] = "".join("---\n" + d for d in docs)
        for path, data in self.json.items():
            out[path] = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        return out


def _place_bundle(tree: Tree, b: Bundle, rng: random.Random, as_json: bool = False) -> None:
    """Write one bundle in the layout its repository would use (``as_json``: a JSON export)."""
    team = b.namespace.rsplit("-", 1)[0]
    roll = 0.0 if as_json else rng.random()
    if b.chart and not as_json:
        path = f"charts/{team}/{b.app}/rendered.yaml"
        chart_dir = b.chart.rsplit("-", 1)[0]
        for item in b.items:
            source = f"Source: {chart_dir}/templates/{item.file_hint}.yaml"
            tree.add(path, dump(item.data, indent_seq=True, header=[source]), flush=False)
            tree.expect(path, item)
        if rng.random() < 0.2:  # a template whose condition rendered nothing
            tree.add(path, f"# Source: {chart_dir}/templates/tests/test-connection.yaml\n", objects=0, flush=False)
    elif roll < 0.04:
        for item in b.items:
            path = f"exports/{b.namespace}/{item.data['kind'].lower()}-{item.data['metadata']['name']}.json"
            tree.add_json(path, strip_comments(item.data))
            tree.expect(path, item, plain_data=True)
    elif roll < 0.7:
        base = f"apps/{b.namespace}/{b.app}/base"
        files: list[str] = []
        for item in b.items:
            path = f"{base}/{item.file_hint}.yaml"
            if path not in tree.yaml:
                files.append(f"{item.file_hint}.yaml")
            tree.add(path, dump(item.data))
            tree.expect(path, item)
        tree.add(f"{base}/kustomization.yaml", dump({
            "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "namespace": b.namespace,
            "resources": files, "labels": [{"pairs": {"app.kubernetes.io/part-of": team}, "includeSelectors": False}]}))
    else:
        path = f"manifests/{b.namespace}/{b.app}.yaml"
        for item in b.items:
            tree.add(path, dump(item.data))
            tree.expect(path, item)


def _place_list(tree: Tree, bundles: list[Bundle]) -> None:
    """``kubectl get ... -o yaml`` output: one ``kind: List`` wrapping several bundles' objects."""
    path = "snapshots/kubectl-get-all.yaml"
    items = [item for b in bundles for item in b.items]
    tree.add(path, dump({"apiVersion": "v1", "kind": "List", "items": [strip_comments(i.data) for i in items],
                         "metadata": {"resourceVersion": ""}}), objects=len(items))
    for item in items:
        tree.expect(path, item, plain_data=True)


def build(objects: int, seed: int, namespaces: int | None = None) -> tuple[dict[str, str], list[tuple[str, ...]]]:
    """Every file of the corpus (relative path -> text) and the expected findings.

    ``namespaces``: how many (default: one per ~300 objects, as in real repositories); a fixed
    small number makes namespaces grow with the corpus, which is what exposes per-namespace loops.
    """
    rng = random.Random(seed)
    tree = Tree()
    n_crd = max(2, round(objects * CRD_OBJECT_SHARE))
    n_cr = round(objects * 0.01)
    names = _namespaces(tree, rng, namespaces or max(2, round(objects / 300)))
    _bundles(tree, rng, names, objects - n_crd - n_cr)
    crd_kinds = [(OPERATORS[i % len(OPERATORS)],
                  KINDS[i % len(KINDS)] + ("" if i < len(KINDS) else f"V{i // len(KINDS)}")) for i in range(n_crd)]
    for i in range(n_cr):
        group, kind = crd_kinds[i % len(crd_kinds)]
        ns = rng.choice(names)
        tree.add(f"apps/{ns}/custom-resources/{kind.lower()}.yaml", dump(custom_resource(rng, group, kind, ns)))
    other_bytes = sum(len(t.encode()) for t in tree.render().values())
    _crds(tree, rng, crd_kinds, int(other_bytes * CRD_BYTE_SHARE / (1 - CRD_BYTE_SHARE)))
    return tree.render(), tree.expected


def _namespaces(tree: Tree, rng: random.Random, count: int) -> list[str]:
    """``<team>-prod`` first, then ``<team>-stageN``; each with its Namespace and pull secret."""
    names = [f"{TEAMS[i % len(TEAMS)]}-{'prod' if i < len(TEAMS) else 'stage' + str(i // len(TEAMS))}"
             for i in range(count)]
    for ns in names:
        for item in namespace_objects(ns, ns.rsplit("-", 1)[0], rng):
            tree.add("clusters/prod/namespaces.yaml", dump(item.data))
    return names


def _bundles(tree: Tree, rng: random.Random, namespaces: list[str], target: int) -> None:
    """Application bundles until ``tree`` holds exactly ``target`` objects.

    Bundle 2 is always a JSON export and bundles 5-7 always the ``kind: List`` snapshot, so
    even a small corpus has every layout.
    """
    factory = BundleFactory(rng)
    listed: list[Bundle] = []
    while tree.objects + sum(len(b.items) for b in listed) < target - 25:  # a bundle has < 25 objects
        ns = rng.choice(namespaces)
        b = factory.bundle(ns.rsplit("-", 1)[0], ns)
        if factory.serial in (5, 6, 7):
            listed.append(b)
            if len(listed) == 3:
                _place_list(tree, listed)
                listed = []
        else:
            _place_bundle(tree, b, rng, as_json=factory.serial == 2)
    if listed:
        _place_list(tree, listed)
    while tree.objects < target:  # the exact count: top up with shared ConfigMaps
        ns = rng.choice(namespaces)
        tree.add(f"apps/{ns}/shared/configmaps.yaml", dump({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"shared-{tree.objects}", "namespace": ns},
            "data": {"region": rng.choice(["eu-west-1", "us-east-1"]), "environment": "prod"}}))


def _crds(tree: Tree, rng: random.Random, crd_kinds: list[tuple[str, str]], crd_bytes: int) -> None:
    """CRDs of lognormally spread sizes totalling ``crd_bytes``; half of the big ones embed a pod template."""
    weights = [rng.lognormvariate(0, 0.9) for _ in crd_kinds]
    shared_pod_template = {"description": "PodTemplate overrides the pods the operator creates.",
                           **schema_tree(rng, 700, 1)[0]}
    shared_size = len(dump({"podTemplate": shared_pod_template}))
    written = 0
    for i, (group, kind) in enumerate(crd_kinds):
        # Each CRD's share of what is still to write: small CRDs overshoot, later ones make up for it.
        target = int((crd_bytes - written) * weights[i] / sum(weights[i:]))
        shared = shared_pod_template if target > 3 * shared_size and rng.random() < 0.5 else None
        operator = group.split(".")[0]
        chart = f"{operator}-{rng.randint(0, 60)}.{rng.randint(0, 9)}.0" if rng.random() < 0.3 else None
        text, _ = crd_document(rng, group, kind, target, shared, chart)
        written += len(text.encode())
        if i % 7 == 3:
            tree.add(f"crds/{operator}/bundle.yaml", text, flush=False)
        elif chart:
            tree.add(f"charts/{operator}/crds/{kind.lower()}.yaml", text)
        else:
            tree.add(f"crds/{operator}/{group}_{kind.lower()}.yaml", text)


def fingerprint(objects: int, seed: int) -> dict[str, Any]:
    """What the corpus depends on: size, seed and the generator's own source."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("gen_corpus.py", "corpus_emit.py", "corpus_objects.py", "corpus_schema.py"):
        digest.update((here / name).read_bytes())
    return {"objects": objects, "seed": seed, "generator": digest.hexdigest()[:16]}


def write(out: Path, files: dict[str, str], expected: list[tuple[str, ...]], objects: int, seed: int) -> None:
    """Replace ``out`` with the corpus (only if it is empty or a corpus this script wrote)."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise SystemExit(f"gen_corpus: {out} is not empty and not a generated corpus; refusing to overwrite it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    for rel in sorted(files):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[rel].encode("utf-8"))
    lines = ["file\tkind\tnamespace\tname\tdefect\trule"] + ["\t".join(row) for row in expected]
    (out / "EXPECTED.tsv").write_bytes(("\n".join(lines) + "\n").encode())
    (out / MARKER).write_bytes(json.dumps(fingerprint(objects, seed)).encode() + b"\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--objects", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.objects < 50:
        ap.error("--objects must be at least 50")
    files, expected = build(args.objects, args.seed)
    write(args.outdir, files, expected, args.objects, args.seed)
    sizes = {rel: len(text.encode()) for rel, text in files.items()}
    crd = sum(size for rel, size in sizes.items() if rel.startswith("crds/") or "/crds/" in rel)
    total = sum(sizes.values())
    print(f"{args.outdir}: {len(files)} files, {args.objects} objects, {total / 1e6:.1f} MB "
          f"({100 * crd / total:.0f}% CustomResourceDefinitions), {len(expected)} deliberately broken objects",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
