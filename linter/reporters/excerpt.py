"""Source lines around a finding, read again from the linted file for the HTML report.

A report can be published (a CI artifact), so reading is careful about what it may show: only a
regular file, opened without following a symbolic link in its last component (a linted
``app.yaml -> ~/.ssh/id_rsa`` gets no excerpt; the loader already refuses directory links that
leave the linted tree), non-blocking (a FIFO named like a manifest cannot hang the report), and
at most :data:`MAX_BYTES` of it. Anything unexpected, including a file gone since the lint,
means no excerpt, never an error: the finding is reported all the same.
"""

from __future__ import annotations

import os
import re
import stat

from crashlint.sources.limits import read_at_most

MAX_BYTES = 8 * 1024 * 1024  # excerpts past this offset are not shown; manifests are far smaller
MAX_LINE_CHARS = 400  # a longer line (minified JSON) is cut, with "…" saying so
CONTEXT = 2  # lines shown before and after the finding's line
_LINE_END = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class SourceLines:
    """Lines of the file being reported, read once for its many findings; only the last file read
    is kept (reports list findings file by file), so memory stays that of one file."""

    def __init__(self) -> None:
        self._path: str | None = None
        self._lines: list[str] | None = None

    def around(self, path: str, line: int) -> list[tuple[int, str]]:
        """``(number, text)`` of the lines from ``line - CONTEXT`` to ``line + CONTEXT`` (1-based);
        empty when the file cannot be shown or has no such line."""
        if path != self._path:
            self._path, self._lines = path, _read_lines(path)
        lines = self._lines
        if not lines or line < 1 or line > len(lines):
            return []
        first, last = max(1, line - CONTEXT), min(len(lines), line + CONTEXT)
        return [(n, _cut(lines[n - 1])) for n in range(first, last + 1)]


def _cut(text: str) -> str:
    return text if len(text) <= MAX_LINE_CHARS else text[:MAX_LINE_CHARS] + "…"


def _read_lines(path: str) -> list[str] | None:
    """The file's lines as the loader numbers them, or None when it is not to be read."""
    if path in ("-", "<stdin>") or "\0" in path:
        return None
    try:
        fd = os.open(path, _FLAGS)
    except (OSError, ValueError):  # ELOOP for a symlink, ENOENT, EACCES, an unencodable name
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = read_at_most(fh, MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    cut = len(raw) > MAX_BYTES
    text = raw[:MAX_BYTES].decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    # Line ends as libyaml counts them for the loader's positions; str.splitlines would also split
    # at \x0b, \x0c and \x1c-\x1e, shifting every line number after one.
    lines = _LINE_END.split(text)
    if cut or lines[-1] == "":
        lines.pop()  # a line cut at MAX_BYTES is not shown half; an empty last one is the end of the file
    return lines
