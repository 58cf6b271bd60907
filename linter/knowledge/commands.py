"""What a container will execute, whether it ends by itself, and with which exit code.

Questions several rules ask: *what argv does the kubelet start* (a pod's ``command``
replaces the image ENTRYPOINT, ``args`` replace its CMD), *does that process end on its
own* (``echo hi``: yes, at once; ``sleep 30``: yes, after 30 s; ``sleep infinity``: no;
``./server``: unknown) and *with which code* (``exit 3``: 3; ``false``: 1; ``grep x f``:
unknown). Unknown is the answer whenever there is doubt — rules only flag the confident cases.

``sh -c`` scripts are read by one quote-aware reader, :func:`shell_tokens`, as the POSIX
shell (and bash) split them: quotes, backslashes, ``$(...)``/backquotes, ``$((...))``,
comments, line continuations, redirections (``2>&1`` is one) and here-documents (their
bodies are data, never commands). Every other reader of scripts — :func:`split_commands`
for the init-container rules, :func:`parse_script` for exit codes — is built on it.
``shlex`` was not enough: it cuts ``2>&1`` in three, reads here-document bodies as commands,
splits ``$(cat f; echo)`` at its ``;`` and lets a comment swallow the next line.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from crashlint.knowledge.listmemo import ListMemo
from crashlint.model.imageref import ImageRef, InvalidReference, matches, parse
from crashlint.model.record import Record, Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

FINITE, FOREVER, UNKNOWN = "finite", "forever", "unknown"

_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)([smhd]?)")  # ASCII: float() would also read "٣٠"
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)
_EXIT_CODE = re.compile(r"[0-9]{1,9}")  # longer numbers overflow differently in dash and bash
_INFINITE_CONDITIONS = ({"true"}, {":"}, {"[", "1", "]"}, {"[", "true", "]"}, {"/bin/true"})
_FALSE = {"false", "/bin/false", "/usr/bin/false"}
_TRUE = {"true", ":", "/bin/true", "/usr/bin/true"}
_MAX_NESTING = 48  # compound commands inside each other, and shells inside shells
_SUBSTITUTION = re.compile(r"\$\((?!\()|`")  # $(cmd) or `cmd`, not $((arithmetic))
_MAX_KNOWN = 64  # functions and integer variables the reader keeps track of


def display(argv: Iterable[str], limit: int = 0) -> str:
    """argv as a shell would read it back (``sh -c 'nginx -g '"'"'daemon off;'"'"''``).

    One line: a line break inside an argument is shown as ``\\n`` (a multi-line script stays
    readable, and a comment never seems to swallow the next line); cut to ``limit`` characters
    (0: no cut) with ``...``. Used for every argv a message shows, so a quoted argument is never
    shown cut in two.
    """
    shown = shlex.join(str(a).strip("\n") for a in argv)
    shown = re.sub(r"[ \t]*\n\s*", r"\\n", shown.strip())
    if limit and len(shown) > limit:
        shown = shown[: limit - 3] + "..."
    return shown


class Verdict(Value):
    """``kind`` is finite/forever/unknown; ``seconds`` a lower bound of a finite run's length.

    ``exit_code`` is the code a finite run certainly ends with (None: not known).
    """

    __slots__ = ("kind", "seconds", "reason", "exit_code")

    kind: Final[str]
    seconds: Final[float]
    reason: Final[str]
    exit_code: Final[int | None]

    def __init__(self, kind: str, seconds: float = 0.0, reason: str = "", exit_code: int | None = None) -> None:
        self.kind = kind
        self.seconds = seconds
        self.reason = reason
        self.exit_code = exit_code

    @property
    def failing(self) -> bool:
        """A finite run that certainly ends with a non-zero exit code (``false``, ``exit 3``)."""
        return self.kind == FINITE and self.exit_code is not None and self.exit_code != 0


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


# Per knowledge list, the entries naming each repository (tags differ far more often than
# repositories, and only ``unless_tag`` reads the tag).
_NAMING: ListMemo[tuple[dict[str, Any], ...]] = ListMemo()


def entry_for(ref: ImageRef, entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first entry whose ``match`` names the image, unless its tag has an ``unless_tag`` part
    (``php:8.3-fpm`` runs php-fpm, not the ``php -a`` of the cli tags)."""
    naming = _NAMING.get(entries, (ref.domain, ref.repository, ref.path), lambda: tuple(
        e for e in entries if isinstance(e, dict) and matches(ref, _patterns(e.get("match")))))
    for entry in naming:
        unless = entry.get("unless_tag")
        if ref.tag and isinstance(unless, list) and any(isinstance(u, str) and u in ref.tag for u in unless):
            continue
        return entry
    return None


def _patterns(match: Any) -> list[Any]:
    """An entry's ``match`` as a list (a lone string is one pattern, never its letters)."""
    if isinstance(match, list):
        return match
    return [match] if isinstance(match, str) else []


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


# --------------------------------------------------------------------------- tokens

class Word(str):
    """A shell word after quote removal.

    ``literal``: no parameter expansion, command substitution, glob or brace expansion can
    change it when the shell runs (``exit 3`` and ``exit "3"`` yes, ``exit $CODE`` no).
    ``quoted``: part of it was quoted or escaped, so it is never a reserved word (``"if"``).
    """

    literal: bool
    quoted: bool

    def __new__(cls, text: str, literal: bool = True, quoted: bool = False) -> Word:
        w = super().__new__(cls, text)
        w.literal = literal
        w.quoted = quoted
        return w


class Op(str):
    """An unquoted operator: a separator (``;`` ``&`` ``&&`` ``||`` ``|`` newline), ``(``/``)``,
    or a redirection (``>``, ``>>``, ``>&`` of ``2>&1``, ``<<`` ...); the fd number is dropped."""


Token = Word | Op


# Longest first: the reader takes the longest operator that starts at a position.
_OPERATORS = ("&>>", "<<<", "<<-", "&&", "||", ";;", "|&", "&>", ">>", ">&", ">|", "<<", "<&", "<>",
              ";", "&", "|", "(", ")", "<", ">", "\n")
_OPS_BY_CHAR = {c: [o for o in _OPERATORS if o[0] == c] for c in ";&|()<>\n"}
REDIRECTIONS = frozenset({"<", ">", ">>", ">&", "<&", "<>", ">|", "&>", "&>>", "<<", "<<-", "<<<"})
_OP_START = frozenset(";&|()<>\n")
_SPECIAL_PARAMS = frozenset("_@*#?$!-0123456789")
_PLAIN_WORD = re.compile(r"[ \t]*([^ \t\\'\"$`#()<>;&|\n*?\[~{]+)(?=[ \t;&|()\n]|\Z)")
_PLAIN = re.compile(r"[^ \t\\'\"$`#()<>;&|\n*?\[~{]+")  # characters with no meaning to the shell here


