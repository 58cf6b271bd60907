"""probe-port-not-exposed: a probe aimed at a port the container does not declare.

The kubelet resolves a *named* probe port in the container's own ``ports``. When the name is
not there, its fallback (``strconv.Atoi``) fails and the probe *errors* every period —
``Liveness probe errored and resulted in unknown state: strconv.Atoi: parsing "http": invalid
syntax`` — and errored results are thrown away: a readiness probe then never passes (the pod is
never Ready, the rollout stalls, the Service has no endpoints), a startupProbe never passes
(liveness and readiness never even start), and a liveness probe silently never protects
anything. That is an error: the probe can never succeed.

A *numeric* port works whenever the process listens on it — ``ports`` is informational — so
an undeclared number is only a warning when the container declares other ports (``8080``
declared, probe on ``8081``: probably a typo that will fail every probe and, for liveness,
restart the container forever) and info when it declares none. HTTP, TCP and gRPC probes all
connect over TCP: a port declared only as UDP (or SCTP) is a warning. Probes with an explicit
``host`` go elsewhere, so their numeric port is not compared with the container's.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Hit
from ..probes import PROBE_KINDS, declared_ports, port_names, probe_of, probed_containers, resolve_port
from ..rules import RuleContext
from ..workloads import Workload

ID = "probe-port-not-exposed"

_NEVER = {
    "livenessProbe": "it errors on every period and never protects the container",
    "readinessProbe": "the container never becomes Ready: the rollout stalls and Services send it no traffic",
    "startupProbe": "the container never counts as started, so it is never Ready",
}


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    for c in probed_containers(wl):
        ports = declared_ports(c)
        told: set[int] = set()  # undeclared numbers already reported as info for this container
        for kind in PROBE_KINDS:
            probe = probe_of(c, kind)
            h = probe.handler if probe is not None else None
            if probe is None or h is None or h[0] == "exec":
                continue
            body = h[1]
            raw = body.get("port")
            if raw is None or isinstance(raw, bool) or (h[0] == "grpc" and not isinstance(raw, int)):
                continue  # a gRPC port must be a number: rejected-by-api's business
            where = probe.at(h[0], "port")
            number, named = resolve_port(c, raw)
            if named and number is None and raw not in port_names(c):
                have = ", ".join(sorted({p.name for p in ports if p.name})) or "none"
                yield Hit(where, (
                    f"container '{c.name}': the {probe.label} probe uses port '{raw}', which the container does "
                    f"not declare (named ports: {have}). The kubelet cannot resolve it (`{probe.label.capitalize()} probe "
                    f"errored and resulted in unknown state: strconv.Atoi: parsing \"{raw}\": invalid syntax`), so "
                    f"{_NEVER[kind]}. "
                    f"Add a ports entry named '{raw}' or use the port number."),
                    container=c.name, anchor="value", severity="error")
                continue
            if number is None:
                continue  # named on a ports entry without a usable containerPort: rejected-by-api
            same = [p for p in ports if p.number == number]
            if same and not any(p.protocol == "TCP" for p in same):
                protos = "/".join(sorted({p.protocol for p in same}))
                yield Hit(where, (
                    f"container '{c.name}': the {probe.label} probe connects over TCP to port {number}, which the "
                    f"container declares only as {protos}. Unless the process also listens on TCP {number}, every "
                    f"probe fails. Probe a TCP port (or declare TCP {number} if it is one)."),
                    container=c.name, anchor="value", severity="warning")
                continue
            if same or named or body.get("host"):
                continue
            if ports:
                listed = ", ".join(str(p.number) for p in ports)
                yield Hit(where, (
                    f"container '{c.name}': the {probe.label} probe targets port {number}, but the container "
                    f"declares only {listed}. If the process does not listen on {number} every probe fails"
                    + (" and the container is restarted forever" if kind != "readinessProbe" else
                       " and the pod is never Ready")
                    + ". Check the port, or declare it."),
                    container=c.name, anchor="value", severity="warning")
            elif number not in told:
                told.add(number)
                yield Hit(where, (
                    f"container '{c.name}': the {probe.label} probe targets port {number}, and the container "
                    f"declares no ports. That works if the process listens on {number}; declaring it "
                    f"(ports: [{{containerPort: {number}}}]) lets tools and readers check the probe."),
                    container=c.name, anchor="value", severity="info")
