"""Output formats of ``crashlint lint``: JSON exactly as DESIGN.md, SARIF valid against the official
2.1.0 schema, JUnit as XML CI servers read, GitHub workflow commands with their escaping."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from lint_helpers import BUSYBOX_DEPLOYMENT, BUSYBOX_IMAGE_AT, CLEAN_DEPLOYMENT, FIXTURES_DIR, MIXED, Run, write

SARIF_SCHEMA = json.loads((FIXTURES_DIR / "schemas" / "sarif-2.1.0-rtm.5.json").read_text())

FINDING_KEYS = {"rule", "severity", "cause", "message", "file", "line", "column", "object", "container", "path"}
OBJECT_KEYS = {"apiVersion", "kind", "namespace", "name"}



@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path, "mixed.yaml", MIXED)
    write(tmp_path, "clean.yaml", CLEAN_DEPLOYMENT)
    write(tmp_path, "broken.yaml", "apiVersion: v1\nkind: ConfigMap\ndata: {a: [1}\n")
    return tmp_path


def _run(cli, config: Path, fmt: str, *paths: str) -> Run:
    return cli("lint", "-o", fmt, "--config", str(config), *paths)


def test_json_shape_matches_design(cli, project: Path, isolated_config: Path) -> None:
    run = _run(cli, isolated_config, "json", "mixed.yaml", "clean.yaml", "broken.yaml")
    assert run.code == 2
    doc = run.json()
    assert {"version", "findings", "errors", "summary"} <= set(doc)
    assert doc["version"] == 1
    assert doc["summary"] == {"files": 3, "objects": 2, "error": 1, "warning": 1, "info": 1, "skipped": 0,
                              "hidden": 0}
    assert doc["skipped"] == []
    assert doc["errors"] == [{"file": "broken.yaml", "line": 3, "message": doc["errors"][0]["message"]}]
    assert "invalid YAML" in doc["errors"][0]["message"]
    for f in doc["findings"]:
        assert FINDING_KEYS <= set(f) <= FINDING_KEYS | {"fix"}, sorted(f)
        assert set(f["object"]) == OBJECT_KEYS
        assert isinstance(f["line"], int) and isinstance(f["column"], int) and f["line"] >= 1 and f["column"] >= 1
        assert f["severity"] in ("error", "warning", "info")
        assert f["path"].startswith("/spec/template/spec/")
        if "fix" in f:
            assert all({"op", "path"} <= set(op) and op["op"] in ("add", "replace", "remove") for op in f["fix"])
    assert [(f["rule"], f["line"], f["column"]) for f in doc["findings"]] == [
        ("image-tag-mutable", 14, 18), ("completes-immediately", 19, 11), ("completes-immediately", 21, 18)]
    tag = doc["findings"][0]
    assert tag == {
        "rule": "image-tag-mutable", "severity": "warning", "cause": "image-pull", "message": tag["message"],
        "file": "mixed.yaml", "line": 14, "column": 18,
        "object": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "default", "name": "toolbox"},
        "container": "fetch", "path": "/spec/template/spec/initContainers/0/image",
    }
    sleep = [f for f in doc["findings"] if f["rule"] == "completes-immediately"]
    assert [(f["severity"], f["container"], f["path"]) for f in sleep] == [
        ("info", "napper", "/spec/template/spec/containers/0/command"),
        ("error", "toolbox", "/spec/template/spec/containers/1/image")]


def test_json_fix_is_an_rfc6902_patch_relative_to_the_object(cli, tmp_path: Path, isolated_config: Path) -> None:
    write(tmp_path, "app.yaml", BUSYBOX_DEPLOYMENT)
    [finding] = _run(cli, isolated_config, "json", "app.yaml").json()["findings"]
    assert finding["fix"] == [{"op": "add", "path": "/spec/template/spec/containers/0/command",
                               "value": ["tail", "-f", "/dev/null"]}]
    assert "code 0" in finding["message"] and "CrashLoopBackOff" in finding["message"]


def test_sarif_validates_against_the_official_schema(cli, project: Path, isolated_config: Path) -> None:
    run = _run(cli, isolated_config, "sarif", "mixed.yaml", "clean.yaml", "broken.yaml")
    doc = run.json()
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    assert doc["version"] == "2.1.0"
    [sarif_run] = doc["runs"]
    driver = sarif_run["tool"]["driver"]
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    for rid in ("completes-immediately", "command-not-executable", "image-reference-invalid",
                "image-tag-mutable", "image-pull-never", "rejected-by-api"):
        assert rid in ids
        rule = rules[ids.index(rid)]
        assert rule["help"]["text"].strip() and rule["shortDescription"]["text"].strip()
    results = sarif_run["results"]
    plain = _run(cli, isolated_config, "json", "mixed.yaml", "clean.yaml", "broken.yaml").json()
    assert len(results) == len(plain["findings"]) == 3
    expected = sorted((f["rule"], f["file"], f["line"], f["column"]) for f in plain["findings"])
    got = []
    for res in results:
        loc = res["locations"][0]["physicalLocation"]
        got.append((res["ruleId"], loc["artifactLocation"]["uri"], loc["region"]["startLine"],
                    loc["region"]["startColumn"]))
        assert ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
    assert sorted(got) == expected
    levels = {res["ruleId"] + ":" + res["level"] for res in results}
    assert "image-tag-mutable:warning" in levels and "completes-immediately:note" in levels
    notes = sarif_run["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == ["broken.yaml"]
    assert sarif_run["invocations"][0]["executionSuccessful"] is False


def test_sarif_of_a_clean_run_is_valid(cli, project: Path, isolated_config: Path) -> None:
    doc = _run(cli, isolated_config, "sarif", "clean.yaml").json()
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    assert doc["runs"][0]["results"] == []


def test_sarif_schema_rejects_a_broken_document() -> None:
    """The schema file is the real one: it refuses what SARIF consumers refuse."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate({"version": "2.1.0", "runs": [{"results": []}]})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate({"version": "2.0.0", "runs": []})


