"""The security suites drive the real CLI with the hostile suites' runner (``hostile_cli``) and the
real webhook server with the webhook harness (``harness.webhook``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS / "hostile") not in sys.path:
    sys.path.insert(0, str(TESTS / "hostile"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real webhook server (TLS, one worker, file-only checks) for the module's attacks."""
    from harness.webhook import FIXTURES, Webhook, make_certs

    d = tmp_path_factory.mktemp("server")
    wh = Webhook(make_certs(d / "certs"), ["--config", str(FIXTURES / "crashlint.yaml"), "--no-cluster",
                                          "--workers", "1"], d / "server.log")
    yield wh
    wh.stop()
