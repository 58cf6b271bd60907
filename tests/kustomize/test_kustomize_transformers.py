"""Each piece of the native kustomize build on small inputs: merges, patches, hashes, transformers, units."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from kustomize_oracle import FIXTURES

from crashlint.sources.kustomize import build_tree
from crashlint.sources.kustomize import json6902, smp
from crashlint.sources.kustomize.generators import name_hash
from crashlint.model.nested import copy_data
from crashlint.sources.kustomize.origins import Origin
from crashlint.sources.kustomize.sources import parse_documents
from crashlint.sources.kustomize.transformers import selector_matches, split_image
from crashlint.sources.limits import Limits


def _doc(text: str, name: str = "x.yaml"):
    docs, err = parse_documents(name, textwrap.dedent(text).encode(), Limits())
    assert err is None
    return docs[0]


def _merge(base: str, patch: str) -> tuple[dict, Origin, object, object]:
    bdoc, pdoc = _doc(base, "base.yaml"), _doc(patch, "patch.yaml")
    data, origin = copy_data(bdoc.data), Origin(bdoc, ())
    smp.apply(data, origin, pdoc.data, Origin(pdoc, ()), data["kind"])
    return data, origin, bdoc, pdoc


POD = """\
    kind: Deployment
    spec:
      template:
        spec:
          containers:
            - name: app
              image: app:1
              env: [{name: A, value: "1"}, {name: B, value: "2"}]
              ports: [{containerPort: 80}, {containerPort: 53, protocol: UDP}]
              args: [--a]
            - name: side
              image: side:1
          tolerations: [{key: a}]
    """


def test_smp_merges_lists_by_their_patch_merge_keys() -> None:
    data, *_ = _merge(POD, """\
        kind: Deployment
        spec:
          template:
            spec:
              containers:
                - name: app
                  env: [{name: B, value: "3"}, {name: C, value: "4"}]
                  ports: [{containerPort: 53, protocol: TCP}]
                  args: [--b]
              tolerations: [{key: b}]
        """)
    app = data["spec"]["template"]["spec"]["containers"][0]
    assert [c["name"] for c in data["spec"]["template"]["spec"]["containers"]] == ["app", "side"]
    assert app["env"] == [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}, {"name": "A", "value": "1"}]
    assert app["ports"] == [{"containerPort": 53, "protocol": "TCP"}, {"containerPort": 80},
                            {"containerPort": 53, "protocol": "UDP"}]
    assert app["args"] == ["--b"]  # no merge key: replaced
    assert data["spec"]["template"]["spec"]["tolerations"] == [{"key": "b"}]


def test_smp_directives_delete_replace_null_retain() -> None:
    data, *_ = _merge(POD, """\
        kind: Deployment
        metadata:
          finalizers: [x]
        spec:
          template:
            spec:
              containers:
                - name: side
                  $patch: delete
                - name: app
                  image: null
                  $retainKeys: [name, env]
              $deleteFromPrimitiveList/nothing: [a]
        """)
    containers = data["spec"]["template"]["spec"]["containers"]
    assert containers == [{"name": "app", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]
    data, *_ = _merge(POD, """\
        kind: Deployment
        spec:
          template:
            spec:
              $patch: replace
              containers: [{name: only, image: only:1}]
        """)
    assert data["spec"]["template"]["spec"] == {"containers": [{"name": "only", "image": "only:1"}]}


def test_smp_on_a_custom_resource_replaces_lists() -> None:
    data, *_ = _merge("kind: Widget\nspec:\n  items: [{name: a, v: 1}]\n  keep: 1\n",
                      "kind: Widget\nspec:\n  items: [{name: a, v: 2}]\n")
    assert data["spec"] == {"items": [{"name": "a", "v": 2}], "keep": 1}


def test_smp_origins_follow_merged_items() -> None:
    data, origin, bdoc, pdoc = _merge(POD, """\
        kind: Deployment
        spec:
          template:
            spec:
              containers:
                - name: side
                  image: side:2
        """)
    from crashlint.sources.kustomize.origins import walk
    names = [c["name"] for c in data["spec"]["template"]["spec"]["containers"]]
    side, app = names.index("side"), names.index("app")
    c = ("spec", "template", "spec", "containers")
    assert walk(data, origin, c + (side, "image")).doc is pdoc
    assert walk(data, origin, c + (side, "name")).doc is bdoc  # the item merged; its name is the base's
    assert walk(data, origin, c + (app, "image")).ptr == c + (0, "image")


def test_json6902_operations_and_escapes() -> None:
    bdoc = _doc("kind: X\nmetadata:\n  annotations: {a/b: '1'}\nspec:\n  list: [1, 2, 3]\n")
    pdoc = _doc("- {op: copy, from: /spec/list/0, path: /spec/first}\n"
                "- {op: move, from: /spec/list/2, path: /spec/list/0}\n"
                "- {op: remove, path: /metadata/annotations/a~1b}\n"
                "- {op: test, path: /spec/first, value: 1}\n"
                "- {op: add, path: /spec/list/-, value: 9}\n")
    data, origin = copy_data(bdoc.data), Origin(bdoc, ())
    json6902.apply(data, origin, pdoc.data, Origin(pdoc, ()))
    assert data["spec"] == {"list": [3, 1, 2, 9], "first": 1}
    assert data["metadata"]["annotations"] == {}
    from crashlint.sources.kustomize.origins import walk
    assert walk(data, origin, ("spec", "list", 3)).ptr == (4, "value")
    assert walk(data, origin, ("spec", "list", 0)).ptr == ("spec", "list", 2)
    for bad in ("- {op: replace, path: /spec/nothing, value: 1}", "- {op: test, path: /spec/first, value: 2}",
                "- {op: add, path: /spec/list/7, value: 1}", "- {op: jump, path: /spec}"):
        with pytest.raises(json6902.PatchError):
            json6902.apply(data, origin, _doc(bad).data, Origin(pdoc, ()))


def test_name_hash_matches_kustomize() -> None:
    # Values printed by `kubectl kustomize` (kustomize v5.8.1) for these generators.
    assert name_hash({"kind": "ConfigMap", "metadata": {"name": "my-map"}, "data": {"foo": "bar"}}) == "798k5k7g9f"
    # The name is not part of the hash (kustomize looks it up under a path that names no field).
    assert name_hash({"kind": "ConfigMap", "metadata": {"name": "other"}, "data": {"foo": "bar"}}) == "798k5k7g9f"


def test_split_image_keeps_registry_ports() -> None:
    assert split_image("nginx") == ("nginx", "", "")
    assert split_image("nginx:1.25") == ("nginx", "1.25", "")
    assert split_image("reg:5000/team/app") == ("reg:5000/team/app", "", "")
    assert split_image("reg:5000/app:2@sha256:ab") == ("reg:5000/app", "2", "sha256:ab")
    assert split_image("app@sha256:ab") == ("app", "", "sha256:ab")


def test_label_selectors() -> None:
    labels = {"app": "web", "tier": "front"}
    assert selector_matches("app=web,tier!=back", labels)
    assert selector_matches("tier in (front, mid),!canary", labels)
    assert not selector_matches("app notin (web)", labels)
    assert not selector_matches("missing", labels)


def test_name_prefix_follows_into_pod_references() -> None:
    result = build_tree([str(FIXTURES / "shop" / "overlays" / "prod")])
    web = next(o for o in result.objects if o.kind == "Deployment")
    spec = web.data["spec"]["template"]["spec"]
    names = {o.name for o in result.objects}
    assert spec["volumes"][0]["configMap"]["name"] == "prod-settings" in names
    assert spec["containers"][0]["envFrom"][0]["configMapRef"]["name"] == "prod-settings"
    assert spec["serviceAccountName"] == "prod-web" in names
    generated = spec["containers"][0]["env"][0]["valueFrom"]["configMapKeyRef"]["name"]
    assert generated.startswith("prod-app-config-") and generated in names
    secret = spec["containers"][0]["env"][1]["valueFrom"]["secretKeyRef"]["name"]
    assert secret.startswith("prod-app-secret-") and secret in names


def test_fallbacks_name_the_feature_and_stay_quiet() -> None:
    result = build_tree([str(FIXTURES / "fallback")])
    reasons = dict(result.fallbacks)
    assert "`helmCharts`" in reasons[str(FIXTURES / "fallback" / "helm")]
    assert "remote resource" in reasons[str(FIXTURES / "fallback" / "remote")]
    assert result.errors == [] and result.objects == [] and result.consumed == set()


def test_kustomizations_kustomize_refuses_become_load_errors_with_lines() -> None:
    result = build_tree([str(FIXTURES / "broken")])
    by_file = {(Path(e.file).parent.name, e.line): e.message for e in result.errors}
    assert "does not exist" in by_file[("missing", 3)]
    assert "no resource matches" in by_file[("badtarget", 4)]
    assert "cycle" in by_file[("cycle-a", 1)] and "cycle" in by_file[("cycle-b", 1)]
    # The patch is a fragment even though its unit does not build.
    assert str(FIXTURES / "broken" / "badtarget" / "patch.yaml") in result.patches


def test_patches_and_inputs_are_consumed_never_objects() -> None:
    shop = FIXTURES / "shop"
    result = build_tree([str(shop)])
    assert str(shop / "overlays/prod/app-image.yaml") in result.patches
    assert str(shop / "overlays/staging/replicas.json") in result.patches
    assert str(shop / "components/sidecar/add-proxy.yaml") in result.patches
    assert {str(shop / "base/secret.env"), str(shop / "base/deployment.yaml"),
            str(shop / "overlays/prod/kustomization.yaml")} <= result.consumed
    assert result.components == [str(shop / "components/sidecar")]
    assert all(o.file not in result.patches or o.kind == "Deployment" for o in result.objects)
    assert result.fallbacks == [] and result.errors == []


def test_files_outside_the_kustomization_are_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    unit = tmp_path / "unit"
    unit.mkdir()
    (unit / "kustomization.yaml").write_text("resources:\n  - ../outside.yaml\n")
    result = build_tree([str(unit)])
    assert result.objects == [] and "security" in result.errors[0].message and result.errors[0].line == 2
    (unit / "kustomization.yaml").write_text("configMapGenerator:\n  - name: c\n    files: [../outside.yaml]\n")
    result = build_tree([str(unit)])
    assert "security" in result.errors[0].message and result.errors[0].line == 3


def test_hostile_kustomizations_are_errors_not_tracebacks(tmp_path: Path) -> None:
    cases = {
        "bomb": "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
        "scalar": "just text\n",
        "badlist": "resources: {a: b}\n",
        "badpatch": "resources: []\npatches:\n  - patch: '42'\n    target: {kind: X}\n",
        "badop": "resources: []\npatchesJson6902:\n  - target: {kind: X}\n    patch: '[1]'\n",
        "binary": "resources: [\x00]\n",
    }
    for name, text in cases.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "kustomization.yaml").write_text(text)
    result = build_tree([str(tmp_path)], Limits(max_expanded_nodes=10_000))
    failed = {Path(u).name for u, _ in result.fallbacks}
    assert failed == {"bomb", "scalar", "badlist", "badpatch", "binary"}, result.fallbacks
    assert {Path(e.file).parent.name for e in result.errors} == failed


def test_kinds_no_rule_reads_are_skipped_when_asked() -> None:
    shop = FIXTURES / "shop" / "base"
    kinds = {o.kind for o in build_tree([str(shop)], wanted_kinds=frozenset({"Deployment", "ConfigMap"})).objects}
    assert kinds == {"Deployment", "ConfigMap"}


@pytest.mark.parametrize("text", [
    "patches: 5\n", "configMapGenerator:\n  - name: a\n    literals: 5\n", "generatorOptions: [a]\n",
    "secretGenerator:\n  - name: a\n    options: {labels: [x]}\n", "images: {a: b}\n", "namePrefix: [a]\n",
    "resources: [7]\n", "configMapGenerator: [just-a-string]\n", "patches:\n  - target: [x]\n    patch: 'a: b'\n",
])
def test_fields_of_the_wrong_shape_are_load_errors(tmp_path: Path, text: str) -> None:
    (tmp_path / "kustomization.yaml").write_text(text)
    result = build_tree([str(tmp_path)])
    assert result.objects == [] and len(result.errors) == 1 and result.errors[0].line >= 1
    assert result.errors[0].file == str(tmp_path / "kustomization.yaml")


def test_a_practically_unlimited_file_size_limit_reads_files(tmp_path: Path) -> None:
    """``read(limit)`` would allocate the limit up front: a limit of 2**62 must still read files."""
    (tmp_path / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    result = build_tree([str(tmp_path)], Limits.from_mapping({"max_file_bytes": 2**80}))
    assert [o.name for o in result.objects] == ["a"] and result.errors == []
