"""liveness-kills-before-startup: the liveness probe gives up before the software can have started.

Until a container's first successful probe nothing tells the kubelet the process is merely
starting: a liveness probe that keeps failing kills it (``Liveness probe failed: ... connect:
connection refused``, then ``Container app failed liveness probe, will be restarted``), the
new instance starts from zero, is killed at the same moment — and the pod ends in
CrashLoopBackOff although nothing is wrong with the application. Elasticsearch, Keycloak, a
Spring Boot service or a first-start MySQL need tens of seconds; a Go binary needs none.

The check compares the latest moment the probe can kill a silent container
(``initialDelaySeconds + periodSeconds × failureThreshold + timeoutSeconds``, API defaults
filled in) with the start budget of the container's family (``policies/startup.yaml``).
Unknown software is never flagged. A ``startupProbe`` holds the liveness probe back until the
first success, so with one the startupProbe's own window is what must cover the budget.
The fix adds a startupProbe asking what the liveness probe asks, patient enough for the
budget: it cannot change anything once the container has started.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from crashlint.model.findings import Hit, pointer_str
from crashlint.knowledge.probes import Probe, probe_of, probed_containers, start_budget, startup_probe_for
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "liveness-kills-before-startup"


def _timing(p: Probe) -> str:
    return (f"initialDelaySeconds {p.timing('initialDelaySeconds')} + periodSeconds {p.timing('periodSeconds')} "
            f"x failureThreshold {p.timing('failureThreshold')} + timeoutSeconds {p.timing('timeoutSeconds')}")


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    margin = float(ctx.params["startup_margin"])
    for c in probed_containers(wl):
        live = probe_of(c, "livenessProbe")
        startup = probe_of(c, "startupProbe")
        guard = startup if startup is not None and startup.handler is not None else live
        if guard is None or guard.handler is None:
            continue
        budget = start_budget(c, ctx.knowledge)
        if budget is None or guard.kill_window >= budget.seconds:
            continue
        why = f"{budget.family} needs at least about {budget.seconds:g} s to start ({budget.source})"
        if guard is startup:
            period = startup.timing("periodSeconds")
            needed = max(startup.timing("failureThreshold"), math.ceil(budget.seconds * margin / period))
            op = "replace" if startup.data.get("failureThreshold") is not None else "add"
            yield Hit(startup.pointer, (
                f"container '{c.name}': the startupProbe kills the container if it has not answered within about "
                f"{startup.kill_window} s ({_timing(startup)}), but {why}. Each restart starts from zero, so the "
                f"pod never gets past it (CrashLoopBackOff). Raise failureThreshold to {needed}."),
                container=c.name, anchor="key",
                fix=[{"op": op, "path": pointer_str(startup.at("failureThreshold")), "value": needed}])
            continue
        assert live is not None
        probe = startup_probe_for(live, budget.seconds, margin)
        yield Hit(live.pointer, (
            f"container '{c.name}': the livenessProbe kills the container if it has not answered within about "
            f"{live.kill_window} s ({_timing(live)}), but {why}, and there is no startupProbe. Each restart "
            f"starts from zero, so the pod never gets past it (CrashLoopBackOff). Add a startupProbe with the "
            f"same check (periodSeconds {probe['periodSeconds']}, failureThreshold {probe['failureThreshold']}); "
            f"it holds the liveness probe back only until the first success."),
            container=c.name, anchor="key",
            fix=[{"op": "add", "path": pointer_str(c.at("startupProbe")), "value": probe}])
