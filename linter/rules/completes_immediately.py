"""completes-immediately: a long-running workload whose container runs to completion.

The kubelet restarts a container of a restartPolicy Always pod whenever it exits, even with
code 0: ``busybox`` with no command in a Deployment shows ``Completed``, then
``CrashLoopBackOff``, forever. The check needs both halves — a pod that restarts, and a
process known to end — and stays quiet whenever either is uncertain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..commands import FINITE, classify, effective_argv, image_entry
from ..findings import Hit
from ..rules import RuleContext
from ..workloads import Workload

ID = "completes-immediately"


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    # A native sidecar (init container with restartPolicy Always) is restarted whenever it exits,
    # whatever the pod's restartPolicy: in a Job it crash-loops for the Job's whole run.
    candidates = wl.iter("containers", "initContainers") if wl.runs_forever else \
        [c for c in wl.init_containers if c.is_sidecar]
    window = float(ctx.params.get("crashloop_window_seconds", 600))
    keepalive = float(ctx.params.get("keepalive_seconds", 86400))
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
            # The keep-alive fix is only offered where the image is known to have the program.
            keep = entry.get("keepalive")
            default = " ".join(list(entry.get("entrypoint") or []) + list(entry.get("cmd") or []))
            advice = (f"Give it a long-running command, e.g. `{' '.join(keep)}` for a debug pod, or run "
                      "one-off work as a Job.") if keep else "Run it as a Job, whose pods are meant to complete."
            yield Hit(c.at("image"), (
                f"{where} '{c.name}' runs image '{c.image}' with no command: its default process "
                f"(`{default}`) exits at once with code 0, and a {restarter} restarts it forever "
                f"(Completed, then CrashLoopBackOff). {advice}"),
                container=c.name, anchor="value",
                fix=[{"op": "add", "path": "/" + "/".join(map(str, c.at("command"))), "value": list(keep)}]
                if keep else None)
            continue
        argv = effective_argv(command, args, entry)
        if argv is None:
            continue
        verdict = classify(argv, ctx.knowledge, stdin_open)
        if verdict.kind != FINITE or verdict.seconds >= keepalive or verdict.failing:
            continue  # a failing command is a crash of its own (exited-with-error), not a completion
        field = "command" if command else "args"
        shown = re.sub(r"\s+", " ", " ".join(argv)).strip()
        if len(shown) > 80:
            shown = shown[:77] + "..."
        if verdict.seconds <= window:
            when = "at once" if verdict.seconds == 0 else f"after about {verdict.seconds:g} s"
            yield Hit(c.at(field), (
                f"{where} '{c.name}' runs `{shown}`, which ends {when} with code 0; a {restarter} "
                f"restarts it forever (Completed, then CrashLoopBackOff). Run one-off work as a Job, "
                f"or make the command long-running."), container=c.name, anchor="key")
        else:
            yield Hit(c.at(field), (
                f"{where} '{c.name}' runs `{shown}`, which ends after about {verdict.seconds:g} s; "
                f"a {restarter} then restarts it, over and over. Run one-off work as a Job, "
                f"or make the command long-running."), container=c.name, anchor="key", severity="info")