def _closing(s: str, j: int, stack: list[str]) -> int:
    """Index just past the construct whose closers are ``stack`` (innermost last); -1 if unterminated.

    Walks ``$(...)``, ``${...}``, ``$((...))``, backquotes and double quotes nested in any order
    with an explicit stack: one step per character, whatever the nesting.
    """
    n = len(s)
    while j < n:
        c = s[j]
        top = stack[-1]
        if c == "\\":
            j += 2
            continue
        if c == top:
            stack.pop()
            j += 1
            if not stack:
                return j
            continue
        if top in ('"', "`"):
            if c == "$" and j + 1 < n and s[j + 1] in "({":
                stack.append(")" if s[j + 1] == "(" else "}")
                j += 2
                continue
            if c == "`" and top == '"':
                stack.append("`")
            j += 1
            continue
        if c == "'" and top == ")":
            k = s.find("'", j + 1)
            if k < 0:
                return -1
            j = k + 1
            continue
        if c in "\"`":
            stack.append(c)
        elif c == "$" and j + 1 < n and s[j + 1] in "({":
            stack.append(")" if s[j + 1] == "(" else "}")
            j += 1
        elif c == "(" and top == ")" or c == "{" and top == "}":
            stack.append(top)
        j += 1
    return -1


@lru_cache(maxsize=8)
def shell_tokens(script: str) -> tuple[Token, ...] | None:
    """A script as the shell splits it: :class:`Word` and :class:`Op` tokens; None if unterminated.

    Memoised (the rules of one object read the same script; the result is shared: do not
    modify it). Linear in the script: every character is looked at a bounded number of times.
    """
    s = script.replace("\r", "")
    n = len(s)
    out: list[Token] = []
    buf: list[str] = []
    in_word = quoted = brace = False
    literal = True
    heredoc_next = ""  # "<<" or "<<-" when the next word is a here-document's delimiter
    heredocs: list[tuple[str, bool]] = []  # (delimiter, strip leading tabs), bodies start at the next newline

    def flush() -> None:
        nonlocal in_word, literal, quoted, brace, heredoc_next
        if in_word:
            text = "".join(buf)
            out.append(Word(text, literal and not (brace and len(text) > 1), quoted))
            if heredoc_next:
                heredocs.append((text, heredoc_next == "<<-"))
                heredoc_next = ""
        buf.clear()
        in_word, literal, quoted, brace = False, True, False, False

    i = 0
    while i < n:
        if not in_word and not heredoc_next and (m := _PLAIN_WORD.match(s, i)):
            out.append(Word(m.group(1)))  # the common case, a whole unquoted plain word, in one step
            i = m.end()
            continue
        ch = s[i]
        if ch in " \t":
            if in_word:
                flush()
            while i < n and s[i] in " \t":  # the whole run: the fast path is not retried inside it
                i += 1
        elif ch == "\\":
            if i + 1 < n and s[i + 1] == "\n":
                i += 2  # a line continuation
                continue
            buf.append(s[i + 1] if i + 1 < n else "\\")
            in_word = quoted = True
            i += 2
        elif ch == "'":
            j = s.find("'", i + 1)
            if j < 0:
                return None
            buf.append(s[i + 1:j])
            in_word = quoted = True
            i = j + 1
        elif ch == '"':
            j = i + 1
            while j < n and s[j] != '"':
                c = s[j]
                if c == "\\" and j + 1 < n:
                    if s[j + 1] in '$`"\\':
                        buf.append(s[j + 1])
                    elif s[j + 1] != "\n":
                        buf.append(s[j:j + 2])
                    j += 2
                    continue
                if (c == "$" and j + 1 < n and s[j + 1] in "({") or c == "`":
                    end = _closing(s, j + 2 if c == "$" else j + 1, [")" if c == "$" and s[j + 1] == "(" else
                                                                     "}" if c == "$" else "`"])
                    if end < 0:
                        return None
                    buf.append(s[j:end])
                    literal = False
                    j = end
                    continue
                if c == "$" and j + 1 < n and (s[j + 1].isalpha() or s[j + 1] in _SPECIAL_PARAMS):
                    literal = False
                buf.append(c)
                j += 1
            if j >= n:
                return None
            in_word = quoted = True
            i = j + 1
        elif (ch == "$" and i + 1 < n and s[i + 1] in "({") or ch == "`":
            end = _closing(s, i + 2 if ch == "$" else i + 1,
                           [")" if ch == "$" and s[i + 1] == "(" else "}" if ch == "$" else "`"])
            if end < 0:
                return None
            buf.append(s[i:end])
            literal, in_word = False, True
            i = end
        elif ch == "#" and not in_word:
            j = s.find("\n", i)
            i = n if j < 0 else j  # the newline itself still ends the command
        elif ch == "(" and not in_word and s.startswith("((", i):
            end = _closing(s, i + 2, [")", ")"])  # an arithmetic command: one opaque word
            if end < 0:
                return None
            flush()
            out.append(Word(s[i:end], literal=False))
            i = end
        elif ch in _OP_START:
            if ch in "<>" and in_word and not quoted and literal and buf and "".join(buf).isdigit():
                buf.clear()  # the fd number of `2>&1`: part of the redirection
                in_word = False
            flush()
            op = next(o for o in _OPS_BY_CHAR[ch] if s.startswith(o, i))
            if heredoc_next:
                return None  # `<<` with no delimiter word
            out.append(Op(op))
            i += len(op)
            if op in ("<<", "<<-"):
                heredoc_next = op
            elif op == "\n" and heredocs:
                for delimiter, strip in heredocs:  # skip the bodies: data, never commands
                    while i < n:
                        j = s.find("\n", i)
                        line = s[i:j if j >= 0 else n]
                        i = n if j < 0 else j + 1
                        if (line.lstrip("\t") if strip else line) == delimiter:
                            break
                heredocs.clear()
        elif m := _PLAIN.match(s, i):  # a run of ordinary characters in one step
            buf.append(m.group())
            in_word = True
            i = m.end()
        else:
            if ch in "*?[" or (ch == "~" and not in_word) or (ch == "$" and i + 1 < n and (
                    s[i + 1].isalpha() or s[i + 1] in _SPECIAL_PARAMS)):
                literal = False
            elif ch == "{":
                brace = True
            buf.append(ch)
            in_word = True
            i += 1
    flush()
    if heredoc_next:
        return None
    return tuple(out)


_RESERVED = frozenset({"{", "}", "if", "then", "elif", "else", "fi", "while", "until", "do", "done", "for", "in",
                       "case", "esac", "[[", "function", "!"})


@lru_cache(maxsize=4)
def split_commands(script: str) -> list[list[str]] | None:
    """A shell script as simple commands (separators and redirections dropped); None when unreadable.

    Reserved words stay at the head of the command they open (``until nc -z db 5432``,
    ``do sleep 2``); a backgrounded command ends with ``"&"``. Memoised and shared: callers
    must not modify the result.
    """
    tokens = shell_tokens(script)
    if tokens is None:
        return None
    commands: list[list[str]] = []
    current: list[str] = []
    skip_target = False
    for tok in tokens:
        if skip_target:
            skip_target = False
            continue
        if isinstance(tok, Op):
            if tok in REDIRECTIONS:
                skip_target = True
                continue
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


def split_words(line: str) -> list[str] | None:
    """``"python app.py --name 'my app'"`` as one command's argv, when that is certain.

    None unless the line is a single simple command of literal words (no operator,
    redirection, expansion or glob): only then does the split argv run what a shell would.
    """
    tokens = shell_tokens(line)
    if not tokens or any(isinstance(t, Op) or not t.literal for t in tokens):
        return None
    return [str(t) for t in tokens]


