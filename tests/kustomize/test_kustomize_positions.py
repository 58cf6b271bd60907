"""A built value points at the file that supplied it: the patch that set it, or else the base."""

from __future__ import annotations

from pathlib import Path

import pytest
from kustomize_oracle import FIXTURES

from crashlint.sources.kustomize import BuiltObject, build_tree

SHOP = FIXTURES / "shop"
CONTAINER = ("spec", "template", "spec", "containers")


def _line_of(path: Path, text: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` line of ``path`` that contains ``text``."""
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return hits[nth - 1]


@pytest.fixture(scope="module")
def built() -> dict[tuple[str, str, str], BuiltObject]:
    result = build_tree([str(SHOP)])
    return {(Path(o.unit).name, o.kind, o.name): o for o in result.objects}


def test_image_set_by_overlay_patch_points_into_the_patch(built) -> None:
    obj = built[("prod", "Deployment", "prod-web")]
    file, line, _ = obj.source(CONTAINER + (0, "image"))
    assert obj.data["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert (file, line) == (str(SHOP / "overlays/prod/app-image.yaml"),
                            _line_of(SHOP / "overlays/prod/app-image.yaml", "image: nginx:1.27"))


def test_untouched_probe_points_into_the_base(built) -> None:
    obj = built[("prod", "Deployment", "prod-web")]
    assert obj.source(CONTAINER + (0, "livenessProbe")) == (
        str(SHOP / "base/deployment.yaml"), _line_of(SHOP / "base/deployment.yaml", "livenessProbe:"), 11)
    # locate() agrees with source() (the engine's existing call), the file may differ from obj.file.
    assert obj.locate(CONTAINER + (0, "livenessProbe")) == obj.source(CONTAINER + (0, "livenessProbe"))[1:]


def test_inline_json_patch_points_at_its_value_with_its_column(built) -> None:
    obj = built[("prod", "Deployment", "prod-web")]
    kfile = SHOP / "overlays/prod/kustomization.yaml"
    line = _line_of(kfile, 'value: ["--port=8080"]')
    column = kfile.read_text().splitlines()[line - 1].index("value") + 1  # a list value: its key
    assert obj.source(CONTAINER + (0, "args")) == (str(kfile), line, column)


def test_json6902_file_op_points_at_its_value(built) -> None:
    obj = built[("staging", "Deployment", "web-staging")]
    env = obj.data["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env[-1] == {"name": "STAGE", "value": "staging"}
    file, line, _ = obj.source(CONTAINER + (0, "env", len(env) - 1))
    assert (file, line) == (str(SHOP / "overlays/staging/replicas.json"), 3)
    # Items before the insertion keep their base positions.
    assert obj.source(CONTAINER + (0, "env", 0))[:2] == (
        str(SHOP / "base/deployment.yaml"), _line_of(SHOP / "base/deployment.yaml", "- name: LOG_LEVEL"))


def test_transformer_values_point_at_the_kustomization_entry(built) -> None:
    obj = built[("prod", "Deployment", "prod-web")]
    kfile = SHOP / "overlays/prod/kustomization.yaml"
    assert obj.source(("spec", "replicas"))[:2] == (str(kfile), _line_of(kfile, "count: 3"))
    assert obj.source(("metadata", "labels", "env"))[:2] == (str(kfile), _line_of(kfile, "env: prod"))
    assert obj.source(("metadata", "namespace"))[:2] == (str(kfile), _line_of(kfile, "namespace: shop"))
    assert obj.source(CONTAINER + (1, "image"))[:2] == (str(kfile), _line_of(kfile, "- name: prom/statsd-exporter"))


def test_generated_data_points_at_the_generator_entry(built) -> None:
    cm = next(o for k, o in built.items() if k[0] == "prod" and k[1] == "ConfigMap" and "app-config" in k[2])
    assert cm.data["data"] == {"LOG_LEVEL": "warn", "DB_HOST": "db"}
    assert cm.source(("data", "LOG_LEVEL"))[:2] == (
        str(SHOP / "overlays/prod/kustomization.yaml"), _line_of(SHOP / "overlays/prod/kustomization.yaml", "LOG_LEVEL=warn"))
    assert cm.source(("data", "DB_HOST"))[:2] == (
        str(SHOP / "base/kustomization.yaml"), _line_of(SHOP / "base/kustomization.yaml", "DB_HOST=db"))


def test_container_from_a_component_points_into_the_component(built) -> None:
    obj = built[("with-sidecar", "Deployment", "edge-web")]
    names = [c["name"] for c in obj.data["spec"]["template"]["spec"]["containers"]]
    i = names.index("proxy")
    patch = SHOP / "components/sidecar/add-proxy.yaml"
    assert obj.source(CONTAINER + (i, "image"))[:2] == (str(patch), _line_of(patch, "image: envoyproxy"))
    assert obj.source(CONTAINER + (names.index("app"), "image"))[:2] == (
        str(SHOP / "base/deployment.yaml"), _line_of(SHOP / "base/deployment.yaml", "image: nginx:1.25"))


def test_base_objects_of_several_units_share_their_position(built) -> None:
    """The dedupe the linter does: one base value, one position, whichever unit built it."""
    probes = set()
    for u, n in (("base", "web"), ("prod", "prod-web"), ("staging", "web-staging"), ("with-sidecar", "edge-web")):
        obj = built[(u, "Deployment", n)]
        app = [c["name"] for c in obj.data["spec"]["template"]["spec"]["containers"]].index("app")
        probes.add(obj.source(CONTAINER + (app, "livenessProbe")))
    assert len(probes) == 1
    assert {built[(u, "Deployment", n)].unit for u, n in (("base", "web"), ("prod", "prod-web"))} == {
        str(SHOP / "base"), str(SHOP / "overlays/prod")}


def test_inline_strategic_merge_patch_points_into_the_kustomization() -> None:
    unit = FIXTURES / "selectors"
    obj = next(o for o in build_tree([str(unit)]).objects if o.name == "api-payments")
    kfile = unit / "kustomization.yaml"
    line = _line_of(kfile, "memory: 1Gi")
    column = kfile.read_text().splitlines()[line - 1].index("1Gi") + 1
    assert obj.source(CONTAINER + (0, "resources", "limits", "memory")) == (str(kfile), line, column)
