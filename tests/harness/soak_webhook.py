"""Soak run of the admission webhook: a sustained request rate for minutes, zero errors, flat memory.

Starts ``crashlint webhook serve`` (gunicorn, TLS from ``crashlint certs``, 127.0.0.1) with
cluster look-ups against a local fake API that answers empty lists (``--no-cluster`` for
file-only checks); the look-up cache TTL is 2 s, so refreshes run all through the soak.
Client processes send AdmissionReviews at a fixed total rate (open loop: latency counts from
the *scheduled* send time), each on one kept-alive connection, cycling through denied, warned
and clean Deployments, a bare Pod, and a Deployment whose ConfigMaps the cluster lacks, over
20 namespaces. Every answer is checked (HTTP 200, same uid, the expected allowed/denied).

Every second the RSS of the gunicorn master and workers is read from /proc/<pid>/status
(VmRSS); the report gives the first and the last minute's mean and the least-squares slope
over the run after a 10 s warm-up. The run is bounded in time (``--seconds``, max 3600) and
in count (rate x seconds, max 2,000,000 requests).

    python bench/soak_webhook.py [--seconds 120] [--rate 200] [--clients 4] [--json]

Exit status 1 when a request failed or the RSS grew more than ``--max-growth-mib`` between
the first and the last minute.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from harness import webhook_rig as rig

NAMESPACES = 20
MAX_REQUESTS = 2_000_000


def _connect(port: int, ca: str) -> http.client.HTTPSConnection:
    conn = http.client.HTTPSConnection("localhost", port, context=rig.client_context(Path(ca)), timeout=10)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def _client(n: int, port: int, ca: str, cluster: bool, rate: float, seconds: float, start_at: float,
            queue: Any) -> None:
    """One connection sending at ``rate`` per second; reports latencies and the failures' reasons."""
    bodies = rig.mix(cluster)
    conn = _connect(port, ca)
    latencies: list[float] = []
    failures: list[tuple[float, str]] = []
    while time.time() < start_at:
        time.sleep(0.001)
    t0 = time.perf_counter()
    limit = min(int(rate * seconds), MAX_REQUESTS)
    for i in range(limit):
        scheduled = t0 + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        body = bodies[(n + i) % len(bodies)]
        uid, data = body.render(f"soak-{(n * 7 + i) % NAMESPACES}")
        try:
            conn.request("POST", "/validate", body=data, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            problem = rig.check_response(body, uid, resp.status, resp.read())
        except (OSError, http.client.HTTPException) as exc:
            problem = f"{type(exc).__name__}: {exc}"
            conn.close()
            try:
                conn = _connect(port, ca)
            except OSError:
                pass
        latencies.append(time.perf_counter() - scheduled)
        if problem:
            failures.append((round(scheduled - t0, 2), problem[:300]))
    conn.close()
    queue.put((latencies, failures, time.perf_counter() - t0))


def _slope_kib_per_min(samples: list[tuple[float, int]]) -> float:
    n = len(samples)
    if n < 2:
        return 0.0
    mx = sum(t for t, _ in samples) / n
    my = sum(v for _, v in samples) / n
    sxx = sum((t - mx) ** 2 for t, _ in samples)
    sxy = sum((t - mx) * (v - my) for t, v in samples)
    return sxy / sxx * 60 if sxx else 0.0


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else float("nan")


def soak(workdir: Path, seconds: float, rate: float, clients: int, cluster: bool, workers: int | None = None,
         threads: int | None = None) -> dict[str, Any]:
    """Run the soak; the result holds the request figures and the RSS series."""
    certs = rig.make_certs(workdir / "certs")
    api = rig.FakeAPI().start() if cluster else None
    kubeconfig = rig.write_kubeconfig(workdir / "kubeconfig", api.url) if api else None
    server = rig.Server(workdir, certs / "tls.crt", certs / "tls.key", certs / "ca.crt", kubeconfig=kubeconfig,
                        cache_ttl=2.0, workers=workers, threads=threads)
    samples: list[tuple[float, int, dict[int, int]]] = []
    stop = threading.Event()

    def sample() -> None:
        t0 = time.monotonic()
        while not stop.is_set() and len(samples) < 4000:
            rss = server.rss_kib()
            samples.append((time.monotonic() - t0, sum(rss.values()), rss))
            stop.wait(1.0)

    try:
        queue: Any = mp.Queue()
        start_at = time.time() + 1.0
        procs = [mp.Process(target=_client, args=(n, server.port, str(certs / "ca.crt"), cluster, rate / clients,
                                                  seconds, start_at, queue)) for n in range(clients)]
        for p in procs:
            p.start()
        sampler = threading.Thread(target=sample, daemon=True)
        time.sleep(max(0.0, start_at - time.time()))
        sampler.start()
        results = [queue.get(timeout=seconds + 120) for _ in procs]
        stop.set()
        sampler.join(timeout=5)
        for p in procs:
            p.join(timeout=10)
        alive = server.proc.poll() is None
        errors_in_log = sum(1 for line in server.log_text().splitlines()
                            if '"level":"error"' in line or "Traceback" in line)
    finally:
        stop.set()
        server.stop()
        if api:
            api.stop()
    lat = sorted(x for r in results for x in r[0])
    failures = sorted(f for r in results for f in r[1])
    elapsed = max(r[2] for r in results)
    series = [(t, v) for t, v, _ in samples]
    first = [v for t, v in series if t < 60]
    last = [v for t, v in series if t >= series[-1][0] - 60] if series else []
    steady = [(t, v) for t, v in series if t >= 10]
    return {
        "seconds": round(elapsed, 1), "target_rate": rate, "clients": clients, "cluster_lookups": cluster,
        "workers": workers or "default", "threads": threads or "default", "cpus": os.cpu_count(), "requests": len(lat),
        "achieved_rps": round(len(lat) / elapsed, 1) if elapsed else 0.0, "errors": len(failures),
        "first_errors": failures[:5], "server_alive": alive, "error_lines_in_server_log": errors_in_log,
        "p50_ms": round(rig.percentile(lat, 0.50) * 1000, 2), "p99_ms": round(rig.percentile(lat, 0.99) * 1000, 2),
        "p999_ms": round(rig.percentile(lat, 0.999) * 1000, 2), "max_ms": round(lat[-1] * 1000, 2) if lat else None,
        "rss_first_minute_mib": round(_mean(first) / 1024, 1), "rss_last_minute_mib": round(_mean(last) / 1024, 1),
        "rss_slope_kib_per_min": round(_slope_kib_per_min(steady), 1),
        "rss_per_process_start_end_mib": {str(pid): [round(samples[0][2].get(pid, 0) / 1024, 1),
                                                     round(kib / 1024, 1)]
                                          for pid, kib in (samples[-1][2].items() if samples else [])},
        "rss_series_mib": [[round(t), round(v / 1024, 1)] for t, v in series[::10]],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=120.0, help="duration (max 3600)")
    ap.add_argument("--rate", type=float, default=200.0, help="requests per second in total")
    ap.add_argument("--clients", type=int, default=4, help="client processes, one kept-alive connection each")
    ap.add_argument("--workers", type=int, help="gunicorn workers (default: the serve command's)")
    ap.add_argument("--threads", type=int, help="threads per worker (default: the serve command's)")
    ap.add_argument("--no-cluster", action="store_true", help="file-only checks (no fake API)")
    ap.add_argument("--max-growth-mib", type=float, default=8.0, help="fail above this RSS growth, first vs last minute")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    seconds = min(max(args.seconds, 5.0), 3600.0)
    rate = min(max(args.rate, 1.0), 5000.0)
    with tempfile.TemporaryDirectory(prefix="crashlint-soak-") as tmp:
        r = soak(Path(tmp), seconds, rate, max(1, args.clients), not args.no_cluster, args.workers, args.threads)
    growth = r["rss_last_minute_mib"] - r["rss_first_minute_mib"]
    ok = r["errors"] == 0 and r["server_alive"] and growth <= args.max_growth_mib
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        print(f"crashlint webhook soak on loopback: {r['seconds']} s at {r['target_rate']:g}/s target "
              f"({r['achieved_rps']}/s achieved), {r['workers']} workers x {r['threads']} threads, "
              f"{r['cpus']} CPUs, cluster look-ups {'on (fake API)' if r['cluster_lookups'] else 'off'}")
        print(f"requests {r['requests']}  errors {r['errors']}  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  "
              f"p99.9 {r['p999_ms']} ms  max {r['max_ms']} ms")
        print(f"RSS master+workers: first minute {r['rss_first_minute_mib']} MiB, last minute "
              f"{r['rss_last_minute_mib']} MiB, slope {r['rss_slope_kib_per_min']} KiB/min; per process "
              f"start->end {r['rss_per_process_start_end_mib']}")
        for f in r["first_errors"]:
            print(f"  error at {f[0]} s: {f[1]}")
    return 0 if ok else 1
