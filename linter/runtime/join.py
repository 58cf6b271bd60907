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
from functools import lru_cache

from crashlint.model.findings import Finding
from crashlint.model.record import Record, Value
from crashlint.settings.policy import load_policies
from crashlint.model.workloads import WORKLOAD_KINDS
from crashlint.runtime.classify import Crash, Params

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

CONFIRMED, NOT_OBSERVED, NO_PODS = "confirmed", "not-observed", "no-pods"
MAX_EVIDENCE = 5


class RuntimePolicy(Value):
    """``policies/runtime.yaml`` in typed form."""

    confirmations: Final[dict[str, frozenset[str]]]
    match_names: Final[frozenset[str]]
    observations: Final[dict[str, tuple[str, re.Pattern[str]]]]
    rules_needing_manifests: Final[frozenset[str]]
    classifier: Final[Params]
    live: Final[dict[str, Any]]
    hints: Final[dict[str, str]]

    __slots__ = ("confirmations", "match_names", "observations", "rules_needing_manifests", "classifier", "live",
                 "hints")

    def __init__(self, confirmations: dict[str, frozenset[str]], match_names: frozenset[str],
                 observations: dict[str, tuple[str, re.Pattern[str]]], rules_needing_manifests: frozenset[str],
                 classifier: Params, live: dict[str, Any], hints: dict[str, str]) -> None:
        self.confirmations = confirmations
        self.match_names = match_names
        self.observations = observations
        self.rules_needing_manifests = rules_needing_manifests
        self.classifier = classifier
        self.live = live
        self.hints = hints


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


class JoinedFinding(Record):
    """A static finding with its verdict against the cluster."""

    finding: Finding
    workload: str | None
    status: str
    evidence: list[dict[str, Any]]
    confirmed_count: int

    __slots__ = ("finding", "workload", "status", "evidence", "confirmed_count")

    def __init__(self, finding: Finding, workload: str | None, status: str,
                 evidence: list[dict[str, Any]] | None = None, confirmed_count: int = 0) -> None:
        self.finding = finding
        self.workload = workload
        self.status = status
        self.evidence = [] if evidence is None else evidence
        self.confirmed_count = confirmed_count

    def as_dict(self) -> dict[str, Any]:
        d = self.finding.as_dict()
        d.update({"workload": self.workload, "status": self.status, "evidence": self.evidence})
        if self.confirmed_count > len(self.evidence):
            d["evidence_total"] = self.confirmed_count
        return d


class Observed(Record):
    """What the snapshot shows per workload: pod counts, crashes, and crash-free observations."""

    pods: dict[str, int]
    crashes: dict[str, list[Crash]]
    # workload -> (container, observation, pod, event message)
    observations: dict[str, list[tuple[str, str, str, str]]]

    __slots__ = ("pods", "crashes", "observations")

    def __init__(self) -> None:
        self.pods = defaultdict(int)
        self.crashes = defaultdict(list)
        self.observations = defaultdict(list)

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
