"""missing-configmap, missing-secret, missing-key, missing-image-pull-secret, missing-service-account."""

from __future__ import annotations

from pathlib import Path

import pytest

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from crashlint.model.inventory import Entry, Inventory
from expect_markers import REFERENCE_RULES, check_fixture

HERE = Path(__file__).parent.parent / "fixtures" / "rules" / "references"


@pytest.mark.parametrize("name", ["missing-refs.yaml", "keys.yaml", "producers.yaml", "accounts.yaml",
                                  "accounts-partial.yaml"])
def test_fixture_findings_match_markers(name: str) -> None:
    check_fixture([HERE / name], REFERENCE_RULES)


def test_objects_in_another_directory_of_the_same_run_resolve() -> None:
    check_fixture([HERE / "cross-file" / "app", HERE / "cross-file" / "config"], REFERENCE_RULES)


def test_alone_the_deployment_reports_what_the_other_directory_defined() -> None:
    report = lint_paths([str(HERE / "cross-file" / "app")], load_settings(raw={}))
    got = sorted(f.rule for f in report.findings if f.rule in REFERENCE_RULES)
    assert got == ["missing-configmap", "missing-secret", "missing-service-account"]


def test_message_says_files_only_and_names_the_other_namespace() -> None:
    report = check_fixture([HERE / "missing-refs.yaml"], REFERENCE_RULES)
    msg = next(f for f in report.findings if f.rule == "missing-configmap" and "shared-settings" in f.message)
    assert "not defined in the linted files" in msg.message
    assert "exists in namespace platform" in msg.message
    assert 'CreateContainerConfigError: configmap "shared-settings" not found' in msg.message
    assert msg.path == "/spec/template/spec/containers/0/env/0/valueFrom/configMapKeyRef/name"
    assert msg.container == "web"
    vol = next(f for f in report.findings if "web-config" in f.message)
    assert 'MountVolume.SetUp failed for volume "config" : configmap "web-config" not found' in vol.message
    assert vol.container is None and vol.fix is None


def test_key_messages_quote_the_kubelet() -> None:
    report = check_fixture([HERE / "keys.yaml"], REFERENCE_RULES)
    msgs = [f.message for f in report.findings if f.rule == "missing-key"]
    assert any("couldn't find key log_level in ConfigMap shop/app-config" in m for m in msgs)
    assert any("couldn't find key host in Secret shop/db-credentials" in m for m in msgs)
    assert any("configmap references non-existent config key: app.yml" in m for m in msgs)
    assert any("secret references non-existent secret key: passwd" in m for m in msgs)
    assert any("binaryData" in m and "logo.png" in m for m in msgs)


class _RecordedCluster:
    """An InventorySource as the cluster look-up hands it over: listed namespaces are complete."""

    def __init__(self, entries: list[Entry], complete: set[tuple[str, str | None]]) -> None:
        self.entries, self.complete = entries, complete

    def inventory_for(self, namespaces: set[str]) -> Inventory:
        inv = Inventory()
        for e in self.entries:
            inv.add(e)
        inv.complete |= self.complete
        return inv


def _lint_with_cluster(path: Path, cluster: _RecordedCluster) -> list[tuple[str, str, int]]:
    report = lint_paths([str(path)], load_settings(raw={}), cluster=cluster)
    return sorted((f.rule, f.severity, f.line) for f in report.findings if f.rule in REFERENCE_RULES)


def test_missing_from_files_and_complete_cluster_listing_is_an_error() -> None:
    cluster = _RecordedCluster(
        [Entry("Secret", "shop", "db-credentials", None, origin="cluster"),
         Entry("ConfigMap", "shop", "web-env", frozenset({"A"}), origin="cluster"),
         Entry("ServiceAccount", "shop", "worker", origin="cluster")],
        {("ConfigMap", "shop"), ("Secret", "shop"), ("ServiceAccount", "shop")})
    got = _lint_with_cluster(HERE / "missing-refs.yaml", cluster)
    # db-credentials and web-env are in the cluster: gone. The rest is now certain: errors.
    # The ConfigMaps of namespace shop were listed: errors; report-smtp etc. are Secrets of shop: errors.
    assert ("missing-secret", "error", 30) not in got and ("missing-configmap", "error", 49) not in got
    assert ("missing-configmap", "error", 39) in got and ("missing-secret", "error", 51) in got
    assert {sev for _, sev, _ in got} == {"error"}
    accounts = _lint_with_cluster(HERE / "accounts.yaml", cluster)
    # worker exists in the cluster; api in namespace tools was not listed: still a warning.
    assert accounts == [("missing-image-pull-secret", "warning", 49), ("missing-service-account", "warning", 72)]


def test_keys_known_from_the_cluster_are_checked_unknown_ones_are_not() -> None:
    cluster = _RecordedCluster(
        [Entry("ConfigMap", "shop", "api-config", frozenset({"OTHER"}), origin="cluster"),
         Entry("Secret", "shop", "api-secrets", None, origin="cluster"),
         Entry("ServiceAccount", "shop", "api", origin="cluster")],
        {("ConfigMap", "shop"), ("Secret", "shop")})
    got = _lint_with_cluster(HERE / "cross-file" / "app", cluster)
    assert got == [("missing-key", "error", 21)]  # LOG_LEVEL not among the cluster's keys; Secret keys unknown


