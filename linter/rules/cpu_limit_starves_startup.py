"""cpu-limit-starves-startup: a slow starter squeezed into a tiny CPU limit, watched by liveness.

A CPU limit is a CFS quota: a container limited to 250m gets a quarter of a core per 100 ms
period and is throttled for the rest, however idle the node. Start-up is the most CPU-hungry
moment of a JVM, Elasticsearch or Keycloak (class loading, JIT, index recovery), so it takes
roughly four times as long — and a liveness probe tuned for a normal start kills it first:
``Liveness probe failed: ... context deadline exceeded``, ``Container app failed liveness
probe, will be restarted``, CrashLoopBackOff; the restarted container is throttled the same way.

Flagged when the container's family is in ``policies/startup.yaml`` (budgets there are for at
least one core), its CPU limit is below ``max_cpu_limit`` (default 500m), it has a liveness
probe and no startupProbe, and the budget scaled by the CPU shortfall
(``budget × 1 core / limit``) exceeds the probe's kill window — while the unscaled budget does
not (then ``liveness-kills-before-startup`` already reports it). The fix adds a startupProbe
sized to the scaled budget, which only delays liveness until the first success.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from crashlint.model.findings import Hit, pointer_str
from crashlint.knowledge.probes import probe_of, probed_containers, start_budget, startup_probe_for
from crashlint.model.quantity import parse_quantity
from crashlint.knowledge.resource_limits import limit_of
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "cpu-limit-starves-startup"


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    ceiling = parse_quantity(ctx.params["max_cpu_limit"])  # checked (a quantity) when the config loaded
    margin = float(ctx.params["startup_margin"])
    for c in probed_containers(wl):
        live = probe_of(c, "livenessProbe")
        if live is None or live.handler is None or probe_of(c, "startupProbe") is not None:
            continue
        found = limit_of(c, "cpu")
        if found is None or found[0] >= ceiling:
            continue
        cpu, where = found
        budget = start_budget(c, ctx.knowledge)
        if budget is None or live.kill_window < budget.seconds:
            continue
        scaled = float(Decimal(str(budget.seconds)) / min(cpu, Decimal(1)))
        if scaled <= live.kill_window:
            continue
        probe = startup_probe_for(live, scaled, margin)
        yield Hit(where, (
            f"container '{c.name}': CPU limit {c.data['resources']['limits']['cpu']} throttles start-up to "
            f"{float(cpu):g} of a core: {budget.family}, which needs about {budget.seconds:g} s on a full core "
            f"({budget.source}), needs about {scaled:g} s here, but the livenessProbe kills it after about "
            f"{live.kill_window} s and there is no startupProbe (CrashLoopBackOff, each restart throttled again). "
            f"Add a startupProbe (failureThreshold {probe['failureThreshold']} x periodSeconds "
            f"{probe['periodSeconds']}) or raise the CPU limit."), container=c.name, anchor="value",
            fix=[{"op": "add", "path": pointer_str(c.at("startupProbe")), "value": probe}])
