"""Cross-object rules do work linear in the set, counted by calls (deterministic, not timed).

With n objects in one namespace, the quadratic code compared each object with every other one:
each Service with every pod template (difflib "did you mean"), each workload with every Service,
each NetworkPolicy with every other one, each missing Secret with every Job. Here each count must
stay a small multiple of n, where the old code made about n²/2 calls.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from crashlint.knowledge.references import _flag_values
from crashlint.rules import egress_blocks_dns, service_selects_nothing
from crashlint.knowledge.selectors import map_matches
from linear_runner import calls_during, deployment, service

N = 120


def _counted(func, tmp_path: Path, docs: list[dict]) -> tuple[int, list[str]]:
    """(calls of ``func``, rules that reported) for one lint of ``docs``."""
    path = tmp_path / "set.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    settings = load_settings(raw={})
    reports = []
    calls = calls_during(func, lambda: reports.append(lint_paths([str(path)], settings)))
    assert reports[0].errors == []
    return calls, [f.rule for f in reports[0].findings]


def _web(i: int, **extra) -> dict:
    probe = {"httpGet": {"path": "/healthz", "port": 8080}}
    return deployment(f"web-{i}", [{"name": "app", "image": "registry.example.com/web:1.0", "livenessProbe": probe,
                                    "readinessProbe": probe, "ports": [{"containerPort": 8080}],
                                    "resources": {"limits": {"memory": "256Mi"}}, **extra}],
                      labels={"app": f"web-{i}", "tier": "front"}, replicas=3)


def test_services_that_select_nothing_compare_a_bounded_number_of_templates(tmp_path: Path) -> None:
    docs = [_web(i) for i in range(N)] + [service(f"typo-{j}", {"app": f"wbe-{j}", "tier": "front"})
                                          for j in range(20)]
    similar, rules = _counted(service_selects_nothing._similarity, tmp_path, docs)
    assert 0 < similar <= 20 * service_selects_nothing.MAX_CANDIDATES * 2  # the old code: 20 × N × 2
    assert "service-selects-nothing" in rules


def test_each_workload_is_not_matched_against_every_service(tmp_path: Path) -> None:
    docs = [_web(i) for i in range(N)] + [service(f"web-{i}", {"app": f"web-{i}"}) for i in range(N)]
    matches, _ = _counted(map_matches, tmp_path, docs)
    assert matches <= 10 * N  # the old code: ~N²/2 for liveness-same-as-readiness alone


def test_network_policies_are_not_compared_pairwise(tmp_path: Path) -> None:
    policies = [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": {"name": f"egress-{i}", "namespace": "ns"},
                 "spec": {"podSelector": {"matchLabels": {"app": f"web-{i}"}}, "policyTypes": ["Egress"],
                          "egress": [{"ports": [{"port": 443}]}]}} for i in range(N)]
    docs = [_web(i) for i in range(N)] + policies
    calls, rules = _counted(egress_blocks_dns.dns_protocols, tmp_path, docs)
    assert calls <= 3 * N  # the old code: each policy read every other one, N²
    assert "egress-blocks-dns" in rules


def test_missing_secrets_do_not_scan_every_job(tmp_path: Path) -> None:
    jobs = [{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": f"certgen-{i}", "namespace": "ns"},
             "spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [{
                 "name": "create", "image": "registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.4.1",
                 "args": ["create", f"--secret-name=made-{i}"]}]}}}} for i in range(N)]
    docs = [_web(i, envFrom=[{"secretRef": {"name": f"absent-{i}"}}]) for i in range(N)] + jobs
    calls, rules = _counted(_flag_values, tmp_path, docs)
    assert calls <= 3 * N  # the old code: every Job's argv per missing Secret, N²
    assert "missing-secret" in rules
