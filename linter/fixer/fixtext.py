"""Text surgery for ``crashlint fix``: documents of a file, one document re-emitted, the edit spliced back.

A fix must change only the lines it has to. ruamel.yaml's round trip keeps comments, key
order and quotes, but it still normalises a few things on lines nobody touched (``~`` becomes
empty, ``True`` becomes ``true``, spacing inside flow mappings, mixed indentation). So a
changed document is emitted twice — as loaded (*before*) and as patched (*after*) — and only
the differences between those two are carried into the original text (a three-way merge
whose base is ruamel's own rendering). Untouched documents are never re-emitted at all: the
file is split at column-0 ``---`` lines exactly as the loader splits it.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from ruamel.yaml import YAML

from crashlint.fixer.linediff import opcodes
from crashlint.model.record import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

_DOC_SPLIT = re.compile(r"^---(?=[ \t\r\n]|$)", re.M)
# A mapping key that opens a block (nothing but a comment after the colon), maybe after "- ".
_BLOCK_KEY = re.compile(r"^(?P<ind> *)(?P<dashes>(?:- +)*)[^\s#-][^#]*?: *(?:#.*)?$")
_DASH = re.compile(r"^(?P<ind> *)- +(?=\S)")


class Chunk(Value):
    """One document's text as the loader sees it: from its ``---`` line to the next one."""

    line: Final[int]  # 1-based line of the chunk's first line in the file
    text: Final[str]

    __slots__ = ("line", "text")

    def __init__(self, line: int, text: str) -> None:
        self.line = line
        self.text = text


class Indent(Value):
    """ruamel's block indentation: ``offset`` is where the dash sits inside the ``sequence`` indent."""

    mapping: Final[int]
    sequence: Final[int]
    offset: Final[int]

    __slots__ = ("mapping", "sequence", "offset")

    def __init__(self, mapping: int = 2, sequence: int = 4, offset: int = 2) -> None:
        self.mapping = mapping
        self.sequence = sequence
        self.offset = offset


def split_documents(text: str) -> list[Chunk]:
    """Cut a YAML stream at column-0 ``---`` lines; joining the chunks gives the text back."""
    starts = [m.start() for m in _DOC_SPLIT.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    chunks, line = [], 1
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        chunks.append(Chunk(line, text[start:end]))
        line += text.count("\n", start, end)
    return chunks


def detect_indent(text: str, fallback: Indent | None = None) -> Indent:
    """The indentation most block collections of ``text`` use (votes, so one odd list does not win)."""
    maps: Counter[int] = Counter()
    seqs: Counter[tuple[int, int]] = Counter()
    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    significant = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    for cur, nxt in zip(significant, significant[1:]):
        m = _BLOCK_KEY.match(cur)
        if m is None:
            continue
        key_col = len(m.group("ind")) + len(m.group("dashes"))
        dash = _DASH.match(nxt)
        if dash is not None:
            offset = len(dash.group("ind")) - key_col
            sequence = dash.end() - key_col
            if offset >= 0 and sequence >= offset + 2:
                seqs[(sequence, offset)] += 1
        else:
            step = (len(nxt) - len(nxt.lstrip(" "))) - key_col
            if step > 0:
                maps[step] += 1
    base = fallback or Indent()
    mapping = maps.most_common(1)[0][0] if maps else base.mapping
    sequence, offset = seqs.most_common(1)[0][0] if seqs else (base.sequence, base.offset)
    return Indent(mapping, sequence, offset)


def round_trip(indent: Indent) -> YAML:
    """A ruamel round-trip instance that keeps quotes, never folds lines, and uses ``indent``."""
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=indent.mapping, sequence=indent.sequence, offset=indent.offset)
    return y


