#!/usr/bin/env python3
"""Benchmark ``crashlint lint`` against the floors of merely parsing the same bytes.

    python bench/bench_lint.py [--corpus DIR] [--objects N] [--seed S] [--repeat 3] [--profile]

Generates the corpus into ``bench/corpus/`` when it is missing (or was generated for another
size, seed or generator version), then in one run measures:

* parse floors over every manifest file: PyYAML's C ``load_all``; its C ``compose_all`` (the
  node trees that keep line/column marks — what the linter must build for positions) with the
  garbage collector on and paused; the same compose restricted to the non-CRD documents (what
  the linter actually parses: it skips CRDs by sniffing ``kind:``); ``json.loads`` of the same
  data re-encoded as JSON; ``ruamel.yaml`` round-trip loading of a byte sample, extrapolated;
* ``crashlint lint CORPUS -o json`` as a subprocess (median wall and CPU time of ``--repeat``
  runs, objects/s, MB/s, peak RSS of the child, findings) and the in-process ``lint_paths``.

It prints a table and writes ``bench/results.json``. MB is 10^6 bytes. ``--profile`` adds a
cProfile of the in-process lint (top 15 by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

import gen_corpus

HERE = Path(__file__).resolve().parent
SUFFIXES = (".yaml", ".yml", ".json")
# Reference numbers of DESIGN.md, measured on these machines on 10,000 real-world objects (54 MB).
CHECKOV = {"seconds": 176.0, "peak_rss_mb": 2100.0, "corpus": "10,000 real-world objects, 54 MB",
           "source": "DESIGN.md (measured on these machines; checkov is not installed for this benchmark)"}
GOAL_SPEEDUP = 30.0
_DOC_START = re.compile(rb"^---(?=[ \t\r\n]|$)", re.M)
_CRD_KIND = re.compile(rb"^kind[ \t]*:[ \t]*[\"']?CustomResourceDefinition[\"']?[ \t]*(?:#[^\n]*)?\r?$", re.M)

try:
    from yaml import CSafeLoader as CLoader
except ImportError:  # pragma: no cover - the floors need libyaml
    sys.exit("bench_lint: PyYAML was built without libyaml; the C floors cannot be measured")


def ensure_corpus(corpus: Path, objects: int, seed: int) -> None:
    """Generate the corpus unless it is already the one asked for."""
    marker = corpus / gen_corpus.MARKER
    if marker.exists() and json.loads(marker.read_text()) == gen_corpus.fingerprint(objects, seed):
        return
    print(f"generating {objects} objects (seed {seed}) into {corpus} ...", file=sys.stderr)
    files, expected = gen_corpus.build(objects, seed)
    gen_corpus.write(corpus, files, expected, objects, seed)


def manifest_files(corpus: Path) -> list[tuple[str, bytes]]:
    """Every file the linter reads, in its order (sorted walk, hidden directories skipped)."""
    out: list[tuple[str, bytes]] = []
    for root, dirs, files in os.walk(corpus):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(SUFFIXES):
                path = os.path.join(root, name)
                out.append((path, Path(path).read_bytes()))
    return out


def timed(fn: Callable[[], Any], gc_paused: bool = False) -> tuple[dict[str, float], Any]:
    """Wall and CPU seconds of ``fn()`` (CPU is what a busy shared machine distorts least).

    With ``gc_paused`` the collector is off while ``fn`` runs, as in the linter's loader.
    """
    gc.collect()
    if gc_paused:
        gc.disable()
    start, cpu = time.perf_counter(), time.process_time()
    try:
        value = fn()
    finally:
        took = {"wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu}
        if gc_paused:
            gc.enable()
    return took, value


def non_crd_documents(files: list[tuple[str, bytes]]) -> list[bytes]:
    """The documents a kind-sniffing loader still parses: everything but CRDs."""
    out = []
    for _, raw in files:
        starts = [m.start() for m in _DOC_START.finditer(raw)]
        if not starts or starts[0] != 0:
            starts.insert(0, 0)
        for i, start in enumerate(starts):
            chunk = raw[start:starts[i + 1] if i + 1 < len(starts) else len(raw)]
            if not _CRD_KIND.search(chunk):
                out.append(chunk)
    return out


def parse_floors(files: list[tuple[str, bytes]], ruamel_share: float) -> dict[str, Any]:
    """Seconds to parse the corpus with each parser.

    Each parser's result stays alive until its timing ends (as the linter keeps its trees) and
    is dropped before the next one starts, so no run pays for another's objects in GC passes.
    """
    texts = [raw for _, raw in files]
    wanted = non_crd_documents(files)
    floors: dict[str, Any] = {
        "pyyaml_c_compose_all_gc_on": timed(lambda: [list(yaml.compose_all(t, Loader=CLoader)) for t in texts])[0],
        "pyyaml_c_compose_all_gc_paused": timed(lambda: [list(yaml.compose_all(t, Loader=CLoader)) for t in texts],
                                                gc_paused=True)[0],
        "pyyaml_c_compose_non_crd_gc_paused": timed(lambda: [yaml.compose(t, Loader=CLoader) for t in wanted],  # noqa: F821 (called before the del below)
                                                    gc_paused=True)[0],
        "non_crd_bytes": sum(len(t) for t in wanted),
    }
    del wanted
    floors["pyyaml_c_load_all"], docs = timed(lambda: [list(yaml.load_all(t, Loader=CLoader)) for t in texts])
    as_json = [json.dumps(d, default=str).encode() for d in docs]
    del docs
    floors["json_loads"] = timed(lambda: [json.loads(t) for t in as_json])[0]  # noqa: F821 (called before the del)
    floors["json_bytes"] = sum(len(t) for t in as_json)
    del as_json
    floors.update(ruamel_floor(texts, ruamel_share))
    gc.collect()
    return floors


def ruamel_floor(texts: list[bytes], share: float) -> dict[str, Any]:
    """ruamel.yaml round-trip load of every k-th file (about ``share`` of the bytes), extrapolated by bytes."""
    try:
        from ruamel.yaml import YAML
    except ImportError:
        return {"ruamel_rt_note": "ruamel.yaml not installed"}
    step = max(1, round(1 / share))
    sample = texts[::step]
    rt = YAML(typ="rt")
    took = timed(lambda: [list(rt.load_all(s)) for s in sample])[0]
    sample_bytes = sum(len(s) for s in sample)
    factor = sum(len(s) for s in texts) / sample_bytes
    return {"ruamel_rt_sample": took, "ruamel_rt_sample_bytes": sample_bytes,
            "ruamel_rt_extrapolated": {k: v * factor for k, v in took.items()}}


def crashlint_command() -> list[str]:
    exe = shutil.which("crashlint")
    return [exe] if exe else [sys.executable, "-m", "crashlint"]


# Runs the command and reports its rusage. A child forked straight from this (by then large)
# process would count the parent's pages in ru_maxrss before exec; a small helper avoids that.
_MEASURE = """
import json, os, subprocess, sys, time
out_path, result_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(out_path, "wb") as out:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
with open(result_path, "w") as fh:
    json.dump({"wall_s": wall, "exit_code": proc.returncode, "maxrss_kb": usage.ru_maxrss,
               "user_s": usage.ru_utime, "sys_s": usage.ru_stime}, fh)
