"""The cluster API hangs while admission requests for many namespaces keep coming (issue 9 #3).

The fake Kubernetes API accepts connections and never answers. An open-loop client sends
``rate`` reviews per second over kept-alive TLS connections (as the API server does; a new one
only when all are busy), each for one of ``namespaces`` namespaces in turn (none cached: every
one needs a look-up), for ``seconds``; then the API
recovers and the run goes on for ``recovery`` seconds. Each answer is timed from its scheduled
start, so a server that falls behind shows it. Reported: p50/p99/max, answers over the API
server's 5 s deadline, errors, the server's RSS before and after.

Target: with the API hung, 100 req/s over 300 namespaces, p99 <= 1.5 s and no answer over 5 s.

    python bench/faults_hung_api.py [--rate 100] [--namespaces 300] [--seconds 20] [--recovery 10] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the shared harnesses (bench/README.md)

from harness import webhook_rig as rig  # noqa: E402 - needs the path above

DEADLINE = 5.0  # the shipped ValidatingWebhookConfiguration's timeoutSeconds


def _summary(walls: list[float], errors: list[str]) -> dict[str, Any]:
    walls = sorted(walls)
    return {"answers": len(walls), "errors": len(errors), "first_errors": sorted(set(errors))[:3],
            "p50_s": round(rig.percentile(walls, 0.5), 3), "p99_s": round(rig.percentile(walls, 0.99), 3),
            "max_s": round(walls[-1], 3) if walls else None,
            "over_deadline": sum(1 for w in walls if w > DEADLINE)}


def run(workdir: Path, rate: float = 100.0, namespaces: int = 300, seconds: float = 20.0,
        recovery: float = 10.0, budget: float = 1.0) -> dict[str, Any]:
    certs = rig.make_certs(workdir / "certs")
    api = rig.FakeAPI().start()
    api.hang = True
    kubeconfig = rig.write_kubeconfig(workdir / "kubeconfig", api.url)
    server = rig.Server(workdir, certs / "tls.crt", certs / "tls.key", certs / "ca.crt", kubeconfig=kubeconfig,
                        lookup_budget=budget)
    body = rig.refs_body()
    phases: dict[str, tuple[list[float], list[str]]] = {"hung": ([], []), "recovered": ([], [])}
    lock = threading.Lock()
    rss_before = sum(server.rss_kib().values())
    idle: queue.SimpleQueue[http.client.HTTPSConnection] = queue.SimpleQueue()
    ctx = rig.client_context(certs / "ca.crt")

    def post(data: bytes) -> tuple[int, bytes]:
        try:
            conn = idle.get_nowait()
        except queue.Empty:
            conn = http.client.HTTPSConnection("localhost", server.port, context=ctx, timeout=DEADLINE + 5)
        try:
            conn.request("POST", "/validate", body=data, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            out = resp.read()
        except BaseException:
            conn.close()
            raise
        idle.put(conn)
        return resp.status, out

    def one(i: int, scheduled: float, phase: str) -> None:
        uid, data = body.render(f"ns-{i % namespaces}")
        delay = scheduled - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            status, out = post(data)
            problem = None if status == 200 and json.loads(out)["response"]["uid"] == uid else f"HTTP {status}"
        except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
            problem = type(exc).__name__
        wall = time.monotonic() - scheduled
        with lock:
            walls, errors = phases[phase]
            walls.append(wall)
            if problem:
                errors.append(problem)

    try:
        total = int(rate * (seconds + recovery))
        start = time.monotonic() + 0.5
        # Enough threads that the client never queues: rate x the worst wait.
        with ThreadPoolExecutor(max_workers=int(rate * (DEADLINE + 1))) as pool:
            for i in range(total):
                at = start + i / rate
                phase = "hung" if i < rate * seconds else "recovered"
                if phase == "recovered":
                    api.hang = False  # the API recovers: requests from now on are answered
                pool.submit(one, i, at, phase)
                ahead = at - time.monotonic() - 0.2  # submit just ahead of each request's time
                if ahead > 0:
                    time.sleep(ahead)
        rss_after = sum(server.rss_kib().values())
    finally:
        api.stop()
        server.stop(10)
    hung, recovered = (_summary(*phases[p]) for p in ("hung", "recovered"))
    return {"scenario": "hung-api", "rate": rate, "namespaces": namespaces, "seconds": seconds,
            "recovery_seconds": recovery, "lookup_budget_s": budget, "hung": hung, "recovered": recovered,
            "api_requests": api.request_count, "rss_kib_before": rss_before, "rss_kib_after": rss_after,
            "ok": (hung["errors"] == 0 and hung["over_deadline"] == 0 and hung["p99_s"] <= 1.5
                   and recovered["errors"] == 0 and recovered["over_deadline"] == 0)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--namespaces", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--recovery", type=float, default=10.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="crashlint-hung-") as d:
        result = run(Path(d), args.rate, args.namespaces, args.seconds, args.recovery)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
