"""Probes as the kubelet runs them: API defaults filled in, handlers normalised, ports resolved.

Every probe rule needs the same three answers, and each is easy to get subtly wrong:

* **Timing with defaults.** A field left out — or set to 0, which the API server's defaulting
  treats the same way — is ``periodSeconds: 10``, ``timeoutSeconds: 1``,
  ``failureThreshold: 3``, ``successThreshold: 1``; ``initialDelaySeconds`` is 0.
* **When a probe kills.** The kubelet's prober ticks every ``periodSeconds``; probes before
  ``initialDelaySeconds`` are skipped, so the first counted one lands within one period after
  the delay, and the ``failureThreshold``-th failure is seen one timeout after its probe. The
  latest a never-answering container is killed is therefore about
  ``initialDelaySeconds + periodSeconds × failureThreshold + timeoutSeconds`` — rules use that
  generous bound, so they only report kills that are certain.
* **Which port.** A named port is looked up in the container's own ``ports`` (not the pod's);
  when the name is missing the kubelet's ``strconv.Atoi`` fallback fails and the probe *errors*
  (its result is thrown away) instead of failing.
"""

from __future__ import annotations

import math

from crashlint.knowledge.families import family_of
from crashlint.model.nested import copy_data, dig_str
from crashlint.model.record import Value
from crashlint.model.workloads import Container, Pointer, Workload

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

PROBE_KINDS = ("livenessProbe", "readinessProbe", "startupProbe")
HANDLERS = ("httpGet", "tcpSocket", "exec", "grpc")
# What SetDefaults_Probe writes for fields that are absent or 0.
DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1,
            "failureThreshold": 3}
INT32_MAX = 2**31 - 1  # probe timings are int32 fields of the API


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Probe(Value):
    """One probe of one container, with its place in the object."""

    __slots__ = ("kind", "data", "pointer")

    kind: Final[str]  # livenessProbe | readinessProbe | startupProbe
    data: Final[dict[str, Any]]
    pointer: Final[Pointer]

    def __init__(self, kind: str, data: dict[str, Any], pointer: Pointer) -> None:
        self.kind = kind
        self.data = data
        self.pointer = pointer

    def timing(self, name: str) -> int:
        """The field as the kubelet uses it: the API default when absent, 0 or not an integer.

        Wrong types, negative values and values beyond the API's int32 fields are the
        ``rejected-by-api`` rule's business; here they fall back to the default so that no other
        rule reasons from a value that cannot exist.
        """
        v = _int(self.data.get(name))
        if v is None or v < 0 or v > INT32_MAX or (v == 0 and name != "initialDelaySeconds"):
            return DEFAULTS[name]
        return v

    @property
    def kill_window(self) -> int:
        """Latest time after container start at which a probe that never succeeds kills it."""
        return (self.timing("initialDelaySeconds") + self.timing("periodSeconds") * self.timing("failureThreshold")
                + self.timing("timeoutSeconds"))

    @property
    def stall_tolerance(self) -> int:
        """How long a running container may stop answering before the ``failureThreshold``-th failure."""
        return (self.timing("failureThreshold") - 1) * self.timing("periodSeconds") + self.timing("timeoutSeconds")

    @property
    def handler(self) -> tuple[str, dict[str, Any]] | None:
        """``(type, body)`` of the one handler set, or None when there is none usable."""
        for h in HANDLERS:
            body = self.data.get(h)
            if isinstance(body, dict):
                return h, body
        return None

    @property
    def label(self) -> str:
        return self.kind[: -len("Probe")]

    def at(self, *rest: str | int) -> Pointer:
        return self.pointer + rest


def probe_of(c: Container, kind: str) -> Probe | None:
    """The container's ``kind`` probe when it is a mapping (null or wrong types: no probe)."""
    data = c.data.get(kind)
    return Probe(kind, data, c.at(kind)) if isinstance(data, dict) else None


def probed_containers(wl: Workload) -> list[Container]:
    """Containers whose probes the kubelet runs: app containers and native sidecars.

    Plain init containers may not have probes (the API refuses them — ``rejected-by-api``) and
    ephemeral containers cannot either.
    """
    return [c for c in wl.iter("containers", "initContainers") if not c.is_init or c.is_sidecar]


class DeclaredPort(Value):
    __slots__ = ("name", "number", "protocol", "index")

    name: Final[str | None]
    number: Final[int]
    protocol: Final[str]
    index: Final[int]

    def __init__(self, name: str | None, number: int, protocol: str, index: int) -> None:
        self.name = name
        self.number = number
        self.protocol = protocol
        self.index = index


def declared_ports(c: Container) -> list[DeclaredPort]:
    """The container's ``ports`` entries that have a usable ``containerPort``."""
    ports = c.data.get("ports")
    if not isinstance(ports, list):
        return []
    out = []
    for i, p in enumerate(ports):
        if not isinstance(p, dict):
            continue
        number = _int(p.get("containerPort"))
        if number is None:
            continue
        name = dig_str(p, "name") or None
        proto = dig_str(p, "protocol", default="TCP")
        out.append(DeclaredPort(name, number, proto, i))
    return out


