#!/usr/bin/env python3
"""Lint single objects of 100 KiB to 1.5 MiB built to drive each rule's loops, and show linear growth.

    python bench/bench_big_objects.py [--sizes 100,200,400,800,1536] [--shapes all] [--repeat 3] [--json]

The API server takes requests of up to 3 MiB (etcd stores up to 1.5 MiB), so one admitted object can
hold tens of thousands of env vars, ports, probes or hosts. Each *shape* below builds one Deployment
(plus a few small companions in the same file, so cross-object rules run) whose size is set by a
repeat count, scaled until the JSON reaches the target size. Every rule's ``check`` is then timed on
it in-process (CPU time of this process, best of ``--repeat``; loading is the loader's business and not
counted, and the loaded objects are frozen out of the garbage collector's way as the CLI does). Growth is
reported as ``time(largest) / time(smallest)`` against the size ratio: linear work stays near the size
ratio (about 15 for 100 KiB → 1.5 MiB); quadratic work is about its square. ``--max-growth F`` makes the
run exit 1 when a rule's growth exceeds ``F`` × the size ratio (rules under 5 ms are not judged).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crashlint.knowledge.commands import split_commands
from crashlint.settings.config import load_settings
from crashlint.engine.runner import wanted_kinds
from crashlint.model.inventory import Inventory
from crashlint.sources.loader import load_paths
from crashlint.rules import RuleContext, all_rules
from crashlint.model.workloads import workload_of

KiB = 1024
NS = "big"


def _deployment(containers: list[dict[str, Any]], labels: dict[str, str] | None = None,
                **spec: Any) -> dict[str, Any]:
    labels = labels or {"app": "big"}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "big", "namespace": NS},
            "spec": {"replicas": 3, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": containers, **spec}}}}


def _container(name: str = "app", **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": "registry.example.com/team/app:1.2.3",
            "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}, **extra}


def _companions() -> list[dict[str, Any]]:
    """Small objects that make the cross-object rules run: a Service, a ConfigMap, a Secret."""
    return [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": NS},
         "spec": {"selector": {"app": "db"}, "ports": [{"port": 5432}]}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": NS},
         "data": {"a": "1"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": NS},
         "data": {"password": "cGFzcw=="}},
    ]


def shape_broker_list(n: int) -> list[dict[str, Any]]:
    """One env var naming n brokers (``host:port`` list): unresolved-dependency's host loop."""
    brokers = ",".join(f"kafka-{i}.{NS}.svc:9092" for i in range(n))
    return [_deployment([_container(env=[{"name": "KAFKA_BROKERS", "value": brokers},
                                         {"name": "KAFKA_BOOTSTRAP_SERVERS", "value": brokers.replace(".svc", "")}])])]


def shape_env_hosts(n: int) -> list[dict[str, Any]]:
    """n env vars with hosts, URLs and JVM/Node flags: every env-reading rule."""
    env = []
    for i in range(n):
        env += [{"name": f"SVC{i}_HOST", "value": f"svc-{i}"},
                {"name": f"SVC{i}_URL", "value": f"http://svc-{i}.{NS}.svc:8080/api,postgres://db-{i}:5432/x"},
                {"name": f"JAVA_OPTS_{i}", "value": f"-Xmx{i % 900 + 1}m -Xms64m -XX:MaxRAMPercentage=70"},
                {"name": f"CM{i}", "valueFrom": {"configMapKeyRef": {"name": f"cm-{i}", "key": f"k{i}"}}},
                {"name": f"SEC{i}", "valueFrom": {"secretKeyRef": {"name": "creds", "key": f"k{i}"}}}]
    return [_deployment([_container(env=env)])]


