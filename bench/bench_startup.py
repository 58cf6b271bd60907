"""Start-up cost of the ``crashlint`` command: what a pre-commit hook pays on every commit.

Runs each command ``--runs`` times as a child process (round-robin, so load on a shared machine
falls on every command alike), after ``--warmup`` runs that compile the bytecode and fill the
policy cache, and prints the median wall time and the median CPU time (user + sys of the child)
of each, both also as the difference to ``python -c pass``, and how many modules each imports::

    python bench/bench_startup.py                 # 20 runs of each command
    python bench/bench_startup.py --runs 50 --file path/to/manifest.yaml

The commands are started through the ``crashlint`` console script next to the interpreter (what
pre-commit runs) when it exists, else as ``python -m crashlint``. ``lint, no policy cache`` runs
with ``CRASHLINT_CACHE_DIR`` empty (the cache off): the cost of parsing the shipped policies.

Run it with the interpreter of an installed (not editable) crashlint, as pre-commit installs it:
an editable install's finder runs in Python for every import, and loads ``pathlib`` into every
interpreter of that environment, ``python -c pass`` included. ``--also PYTHON`` adds another
installation (another tree, installed into its own environment): its ``python -c pass``,
``--version`` and ``lint FILE`` run interleaved with these, so two trees are compared on the same
machine at the same moment (a shared machine's speed drifts by a third within minutes)::

    python -m venv /tmp/now && /tmp/now/bin/pip install .
    python -m venv /tmp/old && /tmp/old/bin/pip install ./old-tree
    /tmp/now/bin/python bench/bench_startup.py --runs 40 --also /tmp/old/bin/python
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "examples" / "web.yaml"

# Imports the CLI as the console script does, runs one command, and writes how many modules were
# loaded to the file named by argv[1] (stdout and stderr go to /dev/null, as in the timed runs).
COUNT_MODULES = """
import sys
from crashlint.cli import main
out, argv = sys.argv[1], sys.argv[2:]
try:
    main(argv)
except SystemExit:
    pass
with open(out, "w") as fh:
    fh.write(str(len(sys.modules)))
"""


def crashlint_command(python: str = sys.executable) -> list[str]:
    """How the command is started: the console script when installed next to the interpreter."""
    script = Path(python).with_name("crashlint")
    return [str(script)] if script.exists() else [python, "-m", "crashlint"]


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + sys) seconds of one child run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def module_count(args: list[str], env: dict[str, str]) -> int:
    """Modules in ``sys.modules`` after the command ran (the interpreter's own start-up included)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "count"
        code = COUNT_MODULES if args else "import sys\nopen(sys.argv[1], 'w').write(str(len(sys.modules)))"
        subprocess.run([sys.executable, "-c", code, str(out), *args], env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return int(out.read_text())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20, help="timed runs of each command")
    ap.add_argument("--warmup", type=int, default=2, help="untimed runs of each command first")
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE, help="the manifest the one-file lint reads")
    ap.add_argument("--also", action="append", default=[], metavar="PYTHON",
                    help="the interpreter of another installation to compare with, interleaved (repeatable)")
    opts = ap.parse_args()

    env = {k: v for k, v in os.environ.items() if k not in ("CRASHLINT_CACHE_DIR", "PYTHONDONTWRITEBYTECODE")}
    no_cache = {**env, "CRASHLINT_CACHE_DIR": ""}
    cli = crashlint_command()
    lint = ["lint", str(opts.file), "--fail-on", "never"]
    cases: list[tuple[str, list[str], list[str], dict[str, str]]] = [
        ("python -c pass", [sys.executable, "-c", "pass"], [], env),
        ("crashlint --version", [*cli, "--version"], ["--version"], env),
        ("crashlint lint FILE", [*cli, *lint], lint, env),
        ("crashlint lint FILE, no policy cache", [*cli, *lint], lint, no_cache),
        ("crashlint rules", [*cli, "rules"], ["rules"], env),
    ]
    others: list[tuple[str, list[str], list[str], dict[str, str]]] = []
    for python in opts.also:
        other = crashlint_command(python)
        others += [(f"{python}: python -c pass", [python, "-c", "pass"], [], env),
                   (f"{python}: crashlint --version", [*other, "--version"], [], env),
                   (f"{python}: crashlint lint FILE", [*other, *lint], [], env)]
    times: dict[str, list[tuple[float, float]]] = {name: [] for name, *_ in cases + others}
    for i in range(opts.warmup + opts.runs):
        for name, argv, _, case_env in cases + others:
            measured = run_once(argv, case_env)
            if i >= opts.warmup:
                times[name].append(measured)

    def median(name: str, which: int) -> float:
        return statistics.median(t[which] for t in times[name]) * 1000

    base_wall, base_cpu = median(cases[0][0], 0), median(cases[0][0], 1)
    print(f"{opts.runs} runs each after {opts.warmup} warm-up runs; {' '.join(cli)}; lint of "
          f"{os.path.relpath(opts.file, ROOT)}; Python {sys.version.split()[0]}; load average "
          f"{os.getloadavg()[0]:.1f} at the end\n")
    print("| command | wall (median) | above `python -c pass` | CPU (median) | above `python -c pass` | modules |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, _, args, case_env in cases:
        wall, cpu = median(name, 0), median(name, 1)
        print(f"| `{name}` | {wall:.0f} ms | {wall - base_wall:+.0f} ms | {cpu:.0f} ms | {cpu - base_cpu:+.0f} ms "
              f"| {module_count(args, case_env)} |")
    for k in range(0, len(others), 3):  # each other installation against its own python -c pass
        own_wall, own_cpu = median(others[k][0], 0), median(others[k][0], 1)
        for name, *_ in others[k:k + 3]:
            wall, cpu = median(name, 0), median(name, 1)
            print(f"| `{name}` | {wall:.0f} ms | {wall - own_wall:+.0f} ms | {cpu:.0f} ms | {cpu - own_cpu:+.0f} ms | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
