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
info; otherwise a warning. The warning's "restart cascade across replicas" also needs
replicas that serve traffic: a workload held at one replica (``replicas: 1``, or unset with
``strategy: Recreate`` and no HorizontalPodAutoscaler of the set scaling it) or one that no
Service of its namespace selects (when the set defines Services there: a controller whose
readiness only gates the rollout) gets info too. Jobs and CronJobs are skipped: nothing routes traffic by readiness to a
run-to-completion pod.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.model.invcache import entries_in, memo
from crashlint.model.inventory import InventoryView
from crashlint.model.record import Value
from crashlint.knowledge.probes import Probe, describe, handler_key, probe_of, probed_containers
from crashlint.rules import RuleContext
from crashlint.knowledge.selectors import map_matches, pod_templates, templates_with_label
from crashlint.model.workloads import RUN_TO_COMPLETION_KINDS, Workload
from crashlint.rules._services import routed_selector

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Final

ID = "liveness-same-as-readiness"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)
# Read so that an HPA of the set can tell a Deployment without ``replicas`` is scaled out.
LOADS = frozenset({"HorizontalPodAutoscaler"})
REPLICATED_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})


def _patience(p: Probe) -> int:
    return p.timing("periodSeconds") * p.timing("failureThreshold")


def _single_replica(wl: Workload, ctx: RuleContext) -> bool:
    """At most one pod at a time: ``replicas`` 0/1, or unset with ``strategy: Recreate`` and no HPA.

    An unset ``replicas`` alone proves little — HPA-managed Deployments leave it out on purpose,
    and the webhook sees no HPA — but Recreate says the software is not run two at a time.
    """
    if wl.kind not in REPLICATED_KINDS:
        return False
    spec = wl.obj.data.get("spec")
    replicas = spec.get("replicas") if isinstance(spec, dict) else None
    if isinstance(replicas, int) and not isinstance(replicas, bool):
        return replicas <= 1
    strategy = spec.get("strategy") if isinstance(spec, dict) else None
    if replicas is not None or not isinstance(strategy, dict) or strategy.get("type") != "Recreate":
        return False
    scaled = _hpa_targets(ctx.inventory)
    ns = wl.obj.namespace
    return (ns, None, None) not in scaled and (ns, wl.kind, wl.obj.name) not in scaled


def _hpa_targets(inv: InventoryView) -> set[tuple[str | None, str | None, str | None]]:
    """(namespace, kind, name) each HPA scales — (namespace, None, None) for an unreadable target, which
    may scale anything there. Read once per inventory rather than once per workload."""
    def compute() -> set[tuple[str | None, str | None, str | None]]:
        out: set[tuple[str | None, str | None, str | None]] = set()
        for e in inv.of_kind("HorizontalPodAutoscaler"):
            hspec = e.obj.data.get("spec") if e.obj is not None else None
            target = hspec.get("scaleTargetRef") if isinstance(hspec, dict) else None
            if not isinstance(target, dict):
                out.add((e.namespace, None, None))
            elif isinstance(target.get("kind"), str) and isinstance(target.get("name"), str):
                out.add((e.namespace, target["kind"], target["name"]))
        return out
    return memo(inv, "hpa-targets", compute)


class _Routing(Value):
    """Which pod templates some Service of their namespace selects, computed once per inventory."""

    namespaces: Final[frozenset[str | None]]  # namespaces with at least one Service that selects by labels
    templates: Final[frozenset[int]]  # id() of every indexed template's object
    served: Final[frozenset[int]]  # id() of the template objects some Service selects

    __slots__ = ("namespaces", "templates", "served")

    def __init__(self, namespaces: frozenset[str | None], templates: frozenset[int], served: frozenset[int]) -> None:
        self.namespaces = namespaces
        self.templates = templates
        self.served = served


def _routing(inv: InventoryView) -> _Routing:
    def compute() -> _Routing:
        namespaces: set[str | None] = set()
        served: set[int] = set()
        for e in inv.of_kind("Service"):
            routed = routed_selector(e.obj) if e.obj is not None else None
            if routed is None:
                continue
            namespaces.add(e.namespace)
            key, value = next(iter(routed[1].items()))
            served.update(id(t.obj) for t in templates_with_label(inv, e.namespace, key, value)
                          if map_matches(routed[1], t.labels))
        templates = frozenset(id(t.obj) for t in pod_templates(inv))
        return _Routing(frozenset(namespaces), templates, frozenset(served))
    return memo(inv, "service-routing", compute)


def _unserved(wl: Workload, ctx: RuleContext) -> bool:
    """The set defines Services in the pod's namespace and none of them selects the pod.

    Answered from :func:`_routing` (each Service matched once against the templates carrying its
    first label), not by matching every workload against every Service of its namespace.
    """
    routing = _routing(ctx.inventory)
    ns = wl.obj.namespace
    if ns not in routing.namespaces:
        return False
    if id(wl.obj) in routing.templates:
        return id(wl.obj) not in routing.served
    # A subject the inventory does not hold as a template (not expected): match it directly.
    routed = [r for r in (routed_selector(e.obj) for e in entries_in(ctx.inventory, "Service", ns)
                          if e.obj is not None) if r is not None]
    return not any(map_matches(sel, wl.template_labels) for _, sel in routed)


def _no_cascade(wl: Workload, ctx: RuleContext) -> str | None:
    """Why a restart of this pod cannot cascade across serving replicas; None when it can."""
    if _single_replica(wl, ctx):
        return "it runs a single replica"
    if _unserved(wl, ctx):
        return "no Service of its namespace selects it"
    return None


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
        elif (why := _no_cascade(wl, ctx)) is not None:
            yield Hit(live.pointer, (
                f"container '{c.name}': livenessProbe and readinessProbe run the same check ({check_text}) and "
                f"liveness gives up no later than readiness. As {why}, there is no cascade across replicas, "
                f"but whenever the check fails (busy, a dependency down) the container is restarted rather "
                f"than only marked unready, and may back off into CrashLoopBackOff. Prefer a liveness "
                f"endpoint that checks only the process itself."), container=c.name, anchor="key", severity="info")
        else:
            yield Hit(live.pointer, (
                f"container '{c.name}': livenessProbe and readinessProbe run the same check ({check_text}) and "
                f"liveness gives up no later than readiness. Whenever the pod is too busy or a dependency is "
                f"down, it is restarted instead of only being taken out of the Service — a restart cascade "
                f"across replicas. Point liveness at an endpoint that checks only the process itself, or give it "
                f"a much higher failureThreshold."), container=c.name, anchor="key", severity="warning")
