"""What a container will execute, and whether it ends by itself.

Two questions several rules ask: *what argv does the kubelet start* (a pod's ``command``
replaces the image ENTRYPOINT, ``args`` replace its CMD) and *does that process end on its
own* (``echo hi``: yes, at once; ``sleep 30``: yes, after 30 s; ``sleep infinity``: no;
``./server``: unknown). Unknown is the answer whenever there is doubt — rules only flag the
confident cases.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .imageref import ImageRef, InvalidReference, matches, parse

FINITE, FOREVER, UNKNOWN = "finite", "forever", "unknown"

_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)([smhd]?)")  # ASCII: float() would also read "٣٠"
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*")
_SEPARATORS = {";", "&&", "||", "|", "&", ";;", "\n"}
_INFINITE_CONDITIONS = ({"true"}, {":"}, {"[", "1", "]"}, {"[", "true", "]"}, {"/bin/true"})


@dataclass(frozen=True)
class Verdict:
    """``kind`` is finite/forever/unknown; ``seconds`` a lower bound of a finite run's length."""

    kind: str
    seconds: float = 0.0
    reason: str = ""
    failing: bool = False  # a finite run that ends with a non-zero exit code (`false`, `exit 3`)


def image_entry(image: str | None, knowledge: dict[str, Any], section: str,
                base: str = "images") -> dict[str, Any] | None:
    """The entry of ``knowledge[base][section]`` (e.g. images.run_to_completion) naming this image."""
    if not image:
        return None
    try:
        ref = parse(image)
    except InvalidReference:
        return None
    return entry_for(ref, (knowledge.get(base) or {}).get(section) or [])


