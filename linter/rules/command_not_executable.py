"""command-not-executable: an argv that cannot be executed as written.

Kubernetes executes ``command``/``args`` directly (execve), with no shell: a first element
``"python app.py --port 8080"`` names a binary with spaces in its name, ``&&``/``|``/``>``
are passed as literal arguments, and in ``sh -c`` only the argument right after ``-c`` is
the script. The container fails to start (StartError, exit 128: ``exec: "python app.py":
executable file not found in $PATH``) or runs something else than intended.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from crashlint.knowledge.commands import display, shell_call, split_words
from crashlint.model.findings import Hit, pointer_str
from crashlint.rules import RuleContext
from crashlint.model.workloads import Container, Workload

ID = "command-not-executable"

_OPERATORS = {"&&", "||", "|", ";", ">", ">>", "<", "2>&1", "&>", "2>", "|&"}
_POSITIONAL = re.compile(r"\$(?:[0-9@*#]|\{[0-9@*#])")
# Programs that take operator-looking strings as genuine arguments (`test a > b`, `find -exec ... ;`).
_OPERATOR_CONSUMERS = {"test", "[", "expr", "awk", "jq", "yq", "xargs"}


def _check_container(c: Container, ctx: RuleContext) -> Iterator[Hit]:
    command, args = c.str_list("command"), c.str_list("args")
    fields = [("command", command), ("args", args)]
    argv: list[tuple[str, int, str]] = [(f, i, v) for f, vals in fields if vals for i, v in enumerate(vals)]
    if not argv:
        return
    first_field, first_i, first = argv[0]
    if first_field == "command" or command is None:
        exec_name = first
        if exec_name == "" and first_field == "command":
            yield Hit(c.at("command", 0), f"container '{c.name}': the first element of command is empty; "
                      "there is no program to execute", container=c.name)
            return
        if first_field == "command" and re.search(r"\s", exec_name.strip()):
            # Split as a shell would (`nginx -g 'daemon off;'` is three words, the last one
            # `daemon off;`); only literal words: no variable, glob or operator, which need a shell.
            parts = split_words(exec_name)
            # A program name, not a path that may itself contain the space ("/opt/my app/run").
            fix = [{"op": "replace", "path": pointer_str(c.at("command")),
                    "value": parts + (command or [])[1:]}] if parts and "/" not in parts[0] else None
            advice = (f"Write one element per word: {json.dumps(parts)}" if parts else
                      f"It needs a shell to be read: {json.dumps(['sh', '-c', exec_name])}")
            yield Hit(c.at("command", 0), (
                f"container '{c.name}': command[0] is \"{exec_name}\", one string with spaces; Kubernetes "
                f"runs it as a single program name, which does not exist (exec: \"{exec_name}\": executable "
                f"file not found). {advice}"), container=c.name, anchor="value", fix=fix)
            return
    if command is not None:
        for i, v in enumerate(command[1:], start=1):
            if v == "":
                yield Hit(c.at("command", i), f"container '{c.name}': command[{i}] is an empty string",
                          container=c.name, anchor="value")
    flat = [v for _, _, v in argv]
    shell = shell_call(flat, ctx.knowledge)
    if shell is not None:
        at = shell.script
        if at is not None and at < len(flat) - 1:
            script = flat[at]
            extra = flat[at + 1:]
            if not _POSITIONAL.search(script) and not (len(extra) >= 1 and extra[0] in ("--", "sh", "bash", "_")):
                field, idx, _ = argv[at + 1]
                yield Hit(c.at(field, idx), (
                    f"container '{c.name}': `{flat[shell.shell]} -c` runs only the next argument as its script "
                    f"(`{display([script], 80)}`); the following {len(extra)} argument(s) "
                    f"`{display(extra[:3], 80)}` become $0, $1... and are not executed. Join the script into "
                    f"one string after -c."),
                    container=c.name, anchor="value")
        return
    if flat[0].rsplit("/", 1)[-1] in _OPERATOR_CONSUMERS:
        return
    # Where the first `-exec` is, found once: asked per ";" it made n semicolons cost n² steps.
    first_exec = next((i for i, a in enumerate(flat) if a in ("-exec", "-execdir", "-ok", "-okdir")), len(flat))
    for n, (field, idx, v) in enumerate(argv[1:], start=1):
        if v == ";" and first_exec < n:
            continue  # find ... -exec cmd {} ;
        if v.strip() in _OPERATORS:
            # The program does start; whether a stray literal "&&" or "2>&1" makes it exit depends on
            # its argument parser (vault-k8s ignores one), so this is a warning, not an error.
            yield Hit(c.at(field, idx), (
                f"container '{c.name}': '{v}' in {field} is passed to `{flat[0]}` as a literal argument, "
                f"because Kubernetes runs argv without a shell; most programs reject an unknown argument. "
                f"Use [\"sh\", \"-c\", \"...\"] to get shell operators."), container=c.name, anchor="value",
                severity="warning")
            return


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    for c in wl.containers:
        yield from _check_container(c, ctx)
