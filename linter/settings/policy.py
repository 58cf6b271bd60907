"""Rule metadata, parameters and image knowledge, read from the YAML files under ``policies/``.

Rules hold logic only; what they compare against (severities, thresholds, which images run to
completion) is data a platform team can read, review and override in ``.crashlint.yaml``.

A rule declares each parameter once, in ``policies/rules/<id>.yaml``::

    params:
      crashloop_window_seconds: {type: number, default: 600, min: 0, doc: "Seconds after which ..."}

and reads it as ``ctx.params["crashloop_window_seconds"]``, with no second default in code: the
configuration (``linter/settings/config.py``) checks every override against its :class:`ParamSpec` when it
loads, so a rule only ever sees a value of the declared type and range.
"""

from __future__ import annotations

import math
import os
from functools import lru_cache

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]  # same interface, pure Python

import crashlint.policies
from crashlint.model.findings import SEVERITIES
from crashlint.model.record import Value
from crashlint.settings.policycache import parsed_files
from crashlint.model.quantity import QuantityError, parse_quantity

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

_FLOAT_MAX = 1.7976931348623157e308

# What each parameter type accepts, in the words a configuration error uses.
PARAM_TYPES = {
    "number": "a number",
    "integer": "an integer",
    "string": "a non-empty string",
    "strings": "a list of strings",
    "quantity": "a Kubernetes quantity (e.g. 500m, 128Mi, 4096)",
    "severity": "one of " + ", ".join(SEVERITIES),
}


class ParamSpec(Value):
    """One rule parameter as its policy declares it: type, default, inclusive range and a one-line doc.

    ``default: null`` (only for ``quantity``) means "not set": the rule then uses what its
    knowledge file says (``memory-limit-too-low``'s floor comes from ``policies/memory.yaml``).
    """

    __slots__ = ("name", "type", "default", "doc", "min", "max")

    name: Final[str]
    type: Final[str]
    default: Final[Any]
    doc: Final[str]
    min: Final[float | None]
    max: Final[float | None]

    def __init__(self, name: str, type: str, default: Any, doc: str, min: float | None = None,
                 max: float | None = None) -> None:
        self.name = name
        self.type = type
        self.default = default
        self.doc = doc
        self.min = min
        self.max = max

    def problem(self, value: Any) -> str | None:
        """Why ``value`` cannot be this parameter, or None when it can."""
        if value is None and self.default is None:
            return None
        wanted = PARAM_TYPES[self.type]
        if self.type in ("number", "integer"):
            # Rules compute with floats (a division, float()): an integer past float's range
            # (10**400) is refused like an infinite float.
            ok = not isinstance(value, bool) and (
                isinstance(value, int) and abs(value) <= _FLOAT_MAX
                or self.type == "number" and isinstance(value, float) and math.isfinite(value))
            return self._out_of_range(value, value) if ok else f"expected {wanted}, got {_shown(value)}"
        if self.type == "quantity":
            try:
                return self._out_of_range(parse_quantity(value), value)
            except QuantityError:
                return f"expected {wanted}, got {_shown(value)}"
        if self.type == "string":
            return None if isinstance(value, str) and value.strip() else f"expected {wanted}, got {_shown(value)}"
        if self.type == "strings":
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            return None if ok else f"expected {wanted}, got {_shown(value)}"
        return None if value in SEVERITIES else f"expected {wanted}, got {_shown(value)}"  # severity

    def _out_of_range(self, number: Any, given: Any) -> str | None:
        """``number`` (the value, a quantity parsed) against the range; ``given`` as written."""
        if self.min is not None and number < self.min:
            return f"must be at least {self.min:g}, got {_shown(given)}"
        if self.max is not None and number > self.max:
            return f"must be at most {self.max:g}, got {_shown(given)}"
        return None


