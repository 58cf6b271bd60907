"""The join: static findings against observed crashes, by workload, container and cause.

A finding is ``confirmed`` when a pod of its workload shows, on the same container, a crash
whose signature is in the rule's confirmation set (``policies/runtime.yaml``); ``no-pods``
when the snapshot has no pod of that workload (nothing to judge); ``not-observed`` otherwise.
A crash that no finding confirms is *unpredicted*. Findings on objects that run no pods
(Service, NetworkPolicy) are judged against the crashes of their namespace.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from crashlint.model.findings import Finding
from crashlint.settings.policy import load_policies
from crashlint.model.workloads import WORKLOAD_KINDS
from crashlint.runtime.classify import Crash, Params

CONFIRMED, NOT_OBSERVED, NO_PODS = "confirmed", "not-observed", "no-pods"
MAX_EVIDENCE = 5


@dataclass(frozen=True)
class RuntimePolicy:
    """``policies/runtime.yaml`` in typed form."""

    confirmations: dict[str, frozenset[str]]
    match_names: frozenset[str]
    observations: dict[str, tuple[str, re.Pattern[str]]]
    rules_needing_manifests: frozenset[str]
    classifier: Params
    live: dict[str, Any]
    hints: dict[str, str]


def runtime_policy(knowledge: dict[str, Any] | None = None) -> RuntimePolicy:
    """``runtime`` knowledge in typed form, from the loaded settings (``settings.knowledge``: the
    shipped ``policies/runtime.yaml`` with what a ``.crashlint.yaml`` adds under ``knowledge:``),
    so runtime mode judges with the same settings as ``crashlint lint``. Without settings (unit
    tests of the classifier), the shipped file alone."""
    if knowledge is None:
        return _shipped_runtime_policy()
    return _typed(knowledge.get("runtime") or {})


@lru_cache(maxsize=1)
def _shipped_runtime_policy() -> RuntimePolicy:
    return _typed(load_policies().knowledge.get("runtime") or {})


def _typed(raw: dict[str, Any]) -> RuntimePolicy:
    return RuntimePolicy(
        confirmations={str(k): frozenset(v or ()) for k, v in (raw.get("confirmations") or {}).items()},
        match_names=frozenset(raw.get("match_names") or ()),
        observations={str(k): (str(v["reason"]), re.compile(str(v["message"]), re.I))
                      for k, v in (raw.get("observations") or {}).items()},
        rules_needing_manifests=frozenset(raw.get("rules_needing_manifests") or ()),
        classifier=Params.from_policy(raw.get("classifier")),
        live=dict(raw.get("live") or {}),
        hints={str(k): str(v) for k, v in (raw.get("hints") or {}).items()},
    )


@dataclass
class JoinedFinding:
    """A static finding with its verdict against the cluster."""

    finding: Finding
    workload: str | None
    status: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    confirmed_count: int = 0

    def as_dict(self) -> dict[str, Any]:
        d = self.finding.as_dict()
        d.update({"workload": self.workload, "status": self.status, "evidence": self.evidence})
        if self.confirmed_count > len(self.evidence):
            d["evidence_total"] = self.confirmed_count
        return d


@dataclass
class Observed:
    """What the snapshot shows per workload: pod counts, crashes, and crash-free observations."""

    pods: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    crashes: dict[str, list[Crash]] = field(default_factory=lambda: defaultdict(list))
    # workload -> (container, observation, pod, event message)
    observations: dict[str, list[tuple[str, str, str, str]]] = field(default_factory=lambda: defaultdict(list))

    def namespace_of(self, workload: str) -> str:
        return workload.split("/")[1]


def _mentions(text: str, name: str) -> bool:
    return re.search(r"(?<![\w.-])" + re.escape(name) + r"(?![\w.-])", text) is not None


def _confirms(policy: RuntimePolicy, finding: Finding, crash: Crash) -> bool:
    wanted = policy.confirmations.get(finding.rule, frozenset())
    if crash.signature not in wanted:
        return False
    if finding.container is not None and finding.container != crash.container:
        return False
    if finding.rule in policy.match_names and crash.names:
        return any(_mentions(finding.message, n) for n in crash.names)
    return True


def join(findings: list[tuple[Finding, str | None]], observed: Observed,
         policy: RuntimePolicy | None = None) -> list[JoinedFinding]:
    """Give every finding (with its workload ref, None for objects that run no pods) a verdict.

    Sets ``predicted_by`` on the crashes it confirms; crashes left without one are unpredicted.
    """
    policy = policy or runtime_policy()
    by_namespace: dict[str, list[str]] = defaultdict(list)
    for wl in observed.pods:
        by_namespace[observed.namespace_of(wl)].append(wl)
    out: list[JoinedFinding] = []
    for finding, workload in findings:
        if workload is not None and finding.object.get("kind") in WORKLOAD_KINDS:
            scope = [workload] if observed.pods.get(workload) else []
        else:
            scope = by_namespace.get(str(finding.object.get("namespace") or "default"), [])
        if not scope:
            out.append(JoinedFinding(finding, workload, NO_PODS))
            continue
        evidence: list[dict[str, Any]] = []
        count = 0
        wanted = policy.confirmations.get(finding.rule, frozenset())
        for wl in scope:
            for crash in observed.crashes.get(wl, ()):
                if _confirms(policy, finding, crash):
                    count += 1
                    if finding.rule not in crash.predicted_by:
                        crash.predicted_by.append(finding.rule)
                    if len(evidence) < MAX_EVIDENCE:
                        evidence.append({"workload": wl, "pod": crash.pod, "container": crash.container,
                                         "signature": crash.signature, "summary": crash.summary})
            for container, name, pod, message in observed.observations.get(wl, ()):
                if name in wanted and (finding.container is None or finding.container == container):
                    count += 1
                    if len(evidence) < MAX_EVIDENCE:
                        evidence.append({"workload": wl, "pod": pod, "container": container,
                                         "signature": name,
                                         "summary": f"event {policy.observations[name][0]}: {message}"})
        out.append(JoinedFinding(finding, workload, CONFIRMED if count else NOT_OBSERVED, evidence, count))
    return out
