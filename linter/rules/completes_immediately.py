"""completes-immediately: a long-running workload whose container runs to completion.

The kubelet restarts a container of a restartPolicy Always pod whenever it exits, even with
code 0: ``busybox`` with no command in a Deployment shows ``Completed``, then
``CrashLoopBackOff``, forever. The check needs both halves — a pod that restarts, and a
process known to end — and stays quiet whenever either is uncertain.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.knowledge.commands import FINITE, classify, display, effective_argv, image_entry
from crashlint.model.findings import Hit, pointer_str
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

ID = "completes-immediately"


def _no_command_message(where: str, name: str, image: str, entry: dict[str, Any], restarter: str) -> str:
    default = display(list(entry.get("entrypoint") or []) + list(entry.get("cmd") or []))
    runtime = entry.get("runtime")
    if runtime:
        sample = entry.get("service_example")
        example = (f" (e.g. `command: [{', '.join(map(str, sample))}]`)"
                   if isinstance(sample, list) and sample else "")
        # A language runtime with no command is a service whose own command is missing: an idle
        # keep-alive would hide that behind a Running, healthy-looking pod.
        return (f"{where} '{name}' runs {runtime} image '{image}' with no command: the image's default "
                f"(`{default}`) is an interactive prompt, not your service; with no terminal it exits at once "
                f"with code 0, and a {restarter} restarts it forever (Completed, then CrashLoopBackOff). The "
                f"service's command is missing: set `command`/`args` to start it{example}, or run one-off "
                f"work as a Job.")
    keep = entry.get("keepalive")
    advice = (f"Give it a long-running command, e.g. `{display(keep)}` for a debug pod, or run "
              "one-off work as a Job.") if keep else "Run it as a Job, whose pods are meant to complete."
    return (f"{where} '{name}' runs image '{image}' with no command: its default process "
            f"(`{default}`) exits at once with code 0, and a {restarter} restarts it forever "
            f"(Completed, then CrashLoopBackOff). {advice}")


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    # A native sidecar (init container with restartPolicy Always) is restarted whenever it exits,
    # whatever the pod's restartPolicy: in a Job it crash-loops for the Job's whole run.
    candidates = wl.iter("containers", "initContainers") if wl.runs_forever else \
        [c for c in wl.init_containers if c.is_sidecar]
    window = float(ctx.params["crashloop_window_seconds"])
    keepalive = float(ctx.params["keepalive_seconds"])
    restarter = wl.kind if wl.runs_forever else f"{wl.kind} (native sidecars are restarted on exit)"
    for c in candidates:
        if c.is_init and not c.is_sidecar:
            continue
        command, args = c.str_list("command"), c.str_list("args")
        if (c.data.get("command") is not None and command is None) or (c.data.get("args") is not None and args is None):
            continue  # wrong types: rejected-by-api says so
        stdin_open = c.data.get("stdin") is True or c.data.get("tty") is True
        entry = image_entry(c.image, ctx.knowledge, "run_to_completion")
        where = "native sidecar" if c.is_sidecar else "container"
        if not command and not args:
            if entry is None or (stdin_open and entry.get("reads_stdin")):
                continue
            # The keep-alive fix only for debug/toolbox images known to have the program, never for
            # a language runtime whose service command is missing.
            keep = None if entry.get("runtime") else entry.get("keepalive")
            yield Hit(c.at("image"), _no_command_message(where, c.name, str(c.image), entry, restarter),
                      container=c.name, anchor="value",
                      fix=[{"op": "add", "path": pointer_str(c.at("command")), "value": list(keep)}]
                      if isinstance(keep, list) and keep else None)
            continue
        argv = effective_argv(command, args, entry)
        if argv is None:
            continue
        verdict = classify(argv, ctx.knowledge, stdin_open)
        if verdict.kind != FINITE or verdict.seconds >= keepalive or verdict.failing:
            continue  # a failing command is command-always-fails' business (Reason Error, not Completed)
        field = "command" if command else "args"
        shown = display(argv, 80)
        code = " with code 0" if verdict.exit_code == 0 else ""
        ends = "Completed" if verdict.exit_code == 0 else "Completed or Error"
        loop = f" ({verdict.reason.split('; ')[0]})" if "loop of" in verdict.reason else ""
        if verdict.seconds <= window:
            when = "at once" if verdict.seconds == 0 else f"after about {verdict.seconds:g} s"
            yield Hit(c.at(field), (
                f"{where} '{c.name}' runs `{shown}`, which ends {when}{code}{loop}; a {restarter} "
                f"restarts it forever ({ends}, then CrashLoopBackOff). Run one-off work as a Job, "
                f"or make the command long-running."), container=c.name, anchor="key")
        else:
            yield Hit(c.at(field), (
                f"{where} '{c.name}' runs `{shown}`, which ends after about {verdict.seconds:g} s{loop}; "
                f"a {restarter} then restarts it, over and over. Run one-off work as a Job, "
                f"or make the command long-running."), container=c.name, anchor="key", severity="info")