def shape_args(n: int) -> list[dict[str, Any]]:
    """n command-line flags with hosts, heap sizes and URLs, in command and args."""
    args = []
    for i in range(n):
        args += [f"--db-host=svc-{i}", f"--upstream-url=http://api-{i}:8080", f"-Xmx{i % 900 + 1}m",
                 f"--max-old-space-size={i % 4000 + 1}"]
    return [_deployment([_container(command=["java", *args[: len(args) // 2]], args=args[len(args) // 2:])])]


def shape_script(n: int) -> list[dict[str, Any]]:
    """One shell script of n wait loops and commands, in an init container and the app container."""
    lines = []
    for i in range(n):
        lines += [f"until nc -z svc-{i} 5432; do echo waiting for svc-{i}; sleep 2; done",
                  f"curl -sf http://api-{i}:8080/healthz || exit 1", f"export JAVA_OPTS=\"-Xmx{i % 900 + 1}m\""]
    script = "\n".join(lines)
    init = {"name": "wait", "image": "busybox:1.36", "command": ["sh", "-c", script]}
    return [_deployment([_container(command=["sh", "-c", script + "\nexec java -jar app.jar"])],
                        initContainers=[init])]


def shape_containers(n: int) -> list[dict[str, Any]]:
    """n containers, each with named ports, three probes, env and limits: per-container loops × containers."""
    containers = []
    for i in range(n):
        probe = {"httpGet": {"path": "/healthz", "port": f"http-{i % 999}"}, "periodSeconds": 5}
        containers.append(_container(
            name=f"c{i}", ports=[{"name": f"http-{i % 999}", "containerPort": 8000 + i % 999},
                                 {"name": f"m-{i % 999}", "containerPort": 9000 + i % 999}],
            livenessProbe=probe, readinessProbe=probe, startupProbe={"tcpSocket": {"port": 8000 + i % 999}},
            env=[{"name": "DB_HOST", "value": f"db-{i}"}], envFrom=[{"configMapRef": {"name": f"cm-{i}"}}]))
    return [_deployment(containers)]


def shape_ports(n: int) -> list[dict[str, Any]]:
    """One container with n ports, and a Service with n named target ports: port look-ups (both ~equal size)."""
    ports = [{"name": f"p{i}", "containerPort": 1024 + i % 60000, "protocol": "TCP"} for i in range(n)]
    c = _container(ports=ports, livenessProbe={"httpGet": {"path": "/", "port": f"p{n - 1}"}},
                   readinessProbe={"httpGet": {"path": "/", "port": f"missing{n}"}})
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "big-svc", "namespace": NS},
           "spec": {"selector": {"app": "big"},
                    "ports": [{"name": f"s{i}", "port": 1024 + i % 60000, "targetPort": f"q{i}"} for i in range(n)]}}
    return [_deployment([c]), svc]


def shape_references(n: int) -> list[dict[str, Any]]:
    """n volumes, envFrom and pull secrets naming ConfigMaps/Secrets (most missing): reference rules."""
    volumes = []
    for i in range(n):
        volumes += [{"name": f"cm{i}", "configMap": {"name": f"cm-{i}", "items": [{"key": f"k{i}", "path": "p"}]}},
                    {"name": f"s{i}", "secret": {"secretName": f"sec-{i}"}},
                    {"name": f"pr{i}", "projected": {"sources": [{"configMap": {"name": "settings",
                                                                                "items": [{"key": f"x{i}",
                                                                                           "path": "x"}]}}]}}]
    env_from = [{"configMapRef": {"name": f"cm-{i}"}} for i in range(n)]
    pull = [{"name": f"pull-{i}"} for i in range(n)]
    return [_deployment([_container(envFrom=env_from)], volumes=volumes, imagePullSecrets=pull,
                        serviceAccountName="missing-sa")]


def shape_labels(n: int) -> list[dict[str, Any]]:
    """A Service selecting n labels no pod has, with pods carrying n near-miss labels: selector matching."""
    labels = {f"label-{i}.example.com/key": f"value-{i}" for i in range(n)}
    near = {k: v + "x" for k, v in labels.items()}
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "big-svc", "namespace": NS},
           "spec": {"selector": labels, "ports": [{"port": 80}]}}
    return [_deployment([_container()], labels=near), svc]


def shape_network_policy(n: int) -> list[dict[str, Any]]:
    """A NetworkPolicy with n egress rules of n/10 ports each: egress-blocks-dns."""
    rules = [{"to": [{"podSelector": {"matchLabels": {"app": f"a{i}"}}}],
              "ports": [{"port": 1000 + j, "protocol": "TCP"} for j in range(10)]} for i in range(n)]
    pol = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": "egress", "namespace": NS},
           "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": rules}}
    return [_deployment([_container()]), pol]


def shape_host_aliases(n: int) -> list[dict[str, Any]]:
    """n hostAliases with hostnames, and env naming those hosts: the pod's own name resolution."""
    aliases = [{"ip": f"10.0.{i // 250 % 250}.{i % 250 + 1}", "hostnames": [f"h{i}", f"h{i}.local"]} for i in range(n)]
    env = [{"name": f"H{i}_HOST", "value": f"h{i}"} for i in range(n)]
    return [_deployment([_container(env=env)], hostAliases=aliases)]


