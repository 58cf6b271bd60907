"""A small secret scanner for the repository's own files.

The patterns are assembled from parts so that this file never contains what it looks for;
test code that needs such strings must build them the same way, at runtime.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_DASHES = "-" * 5
# Placeholders that documentation and fixtures use where a real token would go.
_PLACEHOLDER = re.compile(r"(?i)(redacted|example|placeholder|dummy|changeme|fake|x{8,}|<[^>]*>|\$\{|\$\(|\{\{)")

PATTERNS: dict[str, re.Pattern[str]] = {
    "PEM private key": re.compile(_DASHES + "BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY" + _DASHES),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b"),
    "JSON Web Token": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
}
# A kubeconfig/ServiceAccount ``token:`` with a long opaque value.
TOKEN_FIELD = re.compile(r"""(?m)^\s*(?:-\s+)?token\s*:\s*["']?([A-Za-z0-9._~+/=-]{24,})["']?\s*(?:#.*)?$""")


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}"


def scan_text(path: str, text: str) -> list[Hit]:
    """Every secret-looking string in ``text``, with its 1-based line."""
    hits = []
    for kind, rx in PATTERNS.items():
        for m in rx.finditer(text):
            # A PEM header is never a placeholder; AWS's documented keys say EXAMPLE.
            if kind == "PEM private key" or not _PLACEHOLDER.search(m.group(0)):
                hits.append(Hit(path, text.count("\n", 0, m.start()) + 1, kind))
    for m in TOKEN_FIELD.finditer(text):
        if not _PLACEHOLDER.search(m.group(1)):
            hits.append(Hit(path, text.count("\n", 0, m.start(1)) + 1, "token value"))
    return hits


def repository_files(root: Path) -> list[Path] | None:
    """Files git tracks plus untracked ones not ignored (about to be committed); None without git."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [root / name for name in sorted(set(out.decode("utf-8", "surrogateescape").split("\0"))) if name]


def scan_files(root: Path, files: list[Path]) -> list[Hit]:
    hits = []
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError:  # deleted in the working tree but still tracked, or a dangling symlink
            continue
        hits.extend(scan_text(str(path.relative_to(root)), raw.decode("latin-1")))
    return hits
