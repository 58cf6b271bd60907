#!/usr/bin/env python3
"""The fuzz suite's properties with many more examples, for a run by hand.

    python bench/fuzz_long.py [--examples 20000] [--only NAME ...] [--seed N] [--json OUT]

Runs every target of ``tests/fuzz/fuzz_properties.py`` (the same strategies and properties
as the fast ``pytest tests/fuzz`` profile) with ``--examples`` examples each, divided by the
target's cost (expensive targets such as the CLI run fewer). Prints, per target, the examples
run, the time, and the failure with its shrunk reproducer if any; exits 1 when any failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fuzz"))

from fuzz_properties import CASES, Case  # noqa: E402  (needs the path above)


def run_case(case: Case, examples: int, rng_seed: int | None) -> dict[str, object]:
    """Run one target; count the calls hypothesis makes (shrinking included) and the outcome."""
    calls = 0
    budget = max(10, examples // case.cost)

    @settings(max_examples=budget, deadline=None, database=None, derandomize=False, print_blob=True,
              suppress_health_check=list(HealthCheck))
    @given(case.strategy)
    def prop(value: object) -> None:
        nonlocal calls
        calls += 1
        case.check(value)

    if rng_seed is not None:
        prop = seed(rng_seed)(prop)
    start = time.perf_counter()
    failure = None
    try:
        prop()
    except Exception:  # the falsifying example, already shrunk and printed by hypothesis
        failure = traceback.format_exc(limit=-3)
    return {"target": case.name, "budget": budget, "examples": calls,
            "seconds": round(time.perf_counter() - start, 1), "failure": failure}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=20_000, help="examples per target (before its cost divisor)")
    ap.add_argument("--only", nargs="*", help="target names to run (default: all)")
    ap.add_argument("--seed", type=int, help="fix hypothesis' random seed (default: fresh each run)")
    ap.add_argument("--json", type=Path, help="also write the per-target results here")
    args = ap.parse_args(argv)
    cases = [c for c in CASES if not args.only or c.name in args.only]
    results = []
    for case in cases:
        result = run_case(case, args.examples, args.seed)
        results.append(result)
        status = "ok" if result["failure"] is None else "FAILED"
        print(f"{case.name:<28} {result['examples']:>8} examples  {result['seconds']:>7} s  {status}", flush=True)
        if result["failure"]:
            print(result["failure"], flush=True)
    total = sum(int(r["examples"]) for r in results)
    failed = [r["target"] for r in results if r["failure"]]
    print(f"total: {total} examples over {len(results)} targets, {len(failed)} failing"
          + (f": {', '.join(failed)}" if failed else ""))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