def dump(y: YAML, tree: Any, explicit_start: bool) -> str:
    y.explicit_start = explicit_start
    out = io.StringIO()
    y.dump(tree, out)
    return out.getvalue()


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split at ``\\n`` only (``str.splitlines`` also splits at
    U+2028 and form feeds, which YAML keeps inside scalars)."""
    lines = [ln + "\n" for ln in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def merge(original: str, before: str, after: str) -> str | None:
    """Carry the ``before`` → ``after`` edit into ``original`` (which ``before`` renders).

    Lines compare without their line endings, and untouched lines keep theirs; new lines get
    the chunk's usual ending. A line ruamel normalised (``~`` rendered empty) still corresponds
    to its original when the rendering changed it one for one, so an edit of that very line
    replaces it. Returns None when an edit touches lines without such a counterpart (ruamel
    joined or split lines) — the caller then falls back to ``after`` as a whole.
    """
    o_lines = split_lines(original)
    o_keys = [ln.rstrip("\r\n") for ln in o_lines]
    b_keys = before.split("\n")[:-1] if before.endswith("\n") else before.split("\n")
    a_keys = after.split("\n")[:-1] if after.endswith("\n") else after.split("\n")
    newline = "\r\n" if original.count("\r\n") * 2 > original.count("\n") else "\n"
    to_o: dict[int, int] = {}  # line of `before` -> the line of `original` it renders
    for tag, i1, i2, j1, j2 in opcodes(b_keys, o_keys):
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):  # same lines, or normalised 1:1
            to_o.update(zip(range(i1, i2), range(j1, j2)))
    edits: list[tuple[int, int, list[str]]] = []  # (start, end) in original, new lines
    for tag, i1, i2, j1, j2 in opcodes(b_keys, a_keys):
        if tag == "equal":
            continue
        i1, i2 = _outside_notes(b_keys, a_keys, i1, i2, j1, j2)
        if i1 == i2 and j1 == j2:
            continue
        if i1 < i2:
            if any(i not in to_o for i in range(i1, i2)) or to_o[i2 - 1] - to_o[i1] != i2 - i1 - 1:
                return None
            start, end = to_o[i1], to_o[i2 - 1] + 1
        elif i1 - 1 in to_o:
            start = end = to_o[i1 - 1] + 1
        elif i1 in to_o:
            start = end = to_o[i1]
        elif i1 == 0:
            start = end = 0
        else:
            return None
        new = a_keys[j1:j2]
        parent = b_keys[i1 - 1] if i1 > 0 else ""
        if (new and parent.endswith(":") and _opens(parent, new[0]) and i1 - 1 in to_o
                and to_o[i1 - 1] == start - 1 and o_keys[start - 1] != parent):
            # `key: ~` followed by new children must become `key:`: take the rendering of that line too.
            start, new = start - 1, [parent, *new]
        edits.append((start, end, [ln + newline for ln in new]))
    edits.sort(key=lambda e: (e[0], e[1]))
    for (_, end1, _), (start2, _, _) in zip(edits, edits[1:]):
        if start2 < end1:
            return None
    had_final_newline = not o_lines or o_lines[-1].endswith(("\n", "\r"))
    if o_lines and not had_final_newline:
        o_lines[-1] += newline
    for start, end, new in reversed(edits):
        o_lines[start:end] = new
    text = "".join(o_lines)
    if not had_final_newline and text.endswith("\n"):
        text = text[:-2] if text.endswith("\r\n") else text[:-1]
    return text


def _is_note(line: str) -> bool:
    """A line that carries no data: blank or a comment."""
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _opens(parent: str, child: str) -> bool:
    """Whether ``child`` is the first line of the block that ``parent`` (``key:``) opens."""
    depth, inner = _indent(parent), _indent(child)
    return inner > depth or (inner == depth and child.lstrip().startswith("-"))


def _outside_notes(before: list[str], after: list[str], i1: int, i2: int, j1: int, j2: int) -> tuple[int, int]:
    """Keep an edit off the comments that introduce what follows it.

    ruamel attaches full-line comments to the end of the preceding node, so a key appended to a
    mapping lands after them, and removing the last key drops them. A comment indented less
    than the edited lines belongs to a later, outer item: insertions move above it (and the
    blank lines around it), removals leave it in place. Only data-less lines are crossed, so
    the document's data is the same either way.
    """
    if i1 < i2:
        data = [ln for ln in before[i1:i2] if not _is_note(ln)]
        if data:
            level = _indent(data[0])
            while i2 > i1 and _is_note(before[i2 - 1]) and (not before[i2 - 1].strip() or _indent(before[i2 - 1]) < level):
                i2 -= 1
        return i1, i2
    data = [ln for ln in after[j1:j2] if not _is_note(ln)]
    if data:
        level = _indent(data[0])
        while i1 > 0 and _is_note(before[i1 - 1]) and (not before[i1 - 1].strip() or _indent(before[i1 - 1]) < level):
            i1 -= 1
    return i1, i1
