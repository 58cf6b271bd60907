"""Run one rule on generated objects in a child process with a deadline, and count calls in-process.

Regression tests for quadratic work must not be timed unit tests. Two robust proxies instead:

* :func:`rule_finishes`: inputs where the quadratic code needs minutes and the linear code well
  under a second, run in a child with a generous deadline (20 s) that only the old code misses —
  no flakiness on a loaded 2-core machine, where the new code still has 20× room.
* :func:`calls_during`: how many times a function runs while linting (``sys.setprofile``), a
  deterministic count that grows with n² in the quadratic code and with n in the linear one.

A module with a unique name (several test folders have a ``conftest.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

DEADLINE = 20.0

_CHILD = """
import json, sys
from crashlint.settings.config import load_settings
from crashlint.model.inventory import Inventory
from crashlint.model.document import Document
from crashlint.model.objects import K8sObject
from crashlint.rules import RuleContext, all_rules
from crashlint.model.workloads import workload_of

rule_id, path = sys.argv[1], sys.argv[2]
with open(path) as fh:
    # Documents without node trees: a rule needs no positions, and the loader is not what is measured.
    objects = [K8sObject(d, Document(path, i, 0, d), ()) for i, d in enumerate(json.load(fh))]
settings = load_settings()
rule = all_rules()[rule_id]
ctx = RuleContext(Inventory.from_objects(objects), settings.rules[rule_id].params, settings.knowledge)
hits = 0
for obj in objects:
    if obj.kind in rule.kinds:
        subject = workload_of(obj) if rule.wants_workload else obj
        if subject is not None:
            hits += len(list(rule.check(subject, ctx)))
print(hits)
"""


def rule_finishes(tmp_path: Path, rule_id: str, docs: list[dict[str, Any]]) -> int:
    """Run ``rule_id`` over ``docs`` in a child process; assert it ends within :data:`DEADLINE`; return its hit count."""
    data = tmp_path / "objects.json"
    data.write_text(json.dumps(docs))
    proc = subprocess.run([sys.executable, "-c", _CHILD, rule_id, str(data)], capture_output=True, text=True,
                          timeout=DEADLINE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return int(proc.stdout)


def calls_during(func: Callable[..., Any], action: Callable[[], Any]) -> int:
    """How many times ``func`` (a Python function) is entered while ``action()`` runs."""
    code = func.__code__
    count = 0

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        nonlocal count
        if event == "call" and frame.f_code is code:
            count += 1

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return count


def deployment(name: str, containers: list[dict[str, Any]], namespace: str = "ns",
               labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    labels = labels or {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": containers, **spec}}}}


def service(name: str, selector: dict[str, str], namespace: str = "ns", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": selector, "ports": [{"port": 80}], **spec}}
