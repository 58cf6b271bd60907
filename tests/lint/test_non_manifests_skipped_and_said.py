"""Files that are not Kubernetes manifests are skipped and counted, never exit 2 (issue 10).

A repository holds CI workflows, compose files, a ``tsconfig.json`` with comments, Go and Helm
templates and invalid-on-purpose test data; each used to exit 2 and failed pre-commit on commits
touching no manifest. Exit 2 stays for text meant as a manifest (a document with ``apiVersion``
and ``kind``) that cannot be read, and for refused limits. All cases drive the real CLI.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lint_helpers import BUSYBOX_DEPLOYMENT, FIXTURES_DIR, Run, run_cli, write

LAYOUT = FIXTURES_DIR / "layouts" / "mixed-repo"
HOSTILE = FIXTURES_DIR / "hostile"


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(LAYOUT, root)
    (root / ".crashlint.yaml").write_text("")
    return root


def _lint(cwd: Path, *args: str) -> Run:
    return run_cli("lint", "-o", "json", *args, cwd=cwd)


def test_repository_of_non_manifests_exits_0_and_lists_what_it_skipped(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    run = _lint(root, ".")
    report = run.json()
    assert run.code == 0, run.out + run.err
    assert report["errors"] == []
    skipped = {s["file"]: s["reason"] for s in report["skipped"]}
    assert report["summary"]["skipped"] == len(skipped) == 8
    assert report["summary"]["files"] == 10
    assert "not a Kubernetes manifest" in skipped["tsconfig.json"]
    assert "invalid JSON" in skipped[str(Path("testdata/invalid.json"))]
    assert "invalid YAML" in skipped[str(Path("testdata/not-yaml.yaml"))]
    assert skipped["compose.yaml"] == skipped[str(Path("chart/values.yaml"))]
    assert "Go/Helm template" in skipped[str(Path("hack/templates/configmap.yaml"))]
    assert "helm template chart" in skipped[str(Path("chart/templates/deployment.yaml"))]
    # Templates are said on stderr (how to lint what they render); plain non-manifests are not.
    notes = [ln for ln in run.err.splitlines() if ln.startswith("crashlint: note:")]
    assert len(notes) == 2, run.err
    assert any("helm template chart | crashlint lint -" in n for n in notes)
    assert any(str(Path("hack/templates/configmap.yaml")) in n for n in notes)
    # The two manifests are linted: their placeholders are one warning each, no error.
    rules = sorted((f["file"], f["rule"], f["severity"]) for f in report["findings"])
    assert rules == [(str(Path("deploy/controller.yaml")), "image-placeholder", "warning"),
                     (str(Path("deploy/web.yaml")), "image-placeholder", "warning")]


def test_text_summary_counts_the_skipped_files(tmp_path: Path) -> None:
    run = run_cli("lint", ".", cwd=_repo(tmp_path))
    assert run.code == 0
    assert run.out.splitlines()[-1].startswith("10 file(s) (8 skipped: not Kubernetes objects), 2 object(s)")


def test_named_helm_template_is_skipped_with_a_note(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    run = _lint(root, str(Path("chart/templates/deployment.yaml")), "tsconfig.json")
    assert run.code == 0
    assert [s["file"] for s in run.json()["skipped"]] == [str(Path("chart/templates/deployment.yaml")),
                                                         "tsconfig.json"]
    assert "helm template chart | crashlint lint -" in run.err


def test_named_workflow_and_go_template_pass(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    run = _lint(root, str(Path(".github/workflows/ci.yml")), str(Path("hack/templates/configmap.yaml")))
    assert run.code == 0 and run.json()["errors"] == []
    assert run.json()["summary"]["skipped"] == 2


def test_unreadable_manifest_still_exits_2(tmp_path: Path) -> None:
    write(tmp_path, "broken.yaml", "apiVersion: v1\nkind: ConfigMap\ndata: {a: [1}\n")
    write(tmp_path, "broken.json", '{"apiVersion": "v1", "kind": "ConfigMap", "data": {,}}')
    write(tmp_path, "config.yaml", "settings: {a: [1}\n")
    run = _lint(tmp_path, "broken.yaml", "broken.json", "config.yaml")
    assert run.code == 2
    report = run.json()
    assert sorted((e["file"], e["line"]) for e in report["errors"]) == [("broken.json", 1), ("broken.yaml", 3)]
    assert [s["file"] for s in report["skipped"]] == ["config.yaml"]


def test_a_bomb_with_template_markers_is_still_refused(tmp_path: Path) -> None:
    """Template markers excuse a file that does not parse, never one a limit refused."""
    bomb = "# {{ not a template, an excuse }}\n" + (HOSTILE / "billion-laughs.yaml").read_text()
    write(tmp_path, "bomb.yaml", bomb)
    run = _lint(tmp_path, "bomb.yaml")
    assert run.code == 2
    assert "alias" in run.json()["errors"][0]["message"] and run.json()["skipped"] == []


def test_json_stream_is_read_as_kubectl_reads_it(tmp_path: Path) -> None:
    docs = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n}} for n in ("a", "b")]
    write(tmp_path, "list.json", "\n".join(json.dumps(d) for d in docs) + "\n")
    run = _lint(tmp_path, "list.json")
    assert run.code == 0 and run.json()["errors"] == []
    assert run.json()["summary"]["objects"] == 2 and run.json()["skipped"] == []


def test_json_stream_positions_point_into_each_value(tmp_path: Path) -> None:
    import yaml

    dep = yaml.safe_load(BUSYBOX_DEPLOYMENT)
    text = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}\n' + json.dumps(dep) + "\n"
    write(tmp_path, "stream.json", text)
    run = _lint(tmp_path, "stream.json")
    [ci] = [f for f in run.json()["findings"] if f["rule"] == "completes-immediately"]
    assert (ci["line"], ci["column"]) == (2, text.splitlines()[1].index('"busybox') + 1)


def test_an_empty_kind_is_no_kind(tmp_path: Path) -> None:
    """A release-note form (``apiVersion: release-notes/v2`` and an empty ``kind:``) is not a manifest."""
    write(tmp_path, "template.yaml", "apiVersion: release-notes/v2\nkind:\narea:\n")
    run = _lint(tmp_path, "template.yaml")
    assert run.code == 0 and run.json()["errors"] == [] and run.json()["summary"]["skipped"] == 1
