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

import errno
import os
import stat
from fnmatch import fnmatchcase

import yaml

from crashlint.model.findings import SEVERITIES
from crashlint.model.record import Record, Value
from crashlint.sources.limits import Limits
from crashlint.sources.loader import indenting_tab
from crashlint.settings.policy import Policies, RuleMeta, load_policies, merged_params

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]  # same interface, pure Python

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

CONFIG_NAMES = (".crashlint.yaml", ".crashlint.yml")
CONFIG_KEYS = ("rules", "exclude", "min_severity", "limits", "images", "knowledge")
RULE_KEYS = ("enabled", "severity", "params")
LIMIT_KEYS = Limits._fields


class ConfigError(Exception):
    """A configuration file that cannot be used; the CLI exits 2 with this message, before
    anything is linted. Each problem names the file, the line and the key (``.crashlint.yaml:4:
    rules.completes-immediately.params.crashloop_window_seconds: expected a number, got 'abc'``)."""


class _Where:
    """Says where a key of the config sits: ``file:line: dotted.key``, from the composed YAML nodes.

    Configs given as data (``load_settings(raw=...)``, the webhook's tests) have no nodes and are
    named ``config`` without a line.
    """

    def __init__(self, path: str | None, root: yaml.Node | None) -> None:
        self.path = path or "config"
        self.root = root

    def __call__(self, *keys: str | int, key: bool = False) -> str:
        """``file:line: a.b.c`` for the value at ``keys`` (``key=True``: the line of its key)."""
        dotted = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".")
        return f"{self.place(*keys, key=key)}: {dotted}"

    def place(self, *keys: str | int, key: bool = False) -> str:
        """``file:line`` of the value at ``keys`` (``file`` alone when the line is unknown)."""
        line = self._line(keys, key)
        return f"{self.path}:{line}" if line else self.path

    def top(self) -> str:
        return f"{self.path}:1" if self.root is not None else self.path

    def _line(self, keys: tuple[str | int, ...], want_key: bool) -> int | None:
        node, found = self.root, None
        for k in keys:
            found = None
            if isinstance(node, yaml.MappingNode):
                for kn, vn in node.value:
                    if isinstance(kn, yaml.ScalarNode) and kn.value == str(k):
                        found, node = kn, vn  # the last of duplicate keys is the one PyYAML keeps
            elif isinstance(node, yaml.SequenceNode) and isinstance(k, int) and 0 <= k < len(node.value):
                found = node = node.value[k]
            if found is None:
                return None
        if node is None:
            return None
        return (found if want_key and found is not None else node).start_mark.line + 1


class RuleSettings(Value):
    __slots__ = ("id", "cause", "severity", "enabled", "params", "severity_overridden")

    id: Final[str]
    cause: Final[str]
    severity: Final[str]
    enabled: Final[bool]
    params: Final[dict[str, Any]]
    # A configured severity replaces the per-hit severities some rules grade (error vs warning).
    severity_overridden: Final[bool]

    def __init__(self, id: str, cause: str, severity: str, enabled: bool, params: dict[str, Any],
                 severity_overridden: bool = False) -> None:
        self.id = id
        self.cause = cause
        self.severity = severity
        self.enabled = enabled
        self.params = params
        self.severity_overridden = severity_overridden


class Settings(Record):
    """Policies with a configuration applied: what the engine runs."""

    __slots__ = ("rules", "knowledge", "limits", "exclude", "source", "base", "min_severity")

    rules: dict[str, RuleSettings]
    knowledge: dict[str, Any]
    limits: Limits
    exclude: tuple[str, ...]
    source: str | None
    # The directory ``exclude`` patterns are relative to: the config file's (the repository root
    # when the config sits there), else the working directory when the settings were made.
    base: str
    # The lowest severity listed (``min_severity:``); None lets the CLI choose per output format.
    min_severity: str | None

    def __init__(self, rules: dict[str, RuleSettings], knowledge: dict[str, Any], limits: Limits | None = None,
                 exclude: tuple[str, ...] = (), source: str | None = None, base: str | None = None,
                 min_severity: str | None = None) -> None:
        self.rules = rules
        self.knowledge = knowledge
        self.limits = Limits() if limits is None else limits
        self.exclude = exclude
        self.source = source
        self.base = os.getcwd() if base is None else base
        self.min_severity = min_severity

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


