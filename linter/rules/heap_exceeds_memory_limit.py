"""heap-exceeds-memory-limit: the runtime is told it may use more memory than the container has.

``-Xmx2g`` under ``memory: 1Gi`` means the JVM will happily grow its heap past the cgroup
limit; the kernel then kills it mid-request: ``Last State: Terminated, Reason: OOMKilled, Exit
Code: 137``, a restart, the same growth, CrashLoopBackOff — typically hours into a deploy, not
at start, so it survives smoke tests. The heap is not all of a process's memory either:
metaspace, thread stacks, code cache, direct buffers and the runtime itself come on top, so
a heap at the limit is already too big (error) and one above ``warn_ratio`` of it (default
90 %) leaves too little for the rest (warning).

Read: ``-Xmx``/``-XX:MaxHeapSize``, ``-Xms``/``-XX:InitialHeapSize``,
``-XX:MaxRAMPercentage`` (≥ 100 % is an error whatever the limit), Node's
``--max-old-space-size``, and ``GOMEMLIMIT`` (a soft limit for the Go GC; at or above the hard
limit it can no longer keep the process under it — below it, even at 95 %, is the documented
use). Sources and precedence are in :mod:`crashlint.heap`. The bound is the container's
memory limit, else a pod-level limit; with neither there is nothing to exceed.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ..findings import Hit
from ..heap import Setting, effective, settings_of
from ..resource_limits import human_bytes, memory_bound
from ..rules import RuleContext
from ..workloads import Workload

ID = "heap-exceeds-memory-limit"

_OOM = "the kernel OOM-kills it (OOMKilled, exit code 137) and the kubelet restarts it into CrashLoopBackOff"


def _hit(s: Setting, c_name: str, text: str, severity: str) -> Hit:
    return Hit(s.pointer, f"container '{c_name}': {text}", container=c_name, anchor="value", severity=severity)


def _size_hits(s: Setting, what: str, limit: Decimal, bound: str, ratio: Decimal, c_name: str) -> Iterator[Hit]:
    shown, lim = human_bytes(s.value), human_bytes(limit)
    if s.value >= limit:
        yield _hit(s, c_name, (
            f"{s.text} (in {s.source}) lets the {what} grow to {shown}, at or above {bound} of {lim}; with "
            f"the runtime's other memory on top, the container passes the limit as soon as the {what} fills, "
            f"and {_OOM}. Keep the {what} to about 75% of the limit or raise the limit."), "error")
    elif s.value >= limit * ratio:
        yield _hit(s, c_name, (
            f"{s.text} (in {s.source}) lets the {what} grow to {shown} of {bound} of {lim}, leaving only "
            f"{human_bytes(limit - s.value)} for everything else the process needs (metaspace, threads, buffers); "
            f"under load {_OOM}. Keep the {what} to about 75% of the limit."), "warning")


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    ratio = Decimal(str(ctx.params.get("warn_ratio", 0.9)))
    heap_vars = list(ctx.params.get("heap_env") or [])
    node_vars = list(ctx.params.get("node_env") or [])
    for c in wl.iter("containers", "initContainers"):
        settings = settings_of(c, heap_vars, node_vars)
        if not settings:
            continue
        found = memory_bound(wl, c)
        if found is None:
            continue
        limit, _, bound = found
        max_heap = effective(settings, "max-heap")
        if max_heap is not None:
            yield from _size_hits(max_heap, "Java heap", limit, bound, ratio, c.name)
        initial = effective(settings, "initial-heap")
        if initial is not None and initial.value >= limit and (max_heap is None or max_heap.value < limit):
            yield _hit(initial, c.name, (
                f"{initial.text} (in {initial.source}) makes the JVM start with a {human_bytes(initial.value)} heap, "
                f"at or above {bound} of {human_bytes(limit)}; {_OOM}."), "error")
        pct = effective(settings, "ram-percentage")
        if pct is not None and max_heap is None:
            if pct.value >= 100:
                yield _hit(pct, c.name, (
                    f"{pct.text} (in {pct.source}) lets the Java heap take all of {bound} "
                    f"({human_bytes(limit)}), leaving nothing for the JVM's own memory; {_OOM}. Use 75 or less."),
                    "error")
            elif pct.value >= ratio * 100:
                yield _hit(pct, c.name, (
                    f"{pct.text} (in {pct.source}) lets the Java heap take {pct.value}% of {bound} "
                    f"({human_bytes(limit)}), leaving too little for the JVM's own memory; under load {_OOM}. "
                    f"Use 75 or less."), "warning")
        old = effective(settings, "old-space")
        if old is not None:
            yield from _size_hits(old, "Node.js old space", limit, bound, ratio, c.name)
        go = effective(settings, "gomemlimit")
        if go is not None and go.value >= limit:
            yield _hit(go, c.name, (
                f"{go.text} is at or above {bound} ({human_bytes(limit)}): the Go GC aims for the soft limit, "
                f"so it never works harder before the hard one is reached and {_OOM}. Set GOMEMLIMIT to about "
                f"90% of the limit."), "error")
