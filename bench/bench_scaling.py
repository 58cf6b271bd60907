#!/usr/bin/env python3
"""How lint time grows with the number of objects: 1k, 2k, 5k, 10k and 20k-object corpora in one run.

    python bench/bench_scaling.py [--sizes 1000,2000,5000,10000,20000] [--seed 1] [--repeat 1]
                                  [--namespaces N] [--rules] [--max-ratio 2.1] [--json]

Each corpus comes from ``gen_corpus.py`` (same generator as ``bench_lint.py``: namespaces grow with
the corpus, about 300 objects each) and is written to a temporary directory. ``crashlint lint DIR
-o json`` then runs as a child process (best of ``--repeat``): wall time, and CPU time (user + sys of
the child), which the load of a shared machine disturbs less. Work linear in the input doubles from
10k to 20k objects; the run exits 1 when the 10k→20k CPU ratio exceeds ``--max-ratio`` (default 2.1).
``--rules`` adds each rule's share of the in-process rule time on the largest corpus (every rule's
``check`` timed over every object), which is where quadratic rules show.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gen_corpus


def child_times(corpus: Path) -> tuple[float, float, int]:
    """(wall, CPU seconds, exit code) of one ``crashlint lint`` of ``corpus`` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "crashlint", "lint", str(corpus), "-o", "json"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=corpus)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"crashlint lint failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def rule_shares(corpus: Path) -> dict[str, float]:
    """Seconds per rule over every object of ``corpus`` (in-process, loading not counted)."""
    from crashlint.settings.config import load_settings
    from crashlint.engine.runner import wanted_kinds
    from crashlint.model.inventory import Inventory
    from crashlint.sources.loader import load_paths
    from crashlint.rules import RuleContext, all_rules
    from crashlint.model.workloads import workload_of

    settings = load_settings()
    loaded = load_paths([str(corpus)], settings.limits, wanted_kinds(settings))
    inventory = Inventory.from_objects(loaded.objects)
    out: dict[str, float] = {}
    for rid, rule in sorted(all_rules().items()):
        if rid not in settings.rules or not settings.rules[rid].enabled:
            continue
        ctx = RuleContext(inventory, settings.rules[rid].params, settings.knowledge)
        start = time.perf_counter()
        for obj in loaded.objects:
            if obj.kind in rule.kinds:
                subject = workload_of(obj) if rule.wants_workload else obj
                if subject is not None:
                    list(rule.check(subject, ctx))
        out[rid] = time.perf_counter() - start
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,2000,5000,10000,20000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--namespaces", type=int, default=0,
                    help="fixed namespace count (default: one per ~300 objects); e.g. 2 puts thousands of "
                         "objects in each namespace, which is what exposes per-namespace loops")
    ap.add_argument("--repeat", type=int, default=1, help="lint runs per size; the fastest counts")
    ap.add_argument("--rules", action="store_true", help="per-rule times on the largest corpus")
    ap.add_argument("--max-ratio", type=float, default=2.1, help="largest allowed 10k→20k CPU ratio")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: list[dict[str, Any]] = []
    shares: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="crashlint-scaling-") as tmp:
        for n in sizes:
            corpus = Path(tmp) / str(n)
            files, expected = gen_corpus.build(n, args.seed, args.namespaces or None)
            gen_corpus.write(corpus, files, expected, n, args.seed)
            runs = [child_times(corpus) for _ in range(args.repeat)]
            wall, cpu, code = min(runs, key=lambda r: r[1])
            rows.append({"objects": n, "files": len(files), "wall_s": wall, "cpu_s": cpu, "exit": code})
            if not args.json:
                print(f"{n:>6} objects: wall {wall:6.2f} s, CPU {cpu:6.2f} s", flush=True)
            if args.rules and n == sizes[-1]:
                shares = rule_shares(corpus)
    by_n = {r["objects"]: r for r in rows}
    ratio = by_n[20000]["cpu_s"] / by_n[10000]["cpu_s"] if 10000 in by_n and 20000 in by_n else None
    wall_ratio = by_n[20000]["wall_s"] / by_n[10000]["wall_s"] if ratio is not None else None
    result = {"rows": rows, "cpu_ratio_10k_20k": ratio, "wall_ratio_10k_20k": wall_ratio, "rule_seconds": shares}
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        if ratio is not None:
            print(f"10k→20k: CPU ×{ratio:.2f}, wall ×{wall_ratio:.2f} (linear: ×2.0; limit ×{args.max_ratio})")
        if shares:
            total = sum(shares.values())
            print(f"rules on {sizes[-1]} objects: {total:.2f} s in all; largest shares:")
            for rid, sec in sorted(shares.items(), key=lambda kv: -kv[1])[:6]:
                print(f"  {rid:32} {sec:6.3f} s  {100 * sec / total:4.1f}%")
    return 1 if ratio is not None and ratio > args.max_ratio else 0


if __name__ == "__main__":
    sys.exit(main())
