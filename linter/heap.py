"""Heap and runtime memory settings a container passes to the JVM, Node.js or the Go runtime.

A container's memory limit is a hard cgroup limit: when the process touches more, the kernel
kills it (``OOMKilled``, exit code 137). Runtimes that size their heap from a flag do not look
at that limit, so ``-Xmx2g`` under ``memory: 1Gi`` is a crash waiting for the first busy hour.
This module finds those flags where the runtimes read them — ``JAVA_TOOL_OPTIONS``,
``JAVA_OPTS``-style variables that start scripts splice into the java command line,
``_JAVA_OPTIONS``, ``NODE_OPTIONS``, ``GOMEMLIMIT``, and the pod's ``command``/``args`` (shell
scripts included) — and resolves which one wins when several are set:

* JVM: ``JAVA_TOOL_OPTIONS`` < ``JDK_JAVA_OPTIONS`` < script variables < the command line <
  ``_JAVA_OPTIONS``; within one source the last flag wins. An explicit ``-Xmx`` overrides
  ``-XX:MaxRAMPercentage``.
* Node.js: ``NODE_OPTIONS`` < the command line.

Values that cannot be known statically (``valueFrom``, ``$(VAR)``, ``${HEAP}``) are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .workloads import Container, Pointer

_JVM_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_GO_UNITS = {"": 1, "B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
_JVM_SIZE_FLAGS = (
    ("max-heap", re.compile(r"-Xmx([0-9]+)([kKmMgGtT]?)")),
    ("max-heap", re.compile(r"-XX:MaxHeapSize=([0-9]+)([kKmMgGtT]?)")),
    ("initial-heap", re.compile(r"-Xms([0-9]+)([kKmMgGtT]?)")),
    ("initial-heap", re.compile(r"-XX:InitialHeapSize=([0-9]+)([kKmMgGtT]?)")),
)
# [0-9], never \d: the JVM, V8 and Go read ASCII digits only, and int() would take any Unicode digit.
_RAM_PERCENTAGE = re.compile(r"-XX:MaxRAMPercentage=([0-9]+(?:\.[0-9]*)?)")
_OLD_SPACE = re.compile(r"--max[-_]old[-_]space[-_]size(?:=([0-9]+))?")
_GOMEMLIMIT = re.compile(r"([0-9]+)(B|KiB|MiB|GiB|TiB)?")
_DIGITS = re.compile(r"[0-9]+")
# The largest size each runtime can hold: the JVM and V8 read sizes into 64-bit unsigned integers, Go's
# GOMEMLIMIT into an int64. Beyond that the runtime refuses the flag ("Invalid maximum heap size") and
# does not start, which is not a heap-versus-limit question: such flags are not settings here.
_MAX_JVM_BYTES = _MAX_NODE_BYTES = 2**64 - 1
_MAX_GO_BYTES = 2**63 - 1

# Precedence of the JVM's own variables around script variables (rank 2) and argv (rank 3).
JVM_TOOL_RANK = {"JAVA_TOOL_OPTIONS": 0, "JDK_JAVA_OPTIONS": 1, "_JAVA_OPTIONS": 4}
SCRIPT_RANK, ARGV_RANK = 2, 3


@dataclass(frozen=True)
class Setting:
    """One memory setting: ``kind`` is max-heap, initial-heap, ram-percentage, old-space or gomemlimit.

    ``value`` is bytes (a percentage for ram-percentage); ``rank``/``order`` decide which of
    several settings of one kind the runtime uses.
    """

    kind: str
    value: Decimal
    text: str
    source: str
    pointer: Pointer
    rank: int
    order: int


def _size(digits: str, unit: int, largest: int) -> Decimal | None:
    """``digits × unit`` bytes when the runtime can hold it, else None.

    The length check comes first so that a 4,400-digit flag is never handed to ``int()`` (whose
    4,300-digit limit raises) nor turned into a huge number: a flag value is not trusted input.
    """
    significant = digits.lstrip("0")
    if len(significant) > len(str(largest)):
        return None
    value = int(significant or "0") * unit
    return Decimal(value) if value <= largest else None


def _tokens(text: str) -> list[str]:
    return [t.strip("'\"") for t in text.split()]


def _scan(text: str, source: str, pointer: Pointer, rank: int, node_rank: int, start: int) -> list[Setting]:
    """Every heap flag in ``text`` (a flag string, an argv element or a shell script)."""
    out: list[Setting] = []
    toks = _tokens(text)
    for i, tok in enumerate(toks):
        order = start + i
        for kind, rx in _JVM_SIZE_FLAGS:
            m = rx.fullmatch(tok)
            size = _size(m.group(1), _JVM_UNITS[m.group(2).lower()], _MAX_JVM_BYTES) if m else None
            if size is not None:
                out.append(Setting(kind, size, tok, source, pointer, rank, order))
        m = _RAM_PERCENTAGE.fullmatch(tok)
        if m:
            out.append(Setting("ram-percentage", Decimal(m.group(1)), tok, source, pointer, rank, order))
        m = _OLD_SPACE.fullmatch(tok)
        if m:
            raw = m.group(1) or (toks[i + 1] if i + 1 < len(toks) and _DIGITS.fullmatch(toks[i + 1]) else None)
            size = _size(raw, 2**20, _MAX_NODE_BYTES) if raw else None
            if size is not None:
                shown = tok if m.group(1) else f"{tok} {raw}"
                out.append(Setting("old-space", size, shown, source, pointer, node_rank, order))
    return out


def _literal_env(c: Container) -> list[tuple[int, str, str]]:
    env = c.data.get("env")
    if not isinstance(env, list):
        return []
    return [(i, e["name"], e["value"]) for i, e in enumerate(env)
            if isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("value"), str)]


def settings_of(c: Container, script_vars: list[str], node_vars: list[str]) -> list[Setting]:
    """Every memory setting of ``c`` that can be read statically."""
    out: list[Setting] = []
    order = 0
    for i, name, value in _literal_env(c):
        where = c.at("env", i, "value")
        if name == "GOMEMLIMIT":
            m = _GOMEMLIMIT.fullmatch(value.strip())
            size = _size(m.group(1), _GO_UNITS[m.group(2) or ""], _MAX_GO_BYTES) if m else None
            if size is not None:
                out.append(Setting("gomemlimit", size, f"GOMEMLIMIT={value}", "env GOMEMLIMIT", where, 0, order))
        elif name in JVM_TOOL_RANK or name in script_vars or name in node_vars:
            rank = JVM_TOOL_RANK.get(name, SCRIPT_RANK)
            found = _scan(value, f"env {name}", where, rank, 0, order)
            out.extend(s for s in found if (s.kind == "old-space") == (name in node_vars))
        order += 1000
    for key in ("command", "args"):
        argv = c.str_list(key)
        for j, arg in enumerate(argv or []):
            out.extend(_scan(arg, key, c.at(key, j), ARGV_RANK, 1, order))
            order += 1000
    return out


def effective(settings: list[Setting], kind: str) -> Setting | None:
    """The setting of ``kind`` the runtime ends up using: highest precedence, then the last one."""
    candidates = [s for s in settings if s.kind == kind]
    return max(candidates, key=lambda s: (s.rank, s.order)) if candidates else None
