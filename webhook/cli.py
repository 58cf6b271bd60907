"""``crashlint webhook serve ...`` and ``crashlint certs ...``.

The server's dependencies (flask, gunicorn, prometheus-client, cryptography, kubernetes: the
``webhook`` extra) are imported only when a command runs, so the rest of the CLI works without them.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

EXIT_OK, EXIT_ERROR = 0, 2
EXTRA_HINT = "pip install 'crashlint[webhook]'"


def register(subparsers: Any) -> None:
    wh = subparsers.add_parser("webhook", help="the validating admission webhook server")
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
    serve.set_defaults(func=_serve)

    certs = subparsers.add_parser(
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
    certs.set_defaults(func=_certs)


def _serve(args: argparse.Namespace) -> int:
    try:
        from .server import ServeOptions, serve
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
    from ..cluster import ClusterError

    try:
        serve(opts)
    except ClusterError as exc:
        print(f"crashlint: {exc} (use --no-cluster for file-only checks)", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # unreadable certificate files, a key not matching its certificate (SSLError)
        print(f"crashlint: cannot serve: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _certs(args: argparse.Namespace) -> int:
    try:
        from .certs import default_dns, write
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
