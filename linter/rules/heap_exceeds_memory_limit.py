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
limit it can no longer keep the process under it — a warning, since a Go program without it
behaves the same and only Go programs read it; below it, even at 95 %, is the documented
use). Sources and precedence are in :mod:`crashlint.knowledge.heap`. The bound is the container's
memory limit, else a pod-level limit; with neither there is nothing to exceed.

A flag counts only where the variable carrying it is read (``policies/heap.yaml``): the JVM's
own variables always, ``CATALINA_OPTS`` for Tomcat, ``JAVA_OPTS`` for the images and scripts
known to read it or a command expanding it. A flag nothing is known to read would be ignored
by the JVM, so it is at most info ("... probably sizes nothing"), never an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from crashlint.model.findings import Hit
from crashlint.knowledge.heap import Setting, effective, reading_of
from crashlint.knowledge.resource_limits import human_bytes, memory_bound
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "heap-exceeds-memory-limit"

_OOM = "the kernel OOM-kills it (OOMKilled, exit code 137) and the kubelet restarts it into CrashLoopBackOff"

Verdict = tuple[Setting, str, str]  # (setting, what is wrong, severity)


def _size_verdicts(s: Setting, what: str, limit: Decimal, bound: str, ratio: Decimal) -> Iterator[Verdict]:
    shown, lim = human_bytes(s.value), human_bytes(limit)
    if s.value >= limit:
        yield s, (
            f"{s.text} (in {s.source}) lets the {what} grow to {shown}, at or above {bound} of {lim}; with "
            f"the runtime's other memory on top, the container passes the limit as soon as the {what} fills, "
            f"and {_OOM}. Keep the {what} to about 75% of the limit or raise the limit."), "error"
    elif s.value >= limit * ratio:
        yield s, (
            f"{s.text} (in {s.source}) lets the {what} grow to {shown} of {bound} of {lim}, leaving only "
            f"{human_bytes(limit - s.value)} for everything else the process needs (metaspace, threads, buffers); "
            f"under load {_OOM}. Keep the {what} to about 75% of the limit."), "warning"


def _verdicts(settings: list[Setting], limit: Decimal, bound: str, ratio: Decimal) -> Iterator[Verdict]:
    """What is wrong with the settings a runtime would use, given the memory bound."""
    max_heap = effective(settings, "max-heap")
    if max_heap is not None:
        yield from _size_verdicts(max_heap, "Java heap", limit, bound, ratio)
    initial = effective(settings, "initial-heap")
    if initial is not None and initial.value >= limit and (max_heap is None or max_heap.value < limit):
        yield initial, (
            f"{initial.text} (in {initial.source}) makes the JVM start with a {human_bytes(initial.value)} heap, "
            f"at or above {bound} of {human_bytes(limit)}; {_OOM}."), "error"
    pct = effective(settings, "ram-percentage")
    if pct is not None and max_heap is None:
        if pct.value >= 100:
            yield pct, (
                f"{pct.text} (in {pct.source}) lets the Java heap take all of {bound} "
                f"({human_bytes(limit)}), leaving nothing for the JVM's own memory; {_OOM}. Use 75 or less."), "error"
        elif pct.value >= ratio * 100:
            yield pct, (
                f"{pct.text} (in {pct.source}) lets the Java heap take {pct.value}% of {bound} "
                f"({human_bytes(limit)}), leaving too little for the JVM's own memory; under load {_OOM}. "
                f"Use 75 or less."), "warning"
    old = effective(settings, "old-space")
    if old is not None:
        yield from _size_verdicts(old, "Node.js old space", limit, bound, ratio)
    go = effective(settings, "gomemlimit")
    if go is not None and go.value >= limit:
        # Not an error: a Go program with no GOMEMLIMIT behaves the same way, and nothing tells
        # crashlint that the program is written in Go (anything else ignores the variable).
        yield go, (
            f"{go.text} is at or above {bound} ({human_bytes(limit)}): if the program is written in Go (1.19 or "
            f"later), its GC aims for this soft limit and so never works harder before the hard one is reached; "
            f"as the heap grows {_OOM}. Set GOMEMLIMIT to about 90% of the limit."), "warning"


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    ratio = Decimal(str(ctx.params["warn_ratio"]))
    for c in wl.iter("containers", "initContainers"):
        reading = reading_of(c, ctx.knowledge)
        if not reading.read and not reading.unread:
            continue
        found = memory_bound(wl, c)
        if found is None:
            continue
        limit, _, bound = found
        for s, text, severity in _verdicts(reading.read, limit, bound, ratio):
            yield Hit(s.pointer, f"container '{c.name}': {text}", container=c.name, anchor="value", severity=severity)
        # A variable nothing known reads: at most info, the runtime probably never sees it.
        for u in reading.unread:
            for s, text, _ in _verdicts(u.settings, limit, bound, ratio):
                if_read = text.split("; ", 1)[0]
                yield Hit(s.pointer, (
                    f"container '{c.name}': {u.variable} {u.why}, so {s.text} probably sizes nothing; if the "
                    f"entrypoint does pass it to the runtime, {if_read}, and {_OOM}."),
                    container=c.name, anchor="value", severity="info")
