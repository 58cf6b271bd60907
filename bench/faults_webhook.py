"""Fault runs of the admission webhook: a failing cluster API, certificate rotation under load, slowloris.

The scenarios live in ``tests/harness/faults_webhook.py`` (the suite runs short versions of them);
this script runs them at full length:

    python bench/faults_webhook.py [--only lookups,rotation,slowloris,abuse] [--seconds 10] [--json]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the shared harnesses (bench/README.md)

from harness.faults_webhook import main  # noqa: E402 - needs the path above

if __name__ == "__main__":
    sys.exit(main())
