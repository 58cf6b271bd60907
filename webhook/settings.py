"""The webhook's configuration: the repository's ``.crashlint.yaml`` plus a webhook file of its own.

The rule settings use the CLI's format unchanged (``--config``), so a repository's
``.crashlint.yaml`` can be mounted as it is. Enforcement lives in a second file
(``--webhook-config``), because the CLI rightly rejects keys it does not know::

    mode: deny                  # default enforcement: deny | warn | off
    deny_on: error              # findings at or above this severity deny (in deny mode)
    warn_on: warning            # findings at or above this (and below deny) become warnings
    namespaces: {legacy: warn, sandbox: off}
    labels:                     # object label selectors; the first match wins over namespaces
      - {selector: {crashlint.io/enforcement: warn}, mode: warn}
    excluded_namespaces: [kube-system]
    skip_owned: true            # Pods etc. created by a controller (see controller_users) were checked upstream
    controller_users: [...]     # who may create owned objects unchecked (default: kube-controller-manager's)
    update: changed             # changed | introduced | all (see UPDATE_POLICIES)
    cluster_lookups: true
    lookup_budget_seconds: 1.0  # hard wait per request for cluster look-ups
    cache_ttl_seconds: 30
    lint_budget_seconds: 1.5    # hard limit on the rules' time per request; past it, answer with what is done
    rule_errors: warn           # a rule that raises: warn (allow, naming the rule) | deny
    max_warnings: 10

Files that change while the server runs are re-read (a mounted ConfigMap is swapped
atomically by the kubelet); a broken new version is reported and the last good one kept.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import yaml

from crashlint.settings.config import ConfigError, Settings, load_settings
from crashlint.engine.api import PreparedEngine, prepare
from crashlint.model.findings import SEVERITIES
from crashlint.knowledge.selectors import map_matches
from crashlint.model.record import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Final

MODES = ("deny", "warn", "off")
# changed: deny on findings the update introduced, and on kept ones when it changes the pod
#          template (a new rollout would ship them again); a scale or label edit is only warned.
# introduced: deny only on findings the old object did not have.
# all: deny on every finding at the deny level, old or new.
UPDATE_POLICIES = ("changed", "introduced", "all")
RULE_ERROR_POLICIES = ("warn", "deny")
# The identities kube-controller-manager creates pods and pod controllers as: with
# --use-service-account-credentials (kubeadm, most distributions) one service account per
# controller, otherwise the manager's own user. The API server authenticates these; an object's
# ownerReferences are written by whoever creates it and prove nothing.
CONTROLLER_USERS = frozenset({
    "system:kube-controller-manager",
    *(f"system:serviceaccount:kube-system:{sa}" for sa in (
        "replicaset-controller", "replication-controller", "job-controller", "cronjob-controller",
        "statefulset-controller", "daemon-set-controller", "deployment-controller")),
})


class LabelRule(Value):
    __slots__ = ("selector", "mode")

    selector: Final[dict[str, str]]
    mode: Final[str]

    def __init__(self, selector: dict[str, str], mode: str) -> None:
        self.selector = selector
        self.mode = mode

    def matches(self, labels: dict[str, Any]) -> bool:
        return map_matches(self.selector, labels)


class WebhookSettings(Value):
    __slots__ = ("mode", "deny_on", "warn_on", "namespaces", "labels", "excluded_namespaces", "skip_owned",
                 "controller_users", "update", "cluster_lookups", "lookup_budget_seconds", "cache_ttl_seconds",
                 "lint_budget_seconds", "rule_errors", "max_warnings")

    mode: Final[str]
    deny_on: Final[str]
    warn_on: Final[str]
    namespaces: Final[dict[str, str]]
    labels: Final[tuple[LabelRule, ...]]
    excluded_namespaces: Final[frozenset[str]]
    skip_owned: Final[bool]
    controller_users: Final[frozenset[str]]
    update: Final[str]
    cluster_lookups: Final[bool]
    lookup_budget_seconds: Final[float]
    cache_ttl_seconds: Final[float]
    lint_budget_seconds: Final[float]
    rule_errors: Final[str]
    max_warnings: Final[int]

    def __init__(self, mode: str = "deny", deny_on: str = "error", warn_on: str = "warning",
                 namespaces: dict[str, str] | None = None, labels: tuple[LabelRule, ...] = (),
                 excluded_namespaces: frozenset[str] = frozenset({"kube-system"}), skip_owned: bool = True,
                 controller_users: frozenset[str] = CONTROLLER_USERS, update: str = "changed",
                 cluster_lookups: bool = True, lookup_budget_seconds: float = 1.0, cache_ttl_seconds: float = 30.0,
                 lint_budget_seconds: float = 1.5, rule_errors: str = "warn", max_warnings: int = 10) -> None:
        self.mode = mode
        self.deny_on = deny_on
        self.warn_on = warn_on
        self.namespaces = {} if namespaces is None else namespaces
        self.labels = labels
        self.excluded_namespaces = excluded_namespaces
        self.skip_owned = skip_owned
        self.controller_users = controller_users
        self.update = update
        self.cluster_lookups = cluster_lookups
        self.lookup_budget_seconds = lookup_budget_seconds
        self.cache_ttl_seconds = cache_ttl_seconds
        self.lint_budget_seconds = lint_budget_seconds
        self.rule_errors = rule_errors
        self.max_warnings = max_warnings

    def mode_for(self, namespace: str | None, labels: dict[str, Any]) -> str:
        """Enforcement for one object: a matching label rule, else its namespace's, else the default."""
        for rule in self.labels:
            if rule.matches(labels):
                return rule.mode
        return self.namespaces.get(namespace or "", self.mode)


