"""The live source through the real kubernetes client: paging, 410 restarts, 403 degradation,
scope (-n, -A, the context's namespace), no Secret access, and clean failures."""

from __future__ import annotations

import json

from runtime_cases import load_case
from fakeapi import TOKEN, FakeAPI, closed_port_url, write_kubeconfig

NOW = ["--now", "2026-03-01T12:00:00Z"]


def _pod_list_calls(stub: FakeAPI, path: str) -> list[dict[str, list[str]]]:
    return [r.query for r in stub.requests if r.path == path]


def test_pages_are_followed_and_an_expired_continue_token_restarts_the_list(run_cli, tmp_path):
    case = load_case("owners")  # 10 pods: 4 pages of 3
    stub = FakeAPI(case.items, page_size=3)
    stub.expire_once.add("pods")
    with stub:
        code, out, err = run_cli(["--kubeconfig", str(write_kubeconfig(tmp_path / "kubeconfig", stub.url)), "-n", "apps", *NOW,
                                  "-o", "json"])
    report = json.loads(out)
    assert code == 1 and report["summary"]["pods"] == 10  # every pod once: no duplicates from the restart
    calls = _pod_list_calls(stub, "/api/v1/namespaces/apps/pods")
    assert all(q["limit"] == ["500"] for q in calls)
    starts = [i for i, q in enumerate(calls) if "continue" not in q]
    assert len(starts) == 2  # the first list, and the restart after the 410
    assert len(calls) == 1 + 1 + 4  # first page, the expired continue, then 4 fresh pages
    assert len({c["pod"] for c in report["crashes"]}) == 10


def test_forbidden_owner_lists_degrade_with_a_warning(run_cli, tmp_path):
    case = load_case("completed")
    stub = FakeAPI(case.items, page_size=2)
    stub.forbidden |= {"replicasets", "jobs"}
    with stub:
        code, out, err = run_cli(["--kubeconfig", str(write_kubeconfig(tmp_path / "kubeconfig", stub.url)), "-n", "demo", *NOW,
                                  "-o", "json"])
    report = json.loads(out)
    assert "cannot list ReplicaSets in namespace demo (forbidden)" in err
    assert "cannot list Jobs" in err
    # the ReplicaSet is gone, the Deployment is still found from the pod-template-hash
    assert {c["workload"] for c in report["crashes"]} == {"Deployment/demo/toolbox"}
    assert any("forbidden" in w for w in report["warnings"])
    assert code == 1


def test_forbidden_pods_is_an_error_not_an_empty_cluster(run_cli, tmp_path):
    stub = FakeAPI([], page_size=2)
    stub.forbidden |= {"pods"}
    with stub:
        code, out, err = run_cli(["--kubeconfig", str(write_kubeconfig(tmp_path / "kubeconfig", stub.url)), "-n", "demo"])
    assert code == 2 and "listing Pods in namespace demo: HTTP 403" in err and "Traceback" not in err
    assert out == ""


def test_default_scope_is_the_context_namespace_and_a_context_can_be_chosen(run_cli, tmp_path):
    stub = FakeAPI(load_case("completed").items, page_size=2)
    with stub:
        cfg = str(write_kubeconfig(tmp_path / "kubeconfig", stub.url, namespace="demo",
                                   contexts={"other": "elsewhere"}))
        code, out, _ = run_cli(["--kubeconfig", cfg, *NOW, "-o", "json"])
        assert json.loads(out)["summary"]["pods"] == 3
        code2, out2, _ = run_cli(["--kubeconfig", cfg, "--context", "other", *NOW, "-o", "json"])
    assert json.loads(out2)["summary"]["pods"] == 0
    paths = stub.paths()
    assert "/api/v1/namespaces/demo/pods" in paths and "/api/v1/namespaces/elsewhere/pods" in paths
    assert "/api/v1/pods" not in paths
    assert code == 1 and code2 == 0


