"""What a lint run reports: findings, errors, skipped files and counts, in the JSON contract.

Front ends build it through :mod:`crashlint.engine.api`; reporters only read it, so it lives in
the model and reporters need nothing of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crashlint.model.findings import Finding
from crashlint.model.objects import LoadError


@dataclass(frozen=True)
class SkippedFile:
    """A file left out of the lint on purpose; ``noted`` ones are also said on stderr."""

    file: str
    reason: str
    noted: bool = False

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "reason": self.reason}


@dataclass
class LintReport:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    files: int = 0
    objects: int = 0
    notes: list[str] = field(default_factory=list)  # said on stderr: not findings, not errors
    skipped: list[SkippedFile] = field(default_factory=list)  # files that are not manifests: never exit 2
    # Findings found but not listed (under --min-severity / min_severity), per severity.
    hidden: dict[str, int] = field(default_factory=dict)
    excluded: int = 0  # files left out by the config's ``exclude`` (said when nothing else was found)

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
