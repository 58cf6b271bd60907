"""Runtime mode end to end, minus I/O: snapshot + logs + findings in, a report out.

The sources (``live.py``, ``state.load_dump``) fill a :class:`~.state.Snapshot`; this module
classifies every pod, lints the manifests (or, without manifests, one object per workload of
the snapshot itself), joins the two and returns a :class:`RuntimeReport` for the renderers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from ..api import lint_objects, lint_paths
from ..config import Settings
from ..findings import Finding
from ..loader import load_text
from ..model import K8sObject, LoadError
from ..workloads import WORKLOAD_KINDS
from .classify import Crash, Note, classify_pod, observations
from .join import JoinedFinding, Observed, RuntimePolicy, join, runtime_policy
from .owners import resolve, workload_ref
from .state import Snapshot

TOP_LEVEL_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "CronJob", "ReplicationController"})
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class RuntimeReport:
    """Everything the text and JSON renderers print."""

    findings: list[JoinedFinding] = field(default_factory=list)
    crashes: list[Crash] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reference_time: datetime | None = None
    reference_is_lower_bound: bool = False
    pods: int = 0
    events: int = 0
    workloads: int = 0
    source: str = "manifests"  # where findings came from: "manifests" | "cluster"

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
    for pod in snap.pods:
        meta = pod.get("metadata") if isinstance(pod.get("metadata"), dict) else {}
        wl = resolve(snap, pod)
        observed.pods[wl] += 1
        events = snap.events.get(str(meta.get("uid") or ""), [])
        prefix = f"{meta.get('namespace') or 'default'}/{meta.get('name')}/"
        pod_logs = {k[len(prefix):]: v for k, v in logs.items() if k.startswith(prefix)} if logs else {}
        found, note = classify_pod(pod, events, pod_logs, now, policy.classifier, wl)
        if note is not None:
            notes.append(note)
        for crash in found:
            observed.crashes[wl].append(crash)
            crashes.append(crash)
        if events and policy.observations:
            for container, name in observations(pod, events, policy.observations):
                observed.observations[wl].append((container, name, str(meta.get("name"))))
    return observed, crashes, notes


def _manifest_workload(finding: Finding, observed: Observed, namespace: str | None) -> str | None:
    """The cluster workload a manifest finding is about (kind/namespace/name)."""
    obj = finding.object
    kind, name = str(obj.get("kind") or ""), str(obj.get("name") or "")
    if kind not in WORKLOAD_KINDS:
        return None
    ns = str(obj.get("namespace") or "default")
    if namespace and ns == "default":
        ns = namespace  # manifests without a namespace are applied with `-n`
    ref = workload_ref(kind, ns, name)
    if ref in observed.pods or namespace:
        return ref
    same = [w for w in observed.pods if w.startswith(kind + "/") and w.endswith("/" + name)
            and w.count("/") == 2]
    return same[0] if len(same) == 1 and ns == "default" else ref


def _representatives(snap: Snapshot) -> dict[str, dict[str, Any]]:
    """One object per workload to lint: the workload itself, else its newest ReplicaSet/Job, else a pod."""
    best: dict[str, tuple[tuple[int, str], dict[str, Any]]] = {}

    def offer(wl: str, rank: int, obj: dict[str, Any]) -> None:
        created = str((obj.get("metadata") or {}).get("creationTimestamp") or "")
        key = (rank, _invert(created))
        if wl not in best or key < best[wl][0]:
            best[wl] = (key, obj)

    for obj in snap.workloads:
        meta = obj.get("metadata") or {}
        if obj.get("kind") in TOP_LEVEL_KINDS:
            offer(workload_ref(str(obj["kind"]), str(meta.get("namespace") or "default"), str(meta.get("name"))),
                  0, obj)
    for obj in snap.owners.values():
        offer(resolve(snap, obj), 1, obj)
    for pod in snap.pods:
        offer(resolve(snap, pod), 2, pod)
    return {wl: obj for wl, (_, obj) in best.items()}


def _invert(stamp: str) -> str:
    """Sort key that puts the newest RFC 3339 timestamp first."""
    return "".join(chr(0x10FFFF - ord(ch)) for ch in stamp)


def lint_cluster(snap: Snapshot, settings: Settings,
                 policy: RuntimePolicy) -> tuple[list[tuple[Finding, str | None]], list[LoadError]]:
    """Lint the snapshot's own workloads (no manifests given), one object per workload.

    Each object is rendered as YAML with sorted keys, like ``kubectl get -o yaml``, under the name
    ``cluster:Kind/namespace/name``, so positions point into that rendering. Rules that judge
    references against the whole set are off: the snapshot holds no ConfigMaps or Services.
    """
    rules = {rid: (dataclasses.replace(rs, enabled=False) if rid in policy.rules_needing_manifests else rs)
             for rid, rs in settings.rules.items()}
    settings = dataclasses.replace(settings, rules=rules)
    objects: list[K8sObject] = []
    owner_of: dict[int, str] = {}
    for wl, obj in sorted(_representatives(snap).items()):
        data = {k: v for k, v in obj.items() if k != "status"}
        data.setdefault("apiVersion", "v1")
        meta = obj.get("metadata") or {}
        name = f"cluster:{obj.get('kind')}/{meta.get('namespace') or 'default'}/{meta.get('name')}"
        loaded = load_text(name, yaml.dump(data, Dumper=_DUMPER, sort_keys=True, default_flow_style=False))
        for o in loaded.objects:
            owner_of[id(o)] = wl
            objects.append(o)
    result = lint_objects(objects, settings)
    by_ref = {o.ref(): owner_of[id(o)] for o in objects}
    pairs = [(f, by_ref.get(_ref(f.object))) for f in result.findings]
    return pairs, result.errors


def _ref(identity: dict[str, Any]) -> str:
    ns = identity.get("namespace")
    return f"{identity.get('kind')}/{ns}/{identity.get('name')}" if ns else f"{identity.get('kind')}/{identity.get('name')}"


def analyse(snap: Snapshot, settings: Settings, *, manifests: Iterable[str] | None = None,
            logs: dict[str, dict[str, Any]] | None = None, now: datetime | None = None,
            now_is_lower_bound: bool = False, namespace: str | None = None, stdin: Any = None) -> RuntimeReport:
    """Classify, lint, join. ``namespace`` is the ``-n`` scope (manifests without one land there)."""
    policy = runtime_policy()
    observed, crashes, notes = observe(snap, logs or {}, now, policy)
    report = RuntimeReport(crashes=crashes, notes=notes, warnings=list(snap.warnings), reference_time=now,
                           reference_is_lower_bound=now_is_lower_bound, pods=len(snap.pods),
                           events=snap.event_count, workloads=len(observed.pods))
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