# --------------------------------------------------------------------------- syntax tree

class Simple(Record):
    __slots__ = ("words", "redirects")

    words: tuple[str, ...]  # assignments included, redirections not
    redirects: tuple[tuple[str, str], ...]

    def __init__(self, words: tuple[str, ...], redirects: tuple[tuple[str, str], ...] = ()) -> None:
        self.words = words
        self.redirects = redirects


class Group(Record):
    __slots__ = ("body", "subshell")

    body: tuple[Item, ...]
    subshell: bool  # ( ... ) runs in a subshell: its `exit` ends only the subshell

    def __init__(self, body: tuple[Item, ...], subshell: bool) -> None:
        self.body = body
        self.subshell = subshell


class If(Record):
    __slots__ = ("clauses", "otherwise")

    clauses: tuple[tuple[tuple[Item, ...], tuple[Item, ...]], ...]  # (condition, body)
    otherwise: tuple[Item, ...] | None

    def __init__(self, clauses: tuple[tuple[tuple[Item, ...], tuple[Item, ...]], ...],
                 otherwise: tuple[Item, ...] | None) -> None:
        self.clauses = clauses
        self.otherwise = otherwise


class Loop(Record):
    __slots__ = ("until", "condition", "body")

    until: bool
    condition: tuple[Item, ...]
    body: tuple[Item, ...]

    def __init__(self, until: bool, condition: tuple[Item, ...], body: tuple[Item, ...]) -> None:
        self.until = until
        self.condition = condition
        self.body = body


class For(Record):
    __slots__ = ("name", "items", "body")

    name: str
    items: tuple[str, ...] | None  # None: `for x` / `for ((...))`, an unknown number of rounds
    body: tuple[Item, ...]

    def __init__(self, name: str, items: tuple[str, ...] | None, body: tuple[Item, ...]) -> None:
        self.name = name
        self.items = items
        self.body = body


class Opaque(Record):
    __slots__ = ("kind",)

    kind: str  # case, arith (( ... )), test [[ ... ]]: finite, status unknown (case: unknown)

    def __init__(self, kind: str) -> None:
        self.kind = kind


class FunctionDef(Record):
    __slots__ = ("name",)

    name: str

    def __init__(self, name: str) -> None:
        self.name = name


Node = Simple | Group | If | Loop | For | Opaque | FunctionDef


class Pipeline(Record):
    __slots__ = ("negated", "commands")

    negated: bool
    commands: tuple[Node, ...]

    def __init__(self, negated: bool, commands: tuple[Node, ...]) -> None:
        self.negated = negated
        self.commands = commands


class Item(Record):
    """An and-or list (``a && b || c``) and whether it runs in the background (``&``)."""

    __slots__ = ("first", "rest", "background")

    first: Pipeline
    rest: tuple[tuple[str, Pipeline], ...]
    background: bool

    def __init__(self, first: Pipeline, rest: tuple[tuple[str, Pipeline], ...], background: bool) -> None:
        self.first = first
        self.rest = rest
        self.background = background


class _Syntax(Exception):
    """Not a script this reader understands (or not valid shell): judged unknown."""


