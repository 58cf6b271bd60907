"""Helpers of the CLI-level suites: run the real ``crashlint`` command line in a subprocess, the way
pre-commit and CI do, and the manifests most tests share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crashlint.settings.policy import load_policies

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"

BUSYBOX_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: toolbox
spec:
  selector:
    matchLabels: {app: toolbox}
  template:
    metadata:
      labels: {app: toolbox}
    spec:
      containers:
        - name: toolbox
          image: busybox:1.36
"""

# One warning (an untagged image in an init container, line 14:18), one info (a long sleep, 19:11)
# and one error (the busybox container kept from BUSYBOX_DEPLOYMENT, 21:18).
MIXED = BUSYBOX_DEPLOYMENT.replace("      containers:\n", """\
      initContainers:
        - name: fetch
          image: registry.example.com/fetch
          command: ["/fetch"]
      containers:
        - name: napper
          image: busybox:1.36
          command: ["sleep", "3600"]
""")
# Line/column of ``busybox:1.36`` above: where completes-immediately points.
BUSYBOX_IMAGE_AT = (14, 18)

CLEAN_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27.2
          ports: [{name: http, containerPort: 80}]
          readinessProbe:
            httpGet: {path: /, port: http}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 128Mi}
"""


@dataclass
class Run:
    """A finished CLI run."""

    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.out)


def run_cli(*args: str, cwd: Path, stdin: bytes | None = None, timeout: float = 120) -> Run:
    """``python -m crashlint ARGS`` in ``cwd``; asserts the two properties every run must keep."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.run([sys.executable, "-m", "crashlint", *args], cwd=cwd, input=stdin or b"",
                          capture_output=True, timeout=timeout, env=env)
    out, err = proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    assert proc.returncode in (0, 1, 2), (proc.returncode, err)
    return Run(proc.returncode, out, err)


def write(root: Path, rel: str, text: str | bytes) -> Path:
    """Create ``root/rel`` (dedenting text) with its parent directories."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def cli(tmp_path: Path):
    """``cli(*args, stdin=b"...")`` runs in a fresh working directory (``tmp_path``)."""
    def _run(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> Run:
        return run_cli(*args, cwd=cwd or tmp_path, stdin=stdin)
    return _run


# The rules of issue 2; the CLI tests switch the others off so that rules added later (by other
# issues) cannot change the exit codes and counts these tests assert.
ISSUE2_RULES = ("completes-immediately", "command-not-executable", "image-reference-invalid",
                "image-tag-mutable", "image-pull-never", "rejected-by-api")


def isolated_config_text(**overrides: str) -> str:
    """Config text turning the rules of other issues off, plus ``rule=value`` overrides."""
    lines = [f"  {rid}: off\n" for rid in sorted(set(load_policies().rules) - set(ISSUE2_RULES))]
    lines += [f"  {rid.replace('_', '-')}: {value}\n" for rid, value in overrides.items()]
    return "rules:\n" + "".join(lines)


@pytest.fixture
def isolated_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config file (outside the linted tree) that turns every rule but issue 2's off."""
    path = tmp_path_factory.mktemp("isolated-config") / "crashlint.yaml"
    path.write_text(isolated_config_text())
    return path
