"""The ``crashlint`` command line. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/input errors.

A pre-commit hook starts this once per commit, so start-up pays only for the command that runs:
this module defines every command's arguments (one argparse parser) and imports nothing of the
linter itself; each command's implementation is named as ``"module:function"`` and imported when
that command is chosen (``crashlint lint`` loads no runtime, webhook or fixer module, and
``crashlint --version`` none of the linter). ``tests/lint/test_startup.py`` holds it so.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys

from crashlint import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn

    from crashlint.model.report import LintReport
    from crashlint.settings.config import Settings

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C

# Every command, in the order `crashlint --help` lists them (build_parser defines each).
COMMANDS = ("lint", "rules", "explain", "fix", "runtime", "watch", "webhook", "certs")
OUTPUTS = ("text", "json", "sarif", "junit", "github", "html")
# findings.SEVERITIES, spelled here so that building the parser imports nothing of the model (a
# test keeps the two equal); --fail-on adds "never".
SEVERITY_CHOICES = ("error", "warning", "info")
# The lowest severity listed when neither --min-severity nor the config's min_severity says:
# output read by a person (the terminal, a pre-commit hook, annotations on a diff) leaves info
# out, so the error that stops a commit is not buried under nudges; output read by a program
# (JSON, SARIF, JUnit), which shows severities apart or filters them itself, lists everything.
# An HTML page is read by a person too: it lists what the terminal lists.
DEFAULT_MIN_SEVERITY = {"text": "warning", "github": "warning", "html": "warning", "json": "info", "sarif": "info",
                        "junit": "info"}


class _Command:
    """A command's implementation, named ``"module:function"`` and imported only when it runs."""

    __slots__ = ("target",)

    def __init__(self, target: str) -> None:
        self.target = target

    def __call__(self, args: argparse.Namespace) -> int:
        module, _, name = self.target.partition(":")
        return int(getattr(importlib.import_module(module), name)(args))


class _HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the help already says it.

    ``ArgumentDefaultsHelpFormatter`` would also print ``(default: False)`` for flags and
    ``(default: None)`` for options that have no default; those say nothing.
    """

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        # argparse sizes help to shutil.get_terminal_size(); importing shutil (with bz2, lzma and
        # fnmatch) costs every start a few ms although help is rarely printed: the same width here.
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False, [], argparse.SUPPRESS) or "default" in text or not text:
            return text
        shown = " ".join(action.default) if isinstance(action.default, list) else "%(default)s"
        return f"{text} (default: {shown})"


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size().columns`` finds it: $COLUMNS, else
    the terminal of stdout, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0 and sys.__stdout__ is not None:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (ValueError, OSError):  # not a terminal, or stdout closed
            columns = 0
    return columns if columns > 0 else 80


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message short and on stderr.

    Sub-command parsers are made by ``add_parser`` with this class too, so all of them get
    :class:`_HelpFormatter`.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # forwarded as given; Any would import typing


def _settings(args: argparse.Namespace) -> Settings:
    from crashlint.settings.config import find_config, load_settings

    path = args.config or find_config()
    return load_settings(path)


def _cmd_lint(args: argparse.Namespace) -> int:
    # A lint is a one-shot process whose input the loader's limits bound, and what it loads lives
    # until it exits: the cyclic collector would only walk the manifests (and, first, the modules
    # being imported: 1-2 ms) again and again. The library leaves the collector alone (the
    # webhook's workers run for days); the CLI turns it off.
    gc.disable()
    from crashlint.sources.yamlimport import import_yaml

    import_yaml()  # first: before the modules below import PyYAML with every pattern compiled
    from crashlint.engine.api import lint_paths
    from crashlint.model.findings import SEVERITY_RANK
    from crashlint.settings.policy import load_policies
    from crashlint.reporters import renderer
    from crashlint.reporters.safe import printable

    settings = _settings(args)
    cluster = None
    cluster_errors: tuple[type[Exception], ...] = ()
    if args.cluster or args.kubeconfig or args.context:
        try:
            from crashlint.sources.cluster import (  # needs the optional `kubernetes` client
                ClusterError,
                ClusterSource,
            )
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
    sys.stdout.write(renderer(args.output)(report, load_policies(), color))
    if report.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if failing else EXIT_OK


def listed_from(flag: str | None, configured: str | None, output: str, fail_on: str) -> str:
    """The lowest severity listed: ``--min-severity``, else the config's ``min_severity``, else
    the output's default, and never above ``--fail-on``: a run does not fail on a finding it
    does not show (``--fail-on info`` lists info findings whatever hides them)."""
    from crashlint.model.findings import SEVERITY_RANK

    chosen = flag or configured or DEFAULT_MIN_SEVERITY[output]
    if fail_on in SEVERITY_RANK and SEVERITY_RANK[fail_on] < SEVERITY_RANK[chosen]:
        return fail_on
    return chosen


def hide_below(report: LintReport, lowest: str) -> None:
    """Leave findings under ``lowest`` out of ``report.findings``; ``report.hidden`` counts them
    per severity, so the summaries still count everything that was found."""
    from crashlint.model.findings import SEVERITY_RANK

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
    import json

    from crashlint.settings.policy import load_policies

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
        width = max(len(rid) for rid in metas)
        for r in rows:
            state = r["severity"] if r["enabled"] else "off"
            print(f"{r['id']:<{width}}  {state:<7}  {r['cause']:<16}  {r['summary']}")
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    import json

    from crashlint.settings.policy import load_policies

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
        print(f"\nParameters (override under rules.{m.id}.params in .crashlint.yaml):")
        for k, v in m.params.items():
            print(f"  {k}: {json.dumps(v)}")
    return EXIT_OK


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or, given a name of ``COMMANDS``, of that command alone:
    :func:`main` passes the command its command line names, so that ``lint`` (a pre-commit
    hook's) does not build the other commands' arguments, 5 ms of CPU at every start."""
    p = _Parser(prog="crashlint", description="Catch Kubernetes settings that make pods crash (CrashLoopBackOff).")
    p.add_argument("--version", action="version", version=f"crashlint {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    builders = ((("lint",), _add_lint), (("rules",), _add_rules), (("explain",), _add_explain), (("fix",), _add_fix),
                (("runtime",), _add_runtime), (("watch",), _add_watch), (("webhook", "certs"), _add_webhook))
    for names, add in builders:
        if command is None or command in names:
            add(sub)
    return p


