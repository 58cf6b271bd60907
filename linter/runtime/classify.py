"""One signature per crashing or stuck container, from its status, its events and its previous log.

Pure functions over plain dicts (a pod as the API returns it, its events, its logs, a reference
time): no client, no clock. Precedence, first match wins, per container (init containers too):

1. the pod was evicted / shut down / lost / past its deadline (``status.reason``) or is being
   deleted -> not a crash (a *note*); ``Succeeded`` pods, and failed ones whose last exit is older
   than ``restart_window_seconds`` (a CronJob's kept history), are not crashes either
2. image waiting reasons (ErrImagePull, ImagePullBackOff, InvalidImageName, ...) -> image-pull-failed
3. CreateContainerConfigError, or FailedMount naming a missing ConfigMap/Secret    -> config-missing
4. an init container (not a native sidecar) that failed                          -> init-failed
   ... or has been running longer than ``init_stuck_after_seconds``              -> init-stuck
5. last termination OOMKilled                                                    -> oom-killed
6. a ``Killing`` event "failed liveness|startup probe" within the last instance's
   lifetime (whatever the exit code: a graceful app exits 0 after SIGTERM); or, once that
   event has expired, Liveness/Startup ``Unhealthy`` failures within the lifetime and exit
   137/143 (or exit 0 after ``failureThreshold`` failures)                     -> liveness-failed
7. StartError / ContainerCannotRun / RunContainerError / CreateContainerError / 126 / 127
                                                                                 -> command-failed
8. exit 0 in a pod that restarts containers (restartPolicy Always, or a sidecar) -> completed
9. exit != 0 with refused/unresolvable connections in the message or previous log -> dependency-unreachable
10. any other exit != 0                                                          -> exited-with-error

``state.waiting.reason: CrashLoopBackOff`` alone decides nothing: the cause is the last
termination. A container running again after a recent restart is the same crash seen later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from crashlint.model.record import Record, Value
from crashlint.runtime.shape import count, obj, seq, text
from crashlint.runtime.state import parse_time

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

SIGNATURES = ("completed", "command-failed", "exited-with-error", "oom-killed", "liveness-failed",
              "config-missing", "image-pull-failed", "init-failed", "init-stuck", "dependency-unreachable")

# Pod status.reason values the kubelet/controllers set when a pod is stopped from outside.
NOT_CRASH_POD_REASONS = frozenset({"Evicted", "Shutdown", "Terminated", "NodeShutdown", "UnexpectedAdmissionError",
                                   "NodeLost", "DeadlineExceeded", "NodeAffinity", "OutOfcpu", "OutOfmemory",
                                   "OutOfpods", "Preempting"})
IMAGE_WAITING = frozenset({"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
                           "ImageInspectError", "RegistryUnavailable", "SignatureValidationFailed"})
COMMAND_WAITING = frozenset({"RunContainerError", "CreateContainerError"})
HOOK_WAITING = frozenset({"PreStartHookError", "PostStartHookError", "PreCreateHookError"})
CRASH_WAITING = frozenset({"CrashLoopBackOff"}) | COMMAND_WAITING | HOOK_WAITING
COMMAND_REASONS = frozenset({"StartError", "ContainerCannotRun"})
# Terminations that say the node, not the container, went away.
UNKNOWN_REASONS = frozenset({"Unknown", "ContainerStatusUnknown"})
DECISIVE_EVENTS = frozenset({"BackOff", "Killing", "Unhealthy", "Failed", "FailedMount", "InspectFailed",
                             "ErrImageNeverPull", "FailedToRetrieveImagePullSecret", "FailedPostStartHook",
                             "FailedPreStopHook", "FailedCreatePodContainer"})

COMBINED_PREFIX = "(combined from similar events): "
_FIELD_PATH = re.compile(r"^spec\.(containers|initContainers|ephemeralContainers)\{([^}]+)\}")
_PROBE_KILL = re.compile(r"failed (liveness|startup) probe", re.I)
_PROBE_FAILED = re.compile(r"^(Liveness|Startup) probe failed", re.I)
_COMMAND_TEXT = re.compile(r"executable file not found|exec format error|no such file or directory|"
                           r"permission denied|not found in \$PATH|no command specified", re.I)
_MISSING_OBJECT = re.compile(r"\b(configmap|secret) \"([^\"]+)\" not found", re.I)
_MISSING_KEY = re.compile(r"couldn't find key (\S+) in (?:ConfigMap|Secret) (?:[^/\s]+/)?(\S+)", re.I)
_MISSING_ITEM = re.compile(r"(?:configmap|secret) references non-existent (?:config|secret) key: (\S+)", re.I)
_MOUNT_SETUP = re.compile(r"MountVolume\.SetUp failed for volume \"([^\"]+)\"")
_EPOCH = "1970-01-01T00:00:00Z"


class Crash(Record):
    """One crashing or stuck container of one pod, with the evidence a person would dig out."""

    workload: str
    namespace: str
    pod: str
    pod_uid: str
    container: str
    init: bool
    signature: str
    evidence: dict[str, Any]
    summary: str
    names: frozenset[str]  # ConfigMaps/Secrets/keys the evidence names as missing
    predicted_by: list[str]

    __slots__ = ("workload", "namespace", "pod", "pod_uid", "container", "init", "signature", "evidence", "summary",
                 "names", "predicted_by")

    def __init__(self, workload: str, namespace: str, pod: str, pod_uid: str, container: str, init: bool,
                 signature: str, evidence: dict[str, Any], summary: str, names: frozenset[str] = frozenset()) -> None:
        self.workload = workload
        self.namespace = namespace
        self.pod = pod
        self.pod_uid = pod_uid
        self.container = container
        self.init = init
        self.signature = signature
        self.evidence = evidence
        self.summary = summary
        self.names = names
        self.predicted_by = []

    def as_dict(self) -> dict[str, Any]:
        return {"workload": self.workload, "pod": self.pod, "container": self.container, "init": self.init,
                "signature": self.signature, "summary": self.summary, "evidence": self.evidence,
                "predicted_by": list(self.predicted_by)}


class Note(Value):
    """A pod that stopped for a reason that is not a crash (eviction, node shutdown, deletion)."""

    workload: Final[str]
    pod: Final[str]
    reason: Final[str]
    message: Final[str]

    __slots__ = ("workload", "pod", "reason", "message")

    def __init__(self, workload: str, pod: str, reason: str, message: str) -> None:
        self.workload = workload
        self.pod = pod
        self.reason = reason
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        return {"workload": self.workload, "pod": self.pod, "reason": self.reason, "message": self.message}


class Params(Value):
    """The classifier's thresholds (``policies/runtime.yaml`` ``classifier``)."""

    init_stuck_after_seconds: Final[float]
    restart_window_seconds: Final[float]
    log_tail_lines: Final[int]
    max_events: Final[int]
    max_message_chars: Final[int]
    dependency_patterns: Final[tuple[str, ...]]

    __slots__ = ("init_stuck_after_seconds", "restart_window_seconds", "log_tail_lines", "max_events",
                 "max_message_chars", "dependency_patterns")

    def __init__(self, init_stuck_after_seconds: float = 600, restart_window_seconds: float = 3600,
                 log_tail_lines: int = 10, max_events: int = 6, max_message_chars: int = 600,
                 dependency_patterns: tuple[str, ...] = ()) -> None:
        self.init_stuck_after_seconds = init_stuck_after_seconds
        self.restart_window_seconds = restart_window_seconds
        self.log_tail_lines = log_tail_lines
        self.max_events = max_events
        self.max_message_chars = max_message_chars
        self.dependency_patterns = dependency_patterns

    @classmethod
    def from_policy(cls, raw: dict[str, Any] | None) -> "Params":
        raw = raw or {}
        return cls(
            init_stuck_after_seconds=float(raw.get("init_stuck_after_seconds", 600)),
            restart_window_seconds=float(raw.get("restart_window_seconds", 3600)),
            log_tail_lines=int(raw.get("log_tail_lines", 10)),
            max_events=int(raw.get("max_events", 6)),
            max_message_chars=int(raw.get("max_message_chars", 600)),
            dependency_patterns=tuple(str(p) for p in raw.get("dependency_patterns") or ()),
        )

    @property
    def dependency_regex(self) -> re.Pattern[str] | None:
        if not self.dependency_patterns:
            return None
        return re.compile("|".join(f"(?:{p})" for p in self.dependency_patterns), re.I)