def _merge_knowledge(shipped: dict[str, Any], raw: dict[str, Any], at: _Where) -> dict[str, Any]:
    """Repository knowledge entries go *before* the shipped ones of the same list (first match wins).

    ``knowledge: {startup: {families: [...]}, memory: {families: [...]}}``; ``images:`` is a
    shorthand for ``knowledge: {images: ...}``.
    """
    knowledge = raw.get("knowledge")
    if knowledge is not None and not isinstance(knowledge, dict):
        raise ConfigError(f"{at('knowledge')}: must be a mapping of knowledge file name to lists")
    extra: dict[str, Any] = dict(knowledge or {})
    if raw.get("images") is not None:
        extra["images"] = raw["images"]
    if not extra:
        return shipped
    merged = dict(shipped)
    for stem, lists in extra.items():
        keys: tuple[str, ...] = ("images",) if stem == "images" and "images" in raw else ("knowledge", str(stem))
        if stem not in shipped or not isinstance(lists, dict) or not all(isinstance(v, list) for v in lists.values()):
            raise ConfigError(f"{at(*keys)}: knowledge '{stem}' must be one of {', '.join(sorted(shipped))}, "
                              "mapping list names to lists of entries")
        base = dict(shipped[stem])
        for key, entries in lists.items():
            for i, entry in enumerate(entries):
                pats = entry.get("match") if isinstance(entry, dict) else None
                # A string here would be read as a list of one-letter patterns.
                if pats is not None and not (isinstance(pats, list) and all(isinstance(p, str) and p for p in pats)):
                    raise ConfigError(f"{at(*keys, key, i, 'match')} must be a list of image patterns "
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
    here = os.path.realpath(start or os.getcwd())
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(here, name)
            if stat.S_ISREG(_mode(candidate)):
                return candidate
        if _mode(os.path.join(here, ".git")):
            return None
        parent = os.path.dirname(here)
        if parent == here:  # the root
            return None
        here = parent


def _mode(path: str) -> int:
    """``os.stat(path).st_mode``, 0 when nothing is there.

    Nothing is there when ``pathlib``'s ``is_file()``/``exists()`` say so (a missing entry, a file
    where a directory was expected, a symbolic-link loop); any other error, such as a directory
    that may not be searched, is raised rather than taken for "no config here". (``os.path.isfile``
    would say False to every error; ``pathlib`` costs the start-up 5 ms of imports.)
    """
    try:
        return os.stat(path).st_mode
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP) \
                or getattr(exc, "winerror", None) in (21, 123, 1921):  # not ready, invalid name, unresolvable
            return 0
        raise
    except ValueError:  # a NUL in the path
        return 0


def _read_config(path: str) -> tuple[Any, yaml.Node | None]:
    """The config's data and its composed node tree (for the line of each key), from one parse."""
    try:
        with open(path, "rb") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from exc
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML in config: {_yaml_problem(path, exc)}") from exc
    finally:
        loader.dispose()


def _rule_settings(rid: str, meta: RuleMeta, ov: Any, at: _Where, problems: list[str]) -> RuleSettings:
    """One rule's settings: its policy with the override ``rules.<rid>`` checked and applied.

    ``off``/``false`` disable it, a severity replaces its severity, a mapping may set
    ``enabled``, ``severity`` and ``params``; every parameter must be one the rule declares
    (``policies/rules/<rid>.yaml``), of its type and within its range. Problems are collected.
    """
    enabled, severity, params = True, meta.severity, None
    if ov is False or ov == "off":
        enabled = False
    elif isinstance(ov, str):
        if ov not in SEVERITIES:
            problems.append(f"{at('rules', rid)}: severity must be one of {', '.join(SEVERITIES)} "
                            f"(or off), got {ov!r}")
        else:
            severity = ov
    elif isinstance(ov, dict):
        for key in ov:
            if key not in RULE_KEYS:
                problems.append(f"{at('rules', rid, str(key), key=True)}: unknown key "
                                f"(a rule takes {', '.join(RULE_KEYS)})")
        if "enabled" in ov and not isinstance(ov["enabled"], bool):
            problems.append(f"{at('rules', rid, 'enabled')}: must be true or false")
        enabled = ov.get("enabled") is not False
        if "severity" in ov:
            if ov["severity"] in SEVERITIES:
                severity = ov["severity"]
            else:
                problems.append(f"{at('rules', rid, 'severity')}: severity must be one of {', '.join(SEVERITIES)}")
        params = ov.get("params")
        if params is not None and not isinstance(params, dict):
            problems.append(f"{at('rules', rid, 'params')}: rules.{rid}.params must be a mapping of parameter "
                            "to value")
            params = None
        for name, value in (params or {}).items():
            spec = meta.param_specs.get(name) if isinstance(name, str) else None
            if spec is None:
                takes = (f"it takes {', '.join(meta.param_specs)}" if meta.param_specs
                         else "it takes no parameters")
                close = _close(str(name), list(meta.param_specs), n=1)
                hint = f"did you mean {close[0]}? " if close else ""
                problems.append(f"{at('rules', rid, 'params', str(name), key=True)}: unknown parameter of "
                                f"{rid} ({hint}{takes}; see `crashlint explain {rid}`)")
                continue
            problem = spec.problem(value)
            if problem:
                problems.append(f"{at('rules', rid, 'params', name)}: {problem} (see `crashlint explain {rid}`)")
    elif ov is not None and ov is not True and ov != "on":
        problems.append(f"{at('rules', rid)}: expected off, a severity or a mapping")
    return RuleSettings(rid, meta.cause, severity, enabled, merged_params(meta.param_specs, params),
                        severity != meta.severity)


