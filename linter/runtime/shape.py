"""Typed reads of API objects that may be malformed (a hand-edited dump, a hostile one).

Every field runtime mode reads goes through these: a wrong type reads as absent, so bad input
gives a weaker verdict, never a traceback.
"""

from __future__ import annotations

from typing import Any


def obj(x: Any) -> dict[str, Any]:
    """``x`` if it is a mapping, else an empty one."""
    return x if isinstance(x, dict) else {}


def seq(x: Any) -> list[Any]:
    """``x`` if it is a list, else an empty one."""
    return x if isinstance(x, list) else []


def text(x: Any) -> str:
    """``x`` if it is a string, else ``""``."""
    return x if isinstance(x, str) else ""


def count(x: Any, default: int = 0) -> int:
    """``x`` if it is an integer (not a bool), else ``default``."""
    return x if isinstance(x, int) and not isinstance(x, bool) else default
