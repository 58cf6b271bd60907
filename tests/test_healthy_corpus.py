"""crashlint on manifests that are known to run: no errors, and every other finding accounted for.

Issue 3's bar: on well-run, production-grade manifests no error-level finding appears and every
warning is one a reviewer would accept. ``tests/fixtures/healthy/`` holds such sets — hand
renderings of upstream manifests under ``public/<project>/`` and focused sets of other suites —
and ``examples/healthy/`` is the one the README shows. Each set is linted on its own (sets are
independent: a Secret of one must not satisfy a reference of another).

Every finding except an info of ``missing-memory-limit`` (a deliberate, always-on nudge) must be listed
in ``ACCEPTED`` with the reason a reviewer would accept it, so a new false positive — even an
info one — fails here, and an entry that no longer matches anything fails too (the rule got
better: delete the entry).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crashlint.engine.api import lint_paths
from crashlint.model.report import LintReport
from crashlint.cli import main as crashlint_main
from crashlint.settings.config import load_settings
from crashlint.model.findings import Finding

TESTS = Path(__file__).parent
HEALTHY = TESTS / "fixtures" / "healthy"
EXAMPLES = TESTS.parent / "examples" / "healthy"
MANIFEST_SUFFIXES = {".yaml", ".yml", ".json"}

# Findings that are right on these sets: (set, rule, severity, "Kind/namespace/name", container) -> why.
ACCEPTED: dict[tuple[str, str, str, str, str | None], str] = {
    ("probes-resources", "missing-secret", "warning", "StatefulSet/shop/db", None):
        "the set is about probes and resources; db-credentials lives outside it, so the warning is true here",
    ("probes-resources", "unresolved-dependency", "info", "StatefulSet/shop/db", None):
        "the set does not include the governing headless Service 'db'; true as stated",
    ("public/argocd", "unresolved-dependency", "info", "StatefulSet/argocd/argocd-application-controller", None):
        "upstream install.yaml really names serviceName argocd-application-controller without defining it "
        "(harmless for a single replica, and only info)",
    ("public/grafana", "liveness-same-as-readiness", "info", "Deployment/monitoring/grafana", "grafana"):
        "chart 7.0.11 probes /api/health for both; liveness is more patient, info is the right weight",
    ("public/ingress-nginx", "liveness-same-as-readiness", "info",
     "Deployment/ingress-nginx/ingress-nginx-controller", "controller"):
        "upstream probes /healthz for both with a more patient liveness; info is the right weight",
    ("public/jenkins", "liveness-same-as-readiness", "info", "StatefulSet/ci/jenkins", "jenkins"):
        "chart 4.9.1 probes /login for all three probes; liveness is more patient, info is the right weight",
    ("public/traefik", "liveness-same-as-readiness", "info", "Deployment/traefik/traefik", "traefik"):
        "chart 26.0.0 probes /ping for both; readiness has failureThreshold 1, liveness 3: info is the right weight",
    ("public/k8s-tutorials", "liveness-same-as-readiness", "warning", "StatefulSet/tutorials/zk",
     "kubernetes-zookeeper"):
        "the kubernetes.io ZooKeeper tutorial really uses identical `zookeeper-ready 2181` probes; the advice stands",
    ("public/node-exporter", "liveness-same-as-readiness", "warning", "DaemonSet/monitoring/node-exporter",
     "node-exporter"):
        "chart 4.24.0 really uses identical probes on GET /; a Service selects the pods, so the advice stands",
    ("public/vault", "liveness-same-as-readiness", "info", "Deployment/vault/vault-agent-injector",
     "sidecar-injector"):
        "chart 0.27.0 really uses identical /health/ready probes (failureThreshold 2); replicas: 1, so no "
        "cascade across replicas: info is the right weight",
    ("public/external-dns", "liveness-same-as-readiness", "info", "Deployment/external-dns/external-dns",
     "external-dns"):
        "upstream chart probes /healthz for both on a single Recreate replica no Service routes to: info",
    ("public/wordpress", "liveness-same-as-readiness", "info", "StatefulSet/blog/wordpress-mariadb", "mariadb"):
        "bitnami mariadb probes `mysqladmin status` for both on a single replica: no cascade, info",
    ("public/cilium", "liveness-same-as-readiness", "info", "DaemonSet/kube-system/cilium", "cilium-agent"):
        "chart 1.14.5 probes 127.0.0.1:9879/healthz for all three; liveness is far more patient: info is right",
    ("public/cilium", "liveness-same-as-readiness", "info", "Deployment/kube-system/cilium-operator",
     "cilium-operator"):
        "chart 1.14.5 probes 127.0.0.1:9234/healthz for both; liveness is more patient: info is the right weight",
    ("public/otel-collector", "liveness-same-as-readiness", "info",
     "Deployment/observability/otel-collector", "opentelemetry-collector"):
        "chart 0.76.0 probes the health_check extension (:13133/) for both on one replica: info is right",
    ("public/otel-collector", "probe-port-not-exposed", "info",
     "Deployment/observability/otel-collector", "opentelemetry-collector"):
        "chart 0.76.0 really leaves the health_check port 13133 out of `ports`; the info only suggests declaring it",
    ("public/velero", "liveness-same-as-readiness", "info", "Deployment/velero/velero", "velero"):
        "chart 5.2.0 probes /metrics with identical settings on one Recreate replica: info is the right weight",
    ("public/vault", "command-not-executable", "warning", "Deployment/vault/vault-agent-injector", "sidecar-injector"):
        "chart 0.27.0 really passes a literal `2>&1` argument; vault-k8s ignores it, but it is a real smell",
}

# Rules whose *info* findings on healthy manifests are expected and not individually reviewed.
UNREVIEWED_INFO_RULES = {"missing-memory-limit"}


def _has_manifests(d: Path) -> bool:
    return any(p.is_file() and p.suffix in MANIFEST_SUFFIXES for p in d.iterdir())


def _sets(root: Path) -> Iterator[Path]:
    """A directory holding manifests is one set; a directory of directories is a group of sets."""
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        if _has_manifests(d):
            yield d
        else:
            yield from _sets(d)


SETS = {str(d.relative_to(HEALTHY)): d for d in _sets(HEALTHY)}
SETS["examples/healthy"] = EXAMPLES


def _key(set_name: str, f: Finding) -> tuple[str, str, str, str, str | None]:
    o = f.object
    return (set_name, f.rule, f.severity, f"{o.get('kind')}/{o.get('namespace')}/{o.get('name')}", f.container)


def _unreviewed(f: Finding) -> bool:
    return f.severity == "info" and f.rule in UNREVIEWED_INFO_RULES


def _lint(d: Path) -> LintReport:
    return lint_paths([str(d)], load_settings(raw={}))


@pytest.fixture(scope="module")
def reports() -> dict[str, LintReport]:
    return {name: _lint(d) for name, d in SETS.items()}


def test_corpus_is_there() -> None:
    """The public corpus is the point of this suite: at least a dozen independent upstream sets."""
    public = [n for n in SETS if n.startswith("public/")]
    assert len(public) >= 12, public
    assert {"probes-resources", "refs-network", "examples/healthy"} <= set(SETS)


@pytest.mark.parametrize("name", sorted(SETS))
def test_set_lints_clean(name: str, reports: dict[str, LintReport]) -> None:
    report = reports[name]
    assert report.objects > 0 and report.files > 0
    assert report.errors == [], [e.as_dict() for e in report.errors]
    errors = [f"{f.file}:{f.line}:{f.column} {f.rule}: {f.message}" for f in report.findings if f.severity == "error"]
    assert errors == [], "error-level findings on a healthy set:\n" + "\n".join(errors)
    unexpected = [f"{f.file}:{f.line}:{f.column} {f.severity} {f.rule} {_key(name, f)}: {f.message}"
                  for f in report.findings
                  if not _unreviewed(f) and _key(name, f) not in ACCEPTED]
    assert unexpected == [], "findings nobody accepted (false positive, or add to ACCEPTED with a reason):\n" + \
        "\n".join(unexpected)


def test_every_accepted_entry_still_matches(reports: dict[str, LintReport]) -> None:
    """A stale entry would silently allow a future false positive on the same object: remove it."""
    seen = {_key(name, f) for name, r in reports.items() for f in r.findings}
    stale = [k for k in ACCEPTED if k not in seen]
    assert stale == [], f"ACCEPTED entries that no finding matches any more: {stale}"


def test_accepted_reasons_are_given() -> None:
    for key, reason in ACCEPTED.items():
        assert key[0] in SETS, key
        assert len(reason.split()) >= 5, key


# Rules that only say "this reference is not satisfied": linting more objects can never add one.
REFERENCE_RULES = {"missing-configmap", "missing-secret", "missing-key", "missing-service-account",
                   "missing-image-pull-secret"}


def test_more_files_never_add_missing_references(reports: dict[str, LintReport]) -> None:
    """One run over every set (a repository with many charts and kustomize directories) only adds objects."""
    together = lint_paths([str(d) for d in SETS.values()], load_settings(raw={}))
    assert together.errors == []
    alone = {(f.file, f.line, f.column, f.rule) for r in reports.values() for f in r.findings}
    new = [f"{f.file}:{f.line}:{f.column} {f.rule}: {f.message}" for f in together.findings
           if (f.rule in REFERENCE_RULES or f.severity == "error") and (f.file, f.line, f.column, f.rule) not in alone]
    assert new == [], "\n".join(new)


@pytest.fixture
def no_repo_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI looks for `.crashlint.yaml` upwards from the working directory: lint with the shipped policies only."""
    monkeypatch.chdir(tmp_path)


def test_cli_passes_each_set(capsys: pytest.CaptureFixture[str], no_repo_config: None) -> None:
    """What CI runs: `crashlint lint DIR -o json` exits 0 (nothing at the default --fail-on error) on every set."""
    failed = {}
    for name, d in SETS.items():
        code = crashlint_main(["lint", str(d), "-o", "json"])
        doc = json.loads(capsys.readouterr().out)
        assert doc["errors"] == [] and doc["summary"]["objects"] > 0, name
        if code != 0 or doc["summary"]["error"]:
            failed[name] = (code, [f["rule"] for f in doc["findings"] if f["severity"] == "error"])
    assert failed == {}


def test_fix_changes_nothing(capsys: pytest.CaptureFixture[str], no_repo_config: None) -> None:
    """A "safe" fix applied to a manifest that runs can only break it: `crashlint fix --diff` must find nothing."""
    would_change = {}
    for name, d in SETS.items():
        code = crashlint_main(["fix", str(d), "--diff"])
        out = capsys.readouterr().out
        if code != 0:
            would_change[name] = out
    assert would_change == {}
