"""Benchmark of ``crashlint watch`` at scale: the initial sync of a large cluster, then a steady stream of updates.

    python bench/bench_watch.py [--pods 10000] [--events 50000] [--rate 100] [--seconds 60] [--idle 10] [--json]
    python bench/bench_watch.py --quick      # 1,000 pods, 5,000 events, 5 s of updates (tests/bench runs it)

The fake Kubernetes API of the test suite (``tests/fakeapi``) serves the cluster of
``watch_cluster.py`` (10,000 pods in 2,000 workloads, 50,000 events) in this process;
``crashlint watch`` runs as its own process, pointed at it through a kubeconfig, so the CPU
time and RSS read from ``/proc/<pid>`` are the watcher's alone. Phases:

1. **sync**: from starting the process until ``/readyz`` answers (every kind listed) and
   ``/metrics`` holds a verdict for every workload (``crashlint_watch_objects{store="workloads"}``);
2. **idle** (``--idle`` s): nothing changes; the watcher's own background cost (Lease renewals,
   bookmarks, the analysis loop's wake-ups);
3. **steady** (``--seconds`` s): ``--rate`` pod status updates a second pushed into the open watch
   streams on a fixed schedule (restartCount bumps of crash-looping containers, readiness flips,
   a first OOM kill now and then), ``/metrics`` scraped every 15 s as Prometheus would. Then the
   sentinel pod, updated last, turns into a crash: once ``/metrics`` shows it, every update
   before it on the same stream has been applied and judged (the lag is reported).

Reported: time to first verdicts; CPU seconds per update and the steady CPU share of one core
(the watcher's user + system time over the phase); RSS sampled every second, at the end of the
sync, 30 s and 60 s into the steady phase, and its peak; the fake API alone serving the same
lists (its share of the sync). Targets (issue 13): sync <= 10 s, steady CPU <= 20 % of one core,
RSS not growing after the sync.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import watch_cluster as wc  # noqa: E402 - bench/ is scripts, not a package
from harness.waiting import wait_for  # noqa: E402 - tests/ is on the path above
from fakeapi import FakeAPI, write_kubeconfig  # noqa: E402 - the suite's fake API
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

SCRAPE_EVERY = 15.0  # a Prometheus scrape interval
TARGET_SYNC_S, TARGET_CPU_SHARE = 10.0, 0.20
_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PORT_LINE = re.compile(r"serving on port (\d+)")


class Watched:
    """CPU time and memory of one process, from ``/proc`` (Linux)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime

    def memory_mib(self) -> dict[str, float]:
        out = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
        return out


