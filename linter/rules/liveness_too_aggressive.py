"""liveness-too-aggressive: a liveness probe that restarts healthy containers on a hiccup.

A liveness kill is the most expensive thing a probe can do: the process loses its state, the
new one starts cold, and under load a restart makes the next one likelier. A garbage-collection
pause, a slow disk or a CPU-throttled second is normal; a probe tuned so that one of them is a
"failure" turns a busy moment into ``Liveness probe failed: ... context deadline exceeded``,
``Container app failed liveness probe, will be restarted`` and, repeated, CrashLoopBackOff.

Exactly these settings are flagged (API defaults filled in; startup and readiness probes are
not judged, a readiness failure does not restart anything):

1. ``failureThreshold: 1`` — a single failed or timed-out probe kills the container;
2. ``timeoutSeconds`` ≤ 1 together with ``periodSeconds`` ≤ 2 — the container is polled
   every one or two seconds and must answer each poll within one;
3. a stall tolerance ``(failureThreshold − 1) × periodSeconds + timeoutSeconds`` under
   ``min_stall_seconds`` (5 s) — any freeze that long is fatal.

The fix raises failureThreshold (to at least 3, and enough to tolerate ``min_stall_seconds``):
it only delays a kill that would otherwise come on the first slow answer. Case 2 has no
mechanical fix — a longer period or timeout changes how the probe loads the application.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from crashlint.model.findings import Hit, pointer_str
from crashlint.knowledge.probes import probe_of, probed_containers
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "liveness-too-aggressive"


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    min_failures = ctx.params["min_failure_threshold"]
    fast_period = ctx.params["fast_period_seconds"]
    short_timeout = ctx.params["short_timeout_seconds"]
    min_stall = ctx.params["min_stall_seconds"]
    fix_failures = ctx.params["fix_failure_threshold"]
    for c in probed_containers(wl):
        live = probe_of(c, "livenessProbe")
        if live is None or live.handler is None:
            continue
        period, timeout = live.timing("periodSeconds"), live.timing("timeoutSeconds")
        failures, stall = live.timing("failureThreshold"), live.stall_tolerance
        reasons: list[str] = []
        if failures < min_failures:
            reasons.append(f"failureThreshold {failures} restarts it on a single failed or slow probe")
        if timeout <= short_timeout and period <= fast_period:
            reasons.append(f"it is polled every {period} s and must answer each poll within {timeout} s")
        if stall < min_stall and failures >= min_failures:
            reasons.append(f"it is restarted after only {stall} s without an answer "
                           f"((failureThreshold {failures} - 1) x periodSeconds {period} + timeoutSeconds {timeout})")
        if not reasons:
            continue
        fix = None
        if failures < min_failures or stall < min_stall:
            target = max(fix_failures, min_failures, math.ceil((min_stall - timeout) / period) + 1)
            op = "replace" if live.data.get("failureThreshold") is not None else "add"
            fix = [{"op": op, "path": pointer_str(live.at("failureThreshold")), "value": target}]
            advice = f"Raise failureThreshold to {target}" + (
                " and poll less often (periodSeconds 10, timeoutSeconds 2 or more)."
                if timeout <= short_timeout and period <= fast_period else ".")
        else:
            advice = "Poll less often and allow a slower answer (e.g. periodSeconds 10, timeoutSeconds 2 or more)."
        where = live.at("failureThreshold") if failures < min_failures and "failureThreshold" in live.data \
            else live.pointer
        yield Hit(where, (
            f"container '{c.name}': the livenessProbe is a hair trigger: {'; '.join(reasons)}. A GC pause, a "
            f"slow disk or CPU throttling then kills a healthy container (Liveness probe failed, restart, and "
            f"under load CrashLoopBackOff). {advice}"), container=c.name, anchor="key", fix=fix)
