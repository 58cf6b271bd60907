"""Rule metadata, parameters and image knowledge, read from the YAML files under ``policies/``.

Rules hold logic only; what they compare against (severities, thresholds, which images run to
completion) is data a platform team can read, review and override in ``.crashlint.yaml``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True)
class RuleMeta:
    """A rule's documentation and defaults, as ``policies/rules/<id>.yaml`` states them."""

    id: str
    cause: str
    severity: str
    summary: str
    explanation: str = ""
    symptom: str = ""
    example: str = ""
    fix: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Policies:
    """Rule metadata by id, and the knowledge bases rules consult, by file stem.

    ``policies/images.yaml`` becomes ``knowledge["images"]``, ``policies/commands.yaml``
    ``knowledge["commands"]``, and so on for every ``policies/*.yaml``.
    """

    rules: dict[str, RuleMeta]
    knowledge: dict[str, Any]


@lru_cache(maxsize=1)
def load_policies() -> Policies:
    """The shipped policies (cached: the webhook and the benchmark call this per request/run)."""
    rules: dict[str, RuleMeta] = {}
    for entry in sorted(resources.files("crashlint.policies").joinpath("rules").iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        raw = yaml.load(entry.read_bytes(), Loader=_Loader)
        meta = RuleMeta(
            id=raw["id"], cause=raw["cause"], severity=raw["severity"], summary=raw["summary"],
            explanation=raw.get("explanation", ""), symptom=raw.get("symptom", ""),
            example=raw.get("example", ""), fix=raw.get("fix", ""), params=raw.get("params") or {},
        )
        rules[meta.id] = meta
    knowledge = {entry.name[:-5]: yaml.load(entry.read_bytes(), Loader=_Loader)
                 for entry in resources.files("crashlint.policies").iterdir() if entry.name.endswith(".yaml")}
    return Policies(rules=rules, knowledge=knowledge)


def merged_params(defaults: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    """Config parameters over defaults, one level deep (lists replace, mappings merge)."""
    out = copy.deepcopy(defaults)
    for k, v in (override or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = {**out[k], **v}
        else:
            out[k] = v
    return out