class _Parser:
    """A recursive-descent reader of the POSIX grammar's commands, nesting bounded."""

    def __init__(self, tokens: tuple[Token, ...]) -> None:
        self.toks = tokens
        self.i = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.toks[j] if j < len(self.toks) else None

    @staticmethod
    def reserved(tok: str | None, names: Iterable[str]) -> bool:
        return isinstance(tok, Word) and not tok.quoted and tok in names

    @staticmethod
    def op(tok: str | None, *ops: str) -> bool:
        return isinstance(tok, Op) and tok in ops

    def skip_newlines(self) -> None:
        while self.op(self.peek(), "\n"):
            self.i += 1

    def expect(self, name: str) -> None:
        tok = self.peek()
        if not (self.reserved(tok, (name,)) or (name == ")" and self.op(tok, ")"))):
            raise _Syntax(name)
        self.i += 1

    def script(self) -> tuple[Item, ...]:
        items = self.list_(frozenset())
        if self.i < len(self.toks):
            raise _Syntax("trailing tokens")
        return items

    def list_(self, until: frozenset[str]) -> tuple[Item, ...]:
        items: list[Item] = []
        while True:
            self.skip_newlines()
            tok = self.peek()
            if tok is None or self.reserved(tok, until) or (isinstance(tok, Op) and tok in until):
                return tuple(items)
            first, rest = self.and_or()
            tok = self.peek()
            background = self.op(tok, "&")
            if background or self.op(tok, ";", "\n"):
                self.i += 1
            elif tok is not None and not (isinstance(tok, Op) and tok in until):
                raise _Syntax(str(tok))
            items.append(Item(first, rest, background))

    def and_or(self) -> tuple[Pipeline, tuple[tuple[str, Pipeline], ...]]:
        first = self.pipeline()
        rest: list[tuple[str, Pipeline]] = []
        while self.op(self.peek(), "&&", "||"):
            op = str(self.peek())
            self.i += 1
            self.skip_newlines()
            rest.append((op, self.pipeline()))
        return first, tuple(rest)

    def pipeline(self) -> Pipeline:
        negated = self.reserved(self.peek(), ("!",))
        if negated:
            self.i += 1
        commands = [self.command()]
        while self.op(self.peek(), "|", "|&"):
            self.i += 1
            self.skip_newlines()
            commands.append(self.command())
        return Pipeline(negated, tuple(commands))

    def command(self) -> Node:
        self.depth += 1
        if self.depth > _MAX_NESTING:
            raise _Syntax("nesting")
        try:
            node = self._command()
            while isinstance(t := self.peek(), Op) and t in REDIRECTIONS:  # `done > log`, `} 2>&1`
                self.i += 1
                if not isinstance(self.peek(), Word):
                    raise _Syntax("redirection target")
                self.i += 1
            return node
        finally:
            self.depth -= 1

    def _command(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise _Syntax("end of script")
        if isinstance(tok, Op):
            if tok == "(":
                self.i += 1
                body = self.list_(frozenset({")"}))
                self.expect(")")
                return Group(body, subshell=True)
            if tok not in REDIRECTIONS:
                raise _Syntax(str(tok))
        elif not tok.quoted and (tok in _RESERVED or tok.startswith("((")):
            return self._compound(tok)
        return self._simple()

    def _compound(self, tok: str) -> Node:
        if tok == "{":
            self.i += 1
            body = self.list_(frozenset({"}"}))
            self.expect("}")
            return Group(body, subshell=False)
        if self.reserved(tok, ("if",)):
            return self._if()
        if self.reserved(tok, ("while", "until")):
            self.i += 1
            condition = self.list_(frozenset({"do"}))
            self.expect("do")
            body = self.list_(frozenset({"done"}))
            self.expect("done")
            return Loop(tok == "until", condition, body)
        if self.reserved(tok, ("for",)):
            return self._for()
        if self.reserved(tok, ("case", "[[")):
            closer = "esac" if tok == "case" else "]]"
            depth = 0
            while (t := self.peek()) is not None:
                self.i += 1
                if self.reserved(t, (tok,)):
                    depth += 1
                elif self.reserved(t, (closer,)):
                    depth -= 1
                    if depth == 0:
                        return Opaque("case" if tok == "case" else "test")
            raise _Syntax(closer)
        if self.reserved(tok, ("function",)):
            self.i += 1
            name = self.peek()
            if not isinstance(name, Word):
                raise _Syntax("function name")
            self.i += 1
            if self.op(self.peek(), "(") and self.op(self.peek(1), ")"):
                self.i += 2
            self.skip_newlines()
            self.command()
            return FunctionDef(str(name))
        if tok.startswith("(("):
            self.i += 1
            return Opaque("arith")
        raise _Syntax(str(tok))  # then, do, done, fi, else, elif, esac, }, in, ! out of place

    def _simple(self) -> Node:
        toks, i, end = self.toks, self.i, len(self.toks)
        words: list[str] = []
        redirects: list[tuple[str, str]] = []
        while i < end:
            t = toks[i]
            if not isinstance(t, Op):
                words.append(t)
                i += 1
            elif t in REDIRECTIONS:
                if i + 1 >= end or isinstance(toks[i + 1], Op):
                    raise _Syntax("redirection target")
                redirects.append((str(t), toks[i + 1]))
                i += 2
            else:
                break
        self.i = i
        if len(words) == 1 and not redirects and self.op(self.peek(), "(") and self.op(self.peek(1), ")"):
            self.i += 2  # name() compound-command
            self.skip_newlines()
            self.command()
            return FunctionDef(str(words[0]))
        return Simple(tuple(words), tuple(redirects))

    def _if(self) -> If:
        self.i += 1
        clauses = []
        while True:
            condition = self.list_(frozenset({"then"}))
            self.expect("then")
            body = self.list_(frozenset({"elif", "else", "fi"}))
            clauses.append((condition, body))
            if not self.reserved(self.peek(), ("elif",)):
                break
            self.i += 1
        otherwise = None
        if self.reserved(self.peek(), ("else",)):
            self.i += 1
            otherwise = self.list_(frozenset({"fi"}))
        self.expect("fi")
        return If(tuple(clauses), otherwise)

    def _for(self) -> For:
        self.i += 1
        name = self.peek()
        if not isinstance(name, Word):
            raise _Syntax("for name")
        self.i += 1
        items: tuple[str, ...] | None = None
        self.skip_newlines()
        if self.reserved(self.peek(), ("in",)):
            self.i += 1
            collected = []
            while isinstance(t := self.peek(), Word):
                collected.append(t)
                self.i += 1
            items = tuple(collected)
            if not self.op(self.peek(), ";", "\n"):
                raise _Syntax("for list")
            self.i += 1
        elif self.op(self.peek(), ";"):
            self.i += 1
        self.skip_newlines()
        self.expect("do")
        body = self.list_(frozenset({"done"}))
        self.expect("done")
        return For(str(name), None if name.startswith("((") else items, body)


@lru_cache(maxsize=4)
def parse_script(script: str) -> tuple[Item, ...] | None:
    """The script's syntax tree (lists, pipelines, compound commands); None when unreadable."""
    tokens = shell_tokens(script)
    if tokens is None:
        return None
    try:
        return _Parser(tokens).script()
    except _Syntax:
        return None


# --------------------------------------------------------------------------- what a script does

class _State(Record):
    """The shell's state as the script runs: options, definitions, background jobs, integer variables."""

    __slots__ = ("errexit", "pipefail", "unsure", "in_condition", "stdin_open", "status", "functions",
                 "too_many_functions", "numbers", "bg_forever", "bg_unknown", "bg_seconds")

    errexit: bool
    pipefail: bool
    unsure: bool  # a trap, alias or sourced file may change what runs or the exit code
    in_condition: int  # inside an if/while condition, where `set -e` does not apply
    stdin_open: bool
    status: int | None  # $?
    # Both bounded (_MAX_KNOWN), so that a copy for a subshell or a branch costs O(1): past the
    # bound, every function call is unknown and counters are forgotten.
    functions: set[str]
    too_many_functions: bool
    numbers: dict[str, int]  # i=0: literal integer assignments
    bg_forever: bool
    bg_unknown: bool
    bg_seconds: float

    def __init__(self, errexit: bool = False, pipefail: bool = False, unsure: bool = False, in_condition: int = 0,
                 stdin_open: bool = False, status: int | None = 0, too_many_functions: bool = False,
                 bg_forever: bool = False, bg_unknown: bool = False, bg_seconds: float = 0.0) -> None:
        self.errexit = errexit
        self.pipefail = pipefail
        self.unsure = unsure
        self.in_condition = in_condition
        self.stdin_open = stdin_open
        self.status = status
        self.functions = set()
        self.too_many_functions = too_many_functions
        self.numbers = {}
        self.bg_forever = bg_forever
        self.bg_unknown = bg_unknown
        self.bg_seconds = bg_seconds

    def copy(self) -> _State:
        return self.replace(functions=set(self.functions), numbers=dict(self.numbers))

    def define(self, name: str) -> None:
        if len(self.functions) < _MAX_KNOWN:
            self.functions.add(name)
        else:
            self.too_many_functions = True

    def assign(self, name: str, value: int | None) -> None:
        self.numbers.pop(name, None)
        if value is not None and len(self.numbers) < _MAX_KNOWN:
            self.numbers[name] = value


class _Run(Record):
    """What running a piece of script did: its kind, length, status, and whether the shell ended."""

    __slots__ = ("kind", "seconds", "status", "exited", "maybe_exited", "breaks", "reasons")

    kind: str
    seconds: float
    status: int | None
    exited: bool  # `exit`, `exec`, or `set -e` ended the shell here
    maybe_exited: bool  # it may have ended here (a conditional exit, set -e on an unknown status)
    breaks: bool  # a break/continue ran: the enclosing loop's count is no longer known
    reasons: tuple[str, ...]

    def __init__(self, kind: str, seconds: float = 0.0, status: int | None = None, exited: bool = False,
                 maybe_exited: bool = False, breaks: bool = False, reasons: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.seconds = seconds
        self.status = status
        self.exited = exited
        self.maybe_exited = maybe_exited
        self.breaks = breaks
        self.reasons = reasons


def _seq(items: tuple[Item, ...], st: _State, kb: dict[str, Any], depth: int) -> _Run:
    reasons: list[str] = []
    kind, total, maybe = FINITE, 0.0, False
    for item in items:
        if item.background:  # a subshell; its state changes are lost, and so would a copy be (not made: O(1))
            r = _and_or(item, st, kb, depth)
            st.bg_forever = st.bg_forever or r.kind == FOREVER
            st.bg_unknown = st.bg_unknown or r.kind == UNKNOWN
            st.bg_seconds = max(st.bg_seconds, r.seconds)
            if r.kind == UNKNOWN:
                kind = UNKNOWN
            st.status = 0
            continue
        r = _and_or(item, st, kb, depth)
        if r.kind == FOREVER:
            return _Run(UNKNOWN if maybe else FOREVER, total, None, reasons=r.reasons)
        if r.kind == UNKNOWN:
            kind = UNKNOWN
        total += r.seconds
        reasons.extend(r.reasons)
        maybe = maybe or r.maybe_exited
        st.status = r.status if kind == FINITE else None
        if r.exited or r.breaks:
            return _Run(kind, total, st.status, r.exited, maybe, r.breaks, tuple(reasons))
    return _Run(kind, total, st.status, False, maybe, False, tuple(reasons))


def _and_or(item: Item, st: _State, kb: dict[str, Any], depth: int) -> _Run:
    r = _pipeline(item.first, st, kb, depth, errexit_applies=not item.rest)
    if r.kind == FOREVER or r.exited or r.breaks:
        return r
    kind, seconds, status, maybe, reasons = r.kind, r.seconds, r.status, r.maybe_exited, list(r.reasons)
    for n, (op, p) in enumerate(item.rest, start=1):
        last = n == len(item.rest)
        if status is None:  # it may or may not run
            pr = _pipeline(p, st, kb, depth, errexit_applies=last)
            if pr.kind == FOREVER and op == "&&" and kind == FINITE and not maybe:
                # `touch f && tail -f f`: judged as run, like a plain `touch f; tail -f f`
                return pr.replace(seconds=seconds)
            if pr.kind != FINITE:
                kind = UNKNOWN
            maybe = maybe or pr.exited or pr.maybe_exited or pr.breaks
            continue
        if (op == "&&") != (status == 0):
            continue  # `true || exit 1`, `false && echo`: skipped, $? stays
        pr = _pipeline(p, st, kb, depth, errexit_applies=last)
        if pr.kind == FOREVER or pr.exited or pr.breaks:
            return pr.replace(seconds=seconds + pr.seconds, maybe_exited=maybe or pr.maybe_exited,
                          kind=pr.kind if kind == FINITE else UNKNOWN)
        kind = pr.kind if kind == FINITE else UNKNOWN
        seconds += pr.seconds
        status = pr.status
        maybe = maybe or pr.maybe_exited
        reasons.extend(pr.reasons)
    return _Run(kind, seconds, status if kind == FINITE else None, False, maybe, False, tuple(reasons))


def _pipeline(p: Pipeline, st: _State, kb: dict[str, Any], depth: int, errexit_applies: bool) -> _Run:
    if len(p.commands) == 1:
        r = _command(p.commands[0], st, kb, depth)
    else:  # every part runs in a subshell and the shell waits for all of them
        parts = [_command(c, st, kb, depth) for c in p.commands]
        if parts[-1].kind == FOREVER:
            r = _Run(FOREVER, reasons=parts[-1].reasons)
        elif all(x.kind == FINITE for x in parts):
            statuses = [x.status for x in parts]
            status = parts[-1].status
            if st.pipefail:
                status = None if None in statuses else next((s for s in reversed(statuses) if s), 0)
            r = _Run(FINITE, max(x.seconds for x in parts), status,
                     reasons=tuple(x for part in parts for x in part.reasons))
        else:
            r = _Run(UNKNOWN)
    if p.negated and r.kind == FINITE and not r.exited:
        r = r.replace(status=None if r.status is None else int(r.status == 0))
    if (errexit_applies and st.errexit and not st.in_condition and not p.negated and not r.exited
            and r.kind != FOREVER and not r.breaks):
        if r.status is None:
            st.unsure = True  # it may have ended the shell with its own code
        elif r.status != 0:
            r = r.replace(exited=True)
    return r


def _command(node: Node, st: _State, kb: dict[str, Any], depth: int) -> _Run:
    if isinstance(node, Simple):
        return _simple(node, st, kb, depth)
    if isinstance(node, Group):
        if not node.subshell:
            return _seq(node.body, st, kb, depth)
        r = _seq(node.body, st.copy(), kb, depth)
        return r.replace(exited=False, breaks=False)
    if isinstance(node, If):
        return _if(node, st, kb, depth)
    if isinstance(node, Loop):
        return _while(node, st, kb, depth)
    if isinstance(node, For):
        return _for(node, st, kb, depth)
    if isinstance(node, FunctionDef):
        st.define(node.name)
        return _Run(FINITE, status=0)
    return _Run(UNKNOWN if node.kind == "case" else FINITE)


def _condition(items: tuple[Item, ...], st: _State, kb: dict[str, Any], depth: int) -> _Run:
    st.in_condition += 1
    try:
        return _seq(items, st, kb, depth)
    finally:
        st.in_condition -= 1


def _merge(runs: list[_Run]) -> _Run:
    """One of several branches runs, and which is unknown."""
    if all(r.kind == FOREVER for r in runs):
        return _Run(FOREVER, reasons=runs[0].reasons)
    kind = FINITE if all(r.kind == FINITE for r in runs) else UNKNOWN
    statuses = {r.status for r in runs}
    status = statuses.pop() if len(statuses) == 1 else None
    exited = all(r.exited for r in runs)
    return _Run(kind, min(r.seconds for r in runs), status if kind == FINITE else None, exited,
                any(r.exited or r.maybe_exited for r in runs) and not exited, any(r.breaks for r in runs))


def _if(node: If, st: _State, kb: dict[str, Any], depth: int) -> _Run:
    spent = 0.0
    for n, (condition, body) in enumerate(node.clauses):
        c = _condition(condition, st, kb, depth)
        if c.kind == FOREVER or c.exited:
            return c.replace(seconds=spent + c.seconds)
        spent += c.seconds
        if c.kind != FINITE or c.status is None:  # either way: every branch left may run
            branches = [body] + [b for _, b in node.clauses[n + 1:]] + [node.otherwise or ()]
            runs = [_seq(b, st.copy(), kb, depth) for b in branches]
            merged = _merge(runs)
            if c.kind != FINITE:
                merged = merged.replace(kind=UNKNOWN if merged.kind != FOREVER else FOREVER, status=None)
            return merged.replace(seconds=spent + merged.seconds, maybe_exited=merged.maybe_exited or c.maybe_exited)
        if c.status == 0:
            r = _seq(body, st, kb, depth)
            return r.replace(seconds=spent + r.seconds)
    if node.otherwise is not None:
        r = _seq(node.otherwise, st, kb, depth)
        return r.replace(seconds=spent + r.seconds)
    return _Run(FINITE, spent, 0)


def _words_of(items: tuple[Item, ...]) -> Iterator[tuple[str, ...]]:
    """Every simple command's words in a list, nested ones included (one pass over the tree)."""
    stack: list[Any] = list(items)
    while stack:
        x = stack.pop()
        if isinstance(x, Item):
            stack.append(x.first)
            stack.extend(p for _, p in x.rest)
        elif isinstance(x, Pipeline):
            stack.extend(x.commands)
        elif isinstance(x, Simple):
            yield x.words
        elif isinstance(x, Group):
            stack.extend(x.body)
        elif isinstance(x, If):
            for condition, body in x.clauses:
                stack.extend(condition)
                stack.extend(body)
            stack.extend(x.otherwise or ())
        elif isinstance(x, Loop):
            stack.extend(x.condition)
            stack.extend(x.body)
        elif isinstance(x, For):
            yield (x.name,)
            stack.extend(x.body)
        elif isinstance(x, Opaque):
            yield ("((",) if x.kind == "arith" else (x.kind,)


def _increment(words: tuple[str, ...], name: str) -> bool:
    """``i=$((i+1))``, ``i=$(expr $i + 1)``, ``let i++``, ``: $((i+=1))``: i grows by one."""
    flat = "".join(words).replace(" ", "").replace("$", "").replace('"', "")
    forms = {f"{name}=(({name}+1))", f"{name}=((1+{name}))", f"{name}=(expr{name}+1)", f"{name}=`expr{name}+1`",
             f"let{name}++", f"let{name}+=1", f"let++{name}", f"let{name}={name}+1",
             f":(({name}+=1))", f":(({name}++))", f":((++{name}))", f":(({name}={name}+1))"}
    return flat in forms


_WHILE_TESTS = {"-lt": 0, "-le": 1}
_UNTIL_TESTS = {"-ge": 0, "-gt": 1}


def _counted_rounds(node: Loop, st: _State) -> int | None:
    """Rounds of ``i=0; while [ "$i" -lt 10 ]; do ...; i=$((i+1)); done``: certain counters only.

    The counter starts from a literal integer assigned before the loop, the test compares it
    with a literal bound, and the body increments it by one exactly once, unconditionally, and
    touches it nowhere else (no ``continue`` that could skip the increment).
    """
    if len(node.condition) != 1 or node.condition[0].rest or node.condition[0].background:
        return None
    pipe = node.condition[0].first
    if pipe.negated or len(pipe.commands) != 1 or not isinstance(pipe.commands[0], Simple):
        return None
    words = list(pipe.commands[0].words)
    if words[:1] == ["["] and words[-1:] == ["]"]:
        words = words[1:-1]
    elif words[:1] == ["test"]:
        words = words[1:]
    else:
        return None
    tests = _UNTIL_TESTS if node.until else _WHILE_TESTS
    if len(words) != 3 or words[1] not in tests or not _EXIT_CODE.fullmatch(words[2]):
        return None
    m = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", words[0])
    if not m or m.group(1) not in st.numbers:
        return None
    name = m.group(1)
    increments = 0
    for item in node.body:
        p = item.first
        if (not item.rest and not item.background and not p.negated and len(p.commands) == 1
                and isinstance(p.commands[0], (Simple, Opaque))):
            cmd = p.commands[0]
            if isinstance(cmd, Simple) and _increment(cmd.words, name):
                increments += 1
    if increments != 1:
        return None
    named = re.compile(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])")
    mentions = 0
    for ws in _words_of(node.body):
        if ws and ws[0] in ("continue", "read", "((", "for"):
            return None
        mentions += sum(1 for w in ws if named.search(w) and any(o in w for o in ("=", "++", "--", "-=")))
    if mentions != 1:
        return None
    return max(0, int(words[2]) - st.numbers[name] + tests[words[1]])


def _while(node: Loop, st: _State, kb: dict[str, Any], depth: int) -> _Run:
    cond = [w for item in node.condition for w in _first_words(item)]
    head = "until" if node.until else "while"
    infinite = ((not node.until and set(cond) in _INFINITE_CONDITIONS) or (node.until and cond in (["false"], ["/bin/false"]))
                or (not node.until and cond[:1] == ["sleep"] and len(node.condition) == 1))
    if infinite:
        return _Run(FOREVER, reasons=(f"{head} {' '.join(cond)} loop",))
    rounds = _counted_rounds(node, st)
    if rounds is None:
        return _Run(UNKNOWN)
    return _rounds(rounds, node.body, st, kb, depth, f"{head} loop of {rounds} rounds")


def _first_words(item: Item) -> list[str]:
    if item.rest or len(item.first.commands) != 1 or not isinstance(item.first.commands[0], Simple):
        return ["?"]
    return list(item.first.commands[0].words)


_SEQ = re.compile(r"(?:\$\(|`)\s*seq\s+(?:(-?[0-9]{1,9})\s+)?(-?[0-9]{1,9})\s*(?:\)|`)")


def _for(node: For, st: _State, kb: dict[str, Any], depth: int) -> _Run:
    if node.name.startswith("(("):
        # `for (( ; ; ))`: an arithmetic loop (bash, and some ash builds; a syntax error in dash),
        # whose bound is whatever its expressions say: never read as a word list.
        return _Run(UNKNOWN)
    rounds: int | None = 0
    if node.items is None:
        rounds = None
    else:
        for w in node.items:
            m = _SEQ.fullmatch(w) if not getattr(w, "quoted", True) else None
            if m:  # $(seq 100), $(seq 1 100)
                first, last = int(m.group(1) or 1), int(m.group(2))
                rounds = None if rounds is None else rounds + max(0, last - first + 1)
            elif getattr(w, "literal", False):
                rounds = None if rounds is None else rounds + 1
            else:
                rounds = None  # $FILES, *.sql, "$@": a finite list of unknown length
    st.assign(node.name, None)
    if node.items is not None and not _substitutions_end(node.items, st, kb, depth):
        return _Run(UNKNOWN)
    return _rounds(rounds, node.body, st, kb, depth, f"for loop of {rounds} rounds" if rounds is not None else "for loop")


def _rounds(rounds: int | None, body: tuple[Item, ...], st: _State, kb: dict[str, Any], depth: int,
            reason: str) -> _Run:
    """A loop body run ``rounds`` times (None: some finite number, maybe none)."""
    if rounds == 0:
        return _Run(FINITE, 0, 0, reasons=(reason,))
    r = _seq(body, st, kb, depth)
    certain = rounds is not None
    if r.kind == FOREVER:
        return r if certain else _Run(UNKNOWN)
    if r.kind == UNKNOWN:
        return _Run(UNKNOWN)
    if r.breaks:
        return _Run(FINITE, 0, None, False, r.maybe_exited, reasons=(reason,))
    if r.exited:
        return r if certain else _Run(FINITE, 0, None, False, True, reasons=(reason,))
    status = r.status if certain else (0 if r.status == 0 else None)
    return _Run(FINITE, r.seconds * (rounds or 0), status, False, r.maybe_exited, reasons=(reason,))


def _set_options(args: list[str], st: _State) -> None:
    """``set -e``, ``set -euo pipefail``, ``set -o errexit``, ``set +e`` ..."""
    expect_name = None
    for a in args:
        if expect_name is not None:
            if a in ("errexit", "pipefail"):
                setattr(st, a, expect_name)
            expect_name = None
            continue
        if a in ("--", "-"):
            break
        if len(a) > 1 and a[0] in "-+" and a[1:].isalpha():
            on = a[0] == "-"
            if "e" in a[1:]:
                st.errexit = on
            if "o" in a[1:]:
                expect_name = on
            continue
        break


def _substitutions_end(words: Iterable[str], st: _State, kb: dict[str, Any], depth: int) -> bool:
    """Every ``$(...)`` / backquoted command in these words is known to end (``echo $(./server)`` may not)."""
    for w in words:
        if getattr(w, "literal", True) or not _SUBSTITUTION.search(w):
            continue
        j = 0
        while (m := _SUBSTITUTION.search(w, j)) is not None:
            start = m.end()
            end = _closing(w, start, [")" if m.group() == "$(" else "`"])
            if end < 0:
                return False
            inner = classify_script(w[start:end - 1], kb, st.stdin_open, depth=depth + 1)
            if inner.kind != FINITE:
                return False
            j = end
    return True


def _simple(cmd: Simple, st: _State, kb: dict[str, Any], depth: int) -> _Run:
    words = cmd.words
    if not _substitutions_end(words, st, kb, depth):
        return _Run(UNKNOWN)
    k = 0  # FOO=bar cmd: counted, not sliced off one by one (n assignments, n steps)
    while k < len(words) and _ASSIGNMENT.fullmatch(words[k]):
        k += 1
    argv = words[k:]
    if not argv:
        substitutes = False
        for w in words:
            name, _, value = w.partition("=")
            substitutes = substitutes or bool(_SUBSTITUTION.search(w))
            literal = getattr(w, "literal", False) and re.fullmatch(r"-?[0-9]{1,9}", value)
            st.assign(name, int(value) if literal else None)
        return _Run(FINITE, status=None if substitutes else 0)
    head = argv[0]
    if not getattr(head, "literal", True) or head in st.functions or st.too_many_functions:
        return _Run(UNKNOWN)
    redirected = any(op not in (">&", "<&") and target not in ("/dev/null", "/dev/stdout", "/dev/stderr")
                     for op, target in cmd.redirects)
    if head == "exit":
        code = argv[1] if len(argv) > 1 else None
        if code is None:
            status = st.status
        elif getattr(code, "literal", False) and _EXIT_CODE.fullmatch(code):
            status = int(code) & 255
        else:
            status = None
        return _Run(FINITE, 0, None if st.unsure else status, exited=True, reasons=(display(argv),))
    if head == "exec":
        if len(argv) == 1:
            return _Run(FINITE, status=0)  # `exec >log 2>&1`: redirections only, the shell goes on
        v = classify(list(argv[1:]), kb, depth=depth + 1)
        return _Run(v.kind, v.seconds, None if st.unsure else v.exit_code, exited=True, reasons=(v.reason,))
    if head == "set":
        _set_options(list(argv[1:]), st)
        return _Run(FINITE, status=0)
    if head in ("trap", "alias", "enable", "shopt", "source", ".", "eval"):
        st.unsure = True  # may run code at exit, or redefine what a name runs
        if head in ("source", ".", "eval"):
            return _Run(FINITE, status=None, maybe_exited=True, reasons=(head,))
        return _Run(FINITE, status=0)
    if head == "let":  # arithmetic: status 1 when the last value is 0 (`let i++` from 0)
        return _Run(FINITE, status=None)
    if head in ("break", "continue"):
        return _Run(FINITE, status=0, breaks=True)
    if head in ("return", "command", "builtin"):
        return _Run(UNKNOWN)
    if head == "wait":
        if st.bg_forever:
            return _Run(FOREVER, reasons=("wait on a process that never ends",))
        if st.bg_unknown:
            return _Run(UNKNOWN)
        seconds, st.bg_seconds = st.bg_seconds, 0.0  # `sleep 1d & wait` lasts as long as its job
        return _Run(FINITE, seconds, 0 if len(argv) == 1 else None)
    if head in _FALSE:
        return _Run(FINITE, 0, None if redirected else 1, reasons=(str(head),))
    v = classify(list(argv), kb, st.stdin_open, depth + 1)
    status = v.exit_code if v.kind == FINITE and not redirected else None
    return _Run(v.kind, v.seconds, status, reasons=(v.reason,) if v.reason else ())


def classify_script(script: str, knowledge: dict[str, Any], stdin_open: bool = False,
                    errexit: bool = False, depth: int = 0) -> Verdict:
    """Judge a ``sh -c`` script: finite only when every command that runs is known to end.

    The exit code is known when every command that decides it is: ``exit 3`` (with nothing
    before it that may not end), ``false`` as the last command, ``set -e`` and a ``false``,
    a bounded loop and then ``exit 1``. ``cmd || exit 1``, ``exit $CODE``, traps and sourced
    files leave it unknown.
    """
    key = (script, stdin_open, errexit, depth)
    known = _VERDICTS.get(key)
    if known is not None and known[0] is knowledge:
        return known[1]
    items = parse_script(script)
    if items is None or depth > _MAX_NESTING:
        return Verdict(UNKNOWN)
    st = _State(errexit=errexit, stdin_open=stdin_open)
    r = _seq(items, st, knowledge, depth)
    if r.kind != FINITE:
        verdict = Verdict(r.kind, reason=r.reasons[-1] if r.kind == FOREVER and r.reasons else "")
    else:
        certain = not r.maybe_exited and not st.unsure
        verdict = Verdict(FINITE, r.seconds, "; ".join(x for x in r.reasons if x), r.status if certain else None)
    if len(_VERDICTS) >= 8:
        _VERDICTS.pop(next(iter(_VERDICTS)))
    _VERDICTS[key] = (knowledge, verdict)
    return verdict


# The last verdicts, by script and flags, for the same knowledge object: the rules of one object
# (completes-immediately, command-always-fails, the init rules) judge the same script in turn.
_VERDICTS: dict[tuple[str, bool, bool, int], tuple[dict[str, Any], Verdict]] = {}


def classify(argv: list[str], knowledge: dict[str, Any], stdin_open: bool = False, depth: int = 0) -> Verdict:
    """Does this argv end by itself, and with which code? ``stdin_open``: ``stdin``/``tty`` set."""
    idx = _index_of(knowledge)
    start = _past_wrappers(argv, idx.wrappers)
    if start >= len(argv):
        return Verdict(UNKNOWN)
    shell = _shell_at(argv, start, idx)
    if shell is not None:
        return _classify_shell(argv, shell, knowledge, stdin_open, depth)
    argv = argv[start:] if start else argv
    prog = argv[0].rsplit("/", 1)[-1]
    rest = argv[1:]
    for pattern in idx.forever.get(prog, ()):
        if tuple(rest[: len(pattern) - 1]) == pattern[1:]:
            return Verdict(FOREVER, reason=" ".join(pattern))
    if prog == "sleep":
        if len(rest) == 1:
            secs = _duration(rest[0])
            if secs is not None:
                return Verdict(FINITE, secs, f"sleep {rest[0]}", 0)
        return Verdict(UNKNOWN)
    if argv[0] in _FALSE:
        return Verdict(FINITE, 0, "false", 1)
    if argv[0] in _TRUE and argv[0] != ":":
        return Verdict(FINITE, 0, prog, 0)
    if prog == "cat" and not rest:
        return Verdict(FOREVER, reason="cat reading an open stdin") if stdin_open else Verdict(FINITE, 0, "cat")
    if prog in idx.finite or argv[0] in idx.finite:
        return Verdict(FINITE, 0, prog, 0 if prog in idx.succeeds else None)
    return Verdict(UNKNOWN)


class _CommandIndex(Value):
    """policies/commands.yaml as sets, built once per knowledge object (not a list scan per command)."""

    __slots__ = ("wrappers", "shells", "finite", "succeeds", "forever")

    wrappers: Final[frozenset[str]]
    shells: Final[frozenset[str]]
    finite: Final[frozenset[str]]
    succeeds: Final[frozenset[str]]
    forever: Final[dict[str, tuple[tuple[str, ...], ...]]]  # program -> its forever_exact patterns

    def __init__(self, wrappers: frozenset[str], shells: frozenset[str], finite: frozenset[str],
                 succeeds: frozenset[str], forever: dict[str, tuple[tuple[str, ...], ...]]) -> None:
        self.wrappers = wrappers
        self.shells = shells
        self.finite = finite
        self.succeeds = succeeds
        self.forever = forever


_INDEXES: dict[int, tuple[dict[str, Any], _CommandIndex]] = {}


def _strings(values: Any) -> frozenset[str]:
    return frozenset(str(v) for v in values if isinstance(v, (str, int, float))) if isinstance(values, list) else frozenset()


def _index(cmds: dict[str, Any]) -> _CommandIndex:
    known = _INDEXES.get(id(cmds))
    if known is not None and known[0] is cmds:
        return known[1]
    forever: dict[str, list[tuple[str, ...]]] = {}
    for pattern in cmds.get("forever_exact") or []:
        if isinstance(pattern, list) and pattern and all(isinstance(p, str) for p in pattern):
            forever.setdefault(pattern[0], []).append(tuple(pattern))
    idx = _CommandIndex(_strings(cmds.get("wrappers")), _strings(cmds.get("shells")), _strings(cmds.get("finite")),
                        _strings(cmds.get("succeeds")), {k: tuple(v) for k, v in forever.items()})
    if len(_INDEXES) >= 8:
        _INDEXES.pop(next(iter(_INDEXES)))
    _INDEXES[id(cmds)] = (cmds, idx)  # the object itself is kept: its id cannot be reused meanwhile
    return idx


def _index_of(knowledge: dict[str, Any]) -> _CommandIndex:
    cmds = knowledge.get("commands") if isinstance(knowledge, dict) else None
    return _index(cmds if isinstance(cmds, dict) else {})


def _past_wrappers(argv: Sequence[str], wrappers: frozenset[str]) -> int:
    """Index of the command that ``exec cmd``, ``env FOO=1 cmd``, ``tini -- cmd``, ``busybox sleep 5`` run.

    An index walks past the wrappers and their options: argv comes from the manifest, and
    ``exec exec ... exec`` n times must cost n steps — not n list copies, nor n recursive calls.
    """
    start = 0
    while start + 1 < len(argv) and (wrapper := argv[start].rsplit("/", 1)[-1]) in wrappers:
        start += 1
        while start < len(argv) and (argv[start].startswith("-") or (wrapper == "env" and "=" in argv[start])):
            start += 1
    return start


class ShellCall(Value):
    """A shell that an argv starts, and the ``-c`` script it runs.

    ``shell``: index in argv of the shell program (past ``exec``, ``env FOO=1`` and other wrappers);
    ``script``: index in argv of the script (None: the shell reads a file, or stdin); ``errexit``:
    ``-e``/``-o errexit`` is on; ``operands``: some argument after the shell is no option (``sh
    script.sh``, or a ``-c`` script).
    """

    __slots__ = ("shell", "script", "errexit", "operands")

    shell: Final[int]
    script: Final[int | None]
    errexit: Final[bool]
    operands: Final[bool]

    def __init__(self, shell: int, script: int | None, errexit: bool, operands: bool) -> None:
        self.shell = shell
        self.script = script
        self.errexit = errexit
        self.operands = operands


def shell_call(argv: Sequence[str], knowledge: dict[str, Any]) -> ShellCall | None:
    """The shell ``argv`` starts (``sh``, ``bash``... as ``policies/commands.yaml`` lists them), or None.

    The one place that finds a shell's script: ``sh -c 'script'``, ``sh -c -- 'script'``,
    ``bash -ec 'script'``, ``sh -e -c 'script'``, ``bash -o pipefail -o errexit -c 'script'``,
    ``bash --login -c ...``, ``bash --rcfile f -c ...``, ``sh +x -c ...`` and the same behind
    ``exec``, ``env A=1``, ``tini --`` all have a script; ``sh script.sh`` and ``sh`` have none.
    """
    if not argv:
        return None
    idx = _index_of(knowledge)
    return _shell_at(argv, _past_wrappers(argv, idx.wrappers), idx)


def shell_script(argv: Sequence[str], knowledge: dict[str, Any]) -> tuple[int, str] | None:
    """(index in ``argv``, text) of the script a shell in ``argv`` runs with ``-c``; None when there is none."""
    call = shell_call(argv, knowledge)
    if call is None or call.script is None:
        return None
    return call.script, argv[call.script]


def _shell_at(argv: Sequence[str], start: int, idx: _CommandIndex) -> ShellCall | None:
    if start >= len(argv) or argv[start].rsplit("/", 1)[-1] not in idx.shells:
        return None
    at, errexit, operands = _shell_options(argv, start + 1)
    return ShellCall(start, at, errexit, operands)


# bash's long options that take a value (``bash --rcfile FILE -c ...``).
_LONG_WITH_VALUE = frozenset({"--rcfile", "--init-file"})


def _shell_options(argv: Sequence[str], first: int) -> tuple[int | None, bool, bool]:
    """(index of the ``-c`` script, errexit, any operand) reading a shell's options from ``argv[first]`` on.

    As POSIX ``sh`` and bash read them: options (``-e``, ``-ec``, ``+x``, ``-o name``, ``+o name``,
    bash's ``-O name`` and ``--long`` ones) up to the first operand or ``--``; with ``-c`` among them
    the first operand is the script.
    """
    seen_c = errexit = False
    takes_name = ""  # "-o", "+o", "O" or a long option with a value: the next argument is its value
    for i in range(first, len(argv)):
        a = argv[i]
        if takes_name:
            if takes_name == "-o" and a == "errexit":
                errexit = True
            elif takes_name == "+o" and a == "errexit":
                errexit = False
            takes_name = ""
            continue
        if a == "--":
            return (i + 1 if seen_c and i + 1 < len(argv) else None), errexit, i + 1 < len(argv)
        if a.startswith("--"):
            takes_name = a if a in _LONG_WITH_VALUE else ""  # --login, --norc ...
            continue
        if a[:1] in "-+" and len(a) > 1:
            flags = a[1:]
            seen_c = seen_c or "c" in flags
            if "e" in flags:
                errexit = a[0] == "-"
            if "o" in flags or "O" in flags:
                takes_name = a[0] + "o" if "o" in flags else "O"
            continue
        return (i if seen_c else None), errexit, True
    return None, errexit, False


def _classify_shell(argv: Sequence[str], shell: ShellCall, knowledge: dict[str, Any], stdin_open: bool,
                    depth: int) -> Verdict:
    if shell.script is None:
        if shell.operands:
            return Verdict(UNKNOWN)  # sh script.sh, or -c with no script
        if stdin_open:
            return Verdict(FOREVER, reason="an interactive shell on an open stdin")
        return Verdict(FINITE, 0, "a shell with no script, which exits at once on an empty stdin", 0)
    return classify_script(argv[shell.script], knowledge, stdin_open, shell.errexit, depth)
