"""``crashlint runtime``: the sub-command, wiring sources, analysis and renderers (its arguments
are defined in ``cli.py``, which imports this module only when ``runtime`` runs).

Exit codes: 0 nothing at or above ``--fail-on``; 1 a confirmed finding at or above the
severity given by ``--fail-on`` (default ``error``) or an unpredicted crash; with
``--fail-on unpredicted`` only unpredicted crashes count, with ``never`` nothing does;
2 an unreadable dump, logs file, ``--now`` or manifest, or an unreachable cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from datetime import datetime, timezone
from typing import Any

from crashlint.settings.config import find_config, load_settings
from crashlint.model.findings import SEVERITY_RANK
from crashlint.sources.limits import Limits, read_at_most
from crashlint.runtime.analysis import RuntimeReport, analyse, log_targets
from crashlint.runtime.join import CONFIRMED, RuntimePolicy, runtime_policy
from crashlint.runtime.live import LiveError, LiveSource
from crashlint.runtime.render import render_json, render_text
from crashlint.runtime.shape import obj, text
from crashlint.runtime.state import DumpError, Snapshot, load_dump, parse_time, read_dump_file

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


def _err(msg: str) -> int:
    print(f"crashlint runtime: {msg}", file=sys.stderr)
    return EXIT_ERROR


def _read_logs(path: str, limits: Limits) -> dict[str, dict[str, Any]]:
    """The offline logs file, under the loader's size limit and only if it is a regular file."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise ValueError("not a regular file")
    with open(path, "rb") as fh:
        raw = read_at_most(fh, limits.max_file_bytes + 1)
    if len(raw) > limits.max_file_bytes:
        raise ValueError(f"larger than {limits.max_file_bytes} bytes; not read")
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested deeper than Python can read") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError('expected {"<ns>/<pod>/<container>": {"previous": "...", "current": "..."}}')
    return data


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config or find_config())
    now = None
    if args.now:
        now = parse_time(args.now)
        if now is None:
            return _err(f"--now: not an RFC 3339 time: {args.now!r} (e.g. 2024-05-01T12:00:00Z)")
    logs: dict[str, dict[str, Any]] = {}
    if args.logs:
        try:
            logs = _read_logs(args.logs, settings.limits)
        except (OSError, ValueError) as exc:
            return _err(f"--logs {args.logs}: {getattr(exc, 'strerror', None) or exc}")
    namespace = args.namespace
    lower_bound = False
    if args.from_file:
        if "-" in (args.manifests or ()) and args.from_file == "-":
            return _err("stdin can feed --from or --manifests, not both")
        try:
            if args.from_file == "-":
                snap = load_dump(sys.stdin.buffer.read(settings.limits.max_file_bytes + 1), limits=settings.limits)
            else:
                snap = read_dump_file(args.from_file, settings.limits)
        except OSError as exc:
            return _err(f"--from {args.from_file}: {exc.strerror or exc}")
        except DumpError as exc:
            return _err(f"--from {args.from_file}: {exc}")
        if namespace:
            snap.pods = [p for p in snap.pods if (text(obj(p.get("metadata")).get("namespace")) or "default") == namespace]
        if now is None:
            now, lower_bound = snap.reference_time(), True
    else:
        now = now or datetime.now(timezone.utc)
        try:
            snap, live_logs, namespace = _read_live(args, now, runtime_policy(settings.knowledge))
        except LiveError as exc:
            return _err(str(exc))
        logs = {**live_logs, **logs}
    report = analyse(snap, settings, manifests=args.manifests, logs=logs, now=now, now_is_lower_bound=lower_bound,
                     namespace=namespace, stdin=sys.stdin.buffer if "-" in (args.manifests or ()) else None)
    for w in report.warnings:
        print(f"crashlint runtime: warning: {w}", file=sys.stderr)
    if args.output == "html":
        from crashlint.runtime.html import render_html  # the page's modules only when asked for

        sys.stdout.write(render_html(report))
    else:
        sys.stdout.write(render_json(report) if args.output == "json" else render_text(report))
    if report.errors:
        for e in report.errors:
            print(f"crashlint runtime: {e.file}:{e.line}: {e.message}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_FAIL if _fails(report, args.fail_on) else EXIT_OK


def _read_live(args: argparse.Namespace, now: datetime,
               policy: RuntimePolicy) -> tuple[Snapshot, dict[str, Any], str | None]:
    """Snapshot, previous logs of the crashed containers, and the namespace read (None: all)."""
    source = LiveSource(args.kubeconfig, args.context, policy.live)
    try:
        scope = None if args.all_namespaces else (args.namespace or source.default_namespace)
        snap = source.read(scope, with_workloads=not args.manifests)
        logs, warnings = source.previous_logs(log_targets(snap, now, policy))
        snap.warnings.extend(warnings)
    finally:
        source.close()
    return snap, logs, scope


def _fails(report: RuntimeReport, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    if report.unpredicted:
        return True
    if fail_on == "unpredicted":
        return False
    threshold = SEVERITY_RANK[fail_on]
    return any(jf.status == CONFIRMED and SEVERITY_RANK.get(jf.finding.severity, 0) >= threshold
               for jf in report.findings)
