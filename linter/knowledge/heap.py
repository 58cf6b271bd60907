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

A flag counts only where something reads the variable that carries it (:func:`reading_of`,
``policies/heap.yaml``): the runtime's own variables always (unless the image's start script
unsets them, as Elasticsearch's does with ``JAVA_TOOL_OPTIONS``); a start-script variable
(``JAVA_OPTS``, ``CATALINA_OPTS`` ...) only for an image or start script known to read it, or
when the pod's command/args expand it (``java $JAVA_OPTS -jar app.jar``). ``JAVA_OPTS`` on an
``eclipse-temurin`` image running ``java -jar app.jar`` sizes nothing: the JVM never sees it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from crashlint.model.imageref import InvalidReference, matches, parse
from crashlint.model.record import Value
from crashlint.model.workloads import Container, Pointer

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

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


class Setting(Value):
    """One memory setting: ``kind`` is max-heap, initial-heap, ram-percentage, old-space or gomemlimit.

    ``value`` is bytes (a percentage for ram-percentage); ``rank``/``order`` decide which of
    several settings of one kind the runtime uses.
    """

    __slots__ = ("kind", "value", "text", "source", "pointer", "rank", "order")

    kind: Final[str]
    value: Final[Decimal]
    text: Final[str]
    source: Final[str]
    pointer: Final[Pointer]
    rank: Final[int]
    order: Final[int]

    def __init__(self, kind: str, value: Decimal, text: str, source: str, pointer: Pointer, rank: int,
                 order: int) -> None:
        self.kind = kind
        self.value = value
        self.text = text
        self.source = source
        self.pointer = pointer
        self.rank = rank
        self.order = order


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
    """Every memory setting of ``c`` that can be read statically: the JVM's own variables,
    ``script_vars``, ``node_vars``, ``GOMEMLIMIT`` and the command line."""
    names = set(JVM_TOOL_RANK) | set(script_vars) | set(node_vars) | {"GOMEMLIMIT"}
    return _env_settings(c, names, set(node_vars)) + _argv_settings(c)


def _env_settings(c: Container, names: set[str], node_vars: set[str]) -> list[Setting]:
    """Settings in the literal env values of the variables ``names`` (``order`` follows the env list)."""
    out: list[Setting] = []
    for i, name, value in _literal_env(c):
        order = i * 1000
        if name not in names:
            continue
        where = c.at("env", i, "value")
        if name == "GOMEMLIMIT":
            m = _GOMEMLIMIT.fullmatch(value.strip())
            size = _size(m.group(1), _GO_UNITS[m.group(2) or ""], _MAX_GO_BYTES) if m else None
            if size is not None:
                out.append(Setting("gomemlimit", size, f"GOMEMLIMIT={value}", "env GOMEMLIMIT", where, 0, order))
            continue
        rank = JVM_TOOL_RANK.get(name, SCRIPT_RANK)
        found = _scan(value, f"env {name}", where, rank, 0, order)
        out.extend(s for s in found if (s.kind == "old-space") == (name in node_vars))
    return out


def _argv_settings(c: Container) -> list[Setting]:
    """Settings on the command line (``command`` then ``args``), after every env setting in order."""
    out: list[Setting] = []
    env = c.data.get("env")
    order = (len(env) if isinstance(env, list) else 0) * 1000
    for key in ("command", "args"):
        for j, arg in enumerate(c.str_list(key) or []):
            out.extend(_scan(arg, key, c.at(key, j), ARGV_RANK, 1, order))
            order += 1000
    return out


def effective(settings: list[Setting], kind: str) -> Setting | None:
    """The setting of ``kind`` the runtime ends up using: highest precedence, then the last one."""
    candidates = [s for s in settings if s.kind == kind]
    return max(candidates, key=lambda s: (s.rank, s.order)) if candidates else None


# `$NAME`, `${NAME}` (a shell), `$(NAME)` (the kubelet's own expansion of command/args).
_EXPANSION = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[}:#%/-]|\(([A-Za-z_][A-Za-z0-9_]*)\)|([A-Za-z_][A-Za-z0-9_]*))")
# Where a shell starts a new command, and the words before a program that are not it.
_SEGMENT = re.compile(r"[;&|\n(){}`]+")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*")
_NOT_PROGRAMS = frozenset({"exec", "nohup", "env", "tini", "dumb-init", "time", "then", "do", "else", "elif", "if",
                           "while", "until", "!", "{"})


