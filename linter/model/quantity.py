"""Kubernetes resource quantities, parsed exactly as the API server does (``resource.Quantity``).

``512Mi``, ``0.5Gi``, ``1e9``, ``500m``, ``1.5`` and plain numbers from YAML (``cpu: 0.05``,
``memory: 104857600``) all parse to a :class:`~decimal.Decimal` in base units (bytes, cores).

Quantities come from manifests, so the parser must be total and bounded: any string gives a value
or :class:`QuantityError`, in time linear in its length. What bounds it is the API server's own
grammar and limits (k8s.io/apimachinery ``pkg/api/resource``):

* ``parseQuantityString`` (quantity.go) takes only ASCII ``'0'..'9'`` as digits: Arabic-Indic
  or full-width digits are not a quantity (Python's ``\\d`` and ``int()`` would take them).
* ``quantitySuffixer.interpret`` (suffix.go) rejects a decimal exponent outside
  ``[-math.MaxInt32, math.MaxInt32]`` (kubernetes PR 141203); wider ones are not a quantity.
* The API reference for Quantity: "no quantity may represent a number greater than 2^63-1 in
  magnitude [...]. Numbers larger or more precise will be capped or rounded up" — quantity.go caps
  at ``maxAllowed`` (``(1<<63)-1``, math.go) and rounds non-zero values up at ``Nano`` scale
  (``amount.Round(amount, Nano.infScale(), inf.RoundUp)``).

The mantissa has no digit limit in the server's parser (only the request size bounds it), so it has
none here: ``Decimal`` reads it in linear time, and the exponent is applied in a wide-exponent
context, so ``1e999999`` costs what ``1e9`` costs and yields the capped 2^63-1.
"""

from __future__ import annotations

import re
from decimal import ROUND_UP, Context, Decimal, DecimalException, MAX_EMAX, MIN_EMIN

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
            "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
            "P": Decimal("1e15"), "E": Decimal("1e18")}
# [0-9], never \d: the server's scanner reads ASCII digits only.
_QUANTITY = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE]([+-]?)([0-9]+))?")
MAX_EXPONENT = 2**31 - 1  # math.MaxInt32: interpret() refuses |exponent| above it
MAX_MAGNITUDE = Decimal(2**63 - 1)  # maxAllowed: larger magnitudes are capped
NANO = Decimal("1e-9")  # the server rounds non-zero values up to this scale
# More digits than 2^63-1 with nine decimals (28); exponents as wide as decimal allows, so a power of ten
# up to 10^MaxInt32 is one multiplication of short coefficients, never a big integer. Rounding away from
# zero at the 40th digit never hides a non-zero digit below nano scale, so the nano round-up stays exact.
_WIDE = Context(prec=40, rounding=ROUND_UP, Emax=MAX_EMAX, Emin=MIN_EMIN)


class QuantityError(ValueError):
    """Not a quantity the API server accepts."""


def parse_quantity(value: object) -> Decimal:
    """The quantity's value in base units as the server stores it; raises :class:`QuantityError` for anything else."""
    if isinstance(value, bool) or value is None:
        raise QuantityError(f"{value!r} is not a quantity")
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise QuantityError(f"{value!r} is not a quantity")
        return _as_stored(Decimal(value) if isinstance(value, int) else Decimal(repr(value)))
    if not isinstance(value, str):
        raise QuantityError(f"a quantity must be a string or a number, not {type(value).__name__}")
    m = _QUANTITY.fullmatch(value)
    if not m:
        raise QuantityError(f"'{_shown(value)}' is not a quantity (expected e.g. 512Mi, 0.5, 500m, 1e9)")
    number, suffix = m.group(1), m.group(2) or ""
    if suffix in _BINARY:
        factor = Decimal(_BINARY[suffix])
    elif suffix in _DECIMAL:  # "E" alone is exa, not an exponent
        factor = _DECIMAL[suffix]
    else:
        digits = m.group(4).lstrip("0") or "0"
        if len(digits) > len(str(MAX_EXPONENT)) or int(digits) > MAX_EXPONENT:
            raise QuantityError(f"'{_shown(value)}' is not a quantity: the API server takes exponents of at most "
                                f"{MAX_EXPONENT} in magnitude")
        factor = _WIDE.power(10, -int(digits) if m.group(3) == "-" else int(digits))
    try:
        return _as_stored(_WIDE.multiply(Decimal(number), factor))
    except DecimalException as exc:  # not expected within _WIDE's range; still "not a quantity", never a crash
        raise QuantityError(f"'{_shown(value)}' is not a quantity") from exc


def _as_stored(value: Decimal) -> Decimal:
    """Cap the magnitude at 2^63-1 and round non-zero values up (away from zero) at nano scale."""
    if not value:
        return Decimal(0)  # 0e2147483647 is zero, without the exponent
    if value.copy_abs() > MAX_MAGNITUDE:  # copy_abs: no context, so no overflow trap
        return MAX_MAGNITUDE.copy_sign(value)
    if value.as_tuple().exponent < -9:  # type: ignore[operator]  # finite here
        return value.quantize(NANO, rounding=ROUND_UP, context=_WIDE)
    return value


def _shown(text: str, limit: int = 40) -> str:
    """The value as messages quote it: a megabyte of digits must not become a megabyte of message."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def format_bytes(value: Decimal | int) -> str:
    """Human form for messages: 536870912 -> 512Mi."""
    v = int(value)
    for suffix, size in reversed(list(_BINARY.items())):
        if v >= size and v % size == 0:
            return f"{v // size}{suffix}"
    return str(v)
