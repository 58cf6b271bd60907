"""Every rule has its policy and documentation, and the other way round."""

import subprocess
import sys

from crashlint.policy import load_policies
from crashlint.rules import all_rules

CAUSES = {"application", "invalid-command", "resources", "config", "image-pull", "init-containers", "probes",
          "dependencies", "networking", "any"}


def test_rule_modules_and_policies_match():
    assert set(all_rules()) == set(load_policies().rules)


def test_every_policy_is_complete():
    for meta in load_policies().rules.values():
        assert meta.cause in CAUSES, meta.id
        assert meta.severity in ("error", "warning", "info"), meta.id
        for field in ("summary", "symptom", "explanation", "example", "fix"):
            assert getattr(meta, field).strip(), f"{meta.id}: {field} is empty"


def test_explain_prints_every_rule():
    for rid in all_rules():
        out = subprocess.run([sys.executable, "-m", "crashlint", "explain", rid], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert rid in out.stdout and "Fix:" in out.stdout and "What you see in the cluster" in out.stdout
