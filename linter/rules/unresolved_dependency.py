"""unresolved-dependency: configuration names an in-cluster host that no Service provides.

An application told ``DB_HOST=postgres`` or ``http://api.payments.svc:8080`` that resolves to
nothing fails its first connection (``getaddrinfo ENOTFOUND postgres``, ``no such host``,
``Name or service not known``) and, like most services, exits — the container restarts into
CrashLoopBackOff while the real cause is a Service name. crashlint reads env values and args
for in-cluster DNS names (``name``, ``name.ns``, ``name.ns.svc[.cluster.local]``, also inside
URLs, JDBC URLs and broker lists) and reports those the set does not define — and a
StatefulSet's ``serviceName`` that names no Service, which leaves its pods' DNS names unresolvable.

It is deliberately quiet: info severity; only when the linted set defines Services at all (a
directory holding only the Deployment proves nothing); bare host values only in variables
named like hosts (``*_HOST``, ``*_ADDR``; ``host:port`` for ``*_SERVICE``, ``*_SERVERS``,
``*_BROKERS`` ...) and in flags whose *last* word is a host word (``--db-host``, ``--redis-addr``,
but not ``--kubelet-preferred-address-types`` or ``--upstream-timeout``), and only values that
look like lower-case DNS names; URLs only of network schemes (not ``s3://bucket``); variables
about the pod itself or the outside world (``LISTEN``, ``BIND``, ``PUBLIC``, ``PROXY`` ...)
skipped; external names (``db.example.com``) and IPs ignored; ``hostAliases`` names and pods
with their own DNS settings (``dnsPolicy: Default``, extra search domains) left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from crashlint.knowledge.commands import shell_script
from crashlint.model.findings import Hit
from crashlint.knowledge.hosts import (ServiceRef, is_defined, known_namespaces, plain_hosts, pod_resolves_elsewhere, service_ref,
                     url_hosts)
from crashlint.model.inventory import InventoryView
from crashlint.rules import RuleContext
from crashlint.model.workloads import Container, Workload

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

ID = "unresolved-dependency"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)
_FLAG = re.compile(r"--?([A-Za-z0-9][A-Za-z0-9_.-]*)=(.+)")
# A flag value read as a host must look like a lower-case DNS name (Service names are RFC 1123
# labels): ``InternalIP`` is an enum, ``30s`` a duration, ``v2`` a version.
_LOOKS_LIKE_NAME = re.compile(r"[a-z][a-z0-9.-]*")
_VERSION = re.compile(r"v[0-9][a-z0-9.-]*")


def _upper_words(name: str) -> set[str]:
    return {w for w in re.split(r"[^A-Z0-9]+", name.upper()) if w}


class _Checker:
    """Per-workload state: what the set defines, and which hosts were already reported."""

    def __init__(self, wl: Workload, ctx: RuleContext) -> None:
        p = ctx.params
        self.inv: InventoryView = ctx.inventory
        self.ns = wl.obj.namespace or "default"
        self.namespaces = known_namespaces(self.inv)
        self.domain = p["cluster_domain"]
        self.always = list(p["always_present"])
        self.host_suffixes = tuple(s.upper() for s in p["host_env_suffixes"])
        self.hostport_suffixes = tuple(s.upper() for s in p["host_port_env_suffixes"])
        self.ignore = {w.upper() for w in p["ignore_env_words"]}
        self.flag_words = tuple(w.lower() for w in p["host_flag_words"])
        self.seen: set[tuple[str | None, str]] = set()
        self.local = pod_resolves_elsewhere(wl.spec)
        self.knowledge = ctx.knowledge

    def missing(self, host: str) -> ServiceRef | None:
        if self.local is None or host.lower() in self.local:
            return None
        ref = service_ref(host, self.ns, self.namespaces, self.domain)
        if ref is None or is_defined(ref, self.inv, self.always):
            return None
        return ref

    def env_hosts(self, name: str, value: str) -> list[str]:
        if _upper_words(name) & self.ignore:
            return []
        hosts = list(url_hosts(value))
        upper = name.upper()
        if not hosts and "://" not in value:
            if upper.endswith(self.host_suffixes):  # not a bare HOST: that is usually the bind address
                hosts = list(plain_hosts(value))
            elif upper.endswith(self.hostport_suffixes):
                hosts = list(plain_hosts(value, with_port=True))
        return hosts

    def arg_hosts(self, arg: str) -> list[str]:
        hosts = list(url_hosts(arg))
        if hosts or "://" in arg:
            return hosts
        m = _FLAG.fullmatch(arg)
        if m:
            words = [w for w in re.split(r"[-_.]", m.group(1).lower()) if w]
            if words and words[-1] in self.flag_words and not {w.upper() for w in words} & self.ignore:
                return [h for h in plain_hosts(m.group(2)) if _LOOKS_LIKE_NAME.fullmatch(h)
                        and not _VERSION.fullmatch(h)]
        return []


def _message(c: Container, where: str, host: str, ref: ServiceRef) -> str:
    name, ns = ref.candidates[0]
    return (f"{where} of container '{c.name}' names host '{host}', but the linted files define no Service "
            f"'{name}' in namespace '{ns}': unless it is created elsewhere, the connection fails (`no such host`, "
            f"`Name or service not known`) and an application that exits on it restarts into CrashLoopBackOff. "
            f"Check the Service name and namespace (`name.namespace` reaches another namespace).")


def _governing_service(wl: Workload, inv: InventoryView) -> Iterator[Hit]:
    """A StatefulSet's ``serviceName``: without that headless Service its pods' DNS names
    (``web-0.web``) resolve to nothing, and peers that find each other by them fail."""
    spec = wl.obj.data.get("spec")
    name = spec.get("serviceName") if isinstance(spec, dict) else None
    ns = wl.obj.namespace
    if wl.kind != "StatefulSet" or not isinstance(name, str) or not name or inv.has("Service", ns, name):
        return
    yield Hit(("spec", "serviceName"), (
        f"StatefulSet '{wl.obj.name}' names governing Service '{name}', which the linted files do not define in "
        f"namespace '{ns}': its pods' DNS names ({wl.obj.name}-0.{name}) resolve to nothing, so members that "
        f"find each other by them (databases, brokers) fail to start. Define the headless Service or fix "
        f"serviceName."), anchor="value")


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    if not ctx.inventory.defines_any("Service"):
        return
    yield from _governing_service(wl, ctx.inventory)
    chk = _Checker(wl, ctx)
    for c in wl.containers:
        env = c.data.get("env")
        if isinstance(env, list):
            for i, e in enumerate(env):
                if not isinstance(e, dict) or not isinstance(e.get("name"), str):
                    continue
                value: Any = e.get("value")
                if not isinstance(value, str) or not value:
                    continue
                for host in chk.env_hosts(e["name"], value):
                    yield from _report(chk, c, c.at("env", i, "value"), f"env {e['name']}", host)
        command, args = c.str_list("command") or [], c.str_list("args") or []
        script = shell_script(command + args, chk.knowledge)
        script_at = script[0] if script is not None else None
        for field, argv, offset in (("command", command, 0), ("args", args, len(command))):
            for j, arg in enumerate(argv):
                if offset + j == script_at:
                    continue  # a shell script: its wait loops are init-container-waits-forever's business
                for host in chk.arg_hosts(arg):
                    yield from _report(chk, c, c.at(field, j), f"{field}[{j}]", host)


def _report(chk: _Checker, c: Container, pointer: tuple[str | int, ...], where: str, host: str) -> Iterator[Hit]:
    key = (c.name, host.lower())
    if key in chk.seen:
        return
    ref = chk.missing(host)
    if ref is None:
        return
    chk.seen.add(key)
    yield Hit(pointer, _message(c, where, host, ref), container=c.name, anchor="value")
