"""``crashlint webhook serve``: the Flask app under gunicorn, over TLS >= 1.2 with hot-reloaded certificates.

gunicorn's ``ssl_context`` hook is called for every connection; it hands out the
:class:`~crashlint.webhook.tls.ReloadingTLS` context, so a rotated certificate is served from the
next connection on. The worker is ``gthread`` with the TLS handshake and the request reading
moved onto its event loop (:mod:`~crashlint.webhook.worker`): threads only ever see whole
requests, so slow clients cannot hold them; it keeps the API server's connections alive. Workers
build their own app after the fork (cluster client, look-up threads, metrics files), and the
Prometheus multiprocess directory sums their counters for ``/metrics``.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import shutil
import ssl
import tempfile
from typing import Any

from gunicorn.app.base import BaseApplication

from crashlint.model.record import Record
from crashlint.webhook.settings import ConfigWatcher
from crashlint.webhook.tls import FIRST_LOAD_WAIT, ReloadingTLS
from crashlint.webhook.worker import worker_class


class ServeOptions(Record):
    __slots__ = ("cert", "key", "host", "port", "config", "webhook_config", "kubeconfig", "context", "cluster",
                 "workers", "threads", "max_body", "lookup_timeout")

    cert: str
    key: str
    host: str
    port: int
    config: str | None
    webhook_config: str | None
    kubeconfig: str | None
    context: str | None
    cluster: bool | None  # None: in a pod, or when a kubeconfig/context is given
    workers: int
    # Threads serve whole requests only (slow clients wait in the event loop, not in a thread);
    # 32 absorb bursts and slow cluster look-ups.
    threads: int
    max_body: int
    lookup_timeout: float

    def __init__(self, cert: str, key: str, host: str = "0.0.0.0", port: int = 8443, config: str | None = None,
                 webhook_config: str | None = None, kubeconfig: str | None = None, context: str | None = None,
                 cluster: bool | None = None, workers: int = 2, threads: int = 32, max_body: int = 8 * 1024 * 1024,
                 lookup_timeout: float = 2.0) -> None:
        self.cert = cert
        self.key = key
        self.host = host
        self.port = port
        self.config = config
        self.webhook_config = webhook_config
        self.kubeconfig = kubeconfig
        self.context = context
        self.cluster = cluster
        self.workers = workers
        self.threads = threads
        self.max_body = max_body
        self.lookup_timeout = lookup_timeout


def _wants_cluster(opts: ServeOptions) -> bool:
    if opts.cluster is not None:
        return opts.cluster
    return bool(opts.kubeconfig or opts.context or "KUBERNETES_SERVICE_HOST" in os.environ)


class WebhookServer(BaseApplication):
    """gunicorn, configured in code rather than from a config file."""

    def __init__(self, opts: ServeOptions) -> None:
        self.opts = opts
        self.tls = ReloadingTLS(opts.cert, opts.key)
        super().__init__()

    def load_config(self) -> None:
        o = self.opts
        tls = self.tls

        def ssl_context(conf: Any, default_factory: Any) -> Any:
            return tls.context()

        def child_exit(server: Any, worker: Any) -> None:
            if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
                from prometheus_client import multiprocess

                multiprocess.mark_process_dead(worker.pid)

        host = f"[{o.host}]" if ":" in o.host else o.host
        for key, value in {
            "bind": [f"{host}:{o.port}"], "workers": o.workers, "threads": o.threads,
            "worker_class": worker_class(o.max_body),
            "certfile": o.cert, "keyfile": o.key, "ssl_context": ssl_context, "child_exit": child_exit,
            "keepalive": 30, "timeout": 30, "graceful_timeout": 20, "accesslog": None, "errorlog": "-",
            "loglevel": "warning", "proc_name": "crashlint-webhook", "worker_tmp_dir": tempfile.gettempdir(),
        }.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 25: no socket on a read-only root
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Any:
        from crashlint.sources.cluster import ClusterSource
        from crashlint.webhook.lookups import CachedLookup
        from crashlint.webhook.app import create_app

        o = self.opts
        watcher = ConfigWatcher(o.config, o.webhook_config)
        lookup = None
        if _wants_cluster(o):
            wh = watcher.current().webhook
            source = ClusterSource(kubeconfig=o.kubeconfig, context=o.context, timeout=o.lookup_timeout,
                                   warn=lambda msg: None)  # per-kind problems are reported with results
            source.connect()  # checked by serve() already; builds this worker's client before requests
            lookup = CachedLookup(source, ttl=wh.cache_ttl_seconds, budget=wh.lookup_budget_seconds)
        with contextlib.suppress(ssl.SSLError, OSError):  # a pair that does not load: readiness says so
            self.tls.context(wait=FIRST_LOAD_WAIT)  # loaded before the first connection, not on its time
        app = create_app(watcher, self.tls, lookup, o.max_body)
        # Everything loaded so far (rules, policies, the kubernetes client's models) lives as long
        # as the worker: keep it out of the collector's full passes, which would otherwise walk
        # it on requests' time.
        gc.collect()
        gc.freeze()
        return app


SA_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
FILE_ONLY_EFFECT = ("references to ConfigMaps, Secrets and ServiceAccounts are checked against the admitted "
                    "object alone, and only warned about, never denied")


def _own_namespace() -> str:
    """The namespace the start-up look-up lists: the pod's own (small, and its RBAC covers it), else default."""
    with contextlib.suppress(OSError):
        with open(SA_NAMESPACE_FILE, encoding="utf-8") as fh:
            return fh.read().strip() or "default"
    return "default"


