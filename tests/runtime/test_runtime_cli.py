"""The offline CLI's edges: unreadable inputs exit 2 with a message, --fail-on, scope, stdin, YAML dumps."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from runtime_cases import load_case

NOW = ["--now", "2026-03-01T12:00:00Z"]


def test_invalid_json_dump_names_the_line(run_cli, tmp_path):
    bad = tmp_path / "dump.json"
    bad.write_text('{"apiVersion": "v1", "kind": "List",\n "items": [\n {"kind": "Pod",}\n]}')
    code, out, err = run_cli(["--from", str(bad)])
    assert code == 2 and "line 3" in err and "invalid JSON" in err and "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"[1, 2]", "no Kubernetes objects"),
    (b'{"apiVersion": "v1"}', "no Kubernetes objects"),
    (b'{"kind": "List", "items": [', "invalid JSON"),
    (b"just: [unclosed", "neither JSON nor YAML"),
    (b"- 1\n- 2\n", "no Kubernetes objects"),
])
def test_unreadable_dumps_exit_2(run_cli, tmp_path, content, message):
    path = tmp_path / "dump"
    path.write_bytes(content)
    code, _, err = run_cli(["--from", str(path)])
    assert code == 2 and message in err and "Traceback" not in err


def test_missing_files_and_bad_options_exit_2(run_cli, tmp_path):
    dump = str(load_case("completed").dir / "cluster.json")
    assert run_cli(["--from", str(tmp_path / "nope.json")])[0] == 2
    code, _, err = run_cli(["--from", dump, "--now", "yesterday"])
    assert code == 2 and "RFC 3339" in err
    (tmp_path / "logs.json").write_text('["not", "a", "mapping"]')
    code, _, err = run_cli(["--from", dump, "--logs", str(tmp_path / "logs.json")])
    assert code == 2 and "--logs" in err


def test_unreadable_manifest_still_reports_and_exits_2(run_cli, tmp_path):
    case = load_case("completed")
    bad = tmp_path / "broken.yaml"
    bad.write_text("kind: Deployment\napiVersion: apps/v1\nmetadata: {name: x\n")
    code, out, err = run_cli(["--from", str(case.dir / "cluster.json"), "--manifests", str(bad), *NOW, "-o", "json"])
    assert code == 2 and "broken.yaml" in err
    report = json.loads(out)
    assert report["errors"] and len(report["crashes"]) == 3


def test_fail_on(run_cli):
    case = load_case("join")
    base = ["--from", str(case.dir / "cluster.json"), *case.args(offline=True)]
    assert run_cli(base)[0] == 1
    assert run_cli([*base, "--fail-on", "never"])[0] == 0
    assert run_cli([*base, "--fail-on", "unpredicted"])[0] == 1  # the api crash
    healthy = load_case("join-healthy")
    hb = ["--from", str(healthy.dir / "cluster.json"), *healthy.args(offline=True)]
    assert run_cli(hb)[0] == 0 and run_cli([*hb, "--fail-on", "info"])[0] == 0


def test_fail_on_unpredicted_ignores_confirmed_findings(run_cli):
    case = load_case("completed")  # every crash is predicted by completes-immediately (cluster lint)
    args = ["--from", str(case.dir / "cluster.json"), *NOW]
    assert run_cli(args)[0] == 1
    assert run_cli([*args, "--fail-on", "unpredicted"])[0] == 0


def test_namespace_filters_an_offline_dump(run_cli):
    case = load_case("uid-join")
    code, out, _ = run_cli(["--from", str(case.dir / "cluster.json"), "-n", "data-staging", *NOW, "-o", "json"])
    report = json.loads(out)
    assert report["summary"]["pods"] == 1 and report["crashes"] == [] and code == 0


def test_manifest_without_namespace_matches_the_only_workload_of_that_name(run_cli):
    case = load_case("join")  # toolbox has no namespace in manifests.yaml; the dump has it in "shop"
    code, out, _ = run_cli(["--from", str(case.dir / "cluster.json"), "--manifests",
                            str(case.dir / "manifests.yaml"), *NOW, "-o", "json"])
    found = [f for f in json.loads(out)["findings"] if f["rule"] == "completes-immediately"
             and f["container"] == "toolbox"]
    assert found and found[0]["workload"] == "Deployment/shop/toolbox" and found[0]["status"] == "confirmed"


def test_reference_time_defaults_to_the_newest_timestamp_as_a_lower_bound(run_cli):
    case = load_case("init-stuck")
    code, out, _ = run_cli(["--from", str(case.dir / "cluster.json"), "-o", "json"])
    report = json.loads(out)
    assert report["reference_time"] == "2026-03-01T11:59:30Z" and report["reference_time_is_lower_bound"]
    # the wait loop started 09:00:02; 11:59:30 is late enough to call it stuck
    assert [c["signature"] for c in report["crashes"]] == ["init-stuck"]
    code, out, _ = run_cli(["--from", str(case.dir / "cluster.json"), "--now", "2026-03-01T09:05:00Z", "-o", "json"])
    assert json.loads(out)["crashes"] == [] and code == 0


def test_stdin_dump_and_yaml_dump():
    case = load_case("oom-killed")
    raw = (case.dir / "cluster.json").read_bytes()
    out = subprocess.run([sys.executable, "-m", "crashlint", "runtime", "--from", "-", *NOW, "-o", "json"],
                         input=raw, capture_output=True)
    assert out.returncode == 1 and len(json.loads(out.stdout)["crashes"]) == 2
    import yaml
    as_yaml = yaml.safe_dump(json.loads(raw))
    out = subprocess.run([sys.executable, "-m", "crashlint", "runtime", "--from", "-", *NOW, "-o", "json"],
                         input=as_yaml.encode(), capture_output=True)
    assert out.returncode == 1 and len(json.loads(out.stdout)["crashes"]) == 2


def test_json_shape_matches_the_design_contract(run_cli):
    case = load_case("join")
    _, out, _ = run_cli(["--from", str(case.dir / "cluster.json"), *case.args(offline=True), "-o", "json"])
    report = json.loads(out)
    assert report["version"] == 1
    assert {"findings", "crashes", "unpredicted"} <= set(report)
    for f in report["findings"]:
        assert f["status"] in ("confirmed", "not-observed", "no-pods") and isinstance(f["evidence"], list)
        assert {"rule", "severity", "file", "line", "column", "object", "container", "path"} <= set(f)
    for c in report["crashes"] + report["unpredicted"]:
        assert {"workload", "pod", "container", "signature", "evidence", "predicted_by"} <= set(c)
        assert c["workload"].count("/") == 2
    assert all(not c["predicted_by"] for c in report["unpredicted"])


def test_help_lists_the_contract_options():
    out = io.StringIO()
    from crashlint.cli import build_parser
    parser = build_parser()
    sub = next(a for a in parser._subparsers._group_actions if a.dest == "command")
    sub.choices["runtime"].print_help(out)
    for opt in ("--manifests", "--namespace", "--all-namespaces", "--kubeconfig", "--context", "--output", "--from",
                "--logs", "--now", "--fail-on"):
        assert opt in out.getvalue()
