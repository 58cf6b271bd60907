"""Load benchmark of the admission webhook: /validate against the same server's no-op /noop.

Starts ``crashlint webhook serve`` (gunicorn, TLS, certificates from ``crashlint certs`` in a
temporary directory, no cluster look-ups) and drives it from separate client processes over
HTTPS on loopback, each with one keep-alive connection (as the API server keeps them):

* fixed rate (open loop): requests are scheduled at ``--rate`` per second in total; latency is
  measured from the *scheduled* send time, so a stall shows up in the tail instead of
  silently lowering the rate (no coordinated omission);
* saturation (closed loop): ``--concurrency`` connections send back to back; throughput is
  what the server sustains.

The request mix is real AdmissionReviews of Deployments from tests/fixtures/webhook: one
denied (busybox), one warned (untagged image), one clean. Counts and time are bounded.

    python bench/bench_webhook.py [--rate 200] [--seconds 5] [--concurrency 8] [--workers 2] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "fixtures" / "webhook"
MIX = ("deployment-busybox.yaml", "deployment-untagged.yaml", "deployment-clean.yaml")
MAX_REQUESTS_PER_CLIENT = 20_000


def _reviews() -> list[bytes]:
    out = []
    for name in MIX:
        obj = yaml.safe_load((FIXTURES / name).read_text())
        review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
            "uid": "UID", "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "name": obj["metadata"]["name"], "namespace": "bench", "operation": "CREATE",
            "userInfo": {"username": "bench"}, "object": obj, "oldObject": None, "dryRun": False}}
        out.append(json.dumps(review).encode())
    return out


def _connect(port: int, ca: str) -> http.client.HTTPSConnection:
    ctx = ssl.create_default_context(cafile=ca)
    conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=10)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def _client(port: int, ca: str, path: str, rate: float | None, seconds: float, start_at: float,
            queue: Any) -> None:
    """One connection: at ``rate`` per second (open loop) or back to back (rate None)."""
    bodies = _reviews()
    conn = _connect(port, ca)
    latencies: list[float] = []
    errors = 0
    i = 0
    while time.time() < start_at:
        time.sleep(0.001)
    t0 = time.perf_counter()
    while i < MAX_REQUESTS_PER_CLIENT:
        scheduled = t0 + i / rate if rate else time.perf_counter()
        if scheduled - t0 >= seconds:
            break
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        body = bodies[i % len(bodies)].replace(b'"UID"', f'"{uuid.uuid4()}"'.encode())
        try:
            conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            ok = resp.status == 200 and b'"allowed"' in data
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = _connect(port, ca)
        latencies.append(time.perf_counter() - scheduled)
        errors += 0 if ok else 1
        i += 1
    elapsed = time.perf_counter() - t0
    conn.close()
    queue.put((latencies, errors, elapsed))


def _run(port: int, ca: str, path: str, clients: int, rate: float | None, seconds: float) -> dict[str, Any]:
    queue: Any = mp.Queue()
    start_at = time.time() + 0.5
    per_client = rate / clients if rate else None
    procs = [mp.Process(target=_client, args=(port, ca, path, per_client, seconds, start_at, queue))
             for _ in range(clients)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    lat = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    elapsed = max(r[2] for r in results)

    def pct(q: float) -> float:
        return round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 2) if lat else float("nan")

    return {"path": path, "mode": f"{rate:g}/s" if rate else f"saturation x{clients}", "requests": len(lat),
            "errors": errors, "throughput_rps": round(len(lat) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": round(lat[-1] * 1000, 2) if lat else float("nan")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=200.0, help="fixed-rate phase, requests per second in total")
    ap.add_argument("--seconds", type=float, default=5.0, help="duration of each phase (max 60)")
    ap.add_argument("--concurrency", type=int, default=8, help="connections in the saturation phase")
    ap.add_argument("--rate-clients", type=int, default=4, help="client processes in the fixed-rate phase")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    ap.add_argument("--threads", type=int, default=4, help="threads per worker")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)
    seconds = min(max(args.seconds, 0.5), 60.0)
    with tempfile.TemporaryDirectory(prefix="crashlint-bench-") as tmp:
        subprocess.run([sys.executable, "-m", "crashlint", "certs", "--out", tmp, "--dns", "localhost"],
                       check=True, capture_output=True)
        port = _free_port()
        log = open(os.path.join(tmp, "server.log"), "wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "crashlint", "webhook", "serve", "--cert", f"{tmp}/tls.crt", "--key",
             f"{tmp}/tls.key", "--host", "127.0.0.1", "--port", str(port), "--no-cluster",
             "--workers", str(args.workers), "--threads", str(args.threads)],
            stdout=subprocess.DEVNULL, stderr=log)
        ca = f"{tmp}/ca.crt"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    _connect(port, ca).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        print("server did not start:\n" + Path(tmp, "server.log").read_text()[-2000:], file=sys.stderr)
                        return 1
                    time.sleep(0.1)
            rows = []
            for path in ("/noop", "/validate"):
                _run(port, ca, path, 2, None, 0.5)  # warm-up: imports, first connections
                rows.append(_run(port, ca, path, args.rate_clients, args.rate, seconds))
                rows.append(_run(port, ca, path, args.concurrency, None, seconds))
        finally:
            server.terminate()
            server.wait(timeout=20)
            log.close()
    info = {"cpus": os.cpu_count(), "workers": args.workers, "threads": args.threads, "seconds": seconds,
            "python": sys.version.split()[0], "results": rows}
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(f"crashlint webhook over HTTPS on loopback: {info['cpus']} CPUs, {args.workers} workers x "
              f"{args.threads} threads, {seconds:g}s per phase")
        print(f"{'endpoint':<10} {'mode':<16} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} "
              f"{'p99 ms':>8} {'max ms':>8}")
        for r in rows:
            print(f"{r['path']:<10} {r['mode']:<16} {r['requests']:>8} {r['errors']:>6} {r['throughput_rps']:>8} "
                  f"{r['p50_ms']:>8} {r['p99_ms']:>8} {r['max_ms']:>8}")
    return 0 if all(r["errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
