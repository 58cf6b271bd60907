"""Hostile and odd input: the linter reports, never crashes, never hangs, never executes.

Every case runs the real CLI. The property for all of them: exit code 0, 1 or 2, no traceback on
stderr, and every error names its file and a line. Small inputs are committed under
``tests/fixtures/hostile/``; large ones are generated into a temporary directory.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from lint_helpers import BUSYBOX_DEPLOYMENT, BUSYBOX_IMAGE_AT, FIXTURES_DIR, Run, run_cli, write

HOSTILE = FIXTURES_DIR / "hostile"


def _lint(path: Path, cwd: Path, *extra: str) -> Run:
    return run_cli("lint", "-o", "json", *extra, str(path), cwd=cwd)


def _ci(run: Run) -> list[tuple[int, int]]:
    return [(f["line"], f["column"]) for f in run.json()["findings"] if f["rule"] == "completes-immediately"]


@pytest.mark.parametrize("path", sorted(HOSTILE.glob("*.yaml")), ids=lambda p: p.name)
def test_property_no_crash_and_errors_are_located(path: Path, tmp_path: Path) -> None:
    run = _lint(path, tmp_path)  # run_cli asserts: exit code in {0, 1, 2}, no traceback
    report = run.json()
    assert (run.code == 2) == bool(report["errors"])
    for err in report["errors"]:
        assert err["file"] == str(path)
        assert isinstance(err["line"], int) and err["line"] >= 1, err
        assert err["message"] and "internal error" not in err["message"], err
    assert not (tmp_path / "crashlint-was-here").exists()


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    start = time.monotonic()
    run = _lint(HOSTILE / "billion-laughs.yaml", tmp_path)
    assert time.monotonic() - start < 20
    assert run.code == 2
    [err] = run.json()["errors"]
    assert "alias" in err["message"] and 5 <= err["line"] <= 14


def test_recursive_alias_is_refused_and_the_next_document_still_linted(tmp_path: Path) -> None:
    run = _lint(HOSTILE / "recursive-alias.yaml", tmp_path)
    assert run.code == 2
    [err] = run.json()["errors"]
    assert "recursive alias" in err["message"] and err["line"] == 2
    assert _ci(run) == [(3 + BUSYBOX_IMAGE_AT[0], BUSYBOX_IMAGE_AT[1])]


def test_binary_and_non_utf8_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    garbage = _lint(HOSTILE / "binary-garbage.yaml", tmp_path)
    assert garbage.code == 2 and "binary" in garbage.json()["errors"][0]["message"]
    latin1 = _lint(HOSTILE / "not-utf8.yaml", tmp_path)
    assert latin1.code == 2
    [err] = latin1.json()["errors"]
    assert "UTF-8" in err["message"] and err["line"] == 15


@pytest.mark.parametrize("name", ["utf16-bom.yaml", "utf8-bom.yaml"])
def test_byte_order_marks_are_linted_with_exact_positions(name: str, tmp_path: Path) -> None:
    run = _lint(HOSTILE / name, tmp_path)
    assert run.code == 1 and run.json()["errors"] == []
    assert _ci(run) == [BUSYBOX_IMAGE_AT]


def test_crlf_line_endings_keep_positions(tmp_path: Path) -> None:
    text = "# a comment line\r\n" + BUSYBOX_DEPLOYMENT.replace("\n", "\r\n")
    path = write(tmp_path, "crlf.yaml", text.encode())
    run = _lint(path, tmp_path)
    assert run.code == 1
    assert _ci(run) == [(BUSYBOX_IMAGE_AT[0] + 1, BUSYBOX_IMAGE_AT[1])]
    mixed = write(tmp_path, "mixed.yaml", ("---\r\n" + BUSYBOX_DEPLOYMENT + "---\r\n" + BUSYBOX_DEPLOYMENT).encode())
    second = 1 + BUSYBOX_DEPLOYMENT.count("\n") + 1
    assert _ci(_lint(mixed, tmp_path)) == [(1 + BUSYBOX_IMAGE_AT[0], BUSYBOX_IMAGE_AT[1]),
                                           (second + BUSYBOX_IMAGE_AT[0], BUSYBOX_IMAGE_AT[1])]


def test_tab_indentation_is_a_located_error(tmp_path: Path) -> None:
    run = _lint(HOSTILE / "tab-indented.yaml", tmp_path)
    assert run.code == 2
    [err] = run.json()["errors"]
    assert err["line"] == 7 and "invalid YAML" in err["message"]


def test_duplicate_keys_are_a_finding_at_the_second_key(tmp_path: Path) -> None:
    run = _lint(HOSTILE / "duplicate-keys.yaml", tmp_path)
    report = run.json()
    assert report["errors"] == []
    dups = [(f["line"], f["column"]) for f in report["findings"] if f["rule"] == "duplicate-key"]
    assert dups == [(5, 3)]
    assert report["findings"][0]["object"]["name"] == "toolbox-2"  # the last value wins, as in kubectl's decoders


def test_unquoted_equals_scalars_load(tmp_path: Path) -> None:
    run = _lint(HOSTILE / "equals-operator.yaml", tmp_path)
    assert run.json()["errors"] == []
    assert _ci(run) == [(21, 18)]


def test_python_tags_are_never_executed(tmp_path: Path) -> None:
    run = _lint(HOSTILE / "python-tag.yaml", tmp_path)
    assert _ci(run) == [BUSYBOX_IMAGE_AT]
    assert not (tmp_path / "crashlint-was-here").exists()


def test_nan_inf_and_huge_numbers_are_findings_not_crashes(tmp_path: Path) -> None:
    run = _lint(HOSTILE / "numbers.yaml", tmp_path)
    report = run.json()
    assert report["errors"] == []
    bad = {(f["line"], f["column"]) for f in report["findings"] if f["rule"] == "rejected-by-api"}
    assert {(27, 27), (27, 41)} <= bad  # limits cpu .nan, memory .inf: not quantities
    assert (24, 31) in bad  # liveness successThreshold .nan is not 1


def test_block_scalars_with_dashes_are_not_split(tmp_path: Path) -> None:
    run = _lint(HOSTILE / "block-scalar-dashes.yaml", tmp_path)
    report = run.json()
    assert run.code == 0 and report["errors"] == [] and report["findings"] == []
    assert report["summary"]["objects"] == 2


def test_wrong_types_in_every_field_read(tmp_path: Path) -> None:
    run = _lint(HOSTILE / "wrong-types.yaml", tmp_path)
    report = run.json()
    assert [e["message"] for e in report["errors"]] == []
    lines = {f["line"] for f in report["findings"] if f["rule"] == "rejected-by-api"}
    # restartPolicy, initContainers, volumes, name, command, args, ports, env, envFrom, resources,
    # readinessProbe, lifecycle, securityContext, volumeMounts, and the three non-object containers.
    for line in (15, 16, 17, 19, 22, 23, 26, 27, 28, 29, 31, 33, 34, 35, 36, 37, 38):
        assert line in lines, f"no rejected-by-api finding on line {line}"
    exact = {(f["line"], f["column"]) for f in report["findings"] if f["rule"] == "rejected-by-api"}
    # At the offending value: restartPolicy's list, limits.memory's list, the envFrom string.
    assert {(15, 22), (29, 40), (28, 20), (26, 18), (27, 16)} <= exact
    assert not any("NoneType" in f["message"] or "quote it (\"None\")" in f["message"] for f in report["findings"])
    assert 48 in lines  # containers: "x"
    assert 53 in lines  # spec: [1, 2]
    assert 63 in lines  # resources: []
    assert run.code == 1


# --- generated, large ----------------------------------------------------------------------------

def test_file_over_the_size_limit_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    line = "# " + "x" * 1022 + "\n"
    with open(path, "w") as fh:
        fh.write(BUSYBOX_DEPLOYMENT)
        fh.write(line * (70 * 1024))  # 70 MiB: above the 64 MiB default
    assert path.stat().st_size > 64 * 1024 * 1024
    start = time.monotonic()
    run = _lint(path, tmp_path)
    assert time.monotonic() - start < 30
    assert run.code == 2
    [err] = run.json()["errors"]
    assert err["file"] == str(path) and "larger than" in err["message"] and "max_file_bytes" in err["message"]
    # The limit is configurable.
    write(tmp_path, "big-config.yaml", "limits: {max_file_bytes: 100000000}\n")
    raised = _lint(path, tmp_path, "--config", "big-config.yaml")
    assert raised.json()["errors"] == [] and _ci(raised) == [BUSYBOX_IMAGE_AT]


def test_ten_thousand_document_stream_is_fast(tmp_path: Path, isolated_config: Path) -> None:
    # Every tenth document is the busybox Deployment, the others run nginx.
    docs = [BUSYBOX_DEPLOYMENT.replace("toolbox", f"t{i}").replace("busybox:1.36", "nginx:1.27" if i % 10 else "busybox:1.36")
            for i in range(10_000)]
    path = write(tmp_path, "stream.yaml", "---\n".join(docs))
    start = time.monotonic()
    run = _lint(path, tmp_path, "--config", str(isolated_config))
    elapsed = time.monotonic() - start
    report = run.json()
    assert report["summary"]["objects"] == 10_000
    assert len(_ci(run)) == 1_000
    # Document i starts after i documents and i separator lines.
    per_doc = BUSYBOX_DEPLOYMENT.count("\n") + 1
    assert _ci(run)[-1] == (9_990 * per_doc + BUSYBOX_IMAGE_AT[0], BUSYBOX_IMAGE_AT[1])
    assert elapsed < 30, f"10,000 documents took {elapsed:.1f} s"


@pytest.mark.parametrize("shape", ["flow", "json", "block"])
def test_deep_nesting_is_refused_without_recursion_errors(shape: str, tmp_path: Path) -> None:
    head = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n  x: "
    if shape == "flow":
        path = write(tmp_path, "deep.yaml", head + "[" * 10_000 + "]" * 10_000 + "\n")
    elif shape == "json":
        doc = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d"}, "data": ' + "[" * 10_000 + "]" * 10_000 + "}"
        path = write(tmp_path, "deep.json", doc)
    else:
        path = write(tmp_path, "deep-block.yaml", head + "\n" + "".join(" " * (i + 3) + "a:\n" for i in range(1_000)) + " " * 1_003 + "b\n")
    run = _lint(path, tmp_path)
    assert run.code == 2
    [err] = run.json()["errors"]
    assert err["file"] == str(path) and err["line"] >= 1
    assert "nest" in err["message"] or "deep" in err["message"]


def test_huge_scalar_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "scalar.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\ndata:\n  k: " + "x" * (5 * 1024 * 1024) + "\n")
    run = _lint(path, tmp_path)
    assert run.code == 2
    [err] = run.json()["errors"]
    assert err["line"] == 5 and "scalar" in err["message"]


def test_symlink_loop_in_a_directory_terminates_and_lints_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "apps/app.yaml", BUSYBOX_DEPLOYMENT)
    os.symlink("..", root / "apps" / "parent")
    os.symlink("loop-b", root / "loop-a")
    os.symlink("loop-a", root / "loop-b")
    start = time.monotonic()
    run = run_cli("lint", "-o", "json", "repo", cwd=tmp_path)
    assert time.monotonic() - start < 30
    report = run.json()
    files = [f["file"] for f in report["findings"] if f["rule"] == "completes-immediately"]
    assert files == [str(Path("repo/apps/app.yaml"))]
    assert all("loop" in e["message"] or "link" in e["message"] for e in report["errors"]), report["errors"]


def test_failing_explicit_tags_are_errors_per_document(tmp_path: Path) -> None:
    run = _lint(HOSTILE / "explicit-tags.yaml", tmp_path)
    report = run.json()
    assert run.code == 2
    # One located error per broken document (documents span lines 1-7, 9-13, 15-19, 21-25) ...
    spans = [(1, 7), (9, 13), (15, 19), (21, 25)]
    lines = sorted(e["line"] for e in report["errors"])
    assert len(lines) == 4 and all(lo <= line <= hi for line, (lo, hi) in zip(lines, spans)), lines
    # ... and the last document, with a harmless `!!str`, is linted.
    assert _ci(run) == [(40, 18)]
