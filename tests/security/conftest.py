"""The security suites drive the real CLI with the hostile suites' runner (``hostile_cli``) and the
real webhook server with the webhook suites' harness (``webhook_harness``)."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
for _helpers in (TESTS / "hostile", TESTS / "webhook"):
    if str(_helpers) not in sys.path:
        sys.path.insert(0, str(_helpers))