"""


def run_cli(corpus: Path) -> dict[str, Any]:
    """One ``crashlint lint CORPUS -o json`` in a child process: wall time, CPU, exit code, peak RSS, report."""
    cmd = [*crashlint_command(), "lint", str(corpus), "-o", "json"]
    with tempfile.TemporaryDirectory() as tmp:
        out, res = os.path.join(tmp, "out.json"), os.path.join(tmp, "rusage.json")
        proc = subprocess.run([sys.executable, "-c", _MEASURE, out, res, *cmd], stderr=subprocess.PIPE)
        if proc.returncode != 0 or not os.path.exists(res):
            sys.exit(f"bench_lint: measuring {' '.join(cmd)} failed: {proc.stderr.decode(errors='replace')[-2000:]}")
        usage = json.loads(Path(res).read_text())
        raw = Path(out).read_bytes()
    if usage["exit_code"] not in (0, 1):
        sys.exit(f"bench_lint: {' '.join(cmd)} exited {usage['exit_code']}: "
                 f"{proc.stderr.decode(errors='replace')[-2000:]}")
    return {"wall_s": usage["wall_s"], "cpu_s": usage["user_s"] + usage["sys_s"], "exit_code": usage["exit_code"],
            "peak_rss_mb": usage["maxrss_kb"] / 1024, "report": json.loads(raw)}


def run_api(corpus: Path) -> dict[str, float]:
    """Wall and CPU seconds of one in-process ``lint_paths`` (no interpreter start, no JSON output)."""
    from crashlint.engine.api import lint_paths
    took, report = timed(lambda: lint_paths([str(corpus)]))
    del report
    return took


def profile_api(corpus: Path, top: int = 15) -> str:
    """cProfile of one in-process lint: the ``top`` functions by cumulative time."""
    from crashlint.engine.api import lint_paths
    prof = cProfile.Profile()
    prof.runcall(lint_paths, [str(corpus)])
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


def table(rows: list[tuple[str, str, str, str]]) -> str:
    width = max(len(r[0]) for r in rows)
    head = f"{'':<{width}}  {'wall':>9}  {'CPU':>9}  note"
    return "\n".join([head] + [f"{name:<{width}}  {wall:>9}  {cpu:>9}  {note}" for name, wall, cpu, note in rows])


def display_path(path: Path) -> str:
    """The corpus path relative to the repository (results.json is committed: no machine paths)."""
    try:
        return str(path.resolve().relative_to(HERE.parent))
    except ValueError:
        return path.name


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "cpu_s")}


def secs(t: dict[str, float]) -> tuple[str, str]:
    return f"{t['wall_s']:.2f} s", f"{t['cpu_s']:.2f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=HERE / "corpus")
    ap.add_argument("--objects", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="lint runs to take the median of (default 3)")
    ap.add_argument("--ruamel-share", type=float, default=0.05, help="byte share of the ruamel.yaml sample")
    ap.add_argument("--results", type=Path, default=HERE / "results.json")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile of the in-process lint")
    args = ap.parse_args(argv)
    ensure_corpus(args.corpus, args.objects, args.seed)
    files = manifest_files(args.corpus)
    total_bytes = sum(len(raw) for _, raw in files)
    mb = total_bytes / 1e6
    print(f"corpus {args.corpus}: {len(files)} files, {mb:.1f} MB; measuring ...", file=sys.stderr)
    floors = parse_floors(files, args.ruamel_share)
    del files
    gc.collect()
    cli_runs = [run_cli(args.corpus) for _ in range(args.repeat)]
    api_runs = [run_api(args.corpus) for _ in range(args.repeat)]
    report = cli_runs[-1]["report"]
    objects = report["summary"]["objects"]
    cli, api = median_of(cli_runs), median_of(api_runs)
    wall, peak = cli["wall_s"], max(r["peak_rss_mb"] for r in cli_runs)
    compose = floors["pyyaml_c_compose_all_gc_paused"]
    from crashlint.rules import all_rules
    results = {
        "date_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpus": os.cpu_count(), "load_avg_1m_at_end": os.getloadavg()[0],
                    "platform": platform.platform(), "python": platform.python_version(),
                    "pyyaml": yaml.__version__, "libyaml": yaml.__with_libyaml__},
        "corpus": {"path": display_path(args.corpus), "objects_requested": args.objects, "seed": args.seed,
                   "files": report["summary"]["files"], "objects": objects, "bytes": total_bytes},
        "rules": len(all_rules()),
        "floors": floors,
        "lint_cli": {"command": "crashlint lint CORPUS -o json", "runs": [{k: r[k] for k in (
                         "wall_s", "cpu_s", "peak_rss_mb", "exit_code")} for r in cli_runs],
                     "median": cli, "objects_per_s": objects / wall, "mb_per_s": mb / wall, "peak_rss_mb": peak,
                     "findings": len(report["findings"]), "errors": len(report["errors"]),
                     "summary": report["summary"]},
        "lint_api": {"call": "crashlint.engine.api.lint_paths([CORPUS])", "runs": api_runs, "median": api},
        "ratio_lint_to_compose_gc_paused": {k: cli[k] / compose[k] for k in cli},
        "checkov_reference": {**CHECKOV, "speedup": CHECKOV["seconds"] / wall,
                              "memory_fraction": peak / CHECKOV["peak_rss_mb"],
                              "goal_speedup": GOAL_SPEEDUP, "goal_met": CHECKOV["seconds"] / wall >= GOAL_SPEEDUP},
    }
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    rows = [
        ("corpus", f"{mb:.1f} MB", "", f"{objects} objects in {report['summary']['files']} files"),
        ("PyYAML C load_all", *secs(floors["pyyaml_c_load_all"]), "GC on"),
        ("PyYAML C compose_all", *secs(floors["pyyaml_c_compose_all_gc_on"]), "GC on"),
        ("PyYAML C compose_all", *secs(compose), "GC paused: the floor for positions"),
        ("  non-CRD documents only", *secs(floors["pyyaml_c_compose_non_crd_gc_paused"]),
         f"GC paused, {floors['non_crd_bytes'] / 1e6:.1f} MB: what the linter parses"),
        ("json.loads, same data", *secs(floors["json_loads"]), f"{floors['json_bytes'] / 1e6:.1f} MB of JSON"),
    ]
    if "ruamel_rt_extrapolated" in floors:
        rows.append(("ruamel.yaml round-trip", *secs(floors["ruamel_rt_extrapolated"]),
                     f"extrapolated from a {floors['ruamel_rt_sample_bytes'] / 1e6:.1f} MB sample "
                     f"({floors['ruamel_rt_sample']['wall_s']:.2f} s)"))
    rows += [
        ("crashlint lint -o json", *secs(cli), f"median of {args.repeat}: "
         + ", ".join(f"{r['wall_s']:.2f}" for r in cli_runs)),
        ("  objects/s", f"{objects / wall:,.0f}", f"{objects / cli['cpu_s']:,.0f}", ""),
        ("  MB/s", f"{mb / wall:.1f}", f"{mb / cli['cpu_s']:.1f}", ""),
        ("  peak RSS", f"{peak:.0f} MB", "", "max over runs (child's ru_maxrss)"),
        ("  findings", str(len(report["findings"])), "", f"exit {cli_runs[-1]['exit_code']}, "
         f"{len(report['errors'])} errors"),
        ("lint_paths (in-process)", *secs(api), f"median of {args.repeat}"),
        ("lint / compose floor", f"{wall / compose['wall_s']:.1f}x", f"{cli['cpu_s'] / compose['cpu_s']:.1f}x",
         "CLI median / compose_all with GC paused"),
        ("vs checkov (176 s, 2.1 GB)", f"{CHECKOV['seconds'] / wall:.0f}x", "",
         f"faster, {100 * peak / CHECKOV['peak_rss_mb']:.0f}% of its memory; goal {GOAL_SPEEDUP:.0f}x "
         f"({'met' if results['checkov_reference']['goal_met'] else 'NOT met'})"),
    ]
    print(table(rows))
    print(f"\nresults written to {args.results}")
    if args.profile:
        print("\n" + profile_api(args.corpus))
    return 0


if __name__ == "__main__":
    sys.exit(main())