def _lookup_mode(opts: ServeOptions, source: Any, cluster_lookups: bool) -> tuple[str, str, str]:
    """(log level, mode, sentence) saying at start-up whether admissions get cluster look-ups.

    File-only checks are decided here (``--no-cluster``; no kubeconfig, context or pod service
    account; ``cluster_lookups: false``) or found by one look-up of the webhook's own namespace:
    credentials the API refuses (401), an API that does not answer, or no ``list`` permission on
    any kind leave every admission with file-only checks until it recovers (each such answer
    carries a warning too). The look-up lists what an admission would: Secrets as metadata only.
    """
    if source is None:
        why = ("--no-cluster was given" if opts.cluster is False else
               "no --kubeconfig or --context was given and this is not a pod (KUBERNETES_SERVICE_HOST is unset)")
        return "warning", "file-only", f"file-only checks: {why}; {FILE_ONLY_EFFECT}"
    if not cluster_lookups:
        return "warning", "file-only", (f"file-only checks: cluster_lookups is false in the webhook configuration; "
                                        f"{FILE_ONLY_EFFECT}")
    from crashlint.sources.cluster import ClusterError

    where = "the pod's service account" if source.in_cluster else (opts.kubeconfig or "the kubeconfig")
    namespace = _own_namespace() if source.in_cluster else "default"
    try:
        _, problems = source.fetch_namespace(namespace)
    except ClusterError as exc:
        return "warning", "file-only", (f"file-only checks: no access to the cluster through {where} ({exc}); "
                                        f"{FILE_ONLY_EFFECT} until the API answers")
    if problems:
        return "warning", "partial", f"cluster look-ups through {where} are partial: {'; '.join(problems)}"
    return "info", "cluster", f"cluster look-ups through {where}: references are checked against the cluster"


def serve(opts: ServeOptions) -> None:
    """Run until stopped; the configuration and certificates are checked before any worker starts."""
    watcher = ConfigWatcher(opts.config, opts.webhook_config)  # raises ConfigError: the CLI exits 2 with the message
    ReloadingTLS(opts.cert, opts.key).context(wait=FIRST_LOAD_WAIT)  # raises on an unreadable pair
    source = None
    if _wants_cluster(opts):
        from crashlint.sources.cluster import ClusterSource

        # raises ClusterError for unusable credentials; imports the client once, before the fork
        source = ClusterSource(kubeconfig=opts.kubeconfig, context=opts.context, timeout=opts.lookup_timeout,
                               warn=lambda msg: None)
        source.connect()
    own_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        own_dir = tempfile.mkdtemp(prefix="crashlint-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = own_dir
    master = os.getpid()
    try:
        # Only now: the app module imports prometheus_client, which picks its multiprocess mode
        # from PROMETHEUS_MULTIPROC_DIR once, at import.
        from crashlint.webhook.app import _logger

        level, mode, sentence = _lookup_mode(opts, source, watcher.current().webhook.cluster_lookups)
        _logger().log(logging.INFO if level == "info" else logging.WARNING, sentence,
                      extra={"fields": {"event": "startup", "lookups": mode}})
        WebhookServer(opts).run()
    finally:
        # Workers are forked inside run() and leave through SystemExit too: only the master,
        # once every worker is gone, may remove the metrics files the workers share.
        if own_dir and os.getpid() == master:
            shutil.rmtree(own_dir, ignore_errors=True)
