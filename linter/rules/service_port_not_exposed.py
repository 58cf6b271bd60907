"""service-port-not-exposed: a Service's named targetPort that its pods do not declare.

A named ``targetPort`` (``targetPort: http``) is looked up in each selected pod's container
ports by name and protocol. A pod that declares no such port is left out of the endpoints:
when no selected pod declares it, the Service has no endpoints for that port and its clients
fail to connect (and crash-loop when they exit on it). A numeric targetPort needs no
declaration — ``containerPort`` is informational and the process may listen anyway — so an
undeclared number is not reported. Services that select nothing are
``service-selects-nothing``'s business.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.model.objects import K8sObject
from crashlint.rules import RuleContext
from crashlint.knowledge.selectors import PodTemplate
from crashlint.rules._services import routed_selector, selected

ID = "service-port-not-exposed"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)
KINDS = frozenset({"Service"})


def _declared(templates: list[PodTemplate]) -> set[tuple[str, str]]:
    """(name, protocol) of every container port of the selected pods, gathered once per Service so that
    n Service ports against m container ports cost n + m, not n × m."""
    return {(p["name"], p.get("protocol") or "TCP")
            for t in templates for c in t.containers() if isinstance(c.get("ports"), list)
            for p in c["ports"] if isinstance(p, dict) and isinstance(p.get("name"), str)
            and isinstance(p.get("protocol") or "TCP", str)}


def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Hit]:
    routed = routed_selector(obj)
    if routed is None:
        return
    spec, selector = routed
    templates = selected(obj, selector, ctx)
    ports = spec.get("ports")
    if not templates or not isinstance(ports, list):
        return
    declared = _declared(templates)
    for i, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        target = port.get("targetPort")
        if not isinstance(target, str) or not target or (target.isascii() and target.isdigit()):
            continue  # numeric (or a digit string, which the API refuses): nothing to resolve
        protocol = port.get("protocol") or "TCP"
        if isinstance(protocol, str) and (target, protocol) in declared:
            continue
        names = ", ".join(f"{t.obj.kind} '{t.obj.name}'" for t in templates[:3])
        yield Hit(("spec", "ports", i, "targetPort"), (
            f"Service '{obj.name}' port {port.get('port')} targets the named port '{target}' ({protocol}), but "
            f"no selected pod declares a container port of that name and protocol ({names}): the Service gets "
            f"no endpoints for it and clients fail to connect. Name the container port '{target}' or use the "
            f"port number."),
            anchor="value")
