"""Make report text printable and parseable whatever the linted input held.

Object names, messages and file names come from untrusted files. Three things in them break
outputs: lone UTF-16 surrogates (a JSON ``"\\ud800"``, or a non-UTF-8 file name decoded with
``surrogateescape``) cannot be encoded as UTF-8 at all; control characters (``ESC [ ...``)
drive the terminal that shows text output, and most of them are illegal in XML; ``NaN`` and
infinities are not JSON. Every reporter passes its text or data through here, so no input can
crash the output stage or smuggle bytes into it.
"""

from __future__ import annotations

import json
import math
import re

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

# Compiled on first use (re's own cache keeps them): a text lint with no note to print calls none
# of these, and compiling their character classes cost every start about 1 ms.
# Bytes of a non-UTF-8 file name arrive as U+DC80..U+DCFF (surrogateescape); other lone
# surrogates come from JSON escapes. Python joins valid pairs, so any surrogate left is lone.
_SURROGATE = r"[\ud800-\udfff]"
# C0 controls, DEL and C1 controls: what a terminal interprets. Tab stays, it only moves the cursor.
_CONTROL = r"[\x00-\x08\x0a-\x1f\x7f-\x9f]|[\ud800-\udfff]"
# What XML 1.0 cannot carry (ElementTree writes it raw, producing a file no parser reads), and the
# C1 controls it discourages (a terminal showing the report would interpret them).
_NOT_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]|[\ud800-\udfff]"


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name: show the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def no_surrogates(text: str) -> str:
    """``text`` encodable as UTF-8: each lone surrogate written as a visible escape."""
    return re.sub(_SURROGATE, _escape, text)


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters and lone surrogates as visible escapes."""
    return re.sub(_CONTROL, _escape, text)


def xml_text(text: str) -> str:
    """``text`` that XML 1.0 can carry (ElementTree escapes ``<&"`` itself)."""
    return re.sub(_NOT_XML, _escape, text)


def json_safe(value: Any) -> Any:
    """Data that :func:`json.dumps` writes as strict JSON: no lone surrogates, no NaN/Infinity.

    Non-finite numbers become strings (``"NaN"``): ``null`` would claim the field is absent.
    Other values JSON has no type for (a YAML timestamp) become their string form.
    """
    if isinstance(value, str):
        return no_surrogates(value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value).replace("nan", "NaN").replace("inf", "Infinity")
    if isinstance(value, dict):
        return {no_surrogates(k if isinstance(k, str) else str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return no_surrogates(str(value))


def dumps(value: Any, indent: int | None = 2) -> str:
    """Strict JSON of ``value`` (see :func:`json_safe`); ``allow_nan=False`` proves it."""
    return json.dumps(json_safe(value), indent=indent, allow_nan=False)
