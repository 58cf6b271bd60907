"""The line diff behind merges and ``--diff``: valid edit scripts, minimal on repetitive text, fast."""

from __future__ import annotations

import random
import time

import pytest

from crashlint.fixer.linediff import grouped, opcodes


def _apply(a: list[str], b: list[str], codes) -> list[str]:
    out: list[str] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
            out += a[i1:i2]
        else:
            out += b[j1:j2]
    return out


@pytest.mark.parametrize("seed", range(20))
def test_edit_script_turns_a_into_b(seed: int) -> None:
    rng = random.Random(seed)
    a = [rng.choice("abcde") for _ in range(rng.randint(0, 40))]
    b = list(a)
    for _ in range(rng.randint(0, 5)):
        pos = rng.randint(0, len(b))
        if rng.random() < 0.5 or not b:
            b.insert(pos, rng.choice("abcxyz"))
        else:
            del b[min(pos, len(b) - 1)]
    codes = opcodes(a, b)
    assert _apply(a, b, codes) == b
    assert [c[1] for c in codes] == sorted(c[1] for c in codes)


def test_insertions_into_repetitive_text_are_only_insertions() -> None:
    """300 near-identical items, one line added to each: no untouched line may show as changed."""
    item = ["- name: idle-{}", "  image: busybox", "  resources:", "    limits: {{cpu: 1}}"]
    a = [ln.format(i) for i in range(300) for ln in item]
    b = [ln.format(i) for i in range(300) for ln in [*item, "  command: [sleep, infinity]"]]
    started = time.process_time()
    codes = opcodes(a, b)
    assert time.process_time() - started < 2.0
    assert {tag for tag, *_ in codes} == {"equal", "insert"}
    assert sum(j2 - j1 for tag, _, _, j1, j2 in codes if tag == "insert") == 300


def test_grouped_hunks_keep_context_and_skip_equal_input() -> None:
    a = [str(i) for i in range(20)]
    b = a[:10] + ["new"] + a[10:]
    assert grouped(a, b) == [[("equal", 7, 10, 7, 10), ("insert", 10, 10, 10, 11), ("equal", 10, 13, 11, 14)]]
    assert grouped(a, list(a)) == [] and opcodes([], []) == []
