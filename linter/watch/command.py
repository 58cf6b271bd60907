"""``crashlint watch``: the sub-command (arguments in ``cli.py``): start the service, stop it on a signal.

The process runs until SIGTERM or SIGINT, never ending on its own: an unreachable or failing
API server is retried (and shown as stale), a bad object is skipped. After a signal it stops
within a few seconds and exits 0; it exits 2 only when it cannot start (no kubeconfig, a bad
config file, the port taken, the ``webhook`` extra's packages missing).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any

EXIT_OK, EXIT_ERROR = 0, 2
log = logging.getLogger("crashlint.watch")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s crashlint watch: %(message)s", stream=sys.stderr)
    try:
        from crashlint.sources.kubeapi import KubeAPIError
        from crashlint.watch.service import WatchService
    except ImportError as exc:  # prometheus-client (or the client) not installed: say what to install
        print(f"crashlint watch: {exc}; install crashlint with its webhook extra: pip install 'crashlint[webhook]'",
              file=sys.stderr)
        return EXIT_ERROR
    try:
        service = WatchService(args)
    except (ValueError, KubeAPIError) as exc:
        print(f"crashlint watch: {exc}", file=sys.stderr)
        return EXIT_ERROR
    stopping = threading.Event()
    _on_signals(stopping)
    service.start()
    while not stopping.wait(0.5):
        pass
    log.info("stopping")
    service.stop()
    return EXIT_OK


def _on_signals(stop: threading.Event) -> None:
    def handle(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
