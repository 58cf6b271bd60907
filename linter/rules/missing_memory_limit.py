"""missing-memory-limit: a container with no memory limit.

Without a limit a leaking or merely greedy container grows until the *node* runs short; then
the kernel's OOM killer picks a victim by its own score — often another pod's process — or the
kubelet evicts pods (``The node was low on resource: memory``). The crash then lands at a time
and on a pod that neighbours decide, which is harder to diagnose than the plain
``OOMKilled`` (exit 137) a limit gives. Info only: it is a hygiene finding, not a crash by
itself.

Checked: app containers and native sidecars. Plain init containers are exempt — they end
before the app starts, and kube-score/kube-linter flagging them is a known source of noise
(Polaris exempts them too). A pod-level memory limit (``spec.resources.limits.memory``)
bounds every container, so none is reported then. A LimitRange may add defaults at admission;
that cannot be seen from the manifest alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.knowledge.resource_limits import has_limit_key, pod_limit_of
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "missing-memory-limit"


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    if pod_limit_of(wl, "memory") is not None:
        return
    for c in wl.iter("containers", "initContainers"):
        if c.is_init and not c.is_sidecar:
            continue
        if has_limit_key(c, "memory"):
            continue
        where = c.at("resources") if c.data.get("resources") is not None else c.at("name") if "name" in c.data \
            else c.at()
        yield Hit(where, (
            f"container '{c.name}' has no memory limit: it can grow until the node runs short, and then the "
            f"kernel OOM-kills a process or the kubelet evicts pods — not necessarily this one. Set "
            f"resources.limits.memory (and a matching request)."), container=c.name, anchor="key")