def test_all_namespaces_lists_cluster_wide_and_events_are_not_filtered_to_warnings(run_cli, tmp_path):
    stub = FakeAPI(load_case("image-pull-failed").items, page_size=2)
    with stub:
        run_cli(["--kubeconfig", str(write_kubeconfig(tmp_path / "kubeconfig", stub.url)), "-A", *NOW])
    paths = set(stub.paths())
    assert {"/api/v1/pods", "/api/v1/events", "/apis/apps/v1/replicasets", "/apis/batch/v1/jobs"} <= paths
    # without --manifests the workloads themselves are listed, to be linted
    assert {"/apis/apps/v1/deployments", "/apis/apps/v1/statefulsets", "/apis/apps/v1/daemonsets",
            "/apis/batch/v1/cronjobs"} <= paths
    assert not any("fieldSelector" in r.query for r in stub.requests)
    assert not any("secret" in p for p in paths)
    assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in stub.requests)


def test_with_manifests_the_workload_kinds_are_not_listed(run_cli, tmp_path):
    case = load_case("join")
    stub = FakeAPI(case.items, page_size=2)
    with stub:
        code, out, _ = run_cli(["--kubeconfig", str(write_kubeconfig(tmp_path / "kubeconfig", stub.url)), *case.args(offline=False),
                                "-o", "json"])
    assert code == 1
    assert not any("deployments" in p for p in stub.paths())


def test_unreachable_cluster_is_exit_2_without_traceback(run_cli, tmp_path):
    cfg = write_kubeconfig(tmp_path / "kubeconfig", closed_port_url())
    code, out, err = run_cli(["--kubeconfig", str(cfg), "-n", "demo"])
    assert code == 2 and "listing Pods" in err and "Traceback" not in err


def test_bad_kubeconfig_is_exit_2(run_cli, tmp_path):
    bad = tmp_path / "kubeconfig"
    bad.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    code, _, err = run_cli(["--kubeconfig", str(bad), "--context", "missing"])
    assert code == 2 and "kubeconfig" in err and "Traceback" not in err


def test_previous_logs_are_read_only_for_crashing_containers(run_cli, tmp_path):
    case = load_case("not-crashes")  # a restart recovered days ago, evictions, a rollout: no crash
    stub = FakeAPI(case.items, page_size=2)
    with stub:
        code, _, _ = run_cli(["--kubeconfig", str(write_kubeconfig(tmp_path / "kubeconfig", stub.url)), "-n", "ops", *NOW])
    assert code == 0
    assert not [p for p in stub.paths() if p.endswith("/log")]


def test_a_missing_previous_log_is_not_an_error(run_cli, tmp_path):
    case = load_case("oom-killed")  # no logs recorded: the fake answers 400 like the kubelet does
    stub = FakeAPI(case.items, page_size=2)
    with stub:
        code, out, err = run_cli(["--kubeconfig", str(write_kubeconfig(tmp_path / "kubeconfig", stub.url)), "-n", "search", *NOW,
                                  "-o", "json"])
    assert code == 1 and err == "" and len(json.loads(out)["crashes"]) == 2
    assert len([p for p in stub.paths() if p.endswith("/log")]) == 2


def test_forbidden_logs_and_events_degrade_to_status_only_evidence(run_cli, tmp_path):
    case = load_case("dependency-unreachable")
    stub = FakeAPI(case.items, logs=case.logs, page_size=2)
    stub.forbidden |= {"pods/log", "events"}
    with stub:
        code, out, err = run_cli(["--kubeconfig", str(write_kubeconfig(tmp_path / "kubeconfig", stub.url)), "-n", "shop", *NOW,
                                  "-o", "json"])
    assert "cannot read pods/log" in err and "cannot list Events" in err
    sigs = {c["pod"]: c["signature"] for c in json.loads(out)["crashes"]}
    # without the log, the 'no such host' pod is an application error; the termination message still tells
    assert sorted(sigs.values()) == ["dependency-unreachable", "exited-with-error"]
    assert code == 1
