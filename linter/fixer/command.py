"""``crashlint fix PATH... [--diff] [--config F] [--rule ID ...]``: the implementation; its
arguments are defined with every other command's in ``cli.py``, which imports this module only
when ``fix`` runs.

Exit codes follow the pre-commit convention for hooks that modify files: ``0`` nothing to
fix, ``1`` fixes were applied (or, with ``--diff``, would be), ``2`` usage errors or inputs that
could not be read — the same ``2`` as ``crashlint lint``. A fix that cannot be applied safely is
reported on stderr and leaves its finding for ``crashlint lint`` to report.
"""

from __future__ import annotations

import argparse
import sys

from crashlint.settings.config import find_config, load_settings
from crashlint.settings.policy import load_policies
from crashlint.reporters.safe import printable

EXIT_OK, EXIT_FIXED, EXIT_ERROR = 0, 1, 2


def run(args: argparse.Namespace) -> int:
    from crashlint.engine.api import lint_paths
    from crashlint.fixer.apply import WriteRefused, fix_findings, unified_diff, write_fixed

    if "-" in args.paths:
        print("crashlint: fix rewrites files; it cannot read stdin ('-')", file=sys.stderr)
        return EXIT_ERROR
    wanted = {r.strip() for spec in args.rule for r in spec.split(",") if r.strip()}
    unknown = wanted - set(load_policies().rules)
    if unknown:
        print(f"crashlint: unknown rule(s): {', '.join(sorted(unknown))} (see `crashlint rules`)", file=sys.stderr)
        return EXIT_ERROR
    settings = load_settings(args.config or find_config())
    report = lint_paths(args.paths, settings)
    status = EXIT_OK
    for note in report.notes:
        print(f"crashlint: note: {printable(note)}", file=sys.stderr)
    for err in report.errors:
        where = f"{err.file}:{err.line}" if err.line else err.file
        print(f"crashlint: {where}: {err.message}", file=sys.stderr)
        status = EXIT_ERROR
    results = fix_findings(f for f in report.findings if not wanted or f.rule in wanted)
    applied = files = 0
    for fix in results:
        for s in fix.skipped:
            print(f"crashlint: {s.finding.file}:{s.finding.line}: fix of {s.finding.rule} not applied: {s.reason}",
                  file=sys.stderr)
        if not fix.changed:
            continue
        if args.diff:
            sys.stdout.write(unified_diff(fix))
        else:
            try:
                write_fixed(fix, args.paths)
            except WriteRefused as exc:
                print(f"crashlint: {printable(fix.path)}: not written: {exc}", file=sys.stderr)
                status = EXIT_ERROR
                continue
            except OSError as exc:
                print(f"crashlint: {printable(fix.path)}: cannot write: {exc.strerror or exc}", file=sys.stderr)
                status = EXIT_ERROR
                continue
        applied += len(fix.applied)
        files += 1
    verb = "would apply" if args.diff else "applied"
    if files:
        print(f"crashlint: {verb} {applied} fix{'es' if applied != 1 else ''} in {files} "
              f"file{'s' if files != 1 else ''}", file=sys.stderr)
    else:
        print("crashlint: nothing to fix", file=sys.stderr)
    return status if status != EXIT_OK else (EXIT_FIXED if files else EXIT_OK)
