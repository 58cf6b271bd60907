"""Typed reads of API objects that may be malformed (a hand-edited dump, a hostile one).

Every field runtime mode reads goes through these: a wrong type reads as absent, so bad input
gives a weaker verdict, never a traceback. ``obj`` and ``seq`` are :mod:`nested`'s ``dig_map`` and
``dig_list`` (``obj(x)``, ``obj(x, "status")``): one safe nested read for the whole tool.
"""

from __future__ import annotations

from typing import Any

from crashlint.model.nested import dig_list as seq
from crashlint.model.nested import dig_map as obj

__all__ = ["count", "obj", "seq", "text"]


def text(x: Any) -> str:
    """``x`` if it is a string, else ``""``."""
    return x if isinstance(x, str) else ""


def count(x: Any, default: int = 0) -> int:
    """``x`` if it is an integer (not a bool), else ``default``."""
    return x if isinstance(x, int) and not isinstance(x, bool) else default
