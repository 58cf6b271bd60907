"""init-container-never-completes: an init container whose process never ends.

Init containers run one after another and each must exit 0 before the next one — and the app
containers — start. One that runs a server (nginx, redis, postgres: the image's default
process), ``sleep infinity``, ``tail -f``, a ``while true`` loop with no way out, or git-sync
without ``--one-time`` keeps the pod in ``Init:0/1`` forever; nothing crashes, nothing
restarts, and the app never starts. Native sidecars (``restartPolicy: Always`` on the init
container) are meant to keep running and are exempt.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.knowledge.commands import FOREVER, classify, image_entry
from crashlint.model.findings import Hit, pointer_str
from crashlint.knowledge.initscripts import program_of
from crashlint.rules import RuleContext
from crashlint.model.workloads import Container, Workload

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

ID = "init-container-never-completes"

_TRUE = {"true", "1", "yes"}


def _runs_once(c: Container, entry: dict[str, Any]) -> bool:
    """A run-once flag in command/args (not ``=false``), or its environment variable set true."""
    flags = tuple(entry.get("flags") or ())
    for tok in (c.str_list("command") or []) + (c.str_list("args") or []):
        for flag in flags:
            if tok == flag or (tok.startswith(flag + "=") and tok.split("=", 1)[1].lower() in _TRUE):
                return True
    env = c.data.get("env")
    names = set(entry.get("env") or ())
    if isinstance(env, list):
        for e in env:
            if isinstance(e, dict) and e.get("name") in names:
                if "valueFrom" in e:
                    return True  # set from elsewhere: cannot tell, assume it is on
                if str(e.get("value", "")).lower() in _TRUE:
                    return True
    return False


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    for c in wl.init_containers:
        if c.is_sidecar:
            continue
        sidecar_hint = ("make it a native sidecar (`restartPolicy: Always` on the init container, "
                        "Kubernetes 1.29+) if it must keep running")
        once = image_entry(c.image, ctx.knowledge, "run_once_required", base="init")
        if once is not None:
            if not _runs_once(c, once):
                args = c.data.get("args")
                fix = ([{"op": "add", "path": pointer_str(c.at("args", "-")), "value": "--one-time"}]
                       if isinstance(args, list) else
                       [{"op": "add", "path": pointer_str(c.at("args")), "value": ["--one-time"]}]
                       if "args" not in c.data else None)
                yield Hit(c.at("image"), (
                    f"init container '{c.name}' runs '{c.image}' without {once['flags'][0]} "
                    f"({once.get('why', 'it loops forever')}), so the pod stays in Init:0/1 and its app "
                    f"containers never start. Add `{once['flags'][0]}`, or {sidecar_hint}."),
                    container=c.name, anchor="value", fix=fix)
            continue
        command, args = c.str_list("command"), c.str_list("args")
        if not command and (not args or args[0].startswith("-")):
            server = image_entry(c.image, ctx.knowledge, "servers")
            if server is not None:
                yield Hit(c.at("image"), (
                    f"init container '{c.name}' runs server image '{c.image}' with no command of its own: "
                    f"the server never exits, so the pod stays in Init:0/1 forever and its app containers "
                    f"never start. Give it a command that ends (e.g. a one-off client call), move it to "
                    f"`containers`, or {sidecar_hint}."), container=c.name, anchor="value")
            continue
        prog = program_of(c, ctx.knowledge)
        if prog is None:
            continue
        verdict = classify(prog.argv, ctx.knowledge)
        if verdict.kind != FOREVER or (verdict.reason.endswith(" loop") and prog.can_leave_loop):
            continue
        what = f"a `{verdict.reason[:-5]}` loop" if verdict.reason.endswith(" loop") else f"`{verdict.reason}`"
        yield Hit(c.at(*prog.where), (
            f"init container '{c.name}' runs {what}, which never ends: the pod stays in "
            f"Init:0/1 forever and its app containers never start. Use a command that finishes, or "
            f"{sidecar_hint}."), container=c.name)
