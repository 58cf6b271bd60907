"""The Flask app: ``POST /validate``, probes, metrics, JSON access logs.

Everything that can go wrong with a request body is a 400 with a sentence saying what (a 413
past the size limit); a failure inside the decision is logged and answered ``allowed: true``
with a warning, because a webhook that errors is one the API server times out on.
Access logs name the object (kind, namespace, name) and the decision, never its contents.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

from flask import Flask, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from werkzeug.exceptions import HTTPException

from crashlint.engine.api import rule_ids
from crashlint.webhook import review
from crashlint.webhook.lookups import CachedLookup
from crashlint.webhook.settings import ConfigWatcher
from crashlint.webhook.tls import ReloadingTLS

DEFAULT_MAX_BODY = 8 * 1024 * 1024  # an object may be 1.5 MiB in etcd; UPDATE carries two of them
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class _JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"ts": round(record.created, 3), "level": record.levelname.lower(),
                                 "msg": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, separators=(",", ":"))


def _logger() -> logging.Logger:
    log = logging.getLogger("crashlint.webhook")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_JSONFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


# Label values that come from requests are kept to closed sets: each distinct value is a series
# for the life of the process (and of the multiprocess files), so an invented kind per request
# would grow /metrics without bound. "" is what a request that did not parse is counted under.
OTHER = "other"
METRIC_KINDS = review.CHECKED_KINDS | {""}
METRIC_OPERATIONS = frozenset({"CREATE", "UPDATE", "DELETE", "CONNECT", ""})


class _ClosedLabels:
    """A labelled metric whose values outside their closed set (None: any value) count as ``other``."""

    def __init__(self, metric: Any, *allowed: frozenset[str] | None) -> None:
        self._metric = metric
        self._allowed = allowed

    def labels(self, *values: str) -> Any:
        return self._metric.labels(*(v if ok is None or v in ok else OTHER for v, ok in zip(values, self._allowed)))


class Metrics:
    """Prometheus series; across gunicorn workers via the multiprocess directory when one is set."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        r = self.registry
        rules = rule_ids()
        self.requests = _ClosedLabels(
            Counter("crashlint_webhook_requests_total", "Admission requests by kind, operation, decision",
                    ["kind", "operation", "decision"], registry=r),
            METRIC_KINDS, METRIC_OPERATIONS, None)  # decisions are the server's own words
        self.latency = Histogram("crashlint_webhook_request_seconds", "Time to answer POST /validate",
                                 buckets=LATENCY_BUCKETS, registry=r)
        self.findings = _ClosedLabels(Counter("crashlint_webhook_findings_total",
                                              "Findings reported (denied or warned) by rule", ["rule"], registry=r),
                                      rules)
        self.lookup_errors = Counter("crashlint_webhook_lookup_errors_total",
                                     "Cluster look-ups that failed (degraded: none used; stale: old data used)",
                                     ["result"], registry=r)
        self.rule_errors = _ClosedLabels(Counter("crashlint_webhook_rule_errors_total",
                                                 "Rules that raised on an admitted object (their checks were missing)",
                                                 ["rule"], registry=r),
                                         rules)

    def render(self) -> bytes:
        if self.multiprocess:
            from prometheus_client import multiprocess

            reg = CollectorRegistry()
            multiprocess.MultiProcessCollector(reg)
            return generate_latest(reg)
        return generate_latest(self.registry)


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def create_app(watcher: ConfigWatcher, tls: ReloadingTLS | None = None, lookup: CachedLookup | None = None,
               max_body: int = DEFAULT_MAX_BODY) -> Flask:
    """The WSGI app; ``lookup`` None means no cluster look-ups (file-only checks)."""
    app = Flask("crashlint.webhook")
    app.config["MAX_CONTENT_LENGTH"] = max_body
    metrics = Metrics()
    log = _logger()


    def _body() -> dict[str, Any]:
        raw = request.get_data(cache=False)
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise review.BadReview(f"body is not valid JSON: {str(exc)[:200]}") from None
        return review.parse(body)

    def _bad(exc: review.BadReview) -> Response:
        metrics.requests.labels("", "", "bad-request").inc()
        log.info("bad request", extra={"fields": {"path": request.path, "error": str(exc)}})
        return _json(400, {"error": str(exc)})

    @app.post("/validate")
    def validate() -> Response:
        start = time.perf_counter()
        try:
            req = _body()
        except review.BadReview as exc:
            return _bad(exc)
        loaded = watcher.current()
        if lookup is not None:
            lookup.ttl = loaded.webhook.cache_ttl_seconds  # the TTL follows configuration reloads
        try:
            outcome = review.decide(req, loaded, lookup)
        except Exception as exc:  # a bug must not turn into an API-server timeout
            # The type only: an exception's text may quote the object (a Secret value, say).
            log.error("decision failed", extra={"fields": {"uid": req["uid"], "error": type(exc).__name__}})
            outcome = review.Outcome(review.allow(req["uid"], ["crashlint: internal error; object not checked"]),
                                     "error")
        for rule in outcome.failed_rules:
            metrics.rule_errors.labels(rule).inc()
        if outcome.failed_rules or outcome.skipped_rules:
            log.warning("rules incomplete", extra={"fields": {
                "uid": req["uid"], "failed_rules": outcome.failed_rules, "skipped_rules": outcome.skipped_rules}})
        elapsed = time.perf_counter() - start
        metrics.latency.observe(elapsed)
        metrics.requests.labels(outcome.kind, outcome.operation, outcome.decision).inc()
        for rule in outcome.rules:
            metrics.findings.labels(rule).inc()
        if outcome.lookup in ("degraded", "stale"):
            metrics.lookup_errors.labels(outcome.lookup).inc()
        log.info("admission", extra={"fields": {
            "uid": req["uid"], "kind": outcome.kind, "operation": outcome.operation,
            "namespace": outcome.namespace, "name": outcome.name, "dry_run": outcome.dry_run,
            "decision": outcome.decision, "rules": sorted(set(outcome.rules)), "lookup": outcome.lookup,
            **({"lookup_error": outcome.lookup_error} if outcome.lookup_error else {}),
            **({"verified": outcome.verified} if outcome.verified else {}),
            "ms": round(elapsed * 1000, 2)}})
        return _json(200, outcome.response)

    @app.post("/noop")
    def noop() -> Response:
        """``allowed: true`` for any valid review: the server's own cost, the benchmark's baseline."""
        try:
            req = _body()
        except review.BadReview as exc:
            return _bad(exc)
        return _json(200, review.allow(req["uid"]))

    @app.get("/healthz")
    def healthz() -> Response:
        return _json(200, {"status": "ok"})

    @app.get("/readyz")
    def readyz() -> Response:
        # Rules are loaded once the watcher exists (a broken config stops start-up); certificates
        # may still be missing when the Secret is mounted late.
        watcher.current()
        problems = []
        if tls is not None and not tls.loaded:
            problems.append(f"certificates: {tls.error}")
        body: dict[str, Any] = {"status": "ready" if not problems else "not ready", "problems": problems,
                                "config_generation": watcher.generation}
        if watcher.error:
            body["config_reload_error"] = watcher.error
        if tls is not None and tls.error:
            body["certificate_reload_error"] = tls.error
        return _json(503 if problems else 200, body)

    @app.get("/metrics")
    def metrics_endpoint() -> Response:
        return Response(metrics.render(), mimetype=CONTENT_TYPE_LATEST)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if exc.code == 413:
            msg = f"request body larger than {max_body} bytes"
        else:
            msg = exc.description or exc.name
        return _json(exc.code or 400, {"error": msg})

    return app

