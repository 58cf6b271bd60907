#!/usr/bin/env python3
"""Benchmark the native kustomize build against loading the same corpus the way lint does today.

    python bench/bench_kustomize.py [CORPUS] [--repeat 5]

CORPUS defaults to the shared corpus of real repositories (``../shared/corpus/repos`` beside
the repository). Measured, median of ``--repeat`` runs, in one process:

* ``load``: ``load_paths`` over CORPUS with the kinds the enabled rules read (what ``lint``
  parses today, before any rule runs);
* ``build``: ``build_tree`` over CORPUS with the same kinds: every unit built (bases again for
  every overlay), hashes and name references included;
* ``load`` of the consumed files alone: what lint no longer parses file by file once they
  are linted through their builds, so ``load - consumed + build`` estimates lint's parse with
  builds wired in;
* ``build (all kinds)``: the same with no kind skipped (what the oracle test compares).

It prints units, built, fallen back (with reasons) and the times; the figures are copied into
``bench/README.md`` by hand.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from crashlint.settings.config import load_settings
from crashlint.engine.runner import wanted_kinds
from crashlint.sources.kustomize import build_tree
from crashlint.sources.loader import load_paths

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "repos"


def _median(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=str(DEFAULT))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not Path(args.corpus).is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    settings = load_settings(raw={})
    kinds = wanted_kinds(settings)
    t_load, loaded = _median(lambda: load_paths([args.corpus], settings.limits, kinds), args.repeat)
    t_build, result = _median(lambda: build_tree([args.corpus], settings.limits, kinds), args.repeat)
    consumed = sorted(result.consumed)
    t_consumed, _ = _median(lambda: load_paths(consumed, settings.limits, kinds), args.repeat)
    t_all, _ = _median(lambda: build_tree([args.corpus], settings.limits), max(1, args.repeat // 2))
    failed = dict(result.fallbacks)
    print(f"units {len(result.units)}  built {len(result.units) - len(failed)}  fallen back {len(failed)}  "
          f"components {len(result.components)}  built objects {len(result.objects)}  "
          f"files consumed {len(result.consumed)}  patch files {len(result.patches)}")
    print(f"load_paths (today's parse, {len(loaded.objects)} objects): {t_load * 1000:8.1f} ms")
    print(f"load_paths of the consumed files only:   {t_consumed * 1000:8.1f} ms")
    print(f"build_tree (rule kinds):                 {t_build * 1000:8.1f} ms")
    print(f"lint's parse with builds (estimate):     {(t_load - t_consumed + t_build) * 1000:8.1f} ms "
          f"({(t_load - t_consumed + t_build) / t_load:.2f}x today's)")
    print(f"build_tree (all kinds):                  {t_all * 1000:8.1f} ms")
    for unit, reason in sorted(failed.items()):
        print(f"  fallback {Path(unit).relative_to(args.corpus)}: {reason.split(': ', 1)[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
