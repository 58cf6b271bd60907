"""Runtime mode end to end, minus I/O: snapshot + logs + findings in, a report out.

The sources (``live.py``, ``state.load_dump``) fill a :class:`~.state.Snapshot`; this module
classifies every pod, lints the manifests (or, without manifests, one object per workload of
the snapshot itself), joins the two and returns a :class:`RuntimeReport` for the renderers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import yaml

from crashlint.engine.api import lint_objects, lint_paths
from crashlint.settings.config import Settings
from crashlint.model.findings import Finding
from crashlint.model.document import Document
from crashlint.model.objects import K8sObject, LoadError
from crashlint.model.record import Record
from crashlint.reporters.safe import json_safe
from crashlint.model.workloads import WORKLOAD_KINDS
from crashlint.runtime.classify import Crash, Note, classify_pod, log_wanted, observations
from crashlint.runtime.join import JoinedFinding, Observed, RuntimePolicy, join, runtime_policy
from crashlint.runtime.owners import resolve, workload_ref
from crashlint.runtime.shape import obj, seq, text
from crashlint.runtime.state import Snapshot

TOP_LEVEL_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "CronJob", "ReplicationController"})
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RuntimeReport(Record):
    """Everything the text and JSON renderers print."""

    findings: list[JoinedFinding]
    crashes: list[Crash]
    notes: list[Note]
    errors: list[LoadError]
    warnings: list[str]
    reference_time: datetime | None
    reference_is_lower_bound: bool
    pods: int
    events: int
    workloads: int
    source: str  # where findings came from: "manifests" | "cluster"
    # One line of advice per crash signature (the settings' runtime knowledge), for the text output.
    hints: dict[str, str]

    __slots__ = ("findings", "crashes", "notes", "errors", "warnings", "reference_time", "reference_is_lower_bound",
                 "pods", "events", "workloads", "source", "hints")

    def __init__(self, crashes: list[Crash] | None = None, notes: list[Note] | None = None,
                 warnings: list[str] | None = None, reference_time: datetime | None = None,
                 reference_is_lower_bound: bool = False, pods: int = 0, events: int = 0, workloads: int = 0,
                 source: str = "manifests", hints: dict[str, str] | None = None) -> None:
        self.findings = []
        self.crashes = [] if crashes is None else crashes
        self.notes = [] if notes is None else notes
        self.errors = []
        self.warnings = [] if warnings is None else warnings
        self.reference_time = reference_time
        self.reference_is_lower_bound = reference_is_lower_bound
        self.pods = pods
        self.events = events
        self.workloads = workloads
        self.source = source
        self.hints = {} if hints is None else hints

    @property
    def unpredicted(self) -> list[Crash]:
        return [c for c in self.crashes if not c.predicted_by]

    def as_dict(self) -> dict[str, Any]:
        counts = {s: sum(1 for f in self.findings if f.status == s) for s in ("confirmed", "not-observed", "no-pods")}
        return {
            "version": 1,
            "findings": [f.as_dict() for f in self.findings],
            "crashes": [c.as_dict() for c in self.crashes],
            "unpredicted": [c.as_dict() for c in self.unpredicted],
            "not_crashes": [n.as_dict() for n in self.notes],
            "errors": [e.as_dict() for e in self.errors],
            "warnings": list(self.warnings),
            "reference_time": self.reference_time.isoformat().replace("+00:00", "Z") if self.reference_time else None,
            "reference_time_is_lower_bound": self.reference_is_lower_bound,
            "findings_from": self.source,
            "summary": {"pods": self.pods, "events": self.events, "workloads": self.workloads,
                        "crashes": len(self.crashes), "unpredicted": len(self.unpredicted), **counts},
        }


def observe(snap: Snapshot, logs: dict[str, dict[str, Any]], now: datetime | None,
            policy: RuntimePolicy) -> tuple[Observed, list[Crash], list[Note]]:
    """Classify every pod of the snapshot; ``logs`` maps ``ns/pod/container`` to its logs."""
    observed = Observed()
    crashes: list[Crash] = []
    notes: list[Note] = []
    by_pod: dict[str, dict[str, Any]] = {}
    for key, value in logs.items():
        pod_key, _, container = key.rpartition("/")
        by_pod.setdefault(pod_key, {})[container] = value
    for pod in snap.pods:
        meta = obj(pod.get("metadata"))
        wl = resolve(snap, pod)
        observed.pods[wl] += 1
        events = snap.events.get(str(meta.get("uid") or ""), [])
        pod_logs = by_pod.get(f"{meta.get('namespace') or 'default'}/{meta.get('name')}", {})
        found, note = classify_pod(pod, events, pod_logs, now, policy.classifier, wl)
        if note is not None:
            notes.append(note)
        for crash in found:
            observed.crashes[wl].append(crash)
            crashes.append(crash)
        if events and policy.observations:
            for (container, name), message in observations(events, policy.observations).items():
                observed.observations[wl].append((container, name, text(meta.get("name")), message))
    return observed, crashes, notes


def _manifest_workload(finding: Finding, observed: Observed, namespace: str | None) -> str | None:
    """The cluster workload a manifest finding is about (``Kind/namespace/name``); None for non-pod kinds.

    A manifest without a namespace lands in ``-n`` when given (as ``kubectl apply -n`` would put
    it); otherwise in ``default``, unless exactly one namespace of the snapshot runs a workload
    of that kind and name.
    """
    obj = finding.object
    kind, name = str(obj.get("kind") or ""), str(obj.get("name") or "")
    if kind not in WORKLOAD_KINDS:
        return None
    ns = str(obj.get("namespace") or "default")
    if namespace and ns == "default":
        ns = namespace
    ref = workload_ref(kind, ns, name)
    if ref in observed.pods or namespace or ns != "default":
        return ref
    same = [w for w in observed.pods if w.split("/")[0] == kind and w.split("/", 2)[2] == name]
    return same[0] if len(same) == 1 else ref


def log_targets(snap: Snapshot, now: datetime | None, policy: RuntimePolicy) -> list[tuple[str, str, str]]:
    """(namespace, pod, container) of crashing containers with a dead previous instance: whose logs to read."""
    out: list[tuple[str, str, str]] = []
    for pod in snap.pods:
        status = obj(pod.get("status"))
        wanted = {cs.get("name") for key in ("initContainerStatuses", "containerStatuses")
                  for cs in seq(status.get(key)) if isinstance(cs, dict) and log_wanted(cs)}
        if not wanted:
            continue
        meta = obj(pod.get("metadata"))
        crashes, _ = classify_pod(pod, snap.events.get(str(meta.get("uid") or ""), []), {}, now, policy.classifier, "")
        out += [(str(meta.get("namespace") or "default"), str(meta.get("name")), c.container)
                for c in crashes if c.container in wanted]
    return out


def representatives(snap: Snapshot) -> dict[str, dict[str, Any]]:
    """One object per workload to lint: the workload itself, else its newest ReplicaSet/Job, else a pod."""
    best: dict[str, tuple[int, str, dict[str, Any]]] = {}

    def offer(wl: str, rank: int, o: dict[str, Any]) -> None:
        created = text(obj(o.get("metadata")).get("creationTimestamp"))
        old = best.get(wl)
        if old is None or rank < old[0] or (rank == old[0] and created > old[1]):
            best[wl] = (rank, created, o)

    for o in snap.workloads:
        if o.get("kind") in TOP_LEVEL_KINDS:
            offer(_ref_of(o), 0, o)
    for o in snap.owners.values():
        offer(resolve(snap, o), 1, o)
    for pod in snap.pods:
        offer(resolve(snap, pod), 2, pod)
    return {wl: obj for wl, (_, _, obj) in best.items()}


class _ClusterDocument(Document):
    """A cluster object's document: rendered as YAML and composed only when a finding needs a line.

    Linting a thousand workloads must not cost a thousand YAML renderings when few of them
    have findings; the rendering (sorted keys, like ``kubectl get -o yaml`` without status)
    happens on the first position look-up.
    """

    __slots__ = ()

    def _compose(self) -> None:
        if self.node is None:
            # json_safe: libyaml's emitter cannot encode a lone surrogate a JSON dump may hold.
            text = yaml.dump(json_safe(self.data), Dumper=_DUMPER, sort_keys=True, default_flow_style=False)
            self.node = yaml.compose(text, Loader=_COMPOSER)

    def locate(self, pointer: Iterable[str | int], anchor: str = "auto") -> tuple[int, int]:
        self._compose()
        return super().locate(pointer, anchor)

    def node_lines(self, pointer: Iterable[str | int]) -> tuple[int, int]:
        self._compose()
        return super().node_lines(pointer)


def lint_cluster(snap: Snapshot, settings: Settings,
                 policy: RuntimePolicy) -> tuple[list[tuple[Finding, str | None]], list[LoadError]]:
    """Lint the snapshot's own workloads (no manifests given), one object per workload.

    Findings name the file ``cluster:Kind/namespace/name``; lines point into that object rendered
    as YAML with sorted keys and without ``status``. Rules that judge references against the
    whole set are off: the snapshot holds no ConfigMaps or Services.
    """
    rules = {rid: (rs.replace(enabled=False) if rid in policy.rules_needing_manifests else rs)
             for rid, rs in settings.rules.items()}
    settings = settings.replace(rules=rules)
    objects: list[K8sObject] = []
    owner_of: dict[str, str] = {}
    for wl, o in sorted(representatives(snap).items()):
        data = {k: v for k, v in o.items() if k != "status"}
        data.setdefault("apiVersion", "v1")
        k8s = K8sObject(data, _ClusterDocument(f"cluster:{_ref_of(data)}", 0, 0, data), ())
        owner_of[k8s.ref()] = wl
        objects.append(k8s)
    result = lint_objects(objects, settings)
    return [(f, owner_of.get(_ref(f.object))) for f in result.findings], result.errors


def _ref_of(data: dict[str, Any]) -> str:
    meta = obj(data.get("metadata"))
    return workload_ref(text(data.get("kind")), text(meta.get("namespace")) or "default", text(meta.get("name")))


def _ref(identity: dict[str, Any]) -> str:
    ns = identity.get("namespace")
    return f"{identity.get('kind')}/{ns}/{identity.get('name')}" if ns else f"{identity.get('kind')}/{identity.get('name')}"


def analyse(snap: Snapshot, settings: Settings, *, manifests: Iterable[str] | None = None,
            logs: dict[str, dict[str, Any]] | None = None, now: datetime | None = None,
            now_is_lower_bound: bool = False, namespace: str | None = None, stdin: Any = None) -> RuntimeReport:
    """Classify, lint, join. ``namespace`` is the ``-n`` scope (manifests without one land there).

    Everything is judged with ``settings``: the rules and their overrides, and the runtime
    knowledge (confirmations, classifier thresholds, hints) as the configuration has it.
    """
    policy = runtime_policy(settings.knowledge)
    observed, crashes, notes = observe(snap, logs or {}, now, policy)
    report = RuntimeReport(crashes=crashes, notes=notes, warnings=list(snap.warnings), reference_time=now,
                           reference_is_lower_bound=now_is_lower_bound, pods=len(snap.pods),
                           events=snap.event_count, workloads=len(observed.pods), hints=policy.hints)
    manifests = list(manifests or ())
    if manifests:
        lint = lint_paths(manifests, settings, stdin=stdin)
        pairs = [(f, _manifest_workload(f, observed, namespace)) for f in lint.findings]
        report.errors = list(lint.errors)
    else:
        pairs, report.errors = lint_cluster(snap, settings, policy)
        report.source = "cluster"
    report.findings = join(pairs, observed, policy)
    return report