def test_configured_severity_wins_over_graded_severity() -> None:
    report = lint_paths([str(HERE / "accounts-partial.yaml")],
                        load_settings(raw={"rules": {"missing-service-account": "error"}}))
    assert [f.severity for f in report.findings if f.rule == "missing-service-account"] == ["error"]


def test_malformed_references_never_crash(lint) -> None:
    report = lint("""
        apiVersion: v1
        kind: Pod
        metadata: {name: odd}
        spec:
          serviceAccountName: [not, a, string]
          imagePullSecrets: {name: regcred}
          volumes: [{name: v, configMap: "cm"}, {name: w, projected: {sources: [{secret: [x]}]}}, 3]
          containers:
            - name: app
              image: ghcr.io/acme/app:1.0.0
              env: [{name: A, valueFrom: {configMapKeyRef: {name: 7, key: [k]}}}, "B"]
              envFrom: [{configMapRef: null}, {secretRef: {name: ""}}]
              volumeMounts: [{name: v, mountPath: /v}, {name: w, mountPath: /w}]
        """)
    assert not [e for e in report.errors if "internal error" in e.message]
    assert not [f for f in report.findings if f.rule in REFERENCE_RULES]


def test_cluster_listing_turns_partial_input_infos_into_warnings() -> None:
    cluster = _RecordedCluster([Entry("ServiceAccount", "shop", "default", origin="cluster")],
                               {("ServiceAccount", "shop"), ("Secret", "shop")})
    got = _lint_with_cluster(HERE / "accounts-partial.yaml", cluster)
    assert got == [("missing-image-pull-secret", "warning", 16), ("missing-service-account", "warning", 14)]


def test_pull_secret_and_account_found_in_the_cluster_are_fine() -> None:
    cluster = _RecordedCluster([Entry("ServiceAccount", "shop", "api", origin="cluster"),
                                Entry("Secret", "shop", "regcred", None, origin="cluster")],
                               {("ServiceAccount", "shop"), ("Secret", "shop")})
    assert _lint_with_cluster(HERE / "accounts-partial.yaml", cluster) == []


# --- healthy-corpus false positives: Secrets made by certgen Jobs (FP-3), mesh ConfigMaps (FP-12),
# --- tags set by kustomize `images:` (FP-11) ------------------------------------------------------

_MOUNTS = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: controller, namespace: ingress}}
    spec:
      selector: {{matchLabels: {{app: c}}}}
      template:
        metadata: {{labels: {{app: c}}, annotations: {annotations}}}
        spec:
          containers:
            - name: controller
              image: ghcr.io/example/controller:1.0.0
              volumeMounts: [{{name: cert, mountPath: /cert}}, {{name: ca, mountPath: /ca}}]
              resources: {{limits: {{memory: 128Mi}}}}
          volumes:
            - {{name: cert, secret: {{secretName: admission}}}}
            - {{name: ca, configMap: {{name: istio-ca-root-cert}}}}
    ---
    apiVersion: batch/v1
    kind: Job
    metadata: {{name: admission-create, namespace: {job_ns}}}
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: create
              image: registry.k8s.io/ingress-nginx/kube-webhook-certgen:v20231011-8b53cabe0
              args: [{args}]
              resources: {{limits: {{memory: 64Mi}}}}
"""


def _ref_findings(lint, rule: str, args: str, job_ns: str = "ingress", annotations: str = "{}") -> list:
    report = lint(_MOUNTS.format(args=args, job_ns=job_ns, annotations=annotations))
    assert not report.errors, report.errors
    return [f for f in report.findings if f.rule == rule]


@pytest.mark.parametrize("args", ["create, --host=a, --secret-name=admission",
                                  "create, --namespace=ingress, --secret-name, admission"])
def test_a_secret_a_certgen_job_of_the_namespace_creates_counts_as_defined(lint, args: str) -> None:
    assert _ref_findings(lint, "missing-secret", args) == []


@pytest.mark.parametrize("args,job_ns", [
    ("create, --secret-name=other", "ingress"),      # another Secret
    ("create, --secret-name=admission", "elsewhere"),  # another namespace
    ("patch, --secret-name=admission", "ingress"),   # `patch` reads the Secret, it does not create it
])
def test_a_secret_no_job_of_the_namespace_creates_still_warns(lint, args: str, job_ns: str) -> None:
    [f] = _ref_findings(lint, "missing-secret", args, job_ns)
    assert f.severity == "warning" and 'Secret "admission"' in f.message


def test_istio_ca_root_cert_is_present_on_injected_pods_only(lint) -> None:
    injected = "{sidecar.istio.io/status: '{\"volumes\":[\"istiod-ca-cert\"]}'}"
    assert _ref_findings(lint, "missing-configmap", "create", annotations=injected) == []
    [f] = _ref_findings(lint, "missing-configmap", "create")
    assert '"istio-ca-root-cert"' in f.message


def test_kustomize_images_entries_pin_the_images_of_the_files_they_build() -> None:
    root = HERE / "kustomize-images"
    report = lint_paths([str(root)], load_settings(raw={}))
    assert not report.errors, report.errors
    got = sorted((f.object["name"], f.container) for f in report.findings if f.rule == "image-tag-mutable")
    assert got == [("guestbook", "floating"), ("guestbook", "renamed"), ("guestbook", "unlisted"),
                   ("stray", "stray")]
