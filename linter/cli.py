"""The ``crashlint`` command line. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/input errors."""

from __future__ import annotations

import argparse
import json
import os
import sys
import importlib
from collections.abc import Sequence

from . import __version__
from .config import ConfigError, Settings, find_config, load_settings
from .findings import SEVERITY_RANK
from .policy import load_policies
from .reporters.safe import printable

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C

# Sub-commands kept in their own modules; each has ``register(subparsers)``. A module whose
# optional dependencies are missing is left out of the command list instead of failing the CLI.
COMMAND_MODULES = ("crashlint.fixer_cli", "crashlint.runtime.cli", "crashlint.webhook.cli")


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message short and on stderr."""


def _settings(args: argparse.Namespace) -> Settings:
    path = args.config or find_config()
    return load_settings(path)


def _cmd_lint(args: argparse.Namespace) -> int:
    from .api import lint_paths
    from .reporters import RENDERERS

    settings = _settings(args)
    cluster = None
    cluster_errors: tuple[type[Exception], ...] = ()
    if args.cluster or args.kubeconfig or args.context:
        try:
            from .cluster import ClusterError, ClusterSource  # needs the optional `kubernetes` client
        except ImportError:
            print("crashlint: --cluster needs the kubernetes client: pip install 'crashlint[cluster]'",
                  file=sys.stderr)
            return EXIT_ERROR
        cluster = ClusterSource(kubeconfig=args.kubeconfig, context=args.context)
        cluster_errors = (ClusterError,)
    try:
        report = lint_paths(args.paths, settings, stdin=sys.stdin.buffer if "-" in args.paths else None,
                            cluster=cluster)
    except cluster_errors as exc:  # an unreachable cluster is one clear error, not a traceback
        print(f"crashlint: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for note in report.notes:
        print(f"crashlint: note: {printable(note)}", file=sys.stderr)
    color = args.output == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    sys.stdout.write(RENDERERS[args.output](report, load_policies(), color))
    if report.errors:
        return EXIT_ERROR
    if args.fail_on == "never":
        return EXIT_OK
    threshold = SEVERITY_RANK[args.fail_on]
    return EXIT_FINDINGS if any(SEVERITY_RANK[f.severity] >= threshold for f in report.findings) else EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    settings = _settings(args)
    metas = load_policies().rules
    rows = []
    for rid in sorted(metas):
        m, rs = metas[rid], settings.rules[rid]
        rows.append({"id": rid, "cause": m.cause, "severity": rs.severity, "enabled": rs.enabled,
                     "summary": m.summary, "params": rs.params})
    if args.output == "json":
        print(json.dumps({"version": 1, "rules": rows}, indent=2))
    else:
        width = max(len(r["id"]) for r in rows)
        for r in rows:
            state = r["severity"] if r["enabled"] else "off"
            print(f"{r['id']:<{width}}  {state:<7}  {r['cause']:<16}  {r['summary']}")
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    metas = load_policies().rules
    m = metas.get(args.rule)
    if m is None:
        close = [r for r in metas if args.rule in r]
        hint = f" (did you mean {', '.join(close)}?)" if close else " (see `crashlint rules`)"
        print(f"crashlint: unknown rule '{args.rule}'{hint}", file=sys.stderr)
        return EXIT_ERROR
    print(f"{m.id}  [{m.severity}, cause: {m.cause}]\n")
    print(f"{m.summary}\n")
    print(f"What you see in the cluster:\n  {m.symptom}\n")
    print("Why it crashes:")
    print("\n".join("  " + line if line else "" for line in m.explanation.strip().splitlines()) + "\n")
    print("Example that triggers it:")
    print("\n".join("  " + line for line in m.example.rstrip().splitlines()) + "\n")
    print("Fix:")
    print("\n".join("  " + line for line in m.fix.strip().splitlines()))
    if m.params:
        print("\nParameters (override under rules.%s.params in .crashlint.yaml):" % m.id)
        for k, v in m.params.items():
            print(f"  {k}: {json.dumps(v)}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="crashlint", description="Catch Kubernetes settings that make pods crash (CrashLoopBackOff).")
    p.add_argument("--version", action="version", version=f"crashlint {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    lint = sub.add_parser("lint", help="lint manifests (files, directories, '-' for stdin)")
    lint.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    lint.add_argument("-o", "--output", choices=["text", "json", "sarif", "junit", "github"], default="text")
    lint.add_argument("--fail-on", choices=["error", "warning", "info", "never"], default="error")
    lint.add_argument("--config", help="config file (default: nearest .crashlint.yaml upwards)")
    lint.add_argument("--cluster", action="store_true", help="also resolve references in the live cluster")
    lint.add_argument("--kubeconfig")
    lint.add_argument("--context")
    lint.set_defaults(func=_cmd_lint)

    rules = sub.add_parser("rules", help="list the rules with their severity and cause")
    rules.add_argument("-o", "--output", choices=["text", "json"], default="text")
    rules.add_argument("--config")
    rules.set_defaults(func=_cmd_rules)

    explain = sub.add_parser("explain", help="why a rule's finding crashes pods, an example, and the fix")
    explain.add_argument("rule")
    explain.set_defaults(func=_cmd_explain)

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (exc.name == name or name.startswith(exc.name + ".")):
                continue  # not written/installed
            raise
        module.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; whatever happens, the exit code keeps its meaning.

    ``1`` means "findings" and CI recipes accept it (``|| test $? -eq 1``), so an unexpected
    exception must never end the process with Python's default ``1``: it is reported on one
    line and exits ``2``, like any other input the tool could not handle.
    """
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        return int(args.func(args))
    except ConfigError as exc:
        print(f"crashlint: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (`| head`): not an error, and nothing left to say
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence of the exit-code contract
        print(internal_error(exc), file=sys.stderr)
        return EXIT_ERROR


def internal_error(exc: BaseException) -> str:
    """The one line printed for an exception no code path expected."""
    detail = _one_line(exc)[:500]
    return (f"crashlint: internal error: {type(exc).__name__}{': ' + detail if detail else ''} "
            "(a bug; please report it with the input that caused it)")


def _one_line(exc: BaseException) -> str:
    """An exception's message on one printable line (libyaml's span several; input may hold escapes)."""
    return printable(" ".join(str(exc).split()))


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
