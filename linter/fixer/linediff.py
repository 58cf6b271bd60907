"""A line diff that stays fast on long, repetitive manifests (patience-style anchoring).

``difflib.SequenceMatcher`` either treats lines that recur often as junk (``autojunk``: then
untouched lines show up as changed) or is quadratic on them (a ``kind: List`` of 300
Deployments has 300 copies of most lines: half a minute). Real manifests have a few lines
that occur once on both sides (names, images); matching those first cuts the problem into
small gaps, which are trimmed of common prefixes and suffixes and, only when no unique line
is left, handed to ``SequenceMatcher``.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Sequence
from typing import Literal

# The tags of ``SequenceMatcher.get_opcodes``, whose ``get_grouped_opcodes`` reads ours.
Tag = Literal["replace", "delete", "insert", "equal"]
Opcode = tuple[Tag, int, int, int, int]
_MAX_DEPTH = 64  # deeper recursion falls back to SequenceMatcher for the gap


def _anchors(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of ``pairs`` (sorted by the first index) increasing in the second."""
    tails: list[int] = []  # tails[k]: second index ending the best chain of length k+1
    ends: list[int] = []  # index into pairs of that chain's last element
    back: list[int] = []
    for n, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            ends.append(n)
        else:
            tails[k], ends[k] = j, n
        back.append(ends[k - 1] if k else -1)
    chain, n = [], ends[-1] if ends else -1
    while n >= 0:
        chain.append(pairs[n])
        n = back[n]
    return chain[::-1]


def _match(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int,
           out: list[tuple[int, int]], depth: int) -> None:
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        out.append((alo, blo))
        alo, blo = alo + 1, blo + 1
    tail = []
    while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
        ahi, bhi = ahi - 1, bhi - 1
        tail.append((ahi, bhi))
    if alo < ahi and blo < bhi:
        in_a, in_b = Counter(a[alo:ahi]), Counter(b[blo:bhi])
        where_b = {b[j]: j for j in range(blo, bhi) if in_b[b[j]] == 1}
        pairs = [(i, where_b[a[i]]) for i in range(alo, ahi) if in_a[a[i]] == 1 and a[i] in where_b]
        anchors = _anchors(pairs) if depth < _MAX_DEPTH else []
        if anchors:
            i0, j0 = alo, blo
            for i, j in anchors:
                _match(a, b, i0, i, j0, j, out, depth + 1)
                out.append((i, j))
                i0, j0 = i + 1, j + 1
            _match(a, b, i0, ahi, j0, bhi, out, depth + 1)
        else:
            sm = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            for blk in sm.get_matching_blocks():
                out.extend((alo + blk.a + k, blo + blk.b + k) for k in range(blk.size))
    out.extend(reversed(tail))


def opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """``SequenceMatcher.get_opcodes``-style edit script turning ``a`` into ``b``."""
    matched: list[tuple[int, int]] = []
    _match(a, b, 0, len(a), 0, len(b), matched, 0)
    codes: list[Opcode] = []
    i = j = 0
    for mi, mj in [*matched, (len(a), len(b))]:
        if i < mi or j < mj:
            tag: Tag = "replace" if i < mi and j < mj else "delete" if i < mi else "insert"
            codes.append((tag, i, mi, j, mj))
        if mi < len(a):
            if codes and codes[-1][0] == "equal":
                _, e1, _, f1, _ = codes[-1]
                codes[-1] = ("equal", e1, mi + 1, f1, mj + 1)
            else:
                codes.append(("equal", mi, mi + 1, mj, mj + 1))
        i, j = mi + 1, mj + 1
    return codes


class _Known(difflib.SequenceMatcher[str]):
    """``get_grouped_opcodes`` (hunks with context) over an edit script computed here."""

    def __init__(self, codes: list[Opcode]) -> None:
        super().__init__(None, "", "")
        self._codes = codes

    def get_opcodes(self) -> list[Opcode]:
        return list(self._codes)


def grouped(a: Sequence[str], b: Sequence[str], context: int = 3) -> list[list[tuple[str, int, int, int, int]]]:
    """Hunks of the edit script, each with up to ``context`` equal lines around its changes."""
    codes = opcodes(a, b)
    if all(tag == "equal" for tag, *_ in codes):
        return []
    return list(_Known(codes).get_grouped_opcodes(context))
