"""The kind knowledge of ``policies/kustomize.yaml``, read once."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from crashlint.model.record import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Final

FieldSpec = tuple[str, tuple[str, ...], bool]  # (kind or "*", path, create)


class KustomizePolicy(Value):
    __slots__ = ("merge_keys", "service_ports", "merge_primitive_lists", "schema_kinds", "cluster_scoped",
                 "prefix_skip", "pod_spec", "name_references", "common_labels", "template_labels",
                 "common_annotations", "replicas", "unsupported")

    merge_keys: Final[dict[str, tuple[str, ...]]]
    service_ports: Final[tuple[str, ...]]
    merge_primitive_lists: Final[frozenset[str]]
    schema_kinds: Final[frozenset[str]]
    cluster_scoped: Final[frozenset[str]]
    prefix_skip: Final[frozenset[str]]
    pod_spec: Final[dict[str, tuple[str, ...]]]
    name_references: Final[dict[str, dict[str, Any]]]
    common_labels: Final[tuple[FieldSpec, ...]]
    template_labels: Final[tuple[FieldSpec, ...]]
    common_annotations: Final[tuple[FieldSpec, ...]]
    replicas: Final[frozenset[str]]
    unsupported: Final[tuple[str, ...]]

    def __init__(self, merge_keys: dict[str, tuple[str, ...]], service_ports: tuple[str, ...],
                 merge_primitive_lists: frozenset[str], schema_kinds: frozenset[str], cluster_scoped: frozenset[str],
                 prefix_skip: frozenset[str], pod_spec: dict[str, tuple[str, ...]],
                 name_references: dict[str, dict[str, Any]], common_labels: tuple[FieldSpec, ...],
                 template_labels: tuple[FieldSpec, ...], common_annotations: tuple[FieldSpec, ...],
                 replicas: frozenset[str], unsupported: tuple[str, ...]) -> None:
        self.merge_keys = merge_keys
        self.service_ports = service_ports
        self.merge_primitive_lists = merge_primitive_lists
        self.schema_kinds = schema_kinds
        self.cluster_scoped = cluster_scoped
        self.prefix_skip = prefix_skip
        self.pod_spec = pod_spec
        self.name_references = name_references
        self.common_labels = common_labels
        self.template_labels = template_labels
        self.common_annotations = common_annotations
        self.replicas = replicas
        self.unsupported = unsupported


def _specs(raw: list[list[Any]]) -> tuple[FieldSpec, ...]:
    return tuple((str(k), tuple(str(p).split("/")), bool(c)) for k, p, c in raw)


@lru_cache(maxsize=1)
def policy() -> KustomizePolicy:
    """Parse the shipped policy (it is data the project owns: a malformed file is a bug, not input)."""
    text = resources.files("crashlint.policies").joinpath("kustomize.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return KustomizePolicy(
        merge_keys={k: tuple(v) for k, v in raw["merge_keys"].items()},
        service_ports=tuple(raw["service_ports"]),
        merge_primitive_lists=frozenset(raw["merge_primitive_lists"]),
        schema_kinds=frozenset(raw["schema_kinds"]),
        cluster_scoped=frozenset(raw["cluster_scoped"]),
        prefix_skip=frozenset(raw["prefix_skip"]),
        pod_spec={k: tuple(v) for k, v in raw["pod_spec"].items()},
        name_references=raw["name_references"],
        common_labels=_specs(raw["common_labels"]),
        template_labels=_specs(raw["template_labels"]),
        common_annotations=_specs(raw["common_annotations"]),
        replicas=frozenset(raw["replicas"]),
        unsupported=tuple(raw["unsupported"]),
    )
