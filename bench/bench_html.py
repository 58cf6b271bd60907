"""How long ``-o html`` takes to render a large report, beside ``-o text`` and ``-o json``.

Writes N crash-looping Deployments into one file (each one finding with a patch and a source
excerpt), lints them once, then times each renderer on the same report (median of --repeat).

    python bench/bench_html.py [--findings 3000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from crashlint.engine.api import lint_paths
from crashlint.reporters import html, json_format, text
from crashlint.settings.config import load_settings
from crashlint.settings.policy import load_policies

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: tb{i}, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: tb{i}}}}}
  template:
    metadata: {{labels: {{app: tb{i}}}}}
    spec:
      containers:
        - name: toolbox
          image: busybox:1.36
          resources: {{limits: {{memory: 64Mi}}}}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--findings", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "many.yaml"
        path.write_text("---\n".join(DEPLOYMENT.format(i=i) for i in range(args.findings)))
        report = lint_paths([str(path)], load_settings(raw={}))
        policies = load_policies()
        print(f"{len(report.findings)} findings in one file")
        for name, render in (("text", text.render), ("json", json_format.render), ("html", html.render)):
            times, size = [], 0
            for _ in range(args.repeat):
                started = time.perf_counter()
                size = len(render(report, policies, False).encode())
                times.append(time.perf_counter() - started)
            med = statistics.median(times)
            print(f"-o {name:<5} {med:6.3f} s  {1e6 * med / max(1, len(report.findings)):6.0f} us/finding  "
                  f"{size / 1e6:5.1f} MB")


if __name__ == "__main__":
    main()
