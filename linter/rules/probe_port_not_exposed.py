"""probe-port-not-exposed: a probe aimed at a port the container does not declare.

The kubelet resolves a *named* probe port in the container's own ``ports``. When the name is
not there, its fallback (``strconv.Atoi``) fails and the probe *errors* every period —
``Liveness probe errored and resulted in unknown state: strconv.Atoi: parsing "http": invalid
syntax`` — and errored results are thrown away: a readiness probe then never passes (the pod is
never Ready, the rollout stalls, the Service has no endpoints), a startupProbe never passes
(liveness and readiness never even start), and a liveness probe silently never protects
anything. That is an error: the probe can never succeed.

A *numeric* port works whenever the process listens on it — ``ports`` is informational, and
upstream manifests routinely probe a separate, undeclared health server (ingress-nginx on
10254, CoreDNS on 8080/8181). So an undeclared number is only a warning when it looks like a
slip of a declared port (``8081`` or ``8008`` next to ``8080``), and info otherwise. It is not
reported at all when something accounts for it: another container of the pod declares it
(probes hit the pod IP), an injected mesh proxy serves it (Istio rewrites app probes to
15020), the image is known to listen there (``policies/ports.yaml``), or the container's own
command, args or env mention the number (``--health-probe-bind-address=:8081``). HTTP, TCP and gRPC probes all
connect over TCP: a port declared only as UDP (or SCTP) is a warning. Probes with an explicit
``host`` go elsewhere, so their numeric port is not compared with the container's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from crashlint.knowledge.commands import entry_for
from crashlint.model.findings import Hit
from crashlint.model.imageref import InvalidReference, parse
from crashlint.knowledge.mesh import agent_ports
from crashlint.knowledge.probes import (PROBE_KINDS, DeclaredPort, declared_ports, port_names, probe_of, probed_containers,
                      resolve_port)
from crashlint.rules import RuleContext
from crashlint.model.workloads import Container, Workload

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

ID = "probe-port-not-exposed"
_NUMBER = re.compile(r"(?<![0-9])[0-9]{2,5}(?![0-9])")

_NEVER = {
    "livenessProbe": "it errors on every period and never protects the container",
    "readinessProbe": "the container never becomes Ready: the rollout stalls and Services send it no traffic",
    "startupProbe": "the container never counts as started, so it is never Ready",
}


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    accounted = _pod_accounts_for(wl, ctx)
    for c in probed_containers(wl):
        ports = declared_ports(c)
        allowed = accounted(c)
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
            if same or named or body.get("host") or allowed(number):
                continue
            typo = _near_declared(number, ports)
            if typo is not None:
                listed = ", ".join(str(p.number) for p in ports)
                yield Hit(where, (
                    f"container '{c.name}': the {probe.label} probe targets port {number}, one keystroke from "
                    f"the declared port {typo} (the container declares {listed}). If the process does not listen "
                    f"on {number} every probe fails"
                    + (" and the container is restarted forever" if kind != "readinessProbe" else
                       " and the pod is never Ready")
                    + ". Check the port, or declare it."),
                    container=c.name, anchor="value", severity="warning")
            elif number not in told:
                told.add(number)
                declared = (f"declares only {', '.join(str(p.number) for p in ports)}" if ports
                            else "declares no ports")
                yield Hit(where, (
                    f"container '{c.name}': the {probe.label} probe targets port {number}, and the container "
                    f"{declared}. That works if the process listens on {number}; declaring it "
                    f"(ports: [{{containerPort: {number}}}]) lets tools and readers check the probe."),
                    container=c.name, anchor="value", severity="info")


def _pod_accounts_for(wl: Workload, ctx: RuleContext) -> Callable[[Container], Callable[[int], bool]]:
    """Port numbers a probe of a given container may target without being suspicious.

    Probes hit the pod IP and all containers share one network namespace, so a TCP port that
    *any* container declares is served; a mesh proxy's agent ports (``policies/mesh.yaml``)
    are served on injected pods; an image's known undeclared health port
    (``policies/ports.yaml``) is served; and a number the container's own command, args or env
    values mention (``--health-probe-bind-address=:8081``) is one it was told to listen on.
    """
    pod_wide = {p.number for other in wl.containers for p in declared_ports(other) if p.protocol == "TCP"}
    pod_wide |= agent_ports(wl, ctx.knowledge)
    # The knowledge list itself, not a filtered copy: entry_for remembers its answers per list.
    listening = (ctx.knowledge.get("ports") or {}).get("listening")
    known = listening if isinstance(listening, list) else []

    def accounted_for(c: Container) -> Callable[[int], bool]:
        # A membership test over the pod-wide set, not a copy of it per container: n containers
        # declaring n ports would otherwise cost n² set insertions.
        own = _mentioned(c)
        entry = _image_entry(c, known)
        if entry is not None:
            own |= {p for p in entry.get("ports") or [] if isinstance(p, int)}
        return lambda number: number in pod_wide or number in own
    return accounted_for


def _image_entry(c: Container, entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not c.image:
        return None
    try:
        return entry_for(parse(c.image), entries)
    except InvalidReference:
        return None


def _mentioned(c: Container) -> set[int]:
    """Every number written in the container's command, args and env values."""
    texts = (c.str_list("command") or []) + (c.str_list("args") or [])
    env = c.data.get("env")
    if isinstance(env, list):
        texts += [str(e["value"]) for e in env if isinstance(e, dict) and isinstance(e.get("value"), (str, int))]
    return {int(n) for t in texts for n in _NUMBER.findall(t) if len(n) <= 5}


def _near_declared(number: int, ports: list[DeclaredPort]) -> int | None:
    """The declared TCP port ``number`` is likely a typo of: within 2, or one digit edit away.

    ``8081`` for ``8080``, ``8008`` for ``8080`` (transposed), ``9080`` for ``8080``: a slip.
    ``10254`` next to ``80``/``443``: a separate health server, not a slip.
    """
    for p in ports:
        if p.protocol != "TCP" or p.number == number:
            continue
        if abs(p.number - number) <= 2 or _one_edit(str(p.number), str(number)):
            return p.number
    return None


def _one_edit(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with one digit changed, inserted, deleted or two neighbours swapped."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return len(long_) == len(short) + 1 and any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))
