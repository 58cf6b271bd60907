"""``crashlint fix`` end to end: real lint, real files, output compared byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crashlint.cli import main

CLI = Path(__file__).parent.parent / "fixtures" / "fixer" / "cli"
RULE = ["--rule", "completes-immediately"]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with the fixtures and an empty config (no .crashlint.yaml from above)."""
    for f in CLI.iterdir():
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / ".crashlint.yaml").write_text("")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", ["commented.yaml", "list.yaml", "pod.json", "twins.yaml"])
def test_diff_matches_expected_and_writes_nothing(work: Path, name: str, capsys: pytest.CaptureFixture) -> None:
    before = (work / name).read_bytes()
    assert main(["fix", "--diff", *RULE, name]) == 1
    out = capsys.readouterr()
    assert out.out == (CLI / (Path(name).stem + ".diff")).read_text()
    assert "would apply" in out.err
    assert (work / name).read_bytes() == before


def test_fix_writes_expected_bytes_and_is_idempotent(work: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["fix", *RULE, "commented.yaml"]) == 1
    assert (work / "commented.yaml").read_bytes() == (CLI / "commented.fixed.yaml").read_bytes()
    assert capsys.readouterr().err == "crashlint: applied 2 fixes in 1 file\n"
    assert main(["fix", *RULE, "commented.yaml"]) == 0
    out = capsys.readouterr()
    assert out.out == "" and out.err == "crashlint: nothing to fix\n"
    assert (work / "commented.yaml").read_bytes() == (CLI / "commented.fixed.yaml").read_bytes()
    assert main(["fix", "--diff", *RULE, "commented.yaml"]) == 0
    assert capsys.readouterr().out == ""


def test_fixed_file_no_longer_has_the_finding(work: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["lint", "-o", "json", "commented.yaml"]) == 1
    assert '"completes-immediately"' in capsys.readouterr().out
    main(["fix", *RULE, "commented.yaml"])
    capsys.readouterr()
    main(["lint", "-o", "json", "commented.yaml"])
    assert '"completes-immediately"' not in capsys.readouterr().out


def test_untouched_documents_stay_byte_identical(work: Path) -> None:
    original = (work / "commented.yaml").read_text()
    main(["fix", *RULE, "commented.yaml"])
    fixed = (work / "commented.yaml").read_text()
    head = original[: original.index("# The toolbox deployment.")]
    assert fixed.startswith(head)
    assert "  MODE: \"yes\"        # a string, not a boolean\n" in fixed
    assert "      enableServiceLinks: False   # odd casing, left alone\n" in fixed


def test_directories_are_walked(work: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["fix", "--diff", *RULE, "."]) == 1
    out = capsys.readouterr()
    for name in ("commented.yaml", "list.yaml", "pod.json", "twins.yaml"):
        assert f"--- a/{name}\n" in out.out
    assert "commented.fixed.yaml" not in out.out  # already fixed: nothing to change
    assert out.err == "crashlint: would apply 7 fixes in 4 files\n"


def test_rule_filter_leaves_other_rules_fixes_out(work: Path, capsys: pytest.CaptureFixture) -> None:
    before = (work / "commented.yaml").read_bytes()
    assert main(["fix", "--rule", "image-tag-mutable,missing-secret", "commented.yaml"]) == 0
    assert (work / "commented.yaml").read_bytes() == before
    assert capsys.readouterr().err == "crashlint: nothing to fix\n"


def test_clean_manifest_exits_zero_and_is_untouched(work: Path, capsys: pytest.CaptureFixture) -> None:
    p = work / "clean.yaml"
    p.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c  # comment\ndata: {a: b}\n")
    before = p.read_bytes()
    assert main(["fix", "clean.yaml"]) == 0
    assert p.read_bytes() == before
    assert capsys.readouterr().out == ""


def test_unreadable_input_exits_two_but_fixes_the_rest(work: Path, capsys: pytest.CaptureFixture) -> None:
    (work / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")
    assert main(["fix", *RULE, "broken.yaml", "twins.yaml"]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml" in err and "applied 3 fixes in 1 file" in err
    assert "command: [tail, -f, /dev/null]" in (work / "twins.yaml").read_text()


@pytest.mark.parametrize("argv, message", [
    (["fix", "-"], "cannot read stdin"),
    (["fix", "--rule", "no-such-rule", "x.yaml"], "unknown rule"),
])
def test_usage_errors_exit_two(work: Path, capsys: pytest.CaptureFixture, argv: list[str], message: str) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_missing_path_exits_two(work: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["fix", "nowhere.yaml"]) == 2
    assert "nowhere.yaml" in capsys.readouterr().err


def test_suppressed_findings_are_not_fixed(work: Path, capsys: pytest.CaptureFixture) -> None:
    p = work / "ignored.yaml"
    p.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: keep\n  annotations:\n"
                 "    crashlint.io/ignore: completes-immediately\n"
                 "    crashlint.io/ignore-reason: exits on purpose, restarts are the test\n"
                 "spec:\n  containers:\n    - name: a\n      image: busybox\n")
    before = p.read_bytes()
    assert main(["fix", *RULE, "ignored.yaml"]) == 0
    assert p.read_bytes() == before


@pytest.mark.parametrize("name", ["probes.yaml", "commented.yaml", "twins.yaml"])
def test_every_rule_together_fixes_once(work: Path, capsys: pytest.CaptureFixture, name: str) -> None:
    """All rules' fixes at once: the first run changes the file, the second run changes nothing."""
    before = (work / name).read_text()
    assert main(["fix", name]) == 1
    once = (work / name).read_text()
    assert once != before
    assert main(["fix", name]) == 0
    assert (work / name).read_text() == once
    assert "not applied" not in capsys.readouterr().err