def entry_for(ref: ImageRef, entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    for entry in entries:
        if isinstance(entry, dict) and matches(ref, list(entry.get("match") or [])):
            return entry
    return None


def effective_argv(command: list[str] | None, args: list[str] | None,
                   entry: dict[str, Any] | None) -> list[str] | None:
    """The argv the kubelet starts, when it can be known (a pod ``command``, or a known image)."""
    if command:
        return command + (args or [])
    if entry is None:
        return None
    entrypoint = list(entry.get("entrypoint") or [])
    return entrypoint + (args if args else list(entry.get("cmd") or []))


def _duration(arg: str) -> float | None:
    m = _DURATION.fullmatch(arg)
    return float(m.group(1)) * _UNIT_SECONDS[m.group(2)] if m else None


def classify(argv: list[str], knowledge: dict[str, Any], stdin_open: bool = False) -> Verdict:
    """Does this argv end by itself? ``stdin_open``: the container has ``stdin``/``tty`` set."""
    cmds = knowledge.get("commands", {})
    wrappers = cmds.get("wrappers") or []
    # env FOO=1 cmd, busybox sleep 5, exec cmd: judge the wrapped command. An index walks past the
    # wrappers and their options: argv comes from the manifest, and `exec exec ... exec` n times must
    # cost n steps — not n list copies, nor n recursive calls (RecursionError past ~1,000).
    start = 0
    while start + 1 < len(argv) and (wrapper := argv[start].rsplit("/", 1)[-1]) in wrappers:
        start += 1
        while start < len(argv) and (argv[start].startswith("-") or (wrapper == "env" and "=" in argv[start])):
            start += 1
    if start >= len(argv):
        return Verdict(UNKNOWN)
    argv = argv[start:] if start else argv
    prog = argv[0].rsplit("/", 1)[-1]
    rest = argv[1:]
    if prog in (cmds.get("shells") or []):
        return _classify_shell(rest, knowledge, stdin_open)
    for pattern in cmds.get("forever_exact") or []:
        if [prog, *rest[: len(pattern) - 1]] == list(pattern):
            return Verdict(FOREVER, reason=" ".join(pattern))
    if prog == "sleep":
        if len(rest) == 1:
            secs = _duration(rest[0])
            if secs is not None:
                return Verdict(FINITE, secs, f"sleep {rest[0]}")
        return Verdict(UNKNOWN)
    if prog == "false":
        return Verdict(FINITE, 0, "false", failing=True)
    if prog == "exit":
        code = rest[0] if rest else "0"
        return Verdict(FINITE, 0, f"exit {code}", failing=code != "0")
    if prog == "cat" and not rest:
        return Verdict(FOREVER, reason="cat reading an open stdin") if stdin_open else Verdict(FINITE, 0, "cat")
    if prog in (cmds.get("finite") or []) or argv[0] in (cmds.get("finite") or []):
        return Verdict(FINITE, 0, prog)
    return Verdict(UNKNOWN)


def _classify_shell(rest: list[str], knowledge: dict[str, Any], stdin_open: bool) -> Verdict:
    seen_c = False
    script_at = None
    for i, a in enumerate(rest):
        if a == "--":
            script_at = i + 1 if seen_c else None
            break
        if a.startswith("-"):
            seen_c = seen_c or (not a.startswith("--") and "c" in a[1:])
            continue
        script_at = i if seen_c else None
        break
    if not seen_c:
        if any(not a.startswith("-") for a in rest):
            return Verdict(UNKNOWN)  # sh script.sh
        if stdin_open:
            return Verdict(FOREVER, reason="an interactive shell on an open stdin")
        return Verdict(FINITE, 0, "a shell with no script, which exits at once on an empty stdin")
    if script_at is None or script_at >= len(rest):
        return Verdict(UNKNOWN)
    return classify_script(rest[script_at], knowledge, stdin_open)


@lru_cache(maxsize=4)
def split_commands(script: str) -> list[list[str]] | None:
    """A shell script as simple commands (separators dropped); None when it cannot be tokenised.

    Memoised: several rules read the same script of the same object, and ``shlex`` costs about
    2 µs per character — a 1.5 MiB script once, not once per rule. The result is shared: callers
    must not modify it.
    """
    try:
        lex = shlex.shlex(script.replace("\r", ""), posix=True, punctuation_chars=";&|")
        lex.whitespace = " \t"
        lex.commenters = "#"
        lex.wordchars += "$(){}[]=:/.,-+*?%@~!^"
        tokens = list(lex)
    except ValueError:
        return None
    commands: list[list[str]] = []
    current: list[str] = []
    for tok in tokens:
        if tok in _SEPARATORS or (tok and set(tok) <= set(";&|")):
            if current:
                commands.append(current)
            current = []
            if tok == "&" and commands:
                commands[-1] = commands[-1] + ["&"]
        else:
            current.append(tok)
    if current:
        commands.append(current)
    return commands


def classify_script(script: str, knowledge: dict[str, Any], stdin_open: bool = False) -> Verdict:
    """Judge a ``sh -c`` script: finite only when every top-level command is known to end."""
    commands = split_commands(script)
    if commands is None:
        return Verdict(UNKNOWN)
    total = 0.0
    reasons: list[str] = []
    verdict_kind = FINITE
    background_forever = False
    background_seconds = 0.0  # the longest finite background job not yet waited for
    failing = False
    for cmd in commands:
        head = cmd[0]
        if head in ("while", "until"):
            cond = cmd[1:]
            infinite = (head == "while" and set(cond) in _INFINITE_CONDITIONS) or \
                       (head == "until" and cond in (["false"], ["/bin/false"])) or \
                       (head == "while" and cond[:1] == ["sleep"])
            if infinite:
                return Verdict(FOREVER, reason=f"{head} {' '.join(cond)} loop")
            return Verdict(UNKNOWN)
        if head in ("for", "if", "case", "select", "function") or head.startswith(("$", "`", "(", "{")):
            return Verdict(UNKNOWN)
        if head in ("do", "done", "then", "fi", "else", "esac"):
            continue
        if head == "wait":
            if background_forever:
                return Verdict(FOREVER, reason="wait on a process that never ends")
            total += background_seconds  # `sleep 1d & wait` lasts as long as its job
            background_seconds = 0.0
            continue
        backgrounded = cmd[-1] == "&"
        argv = cmd[:-1] if backgrounded else cmd
        assignments = 0  # FOO=bar cmd: counted, not sliced off one by one (n assignments, n steps)
        while assignments < len(argv) and _ASSIGNMENT.fullmatch(argv[assignments]):
            assignments += 1
        argv = argv[assignments:]
        if not argv:
            continue
        v = classify(argv, knowledge, stdin_open)
        if backgrounded:
            background_forever = background_forever or v.kind == FOREVER
            background_seconds = max(background_seconds, v.seconds)
            if v.kind == UNKNOWN:
                verdict_kind = UNKNOWN
            continue
        if v.kind == FOREVER:
            return v
        if v.kind == UNKNOWN:
            verdict_kind = UNKNOWN
            continue
        total += v.seconds
        reasons.append(v.reason)
        failing = v.failing  # the script's exit code is its last command's
        if argv[0] == "exit":
            break
    if verdict_kind == UNKNOWN:
        return Verdict(UNKNOWN)
    return Verdict(FINITE, total, "; ".join(reasons), failing=failing)
