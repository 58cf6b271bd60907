"""command-always-fails: a container whose command always ends with a non-zero exit code.

``sh -c "exit 1"``, ``command: ["false"]``, a script whose last command is ``exit 3``, ``set -e``
and then a ``false``, a bounded loop followed by ``exit 1``: every start of the container ends
the same way, as certainly as busybox's ``sh`` ends with 0. The kubelet records it as
``lastState.terminated`` with ``reason: Error`` and the exit code (the runtime's reason for a
non-zero exit; ``kubectl describe`` prints ``Last State: Terminated, Reason: Error, Exit Code: N``)
and then restarts it with back-off (CrashLoopBackOff) in every pod whose restartPolicy is
Always or OnFailure. With restartPolicy Never the pod ends Failed; a Job retries it
``backoffLimit`` times (default 6) and is then marked Failed (``BackoffLimitExceeded``). An init
container that always fails keeps the pod at ``Init:Error`` / ``Init:CrashLoopBackOff`` and its
app containers never start. Kubelet behaviour of every supported version (restart and back-off in
pkg/kubelet/kuberuntime/kuberuntime_manager.go ``computePodActions``/``doBackOff``; the Job
controller's ``BackoffLimitExceeded`` in pkg/controller/job/job_controller.go).

The exit code must be certain: ``exit $CODE``, ``cmd || exit 1``, ``if ...; then exit 1; fi``
followed by a server, traps, sourced files and functions named ``false`` leave it unknown
(``linter/knowledge/commands.py`` decides), and a Job whose ``podFailurePolicy`` names the code expects it.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.knowledge.commands import classify, display, effective_argv, image_entry, shell_script
from crashlint.model.findings import Hit
from crashlint.rules import RuleContext
from crashlint.model.workloads import Container, Workload

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

ID = "command-always-fails"


def _job_spec(wl: Workload) -> dict[str, Any]:
    """The Job spec of a Job or of a CronJob's jobTemplate ({} when it is not a mapping)."""
    job_spec: Any = wl.obj.data.get("spec")
    if wl.kind == "CronJob":
        job_spec = job_spec.get("jobTemplate") if isinstance(job_spec, dict) else None
        job_spec = job_spec.get("spec") if isinstance(job_spec, dict) else None
    return job_spec if isinstance(job_spec, dict) else {}


def _expected_by_policy(wl: Workload, code: int) -> bool:
    """A Job whose ``podFailurePolicy`` has an ``onExitCodes`` rule covering ``code`` handles it on purpose."""
    policy = _job_spec(wl).get("podFailurePolicy")
    rules = policy.get("rules") if isinstance(policy, dict) else None
    for rule in rules if isinstance(rules, list) else []:
        codes = rule.get("onExitCodes") if isinstance(rule, dict) else None
        if not isinstance(codes, dict) or not isinstance(codes.get("values"), list):
            continue
        listed = code in codes["values"]
        if listed == (codes.get("operator") == "In"):
            return True
    return False


def _outcome(wl: Workload, c: Container, code: int) -> str:
    """What the cluster shows, for this kind of pod and container."""
    last_state = f"`Last State: Terminated, Reason: Error, Exit Code: {code}`"
    policy = wl.restart_policy
    job = ""
    if wl.kind in ("Job", "CronJob"):
        limit = _job_spec(wl).get("backoffLimit")
        tries = (f"retries it {limit} time(s) (backoffLimit)" if isinstance(limit, int) and not isinstance(limit, bool)
                 and limit > 0 else "does not retry it (backoffLimit: 0)" if limit == 0 and not isinstance(limit, bool)
                 else "retries it 6 times (the default backoffLimit)")
        job = f" The Job {tries}, then marks itself Failed (reason BackoffLimitExceeded)."
    if c.is_sidecar or (wl.runs_forever and not c.is_init):
        restarter = wl.kind if wl.runs_forever else f"{wl.kind} (native sidecars are restarted on exit)"
        return (f"a {restarter} restarts it with growing back-off: CrashLoopBackOff, with {last_state}."
                + ("" if wl.runs_forever else job))
    if c.is_init:
        if policy == "Never":
            return (f"the pod fails at Init:Error (phase Failed, {last_state}) and its app containers "
                    f"never start.{job}")
        return (f"the kubelet restarts it with growing back-off: Init:Error, then Init:CrashLoopBackOff "
                f"({last_state}), and the pod's app containers never start.{job}")
    if policy == "Never":
        return f"the pod ends in phase Failed with {last_state}.{job}"
    return f"restartPolicy {policy} restarts it with growing back-off: CrashLoopBackOff, with {last_state}.{job}"


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    for c in wl.iter("containers", "initContainers"):
        command, args = c.str_list("command"), c.str_list("args")
        if (c.data.get("command") is not None and command is None) or (c.data.get("args") is not None and args is None):
            continue  # wrong types: rejected-by-api says so
        if not command and not args:
            continue  # the image's own default: completes-immediately's business
        argv = effective_argv(command, args, image_entry(c.image, ctx.knowledge, "run_to_completion"))
        if argv is None:
            continue
        stdin_open = c.data.get("stdin") is True or c.data.get("tty") is True
        verdict = classify(argv, ctx.knowledge, stdin_open)
        if not verdict.failing or verdict.exit_code is None:
            continue
        code = verdict.exit_code
        if wl.kind in ("Job", "CronJob") and _expected_by_policy(wl, code):
            continue
        where = ("native sidecar" if c.is_sidecar else "init container" if c.is_init else "container")
        # Point at the script when a shell runs one, else at the field that sets the argv.
        own = (command or []) + (args or [])
        script = shell_script(own, ctx.knowledge)
        at = script[0] if script is not None else None
        if at is not None and command and at < len(command):
            pointer, anchor = c.at("command", at), "value"
        elif at is not None:
            pointer, anchor = c.at("args", at - len(command or [])), "value"
        else:
            pointer, anchor = c.at("command" if command else "args"), "key"
        decisive = verdict.reason.rsplit("; ", 1)[-1]  # the command whose status ends the script
        because = f" (at `{decisive}`)" if decisive and decisive != display(argv) else ""
        restarted_in_place = c.is_sidecar or (not c.is_init and wl.kind not in ("Job", "CronJob")
                                              and wl.restart_policy in ("Always", "OnFailure"))
        if restarted_in_place and verdict.seconds > ctx.params["crashloop_window_seconds"]:
            # `sleep 86400; exit 1`: a restart once a day (the kubelet resets its back-off after ten
            # minutes of running), often on purpose; worth knowing, not a crash loop.
            yield Hit(pointer, (
                f"{where} '{c.name}' runs `{display(argv, 100)}`, which exits with code {code} after about "
                f"{verdict.seconds:g} s{because}, every time: the pod restarts it then, with "
                f"`Reason: Error, Exit Code: {code}` and a growing restart count. If a periodic restart is "
                f"the intent, say so in a comment; otherwise run the real process."),
                container=c.name, anchor=anchor, severity="info")
            continue
        yield Hit(pointer, (
            f"{where} '{c.name}' runs `{display(argv, 100)}`, which always exits with code {code}{because}: "
            f"{_outcome(wl, c, code)} Make the command succeed or run the real process; a failing check "
            f"that guards a start stops every start."), container=c.name, anchor=anchor)