def _mode(value: Any, where: str) -> str:
    if value is False:  # YAML 1.1 reads a bare `off` as false
        value = "off"
    if value not in MODES:
        raise ConfigError(f"{where}: must be one of {', '.join(MODES)}")
    return str(value)


def _number(raw: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ConfigError(f"{key}: must be a number between {low:g} and {high:g}")
    return float(value)


def parse_webhook(raw: Any) -> WebhookSettings:
    """Validate the webhook settings mapping; every mistake is a ConfigError naming the key."""
    if raw is None:
        return WebhookSettings()
    if not isinstance(raw, dict):
        raise ConfigError("webhook settings must be a mapping")
    known = {"mode", "deny_on", "warn_on", "namespaces", "labels", "excluded_namespaces", "skip_owned", "update",
             "cluster_lookups", "lookup_budget_seconds", "cache_ttl_seconds", "max_warnings", "controller_users",
             "lint_budget_seconds", "rule_errors"}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"webhook settings: unknown keys: {', '.join(sorted(map(str, unknown)))}")
    for key in ("deny_on", "warn_on"):
        if key in raw and raw[key] not in SEVERITIES:
            raise ConfigError(f"{key}: must be one of {', '.join(SEVERITIES)}")
    namespaces = raw.get("namespaces") or {}
    if not isinstance(namespaces, dict):
        raise ConfigError("namespaces: must map namespace names to deny | warn | off")
    labels_raw = raw.get("labels") or []
    if not isinstance(labels_raw, list):
        raise ConfigError("labels: must be a list of {selector: {...}, mode: ...}")
    labels = []
    for i, item in enumerate(labels_raw):
        sel = item.get("selector") if isinstance(item, dict) else None
        if not isinstance(sel, dict) or not sel:
            raise ConfigError(f"labels[{i}].selector: must be a non-empty mapping of labels")
        labels.append(LabelRule({str(k): str(v) for k, v in sel.items()}, _mode(item.get("mode"), f"labels[{i}].mode")))
    excluded = raw.get("excluded_namespaces", ["kube-system"])
    if not isinstance(excluded, list) or not all(isinstance(x, str) for x in excluded):
        raise ConfigError("excluded_namespaces: must be a list of namespace names")
    users = raw.get("controller_users", sorted(CONTROLLER_USERS))
    if not isinstance(users, list) or not all(isinstance(x, str) and x for x in users):
        raise ConfigError("controller_users: must be a list of user names")
    rule_errors = raw.get("rule_errors", "warn")
    if rule_errors not in RULE_ERROR_POLICIES:
        raise ConfigError(f"rule_errors: must be one of {', '.join(RULE_ERROR_POLICIES)}")
    update = raw.get("update", "changed")
    if update not in UPDATE_POLICIES:
        raise ConfigError(f"update: must be one of {', '.join(UPDATE_POLICIES)}")
    for key in ("skip_owned", "cluster_lookups"):
        if key in raw and not isinstance(raw[key], bool):
            raise ConfigError(f"{key}: must be true or false")
    return WebhookSettings(
        mode=_mode(raw.get("mode", "deny"), "mode"),
        deny_on=raw.get("deny_on", "error"), warn_on=raw.get("warn_on", "warning"),
        namespaces={str(k): _mode(v, f"namespaces.{k}") for k, v in namespaces.items()},
        labels=tuple(labels), excluded_namespaces=frozenset(excluded),
        skip_owned=raw.get("skip_owned", True), controller_users=frozenset(users), update=update,
        cluster_lookups=raw.get("cluster_lookups", True),
        lookup_budget_seconds=_number(raw, "lookup_budget_seconds", 1.0, 0.0, 4.0),
        cache_ttl_seconds=_number(raw, "cache_ttl_seconds", 30.0, 0.0, 3600.0),
        lint_budget_seconds=_number(raw, "lint_budget_seconds", 1.5, 0.05, 4.0),
        rule_errors=rule_errors,
        max_warnings=int(_number(raw, "max_warnings", 10, 0, 50)),
    )