def _add_lint(sub: argparse._SubParsersAction[_Parser]) -> None:
    lint = sub.add_parser(
        "lint", help="lint manifests (files, directories, '-' for stdin)",
        description="Lint Kubernetes manifests for settings that make pods crash. Exit 0: nothing at or "
                    "above --fail-on; 1: findings at or above it; 2: a usage or config error, a manifest "
                    "that could not be read, or an internal error.")
    lint.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                      help="files and directories (recursive *.yaml *.yml *.json), '-' for stdin")
    lint.add_argument("-o", "--output", choices=OUTPUTS, default="text",
                      help="output format; text is coloured only on a terminal, and NO_COLOR turns colour off; "
                           "html is one self-contained page")
    lint.add_argument("--fail-on", choices=[*SEVERITY_CHOICES, "never"], default="error",
                      help="exit 1 when a finding has this severity or a higher one (never: exit 0 on findings)")
    lint.add_argument("--min-severity", choices=SEVERITY_CHOICES, metavar="{error,warning,info}",
                      help="the lowest severity listed; the summary still counts the others (default: "
                           "min_severity of the config, else warning for text, github and html output and info "
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


def _add_rules(sub: argparse._SubParsersAction[_Parser]) -> None:
    rules = sub.add_parser("rules", help="list the rules with their severity and cause")
    rules.add_argument("-o", "--output", choices=["text", "json"], default="text", help="output format")
    rules.add_argument("--config", metavar="FILE",
                       help="show severities and switches as this config sets them (default: the nearest "
                            ".crashlint.yaml upwards)")
    rules.set_defaults(func=_cmd_rules)


def _add_explain(sub: argparse._SubParsersAction[_Parser]) -> None:
    explain = sub.add_parser("explain", help="why a rule's finding crashes pods, an example, and the fix")
    explain.add_argument("rule", metavar="RULE", help="a rule id, as `crashlint rules` lists them")
    explain.set_defaults(func=_cmd_explain)


def _add_fix(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser(
        "fix", help="apply the safe fixes of findings to the files, keeping comments and layout",
        description="Apply the fixes that findings carry (those that cannot change behaviour beyond "
                    "the finding) to the files. Exit 0: nothing to fix; 1: files fixed (or would "
                    "be, with --diff); 2: usage or input errors.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (recursive *.yaml *.yml *.json)")
    p.add_argument("--diff", action="store_true", help="print a unified diff instead of writing the files")
    p.add_argument("--config", help="config file (default: nearest .crashlint.yaml upwards)")
    p.add_argument("--rule", action="append", default=[], metavar="ID",
                   help="only apply fixes of this rule (repeat, or separate with commas)")
    p.set_defaults(func=_Command("crashlint.fixer.command:run"))


def _add_runtime(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser(
        "runtime", help="classify live crashes and mark each finding confirmed / not observed / no pods",
        description="Read pods, owners, events and previous logs (live, or a `kubectl get "
                    "pods,replicasets,jobs,events -o json` dump), classify every crashing container, "
                    "and join the crashes to the findings of --manifests (or of the cluster's own workloads).")
    p.add_argument("--manifests", nargs="+", metavar="PATH", help="manifests to lint and join (default: the "
                   "workloads found in the cluster or dump)")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", help="namespace to read (default: the kubeconfig context's)")
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="read every namespace")
    p.add_argument("--kubeconfig", metavar="FILE",
                   help="kubeconfig of the live cluster (default: $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--context", help="kubeconfig context (default: the current one)")
    p.add_argument("-o", "--output", choices=["text", "json", "html"], default="text",
                   help="output format (html: one self-contained page)")
    p.add_argument("--from", dest="from_file", metavar="FILE|-", help="offline: a `kubectl get "
                   "pods,replicasets,jobs,events -o json` List ('-' for stdin)")
    p.add_argument("--logs", metavar="FILE", help='offline logs: {"<ns>/<pod>/<container>": '
                   '{"previous": "...", "current": "..."}}')
    p.add_argument("--now", metavar="RFC3339", help="reference time for ages (default: the clock live, the "
                   "newest timestamp of a dump)")
    p.add_argument("--fail-on", choices=[*SEVERITY_CHOICES, "unpredicted", "never"], default="error",
                   help="exit 1 on a confirmed finding at or above this severity or an unpredicted crash "
                        "(unpredicted: only unpredicted crashes; never: always 0)")
    p.add_argument("--config", help="config file (default: nearest .crashlint.yaml upwards)")
    p.set_defaults(func=_Command("crashlint.runtime.cli:run"))


def _add_watch(sub: argparse._SubParsersAction[_Parser]) -> None:
    """``watch``: runtime mode kept current in the cluster (needs the ``webhook`` extra's client and
    prometheus-client, as the image has them)."""
    p = sub.add_parser(
        "watch", help="watch the cluster: confirm crashes as they happen; metrics, Events and a page over HTTP",
        description="List, then watch Pods, Events, ReplicaSets, Jobs and the workloads; judge every workload "
                    "as `crashlint runtime` does whenever it changes; serve / (the report), /metrics, /healthz "
                    "and /readyz; record CrashConfirmed / CrashUnpredicted Events on the workloads while "
                    "holding the Lease. Runs until SIGTERM.")
    p.add_argument("-n", "--namespace", help="watch one namespace (default: every namespace)")
    p.add_argument("-l", "--selector", metavar="SELECTOR",
                   help="label selector for pods, their owners and the workloads, e.g. app=web,tier!=cache")
    p.add_argument("--namespace-selector", metavar="SELECTOR",
                   help="only namespaces whose labels match, e.g. crashlint.io/watch=true (lists namespaces)")
    p.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig (default: $KUBECONFIG or ~/.kube/config; "
                                                        "in a pod, its service account)")
    p.add_argument("--context", help="kubeconfig context (default: the current one)")
    p.add_argument("--config", help="config file (default: nearest .crashlint.yaml upwards)")
    p.add_argument("--listen", default="0.0.0.0:8080", metavar="HOST:PORT", help="where to serve HTTP")
    p.add_argument("--lease-name", default="crashlint-watch", help="the coordination.k8s.io Lease to hold")
    p.add_argument("--lease-namespace", help="namespace of the Lease (default: the pod's own, or the "
                                             "kubeconfig context's)")
    p.add_argument("--identity", help="this replica's name in the Lease (default: hostname and a random suffix)")
    p.add_argument("--no-leader-election", action="store_true",
                   help="publish Events without holding a Lease (one replica only)")
    p.add_argument("--no-events", action="store_true", help="record no Kubernetes Events (metrics and page only)")
    p.add_argument("--logs", action="store_true",
                   help="read the previous log of each crashed container (needs get on pods/log): its last line "
                        "goes into the Event, its tail onto the page")
    p.add_argument("--event-max-age", type=float, default=3600, metavar="SECONDS",
                   help="forget pod events last seen longer ago than this")
    p.set_defaults(func=_Command("crashlint.watch.command:run"))


def _add_webhook(sub: argparse._SubParsersAction[_Parser]) -> None:
    """``webhook serve`` and ``certs``: their dependencies (the ``webhook`` extra) are imported only
    when they run, and say what to install when missing."""
    wh = sub.add_parser("webhook", help="the validating admission webhook server")
    wsub = wh.add_subparsers(dest="webhook_command", metavar="COMMAND")
    wsub.required = True
    serve = wsub.add_parser(
        "serve", help="serve POST /validate over TLS (gunicorn)",
        description="Serve the rules as a validating admission webhook: POST /validate, GET /healthz, "
                    "/readyz, /metrics. Certificates are re-read when the files change.")
    serve.add_argument("--cert", required=True, help="serving certificate (PEM), e.g. tls.crt")
    serve.add_argument("--key", required=True, help="its private key (PEM), e.g. tls.key")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on")
    serve.add_argument("--port", type=int, default=8443, help="TLS port to listen on")
    serve.add_argument("--config", help="rule settings: a .crashlint.yaml (re-read on change)")
    serve.add_argument("--webhook-config", metavar="FILE",
                       help="enforcement settings: mode per namespace/label, threshold, exclusions (re-read on change)")
    serve.add_argument("--kubeconfig", help="cluster look-ups through this kubeconfig (default in a pod: its "
                                            "service account)")
    serve.add_argument("--context", help="kubeconfig context (default: the current one)")
    serve.add_argument("--no-cluster", action="store_true", help="no cluster look-ups: file-only checks")
    serve.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    serve.add_argument("--threads", type=int, default=32,
                       help="threads per worker; many keep slow or idle sockets from starving the API server")
    serve.add_argument("--max-body-bytes", type=int, default=8 * 1024 * 1024,
                       help="larger AdmissionReview requests are answered 413 without being read")
    serve.set_defaults(func=_Command("crashlint.webhook.cli:run_serve"))

    certs = sub.add_parser(
        "certs", help="write a CA and a serving certificate for the webhook (ca.crt, tls.crt, tls.key)",
        description="Write ca.crt (for the webhook configuration's caBundle), tls.crt and tls.key (for the "
                    "server) into DIR. Without --dns/--ip, the names of the shipped Service "
                    "crashlint-webhook in namespace crashlint are used.")
    certs.add_argument("--out", required=True, metavar="DIR",
                       help="directory to write ca.crt, tls.crt and tls.key into")
    certs.add_argument("--dns", action="append", default=[], metavar="NAME",
                       help="a DNS name of the serving certificate (repeat; default: the shipped Service's names)")
    certs.add_argument("--ip", action="append", default=[], metavar="IP",
                       help="an IP address of the serving certificate (repeat)")
    certs.add_argument("--days", type=int, default=365, help="validity of the serving certificate")
    certs.set_defaults(func=_Command("crashlint.webhook.cli:run_certs"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; whatever happens, the exit code keeps its meaning.

    ``1`` means "findings" and CI recipes accept it (``|| test $? -eq 1``), so an unexpected
    exception must never end the process with Python's default ``1``: it is reported on one
    line and exits ``2``, like any other input the tool could not handle.
    """
    try:
        words = sys.argv[1:] if argv is None else list(argv)
        parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
        args = parser.parse_args(words)
        return int(args.func(args))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (`| head`): not an error, and nothing left to say
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence of the exit-code contract
        # A ConfigError can only come from the config module: looked up only if it was loaded.
        config = sys.modules.get(f"{__package__}.settings.config")
        if config is not None and isinstance(exc, config.ConfigError):
            print(f"crashlint: {_one_line(exc)}", file=sys.stderr)
        else:
            print(internal_error(exc), file=sys.stderr)
        return EXIT_ERROR


def run() -> NoReturn:
    """The ``crashlint`` program (the console script, ``python -m crashlint``): :func:`main` on the
    command line, then the process ends.

    After ``lint``, which a pre-commit hook starts on every commit, it ends without the
    interpreter's teardown (a last garbage collection over everything the lint made, then every
    module cleared): 15-25 ms of CPU that nothing needs, once the output is flushed; a lint
    starts no thread and leaves no file open. The other commands (a server, a watcher, the fixer)
    end as usual. Tests call :func:`main`, which returns.
    """
    code = main()
    if sys.argv[1:2] != ["lint"]:
        sys.exit(code)
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away after the last write (`| head`): as main says
        _silence_stdout()
        code = EXIT_OK
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # nowhere left to say anything
    os._exit(code)


def internal_error(exc: BaseException) -> str:
    """The one line printed for an exception no code path expected."""
    detail = _one_line(exc)[:500]
    return (f"crashlint: internal error: {type(exc).__name__}{': ' + detail if detail else ''} "
            "(a bug; please report it with the input that caused it)")


def _one_line(exc: BaseException) -> str:
    """An exception's message on one printable line (libyaml's span several; input may hold escapes)."""
    text = " ".join(str(exc).split())
    try:
        from crashlint.reporters.safe import printable
    except Exception:  # noqa: BLE001 - the error being reported may be this very import failing
        return text.encode("ascii", "backslashreplace").decode("ascii")
    return printable(text)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