def test_junit_is_xml_with_failure_counts(cli, project: Path, isolated_config: Path) -> None:
    run = _run(cli, isolated_config, "junit", "mixed.yaml", "clean.yaml", "broken.yaml")
    assert run.code == 2
    root = ET.fromstring(run.out.encode())
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    failures = [f for s in suites for f in s.iter("failure")]
    assert len(failures) == 2  # the error and the warning; the info finding passes, with its text
    assert sum(int(s.get("failures")) for s in suites) == 2
    assert sum(int(s.get("errors")) for s in suites) == 1
    assert any("broken.yaml" in (e.get("message") or "") for s in suites for e in s.iter("error"))
    messages = " ".join(f.get("message") for f in failures)
    for where in ("mixed.yaml:14:18", "mixed.yaml:21:18"):
        assert where in messages
    assert sorted(f.get("type") for f in failures) == ["error", "warning"]
    outputs = " ".join(o.text or "" for s in suites for o in s.iter("system-out"))
    assert "mixed.yaml:19:11" in outputs
    clean = ET.fromstring(_run(cli, isolated_config, "junit", "clean.yaml").out.encode())
    assert not list(clean.iter("failure")) and len(list(clean.iter("testcase"))) >= 1


def test_github_annotations(cli, project: Path, isolated_config: Path) -> None:
    # Info findings become notices when listed; -o github leaves them out unless asked.
    default = _run(cli, isolated_config, "github", "mixed.yaml").out.splitlines()
    assert not any(s.startswith("::notice ") for s in default) and default[-1].startswith("crashlint: 1 error(s)")
    run = _run(cli, isolated_config, "github", "--min-severity", "info", "mixed.yaml", "broken.yaml")
    lines = run.out.splitlines()
    assert any(s.startswith("::warning file=mixed.yaml,line=14,col=18,title=") for s in lines), lines
    assert any(s.startswith("::notice file=mixed.yaml,line=19,col=11,title=") for s in lines), lines
    assert any(s.startswith("::error file=mixed.yaml,line=21,col=18,title=") for s in lines), lines
    assert any(s.startswith("::error file=broken.yaml,line=3") for s in lines)
    for s in lines:
        if s.startswith("::"):
            head, _, msg = s[2:].partition("::")
            assert msg and "\n" not in msg
            level, _, props = head.partition(" ")
            assert level in ("error", "warning", "notice")
            keys = [p.split("=", 1)[0] for p in props.split(",")]
            assert keys[0] == "file" and "title" in keys


def test_github_annotations_escape_properties_and_data(cli, tmp_path: Path, isolated_config: Path) -> None:
    # A container name with %, a newline, a comma and a colon; a file name with a comma and a colon.
    text = BUSYBOX_DEPLOYMENT.replace("- name: toolbox", '- name: "tool%box\\nx,y:z"')
    write(tmp_path, "odd,name:v1.yaml", text)
    run = cli("lint", "-o", "github", "--config", str(isolated_config), "odd,name:v1.yaml")
    errors = [s for s in run.out.splitlines() if s.startswith("::error ")]
    # The name is no DNS-1123 label either: the API server refuses it, said in its own annotation.
    assert any("rejected-by-api" in s for s in errors), errors
    [annotation] = [s for s in errors if "completes-immediately" in s]
    line, col = BUSYBOX_IMAGE_AT
    assert annotation.startswith(f"::error file=odd%2Cname%3Av1.yaml,line={line},col={col},title=")
    props, _, msg = annotation[len("::error "):].partition("::")
    assert "tool%25box%0Ax,y:z" in msg  # data: %, CR, LF escaped; ',' and ':' kept
    title = dict(p.split("=", 1) for p in props.split(","))["title"]
    assert "completes-immediately" in title and ":" not in title and "," not in title
