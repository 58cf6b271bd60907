"""The API server's wording for a refused field, shared by the validation modules.

Upstream, every validation error is a ``field.Error`` (apimachinery
``pkg/util/validation/field/errors.go``) printed as ``<path>: <type>[: <value>][: <detail>]``,
e.g. ``spec.ports[1].name: Required value`` or ``spec.ports[0].protocol: Unsupported value:
"tcp": supported values: "SCTP", "TCP", "UDP"``. The helpers here print the same text from a
pointer relative to the object root, so a finding reads like ``kubectl apply``'s answer.

This module's name starts with ``_``: ``linter.validation`` does not chain it as a check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from crashlint.model.imageref import placeholder

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, TypeGuard

Pointer = tuple[str | int, ...]

_BARE_TOKEN = re.compile(r"[A-Z][A-Z0-9_]*")  # PORT, NAME: a sample's value to replace
_MARKER = re.compile(r"[${<%]")  # every other placeholder form holds one of these


def field_path(pointer: Pointer) -> str:
    """``("spec", "ports", 1, "name")`` -> ``spec.ports[1].name``, as ``field.Path.String()`` prints it."""
    out = ""
    for token in pointer:
        if isinstance(token, int):
            out += f"[{token}]"
        else:
            out += ("." if out else "") + token
    return out


def go_value(value: Any) -> str:
    """A bad value as the server prints it: strings quoted (``strconv.Quote``), numbers bare."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def required(pointer: Pointer, detail: str = "") -> str:
    """``field.Required``: ``<path>: Required value[: detail]``."""
    return f"{field_path(pointer)}: Required value" + (f": {detail}" if detail else "")


def invalid(pointer: Pointer, value: Any, detail: str) -> str:
    """``field.Invalid``: ``<path>: Invalid value: <value>: detail``."""
    return f"{field_path(pointer)}: Invalid value: {go_value(value)}: {detail}"


def not_supported(pointer: Pointer, value: Any, supported: Iterable[str]) -> str:
    """``field.NotSupported``: ``<path>: Unsupported value: "x": supported values: "A", "B"``."""
    values = ", ".join(json.dumps(s) for s in supported)
    return f"{field_path(pointer)}: Unsupported value: {go_value(value)}: supported values: {values}"


def duplicate(pointer: Pointer, value: Any) -> str:
    """``field.Duplicate``: ``<path>: Duplicate value: <value>``."""
    return f"{field_path(pointer)}: Duplicate value: {go_value(value)}"


def not_found(pointer: Pointer, value: Any) -> str:
    """``field.NotFound``: ``<path>: Not found: <value>``."""
    return f"{field_path(pointer)}: Not found: {go_value(value)}"


def forbidden(pointer: Pointer, detail: str) -> str:
    """``field.Forbidden``: ``<path>: Forbidden: detail``."""
    return f"{field_path(pointer)}: Forbidden: {detail}"


def filled_in_later(value: Any, name: bool = False) -> bool:
    """A build-time placeholder (``{{ .Values.x }}``, ``${PORT}``, ``<name>``, a bare ``PORT``): the
    file is a template, never applied as written, so the value is not judged (``image-placeholder``
    and ``rejected-by-api``'s quantity checks treat them the same way).

    In a *name* (``name=True``) an upper-case word is a real mistake more often than a sample's
    token (``name: HTTP`` on a port), so only a token with ``_`` (``CONTAINER_NAME``) counts there.
    """
    if not isinstance(value, str):
        return False
    if _BARE_TOKEN.fullmatch(value):
        return not name or "_" in value
    return _MARKER.search(value) is not None and placeholder(value) is not None


def is_int(value: object) -> TypeGuard[int]:
    """A JSON integer (YAML ``true`` is a bool, not 1); where it holds, the value is typed an int."""
    return isinstance(value, int) and not isinstance(value, bool)


# IsDNS1123Label / IsDNS1123Subdomain (apimachinery pkg/util/validation/validation.go), with the
# messages RegexError builds: msg + " (e.g. 'a' or 'b', regex used for validation is '<fmt>')".
def port_num_problem(value: int) -> str | None:
    """``IsValidPortNum``: 1-65535."""
    return None if 1 <= value <= 65535 else "must be between 1 and 65535, inclusive"