@dataclass
class Sampler:
    """Samples the watcher every second on its own thread: (seconds since start, CPU s, RSS MiB)."""

    proc: Watched
    started: float
    samples: list[tuple[float, float, float]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.wait(1.0):
            try:
                self.samples.append((time.monotonic() - self.started, self.proc.cpu_seconds(),
                                     self.proc.memory_mib()["VmRSS"]))
            except (OSError, KeyError):
                return  # the process ended

    def rss_at(self, t: float) -> float | None:
        """The sample nearest to ``t`` seconds (None when none was taken within 1.5 s of it)."""
        near = min(self.samples, key=lambda s: abs(s[0] - t), default=None)
        return round(near[2], 1) if near is not None and abs(near[0] - t) <= 1.5 else None


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


def metrics(port: int) -> dict[str, list[tuple[dict[str, str], float]]]:
    status, body = get(port, "/metrics")
    if status != 200:
        return {}
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for fam in text_string_to_metric_families(body):
        for s in fam.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return out


def total(m: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    return sum(v for lab, v in m.get(name, ()) if all(lab.get(k) == x for k, x in labels.items()))


def verdict_summary(m: dict[str, list[tuple[dict[str, str], float]]]) -> dict[str, Any]:
    findings = {f"{lab['rule']}/{lab['verdict']}": v for lab, v in m.get("crashlint_watch_findings", ())}
    return {"workloads": total(m, "crashlint_watch_objects", store="workloads"),
            "pods": total(m, "crashlint_watch_objects", store="pods"),
            "events": total(m, "crashlint_watch_objects", store="events"),
            "crashing_containers": total(m, "crashlint_watch_crashing_containers"),
            "unpredicted": total(m, "crashlint_watch_unpredicted_crashes"),
            "findings": dict(sorted(findings.items())),
            "bad_objects": total(m, "crashlint_watch_bad_objects_total"),
            "analysis_errors": total(m, "crashlint_watch_analysis_errors_total"),
            "api_errors": total(m, "crashlint_watch_api_errors_total")}


def expected_verdicts(cluster: wc.Cluster) -> dict[str, Any]:
    """What the generated cluster must give: every crashing pod's one container, busybox confirmed."""
    crashing = [w for w in cluster.workloads if w.crash is not None]
    by = {c: sum(1 for w in crashing if w.crash == c) for c in (wc.BUSYBOX, wc.OOM, wc.IMAGE_PULL)}
    return {"workloads": cluster.expected_workloads, "pods": len(cluster.pods) + 1,
            "crashing_containers": len(crashing) * wc.PODS_PER_WORKLOAD,
            "unpredicted": (by[wc.OOM] + by[wc.IMAGE_PULL]) * wc.PODS_PER_WORKLOAD,
            "completes_immediately_confirmed": by[wc.BUSYBOX]}


def fake_floor(api: FakeAPI, page: int = 500) -> dict[str, float]:
    """Wall seconds the fake API takes to serve every pod and event in pages (read, not decoded)."""
    out = {}
    for plural in ("pods", "events"):
        start, token = time.perf_counter(), ""
        while True:
            with urllib.request.urlopen(f"{api.url}/api/v1/{plural}?limit={page}"
                                        + (f"&continue={token}" if token else ""), timeout=60) as resp:
                raw = resp.read()
            cont = re.search(rb'"continue": "([^"]+)"', raw[:4096]) or re.search(rb'"continue": "([^"]+)"', raw)
            if cont is None:
                break
            token = cont[1].decode()
        out[f"{plural}_s"] = round(time.perf_counter() - start, 2)
    return out


def push_updates(api: FakeAPI, updates: wc.Updates, rate: float, seconds: float, port: int) -> dict[str, Any]:
    """``rate`` updates a second for ``seconds`` on a fixed schedule; scrapes /metrics as Prometheus would."""
    start = time.monotonic()
    n, late, scrapes = int(rate * seconds), 0, []
    next_scrape = start + SCRAPE_EVERY
    for k in range(n):
        due = start + k / rate
        now = time.monotonic()
        if now < due:
            time.sleep(due - now)
        elif now - due > 1.0:
            late += 1
        api.push("MODIFIED", updates.next(datetime.now(timezone.utc)))
        if time.monotonic() >= next_scrape:
            t = time.perf_counter()
            get(port, "/metrics")
            scrapes.append(time.perf_counter() - t)
            next_scrape += SCRAPE_EVERY
    return {"updates": n, "late_by_1s": late, "push_wall_s": round(time.monotonic() - start, 2),
            "scrapes": len(scrapes), "scrape_max_s": round(max(scrapes), 3) if scrapes else None}


def start_watcher(workdir: Path, kubeconfig: Path) -> tuple[subprocess.Popen[bytes], Path]:
    log = workdir / "watch.log"
    cmd = [sys.executable, "-m", "crashlint", "watch", "--kubeconfig", str(kubeconfig), "--listen", "127.0.0.1:0",
           "--identity", "bench"]
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
    return proc, log


def run(workdir: Path, pods: int = 10_000, events: int = 50_000, rate: float = 100.0, seconds: float = 60.0,
        idle: float = 10.0, floor: bool = True) -> dict[str, Any]:
    t = time.perf_counter()
    cluster = wc.build(pods, events)
    result: dict[str, Any] = {"cluster": {**cluster.kinds, "workloads": cluster.expected_workloads},
                              "expected": expected_verdicts(cluster)}
    api = FakeAPI(cluster.objects)
    del cluster.objects  # the fake holds them now
    result["setup_s"] = round(time.perf_counter() - t, 1)
    api.start()
    try:
        if floor:
            result["fake_api_alone"] = fake_floor(api)
        kubeconfig = write_kubeconfig(workdir / "kubeconfig", api.url, namespace="crashlint")
        started = time.monotonic()
        proc, log = start_watcher(workdir, kubeconfig)
        watched = Watched(proc.pid)
        sampler = Sampler(watched, started)
        threading.Thread(target=sampler.run, daemon=True).start()
        try:
            result.update(_phases(api, cluster, proc, log, watched, sampler, started, rate, seconds, idle))
        finally:
            sampler.stop.set()
            proc.send_signal(signal.SIGTERM)
            try:
                result["exit_code"] = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                result["exit_code"] = proc.wait()
            result["events_recorded"] = {reason: sum(1 for e in api.objects("v1", "Event") if e.get("reason") == reason)
                                         for reason in ("CrashConfirmed", "CrashUnpredicted")}
            text = log.read_text(errors="replace")
            result["log_warnings"] = sum(1 for line in text.splitlines()
                                         if any(w in line for w in ("Traceback", "failed", "retrying")))
    finally:
        api.stop()
    return result


def _phases(api: FakeAPI, cluster: wc.Cluster, proc: subprocess.Popen[bytes], log: Path, watched: Watched,
            sampler: Sampler, started: float, rate: float, seconds: float, idle: float) -> dict[str, Any]:
    def port_of_log() -> int | None:
        if proc.poll() is not None:
            raise RuntimeError(f"crashlint watch exited {proc.returncode}:\n{log.read_text(errors='replace')}")
        m = _PORT_LINE.search(log.read_text(errors="replace"))
        return int(m[1]) if m else None

    port = wait_for(port_of_log, 60, "the watcher to listen", 0.05)
    listening = time.monotonic() - started
    wait_for(lambda: get(port, "/readyz")[0] == 200, 300, "every kind listed (/readyz)", 0.1)
    synced = time.monotonic() - started
    expected = cluster.expected_workloads
    first = wait_for(lambda: (m := metrics(port)) and total(m, "crashlint_watch_objects", store="workloads") >= expected
                     and m, 300, "a verdict for every workload", 0.25)
    verdicts_at = time.monotonic() - started
    sync_cpu = watched.cpu_seconds()
    out: dict[str, Any] = {"sync": {"listening_s": round(listening, 2), "listed_s": round(synced, 2),
                                    "first_verdicts_s": round(verdicts_at, 2), "cpu_s": round(sync_cpu, 2),
                                    "rss_mib": round(watched.memory_mib()["VmRSS"], 1)},
                           "verdicts_at_sync": verdict_summary(first)}

    cpu0, t0 = watched.cpu_seconds(), time.monotonic()
    time.sleep(idle)
    cpu1, t1 = watched.cpu_seconds(), time.monotonic()
    out["idle"] = {"seconds": round(t1 - t0, 1), "cpu_share": round((cpu1 - cpu0) / (t1 - t0), 4)}

    updates = wc.Updates(cluster)
    steady_start = time.monotonic() - started
    pushed = push_updates(api, updates, rate, seconds, port)
    sentinel = cluster.sentinel
    wc.set_container_state(sentinel, wc.OOM, 1, datetime.now(timezone.utc))
    api.push("MODIFIED", sentinel)
    last_push = time.monotonic()
    workload = f"Deployment/{wc.SENTINEL}"
    final = wait_for(lambda: (m := metrics(port)) and total(m, "crashlint_watch_crashing_containers",
                                                            namespace=wc.SENTINEL_NS, workload=workload) >= 1 and m,
                     120, "the sentinel's crash on /metrics", 0.1)
    cpu2, t2 = watched.cpu_seconds(), time.monotonic()
    updates_done = pushed["updates"] + 1
    mem = watched.memory_mib()
    after = [rss for at, _, rss in sampler.samples if at >= verdicts_at]
    out["steady"] = {**pushed, "sentinel_lag_s": round(t2 - last_push, 2), "wall_s": round(t2 - t1, 1),
                     "cpu_s": round(cpu2 - cpu1, 2), "cpu_per_update_ms": round((cpu2 - cpu1) / updates_done * 1e3, 3),
                     "cpu_share": round((cpu2 - cpu1) / (t2 - t1), 4)}
    out["verdicts_at_end"] = verdict_summary(final)
    out["rss_mib"] = {"end_of_sync": out["sync"]["rss_mib"],
                      "steady_plus_30s": sampler.rss_at(steady_start + 30),
                      "steady_plus_60s": sampler.rss_at(steady_start + 60),
                      "end": round(mem["VmRSS"], 1), "max_after_sync": round(max(after), 1) if after else None,
                      "peak_hwm": round(mem["VmHWM"], 1), "samples": len(sampler.samples),
                      "every_10s": [(round(at), round(rss, 1)) for at, _, rss in sampler.samples[::10]]}
    out["cpu_s_every_5s"] = [(round(at), round(cpu, 2)) for at, cpu, _ in sampler.samples[::5]]
    out["targets"] = {"sync_ok": verdicts_at <= TARGET_SYNC_S,
                      "cpu_ok": out["steady"]["cpu_share"] <= TARGET_CPU_SHARE}
    return out


def report(r: dict[str, Any]) -> str:
    s, st, rss, e = r["sync"], r["steady"], r["rss_mib"], r["expected"]
    v = r["verdicts_at_sync"]
    lines = [
        f"cluster: {r['cluster']} (fake API loaded in {r['setup_s']} s)",
        f"fake API alone, every page of 500: {r.get('fake_api_alone', 'not measured')}",
        f"sync: listening {s['listening_s']} s, every kind listed {s['listed_s']} s, "
        f"first verdicts {s['first_verdicts_s']} s (target <= {TARGET_SYNC_S:.0f} s: "
        f"{'met' if r['targets']['sync_ok'] else 'MISSED'}); CPU {s['cpu_s']} s",
        f"verdicts: {v['workloads']:.0f} workloads, {v['crashing_containers']:.0f} crashing containers "
        f"({v['unpredicted']:.0f} unpredicted), findings {v['findings']}; expected {e}",
        f"idle: {r['idle']['cpu_share'] * 100:.1f} % of one core over {r['idle']['seconds']} s",
        f"steady: {st['updates']} updates in {st['push_wall_s']} s ({st['late_by_1s']} late by > 1 s), "
        f"sentinel seen {st['sentinel_lag_s']} s after the last push; CPU {st['cpu_s']} s = "
        f"{st['cpu_per_update_ms']} ms per update, {st['cpu_share'] * 100:.1f} % of one core "
        f"(target <= {TARGET_CPU_SHARE * 100:.0f} %: {'met' if r['targets']['cpu_ok'] else 'MISSED'})",
        f"RSS MiB: end of sync {rss['end_of_sync']}, +30 s {rss['steady_plus_30s']}, +60 s {rss['steady_plus_60s']}, "
        f"end {rss['end']}, max after sync {rss['max_after_sync']}, peak (VmHWM) {rss['peak_hwm']} "
        f"({rss['samples']} samples, one a second)",
        f"Events recorded by the watcher: {r['events_recorded']}",
        f"watcher exit code {r['exit_code']} after SIGTERM; log lines with failures: {r['log_warnings']}",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--rate", type=float, default=100.0, help="pod status updates a second")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the steady phase")
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of no change between sync and updates")
    ap.add_argument("--quick", action="store_true", help="1,000 pods, 5,000 events, 2 s idle, 5 s of updates")
    ap.add_argument("--no-floor", action="store_true", help="skip timing the fake API alone")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    if args.quick:
        args.pods, args.events, args.seconds, args.idle = 1_000, 5_000, 5.0, 2.0
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        r = run(Path(tmp), args.pods, args.events, args.rate, args.seconds, args.idle, floor=not args.no_floor)
    print(json.dumps(r, indent=2) if args.json else report(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
