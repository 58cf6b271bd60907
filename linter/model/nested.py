"""Safe reads of nested values in manifests: the one helper for ``a.b.c`` of data of any shape.

Manifests are hostile input: any node may be a list where a mapping is expected, a string, a
number or null. Every reader asks the same question — *the value at this path, or nothing* — and
answers it here, so that no rule raises on a wrong type and no module writes its own walk (there
were four, and the pattern ``x.get(k) if isinstance(x.get(k), dict) else {}`` in a dozen places,
which type checkers cannot narrow).

``dig`` returns the value (None when any step is missing or of the wrong type); ``dig_map`` and
``dig_list`` return the mapping or list itself (not a copy) or an empty one, so a caller can
iterate without a check; ``dig_str`` returns a string or the caller's default.
"""

from __future__ import annotations

from crashlint._typing import overload

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any


def dig(data: Any, *path: str | int) -> Any:
    """The value at ``path`` below ``data``; None when a step is missing or of the wrong type.

    A string step reads a mapping's key; an int step reads a list's index (never a mapping's,
    never from the end: ``-1`` and ``True`` are no indexes here). Linear in the path's length.
    """
    cur = data
    for step in path:
        if isinstance(cur, dict):
            cur = cur.get(step)
        elif isinstance(cur, list) and isinstance(step, int) and not isinstance(step, bool) and 0 <= step < len(cur):
            cur = cur[step]
        else:
            return None
    return cur


def dig_map(data: Any, *path: str | int) -> dict[str, Any]:
    """The mapping at ``path`` (the object itself), or an empty mapping when it is absent or no mapping."""
    found = dig(data, *path)
    return found if isinstance(found, dict) else {}


def dig_list(data: Any, *path: str | int) -> list[Any]:
    """The list at ``path`` (the object itself), or an empty list when it is absent or no list."""
    found = dig(data, *path)
    return found if isinstance(found, list) else []


@overload
def dig_str(data: Any, *path: str | int) -> str | None: ...
@overload
def dig_str(data: Any, *path: str | int, default: str) -> str: ...
def dig_str(data: Any, *path: str | int, default: str | None = None) -> str | None:
    """The string at ``path`` (``""`` included), or ``default`` when it is absent or no string."""
    found = dig(data, *path)
    return found if isinstance(found, str) else default


def copy_data(value: Any) -> Any:
    """Deep copy of YAML data (dicts, lists, scalars): several times faster than ``copy.deepcopy``, and without importing ``copy`` (with ``weakref``)."""
    if isinstance(value, dict):
        return {k: copy_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_data(v) for v in value]
    return value
