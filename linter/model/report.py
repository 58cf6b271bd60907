"""What a lint run reports: findings, errors, skipped files and counts, in the JSON contract.

Front ends build it through :mod:`crashlint.engine.api`; reporters only read it, so it lives in
the model and reporters need nothing of the engine.
"""

from __future__ import annotations

from crashlint.model.findings import Finding
from crashlint.model.objects import LoadError
from crashlint.model.record import Record, Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final


class SkippedFile(Value):
    """A file left out of the lint on purpose; ``noted`` ones are also said on stderr."""

    file: Final[str]
    reason: Final[str]
    noted: Final[bool]

    __slots__ = ("file", "reason", "noted")

    def __init__(self, file: str, reason: str, noted: bool = False) -> None:
        self.file = file
        self.reason = reason
        self.noted = noted

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "reason": self.reason}


class LintReport(Record):
    findings: list[Finding]
    suppressed: list[Finding]
    errors: list[LoadError]
    files: int
    objects: int
    notes: list[str]  # said on stderr: not findings, not errors
    skipped: list[SkippedFile]  # files that are not manifests: never exit 2
    # Findings found but not listed (under --min-severity / min_severity), per severity.
    hidden: dict[str, int]
    excluded: int  # files left out by the config's ``exclude`` (said when nothing else was found)

    __slots__ = ("findings", "suppressed", "errors", "files", "objects", "notes", "skipped", "hidden", "excluded")

    def __init__(self, findings: list[Finding] | None = None, suppressed: list[Finding] | None = None,
                 errors: list[LoadError] | None = None, files: int = 0, objects: int = 0,
                 notes: list[str] | None = None, skipped: list[SkippedFile] | None = None, excluded: int = 0) -> None:
        self.findings = [] if findings is None else findings
        self.suppressed = [] if suppressed is None else suppressed
        self.errors = [] if errors is None else errors
        self.files = files
        self.objects = objects
        self.notes = [] if notes is None else notes
        self.skipped = [] if skipped is None else skipped
        self.hidden = {}
        self.excluded = excluded

    def counts(self) -> dict[str, int]:
        """Findings per severity, listed or hidden: the summary counts everything that was found."""
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] += 1
        for severity, n in self.hidden.items():
            out[severity] += n
        return out

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of DESIGN.md (``suppressed``, ``skipped``, ``summary.skipped`` and
        ``summary.hidden`` are additions consumers may ignore). ``summary`` counts every finding
        per severity; ``hidden`` says how many of them ``findings`` leaves out (--min-severity)."""
        return {
            "version": 1,
            "findings": [f.as_dict() for f in self.findings],
            "errors": [e.as_dict() for e in self.errors],
            "summary": {"files": self.files, "objects": self.objects, **self.counts(), "skipped": len(self.skipped),
                        "hidden": sum(self.hidden.values())},
            "suppressed": [f.as_dict() for f in self.suppressed],
            "skipped": [s.as_dict() for s in self.skipped],
        }
