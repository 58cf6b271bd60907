"""``.crashlint.yaml``: per-repository switches over the shipped policies.

    rules:
      image-tag-mutable: off                # or error | warning | info
      liveness-too-aggressive:
        severity: error
        params: {min_failure_threshold: 2}
    exclude: ["charts/*/templates/tests/*", vendor]   # relative to this file's directory
    min_severity: warning                   # list only warnings and errors (info: list everything)
    limits: {max_file_bytes: 134217728}
    images:                                 # entries put before policies/images.yaml's lists
      run_to_completion: [{match: [my-registry/toolbox], cmd: [sh], reads_stdin: true}]
    knowledge:                              # the same for any policies/<name>.yaml
      startup: {families: [{name: Our ERP, match: [erp/server], seconds: 240, source: "measured"}]}
"""

from __future__ import annotations

import os
from fnmatch import fnmatchcase
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .findings import SEVERITIES
from .limits import Limits
from .loader import indenting_tab
from .policy import Policies, load_policies, merged_params

CONFIG_NAMES = (".crashlint.yaml", ".crashlint.yml")
CONFIG_KEYS = ("rules", "exclude", "min_severity", "limits", "images", "knowledge")


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
    # The directory ``exclude`` patterns are relative to: the config file's (the repository root
    # when the config sits there), else the working directory when the settings were made.
    base: str = field(default_factory=os.getcwd)
    # The lowest severity listed (``min_severity:``); None lets the CLI choose per output format.
    min_severity: str | None = None

    def excluded(self, path: str) -> bool:
        """Whether ``exclude`` names ``path``, however the path was spelled on the command line.

        A pattern with a ``/`` is a glob over the path relative to :attr:`base` and also names
        everything under a directory it matches (``charts/*/templates/tests``); a pattern without
        one names a file or directory at any depth (``vendor``, ``*.generated.yaml``). ``*``
        crosses ``/`` as in :mod:`fnmatch`. So ``crashlint lint .``, ``lint k8s/`` or ``lint
        /abs/repo/k8s/app.yaml``, from the root or a subdirectory, exclude the same files.
        """
        if not self.exclude or path in ("-", "<stdin>"):
            return False
        rel = self._relative(path)
        parts = (rel or os.path.normpath(path).replace(os.sep, "/")).split("/")
        dirs = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)] if rel else []
        for raw in self.exclude:
            pat = raw.strip().removeprefix("./").strip("/")
            if not pat:
                continue
            if "/" in pat:
                if any(fnmatchcase(d, pat) for d in dirs):
                    return True
            elif any(fnmatchcase(part, pat) for part in parts):
                return True
        return False

    def _relative(self, path: str) -> str | None:
        """``path`` relative to :attr:`base` with ``/`` separators; None outside it (then only
        patterns without ``/`` can name it)."""
        full = os.path.abspath(path)
        rel = os.path.relpath(full, self.base)
        if _outside(rel):  # a symbolic link on the way (``/tmp`` -> ``/private/tmp``)?
            rel = os.path.relpath(os.path.realpath(full), os.path.realpath(self.base))
            if _outside(rel):
                return None
        return rel.replace(os.sep, "/")


def _outside(rel: str) -> bool:
    return rel == os.pardir or rel.startswith(os.pardir + os.sep)


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
            for i, entry in enumerate(entries):
                pats = entry.get("match") if isinstance(entry, dict) else None
                # A string here would be read as a list of one-letter patterns.
                if pats is not None and not (isinstance(pats, list) and all(isinstance(p, str) and p for p in pats)):
                    raise ConfigError(f"{where}: {stem}.{key}[{i}].match must be a list of image patterns "
                                      "(e.g. [registry.example.com/team/app, \"ghcr.io/org/*\"])")
            old = base.get(key)
            base[key] = list(entries) + (list(old) if isinstance(old, list) else [])
        merged[stem] = base
    return merged


def _yaml_problem(path: str, exc: yaml.YAMLError) -> str:
    """The parser's message, or where a tab indents a line (libyaml's message does not say "tab")."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        try:
            with open(path, "rb") as fh:
                column = indenting_tab(fh.read(), mark.line)
        except OSError:
            column = None
        if column is not None:
            return (f"line {mark.line + 1}, column {column}: a tab indents this line, and YAML allows only "
                    "spaces for indentation (replace the tab with spaces)")
    return str(exc)


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
            raise ConfigError(f"{path}: invalid YAML in config: {_yaml_problem(path, exc)}") from exc
    raw = raw or {}
    where = path or "config"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the config must be a mapping")
    unknown = set(raw) - set(CONFIG_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown config keys: {', '.join(sorted(map(str, unknown)))} "
                          f"(known: {', '.join(CONFIG_KEYS)})")
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
    min_severity = raw.get("min_severity")
    if min_severity is not None and min_severity not in SEVERITIES:
        raise ConfigError(f"{where}: min_severity must be one of {', '.join(SEVERITIES)}")
    knowledge = _merge_knowledge(policies.knowledge, raw, where)
    base = os.path.dirname(os.path.abspath(path)) if path is not None else os.getcwd()
    return Settings(rules, knowledge, Limits.from_mapping(raw.get("limits")), tuple(exclude), path,
                    base, min_severity)