class Loaded(Value):
    """One consistent configuration: rule settings, the engine built from them, webhook settings."""

    __slots__ = ("settings", "engine", "webhook")

    settings: Final[Settings]
    engine: Final[PreparedEngine]
    webhook: Final[WebhookSettings]

    def __init__(self, settings: Settings, engine: PreparedEngine, webhook: WebhookSettings) -> None:
        self.settings = settings
        self.engine = engine
        self.webhook = webhook


def _read_yaml(path: str) -> Any:
    try:
        with open(path, "rb") as fh:
            return yaml.safe_load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML in config: {exc}") from None


def load(config: str | None, webhook_config: str | None = None) -> Loaded:
    """Rule settings from ``config`` and enforcement from ``webhook_config`` (None: defaults)."""
    settings = load_settings(config)
    webhook = WebhookSettings()
    if webhook_config is not None:
        try:
            webhook = parse_webhook(_read_yaml(webhook_config))
        except ConfigError as exc:
            msg = str(exc)
            raise ConfigError(msg if msg.startswith(webhook_config) else f"{webhook_config}: {msg}") from None
    return Loaded(settings, prepare(settings), webhook)


def _signature(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)  # follows the ConfigMap mount's ..data symlink
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


class ConfigWatcher:
    """The current configuration, re-read when a file changes (checked at most every ``interval`` s)."""

    def __init__(self, config: str | None, webhook_config: str | None = None, interval: float = 2.0) -> None:
        self.paths = tuple(p for p in (config, webhook_config) if p)
        self.config, self.webhook_config = config, webhook_config
        self.interval = interval
        self.error: str | None = None
        self.generation = 1
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self._sig = self._signature()
        self._loaded = load(config, webhook_config)  # a broken file at start-up is fatal: the caller says so

    def _signature(self) -> tuple[tuple[int, int, int] | None, ...]:
        return tuple(_signature(p) for p in self.paths)

    def current(self) -> Loaded:
        now = time.monotonic()
        if not self.paths or now - self._checked < self.interval:
            return self._loaded
        with self._lock:
            if now - self._checked < self.interval:
                return self._loaded
            self._checked = now
            sig = self._signature()
            if sig == self._sig:
                return self._loaded
            self._sig = sig
            try:
                self._loaded = load(self.config, self.webhook_config)
            except ConfigError as exc:
                self.error = str(exc)  # keep serving with the last good configuration
            else:
                self.error = None
                self.generation += 1
            return self._loaded
