"""``/metrics``: the watcher's state in Prometheus' text format, computed at scrape time.

Every series is read from the current results and stream health when Prometheus scrapes, so
a deleted workload's series disappear with it (no stale label sets to remove) and the values
are exact. Label values are Kubernetes names (namespace, ``Kind/name``, container), rule ids,
signatures and verdicts, or HTTP status codes: bounded by the cluster's objects and crashlint's
own vocabulary. No pod names (replicas come and go), no messages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.registry import Collector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from crashlint.watch.streams import Stream
from crashlint.watch.watcher import Watcher

P = "crashlint_watch_"


class WatchCollector(Collector):
    """A custom collector (``prometheus_client``'s ``collect()`` protocol) over the watcher's state."""

    def __init__(self, watcher: Watcher, streams: list[Stream], is_leader: Callable[[], bool],
                 event_results: Counter[tuple[str, str]], stale: Callable[[], bool]) -> None:
        self.watcher = watcher
        self.streams = streams
        self.is_leader = is_leader
        self.event_results = event_results
        self.stale = stale

    def collect(self) -> Iterator[Metric]:
        results = self.watcher.results
        crashing: Counter[tuple[str, ...]] = Counter()
        unpredicted: Counter[tuple[str, ...]] = Counter()
        findings: Counter[tuple[str, str]] = Counter()
        for wl, r in results.items():
            kind, ns, name = wl.split("/", 2)
            for c in r.crashes:
                key = (ns, f"{kind}/{name}", c.container, c.signature)
                crashing[key] += 1
                if not c.predicted_by:
                    unpredicted[key] += 1
            for jf in r.findings:
                findings[(jf.finding.rule, jf.status)] += 1
        wl_labels = ["namespace", "workload", "container", "signature"]
        yield _gauge("crashing_containers", "Crashing containers (one per pod) by workload, container and signature",
                     wl_labels, crashing)
        yield _gauge("unpredicted_crashes", "Crashing containers that no finding predicted", wl_labels, unpredicted)
        yield _gauge("findings", "Findings on live workloads by rule and verdict", ["rule", "verdict"], findings)
        health = [s.health for s in self.streams]
        yield _gauge("last_sync_timestamp_seconds", "When each watched kind was last known current "
                     "(a list completed, a watch event or bookmark arrived)", ["resource"],
                     {(h.kind,): h.last_sync for h in health})
        yield _gauge("up", "1 while the kind is listed and watched, 0 while reconnecting", ["resource"],
                     {(h.kind,): float(h.up) for h in health})
        yield _counter("relists", "Lists redone after 410 Gone", ["resource"], {(h.kind,): h.relists for h in health})
        yield _counter("reconnects", "Watches re-established after they ended early or failed", ["resource"],
                       {(h.kind,): h.reconnects for h in health})
        yield _counter("api_errors", "Failed lists and watches by HTTP status (connection: no answer or cut off; "
                       "reply: not a Kubernetes answer)",
                       ["resource", "code"], {(h.kind, code): n for h in health for code, n in dict(h.errors).items()})
        # dict(...) copies in one step: the streams and the loop write these while a scrape reads them.
        bad = {(k,): n for k, n in dict(self.watcher.store.bad).items()}
        yield _counter("bad_objects", "Objects skipped as malformed (no uid or name, not an object)", ["resource"], bad)
        yield _counter("analysis_errors", "Workloads whose judgement raised (skipped)", [],
                       {(): self.watcher.analysis_errors})
        yield _counter("events", "Kubernetes Events by reason and what became of them", ["reason", "result"],
                       dict(self.event_results))
        logs = self.watcher.logs
        yield _counter("log_reads", "Previous logs asked for (--logs): read, none to be had, forbidden", ["result"],
                       {(k,): n for k, n in dict(logs.reads if logs is not None else {}).items()})
        yield _gauge("stale", "1 while some watched kind is not current (reconnecting)", [], {(): float(self.stale())})
        yield _gauge("leader", "1 on the replica holding the Lease (the one publishing Events)", [],
                     {(): float(self.is_leader())})
        store = self.watcher.store
        yield _gauge("objects", "Objects held, by kind of store", ["store"],
                     {("pods",): len(store.pods), ("owners",): len(store.index.owners), ("workloads",): len(results),
                      ("events",): store.event_count})


def _gauge(name: str, doc: str, labels: list[str], values: Any) -> GaugeMetricFamily:
    g = GaugeMetricFamily(P + name, doc, labels=labels)
    for key, v in sorted(dict(values).items()):
        g.add_metric(list(key), float(v))
    return g


def _counter(name: str, doc: str, labels: list[str], values: Any) -> CounterMetricFamily:
    c = CounterMetricFamily(P + name, doc, labels=labels)
    for key, v in sorted(dict(values).items()):
        c.add_metric(list(key), float(v))
    return c


def registry(collector: WatchCollector) -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(collector)
    return reg
