"""The kind knowledge of ``policies/kustomize.yaml``, read once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

FieldSpec = tuple[str, tuple[str, ...], bool]  # (kind or "*", path, create)


@dataclass(frozen=True)
class KustomizePolicy:
    merge_keys: dict[str, tuple[str, ...]]
    service_ports: tuple[str, ...]
    merge_primitive_lists: frozenset[str]
    schema_kinds: frozenset[str]
    cluster_scoped: frozenset[str]
    prefix_skip: frozenset[str]
    pod_spec: dict[str, tuple[str, ...]]
    name_references: dict[str, dict[str, Any]]
    common_labels: tuple[FieldSpec, ...]
    template_labels: tuple[FieldSpec, ...]
    common_annotations: tuple[FieldSpec, ...]
    replicas: frozenset[str]
    unsupported: tuple[str, ...]


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
