"""Fixes of findings applied to files: object look-up, conflicts, refusals, encodings, writing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from crashlint.model.findings import Finding
from crashlint.fixer.apply import WriteRefused, fix_file, fix_findings, unified_diff, write_fixed

TWO_DOCS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}   # untouched
data: {a: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
spec:
  template:
    spec:
      containers:
        - name: web
          image: example.com/web:1   # keep
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
            failureThreshold: 1
"""
WEB = {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "prod", "name": "web"}
THRESHOLD = "/spec/template/spec/containers/0/livenessProbe/failureThreshold"


def finding(path: Path, fix: Any, rule: str = "liveness-too-aggressive", line: int = 16,
            obj: dict[str, Any] | None = None) -> Finding:
    return Finding(rule=rule, severity="warning", cause="probe", message="m", file=str(path), line=line,
                   column=1, object=obj or WEB, container="web", path="", fix=fix)


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    p = tmp_path / "m.yaml"
    p.write_text(TWO_DOCS)
    return p


def test_one_fix_changes_one_line(manifest: Path) -> None:
    result = fix_file(str(manifest), [finding(manifest, [{"op": "replace", "path": THRESHOLD, "value": 3}])])
    assert result.skipped == []
    assert result.fixed == TWO_DOCS.replace("failureThreshold: 1", "failureThreshold: 3")
    assert manifest.read_text() == TWO_DOCS  # planning writes nothing


def test_conflicting_fixes_keep_the_first(manifest: Path) -> None:
    first = finding(manifest, [{"op": "replace", "path": THRESHOLD, "value": 3}])
    second = finding(manifest, [{"op": "replace", "path": THRESHOLD, "value": 5}], rule="other-rule")
    result = fix_file(str(manifest), [first, second])
    assert result.applied == [first]
    assert [s.finding for s in result.skipped] == [second]
    assert "conflicts with the fix of liveness-too-aggressive" in result.skipped[0].reason
    assert "failureThreshold: 3\n" in result.fixed


def test_a_fix_replacing_a_parent_of_another_fix_conflicts(manifest: Path) -> None:
    probe = "/spec/template/spec/containers/0/livenessProbe"
    a = finding(manifest, [{"op": "replace", "path": THRESHOLD, "value": 3}])
    b = finding(manifest, [{"op": "remove", "path": probe}], rule="other-rule")
    result = fix_file(str(manifest), [a, b])
    assert result.applied == [a] and [s.finding for s in result.skipped] == [b]


def test_identical_fixes_from_two_findings_both_apply(manifest: Path) -> None:
    ops = [{"op": "replace", "path": THRESHOLD, "value": 3}]
    a, b = finding(manifest, ops), finding(manifest, ops, rule="other-rule")
    result = fix_file(str(manifest), [a, b])
    assert result.skipped == [] and len(result.applied) == 2
    assert result.fixed.count("failureThreshold: 3") == 1


@pytest.mark.parametrize("fix, reason", [
    ([{"op": "replace", "path": "/spec/template/spec/nodeName", "value": "n"}], "does not apply"),
    ([{"op": "test", "path": THRESHOLD, "value": 2}, {"op": "replace", "path": THRESHOLD, "value": 3}],
     "does not apply"),
    ([{"op": "replace", "path": THRESHOLD, "value": 1}], "changes nothing"),
    ([{"path": THRESHOLD}], "does not apply"),
    ("not a patch", "not a list"),
])
def test_fixes_that_do_not_fit_leave_the_file_alone(manifest: Path, fix: Any, reason: str) -> None:
    result = fix_file(str(manifest), [finding(manifest, fix)])
    assert not result.changed and result.applied == []
    assert reason in result.skipped[0].reason


def test_a_finding_whose_object_left_the_file_is_skipped(manifest: Path) -> None:
    gone = finding(manifest, [{"op": "replace", "path": THRESHOLD, "value": 3}], obj={**WEB, "name": "api"})
    result = fix_file(str(manifest), [gone])
    assert not result.changed and "no longer in the file" in result.skipped[0].reason


def test_missing_and_non_utf8_files_are_reported(tmp_path: Path) -> None:
    missing = tmp_path / "gone.yaml"
    result = fix_file(str(missing), [finding(missing, [{"op": "add", "path": "/x", "value": 1}])])
    assert "cannot read" in result.skipped[0].reason
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(TWO_DOCS.replace("keep", "k\xe9ep").encode("latin-1"))
    result = fix_file(str(latin), [finding(latin, [{"op": "replace", "path": THRESHOLD, "value": 3}])])
    assert "UTF-8" in result.skipped[0].reason and not result.changed