SHAPES: dict[str, Callable[[int], list[dict[str, Any]]]] = {
    "broker-list": shape_broker_list, "env-hosts": shape_env_hosts, "args": shape_args, "script": shape_script,
    "containers": shape_containers, "ports": shape_ports, "references": shape_references, "labels": shape_labels,
    "network-policy": shape_network_policy, "host-aliases": shape_host_aliases,
}


def _render(docs: list[dict[str, Any]]) -> str:
    return "\n---\n".join(json.dumps(d) for d in [*docs, *_companions()]) + "\n"


def _largest(docs: list[dict[str, Any]]) -> int:
    return max(len(json.dumps(d)) for d in docs)


def build(shape: Callable[[int], list[dict[str, Any]]], target: int) -> tuple[str, int]:
    """The file text whose largest document is about ``target`` bytes, and that document's size."""
    n = 16
    while _largest(shape(n)) < target:
        n *= 2
    lo, hi = n // 2, n
    while hi - lo > max(1, lo // 100):
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if _largest(shape(mid)) < target else (lo, mid)
    docs = shape(hi)
    return _render(docs), _largest(docs)


def _uncache() -> None:
    """Forget memoised shell tokenisations (absent in trees older than the memo, which this script may time)."""
    getattr(split_commands, "cache_clear", lambda: None)()


def time_rules(text: str, repeat: int) -> dict[str, float]:
    """Seconds per rule (best of ``repeat``) over every object of the file."""
    settings = load_settings(raw={"limits": {"max_file_bytes": 64 << 20, "max_scalar_bytes": 16 << 20}})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(text)
        loaded = load_paths([str(path)], settings.limits, wanted_kinds(settings))
    if loaded.errors:
        raise SystemExit(f"the generated object did not load: {loaded.errors[0]}")
    inventory = Inventory.from_objects(loaded.objects)
    gc.collect()
    gc.freeze()  # as the CLI does after loading: collections must not rescan the loaded object each time
    out: dict[str, float] = {}
    for rid, rule in sorted(all_rules().items()):
        if rid not in settings.rules or not settings.rules[rid].enabled:
            continue
        ctx = RuleContext(inventory, settings.rules[rid].params, settings.knowledge)
        subjects = [s for s in ((workload_of(o) if rule.wants_workload else o)
                                for o in loaded.objects if o.kind in rule.kinds) if s is not None]
        best = float("inf")
        for _ in range(repeat):
            _uncache()  # each rule pays for tokenising the scripts it reads
            start = time.process_time()
            for s in subjects:
                list(rule.check(s, ctx))
            best = min(best, time.process_time() - start)
        out[rid] = best
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,200,400,800,1536", help="object sizes in KiB")
    ap.add_argument("--shapes", default="all", help=f"comma-separated, of: {', '.join(SHAPES)}")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-growth", type=float, default=0.0,
                    help="exit 1 when a rule's time grows more than this × the size ratio (0: report only)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)
    sizes = [int(s) * KiB for s in args.sizes.split(",")]
    shapes = list(SHAPES) if args.shapes == "all" else args.shapes.split(",")
    results: dict[str, Any] = {}
    failed = False
    for name in shapes:
        rows = []
        for target in sizes:
            text, size = build(SHAPES[name], target)
            per_rule = time_rules(text, args.repeat)
            rows.append({"bytes": size, "total_s": sum(per_rule.values()), "rules": per_rule})
        first, last = rows[0], rows[-1]
        size_ratio = last["bytes"] / first["bytes"]
        worst = max(last["rules"], key=lambda r: last["rules"][r])
        growth = {r: last["rules"][r] / max(first["rules"][r], 1e-6) for r in last["rules"]}
        judged = [r for r in growth if last["rules"][r] >= 0.005]
        steepest = max(judged, key=lambda r: growth[r]) if judged else None
        results[name] = {"rows": rows, "size_ratio": size_ratio, "slowest_rule": worst,
                         "steepest_rule": steepest, "steepest_growth": growth[steepest] if steepest else None}
        if not args.json:
            times = "  ".join(f"{r['bytes'] / KiB:,.0f} KiB {r['total_s'] * 1000:,.1f} ms" for r in rows)
            steep = f"{steepest} ×{growth[steepest]:.1f}" if steepest else "none ≥ 5 ms"
            print(f"{name:15} {times}   | slowest at {last['bytes'] / KiB:,.0f} KiB: {worst} "
                  f"{last['rules'][worst] * 1000:,.1f} ms; steepest: {steep} (size ×{size_ratio:.1f})", flush=True)
        if args.max_growth and steepest and growth[steepest] > args.max_growth * size_ratio:
            failed = True
    if args.json:
        print(json.dumps(results, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