def port_names(c: Container) -> set[str]:
    """Every port name the container writes, even on an entry the API would refuse."""
    ports = c.data.get("ports")
    if not isinstance(ports, list):
        return set()
    return {p["name"] for p in ports if isinstance(p, dict) and isinstance(p.get("name"), str)}


def digit_port(text: str) -> int | None:
    """The number a string of ASCII digits means as a port (``strconv.Atoi``), else None.

    Only ``0-9`` count, as for Go's ``Atoi`` (``str.isdigit`` also takes ``"٨٠"``), and more digits
    than any int holds give None before ``int()`` sees them, so a huge string cannot raise.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    significant = text.lstrip("0") or "0"
    return int(significant) if len(significant) <= 10 else None


def resolve_port(c: Container, port: Any) -> tuple[int | None, bool]:
    """``(number, named)``: a probe port as the kubelet resolves it against ``c``'s ports.

    A name the container does not declare resolves to ``(None, True)``. A string of ASCII digits is
    accepted by the kubelet's fallback and counts as a number (None when no int holds it).
    """
    if _int(port) is not None:
        return port, False
    if isinstance(port, str):
        if port.isascii() and port.isdigit():
            return digit_port(port), False
        for p in declared_ports(c):
            if p.name == port:
                return p.number, True
        return None, True
    return None, False


def handler_key(probe: Probe, c: Container) -> tuple[Any, ...] | None:
    """A comparable form of the probe's check: what it asks, not how often.

    Named ports are resolved, an empty HTTP path is ``/`` and the scheme defaults to HTTP, so
    ``port: http`` and ``port: 8080`` compare equal when ``http`` is 8080.
    """
    h = probe.handler
    if h is None:
        return None
    kind, body = h

    def port() -> Any:
        number, _ = resolve_port(c, body.get("port"))
        return number if number is not None else body.get("port")

    if kind == "httpGet":
        headers = body.get("httpHeaders")
        norm_headers = tuple(sorted((str(x.get("name")), str(x.get("value"))) for x in headers if isinstance(x, dict))) \
            if isinstance(headers, list) else ()
        scheme = dig_str(body, "scheme", default="HTTP")
        return (kind, scheme.upper(), body.get("host") or "", body.get("path") or "/", port(), norm_headers)
    if kind == "tcpSocket":
        return (kind, body.get("host") or "", port())
    if kind == "grpc":
        return (kind, port(), body.get("service") or "")
    cmd = body.get("command")
    if not isinstance(cmd, list) or not cmd:
        return None
    return (kind, tuple(str(x) for x in cmd))


def describe(key: tuple[Any, ...]) -> str:
    """A short human form of a :func:`handler_key`."""
    kind = key[0]
    if kind == "httpGet":
        return f"{key[1]} GET :{key[4]}{key[3]}"
    if kind == "tcpSocket":
        return f"TCP connect to :{key[2]}"
    if kind == "grpc":
        return f"gRPC health check on :{key[1]}" + (f" (service '{key[2]}')" if key[2] else "")
    shown = " ".join(" ".join(key[1]).split())  # a multi-line script must not break a one-line message
    return f"exec `{shown[:60] + '...' if len(shown) > 60 else shown}`"


def startup_probe_for(live: Probe, seconds: float, margin: float) -> dict[str, Any]:
    """A startupProbe asking what ``live`` asks, patient enough for ``seconds`` × ``margin``.

    It copies the handler and the period/timeout, so once the container has started nothing
    changes: the startupProbe only holds the liveness probe back until the first success.
    """
    h = live.handler
    assert h is not None
    period = live.timing("periodSeconds")
    failures = max(DEFAULTS["failureThreshold"], math.ceil(seconds * margin / period))
    probe: dict[str, Any] = {h[0]: copy_data(h[1]), "periodSeconds": period, "failureThreshold": failures}
    if live.data.get("timeoutSeconds") is not None:
        probe["timeoutSeconds"] = live.timing("timeoutSeconds")
    return probe


class StartBudget(Value):
    """How long a known family needs before it answers probes, and why we think so."""

    __slots__ = ("family", "seconds", "source")

    family: Final[str]
    seconds: Final[float]
    source: Final[str]

    def __init__(self, family: str, seconds: float, source: str) -> None:
        self.family = family
        self.seconds = seconds
        self.source = source


def start_budget(c: Container, knowledge: dict[str, Any]) -> StartBudget | None:
    """The start budget of ``c``'s family from ``policies/startup.yaml``; None for unknown software."""
    entry = family_of(c, (knowledge.get("startup") or {}).get("families"))
    if entry is None:
        return None
    seconds = entry.get("seconds")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds <= 0:
        return None
    return StartBudget(str(entry.get("name") or "this image"), float(seconds), str(entry.get("source") or ""))
