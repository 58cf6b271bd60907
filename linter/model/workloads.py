"""The workload model: one way to reach the pod spec of every kind that runs pods.

Rules never dig through ``spec.template.spec`` or ``spec.jobTemplate.spec.template.spec``
themselves: they get a :class:`Workload` with the pod spec, its JSON-pointer prefix, whether
the pod is meant to run forever, and typed views of its containers.
"""

from __future__ import annotations

from crashlint.model.objects import K8sObject
from crashlint.model.nested import dig
from crashlint.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

Pointer = tuple[str | int, ...]

# Where each kind keeps its pod spec (relative to the object root).
POD_SPEC_PATHS: dict[str, Pointer] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
    "DeploymentConfig": ("spec", "template", "spec"),
}
WORKLOAD_KINDS = frozenset(POD_SPEC_PATHS)
# Controllers that replace a pod whenever it ends: their template must say restartPolicy Always.
ALWAYS_RESTARTING_KINDS = frozenset({
    "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "DeploymentConfig",
})
RUN_TO_COMPLETION_KINDS = frozenset({"Job", "CronJob"})

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


class Container(Record):
    """A container of a pod spec, with the pointer rules use to name it."""

    data: dict[str, Any]
    section: str  # containers | initContainers | ephemeralContainers
    index: int
    pointer: Pointer

    __slots__ = ("data", "section", "index", "pointer")

    def __init__(self, data: dict[str, Any], section: str, index: int, pointer: Pointer) -> None:
        self.data = data
        self.section = section
        self.index = index
        self.pointer = pointer

    @property
    def name(self) -> str:
        n = self.data.get("name")
        return n if isinstance(n, str) else f"{self.section}[{self.index}]"

    @property
    def image(self) -> str | None:
        i = self.data.get("image")
        return i if isinstance(i, str) else None

    @property
    def is_init(self) -> bool:
        return self.section == "initContainers"

    @property
    def is_sidecar(self) -> bool:
        """A native sidecar: an init container with ``restartPolicy: Always`` (it keeps running)."""
        return self.is_init and self.data.get("restartPolicy") == "Always"

    @property
    def runs_to_completion_by_design(self) -> bool:
        """Init containers (not sidecars) must end for the pod to start."""
        return self.is_init and not self.is_sidecar

    def str_list(self, key: str) -> list[str] | None:
        """``command``/``args`` as a list of strings; None when absent or not a list of scalars.

        Numbers and booleans in argv are stringified the way the API server would refuse
        them; that is the ``rejected-by-api`` rule's business, the others read them as text.
        """
        v = self.data.get(key)
        if not isinstance(v, list) or any(isinstance(x, (dict, list)) for x in v):
            return None
        return ["" if x is None else str(x) for x in v]

    def field(self, *path: str) -> Any:
        """Safe nested get: a wrong type anywhere on the path yields None."""
        return dig(self.data, *path)

    def at(self, *rest: str | int) -> Pointer:
        return self.pointer + rest


class Workload(Record):
    """A pod-running object seen through its pod spec."""

    obj: K8sObject
    spec: dict[str, Any]
    spec_pointer: Pointer
    template_metadata: dict[str, Any]
    containers: list[Container]

    __slots__ = ("obj", "spec", "spec_pointer", "template_metadata", "containers")

    def __init__(self, obj: K8sObject, spec: dict[str, Any], spec_pointer: Pointer,
                 template_metadata: dict[str, Any]) -> None:
        self.obj = obj
        self.spec = spec
        self.spec_pointer = spec_pointer
        self.template_metadata = template_metadata
        self.containers = []

    @property
    def kind(self) -> str:
        return self.obj.kind

    @property
    def restart_policy(self) -> str:
        """The pod's restartPolicy with the API's defaults (Always; Jobs must set theirs)."""
        rp = self.spec.get("restartPolicy")
        if isinstance(rp, str) and rp:
            return rp
        return "Always" if self.kind not in RUN_TO_COMPLETION_KINDS else "Never"

    @property
    def runs_forever(self) -> bool:
        """True when a container that exits, even with code 0, is restarted: the crash-loop case."""
        if self.kind in RUN_TO_COMPLETION_KINDS:
            return False
        if self.kind in ALWAYS_RESTARTING_KINDS:
            return True
        return self.restart_policy == "Always"

    def iter(self, *sections: str) -> list[Container]:
        """Containers of the named sections (all three when none is named)."""
        wanted = sections or CONTAINER_LISTS
        return [c for c in self.containers if c.section in wanted]

    @property
    def app_containers(self) -> list[Container]:
        return self.iter("containers")

    @property
    def init_containers(self) -> list[Container]:
        return self.iter("initContainers")

    @property
    def template_annotations(self) -> dict[str, Any]:
        a = self.template_metadata.get("annotations")
        return a if isinstance(a, dict) else {}

    @property
    def template_labels(self) -> dict[str, Any]:
        lab = self.template_metadata.get("labels")
        return lab if isinstance(lab, dict) else {}

    def at(self, *rest: str | int) -> Pointer:
        return self.spec_pointer + rest


def workload_of(obj: K8sObject) -> Workload | None:
    """The workload view of ``obj``, or None when it runs no pods or has no usable pod spec.

    A pod spec of the wrong type is not silently ignored: ``rejected-by-api`` reports it,
    using :func:`pod_spec_problems`.
    """
    path = POD_SPEC_PATHS.get(obj.kind)
    if path is None:
        return None
    spec = dig(obj.data, *path)
    if not isinstance(spec, dict):
        return None
    meta = dig(obj.data, *path[:-1], "metadata") if obj.kind != "Pod" else obj.data.get("metadata")
    wl = Workload(obj, spec, path, meta if isinstance(meta, dict) else {})
    for section in CONTAINER_LISTS:
        items = spec.get(section)
        if not isinstance(items, list):
            continue
        for i, c in enumerate(items):
            if isinstance(c, dict):
                wl.containers.append(Container(c, section, i, path + (section, i)))
    return wl


def pod_spec_problems(obj: K8sObject) -> list[tuple[Pointer, str]]:
    """Shape errors on the path to and inside the pod spec, which the API server would refuse."""
    path = POD_SPEC_PATHS.get(obj.kind)
    if path is None:
        return []
    cur: Any = obj.data
    for depth, p in enumerate(path):
        where = path[:depth + 1]
        nxt = cur.get(p)
        if nxt is None:
            return [(where[:-1], f"{'.'.join(map(str, where))} is missing")]
        if not isinstance(nxt, dict):
            return [(where, f"{'.'.join(map(str, where))} must be an object, not {type(nxt).__name__}")]
        cur = nxt
    problems: list[tuple[Pointer, str]] = []
    for section in CONTAINER_LISTS:
        items = cur.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append((path + (section,), f"{section} must be a list, not {type(items).__name__}"))
            continue
        for i, c in enumerate(items):
            if not isinstance(c, dict):
                problems.append((path + (section, i), f"{section}[{i}] must be an object, not "
                                                      f"{'null' if c is None else type(c).__name__}"))
    if not cur.get("containers") and cur.get("containers") in (None, []):
        problems.append((path, "the pod spec has no containers"))
    return problems
