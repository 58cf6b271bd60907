"""Loading through the real CLI: streams, JSON, Lists, stdin, directories, and what is skipped.

These are contracts users script against (``helm template | crashlint lint -``), so they run
``python -m crashlint`` and read its JSON output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lint_helpers import BUSYBOX_DEPLOYMENT, BUSYBOX_IMAGE_AT, CLEAN_DEPLOYMENT, write


def _ci(report: dict) -> list[tuple[str, int, int, str]]:
    """(file, line, column, object name) of every completes-immediately finding."""
    return [(f["file"], f["line"], f["column"], f["object"]["name"])
            for f in report["findings"] if f["rule"] == "completes-immediately"]


def _deployment_dict(name: str, image: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": name, "image": image}]}}}}


def test_multi_document_stream_positions_are_per_file(cli, tmp_path: Path, isolated_config: Path) -> None:
    # A leading '---', a comment-only document, a clean one, then the bad one at line 28.
    text = "---\n# just a comment\n---\n" + CLEAN_DEPLOYMENT + "---\n" + BUSYBOX_DEPLOYMENT
    write(tmp_path, "all.yaml", text)
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "all.yaml")
    assert run.code == 1
    offset = 3 + CLEAN_DEPLOYMENT.count("\n") + 1
    assert _ci(run.json()) == [("all.yaml", offset + BUSYBOX_IMAGE_AT[0], BUSYBOX_IMAGE_AT[1], "toolbox")]
    assert run.json()["summary"]["objects"] == 2


def test_json_file_positions(cli, tmp_path: Path, isolated_config: Path) -> None:
    write(tmp_path, "dep.json", json.dumps(_deployment_dict("j", "busybox:1.36"), indent=2))
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "dep.json")
    lines = (tmp_path / "dep.json").read_text().splitlines()
    line = next(i for i, s in enumerate(lines, 1) if '"image"' in s)
    col = lines[line - 1].index('"busybox') + 1
    assert run.code == 1 and _ci(run.json()) == [("dep.json", line, col, "j")]


def test_kind_list_and_typed_list_are_unwrapped(cli, tmp_path: Path, isolated_config: Path) -> None:
    items = [_deployment_dict("a", "busybox:1.36"), _deployment_dict("b", "nginx:1.27")]
    write(tmp_path, "list.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, indent=1))
    write(tmp_path, "dlist.yaml", """\
        apiVersion: apps/v1
        kind: DeploymentList
        metadata: {}
        items:
          - apiVersion: apps/v1
            kind: Deployment
            metadata: {name: c}
            spec:
              selector: {matchLabels: {app: c}}
              template:
                metadata: {labels: {app: c}}
                spec:
                  containers:
                    - name: c
                      image: alpine:3.20
        """)
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "list.json", "dlist.yaml")
    report = run.json()
    names = sorted(name for *_, name in _ci(report))
    assert names == ["a", "c"]
    assert ("dlist.yaml", 15, 22, "c") in _ci(report)
    assert report["summary"]["objects"] == 3
    found = {f["object"]["name"]: f["path"] for f in report["findings"] if f["rule"] == "completes-immediately"}
    # Paths stay relative to the object, not to the List.
    assert found["c"] == "/spec/template/spec/containers/0/image"


def test_stdin_stream_like_helm_template(cli, isolated_config: Path) -> None:
    # `helm template` prefixes each document with a `# Source:` comment.
    stream = ("---\n# Source: chart/templates/web.yaml\n" + CLEAN_DEPLOYMENT +
              "---\n# Source: chart/templates/toolbox.yaml\n" + BUSYBOX_DEPLOYMENT).encode()
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "-", stdin=stream)
    assert run.code == 1
    offset = 2 + CLEAN_DEPLOYMENT.count("\n") + 2
    assert _ci(run.json()) == [("<stdin>", offset + BUSYBOX_IMAGE_AT[0], BUSYBOX_IMAGE_AT[1], "toolbox")]


def test_stdin_text_output_names_stdin(cli, isolated_config: Path) -> None:
    run = cli("lint", "--config", str(isolated_config), "-", stdin=BUSYBOX_DEPLOYMENT.encode())
    assert run.code == 1
    assert f"<stdin>:{BUSYBOX_IMAGE_AT[0]}:{BUSYBOX_IMAGE_AT[1]}:" in run.out


def test_directory_is_walked_recursively_for_yaml_yml_json_only(cli, tmp_path: Path, isolated_config: Path) -> None:
    root = tmp_path / "manifests"
    write(root, "a.yaml", BUSYBOX_DEPLOYMENT)
    write(root, "deep/er/b.yml", BUSYBOX_DEPLOYMENT.replace("toolbox", "deep"))
    write(root, "c.json", json.dumps(_deployment_dict("json", "busybox:1.36")))
    write(root, "d.yaml.txt", BUSYBOX_DEPLOYMENT.replace("toolbox", "txt"))
    write(root, "README.md", BUSYBOX_DEPLOYMENT.replace("toolbox", "md"))
    write(root, "Chart.tpl", BUSYBOX_DEPLOYMENT.replace("toolbox", "tpl"))
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "manifests")
    report = run.json()
    assert sorted(name for *_, name in _ci(report)) == ["deep", "json", "toolbox"]
    assert report["summary"]["files"] == 3
    files = {f for f, *_ in _ci(report)}
    assert files == {str(Path("manifests") / "a.yaml"), str(Path("manifests/deep/er/b.yml")),
                     str(Path("manifests/c.json"))}


def test_non_kubernetes_yaml_and_unknown_kinds_are_skipped_quietly(cli, tmp_path: Path,
                                                                  isolated_config: Path) -> None:
    write(tmp_path, "values.yaml", "replicaCount: 2\nimage: {repository: busybox, tag: latest}\n")
    write(tmp_path, "compose.yml", "services:\n  web:\n    image: busybox\n")
    write(tmp_path, "scalar.yaml", "just a string\n---\n- a\n- list\n---\n42\n")
    write(tmp_path, "package.json", '{"name": "x", "version": "1.0.0"}')
    write(tmp_path, "crd-instance.yaml", """\
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: w}
        spec:
          template:
            spec:
              containers: [{name: c, image: busybox}]
        """)
    run = cli("lint", "-o", "json", "--config", str(isolated_config), ".")
    report = run.json()
    assert run.code == 0, run.out
    assert report["findings"] == [] and report["errors"] == []
    assert run.err == ""
    assert report["summary"]["files"] == 5


def test_malformed_file_and_bad_manifest_exit_2_with_both_reported(cli, tmp_path: Path,
                                                                  isolated_config: Path) -> None:
    write(tmp_path, "deploy/bad.yaml", BUSYBOX_DEPLOYMENT)
    write(tmp_path, "deploy/broken.yaml", """\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: cfg
        data:
          key: "unterminated
        """)
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "deploy")
    assert run.code == 2
    report = run.json()
    assert _ci(report) == [(str(Path("deploy/bad.yaml")), *BUSYBOX_IMAGE_AT, "toolbox")]
    assert len(report["errors"]) == 1
    err = report["errors"][0]
    assert err["file"] == str(Path("deploy/broken.yaml"))
    assert err["line"] in (6, 7)  # the opening quote, or the end of input where libyaml notices
    assert err["message"]
    text = cli("lint", "--config", str(isolated_config), "deploy")
    assert text.code == 2
    assert f"{Path('deploy/broken.yaml')}:{err['line']}:" in text.out
    assert f"{Path('deploy/bad.yaml')}:{BUSYBOX_IMAGE_AT[0]}:{BUSYBOX_IMAGE_AT[1]}:" in text.out


def test_a_malformed_document_does_not_hide_the_next_documents(cli, tmp_path: Path,
                                                              isolated_config: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\ndata: {a: [1, 2}\n---\n" + BUSYBOX_DEPLOYMENT
    write(tmp_path, "mixed.yaml", text)
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "mixed.yaml")
    report = run.json()
    assert run.code == 2
    assert [(e["file"], e["line"]) for e in report["errors"]] == [("mixed.yaml", 3)]
    assert _ci(report) == [("mixed.yaml", 4 + BUSYBOX_IMAGE_AT[0], BUSYBOX_IMAGE_AT[1], "toolbox")]


def test_missing_path_is_an_input_error(cli, isolated_config: Path) -> None:
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "no-such-dir")
    assert run.code == 2
    assert [e["file"] for e in run.json()["errors"]] == ["no-such-dir"]


def test_a_named_path_that_cannot_be_read_says_why(cli, tmp_path: Path, isolated_config: Path) -> None:
    """What the system says, lower-cased: a file used as a directory is "not a directory", not missing."""
    write(tmp_path, "app.yaml", CLEAN_DEPLOYMENT)
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "no-such.yaml", "app.yaml/inner.yaml")
    assert run.code == 2
    assert [(e["file"], e["message"]) for e in run.json()["errors"]] == [
        ("no-such.yaml", "no such file or directory"), ("app.yaml/inner.yaml", "not a directory")]


def test_tab_indented_json_keeps_exact_positions(cli, tmp_path: Path, isolated_config: Path) -> None:
    """JSON may be indented with tabs (YAML may not); positions must still point at the node."""
    write(tmp_path, "tabs.json", json.dumps(_deployment_dict("t", "busybox:1.36"), indent="\t"))
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "tabs.json")
    lines = (tmp_path / "tabs.json").read_text().splitlines()
    line = next(i for i, s in enumerate(lines, 1) if '"image"' in s)
    col = lines[line - 1].index('"busybox') + 1
    assert run.json()["errors"] == []
    assert _ci(run.json()) == [("tabs.json", line, col, "t")]


def test_minified_json_positions_are_columns_on_line_one(cli, tmp_path: Path, isolated_config: Path) -> None:
    text = json.dumps(_deployment_dict("m", "busybox:1.36"))
    write(tmp_path, "min.json", text)
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "min.json")
    assert _ci(run.json()) == [("min.json", 1, text.index('"busybox') + 1, "m")]


def test_stdin_json_list_like_kubectl_get(cli, isolated_config: Path) -> None:
    """``kubectl get deploy -o json | crashlint lint -``: a JSON ``List`` on stdin."""
    items = [_deployment_dict("a", "nginx:1.27"), _deployment_dict("b", "busybox:1.36")]
    text = json.dumps({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items},
                      indent=4)
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "-", stdin=text.encode())
    lines = text.splitlines()
    line = next(i for i, s in enumerate(lines, 1) if '"busybox:1.36"' in s)
    assert run.code == 1
    assert _ci(run.json()) == [("<stdin>", line, lines[line - 1].index('"busybox') + 1, "b")]


def test_linting_dot_reports_paths_without_a_dot_prefix(cli, tmp_path: Path, isolated_config: Path) -> None:
    """GitHub matches annotation paths against the repository tree: ``apps/a.yaml``, not ``./apps/a.yaml``."""
    write(tmp_path, "apps/a.yaml", BUSYBOX_DEPLOYMENT)
    run = cli("lint", "-o", "github", "--config", str(isolated_config), ".")
    line, col = BUSYBOX_IMAGE_AT
    assert run.out.startswith(f"::error file=apps/a.yaml,line={line},col={col},")


HELM_TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "chart.fullname" . }}
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


@pytest.mark.parametrize("chart", ["", "charts/app"], ids=["chart-at-root", "nested-chart"])
def test_helm_chart_templates_are_skipped(cli, tmp_path: Path, isolated_config: Path, chart: str) -> None:
    """Go templates are not YAML yet: pre-commit must not fail on them (lint the rendered output)."""
    root = tmp_path / chart if chart else tmp_path
    write(root, "Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\n")
    tpl = write(root, "templates/deployment.yaml", HELM_TEMPLATE)
    rel = str(tpl.relative_to(tmp_path))
    for target in (rel, str(Path(rel).parent), "."):  # as pre-commit passes it, the directory, the repo
        run = cli("lint", "-o", "json", "--config", str(isolated_config), target)
        assert run.code == 0, (target, run.out)
        assert run.json()["errors"] == []


def test_a_templates_directory_without_chart_is_linted(cli, tmp_path: Path, isolated_config: Path) -> None:
    write(tmp_path, "templates/toolbox.yaml", BUSYBOX_DEPLOYMENT)
    run = cli("lint", "-o", "json", "--config", str(isolated_config), "templates/toolbox.yaml")
    assert run.code == 1 and _ci(run.json()) == [(str(Path("templates/toolbox.yaml")), *BUSYBOX_IMAGE_AT, "toolbox")]
