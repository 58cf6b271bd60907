#!/usr/bin/env python3
"""Quantity parsing time across the exponents and lengths the API server accepts, and the CLI on them.

    python bench/bench_quantity.py [--json]

For each quantity: the median time of ``parse_quantity`` (or that it is refused), then one
``crashlint lint`` of an 8-line Pod per quantity as a child process. ``memory: "1e999999"`` used to
take ~50 s here (a million-digit integer built for a message); every row should now be far below a
millisecond in-process and the CLI's start-up time end to end.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crashlint.model.quantity import MAX_EXPONENT, QuantityError, parse_quantity

CASES = ["512Mi", "1e9", "1e999999", f"1e{MAX_EXPONENT}", f"1e-{MAX_EXPONENT}", f"1e{MAX_EXPONENT + 1}",
         "9" * 4_400, "9" * 1_500_000, "1e" + "9" * 4_400, "٥١٢Mi"]
POD = """apiVersion: v1
kind: Pod
metadata: {{name: q}}
spec:
  containers:
  - name: app
    image: nginx:1.27.2
    resources: {{limits: {{memory: "{q}"}}}}
"""


def _label(q: str) -> str:
    return q if len(q) <= 24 else f"{q[:6]}… ({len(q):,} chars)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / ".crashlint.yaml").write_text("limits: {max_scalar_bytes: 4194304}\n")
        for q in CASES:
            runs = []
            for _ in range(5 if len(q) > 10_000 else 1000):
                start = time.perf_counter()
                try:
                    value = str(parse_quantity(q))
                except QuantityError:
                    value = "not a quantity"
                runs.append(time.perf_counter() - start)
            path = Path(tmp) / "pod.yaml"
            path.write_text(POD.format(q=q))
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "crashlint", "lint", str(path), "-o", "json"], cwd=tmp,
                                  capture_output=True, timeout=600)
            cli = time.perf_counter() - start
            rejected = '"rule": "rejected-by-api"' in proc.stdout.decode()
            rows.append({"quantity": _label(q), "value": value, "parse_us": statistics.median(runs) * 1e6,
                         "cli_s": cli, "exit": proc.returncode, "rejected_by_api": rejected})
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        for r in rows:
            print(f"{r['quantity']:28} {r['value'][:22]:24} parse {r['parse_us']:10.1f} µs   CLI {r['cli_s']:5.2f} s "
                  f"exit {r['exit']}{'  rejected-by-api' if r['rejected_by_api'] else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