class Unread(Value):
    """The settings in one variable this container is not known to read, and why it is not."""

    __slots__ = ("variable", "settings", "why")

    variable: Final[str]
    settings: Final[list[Setting]]
    why: Final[str]

    def __init__(self, variable: str, settings: list[Setting], why: str) -> None:
        self.variable = variable
        self.settings = settings
        self.why = why


class Reading(Value):
    """A container's memory settings split into those its runtime reads and those it does not."""

    __slots__ = ("read", "unread")

    read: Final[list[Setting]]
    unread: Final[list[Unread]]

    def __init__(self, read: list[Setting] | None = None, unread: list[Unread] | None = None) -> None:
        self.read = [] if read is None else read
        self.unread = [] if unread is None else unread


# The mapping entries of each knowledge list, kept per list (held, so its id stays unique): callers
# cache by the identity of what this returns, so one knowledge list must give one list.
_ENTRIES: dict[int, tuple[list[Any], list[dict[str, Any]]]] = {}


def _entries(knowledge: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The mapping entries of ``heap.<key>`` (hostile types give none)."""
    heap = knowledge.get("heap")
    entries = heap.get(key) if isinstance(heap, dict) else None
    if not isinstance(entries, list):
        return []
    held = _ENTRIES.get(id(entries))
    if held is None or held[0] is not entries:
        if len(_ENTRIES) >= 64:
            _ENTRIES.clear()
        held = _ENTRIES[id(entries)] = (entries, [e for e in entries if isinstance(e, dict)])
    return held[1]


def _names(raw: Any) -> list[str]:
    return [n for n in raw if isinstance(n, str)] if isinstance(raw, list) else []


def _tag_matches(tag: str | None, patterns: list[str]) -> bool:
    """``8`` matches ``8``, ``8-jre``, ``8.0.412``; ``8u*`` is a prefix; no patterns match every tag."""
    if not patterns:
        return True
    if not tag:
        return False
    for pat in patterns:
        if pat.endswith("*"):
            if tag.startswith(pat[:-1]):
                return True
        elif tag == pat or tag.startswith(pat + "-") or tag.startswith(pat + "."):
            return True
    return False


def _first_program(words: list[str]) -> str | None:
    """The basename of the program a list of words starts, past wrappers, options and assignments."""
    for raw in words:
        word = raw.strip("'\"")
        base = word.rsplit("/", 1)[-1]
        if word and not word.startswith("-") and not _ASSIGNMENT.fullmatch(word) and base not in _NOT_PROGRAMS:
            return base
    return None


def _programs(texts: list[str]) -> set[str]:
    """Programs that command/args start: argv's own, and each command of a shell script in it
    (``sh -c 'cd /app && exec catalina.sh run'``: sh, cd, catalina.sh). A word elsewhere — a host
    name in ``nc -z elasticsearch 9200`` — is not a program."""
    out = {p for p in [_first_program(texts)] if p}
    for text in texts[1:]:
        for segment in _SEGMENT.split(text):
            program = _first_program(segment.split())
            if program:
                out.add(program)
    return out


# Readers naming an image, per readers list (held, so its id stays unique) and image string: the
# same images repeat across containers and objects, and matching costs a parse and a scan each.
_BY_IMAGE: dict[int, tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]] = {}
_BY_IMAGE_LISTS, _BY_IMAGE_IMAGES = 64, 4096


def _image_readers(image: str, readers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reader entries whose ``images`` (and ``tags``) name ``image``."""
    held = _BY_IMAGE.get(id(readers))
    if held is None or held[0] is not readers:
        if len(_BY_IMAGE) >= _BY_IMAGE_LISTS:
            _BY_IMAGE.clear()
        held = _BY_IMAGE[id(readers)] = (readers, {})
    cache = held[1]
    found = cache.get(image)
    if found is None:
        try:
            ref = parse(image)
        except InvalidReference:
            ref = None
        found = [] if ref is None else [
            e for e in readers
            if matches(ref, _names(e.get("images"))) is not None and _tag_matches(ref.tag, _names(e.get("tags")))]
        if len(cache) >= _BY_IMAGE_IMAGES:
            cache.clear()
        cache[image] = found
    return found


def _readers_in_force(c: Container, readers: list[dict[str, Any]], texts: list[str]) -> list[dict[str, Any]]:
    """Reader entries that apply to ``c``: its image (when its entrypoint runs) or a script it starts."""
    own_entrypoint = c.data.get("command") is None
    out = [e for e in (_image_readers(c.image, readers) if c.image else [])
           if own_entrypoint or e.get("whatever_command") is True]
    programs = _programs(texts) if texts else set()
    if programs:
        out += [e for e in readers if e not in out and any(cmd in programs for cmd in _names(e.get("commands")))]
    return out


def _expanded(texts: list[str]) -> set[str]:
    return {next(g for g in m.groups() if g) for t in texts for m in _EXPANSION.finditer(t)}


class _Index(Value):
    """What ``reading_of`` needs from the heap knowledge, built once per knowledge (not per container)."""

    __slots__ = ("runtime", "readers", "known", "node_vars")

    runtime: Final[dict[str, dict[str, Any]]]
    readers: Final[list[dict[str, Any]]]
    known: Final[dict[str, list[str]]]  # variable -> the readers known to read it (conventions: none)
    node_vars: Final[frozenset[str]]

    def __init__(self, runtime: dict[str, dict[str, Any]], readers: list[dict[str, Any]], known: dict[str, list[str]],
                 node_vars: frozenset[str]) -> None:
        self.runtime = runtime
        self.readers = readers
        self.known = known
        self.node_vars = node_vars


_INDEX: dict[int, tuple[Any, _Index]] = {}


def _index(knowledge: dict[str, Any]) -> _Index:
    heap = knowledge.get("heap")
    held = _INDEX.get(id(heap))
    if held is not None and held[0] is heap:
        return held[1]
    runtime = {e["name"]: e for e in _entries(knowledge, "runtime_variables") if isinstance(e.get("name"), str)}
    readers = _entries(knowledge, "readers")
    conventions = heap.get("conventions") if isinstance(heap, dict) else None
    known: dict[str, list[str]] = {n: [] for n in _names(conventions.get("names") if isinstance(conventions, dict)
                                                         else None)}
    for r in readers:
        for n in _names(r.get("reads")):
            known.setdefault(n, []).append(str(r.get("name") or "?"))
    index = _Index(runtime, readers, known, frozenset(n for n, e in runtime.items() if e.get("runtime") == "node"))
    if len(_INDEX) >= 64:
        _INDEX.clear()
    _INDEX[id(heap)] = (heap, index)
    return index


def reading_of(c: Container, knowledge: dict[str, Any]) -> Reading:
    """``c``'s memory settings, split by whether its runtime reads the variable carrying them.

    Linear in the container's env, argv and the knowledge lists: each is walked once.
    """
    ix = _index(knowledge)
    texts = (c.str_list("command") or []) + (c.str_list("args") or [])
    in_force = _readers_in_force(c, ix.readers, texts)
    read_vars = {n for r in in_force for n in _names(r.get("reads"))} | (_expanded(texts) if texts else set())
    ignored = {n: r for r in in_force for n in _names(r.get("ignores"))}
    node_vars = set(ix.node_vars)
    read_names = {n for n in ix.runtime if n not in ignored} | {n for n in read_vars if n not in ignored}
    read = _env_settings(c, read_names, node_vars) + _argv_settings(c)
    # Only the variables this container sets can be unread here: the knowledge may name many more.
    known_here = {n: ix.known[n] for _, n, _ in _literal_env(c) if n in ix.known}
    whys = _unread_variables(ix.runtime, ignored, known_here, read_vars)
    by_name: dict[str, list[Setting]] = {}
    for s in _env_settings(c, set(whys), node_vars):
        by_name.setdefault(s.source.removeprefix("env "), []).append(s)
    return Reading(read, [Unread(name, found, whys[name]) for name, found in by_name.items()])


def _unread_variables(runtime: dict[str, dict[str, Any]], ignored: dict[str, dict[str, Any]],
                      known: dict[str, list[str]], read_vars: set[str]) -> dict[str, str]:
    """Variables that could carry heap flags but are not read here, each with a clause saying why
    (to follow the variable's name in a message)."""
    out: dict[str, str] = {}
    for name, reader in ignored.items():
        if name in runtime or name in known:
            why = reader.get("ignores_why")
            out[name] = f"is ignored here ({why})" if isinstance(why, str) and why else \
                f"is ignored by {reader.get('name', 'the start script')}"
    for name, readers in known.items():
        if name not in read_vars and name not in runtime and name not in out:
            by = f"only by {', '.join(readers)}, or" if readers else "by no runtime itself, only"
            out[name] = (f"is read {by} by a command that expands it (`java ${name} ...`), and this "
                         f"container is not known to read it")
    return out
