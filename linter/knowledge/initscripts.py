"""What an init container runs, read as argv and shell script.

Init containers must end for the pod to start; the two init rules ask how a container's
process can end (a ``break``/``exit`` in a ``while true`` loop) and what it waits for (the
``nc -z db 5432`` of an ``until`` loop). Both read the same argv and ``sh -c`` script here.
"""

from __future__ import annotations

from crashlint.knowledge.commands import shell_script, split_commands
from crashlint.model.record import Value
from crashlint.model.workloads import Container

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

# Shell words that open or continue a compound command; the simple command follows them.
_KEYWORDS = {"until", "while", "!", "do", "then", "if", "elif", "else", "{", "}"}
_EXITS = {"break", "exit", "return"}


class Program(Value):
    """A container's argv and, when it runs ``sh -c SCRIPT``, the script's simple commands."""

    __slots__ = ("argv", "script", "commands", "loops", "where")

    argv: Final[list[str]]
    script: Final[str | None]
    commands: Final[list[list[str]] | None]  # simple commands of the script, keywords stripped
    loops: Final[bool]  # the script has a while/until loop
    where: Final[tuple[str | int, ...]]  # the script's element (or the command), container-relative

    def __init__(self, argv: list[str], script: str | None, commands: list[list[str]] | None, loops: bool = False,
                 where: tuple[str | int, ...] = ("command",)) -> None:
        self.argv = argv
        self.script = script
        self.commands = commands
        self.loops = loops
        self.where = where

    @property
    def can_leave_loop(self) -> bool:
        """A ``break``/``exit`` anywhere: a ``while true`` loop may end after all."""
        return any(cmd and cmd[0] in _EXITS for cmd in self.commands or [])


def program_of(c: Container, knowledge: dict[str, Any]) -> Program | None:
    """The container's argv from its own ``command``/``args`` (images' defaults are unknown here).

    The script is found by :func:`commands.shell_script`, as every rule finds it (``sh -c --``,
    ``bash -ec``, ``exec sh -c`` ...).
    """
    command, args = c.str_list("command"), c.str_list("args")
    if not command:
        return None
    argv = command + (args or [])
    found = shell_script(argv, knowledge)
    at, script = found if found is not None else (None, None)
    where: tuple[str | int, ...] = ("command",)
    if at is not None:
        where = ("command", at) if at < len(command) else ("args", at - len(command))
    commands, loops = None, False
    if script is not None:
        raw = split_commands(script)
        if raw is not None:
            commands = [strip_keywords(cmd) for cmd in raw]
            loops = any(cmd and cmd[0] in ("while", "until") for cmd in raw)
    return Program(argv, script, commands, loops, where)


def strip_keywords(cmd: list[str]) -> list[str]:
    """``until nc -z db 5432`` -> ``nc -z db 5432``; ``do timeout 2 nc ...`` -> ``nc ...``."""
    start = 0  # an index, not repeated slicing: `until until ... until` n times costs n steps
    while start < len(cmd) and cmd[start] in _KEYWORDS:
        start += 1
    if start < len(cmd) and cmd[start] == "timeout":  # per-attempt timeout: look at what it runs
        start += 1
        while start < len(cmd) and (cmd[start].startswith("-") or cmd[start][:1].isdigit()):
            start += 1
    return cmd[start:]
