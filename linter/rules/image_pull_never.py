"""image-pull-never: ``imagePullPolicy: Never`` outside a single-node development cluster.

The kubelet then only uses an image already present on the node; on any node without it the
container waits with ``ErrImageNeverPull`` ("Container image ... is not present with pull
policy of Never") and the pod never starts.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit, pointer_str
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "image-pull-never"


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    for c in wl.containers:
        if c.data.get("imagePullPolicy") == "Never":
            yield Hit(c.at("imagePullPolicy"), f"container '{c.name}': imagePullPolicy Never runs only where "
                      f"'{c.image}' was preloaded on the node; elsewhere the pod waits in ErrImageNeverPull. "
                      "Use IfNotPresent.", container=c.name, anchor="value",
                      fix=[{"op": "replace", "path": pointer_str(c.at("imagePullPolicy")),
                            "value": "IfNotPresent"}])
