"""resource-unit-mistake: a CPU or memory quantity in the wrong unit, which the API server accepts.

The API server checks only that a container's quantity parses and is not negative
(``ValidateResourceQuantityValue`` in pkg/apis/core/validation; whole numbers are required only
of integer resources such as ``pods``, never of cpu or memory), so these pass ``kubectl apply``
and fail later, on the node:

* ``cpu: 64Mi`` (a memory unit on CPU) is 67,108,864 cores, and ``cpu: 10000`` (millicores
  meant, ``m`` forgotten) ten thousand. As the container's CPU request (the limit stands in for
  a request that is not written) it exceeds every node: no Linux kernel runs more than 8192
  logical CPUs (``params.max_node_cpus``), so the scheduler answers ``0/N nodes are available:
  N Insufficient cpu`` and the pod stays Pending forever. As a limit above a written request
  the pod is scheduled, so it is a warning, as a binary unit on CPU below that bound is
  (``cpu: 2Ki`` is 2048 cores; a mistake, but such nodes are not impossible).
* ``memory: 512m`` is 0.512 bytes (``m`` is milli, not mega; the kubelet rounds it up to one
  byte). As a limit below one memory page (``params.page_bytes``) no process fits: the kernel
  charges memory by the page, so under containerd/runc the container's init is OOM-killed as
  it starts, and CRI-O refuses any limit under 12 MiB outright (``set memory limit 1 too low;
  should be at least 12582912``, cri-o ``VerifyMemoryIsEnough``). As a request (a real limit
  beside it, or none) the pod runs but reserves nothing: a warning. Millibyte values of a MiB
  or more (``1288490188800m``) are what autoscalers write, not a mistake, and are not reported;
  zero is "no limit" to the runtimes.

A limit below its request is refused by the API server (``rejected-by-api`` says so), so the
limit's unit is not reported again here. Unparsable quantities are ``rejected-by-api``'s too.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal

from crashlint.model.findings import Hit
from crashlint.model.quantity import QuantityError, parse_quantity
from crashlint.rules import RuleContext
from crashlint.model.workloads import Container, Workload

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

ID = "resource-unit-mistake"

_BINARY_SUFFIXES = ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
_MIB = Decimal(2**20)


def _parsed(values: Any) -> dict[str, tuple[Any, Decimal]]:
    """``{resource: (raw, value)}`` of the quantities of one section that parse and are not negative."""
    out: dict[str, tuple[Any, Decimal]] = {}
    if not isinstance(values, dict):
        return out
    for res in ("cpu", "memory"):
        raw = values.get(res)
        if raw is None:
            continue
        try:
            q = parse_quantity(raw)
        except QuantityError:
            continue  # rejected-by-api
        if q >= 0:
            out[res] = (raw, q)
    return out


def _cores(q: Decimal) -> str:
    return f"{q:,.0f}" if q >= 1 else str(q)


def _cpu_hits(c: Container, section: str, raw: Any, q: Decimal, is_request: bool, max_cpus: Decimal) -> Iterator[Hit]:
    text = str(raw)
    memory_unit = isinstance(raw, str) and text.endswith(_BINARY_SUFFIXES)
    if q <= max_cpus and not memory_unit:
        return
    where = c.at("resources", section, "cpu")
    plain = not isinstance(raw, str) or text.isdigit()
    meant = f"cores or millicores: {text}m?" if plain else "cores (2) or millicores (500m)"
    how = f"means {_cores(q)} cores" + (" (a memory unit on CPU)" if memory_unit else " (no unit: cores)" if plain else "")
    if q > max_cpus and is_request:
        role = "request" if section == "requests" else "limit (and so its request, which is not written)"
        yield Hit(where, (
            f"container '{c.name}': cpu {role} {text} {how}; no node has more than {max_cpus:,.0f} CPUs, so "
            f"the scheduler finds no node (FailedScheduling: Insufficient cpu) and the pod stays Pending forever. "
            f"CPU is in {meant}"), container=c.name, anchor="value")
    elif q > max_cpus:
        yield Hit(where, (
            f"container '{c.name}': cpu limit {text} {how}, more than any node has, so it cannot be the limit "
            f"you meant. CPU is in {meant}"),
            container=c.name, anchor="value", severity="warning")
    else:
        yield Hit(where, (
            f"container '{c.name}': cpu {section[:-1]} {text} {how}; CPU is in {meant}"), container=c.name,
            anchor="value", severity="warning")


def _memory_hits(c: Container, section: str, raw: Any, q: Decimal, page: Decimal) -> Iterator[Hit]:
    text = str(raw)
    if not (isinstance(raw, str) and text.endswith("m") and 0 < q < _MIB):
        return  # 0 is "no limit" to the runtimes, whatever its unit
    where = c.at("resources", section, "memory")
    meant = f"{text[:-1]}Mi"
    if section == "limits" and q < page:
        yield Hit(where, (
            f"container '{c.name}': memory limit {text} means {q.normalize():f} bytes ('m' is milli, not mega), "
            f"less than one {page:,.0f}-byte page, so no runtime starts the container: CRI-O refuses it (set memory "
            f"limit {math.ceil(q)} too low; should be at least 12582912) and under containerd its init is OOM-killed "
            f"as it starts. Did you mean {meant}?"), container=c.name, anchor="value")
    else:
        yield Hit(where, (
            f"container '{c.name}': memory {section[:-1]} {text} means {q.normalize():f} bytes ('m' is milli, not "
            f"mega); the scheduler reserves nothing for it. Did you mean {meant}?"),
            container=c.name, anchor="value", severity="warning")


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    max_cpus = parse_quantity(ctx.params["max_node_cpus"])  # checked (a quantity >= 1) when the config loaded
    page = parse_quantity(ctx.params["page_bytes"])
    for c in wl.iter("containers", "initContainers"):
        resources = c.data.get("resources")
        if not isinstance(resources, dict):
            continue
        requests, limits = _parsed(resources.get("requests")), _parsed(resources.get("limits"))
        for res, (raw, q) in requests.items():
            if res == "cpu":
                yield from _cpu_hits(c, "requests", raw, q, True, max_cpus)
            else:
                yield from _memory_hits(c, "requests", raw, q, page)
        for res, (raw, q) in limits.items():
            request = requests.get(res)
            if request is not None and q < request[1]:
                continue  # limit below request: the API server refuses it (rejected-by-api)
            if res == "cpu":
                yield from _cpu_hits(c, "limits", raw, q, request is None, max_cpus)
            else:
                yield from _memory_hits(c, "limits", raw, q, page)