def clean_message(msg: Any) -> str:
    """An event message without the aggregator's prefix (client-go keeps the latest message only)."""
    text = msg if isinstance(msg, str) else ""
    return text[len(COMBINED_PREFIX):] if text.startswith(COMBINED_PREFIX) else text


def container_of_event(ev: dict[str, Any]) -> tuple[str, str] | None:
    """(section, name) from ``involvedObject.fieldPath`` like ``spec.initContainers{init-db}``."""
    fp = obj(ev.get("involvedObject")).get("fieldPath")
    m = _FIELD_PATH.match(fp) if isinstance(fp, str) else None
    return (m[1], m[2]) if m else None


def _shorten(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _names_in(texts: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for t in texts:
        for m in _MISSING_OBJECT.finditer(t):
            out.add(m[2])
        for m in _MISSING_KEY.finditer(t):
            out.update((m[1], m[2]))
        for m in _MISSING_ITEM.finditer(t):
            out.add(m[1])
    return frozenset(out)


class PodView:
    """One pod with its events split by container: what every container decision reads."""

    def __init__(self, pod: dict[str, Any], events: list[dict[str, Any]], workload: str) -> None:
        self.pod = pod
        self.workload = workload
        meta = obj(pod.get("metadata"))
        self.name = text(meta.get("name"))
        self.namespace = text(meta.get("namespace")) or "default"
        self.uid = text(meta.get("uid"))
        self.spec = obj(pod.get("spec"))
        self.status = obj(pod.get("status"))
        self.deleting = bool(meta.get("deletionTimestamp"))
        rp = self.spec.get("restartPolicy")
        self.restart_policy = rp if isinstance(rp, str) and rp else "Always"
        self.by_container: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.pod_level: list[dict[str, Any]] = []
        for ev in events:
            key = container_of_event(ev)
            if key is None:
                self.pod_level.append(ev)
            else:
                self.by_container.setdefault(key, []).append(ev)

    def spec_container(self, section: str, name: str) -> dict[str, Any]:
        for c in seq(self.spec.get(section)):
            if isinstance(c, dict) and c.get("name") == name:
                return c
        return {}

    def missing_mounts(self) -> dict[str, list[dict[str, Any]]]:
        """Volumes whose mount failed because a ConfigMap/Secret (or an item of it) does not exist."""
        out: dict[str, list[dict[str, Any]]] = {}
        for ev in self.pod_level:
            if ev.get("reason") != "FailedMount":
                continue
            msg = clean_message(ev.get("message"))
            m = _MOUNT_SETUP.search(msg)
            if m and (_MISSING_OBJECT.search(msg) or _MISSING_ITEM.search(msg)):
                out.setdefault(m[1], []).append(ev)
        return out


class _Ctx(Record):
    view: PodView
    section: str
    status: dict[str, Any]
    spec: dict[str, Any]
    now: datetime | None
    params: Params
    log: dict[str, Any]

    __slots__ = ("view", "section", "status", "spec", "now", "params", "log")

    def __init__(self, view: PodView, section: str, status: dict[str, Any], spec: dict[str, Any],
                 now: datetime | None, params: Params, log: dict[str, Any]) -> None:
        self.view = view
        self.section = section
        self.status = status
        self.spec = spec
        self.now = now
        self.params = params
        self.log = log

    @property
    def name(self) -> str:
        return str(self.status.get("name") or "")

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.view.by_container.get((self.section, self.name), [])

    @property
    def is_init(self) -> bool:
        return self.section == "initContainers" and self.spec.get("restartPolicy") != "Always"

    @property
    def restarts(self) -> bool:
        """Whether an exit with code 0 is followed by a restart (the crash-loop case)."""
        if self.section == "initContainers":
            return self.spec.get("restartPolicy") == "Always"
        return self.view.restart_policy == "Always"


def _age(start: Any, now: datetime | None) -> float | None:
    t = parse_time(start)
    return (now - t).total_seconds() if t is not None and now is not None else None


def _termination_of_interest(c: _Ctx) -> dict[str, Any] | None:
    """The termination that explains the container's current trouble, or None when there is none.

    ``state.terminated`` is the instance that just ended (restart not yet counted);
    ``lastState.terminated`` the previous one, relevant while waiting to restart or for a
    while after running again.
    """
    state, last = obj(c.status.get("state")), obj(obj(c.status.get("lastState")).get("terminated"))
    now_term = obj(state.get("terminated"))
    if now_term:
        if c.view.status.get("phase") in ("Failed", "Succeeded"):
            age = _age(now_term.get("finishedAt"), c.now)
            if age is not None and age > c.params.restart_window_seconds:
                return None  # a finished pod kept as history (a CronJob's last failed run): not crashing now
        return now_term
    restarts = count(c.status.get("restartCount"))
    if not last or restarts == 0:
        return None
    if "waiting" in state:
        return last
    if "running" in state:
        age = _age(last.get("finishedAt"), c.now)
        return last if age is not None and age <= c.params.restart_window_seconds else None
    return None


def _in_lifetime(ev: dict[str, Any], term: dict[str, Any] | None) -> bool:
    """Whether an event happened while the terminating instance ran (a kill precedes its exit)."""
    t = parse_time(ev.get("_time"))
    if t is None or not term:
        return True
    start, end = parse_time(term.get("startedAt")), parse_time(term.get("finishedAt"))
    slack = timedelta(seconds=2)  # event timestamps have second precision
    if start is not None and t < start - slack:
        return False
    return end is None or t <= end + slack


def _exit_code(term: dict[str, Any] | None) -> int | None:
    code = (term or {}).get("exitCode")
    return code if isinstance(code, int) else None


def _decide(c: _Ctx) -> tuple[str, dict[str, Any] | None] | None:
    """(signature, termination used) for one container, or None when it is not crashing."""
    state = obj(c.status.get("state"))
    waiting = obj(state.get("waiting"))
    wreason = text(waiting.get("reason"))
    if wreason in IMAGE_WAITING:
        return "image-pull-failed", None
    if wreason == "CreateContainerConfigError":
        return "config-missing", None
    if wreason in ("ContainerCreating", "PodInitializing"):
        missing = c.view.missing_mounts()
        mounts = {text(m.get("name")) for m in seq(c.spec.get("volumeMounts")) if isinstance(m, dict)}
        mounted_anywhere = {text(m.get("name")) for sec in ("initContainers", "containers")
                            for ctr in seq(c.view.spec.get(sec)) if isinstance(ctr, dict)
                            for m in seq(ctr.get("volumeMounts")) if isinstance(m, dict)}
        if any(v in mounts or v not in mounted_anywhere for v in missing):
            return "config-missing", None
        return None
    term = _termination_of_interest(c)
    code = _exit_code(term)
    reason = text((term or {}).get("reason"))
    if reason in UNKNOWN_REASONS:
        return None  # the node or runtime lost the container: not the container's doing
    if c.is_init:
        if wreason in CRASH_WAITING or (code is not None and code != 0):
            return "init-failed", term
        running = obj(state.get("running"))
        age = _age(running.get("startedAt"), c.now)
        if running and age is not None and age >= c.params.init_stuck_after_seconds:
            return "init-stuck", None
        return None
    if wreason in COMMAND_WAITING and not term:
        return "command-failed", None
    if term is None:
        return ("exited-with-error", None) if wreason in HOOK_WAITING else None
    if code == 0 and not c.restarts and wreason not in CRASH_WAITING:
        return None  # a Job's container that finished its work
    if reason == "OOMKilled":
        return "oom-killed", term
    if any(ev.get("reason") == "Killing" and _PROBE_KILL.search(clean_message(ev.get("message")))
           and _in_lifetime(ev, term) for ev in c.events):
        return "liveness-failed", term
    if (code in (137, 143) and _probe_failures(c, term) > 0) or (code == 0 and _killed_gracefully(c, term)):
        return "liveness-failed", term  # the Killing event expired (1 h) but the failures recur
    message = text(term.get("message"))
    if (wreason in COMMAND_WAITING or reason in COMMAND_REASONS or code in (126, 127)
            or (code == 128 and _COMMAND_TEXT.search(message))):
        return "command-failed", term
    if code == 0:
        return "completed", term
    rx = c.params.dependency_regex
    if rx is not None and (rx.search(message) or rx.search(str(c.log.get("previous") or ""))):
        return "dependency-unreachable", term
    return "exited-with-error", term


def _probe_failures(c: _Ctx, term: dict[str, Any]) -> int:
    """Liveness/startup probe failures reported while the terminating instance ran."""
    return sum(count(ev.get("count"), 1) for ev in c.events
               if ev.get("reason") == "Unhealthy" and _PROBE_FAILED.search(clean_message(ev.get("message")))
               and _in_lifetime(ev, term))


def _killed_gracefully(c: _Ctx, term: dict[str, Any]) -> bool:
    """An instance that exited 0 after enough probe failures to be killed: SIGTERM honoured.

    The failures must reach the probe's ``failureThreshold`` (default 3), so one failed probe
    of a process that simply completes does not turn ``completed`` into a liveness kill.
    """
    probe = obj(c.spec.get("livenessProbe")) or obj(c.spec.get("startupProbe"))
    if not probe:
        return False
    threshold = probe.get("failureThreshold")
    return _probe_failures(c, term) >= (threshold if isinstance(threshold, int) and threshold > 0 else 3)


def log_wanted(status: dict[str, Any]) -> bool:
    """Whether a container's previous log is worth fetching: it has a dead previous instance."""
    last = obj(obj(status.get("lastState")).get("terminated"))
    return count(status.get("restartCount")) > 0 and bool(last)


def _evidence(c: _Ctx, term: dict[str, Any] | None) -> dict[str, Any]:
    p = c.params
    state = obj(c.status.get("state"))
    waiting = obj(state.get("waiting"))
    ev: dict[str, Any] = {"restart_count": count(c.status.get("restartCount")),
                          "state": next(iter(state), "unknown")}
    if waiting:
        ev["waiting"] = {"reason": text(waiting.get("reason")), "message": _shorten(text(waiting.get("message")),
                                                                              p.max_message_chars)}
    running = obj(state.get("running"))
    if running.get("startedAt"):
        ev["running_since"] = running["startedAt"]
    if term:
        started, finished = term.get("startedAt"), term.get("finishedAt")
        t0, t1 = parse_time(started), parse_time(finished)
        duration = (t1 - t0).total_seconds() if t0 and t1 and started != _EPOCH else None
        ev["last_termination"] = {"reason": text(term.get("reason")), "exit_code": _exit_code(term),
                                  "message": _shorten(text(term.get("message")), p.max_message_chars),
                                  "started_at": started, "finished_at": finished, "duration_seconds": duration}
    relevant = [e for e in c.events + c.view.pod_level if text(e.get("reason")) in DECISIVE_EVENTS]
    relevant.sort(key=lambda e: e.get("_time") or "", reverse=True)
    ev["events"] = [{"type": text(e.get("type")), "reason": text(e.get("reason")),
                     "message": _shorten(clean_message(e.get("message")), p.max_message_chars),
                     "count": count(e.get("count"), 1), "last_seen": e.get("_time")} for e in relevant[: p.max_events]]
    previous = c.log.get("previous")
    if isinstance(previous, str) and previous.strip():
        ev["log_tail"] = previous.rstrip("\n").splitlines()[-p.log_tail_lines:]
    return ev


def _summary(sig: str, ev: dict[str, Any]) -> str:
    parts: list[str] = []
    term = ev.get("last_termination")
    if term:
        dur = term.get("duration_seconds")
        took = f" after {dur:g} s" if isinstance(dur, (int, float)) else (
            " before it started" if term.get("started_at") == _EPOCH else "")
        parts.append(f"{term.get('reason') or 'terminated'}, exit code {term.get('exit_code')}{took}")
    waiting = ev.get("waiting")
    if waiting:
        parts.append(f"waiting: {waiting['reason']}" + (f" ({waiting['message']})" if waiting.get("message") and
                                                        not term else ""))
    if sig == "init-stuck" and ev.get("running_since"):
        parts.append(f"running since {ev['running_since']}")
    if ev.get("restart_count"):
        parts.append(f"{ev['restart_count']} restarts")
    events = ev.get("events", ())
    decisive = next((e for e in events if e["reason"] in ("Killing", "FailedMount", "Failed")
                     and (sig != "config-missing" or _names_in([e["message"]]))), None)
    if decisive and sig in ("liveness-failed", "config-missing", "image-pull-failed", "command-failed"):
        parts.append(f"{decisive['reason']}: {decisive['message']}")
    return "; ".join(parts)


def classify_pod(pod: dict[str, Any], events: list[dict[str, Any]], logs: dict[str, dict[str, Any]],
                 now: datetime | None, params: Params, workload: str) -> tuple[list[Crash], Note | None]:
    """Crashes of every (init) container of one pod, or a note when the pod stopped for outside reasons.

    ``logs`` maps a container name to ``{"previous": ..., "current": ...}``.
    """
    view = PodView(pod, events, workload)
    reason = text(view.status.get("reason"))
    if reason in NOT_CRASH_POD_REASONS:
        return [], Note(workload, view.name, reason, text(view.status.get("message")))
    if view.status.get("phase") == "Succeeded":
        return [], None
    if view.deleting:
        stopped = any("terminated" in obj(obj(cs).get("state")) or obj(obj(obj(cs).get("state")).get("waiting")).get(
            "reason") in CRASH_WAITING for cs in seq(view.status.get("containerStatuses")))
        return [], (Note(workload, view.name, "Terminating",
                        "the pod is being deleted (rollout, scale-down); its exits are not crashes") if stopped else None)
    crashes: list[Crash] = []
    for section, status_key in (("initContainers", "initContainerStatuses"), ("containers", "containerStatuses")):
        for cs in seq(view.status.get(status_key)):
            if not isinstance(cs, dict) or not isinstance(cs.get("name"), str):
                continue
            ctx = _Ctx(view, section, cs, view.spec_container(section, cs["name"]), now, params,
                       obj(logs.get(cs["name"])))
            decided = _decide(ctx)
            if decided is None:
                continue
            sig, term = decided
            ev = _evidence(ctx, term)
            texts = [text(obj(obj(cs.get("state")).get("waiting")).get("message"))]
            texts += [clean_message(e.get("message")) for e in ctx.events + view.pod_level
                      if e.get("reason") in ("Failed", "FailedMount")]
            crashes.append(Crash(workload, view.namespace, view.name, view.uid, cs["name"], ctx.is_init, sig, ev,
                                 _summary(sig, ev), _names_in(texts) if sig == "config-missing" else frozenset()))
    return crashes, None


def observations(events: list[dict[str, Any]],
                 patterns: dict[str, tuple[str, re.Pattern[str]]]) -> dict[tuple[str, str], str]:
    """(container, observation) -> event message, for events that confirm rules without a crash."""
    out: dict[tuple[str, str], str] = {}
    for ev in events:
        key = container_of_event(ev)
        if key is None:
            continue
        msg = clean_message(ev.get("message"))
        for name, (reason, rx) in patterns.items():
            if ev.get("reason") == reason and rx.search(msg):
                out[(key[1], name)] = msg
    return out
