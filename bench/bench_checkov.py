#!/usr/bin/env python3
"""crashlint versus checkov on the same generated corpus, back to back in one run.

    python bench/bench_checkov.py [--objects 10000] [--seed 1] [--corpus DIR] [--checkov PATH]
                                  [--venv DIR] [--timeout 1200] [--json OUT]

checkov is not a dependency of crashlint: unless ``--checkov`` names an executable, it is
installed once into a throwaway virtualenv (default ``$TMPDIR/crashlint-bench-checkov``, never
inside the repository) and reused by later runs. The corpus comes from ``gen_corpus.py``
(into a temporary directory unless ``--corpus`` is given).

Each tool runs as its own child under a sampler that reads ``/proc`` every 50 ms and records
the peak of the *sum* of RSS over the child's whole process tree: checkov forks workers, so
the ``ru_maxrss`` of ``wait4`` (the largest single process) would under-report it. ``ru_maxrss``
is printed too. Both tools write JSON to a file (parsed to check the run was real); the
machine is noisy, so only ratios measured in the same run are meaningful.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Run:
    """One measured child: what ran, how long, how much memory, how it ended."""

    tool: str
    command: list[str]
    seconds: float
    peak_tree_rss_mb: float
    max_single_rss_mb: float
    exit_code: int
    timed_out: bool
    summary: dict[str, Any]


def _children() -> dict[int, list[int]]:
    """ppid -> pids of every process visible in /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and all its descendants right now."""
    tree, todo, total = _children(), [root], 0
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, ()))
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def measure(tool: str, command: list[str], timeout: float) -> tuple[Run, Path]:
    """Run ``command`` with stdout to a file, sampling the RSS of its process tree until it exits."""
    out = Path(tempfile.mkstemp(prefix=f"bench-{tool}-", suffix=".json")[1])
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    with open(out, "wb") as fh:
        proc = subprocess.Popen(command, stdout=fh, stderr=subprocess.DEVNULL)
        peak, timed_out = 0, False
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid))
            if time.perf_counter() - start > timeout:
                proc.kill()
                timed_out = True
                break
            time.sleep(0.05)
        proc.wait()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of RUSAGE_CHILDREN is a running maximum: meaningful only when it grew.
    single = after / 1024 if after > before else float("nan")
    return Run(tool, command, seconds, peak / 2**20, single, proc.returncode, timed_out, {}), out


def summarize_crashlint(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    return {"objects": data["summary"]["objects"], "files": data["summary"]["files"],
            "findings": len(data["findings"]), "errors": len(data["errors"])}


def summarize_checkov(path: Path) -> dict[str, Any]:
    """checkov prints one report object, or a list of them (one per framework)."""
    text = path.read_text()
    if not text.strip():
        return {"note": "no output"}
    data = json.loads(text)
    reports = data if isinstance(data, list) else [data]
    failed = passed = resources = 0
    for r in reports:
        s = r.get("summary", {}) if isinstance(r, dict) else {}
        failed += s.get("failed", 0)
        passed += s.get("passed", 0)
        resources += s.get("resource_count", 0)
    return {"failed_checks": failed, "passed_checks": passed, "resources": resources}


def ensure_checkov(explicit: str | None, venv_dir: Path) -> str:
    """Path of a checkov executable: the given one, or one in the throwaway virtualenv."""
    if explicit:
        return explicit
    exe = venv_dir / "bin" / "checkov"
    if not exe.exists():
        print(f"installing checkov into {venv_dir} (once) ...", file=sys.stderr)
        venv.create(venv_dir, with_pip=True)
        subprocess.run([str(venv_dir / "bin" / "python"), "-m", "pip", "install", "-q", "checkov"], check=True)
    return str(exe)


def crashlint_command() -> list[str]:
    exe = shutil.which("crashlint")
    return [exe] if exe else [sys.executable, "-m", "crashlint"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpus", type=Path, help="use/generate the corpus here (default: a temporary directory)")
    ap.add_argument("--checkov", help="checkov executable (default: install into --venv)")
    ap.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "crashlint-bench-checkov")
    ap.add_argument("--timeout", type=float, default=1200.0, help="seconds allowed per tool")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    checkov = ensure_checkov(args.checkov, args.venv)
    version = subprocess.run([checkov, "--version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="crashlint-bench-") as scratch:
        corpus = args.corpus or Path(scratch) / "corpus"
        if not (corpus / ".crashlint-bench-corpus").exists():
            subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), str(corpus), "--objects", str(args.objects),
                            "--seed", str(args.seed)], check=True, stdout=subprocess.DEVNULL)
        size = sum(p.stat().st_size for p in corpus.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
        print(f"corpus: {args.objects} objects, {size / 1e6:.1f} MB; checkov {version}", file=sys.stderr)

        ours, ours_out = measure("crashlint", [*crashlint_command(), "lint", str(corpus), "-o", "json",
                                               "--fail-on", "never"], args.timeout)
        ours.summary = summarize_crashlint(ours_out)
        theirs, theirs_out = measure("checkov", [checkov, "-d", str(corpus), "--framework", "kubernetes", "--quiet",
                                                 "--compact", "-o", "json", "--skip-download"], args.timeout)
        try:
            theirs.summary = summarize_checkov(theirs_out)
        except (ValueError, OSError) as exc:
            theirs.summary = {"note": f"unreadable output: {exc}"}
        ours_out.unlink()
        theirs_out.unlink()

    speed = theirs.seconds / ours.seconds
    memory = theirs.peak_tree_rss_mb / ours.peak_tree_rss_mb if ours.peak_tree_rss_mb else float("nan")
    for r in (ours, theirs):
        flag = " (TIMED OUT)" if r.timed_out else ""
        print(f"{r.tool:<10} {r.seconds:8.2f} s  peak RSS (tree) {r.peak_tree_rss_mb:8.1f} MB  "
              f"ru_maxrss {r.max_single_rss_mb:8.1f} MB  exit {r.exit_code}{flag}  {r.summary}")
    print(f"checkov/crashlint: {speed:.1f}x wall time, {memory:.1f}x peak memory "
          f"({args.objects / ours.seconds:,.0f} vs {args.objects / theirs.seconds:,.0f} objects/s)")
    if args.json:
        args.json.write_text(json.dumps({"objects": args.objects, "seed": args.seed, "bytes": size,
                                         "checkov_version": version, "runs": [asdict(ours), asdict(theirs)],
                                         "speed_ratio": speed, "memory_ratio": memory}, indent=2) + "\n")
    return 0 if not (ours.timed_out or theirs.timed_out) else 1


if __name__ == "__main__":
    sys.exit(main())
