"""A container's CPU and memory limits, read the way the kubelet enforces them.

Unparsable or negative quantities (``memory: banana``, ``memory: []``) give None here: the
``rejected-by-api`` rule reports them, and no resource rule should reason from a value the API
server would refuse. ``memory: 512m`` (half a byte, ``resource-unit-mistake``) gives None too.
"""

from __future__ import annotations

from decimal import Decimal

from crashlint.model.quantity import QuantityError, format_bytes, parse_quantity
from crashlint.model.workloads import Container, Pointer, Workload

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any


def human_bytes(value: Decimal) -> str:
    """``512Mi`` when exact, else an approximation in Mi (``1e9`` -> ``~954Mi``)."""
    exact = format_bytes(value)
    if not exact.isdigit() or value < 2**20:
        return exact
    return f"~{round(value / 2**20)}Mi"


def _section(resources: Any, section: str) -> dict[str, Any] | None:
    if not isinstance(resources, dict):
        return None
    values = resources.get(section)
    return values if isinstance(values, dict) else None


def _usable(raw: Any, resource: str) -> Decimal | None:
    try:
        q = parse_quantity(raw)
    except QuantityError:
        return None
    if q <= 0:
        return None
    if resource == "memory" and q < 2**20 and isinstance(raw, str) and raw.endswith("m"):
        return None
    return q


def limit_of(c: Container, resource: str) -> tuple[Decimal, Pointer] | None:
    """``(value, pointer)`` of the container's ``resources.limits.<resource>``, when usable."""
    limits = _section(c.data.get("resources"), "limits")
    if limits is None or resource not in limits:
        return None
    q = _usable(limits[resource], resource)
    return (q, c.at("resources", "limits", resource)) if q is not None else None


def has_limit_key(c: Container, resource: str) -> bool:
    """Whether a limit is written at all (even an unparsable one, or a malformed ``resources``,
    which ``rejected-by-api`` reports)."""
    resources = c.data.get("resources")
    if resources is None:
        return False
    if not isinstance(resources, dict):
        return True  # malformed: rejected-by-api reports it
    limits = resources.get("limits")
    if limits is None:
        return False
    return not isinstance(limits, dict) or limits.get(resource) is not None


def pod_limit_of(wl: Workload, resource: str) -> tuple[Decimal, Pointer] | None:
    """The pod-level ``spec.resources.limits.<resource>`` (PodLevelResources), when usable."""
    limits = _section(wl.spec.get("resources"), "limits")
    if limits is None or resource not in limits:
        return None
    q = _usable(limits[resource], resource)
    return (q, wl.at("resources", "limits", resource)) if q is not None else None


def memory_bound(wl: Workload, c: Container) -> tuple[Decimal, Pointer, str] | None:
    """The memory the container can use before an OOM kill: its own limit, else the pod's."""
    own = limit_of(c, "memory")
    if own is not None:
        return own[0], own[1], "its memory limit"
    pod = pod_limit_of(wl, "memory")
    if pod is not None:
        return pod[0], pod[1], "the pod's memory limit"
    return None
