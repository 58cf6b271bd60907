"""What rules return (hits) and what the tool reports (findings)."""

from __future__ import annotations

from crashlint.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

Pointer = tuple[str | int, ...]

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}


def pointer_str(pointer: Pointer) -> str:
    """RFC 6901 encoding of a pointer given as tokens."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in pointer)


class Hit(Record):
    """One problem as a rule sees it: relative to the object, before positions and config apply.

    ``fix`` is an RFC 6902 patch whose paths are relative to the object root; rules offer one
    only when applying it cannot change behaviour beyond the finding.
    """

    pointer: Pointer
    message: str
    container: str | None
    fix: list[dict[str, Any]] | None
    severity: str | None  # overrides the rule's configured severity for this hit
    anchor: str  # "key" | "value" | "auto": which part of a mapping entry to point at
    # An exact 1-based (line, column) for problems that have no pointer (a repeated YAML key).
    position: tuple[int, int] | None
    # The file of ``position`` when it is not the object's own (a patch of a kustomize build).
    file: str | None
    # Every place of one cause, as (words, container, pointer): a missing Secret used by five
    # fields is one hit at ``pointer`` (the first place); the engine reports each place's line
    # in the finding's ``places``.
    places: tuple[tuple[str, str | None, Pointer], ...]

    __slots__ = ("pointer", "message", "container", "fix", "severity", "anchor", "position", "file", "places")

    def __init__(self, pointer: Pointer, message: str, container: str | None = None,
                 fix: list[dict[str, Any]] | None = None, severity: str | None = None, anchor: str = "auto",
                 position: tuple[int, int] | None = None, file: str | None = None,
                 places: tuple[tuple[str, str | None, Pointer], ...] = ()) -> None:
        self.pointer = pointer
        self.message = message
        self.container = container
        self.fix = fix
        self.severity = severity
        self.anchor = anchor
        self.position = position
        self.file = file
        self.places = places


class Finding(Record):
    """A reported problem with its place in a file."""

    rule: str
    severity: str
    cause: str
    message: str
    file: str
    line: int
    column: int
    object: dict[str, Any]
    container: str | None
    path: str
    fix: list[dict[str, Any]] | None
    suppressed: str | None  # the ignore-reason when an annotation suppressed it
    extra: dict[str, Any]

    __slots__ = ("rule", "severity", "cause", "message", "file", "line", "column", "object", "container", "path",
                 "fix", "suppressed", "extra")

    def __init__(self, rule: str, severity: str, cause: str, message: str, file: str, line: int, column: int,
                 object: dict[str, Any], container: str | None, path: str, fix: list[dict[str, Any]] | None = None,
                 suppressed: str | None = None, extra: dict[str, Any] | None = None) -> None:
        self.rule = rule
        self.severity = severity
        self.cause = cause
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.object = object
        self.container = container
        self.path = path
        self.fix = fix
        self.suppressed = suppressed
        self.extra = {} if extra is None else extra

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "rule": self.rule, "severity": self.severity, "cause": self.cause, "message": self.message,
            "file": self.file, "line": self.line, "column": self.column, "object": self.object,
            "container": self.container, "path": self.path,
        }
        if self.fix:
            d["fix"] = self.fix
        if self.suppressed is not None:
            d["suppressed"] = {"reason": self.suppressed}
        d.update(self.extra)
        return d

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file, self.line, self.column, self.rule, self.container or "")
