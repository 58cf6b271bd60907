"""One line for a failed API call in the watcher's log.

The client's ``ApiException`` prints as several lines (status, reason, every response header and
the body); a log line of its own per failure is what an operator greps, so only the status and
the reason go in, or the exception's type and its first line.
"""

from __future__ import annotations


def one_line(exc: BaseException) -> str:
    status = getattr(exc, "status", None)
    if isinstance(status, int) and status:
        return f"HTTP {status} {getattr(exc, 'reason', '') or ''}".strip()
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
