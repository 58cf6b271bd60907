"""Soak run of the admission webhook: a sustained request rate for minutes, zero errors, flat memory.

The scenarios live in ``tests/harness/soak_webhook.py`` (the suite runs short versions of them);
this script runs them at full length:

    python bench/soak_webhook.py [--seconds 120] [--rate 200] [--clients 4] [--json]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the shared harnesses (bench/README.md)

from harness.soak_webhook import main  # noqa: E402 - needs the path above

if __name__ == "__main__":
    sys.exit(main())