def _shown(value: Any) -> str:
    """A configured value as an error message quotes it (short: a config may hold anything)."""
    if isinstance(value, str):
        text = repr(value)
    elif value is None or isinstance(value, (bool, int, float)):
        text = "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    else:
        text = f"a {'list' if isinstance(value, list) else 'mapping' if isinstance(value, dict) else type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def param_specs(rule_id: str, raw: Any) -> dict[str, ParamSpec]:
    """The ``params:`` block of a shipped rule policy, checked: a malformed declaration is a bug of
    the policy file, reported as such when the policies load (tests load every one)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError(f"policies/rules/{rule_id}.yaml: params must be a mapping of name to declaration")
    out: dict[str, ParamSpec] = {}
    for name, decl in raw.items():
        where = f"policies/rules/{rule_id}.yaml: params.{name}"
        if not isinstance(decl, dict) or decl.get("type") not in PARAM_TYPES or "default" not in decl \
                or not isinstance(decl.get("doc"), str) or not decl["doc"].strip():
            raise ValueError(f"{where}: expected {{type: {'|'.join(PARAM_TYPES)}, default: ..., doc: ...}}")
        unknown = set(decl) - {"type", "default", "doc", "min", "max"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}")
        spec = ParamSpec(str(name), decl["type"], decl["default"], " ".join(decl["doc"].split()),
                         decl.get("min"), decl.get("max"))
        if spec.default is None and spec.type != "quantity":
            raise ValueError(f"{where}: only a quantity may default to null")
        problem = spec.problem(spec.default)
        if problem:
            raise ValueError(f"{where}: default {problem}")
        out[spec.name] = spec
    return out


class RuleMeta(Value):
    """A rule's documentation and parameters, as ``policies/rules/<id>.yaml`` states them.

    ``params`` maps each parameter to its default (what ``crashlint explain`` and ``crashlint
    rules -o json`` show); ``param_specs`` holds the declarations the configuration is checked against.
    """

    __slots__ = ("id", "cause", "severity", "summary", "explanation", "symptom", "example", "fix", "params",
                 "param_specs")

    id: Final[str]
    cause: Final[str]
    severity: Final[str]
    summary: Final[str]
    explanation: Final[str]
    symptom: Final[str]
    example: Final[str]
    fix: Final[str]
    params: Final[dict[str, Any]]
    param_specs: Final[dict[str, ParamSpec]]

    def __init__(self, id: str, cause: str, severity: str, summary: str, explanation: str = "", symptom: str = "",
                 example: str = "", fix: str = "", params: dict[str, Any] | None = None,
                 param_specs: dict[str, ParamSpec] | None = None) -> None:
        self.id = id
        self.cause = cause
        self.severity = severity
        self.summary = summary
        self.explanation = explanation
        self.symptom = symptom
        self.example = example
        self.fix = fix
        self.params = {} if params is None else params
        self.param_specs = {} if param_specs is None else param_specs


class Policies(Value):
    """Rule metadata by id, and the knowledge bases rules consult, by file stem.

    ``policies/images.yaml`` becomes ``knowledge["images"]``, ``policies/commands.yaml``
    ``knowledge["commands"]``, and so on for every ``policies/*.yaml``.
    """

    __slots__ = ("rules", "knowledge")

    rules: Final[dict[str, RuleMeta]]
    knowledge: Final[dict[str, Any]]

    def __init__(self, rules: dict[str, RuleMeta], knowledge: dict[str, Any]) -> None:
        self.rules = rules
        self.knowledge = knowledge


@lru_cache(maxsize=1)
def load_policies() -> Policies:
    """The shipped policies (cached: the webhook and the benchmark call this per request/run)."""
    documents = _documents()
    rules: dict[str, RuleMeta] = {}
    for name, raw in documents.items():
        if not name.startswith("rules/"):
            continue
        specs = param_specs(raw["id"], raw.get("params"))
        meta = RuleMeta(
            id=raw["id"], cause=raw["cause"], severity=raw["severity"], summary=raw["summary"],
            explanation=raw.get("explanation", ""), symptom=raw.get("symptom", ""),
            example=raw.get("example", ""), fix=raw.get("fix", ""),
            params={p: spec.default for p, spec in specs.items()}, param_specs=specs,
        )
        rules[meta.id] = meta
    knowledge = {name[:-5]: doc for name, doc in documents.items() if not name.startswith("rules/")}
    return Policies(rules=rules, knowledge=knowledge)


def _documents() -> dict[str, Any]:
    """Every ``policies/rules/*.yaml`` (sorted) and ``policies/*.yaml`` parsed, by its path under
    ``policies/``, through the pre-parsed copy :mod:`.policycache` keeps while the files are unchanged."""
    # The directory of the package's files, as importlib.resources.files would give it for an
    # installed package (pip installs packages as files, never zipped): importlib.resources
    # itself, with the zipfile and tempfile modules it brings, costs every start 5 ms.
    root = os.path.dirname(crashlint.policies.__file__)
    rules = os.path.join(root, "rules")
    files = {f"rules/{name}": os.path.join(rules, name) for name in sorted(os.listdir(rules)) if name.endswith(".yaml")}
    files.update((name, os.path.join(root, name)) for name in os.listdir(root) if name.endswith(".yaml"))
    return parsed_files(files, lambda data: yaml.load(data, Loader=_Loader),
                        f"PyYAML {yaml.__version__} {_Loader.__name__}")


def merged_params(specs: dict[str, ParamSpec], override: dict[str, Any] | None) -> dict[str, Any]:
    """Every declared parameter: the configured value where ``override`` (already checked against
    ``specs`` by the configuration) sets one, else the declared default. Lists replace the default."""
    override = override or {}
    return {name: list(v) if isinstance(v := override.get(name, spec.default), list) else v
            for name, spec in specs.items()}
