"""What the API server refuses in a core/v1 Service (``ValidateService``, ``validateServicePort``).

Read from ``pkg/apis/core/validation/validation.go`` and the v1 defaults that run first
(``SetDefaults_Service`` in ``pkg/apis/core/v1/defaults.go``): an empty ``type`` becomes
ClusterIP, an empty ``sessionAffinity`` None, a port's empty ``protocol`` TCP, and a
``targetPort`` of 0 or ``""`` the port itself, so none of those is ever judged as missing. The
rules below hold on every supported version (1.27 and later). Not judged: nodePort ranges and
clusterIP ranges (they depend on the cluster's flags), the Service's name and selector labels
(``metadata.py``), and field types (``fields.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from crashlint.model.findings import Hit
from crashlint.knowledge.k8snames import port_name_problems
from crashlint.model.objects import K8sObject
from crashlint.knowledge.k8snames import dns1123_label_problems, dns1123_subdomain_problems
from crashlint.knowledge.validation._wording import (duplicate, filled_in_later, forbidden,
                       invalid, is_int, not_supported, Pointer, port_num_problem, required)
from crashlint.knowledge.validation.metadata import decoded_by_api_server

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")  # supportedServiceType, sorted
SESSION_AFFINITIES = ("ClientIP", "None")  # supportedSessionAffinityType, sorted
PORT_PROTOCOLS = ("SCTP", "TCP", "UDP")  # supportedPortProtocols, sorted


def _is_headless(spec: dict[str, Any]) -> bool:
    """``isHeadlessService``: the first cluster IP is ``None`` (``clusterIPs`` defaults from ``clusterIP``)."""
    ips = spec.get("clusterIPs")
    first = ips[0] if isinstance(ips, list) and ips else spec.get("clusterIP")
    return first == "None"


def _enum(spec: dict[str, Any], key: str, supported: tuple[str, ...], default: str) -> str | None:
    """The value of an enum field after defaulting; None when it is left to a template or is not a string."""
    value = spec.get(key)
    if value is None or value == "":
        return default
    if not isinstance(value, str) or filled_in_later(value):
        return None
    return value


def _target_port_hits(where: tuple[str | int, ...], target: Any) -> Iterator[Hit]:
    """``ValidatePortNumOrName``: a number 1-65535 or an IANA service name (``IsValidPortName``).

    ``targetPort: "8080"`` is a *string*, so the server reads it as a port name and refuses it for
    want of a letter; the fix is to drop the quotes.
    """
    if is_int(target):
        if target != 0 and port_num_problem(target):
            yield Hit(where, invalid(where, target, port_num_problem(target) or ""), anchor="value")
    elif isinstance(target, str) and target and not filled_in_later(target):
        problems = port_name_problems(target)
        if problems:
            hint = (f" (quoted, {target} is a port name, not a number: write targetPort: {target} without quotes)"
                    if target.isdigit() else " (a port name is at most 15 lowercase letters, digits and '-')")
            yield Hit(where, invalid(where, target, "; ".join(problems)) + hint, anchor="value")


def _port_hits(ports: list[Any], svc_type: str | None) -> Iterator[Hit]:
    """``validateServicePort`` for each port, then the duplicate (protocol, port) and nodePort pairs."""
    names: dict[str, int] = {}
    pairs: dict[tuple[str, int], int] = {}
    node_ports: dict[tuple[str, int], int] = {}
    for i, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        at = ("spec", "ports", i)
        name = port.get("name")
        if (name is None or name == "") and len(ports) > 1:
            yield Hit(at, f"{required(at + ('name',))} (a Service with more than one port names each of them)")
        elif isinstance(name, str) and name and not filled_in_later(name, name=True):
            problems = dns1123_label_problems(name)
            if problems:
                yield Hit(at + ("name",), invalid(at + ("name",), name, "; ".join(problems)), anchor="value")
            if name in names:
                yield Hit(at + ("name",), f"{duplicate(at + ('name',), name)} (ports[{names[name]}] has the same "
                          "name)", anchor="value")
            names.setdefault(name, i)
        number = port.get("port")
        if number is None or (is_int(number) and port_num_problem(number)):
            shown = 0 if number is None else number
            where = at + ("port",) if number is not None else at
            yield Hit(where, invalid(at + ("port",), shown, port_num_problem(shown) or ""), anchor="value")
        protocol = _enum(port, "protocol", PORT_PROTOCOLS, "TCP")
        if protocol is not None and protocol not in PORT_PROTOCOLS:
            yield Hit(at + ("protocol",), f"{not_supported(at + ('protocol',), protocol, PORT_PROTOCOLS)} "
                      "(protocol is case-sensitive)", anchor="value")
        yield from _target_port_hits(at + ("targetPort",), port.get("targetPort"))
        node_port = port.get("nodePort")
        if is_int(node_port) and node_port != 0:
            if svc_type == "ClusterIP":
                detail = "may not be used when `type` is 'ClusterIP'"
                yield Hit(at + ("nodePort",), f"{forbidden(at + ('nodePort',), detail)} (set type: NodePort or "
                          "LoadBalancer, or drop nodePort)", anchor="key")
            if protocol is not None:
                if (protocol, node_port) in node_ports:
                    yield Hit(at + ("nodePort",), f"{duplicate(at + ('nodePort',), node_port)} (ports"
                              f"[{node_ports[(protocol, node_port)]}] uses it too)", anchor="value")
                node_ports.setdefault((protocol, node_port), i)
        if protocol is not None and is_int(number):
            if (protocol, number) in pairs:
                yield Hit(at, f"spec.ports[{i}]: Duplicate value: port {number}/{protocol} (ports"
                          f"[{pairs[(protocol, number)]}] already exposes it; the server prints the whole "
                          "ServicePort)")
            pairs.setdefault((protocol, number), i)


def check_object(obj: K8sObject, knowledge: Mapping[str, Any]) -> Iterator[Hit]:
    """Every refusal of ``ValidateService`` that a file can show (not the cluster-specific ranges);
    an object the API server decoded (webhook, runtime mode) passed it already."""
    if obj.kind != "Service" or obj.api_group != "" or decoded_by_api_server(obj):
        return
    spec = obj.data.get("spec")
    if not isinstance(spec, dict):
        return
    svc_type = _enum(spec, "type", SERVICE_TYPES, "ClusterIP")
    if svc_type is not None and svc_type not in SERVICE_TYPES:
        yield Hit(("spec", "type"), f"{not_supported(('spec', 'type'), svc_type, SERVICE_TYPES)} (type is "
                  "case-sensitive)", anchor="value")
        svc_type = None
    affinity = _enum(spec, "sessionAffinity", SESSION_AFFINITIES, "None")
    if affinity is not None and affinity not in SESSION_AFFINITIES:
        yield Hit(("spec", "sessionAffinity"), f"{not_supported(('spec', 'sessionAffinity'), affinity, SESSION_AFFINITIES)}"
                  " (sessionAffinity is case-sensitive)", anchor="value")
    cluster_ip_templated = filled_in_later(spec.get("clusterIP"))
    headless = _is_headless(spec)
    ports = spec.get("ports")
    if ports is None or ports == []:
        if svc_type not in (None, "ExternalName") and not headless and not cluster_ip_templated:
            where: Pointer = ("spec", "ports") if ports == [] else ("spec",)
            yield Hit(where, f"{required(('spec', 'ports'))} (only an ExternalName or a headless Service, "
                      "clusterIP: None, may have no ports)", anchor="key")
    elif isinstance(ports, list):
        yield from _port_hits(ports, svc_type)
    if headless and svc_type in ("LoadBalancer", "NodePort"):
        where = ("spec", "clusterIPs", 0) if isinstance(spec.get("clusterIPs"), list) else ("spec", "clusterIP")
        yield Hit(where, invalid(("spec", "clusterIPs", 0), "None", f"may not be set to 'None' for {svc_type} "
                                 "services"), anchor="value")
    if svc_type == "ExternalName":
        name = spec.get("externalName")
        if name is None or name == "" or name == ".":
            yield Hit(("spec",), f"{required(('spec', 'externalName'))} (an ExternalName Service is a DNS alias: "
                      "externalName is the name it points to)", anchor="key")
        elif isinstance(name, str) and not filled_in_later(name, name=True):
            problems = dns1123_subdomain_problems(name.removesuffix("."))
            if problems:
                yield Hit(("spec", "externalName"), invalid(("spec", "externalName"), name.removesuffix("."),
                                                            "; ".join(problems)), anchor="value")
    ranges = spec.get("loadBalancerSourceRanges")
    if isinstance(ranges, list) and ranges and svc_type not in (None, "LoadBalancer"):
        yield Hit(("spec", "loadBalancerSourceRanges"), "spec.LoadBalancerSourceRanges: Forbidden: may only be used "
                  "when `type` is 'LoadBalancer'", anchor="key")
