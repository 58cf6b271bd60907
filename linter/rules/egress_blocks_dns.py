"""egress-blocks-dns: a NetworkPolicy cuts the selected pods off from DNS.

A NetworkPolicy with an Egress type allows only what its egress rules list, for every pod its
``podSelector`` selects. Without a rule reaching port 53 over UDP, every name lookup of those
pods times out (resolvers ask over UDP and fall back to TCP only for truncated answers, and a
port entry without ``protocol`` means TCP, so ``ports: [{port: 53}]`` alone is not enough):
``lookup db on 10.96.0.10:53: ... i/o timeout``, ``EAI_AGAIN``, ``Temporary failure in name
resolution``. Applications that resolve a dependency at start-up
exit, and the pod crash-loops although the dependency is up.

Policies are additive: a default-deny policy next to an ``allow-dns`` policy that selects the
same pods is the recommended pattern and is fine. So the policy is reported only when a pod
template of its namespace that it selects gets DNS from no Egress policy of the set; when the
set has no such pod template, only when no policy of the namespace allows DNS at all.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.model.invcache import memo
from crashlint.model.inventory import InventoryView
from crashlint.model.objects import K8sObject
from crashlint.knowledge.probes import digit_port
from crashlint.rules import RuleContext
from crashlint.knowledge.selectors import label_selector_matches, pod_templates

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

ID = "egress-blocks-dns"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)
KINDS = frozenset({"NetworkPolicy"})


def _spec(obj: K8sObject) -> dict[str, Any]:
    spec = obj.data.get("spec")
    return spec if isinstance(spec, dict) else {}


def restricts_egress(spec: dict[str, Any]) -> bool:
    """Egress in policyTypes, or (policyTypes unset) a non-empty egress list, as the API defaults it."""
    types = spec.get("policyTypes")
    if isinstance(types, list):
        return "Egress" in types
    egress = spec.get("egress")
    return isinstance(egress, list) and len(egress) > 0


ALL_PROTOCOLS = frozenset({"UDP", "TCP", "SCTP"})


def _port_allows_dns(p: Any, dns_names: set[str]) -> bool:
    if not isinstance(p, dict):
        return False
    port = p.get("port")
    if port is None:
        return True  # every port of that protocol
    if isinstance(port, str):
        number = digit_port(port)
        if number is None:
            return port in dns_names  # a named port (or digits no int holds, which name nothing)
    elif isinstance(port, int) and not isinstance(port, bool):
        number = port
    else:
        return False  # 53.0, .inf, a list: the API refuses them
    end = p.get("endPort")
    if isinstance(end, int) and number <= 53 <= end:
        return True
    return number == 53


def dns_protocols(spec: dict[str, Any], dns_names: set[str]) -> set[str]:
    """Protocols on which the policy's egress reaches port 53 (a port's protocol defaults to TCP).

    A rule without ``ports`` allows every port of every protocol.
    """
    egress = spec.get("egress")
    out: set[str] = set()
    if not isinstance(egress, list):
        return out
    for rule in egress:
        if not isinstance(rule, dict):
            continue
        ports = rule.get("ports")
        if not ports:
            return set(ALL_PROTOCOLS)
        if isinstance(ports, list):
            out.update(str(p.get("protocol") or "TCP") for p in ports if _port_allows_dns(p, dns_names))
    return out


def _udp_dns_policies(inv: InventoryView, dns_names: set[str]) -> dict[str | None, list[tuple[K8sObject, dict[str, Any]]]]:
    """Egress policies that give DNS over UDP, by namespace: read once per inventory, not once per policy."""
    def compute() -> dict[str | None, list[tuple[K8sObject, dict[str, Any]]]]:
        out: dict[str | None, list[tuple[K8sObject, dict[str, Any]]]] = {}
        for e in inv.of_kind("NetworkPolicy"):
            spec = _spec(e.obj) if e.obj is not None else {}
            if e.obj is not None and restricts_egress(spec) and "UDP" in dns_protocols(spec, dns_names):
                out.setdefault(e.namespace, []).append((e.obj, spec))
        return out
    return memo(inv, "udp-dns-policies:" + ",".join(sorted(dns_names)), compute)


def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Hit]:
    spec = _spec(obj)
    if not restricts_egress(spec):
        return
    dns_names = set(ctx.params["dns_port_names"])
    own = dns_protocols(spec, dns_names)
    if "UDP" in own:
        return
    selector = spec.get("podSelector", {})
    if label_selector_matches(selector, {}) is None:
        return  # unreadable selector: no guess
    ns = obj.namespace
    dns_policies = [spec for o, spec in _udp_dns_policies(ctx.inventory, dns_names).get(ns, []) if o is not obj]
    templates = [t for t in pod_templates(ctx.inventory, ns)
                 if t.spec.get("hostNetwork") is not True and label_selector_matches(selector, t.labels)]
    if templates:
        cut = [t for t in templates
               if not any(label_selector_matches(p.get("podSelector", {}), t.labels) for p in dns_policies)]
        if not cut:
            return
        who = ", ".join(f"{t.obj.kind} '{t.obj.name}'" for t in cut[:3])
    elif dns_policies:
        return
    else:
        who = "the pods it selects"
    pointer = ("spec", "egress") if "egress" in spec else ("spec", "policyTypes")
    what = ("allows port 53 only over TCP (a port's protocol defaults to TCP; resolvers ask over UDP first)"
            if own else "allows no port 53")
    yield Hit(pointer, (
        f"NetworkPolicy '{obj.name}' restricts egress and {what}, and no other Egress policy of "
        f"namespace '{ns}' in the linted files gives DNS over UDP to {who}: every name lookup times out "
        f"(`lookup ... on 10.96.0.10:53: i/o timeout`, `Temporary failure in name resolution`), so "
        f"applications that resolve a dependency at start-up fail and crash-loop. Allow UDP and TCP port 53 "
        f"to kube-dns (namespace kube-system, label k8s-app=kube-dns), here or in a policy selecting the same pods."),
        anchor="key")