def test_duplicate_keys_are_not_rewritten(tmp_path: Path) -> None:
    p = tmp_path / "dup.yaml"
    p.write_text(TWO_DOCS.replace("  namespace: prod\n", "  namespace: prod\n  namespace: prod\n"))
    result = fix_file(str(p), [finding(p, [{"op": "replace", "path": THRESHOLD, "value": 3}], line=17)])
    assert not result.changed and "round-tripped" in result.skipped[0].reason


def test_bom_crlf_and_missing_final_newline_survive(tmp_path: Path) -> None:
    p = tmp_path / "win.yaml"
    original = "\ufeff" + TWO_DOCS.rstrip("\n").replace("\n", "\r\n")
    p.write_bytes(original.encode("utf-8"))
    result = fix_file(str(p), [finding(p, [{"op": "add", "path": "/spec/template/spec/containers/0/livenessProbe"
                                                          "/periodSeconds", "value": 10}])])
    assert result.fixed == original + "\r\n            periodSeconds: 10"


def test_findings_without_fix_are_ignored(manifest: Path) -> None:
    assert fix_findings([finding(manifest, None)]) == []


def test_diff_is_git_style_and_marks_missing_final_newline(tmp_path: Path) -> None:
    p = tmp_path / "n.yaml"
    p.write_text(TWO_DOCS.rstrip("\n"))
    result = fix_file(str(p), [finding(p, [{"op": "replace", "path": THRESHOLD, "value": 3}])])
    diff = unified_diff(result)
    # An absolute path outside the working directory keeps no a/ b/ prefix (no "a//tmp/..." headers).
    assert diff.startswith(f"--- {p.as_posix()}\n+++ {p.as_posix()}\n@@ ")
    assert diff.endswith("-            failureThreshold: 1\n\\ No newline at end of file\n"
                         "+            failureThreshold: 3\n\\ No newline at end of file\n")


def test_write_keeps_mode_and_refuses_symlinks(tmp_path: Path, manifest: Path) -> None:
    """A link's target may be anyone's file: never rewritten through the link (issue 9)."""
    os.chmod(manifest, 0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(manifest)
    before = manifest.read_text()
    result = fix_file(str(link), [finding(link, [{"op": "replace", "path": THRESHOLD, "value": 3}])])
    with pytest.raises(WriteRefused, match="symbolic link"):
        write_fixed(result)
    assert link.is_symlink() and manifest.read_text() == before
    direct = fix_file(str(manifest), [finding(manifest, [{"op": "replace", "path": THRESHOLD, "value": 3}])])
    write_fixed(direct)
    assert manifest.read_text() == direct.fixed
    assert os.stat(manifest).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.yaml", "m.yaml"]


def test_a_refused_multi_op_fix_leaves_no_trace(manifest: Path) -> None:
    """Half of a failing patch must not stay applied, nor block a later fix of the same place."""
    broken = finding(manifest, [{"op": "replace", "path": THRESHOLD, "value": 9},
                                {"op": "replace", "path": "/spec/missing/x", "value": 1}])
    later = finding(manifest, [{"op": "replace", "path": THRESHOLD, "value": 3}], rule="other-rule", line=17)
    result = fix_file(str(manifest), [broken, later])
    assert result.applied == [later] and [s.finding for s in result.skipped] == [broken]
    assert result.fixed == TWO_DOCS.replace("failureThreshold: 1", "failureThreshold: 3")
    assert broken.fix[0]["path"] == THRESHOLD  # the finding's own patch is not rebased in place


def test_fixes_building_on_each_other_apply_once(manifest: Path) -> None:
    """A list created by one fix and appended to by another holds the item once, not twice."""
    container = "/spec/template/spec/containers/0"
    create = finding(manifest, [{"op": "add", "path": f"{container}/args", "value": []}])
    append = finding(manifest, [{"op": "add", "path": f"{container}/args/-", "value": "--x"}], rule="other-rule",
                     line=17)
    result = fix_file(str(manifest), [create, append])
    assert result.skipped == [] and len(result.applied) == 2
    assert "            failureThreshold: 1\n          args: [--x]\n" in result.fixed
