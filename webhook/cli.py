"""``crashlint webhook serve ...`` and ``crashlint certs ...``: the implementations; their arguments
are defined in ``crashlint.cli``, which imports this module only when one of them runs.

The server's dependencies (flask, gunicorn, prometheus-client, cryptography, kubernetes: the
``webhook`` extra) are imported only when a command runs, so the rest of the CLI works without them.
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_ERROR = 0, 2
EXTRA_HINT = "pip install 'crashlint[webhook]'"


def run_serve(args: argparse.Namespace) -> int:
    try:
        from crashlint.webhook.server import ServeOptions, serve
    except ImportError as exc:
        print(f"crashlint: the webhook needs {exc.name}: {EXTRA_HINT}", file=sys.stderr)
        return EXIT_ERROR
    if not 0 < args.port < 65536 or args.workers < 1 or args.threads < 1 or args.max_body_bytes < 1024:
        print("crashlint: --port must be 1-65535, --workers/--threads >= 1, --max-body-bytes >= 1024",
              file=sys.stderr)
        return EXIT_ERROR
    opts = ServeOptions(cert=args.cert, key=args.key, host=args.host, port=args.port, config=args.config,
                        webhook_config=args.webhook_config,
                        kubeconfig=args.kubeconfig, context=args.context,
                        cluster=False if args.no_cluster else None, workers=args.workers,
                        threads=args.threads, max_body=args.max_body_bytes)
    from crashlint.sources.cluster import ClusterError

    try:
        serve(opts)
    except ClusterError as exc:
        print(f"crashlint: {exc} (use --no-cluster for file-only checks)", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # unreadable certificate files, a key not matching its certificate (SSLError)
        print(f"crashlint: cannot serve: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def run_certs(args: argparse.Namespace) -> int:
    try:
        from crashlint.webhook.certs import default_dns, write
    except ImportError as exc:
        print(f"crashlint: certs needs {exc.name}: {EXTRA_HINT}", file=sys.stderr)
        return EXIT_ERROR
    dns = args.dns or ([] if args.ip else default_dns())
    try:
        paths = write(args.out, dns, args.ip, args.days)
    except ValueError as exc:
        print(f"crashlint: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"crashlint: cannot write to {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    for p in paths:
        print(p)
    return EXIT_OK
