"""The ``crashlint`` command line. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/input errors."""

from __future__ import annotations

import argparse
import json
import os
import sys
import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import __version__
from .config import ConfigError, Settings, find_config, load_settings
from .findings import SEVERITIES, SEVERITY_RANK
from .policy import load_policies
from .reporters.safe import printable

if TYPE_CHECKING:  # the lint machinery is imported when a command needs it: `--help` stays fast
    from .api import LintReport

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C

# Sub-commands kept in their own modules; each has ``register(subparsers)``. A module whose
# optional dependencies are missing is left out of the command list instead of failing the CLI.
COMMAND_MODULES = ("crashlint.fixer_cli", "crashlint.runtime.cli", "crashlint.webhook.cli")

OUTPUTS = ("text", "json", "sarif", "junit", "github")
# The lowest severity listed when neither --min-severity nor the config's min_severity says:
# output read by a person (the terminal, a pre-commit hook, annotations on a diff) leaves info
# out, so the error that stops a commit is not buried under nudges; output read by a program
# (JSON, SARIF, JUnit), which shows severities apart or filters them itself, lists everything.
DEFAULT_MIN_SEVERITY = {"text": "warning", "github": "warning", "json": "info", "sarif": "info", "junit": "info"}


class _HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the help already says it.

    ``ArgumentDefaultsHelpFormatter`` would also print ``(default: False)`` for flags and
    ``(default: None)`` for options that have no default; those say nothing.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False, [], argparse.SUPPRESS) or "default" in text or not text:
            return text
        shown = " ".join(action.default) if isinstance(action.default, list) else "%(default)s"
        return f"{text} (default: {shown})"


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message short and on stderr.

    Sub-command parsers are made by ``add_parser`` with this class too, so all of them get
    :class:`_HelpFormatter`.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


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
    if report.objects == 0 and not report.errors:
        print(f"crashlint: {printable(nothing_found(args.paths, report))}", file=sys.stderr)
    failing = args.fail_on != "never" and any(
        SEVERITY_RANK[f.severity] >= SEVERITY_RANK[args.fail_on] for f in report.findings)
    hide_below(report, listed_from(args.min_severity, settings.min_severity, args.output, args.fail_on))
    color = args.output == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    sys.stdout.write(RENDERERS[args.output](report, load_policies(), color))
    if report.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if failing else EXIT_OK


def listed_from(flag: str | None, configured: str | None, output: str, fail_on: str) -> str:
    """The lowest severity listed: ``--min-severity``, else the config's ``min_severity``, else
    the output's default, and never above ``--fail-on``: a run does not fail on a finding it
    does not show (``--fail-on info`` lists info findings whatever hides them)."""
    chosen = flag or configured or DEFAULT_MIN_SEVERITY[output]
    if fail_on in SEVERITY_RANK and SEVERITY_RANK[fail_on] < SEVERITY_RANK[chosen]:
        return fail_on
    return chosen


def hide_below(report: LintReport, lowest: str) -> None:
    """Leave findings under ``lowest`` out of ``report.findings``; ``report.hidden`` counts them
    per severity, so the summaries still count everything that was found."""
    floor = SEVERITY_RANK[lowest]
    listed = []
    for f in report.findings:
        if SEVERITY_RANK[f.severity] >= floor:
            listed.append(f)
        else:
            report.hidden[f.severity] = report.hidden.get(f.severity, 0) + 1
    report.findings = listed


def nothing_found(paths: Sequence[str], report: LintReport) -> str:
    """What an empty run says on stderr: where it looked, and what it read but skipped."""
    where = "in standard input" if list(paths) == ["-"] else "under " + ", ".join(
        "standard input" if p == "-" else p for p in paths)
    left_out = f"{report.excluded} file(s) left out by `exclude` of the config" if report.excluded else ""
    if not report.files:
        return f"0 manifests found {where}: " + (left_out or "no *.yaml, *.yml or *.json file there")
    skipped = report.skipped
    shown = "; ".join(f"{s.file}: {s.reason}" for s in skipped[:3])
    more = f"; and {len(skipped) - 3} more (-o json lists them under \"skipped\")" if len(skipped) > 3 else ""
    return (f"0 manifests found {where}: {report.files} file(s) read, {len(skipped)} skipped"
            + (f" ({shown}{more})" if skipped else "") + (f"; {left_out}" if left_out else ""))


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

    lint = sub.add_parser(
        "lint", help="lint manifests (files, directories, '-' for stdin)",
        description="Lint Kubernetes manifests for settings that make pods crash. Exit 0: nothing at or "
                    "above --fail-on; 1: findings at or above it; 2: a usage or config error, a manifest "
                    "that could not be read, or an internal error.")
    lint.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                      help="files and directories (recursive *.yaml *.yml *.json), '-' for stdin")
    lint.add_argument("-o", "--output", choices=OUTPUTS, default="text",
                      help="output format; text is coloured only on a terminal, and NO_COLOR turns colour off")
    lint.add_argument("--fail-on", choices=["error", "warning", "info", "never"], default="error",
                      help="exit 1 when a finding has this severity or a higher one (never: exit 0 on findings)")
    lint.add_argument("--min-severity", choices=SEVERITIES, metavar="{error,warning,info}",
                      help="the lowest severity listed; the summary still counts the others (default: "
                           "min_severity of the config, else warning for text and github output and info "
                           "for json, sarif and junit; never above --fail-on)")
    lint.add_argument("--config", metavar="FILE",
                      help="config file (default: the nearest .crashlint.yaml from the working directory "
                           "up to the repository root)")
    lint.add_argument("--cluster", action="store_true",
                      help="also resolve ConfigMaps, Secrets and ServiceAccounts in the live cluster "
                           "(needs the kubernetes client: pip install 'crashlint[cluster]')")
    lint.add_argument("--kubeconfig", metavar="FILE",
                      help="kubeconfig for --cluster (implies it; default: $KUBECONFIG or ~/.kube/config, in a pod its "
                           "service account)")
    lint.add_argument("--context", help="kubeconfig context for --cluster (implies it; default: the current one)")
    lint.set_defaults(func=_cmd_lint)

    rules = sub.add_parser("rules", help="list the rules with their severity and cause")
    rules.add_argument("-o", "--output", choices=["text", "json"], default="text", help="output format")
    rules.add_argument("--config", metavar="FILE",
                       help="show severities and switches as this config sets them (default: the nearest "
                            ".crashlint.yaml upwards)")
    rules.set_defaults(func=_cmd_rules)

    explain = sub.add_parser("explain", help="why a rule's finding crashes pods, an example, and the fix")
    explain.add_argument("rule", metavar="RULE", help="a rule id, as `crashlint rules` lists them")
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
