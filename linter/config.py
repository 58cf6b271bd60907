"""``.crashlint.yaml``: per-repository switches over the shipped policies.

    rules:
      image-tag-mutable: off                # or error | warning | info
      liveness-too-aggressive:
        severity: error
        params: {min_failure_threshold: 2}
    exclude: ["charts/**/templates/tests/*"]
    limits: {max_file_bytes: 134217728}
    images:                                 # entries put before policies/images.yaml's lists
      run_to_completion: [{match: [my-registry/toolbox], cmd: [sh], reads_stdin: true}]
    knowledge:                              # the same for any policies/<name>.yaml
      startup: {families: [{name: Our ERP, match: [erp/server], seconds: 240, source: "measured"}]}
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .findings import SEVERITIES
from .limits import Limits
from .policy import Policies, load_policies, merged_params

CONFIG_NAMES = (".crashlint.yaml", ".crashlint.yml")


class ConfigError(Exception):
    """A configuration file that cannot be used; the CLI exits 2 with this message."""


@dataclass(frozen=True)
class RuleSettings:
    id: str
    cause: str
    severity: str
    enabled: bool
    params: dict[str, Any]
    # A configured severity replaces the per-hit severities some rules grade (error vs warning).
    severity_overridden: bool = False


@dataclass
class Settings:
    """Policies with a configuration applied: what the engine runs."""

    rules: dict[str, RuleSettings]
    knowledge: dict[str, Any]
    limits: Limits = field(default_factory=Limits)
    exclude: tuple[str, ...] = ()
    source: str | None = None

    def excluded(self, path: str) -> bool:
        norm = path.replace(os.sep, "/")
        if norm.startswith("./"):
            norm = norm[2:]
        return any(fnmatch.fnmatch(norm, pat) or fnmatch.fnmatch(os.path.basename(norm), pat)
                   for pat in self.exclude)


def _merge_knowledge(shipped: dict[str, Any], raw: dict[str, Any], where: str) -> dict[str, Any]:
    """Repository knowledge entries go *before* the shipped ones of the same list (first match wins).

    ``knowledge: {startup: {families: [...]}, memory: {families: [...]}}``; ``images:`` is a
    shorthand for ``knowledge: {images: ...}``.
    """
    extra: dict[str, Any] = dict(raw.get("knowledge") or {})
    if raw.get("images") is not None:
        extra["images"] = raw["images"]
    if not extra:
        return shipped
    merged = dict(shipped)
    for stem, lists in extra.items():
        if stem not in shipped or not isinstance(lists, dict) or not all(isinstance(v, list) for v in lists.values()):
            raise ConfigError(f"{where}: knowledge '{stem}' must be one of {', '.join(sorted(shipped))}, "
                              "mapping list names to lists of entries")
        base = dict(shipped[stem])
        for key, entries in lists.items():
            old = base.get(key)
            base[key] = list(entries) + (list(old) if isinstance(old, list) else [])
        merged[stem] = base
    return merged


def find_config(start: str | None = None) -> str | None:
    """The nearest ``.crashlint.yaml`` from ``start`` (default: the working directory) upwards.

    The search stops at the repository root (a directory holding ``.git``, a directory or, in
    worktrees and submodules, a file): a config above it belongs to someone else — a shared
    ``/tmp`` or home directory — and could switch rules off for a checkout it never saw.
    """
    here = Path(start or os.getcwd()).resolve()
    for d in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = d / name
            if candidate.is_file():
                return str(candidate)
        if (d / ".git").exists():
            return None
    return None


def load_settings(path: str | None = None, policies: Policies | None = None, raw: Any = None) -> Settings:
    """Settings from a config file (or already-parsed ``raw`` data) over the shipped policies."""
    policies = policies or load_policies()
    if raw is None and path is not None:
        try:
            with open(path, "rb") as fh:
                raw = yaml.safe_load(fh)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: invalid YAML in config: {exc}") from exc
    raw = raw or {}
    where = path or "config"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the config must be a mapping")
    unknown = set(raw) - {"rules", "exclude", "limits", "images", "knowledge"}
    if unknown:
        raise ConfigError(f"{where}: unknown config keys: {', '.join(sorted(unknown))}")
    overrides = raw.get("rules") or {}
    if not isinstance(overrides, dict):
        raise ConfigError(f"{where}: 'rules' must be a mapping of rule id to settings")
    bad = set(overrides) - set(policies.rules)
    if bad:
        raise ConfigError(f"{where}: unknown rules: {', '.join(sorted(bad))} (see `crashlint rules`)")
    rules: dict[str, RuleSettings] = {}
    for rid, meta in policies.rules.items():
        ov = overrides.get(rid)
        enabled, severity, params = True, meta.severity, None
        if ov is False or ov == "off":
            enabled = False
        elif isinstance(ov, str):
            severity = ov
        elif isinstance(ov, dict):
            enabled = ov.get("enabled", True) is not False
            severity = ov.get("severity", severity)
            params = ov.get("params")
            if params is not None and not isinstance(params, dict):
                raise ConfigError(f"{where}: rules.{rid}.params must be a mapping")
        elif ov is not None and ov is not True and ov != "on":
            raise ConfigError(f"{where}: rules.{rid}: expected off, a severity or a mapping")
        if severity not in SEVERITIES:
            raise ConfigError(f"{where}: rules.{rid}: severity must be one of {', '.join(SEVERITIES)}")
        rules[rid] = RuleSettings(rid, meta.cause, severity, enabled, merged_params(meta.params, params),
                                  severity != meta.severity)
    exclude = raw.get("exclude") or []
    if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
        raise ConfigError(f"{where}: 'exclude' must be a list of glob patterns")
    knowledge = _merge_knowledge(policies.knowledge, raw, where)
    return Settings(rules, knowledge, Limits.from_mapping(raw.get("limits")), tuple(exclude), path)
