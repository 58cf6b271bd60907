"""Which in-cluster Service a host name means, and where pods name hosts.

Cluster DNS resolves a Service as ``name`` (from a pod of the same namespace), ``name.ns``,
``name.ns.svc`` or ``name.ns.svc.cluster.local``; a StatefulSet pod behind a headless Service
as ``pod.name`` / ``pod.name.ns.svc...``. Anything else with dots (``db.example.com``) is
outside the cluster and none of crashlint's business. The rules that use this
(``unresolved-dependency``, ``init-container-waits-forever``) stay quiet whenever a host is
not clearly one of those forms: IP addresses, templating (``$(VAR)``, ``{{ }}``), two-label
names whose second label is not a namespace the linted set uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from crashlint.model.invcache import memo
from crashlint.model.inventory import InventoryView
from crashlint.model.record import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SCHEME_CHARS = _ASCII_LETTERS | frozenset("0123456789+.-")
_AUTHORITY = re.compile(r"[^/\s?#'\"<>;]+")
_HOST_PORT = re.compile(r"([A-Za-z0-9.-]+)(:[0-9]{1,5})?")
_LIST_SEPARATOR = re.compile(r"[,\s]+")
TEMPLATING = ("$", "{{", "%(", "<")  # $(VAR), ${VAR}, Helm/Jinja, placeholders
# Never Services: loopback names, and words that configuration values use for "no host".
NOT_SERVICES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "host.docker.internal", "true",
                          "false", "yes", "no", "on", "off", "none", "null", "nil", "auto", "any", "all", "disabled",
                          "enabled", "default", "unset", "changeme"})


# URL schemes whose authority is a host reached over the network (``mongodb+srv``,
# ``postgresql+asyncpg``: the part before ``+``). JDBC URLs (``jdbc:mysql://``) match by their
# inner scheme. Object stores and local schemes (s3, gs, az, abfs, wasb, file, unix) are absent.
NETWORK_SCHEMES = frozenset({
    "http", "https", "ws", "wss", "h2c", "grpc", "grpcs", "dns", "tcp", "udp", "tls", "ssl", "ssh", "sftp", "ftp",
    "ftps", "git", "redis", "rediss", "valkey", "sentinel", "postgres", "postgresql", "pg", "mysql", "mysqlx",
    "mariadb", "sqlserver", "mssql", "oracle", "db2", "cockroachdb", "clickhouse", "mongodb", "cassandra", "cql",
    "scylla", "neo4j", "bolt", "couchbase", "couchbases", "couchdb", "elasticsearch", "opensearch", "influxdb",
    "etcd", "consul", "amqp", "amqps", "nats", "kafka", "pulsar", "mqtt", "mqtts", "stomp",
    "ldap", "ldaps", "smtp", "smtps", "imap", "imaps", "memcached", "memcache", "zk", "zookeeper", "thrift",
    "jaeger", "otlp", "loadbalance", "replication", "aurora", "hdfs", "webhdfs", "rtmp", "rtsp", "sip"})


class ServiceRef(Value):
    """A host read as in-cluster DNS: the Services it may mean (any one existing resolves it)."""

    __slots__ = ("host", "candidates")

    host: Final[str]
    candidates: Final[tuple[tuple[str, str], ...]]  # (service name, namespace)

    def __init__(self, host: str, candidates: tuple[tuple[str, str], ...]) -> None:
        self.host = host
        self.candidates = candidates


def known_namespaces(inv: InventoryView) -> set[str]:
    """Namespaces the linted set (or cluster) uses: of its objects, and Namespace objects."""
    def compute() -> set[str]:
        out = {e.namespace for e in inv.entries.values() if e.namespace}
        out.update(e.name for e in inv.of_kind("Namespace"))
        return out
    return memo(inv, "namespaces", compute)


def service_ref(host: str, namespace: str, namespaces: set[str],
                cluster_domain: str = "cluster.local") -> ServiceRef | None:
    """Read ``host`` as a Service reference from a pod in ``namespace``; None when it is not one."""
    h = host.strip().rstrip(".").lower()
    if not h or h in NOT_SERVICES or any(t in host for t in TEMPLATING):
        return None
    labels = h.split(".")
    if any(not _LABEL.fullmatch(lab) for lab in labels) or all(lab.isdigit() for lab in labels):
        return None
    domain = cluster_domain.split(".")
    rest: list[str] | None = None
    if len(labels) > 1 + len(domain) and labels[-len(domain) - 1:] == ["svc", *domain]:
        rest = labels[:-len(domain) - 1]
    elif len(labels) >= 3 and labels[-1] == "svc":
        rest = labels[:-1]
    if rest is not None:
        if len(rest) == 2:
            return ServiceRef(h, ((rest[0], rest[1]),))
        if len(rest) == 3:  # pod.service.namespace.svc...
            return ServiceRef(h, ((rest[1], rest[2]),))
        return None
    if len(labels) == 1:
        if labels[0].isdigit():
            return None
        return ServiceRef(h, ((labels[0], namespace),))
    if len(labels) == 2 and labels[1] in namespaces:
        # service.namespace, or a StatefulSet pod behind headless Service `labels[1]` here.
        return ServiceRef(h, ((labels[0], labels[1]), (labels[1], namespace)))
    return None


def is_defined(ref: ServiceRef, inv: InventoryView, always: Iterable[str] = ()) -> bool:
    """True when any candidate Service exists (or is one Kubernetes always has, ``name.ns``)."""
    present = set(always)
    return any(inv.has("Service", ns, name) or f"{name}.{ns}" in present for name, ns in ref.candidates)


def _urls(text: str) -> Iterator[tuple[str, str]]:
    """``(scheme, authority)`` of every ``scheme://authority`` in ``text``, in linear time.

    What ``\\b([a-zA-Z][a-zA-Z0-9+.-]*)://([^/\\s?#'"<>;]+)`` with ``finditer`` finds, but anchored
    at each ``://``: the regular expression tries every word boundary as a scheme start and scans
    the rest of a scheme-like run from each, so ``a.a.a.…`` (no ``://`` at all) cost n² steps —
    30 s for an 80 KB env value. Here each ``://`` scans back over its own scheme run only (runs
    cannot overlap: ``:`` and ``/`` end them) and forward over its authority once.
    """
    done = 0  # text before this is part of an earlier match
    sep = text.find("://")
    while sep != -1:
        start = sep
        while start > done and text[start - 1] in _SCHEME_CHARS:
            start -= 1
        # The leftmost start the expression would take: an ASCII letter at a word boundary.
        begin = next((i for i in range(start, sep) if text[i] in _ASCII_LETTERS
                      and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))), None)
        m = _AUTHORITY.match(text, sep + 3) if begin is not None else None
        if m:
            yield text[begin:sep], m.group()
            done = m.end()
        sep = text.find("://", max(sep + 1, done))


def url_hosts(text: str) -> Iterator[str]:
    """Hosts of every network URL in ``text`` (also inside JDBC URLs and JVM flags), multi-host aware.

    Only schemes whose authority is a network host count: in ``s3://backups``, ``gs://``,
    ``file://``, ``docker://alpine`` or ``vault://secret`` it is a bucket, an image or a path.
    """
    for scheme, authority in _urls(text):
        if scheme.lower().split("+", 1)[0] not in NETWORK_SCHEMES:
            continue
        authority = authority.rsplit("@", 1)[-1]
        for part in authority.split(","):
            if part.startswith("["):
                continue  # IPv6 literal
            hm = _HOST_PORT.fullmatch(part)
            if hm:
                yield hm.group(1)


def plain_hosts(text: str, with_port: bool = False) -> Iterator[str]:
    """``host``, ``host:port`` and comma/space separated lists of them (broker lists).

    ``with_port``: only the hosts written with a ``:port`` — decided per list item, in one pass,
    so a list of n brokers costs n matches of one item each, not n searches of the whole value.
    """
    if "://" in text or "/" in text or "=" in text:
        return
    for part in _LIST_SEPARATOR.split(text.strip()):
        hm = _HOST_PORT.fullmatch(part)
        if hm and hm.group(1) and (hm.group(2) or not with_port):
            yield hm.group(1)


# Options that take a value, per probe program, so the value is not read as the host.
_NC_VALUE_OPTS = {"-w", "-i", "-p", "-s", "-q", "-x", "-X", "-O", "-I", "-T", "-W", "-c", "-e"}
_PING_VALUE_OPTS = {"-c", "-W", "-w", "-i", "-s", "-t", "-I"}
_HOST_FLAG_TOOLS = {"pg_isready", "mysqladmin", "mysql", "redis-cli", "mongo", "mongosh", "psql", "valkey-cli",
                    "clickhouse-client", "cqlsh", "nats", "rabbitmqctl"}


def _positional(args: list[str], value_opts: set[str]) -> list[str]:
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in value_opts:
            skip = True
            continue
        if a.startswith("-") or a.startswith("+") or a.startswith("@"):
            continue
        out.append(a)
    return out


def probe_host(argv: list[str]) -> str | None:
    """The host a connectivity check waits for (``nc -z db 5432``, ``nslookup db``, ``pg_isready -h db``)."""
    if not argv:
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    rest = argv[1:]
    if prog in ("nslookup", "host", "dig"):
        pos = _positional(rest, {"-t", "-c", "-p", "-type", "-port"})
        return pos[0] if pos else None
    if prog == "getent":
        pos = _positional(rest, set())
        return pos[1] if len(pos) >= 2 and pos[0] in ("hosts", "ahosts", "ahostsv4", "ahostsv6") else None
    if prog in ("nc", "ncat", "netcat", "telnet"):
        pos = _positional(rest, _NC_VALUE_OPTS)
        return pos[0] if pos else None
    if prog == "ping":
        pos = _positional(rest, _PING_VALUE_OPTS)
        return pos[0] if pos else None
    if prog in ("wget", "curl"):
        for a in rest:
            hosts = list(url_hosts(a))
            if hosts:
                return hosts[0]
        return None
    if prog in _HOST_FLAG_TOOLS:
        for i, a in enumerate(rest):
            if a in ("-h", "--host", "-host") and i + 1 < len(rest):
                return rest[i + 1]
            if a.startswith("--host="):
                return a.split("=", 1)[1]
            if a.startswith("-h") and len(a) > 2 and a != "-host":
                return a[2:]  # -hdb
        return None
    return None


def pod_resolves_elsewhere(spec: dict[str, Any]) -> set[str] | None:
    """Host names this pod resolves without a Service, or None when its DNS is not the cluster's.

    ``hostAliases`` write ``/etc/hosts`` entries, a pod knows its own ``hostname``; with
    ``dnsPolicy: Default``/``None`` or extra ``dnsConfig.searches`` a short name may resolve
    through other search domains, so no host of such a pod is judged.
    """
    if spec.get("dnsPolicy") in ("Default", "None"):
        return None
    dns_config = spec.get("dnsConfig")
    if isinstance(dns_config, dict) and dns_config.get("searches"):
        return None
    names: set[str] = set()
    aliases = spec.get("hostAliases")
    if isinstance(aliases, list):
        for a in aliases:
            hostnames = a.get("hostnames") if isinstance(a, dict) else None
            if isinstance(hostnames, list):
                names.update(str(h).lower() for h in hostnames)
    if isinstance(spec.get("hostname"), str):
        names.add(spec["hostname"].lower())
    return names
