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

from .policycache import parsed_files


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
    documents = _documents()
    rules: dict[str, RuleMeta] = {}
    for name, raw in documents.items():
        if not name.startswith("rules/"):
            continue
        meta = RuleMeta(
            id=raw["id"], cause=raw["cause"], severity=raw["severity"], summary=raw["summary"],
            explanation=raw.get("explanation", ""), symptom=raw.get("symptom", ""),
            example=raw.get("example", ""), fix=raw.get("fix", ""), params=raw.get("params") or {},
        )
        rules[meta.id] = meta
    knowledge = {name[:-5]: doc for name, doc in documents.items() if not name.startswith("rules/")}
    return Policies(rules=rules, knowledge=knowledge)


def _documents() -> dict[str, Any]:
    """Every ``policies/rules/*.yaml`` (sorted) and ``policies/*.yaml`` parsed, by its path under
    ``policies/``, through the pre-parsed copy :mod:`.policycache` keeps while the files are unchanged."""
    root = resources.files("crashlint.policies")
    files = {f"rules/{e.name}": e for e in sorted(root.joinpath("rules").iterdir(), key=lambda e: e.name)
             if e.name.endswith(".yaml")}
    files.update((e.name, e) for e in root.iterdir() if e.name.endswith(".yaml"))
    return parsed_files(files, lambda data: yaml.load(data, Loader=_Loader),
                        f"PyYAML {yaml.__version__} {_Loader.__name__}")


def merged_params(defaults: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    """Config parameters over defaults, one level deep (lists replace, mappings merge)."""
    out = copy.deepcopy(defaults)
    for k, v in (override or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = {**out[k], **v}
        else:
            out[k] = v
    return out
