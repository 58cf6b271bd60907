"""`crashlint fix` never applies a fix found in a kustomize build to a source file.

The fix's paths address the built object. A strategic-merge patch that names a container puts it
first, so the built `containers/0` (busybox, which completes at once) is the base file's
`containers/1`; applied to the base, the keep-alive command would land on nginx.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "fixer" / "kustomize-reordered"


def _crashlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crashlint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_a_fix_of_a_built_object_is_refused_and_the_files_stay(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(FIXTURE, tree)
    before = {p: p.read_bytes() for p in tree.rglob("*.yaml")}
    finding = json.loads(_crashlint("lint", ".", "-o", "json", cwd=tree).stdout)["findings"]
    (busybox,) = [f for f in finding if f["rule"] == "completes-immediately"]
    assert busybox["path"] == "/spec/template/spec/containers/0/image" and busybox["overlays"] == ["overlay"]
    assert busybox["file"] == "base/deployment.yaml"
    proc = _crashlint("fix", ".", cwd=tree)
    assert proc.returncode == 0, proc.stderr
    assert "found in a kustomize build" in proc.stderr
    assert {p: p.read_bytes() for p in tree.rglob("*.yaml")} == before
