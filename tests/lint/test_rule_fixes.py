"""Fixes and messages of the issue-2 rules.

Every fix a rule offers claims to be safe to apply mechanically; the strongest check of that
claim is to apply it: each RFC 6902 patch is applied to its object (with ``jsonpatch``), the
object is linted again, and the finding must be gone without any new issue-2 finding appearing.
"""

from __future__ import annotations

from pathlib import Path

import jsonpatch
import pytest
import yaml

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from crashlint.sources.loader import load_text

from lint_helpers import BUSYBOX_DEPLOYMENT, FIXTURES_DIR, ISSUE2_RULES

POSITIVES = sorted((FIXTURES_DIR / "lint").glob("*/pos-*.yaml"))


def _findings(path: Path) -> list:
    return [f for f in lint_paths([str(path)], load_settings(raw={})).findings if f.rule in ISSUE2_RULES]


def _key(f) -> tuple[str, str, str, str | None]:
    return (f.object["kind"], f.object["name"], f.rule, f.path)


def _fixable() -> list[tuple[Path, int]]:
    return [(p, i) for p in POSITIVES for i, f in enumerate(_findings(p)) if f.fix]


@pytest.mark.parametrize("path, index", _fixable(), ids=lambda v: v.name if isinstance(v, Path) else str(v))
def test_applying_a_fix_removes_the_finding(path: Path, index: int, tmp_path: Path) -> None:
    before = _findings(path)
    finding = before[index]
    objects = load_text(path.name, path.read_text()).objects
    [obj] = [o for o in objects if o.kind == finding.object["kind"] and o.name == finding.object["name"]]
    patched = jsonpatch.apply_patch(obj.data, finding.fix)
    out = tmp_path / "fixed.yaml"
    out.write_text(yaml.safe_dump(patched, sort_keys=False))
    after = {_key(f) for f in _findings(out)}
    same_object = {_key(f) for f in before if (f.object["kind"], f.object["name"]) == (obj.kind, obj.name)}
    assert _key(finding) not in after, f"{finding.rule} still reported after its fix {finding.fix}"
    assert after <= same_object, f"the fix introduced new findings: {sorted(after - same_object)}"


def test_fixes_are_offered_where_they_are_safe() -> None:
    by_rule = {f.rule: f for p in POSITIVES for f in _findings(p) if f.fix}
    assert {"completes-immediately", "command-not-executable", "image-pull-never", "rejected-by-api",
            "image-reference-invalid"} <= set(by_rule)


def test_a_quoted_argument_stays_whole_in_the_fix_and_the_message(tmp_path: Path) -> None:
    text = BUSYBOX_DEPLOYMENT.replace("image: busybox:1.36", "image: nginx:1.27\n          command: [\"nginx -g 'daemon off;'\"]")
    path = tmp_path / "quoted.yaml"
    path.write_text(text)
    [finding] = [f for f in _findings(path) if f.rule == "command-not-executable"]
    assert finding.fix is not None and finding.fix[0]["value"] == ["nginx", "-g", "daemon off;"]
    assert '["nginx", "-g", "daemon off;"]' in finding.message and "'daemon" not in finding.message.split("per word")[1]


def test_no_fix_when_splitting_needs_a_shell(tmp_path: Path) -> None:
    text = BUSYBOX_DEPLOYMENT.replace("image: busybox:1.36", "image: python:3.12\n          command: [\"python $APP_MAIN\"]")
    path = tmp_path / "variable.yaml"
    path.write_text(text)
    [finding] = [f for f in _findings(path) if f.rule == "command-not-executable"]
    assert finding.fix is None  # $APP_MAIN is expanded only by a shell
    assert '["sh", "-c", "python $APP_MAIN"]' in finding.message


def test_no_keepalive_fix_for_images_without_a_shell(tmp_path: Path) -> None:
    path = tmp_path / "hello.yaml"
    path.write_text(BUSYBOX_DEPLOYMENT.replace("busybox:1.36", "hello-world:linux"))
    [finding] = [f for f in _findings(path) if f.rule == "completes-immediately"]
    assert finding.fix is None


def test_completes_immediately_message_explains_the_loop() -> None:
    [finding] = _findings(FIXTURES_DIR / "lint" / "completes-immediately" / "pos-deployment-busybox.yaml")
    msg = finding.message
    for needle in ("code 0", "Deployment", "CrashLoopBackOff", "Job", "busybox:1.36"):
        assert needle in msg, needle
    assert finding.container == "toolbox" and finding.cause == "invalid-command"


def test_messages_are_single_line() -> None:
    """Text output is one finding per line; a script quoted verbatim must not break it."""
    paths = sorted((FIXTURES_DIR / "lint").glob("*/*.yaml"))
    multi = [f"{p.name}:{f.line}: {f.message!r}" for p in paths for f in _findings(p) if "\n" in f.message]
    assert multi == []


@pytest.mark.parametrize("command", [["false"], ["sh", "-c", "echo failing; exit 3"]])
def test_failing_commands_are_not_described_as_exit_code_0(command: list[str], tmp_path: Path) -> None:
    """`false` and `exit 3` end, but with a non-zero code: the crash loop is real, "code 0" is not."""
    path = tmp_path / "failing.yaml"
    path.write_text(BUSYBOX_DEPLOYMENT + f"          command: {command!r}\n".replace("'", '"'))
    findings = [f for f in _findings(path) if f.rule == "completes-immediately"]
    assert findings == [] or all("code 0" not in f.message and "Completed" not in f.message for f in findings)
