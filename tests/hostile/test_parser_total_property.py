"""Every parser of manifest strings is total: any text gives a value or "not parseable", never an exception.

Quantities, heap flags (JVM, Node.js, Go), ports, durations, image references and host names are
fed arbitrary Unicode plus the shapes that broke them: digit strings past Python's 4,300-digit
``int()`` limit, Unicode digits, NaN/inf words, signs and huge exponents.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crashlint.knowledge.commands import classify
from crashlint.knowledge.heap import settings_of
from crashlint.knowledge.hosts import plain_hosts, probe_host, service_ref, url_hosts
from crashlint.model.imageref import InvalidReference, parse
from crashlint.knowledge.probes import digit_port, resolve_port
from crashlint.model.quantity import QuantityError, format_bytes, parse_quantity
from crashlint.knowledge.resource_limits import human_bytes
from crashlint.model.workloads import Container

_SETTINGS = settings(max_examples=300, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_DIGITS = st.sampled_from(["0", "9", "٥", "５", "১", "𝟗", "²"])
_NUMBERS = st.builds(lambda d, n: d * n, _DIGITS, st.sampled_from([1, 2, 19, 20, 4299, 4301, 20_000]))
_WORDS = st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e", "e", "E", ".", "+", "-", "Ki", "Mi", "Ei",
                          "m", "n", "k", "g", "G", "t", "%", "=", "-Xmx", "-Xms", "-XX:MaxRAMPercentage=",
                          "-XX:MaxHeapSize=", "--max-old-space-size=", "--max-old-space-size ", "MiB", "s", "h",
                          "e+", "e-", "e2147483647", "e2147483648", " ", ":", "/", "@", "sha256:", "://"])
TEXT = st.one_of(st.text(), st.lists(st.one_of(_NUMBERS, _WORDS, st.text(max_size=3)), max_size=6).map("".join))


def _container(text: str) -> Container:
    env = [{"name": n, "value": text} for n in ("JAVA_TOOL_OPTIONS", "JAVA_OPTS", "_JAVA_OPTIONS", "NODE_OPTIONS",
                                                 "GOMEMLIMIT", "DB_HOST")]
    data = {"name": "app", "env": env, "command": ["java", text], "args": text.split(" "),
            "ports": [{"name": text, "containerPort": 80}]}
    return Container(data, "containers", 0, ("spec", "containers", 0))


@_SETTINGS
@given(TEXT)
def test_quantity(text: str) -> None:
    try:
        q = parse_quantity(text)
    except QuantityError:
        return
    assert q.is_finite() and abs(q) <= 2**63 - 1
    assert text.isascii()
    format_bytes(q)
    human_bytes(q)


@_SETTINGS
@given(TEXT)
def test_heap_flags(text: str) -> None:
    for s in settings_of(_container(text), ["JAVA_OPTS"], ["NODE_OPTIONS"]):
        assert s.value.is_finite() and Decimal(0) <= s.value <= 2**64 - 1 or s.kind == "ram-percentage"
        human_bytes(s.value)


@_SETTINGS
@given(TEXT)
def test_ports(text: str) -> None:
    number = digit_port(text)
    assert number is None or (text.isascii() and number >= 0)
    resolve_port(_container(text), text)


@_SETTINGS
@given(TEXT)
def test_durations_and_commands(text: str) -> None:
    for argv in (["sleep", text], ["sh", "-c", text], [text], ["timeout", text, "true"]):
        classify(argv, {"commands": {"wrappers": ["timeout"], "shells": ["sh"]}})


@_SETTINGS
@given(TEXT)
def test_image_references(text: str) -> None:
    try:
        parse(text)
    except InvalidReference:
        pass


@_SETTINGS
@given(TEXT)
def test_hosts(text: str) -> None:
    list(url_hosts(text))
    list(plain_hosts(text))
    service_ref(text, "default", {"default", "db"})
    probe_host(["nc", "-z", text, "5432"])
    probe_host(["pg_isready", "-h", text])
