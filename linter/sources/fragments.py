"""Documents that are fragments, not objects: a patch no kustomization lists, a tool's test input.

A strategic-merge patch names its target's kind and name and only the fields it changes, so it
looks like a workload without a pod spec, without containers, or with a named container that has
no image. Linted as an object, it would get "has no image" and "spec is missing" errors for what
its target supplies. A workload file that no kustomization of the run reads, and that lacks
what every pod spec the API server accepts must have, is therefore reported as a fragment (one
note, listed under ``skipped``) instead of being linted. The same object would be refused by the
API server if it were applied, which the note says.
"""

from __future__ import annotations

from crashlint.model.objects import K8sObject
from crashlint.model.workloads import POD_SPEC_PATHS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any


def fragment_reason(obj: K8sObject) -> str | None:
    """Why ``obj`` looks like a fragment (what its pod spec lacks), or None for a complete workload."""
    path = POD_SPEC_PATHS.get(obj.kind)
    if path is None:
        return None
    cur: Any = obj.data
    for depth, key in enumerate(path):
        if not isinstance(cur, dict):
            return None  # a field of the wrong type: a real error, reported by rejected-by-api
        cur = cur.get(key)
        if cur is None:
            return f"it has no {'.'.join(map(str, path[:depth + 1]))}"
    if not isinstance(cur, dict):
        return None
    containers = cur.get("containers")
    if containers is None or containers == []:
        return "its pod spec has no containers"
    if not isinstance(containers, list):
        return None
    for c in containers:
        # A patch names each container (the merge key) and may leave its image to the base; a
        # container without a name is no patch, but a broken object, and reported as one.
        if isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"] and "image" not in c:
            return f"container '{c['name']}' has no image"
    return None