def _close(word: str, known: list[str], n: int = 1) -> list[str]:
    """The known name closest to a misspelt one (imported here: only a config with a mistake needs it)."""
    import difflib
    return difflib.get_close_matches(word, known, n=n)


def _limits(raw: Any, at: _Where) -> Limits:
    """``limits:``: known keys only, each a positive integer (larger than any input: no limit)."""
    if raw is None:
        return Limits()
    if not isinstance(raw, dict):
        raise ConfigError(f"{at('limits')}: must be a mapping of limit to a positive integer")
    for key, value in raw.items():
        if key not in LIMIT_KEYS:
            raise ConfigError(f"{at('limits', str(key), key=True)}: unknown limit (known: {', '.join(LIMIT_KEYS)})")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{at('limits', key)}: expected a positive integer, got {value!r}")
    return Limits.from_mapping(raw)


def load_settings(path: str | None = None, policies: Policies | None = None, raw: Any = None) -> Settings:
    """Settings from a config file (or already-parsed ``raw`` data) over the shipped policies.

    The config is checked completely here, so a mistake is one :class:`ConfigError` naming the
    file, line and key before anything is linted, never a rule that fails on every object.
    """
    policies = policies or load_policies()
    root: yaml.Node | None = None
    if raw is None and path is not None:
        raw, root = _read_config(path)
    raw = raw or {}
    at = _Where(path, root)
    if not isinstance(raw, dict):
        raise ConfigError(f"{at.top()}: the config must be a mapping")
    unknown = [k for k in raw if k not in CONFIG_KEYS]
    if unknown:
        raise ConfigError(f"{at.place(str(unknown[0]), key=True)}: unknown config keys: "
                          f"{', '.join(map(str, unknown))} (known: {', '.join(CONFIG_KEYS)})")
    overrides = raw.get("rules") or {}
    if not isinstance(overrides, dict):
        raise ConfigError(f"{at('rules')}: 'rules' must be a mapping of rule id to settings")
    problems: list[str] = []  # in the config's order
    configured: dict[str, RuleSettings] = {}
    for rid, ov in overrides.items():
        if rid in policies.rules:
            configured[rid] = _rule_settings(rid, policies.rules[rid], ov, at, problems)
        else:
            close = _close(str(rid), list(policies.rules), n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            problems.append(f"{at('rules', str(rid), key=True)}: unknown rule ({hint}see `crashlint rules`)")
    rules = {rid: configured.get(rid) or _rule_settings(rid, meta, None, at, problems)
             for rid, meta in policies.rules.items()}
    if problems:
        raise ConfigError("; ".join(problems))
    exclude = raw.get("exclude") or []
    if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
        raise ConfigError(f"{at('exclude')}: 'exclude' must be a list of glob patterns")
    min_severity = raw.get("min_severity")
    if min_severity is not None and min_severity not in SEVERITIES:
        raise ConfigError(f"{at('min_severity')}: min_severity must be one of {', '.join(SEVERITIES)}")
    knowledge = _merge_knowledge(policies.knowledge, raw, at)
    base = os.path.dirname(os.path.abspath(path)) if path is not None else os.getcwd()
    return Settings(rules, knowledge, _limits(raw.get("limits"), at), tuple(exclude), path,
                    base, min_severity)
