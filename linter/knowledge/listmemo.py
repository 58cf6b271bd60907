"""Answers computed from a knowledge list, kept per list and key: the one memo of knowledge look-ups.

Every rule asks about every container's image against the same few knowledge lists (``images``,
``startup.families`` ...), which a run never changes. Scanning a list of patterns per container
and rule is what made image look-ups the cost of a lint; answering each (list, key) once is
linear. Lists are held while their answers are (so an ``id`` is never reused for another list)
and both levels are bounded, so a long-lived webhook that reloads its settings keeps no more than
``max_lists`` × ``max_keys`` answers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from crashlint._typing import Generic, TypeVar

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

V = TypeVar("V")


class ListMemo(Generic[V]):
    """``compute()`` once per (knowledge list, key); cleared wholesale when a bound is reached."""

    def __init__(self, max_lists: int = 64, max_keys: int = 4096) -> None:
        self._held: dict[int, tuple[list[Any], dict[Hashable, V]]] = {}
        self._max_lists, self._max_keys = max_lists, max_keys

    def get(self, entries: list[Any], key: Hashable, compute: Callable[[], V]) -> V:
        held = self._held.get(id(entries))
        if held is None or held[0] is not entries:
            if len(self._held) >= self._max_lists:
                self._held.clear()
            held = self._held[id(entries)] = (entries, {})
        answers = held[1]
        if key in answers:
            return answers[key]
        value = compute()
        if len(answers) >= self._max_keys:
            answers.clear()
        answers[key] = value
        return value
