"""Kubernetes resource quantities, parsed exactly as the API server does (``resource.Quantity``).

``512Mi``, ``0.5Gi``, ``1e9``, ``500m``, ``1.5`` and plain numbers from YAML (``cpu: 0.05``,
``memory: 104857600``) all parse to a :class:`~decimal.Decimal` in base units (bytes, cores).
"""

from __future__ import annotations

import re
from decimal import Decimal, DecimalException

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
            "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
            "P": Decimal("1e15"), "E": Decimal("1e18")}
_QUANTITY = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?")


class QuantityError(ValueError):
    """Not a quantity the API server accepts."""


def parse_quantity(value: object) -> Decimal:
    """The quantity's value in base units; raises :class:`QuantityError` for anything else."""
    if isinstance(value, bool) or value is None:
        raise QuantityError(f"{value!r} is not a quantity")
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise QuantityError(f"{value!r} is not a quantity")
        return Decimal(str(value))
    if not isinstance(value, str):
        raise QuantityError(f"a quantity must be a string or a number, not {type(value).__name__}")
    m = _QUANTITY.fullmatch(value.strip())
    if not m or value != value.strip():
        raise QuantityError(f"'{value}' is not a quantity (expected e.g. 512Mi, 0.5, 500m, 1e9)")
    number, suffix = m.group(1), m.group(2) or ""
    try:
        base = Decimal(number)
        if suffix in _BINARY:
            return base * _BINARY[suffix]
        if suffix in _DECIMAL:  # "E" alone is exa, not an exponent
            return base * _DECIMAL[suffix]
        return base * (Decimal(10) ** int(suffix[1:]))
    except (DecimalException, OverflowError, ValueError) as exc:
        raise QuantityError(f"'{value}' is not a quantity") from exc


def format_bytes(value: Decimal | int) -> str:
    """Human form for messages: 536870912 -> 512Mi."""
    v = int(value)
    for suffix, size in reversed(list(_BINARY.items())):
        if v >= size and v % size == 0:
            return f"{v // size}{suffix}"
    return str(v)
