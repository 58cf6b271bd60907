"""Fault runs of the admission webhook: a failing cluster API, certificate rotation under load, slowloris.

Each scenario starts its own ``crashlint webhook serve`` on 127.0.0.1 (see webhook_rig.py),
drives it for a bounded count and time, and returns a dict with ``ok`` and the figures that
decide it, so ``tests/webhook_faults`` can run short versions of the same code:

* ``lookups``: the fake Kubernetes API answers, then stalls (accepts, never answers), errors
  (HTTP 500) or is gone (closed port) while requests need look-ups. Every request must answer
  within the webhook's look-up budget plus a margin, and say that look-ups were skipped.
* ``rotation``: the serving certificate is replaced while clients open new TLS connections and
  reuse kept-alive ones: a renewal under the same CA swapped like a kubelet Secret mount
  (``same-ca``), or a new CA written in place by ``crashlint certs`` (``new-ca``: the caBundle gets
  the new CA first, then the files are renamed over the old ones one by one, key before cert). No handshake or request may fail,
  and every connection opened after the swap must see the new serial.
* ``slowloris``: sockets that open TCP and send nothing (``idle``), dribble a TLS ClientHello
  byte by byte (``hello``), or complete TLS and dribble an HTTP request (``request``), while a
  normal client keeps sending reviews on new connections; its latency must stay bounded.
  ``abuse`` is the same with 200 sockets of the three kinds, each sending a byte every 3 s and
  reconnecting when cut off, beside 100 reviews per second; it reports RSS before and after.

    python bench/faults_webhook.py [--only lookups,rotation,slowloris,abuse] [--seconds 10] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import ssl
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harness import webhook_rig as rig

SKIPPED_WARNING = "crashlint: cluster look-ups unavailable"
MAX_ATTACKERS = 200
STYLES = ["idle", "hello", "request"]


# --- (a) the cluster API stalled, erroring, unreachable -----------------------------------------

def lookups(workdir: Path, fault: str, requests: int = 24, concurrency: int = 4, budget: float = 0.5,
            margin: float = 1.0, stop_grace: float = 25.0) -> dict[str, Any]:
    """Admission requests needing look-ups while the API has ``fault`` (stall | error | unreachable).

    A request is given up (and counted failed) at the limit plus a second, so a hung worker
    costs seconds, not the client's default timeout.
    """
    certs = rig.make_certs(workdir / "certs")
    api = rig.FakeAPI().start()
    kubeconfig = rig.write_kubeconfig(workdir / "kubeconfig", api.url)
    ttl = 1.0
    server = rig.Server(workdir, certs / "tls.crt", certs / "tls.key", certs / "ca.crt", kubeconfig=kubeconfig,
                        lookup_budget=budget, cache_ttl=ttl)
    body = rig.refs_body()
    try:
        uid, data = body.render("warm")  # the API answers: the references are checked against it
        status, out = server.request("POST", "/validate", data)
        warm_ok = status == 200 and json.loads(out)["response"]["allowed"] is False
        if fault == "unreachable":
            api.stop()
        elif fault == "stall":
            api.hang = True
        else:
            api.status = 500
        time.sleep(ttl + 0.2)  # the warm namespace's cache entry has expired: a refresh is needed

        def one(i: int) -> dict[str, Any]:
            namespace = "warm" if i % 4 == 0 else f"fault-{i % 7}"
            uid, data = body.render(namespace)
            start = time.monotonic()
            try:
                status, out = server.request("POST", "/validate", data, timeout=budget + margin + 1.0)
            except (OSError, http.client.HTTPException) as exc:
                return {"namespace": namespace, "seconds": time.monotonic() - start, "error": repr(exc)}
            seconds = time.monotonic() - start
            resp = json.loads(out).get("response", {}) if status == 200 else {}
            warnings = resp.get("warnings") or []
            return {"namespace": namespace, "seconds": seconds, "status": status, "allowed": resp.get("allowed"),
                    "uid_ok": resp.get("uid") == uid, "skipped_warning": any(w.startswith(SKIPPED_WARNING)
                                                                            for w in warnings)}

        with ThreadPoolExecutor(concurrency) as pool:  # bounded: count x per-request timeout
            results = list(pool.map(one, range(requests)))
    finally:
        api.stop()
        server.stop(stop_grace)
    walls = sorted(r["seconds"] for r in results)
    failed = [r for r in results if r.get("status") != 200 or not r.get("uid_ok")]
    unwarned = [r for r in results if r.get("status") == 200 and not r["skipped_warning"]
                and not (r["namespace"] == "warm" and r["allowed"] is False)]  # stale cluster data is fine
    limit = budget + margin
    return {"scenario": f"lookups/{fault}", "warm_checked_against_cluster": warm_ok,
            "errors": sorted({str(r.get("error") or r.get("status")) for r in failed})[:3], "requests": len(results),
            "failed": len(failed), "max_s": round(walls[-1], 3), "p50_s": round(rig.percentile(walls, 0.5), 3),
            "limit_s": limit, "without_skip_warning": len(unwarned), "api_requests": api.request_count,
            "waited_budget": sum(1 for w in walls if w >= budget * 0.8),
            "ok": warm_ok and not failed and walls[-1] < limit and not unwarned}


# --- (b) certificate rotation under load ------------------------------------------------------

def _serial_of(pem: bytes) -> int:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem).serial_number


def rotation(workdir: Path, kind: str = "same-ca", seconds: float = 6.0, clients: int = 4,
             stop_grace: float = 25.0) -> dict[str, Any]:
    """Replace the serving certificate halfway through a run of ``clients`` busy connections."""
    if kind == "same-ca":
        ca = rig.MemoryCA()
        ca_file = workdir / "ca.crt"
        ca_file.write_bytes(ca.ca_pem())
        mount = rig.KubeletMount(workdir / "mount")
        crt, key, old_serial = ca.issue()
        mount.publish({"tls.crt": crt, "tls.key": key})
        cert, keyfile, trusted = mount.cert, mount.key, [ca_file]
    elif kind == "new-ca":
        d = rig.make_certs(workdir / "certs")
        (workdir / "old-ca.crt").write_bytes((d / "ca.crt").read_bytes())
        old_serial = _serial_of((d / "tls.crt").read_bytes())
        cert, keyfile, trusted = d / "tls.crt", d / "tls.key", [workdir / "old-ca.crt"]
    else:
        raise ValueError(f"unknown rotation {kind!r}")
    server = rig.Server(workdir, cert, keyfile, trusted[0])
    bodies = rig.mix(cluster=False)
    stop = threading.Event()
    records: list[tuple[float, float, int | None, str | None]] = []  # (started, ended, serial, error)
    lock = threading.Lock()
    ctx_holder: dict[str, ssl.SSLContext] = {"ctx": rig.client_context(*trusted)}

    def client(n: int) -> None:
        fresh = n % 2 == 0  # half the clients open a connection per request, half keep theirs
        conn: http.client.HTTPSConnection | None = None
        i = 0
        while not stop.is_set() and i < 100_000:
            body = bodies[(n + i) % len(bodies)]
            i += 1
            uid, data = body.render()
            started = time.monotonic()
            serial, error = None, None
            try:
                if conn is None:
                    conn = http.client.HTTPSConnection("localhost", server.port, context=ctx_holder["ctx"], timeout=10)
                    conn.connect()
                    serial = int(conn.sock.getpeercert()["serialNumber"], 16)
                conn.request("POST", "/validate", body=data, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                error = rig.check_response(body, uid, resp.status, resp.read())
            except (OSError, http.client.HTTPException) as exc:
                error = f"{type(exc).__name__}: {exc}"
            if error or fresh:
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                records.append((started, time.monotonic(), serial, error))
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    try:
        for t in threads:
            t.start()
        time.sleep(seconds / 2)
        swap_start = time.monotonic()
        if kind == "same-ca":
            crt, key, new_serial = ca.issue()
            mount.publish({"tls.crt": crt, "tls.key": key})
        else:
            staged = rig.make_certs(workdir / "staged")  # a new CA and pair
            new_serial = _serial_of((staged / "tls.crt").read_bytes())
            trusted.append(staged / "ca.crt")
            ctx_holder["ctx"] = rig.client_context(*trusted)  # the caBundle holds old and new CA first
            time.sleep(0.5)  # connections set up with the old bundle finish before the files change
            swap_start = time.monotonic()
            rig.install_in_place(staged, workdir / "certs")  # then the files are replaced one by one
        swap_end = time.monotonic()
        time.sleep(seconds / 2)
        stop.set()
        for t in threads:
            t.join(timeout=15)
        alive = server.proc.poll() is None
        reloads_error = json.loads(server.request("GET", "/readyz", ctx=rig.client_context(*trusted))[1]).get(
            "certificate_reload_error")
    finally:
        stop.set()
        server.stop(stop_grace)
    errors = [r for r in records if r[3]]
    handshakes = [r for r in records if r[2] is not None]
    after = [r for r in handshakes if r[0] > swap_end]
    before = [r for r in handshakes if r[1] < swap_start]
    stale_after = [r for r in after if r[2] != new_serial]
    wrong_before = [r for r in before if r[2] != old_serial]
    return {"scenario": f"rotation/{kind}", "requests": len(records), "handshakes": len(handshakes),
            "handshakes_after_swap": len(after), "failed": len(errors), "errors": sorted({e[3] for e in errors})[:5],
            "old_serial_after_swap": len(stale_after), "swap_ms": round((swap_end - swap_start) * 1000, 1),
            "server_alive": alive, "certificate_reload_error": reloads_error,
            "ok": (not errors and not stale_after and not wrong_before and len(after) > 0 and len(before) > 0
                   and alive and not reloads_error)}


# --- (c) slowloris ----------------------------------------------------------------------------

def _client_hello(ctx: ssl.SSLContext) -> bytes:
    """The bytes of a real TLS ClientHello, to send one at a time."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


