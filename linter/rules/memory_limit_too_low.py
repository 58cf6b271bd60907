"""memory-limit-too-low: a memory limit the software cannot run in.

The memory limit is enforced by the kernel: when the container's processes touch more, the
OOM killer ends them, the kubelet reports ``Last State: Terminated, Reason: OOMKilled, Exit
Code: 137`` and restarts the container — which fills the same limit again, into
CrashLoopBackOff. Some limits are too low for any process (``policies/memory.yaml``'s floor),
others for one family of software running its default configuration: Kafka starts with
``-Xmx1G -Xms1G``, SonarQube documents 2 GB as its minimum, PostgreSQL's shared_buffers is
128 MB.

Family baselines apply to containers that run the image's own server process (no pod
``command``) and set no explicit heap (a tuned heap is the ``heap-exceeds-memory-limit``
rule's business); init containers are held only to the floor. Unknown images are held only to
the floor too, and unparsable limits are left to ``rejected-by-api``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ..families import family_of
from ..findings import Hit
from ..heap import reading_of
from ..quantity import QuantityError, parse_quantity
from ..resource_limits import human_bytes, limit_of
from ..rules import RuleContext
from ..workloads import Workload

ID = "memory-limit-too-low"


def _bytes(raw: object) -> Decimal | None:
    try:
        return parse_quantity(raw)
    except QuantityError:
        return None


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    memory = ctx.knowledge.get("memory") or {}
    floor_entry = memory.get("floor") if isinstance(memory.get("floor"), dict) else {}
    floor = _bytes(ctx.params.get("floor", floor_entry.get("minimum")))
    for c in wl.iter("containers", "initContainers"):
        found = limit_of(c, "memory")
        if found is None:
            continue
        limit, where = found
        shown = human_bytes(limit)
        if floor is not None and limit < floor:
            yield Hit(where, (
                f"container '{c.name}': memory limit {shown} is below {human_bytes(floor)}, less than any "
                f"process needs to start ({floor_entry.get('source', 'the absolute floor')}). It will be "
                f"OOMKilled (exit code 137) at once, over and over."), container=c.name, anchor="value")
            continue
        if (c.is_init and not c.is_sidecar) or c.data.get("command") is not None:
            continue
        entry = family_of(c, memory.get("families"), use_command=False)
        minimum = _bytes(entry.get("minimum")) if entry else None
        if entry is None or minimum is None or limit >= minimum:
            continue
        reading = reading_of(c, ctx.knowledge)
        if reading.read or reading.unread:
            continue  # someone sized the runtime (even in a variable it may not read): not a default
        yield Hit(where, (
            f"container '{c.name}': memory limit {shown} is below the {human_bytes(minimum)} that "
            f"{entry.get('name', c.image)} needs with its default settings ({entry.get('source', '')}). Expect "
            f"OOMKilled (exit code 137) and CrashLoopBackOff; raise the limit to at least "
            f"{human_bytes(minimum)}, or size the software down explicitly (e.g. its heap)."),
            container=c.name, anchor="value")
