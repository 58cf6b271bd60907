"""One workload's verdicts, with runtime mode's own functions: classify, lint, join.

``crashlint runtime`` without manifests classifies every pod (``observe``), lints one object per
workload (``lint_cluster``, through ``crashlint.engine.api.lint_objects``) and joins the two.
Nothing of that crosses workloads: a finding's scope is its own workload, a crash is confirmed
only by findings of its workload, and the rules that judge references across objects are off
in that mode. So judging each workload on its own Snapshot gives exactly the verdicts of the
whole cluster's analysis, and a pod's status update costs one workload's classification and
join, not the cluster's. The lint is kept per workload and redone only when the linted object
(the workload's template, without status) changes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from crashlint.model.findings import Finding
from crashlint.model.objects import LoadError
from crashlint.model.record import Record
from crashlint.runtime.analysis import RuntimeReport, lint_cluster, observe, representatives
from crashlint.runtime.classify import Crash, Note
from crashlint.runtime.join import JoinedFinding, RuntimePolicy, join
from crashlint.runtime.state import Snapshot
from crashlint.settings.config import Settings

_VOLATILE_META = ("resourceVersion", "managedFields")


class WorkloadResult(Record):
    """What the watcher concludes about one workload."""

    __slots__ = ("workload", "findings", "crashes", "notes", "errors", "pods", "events")

    workload: str
    findings: list[JoinedFinding]
    crashes: list[Crash]
    notes: list[Note]
    errors: list[LoadError]
    pods: int
    events: int

    def __init__(self, workload: str, findings: list[JoinedFinding] | None = None, crashes: list[Crash] | None = None,
                 notes: list[Note] | None = None, errors: list[LoadError] | None = None, pods: int = 0,
                 events: int = 0) -> None:
        self.workload = workload
        self.findings = [] if findings is None else findings
        self.crashes = [] if crashes is None else crashes
        self.notes = [] if notes is None else notes
        self.errors = [] if errors is None else errors
        self.pods = pods
        self.events = events


def _lint_key(snap: Snapshot) -> str:
    """A digest of the objects linted for the workload, without status or bookkeeping metadata."""
    h = hashlib.blake2b(digest_size=16)
    for wl, o in sorted(representatives(snap).items()):
        meta = {k: v for k, v in (o.get("metadata") or {}).items() if k not in _VOLATILE_META}
        body = {k: v for k, v in o.items() if k not in ("status", "metadata")}
        h.update(wl.encode())
        h.update(json.dumps([meta, body], sort_keys=True, default=str).encode())
    return h.hexdigest()


class Judge:
    """Verdicts per workload; the lint of each workload cached by its template."""

    def __init__(self, settings: Settings, policy: RuntimePolicy) -> None:
        self.settings = settings
        self.policy = policy
        self._lint: dict[str, tuple[str, list[tuple[Finding, str | None]], list[LoadError]]] = {}
        self.lint_runs = 0

    def evaluate(self, wl: str, snap: Snapshot, now: datetime,
                 logs: dict[str, dict[str, Any]] | None = None) -> WorkloadResult:
        """Classify the workload's pods, lint it if its template changed, and join."""
        observed, crashes, notes = observe(snap, logs or {}, now, self.policy)
        key = _lint_key(snap)
        cached = self._lint.get(wl)
        if cached is None or cached[0] != key:
            pairs, errors = lint_cluster(snap, self.settings, self.policy)
            cached = self._lint[wl] = (key, pairs, errors)
            self.lint_runs += 1
        findings = join(list(cached[1]), observed, self.policy)
        return WorkloadResult(wl, findings, crashes, notes, list(cached[2]), len(snap.pods), snap.event_count)

    def forget(self, wl: str) -> None:
        self._lint.pop(wl, None)


def as_report(results: list[WorkloadResult], now: datetime, policy: RuntimePolicy,
              warnings: list[str] | None = None) -> RuntimeReport:
    """The watcher's results as the RuntimeReport ``crashlint runtime`` renders (page, JSON)."""
    report = RuntimeReport(reference_time=now, source="cluster", hints=policy.hints, warnings=list(warnings or ()))
    for r in sorted(results, key=lambda r: r.workload):
        report.findings += r.findings
        report.crashes += r.crashes
        report.notes += r.notes
        report.errors += r.errors
        report.pods += r.pods
        report.events += r.events
        report.workloads += 1 if r.pods else 0
    return report