class _Attacker:
    """One slow client; :meth:`tick` sends its next byte (if any) and notices when the server closed it."""

    def __init__(self, port: int, style: str, ctx: ssl.SSLContext, hello: bytes) -> None:
        self.port, self.style, self.ctx, self.hello = port, style, ctx, hello
        self.sock: Any = None
        self.pos = 0
        self.reopened = 0
        self.payload = (b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 100000\r\n\r\n" + b"{" * 2000)
        self.failed_opens = 0

    def open(self) -> None:
        """Connect (and for ``request``, complete TLS); a server too busy to shake hands is counted."""
        self.sock = None
        try:
            raw = socket.create_connection((rig.HOST, self.port), timeout=1)
            if self.style == "request":
                raw = self.ctx.wrap_socket(raw, server_hostname="localhost")
        except (OSError, ssl.SSLError):
            self.failed_opens += 1
            return
        raw.setblocking(False)  # one thread ticks many sockets: nothing may wait on one of them
        self.sock, self.pos = raw, 0

    def tick(self) -> None:
        data = {"idle": b"", "hello": self.hello, "request": self.payload}[self.style]
        try:
            if self.pos < len(data):
                try:
                    self.sock.send(data[self.pos:self.pos + 1])
                    self.pos += 1
                except (BlockingIOError, ssl.SSLWantWriteError):
                    pass
            try:  # a closed socket reads as b"" (or fails): the server gave up on it
                if self.sock.recv(1) == b"":
                    raise ConnectionResetError
            except (ssl.SSLWantReadError, BlockingIOError):
                pass
        except (OSError, ssl.SSLError):
            self.close()  # the attack loop opens a new one

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None


def _rss_mib(server: rig.Server) -> float:
    return round(sum(server.rss_kib().values()) / 1024, 1)


def slowloris(workdir: Path, style: str = "idle", attackers: int = 16, seconds: float = 10.0,
              interval: float = 0.5, rate: float = 10.0, bound: float = 1.0, workers: int | None = None,
              threads: int | None = None, stop_grace: float = 25.0) -> dict[str, Any]:
    """Normal reviews on new connections at ``rate`` per second while ``attackers`` slow sockets are open.

    Each slow socket sends its next byte every ``interval`` seconds and reconnects when the
    server closes it; ``style`` ``mixed`` cycles the three kinds over the sockets. Normal
    requests start on schedule (open loop, from a pool of client threads) whatever earlier ones
    are doing, and are given up at ``bound`` plus 2 s (counted failed), so a starved server costs
    the run seconds, not the client's default timeout. Latency runs from a request's own start.
    """
    certs = rig.make_certs(workdir / "certs")
    server = rig.Server(workdir, certs / "tls.crt", certs / "tls.key", certs / "ca.crt", workers=workers,
                        threads=threads)
    ctx = rig.client_context(certs / "ca.crt")
    hello = _client_hello(ctx)
    stop = threading.Event()
    bodies = rig.mix(cluster=False)
    latencies: list[float] = []
    errors: list[str] = []
    pool: list[_Attacker] = []
    styles = STYLES if style == "mixed" else [style]

    def attack(share: list[_Attacker]) -> None:
        while not stop.is_set():
            for a in share:
                if stop.is_set():
                    return
                if a.sock is not None:
                    a.tick()
                elif a.failed_opens < 3 and a.reopened < 1000:
                    a.reopened += 1
                    a.open()  # a starved server costs each attempt the 1 s connect/handshake timeout
            stop.wait(interval)

    def normal(i: int, due: float) -> None:
        stop.wait(max(0.0, due - time.monotonic()))
        body = bodies[i % len(bodies)]
        uid, data = body.render()
        start = time.monotonic()
        try:
            status, out = server.request("POST", "/validate", data, ctx=ctx, timeout=bound + 2.0)
            problem = rig.check_response(body, uid, status, out)
        except (OSError, http.client.HTTPException) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        latencies.append(time.monotonic() - start)
        if problem:
            errors.append(problem)

    rss_before = _rss_mib(server)
    attack_threads: list[threading.Thread] = []
    try:
        pool.extend(_Attacker(server.port, styles[n % len(styles)], ctx, hello)
                    for n in range(min(attackers, MAX_ATTACKERS)))
        if pool:
            with ThreadPoolExecutor(len(pool)) as opener:  # at once: a refused handshake costs 1 s each
                list(opener.map(lambda a: a.open(), pool))
        # 25 sockets per thread: a reconnect's handshake delays the other sockets' bytes only a little
        attack_threads = [threading.Thread(target=attack, args=(pool[k:k + 25],), daemon=True)
                          for k in range(0, len(pool), 25)]
        for t in attack_threads:
            t.start()
        time.sleep(0.5)  # the attack is in place before the first normal request
        count = min(int(seconds * rate), 100_000)
        t0 = time.monotonic()
        # enough clients for every request that may be in flight at once (each gives up at bound + 2 s)
        with ThreadPoolExecutor(min(256, max(4, int(rate * (bound + 2.0)) + 1))) as clients:
            list(clients.map(lambda i: normal(i, t0 + i / rate), range(count)))
        stop.set()
        for t in attack_threads:
            t.join(timeout=10)
        open_at_end = sum(1 for a in pool if a.sock is not None)
        reopened = sum(a.reopened for a in pool)
        failed_opens = sum(a.failed_opens for a in pool)
        rss_after = _rss_mib(server)
    finally:
        stop.set()
        for a in pool:
            a.close()
        server.stop(stop_grace)
    lat = sorted(latencies)
    return {"scenario": f"slowloris/{style}", "attackers": len(pool), "byte_every_s": interval,
            "rate_per_s": rate, "server_sizing": f"{workers or 'default'} workers x {threads or 'default'} threads",
            "requests": len(lat), "failed": len(errors), "errors": sorted(set(errors))[:3],
            "p50_ms": round(rig.percentile(lat, 0.5) * 1000, 1), "p99_ms": round(rig.percentile(lat, 0.99) * 1000, 1),
            "max_ms": round(lat[-1] * 1000, 1) if lat else None, "bound_ms": bound * 1000,
            "over_5s": sum(1 for x in lat if x > 5.0) + len(errors),
            "attack_sockets_open_at_end": open_at_end, "attack_reconnects": reopened,
            "attack_connects_failed": failed_opens, "rss_mib_before": rss_before, "rss_mib_after": rss_after,
            "ok": bool(lat) and not errors and lat[-1] < bound}


# --- command line -----------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="lookups,rotation,slowloris,abuse", help="comma-separated scenarios")
    ap.add_argument("--seconds", type=float, default=10.0, help="duration of the rotation and slowloris runs (max 120)")
    ap.add_argument("--attackers", type=int, default=16, help="slow sockets (default: 2x the server's threads)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    seconds = min(max(args.seconds, 2.0), 120.0)
    wanted = set(args.only.split(","))
    results = []
    with tempfile.TemporaryDirectory(prefix="crashlint-faults-") as tmp:
        runs: list[tuple[str, Any]] = []
        if "lookups" in wanted:
            runs += [(f"lookups-{f}", lambda d, f=f: lookups(d, f, requests=60)) for f in ("stall", "error", "unreachable")]
        if "rotation" in wanted:
            runs += [(f"rotation-{k}", lambda d, k=k: rotation(d, k, seconds)) for k in ("same-ca", "new-ca")]
        if "slowloris" in wanted:
            runs += [(f"slowloris-{s}", lambda d, s=s: slowloris(d, s, min(args.attackers, MAX_ATTACKERS), seconds))
                     for s in STYLES]
        if "abuse" in wanted:  # issue 9: 200 sockets, a byte every 3 s each, beside 100 requests/s
            runs.append(("slowloris-abuse", lambda d: slowloris(d, "mixed", MAX_ATTACKERS, seconds, interval=3.0,
                                                                rate=100.0)))
        for name, run in runs:
            d = Path(tmp) / name
            d.mkdir()
            result = run(d)
            results.append(result)
            if not args.json:
                print(("PASS " if result["ok"] else "FAIL ") + json.dumps(result), flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0 if all(r["ok"] for r in results) else 1
