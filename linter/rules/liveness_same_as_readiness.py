"""liveness-same-as-readiness: liveness and readiness run the very same check.

Readiness answers "should this pod get traffic now?", liveness "is this process beyond
saving?". When both ask the same endpoint, a pod that is merely busy, or whose database is
briefly away, fails both: readiness takes it out of the Service (fine) and liveness restarts
it (not fine) — the restart drops its work, its replacement is cold, and the remaining pods
get its load, so one slow dependency becomes a restart cascade across the Deployment
(``Liveness probe failed: HTTP probe failed with statuscode: 503``, ``Container app failed
liveness probe, will be restarted``, CrashLoopBackOff).

Handlers are compared as the kubelet runs them (HTTP scheme/host/path/port/headers, TCP
host/port, exec argv, gRPC port/service), with named ports resolved; timing fields are not
part of "the same check", as in kube-score. The graded case: when liveness is clearly more
patient than readiness (it gives up later: ``periodSeconds × failureThreshold`` larger) — the
pattern the Kubernetes documentation describes for a shared cheap endpoint — the finding is
info; otherwise a warning. Jobs and CronJobs are skipped: nothing routes traffic by readiness
to a run-to-completion pod.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Hit
from ..probes import Probe, describe, handler_key, probe_of, probed_containers
from ..rules import RuleContext
from ..workloads import RUN_TO_COMPLETION_KINDS, Workload

ID = "liveness-same-as-readiness"


def _patience(p: Probe) -> int:
    return p.timing("periodSeconds") * p.timing("failureThreshold")


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    if wl.kind in RUN_TO_COMPLETION_KINDS:
        return
    for c in probed_containers(wl):
        live, ready = probe_of(c, "livenessProbe"), probe_of(c, "readinessProbe")
        if live is None or ready is None:
            continue
        key = handler_key(live, c)
        if key is None or key != handler_key(ready, c):
            continue
        check_text = describe(key)
        if _patience(live) > _patience(ready):
            yield Hit(live.pointer, (
                f"container '{c.name}': livenessProbe and readinessProbe run the same check ({check_text}). "
                f"Liveness is more patient ({_patience(live)} s of failures vs {_patience(ready)} s), so a short "
                f"outage only takes the pod out of the Service; a longer one (a dependency down) restarts every "
                f"replica. Prefer a liveness endpoint that checks only the process itself."),
                container=c.name, anchor="key", severity="info")
        else:
            yield Hit(live.pointer, (
                f"container '{c.name}': livenessProbe and readinessProbe run the same check ({check_text}) and "
                f"liveness gives up no later than readiness. Whenever the pod is too busy or a dependency is "
                f"down, it is restarted instead of only being taken out of the Service — a restart cascade "
                f"across replicas. Point liveness at an endpoint that checks only the process itself, or give it "
                f"a much higher failureThreshold."), container=c.name, anchor="key", severity="warning")
