"""Every rule has its policy and documentation, and the other way round."""

import subprocess
import sys

from crashlint.settings.policy import load_policies
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


# --- typed parameters (issue 12): declared once, in the policy ---------------------------------

def test_every_parameter_is_declared_with_type_default_and_doc():
    from crashlint.settings.policy import PARAM_TYPES
    for meta in load_policies().rules.values():
        assert set(meta.params) == set(meta.param_specs), meta.id
        for name, spec in meta.param_specs.items():
            assert spec.type in PARAM_TYPES and spec.doc.strip(), (meta.id, name)
            assert spec.problem(spec.default) is None, (meta.id, name)  # the default is a valid value
            assert meta.params[name] == spec.default


def test_malformed_declarations_are_refused_when_the_policies_load():
    import pytest

    from crashlint.settings.policy import param_specs
    for raw, needle in [
        ({"x": 5}, "expected {type:"),  # the old untyped form
        ({"x": {"type": "float", "default": 1, "doc": "d"}}, "expected {type:"),
        ({"x": {"type": "number", "default": 1}}, "expected {type:"),  # no doc
        ({"x": {"type": "number", "default": 1, "doc": "d", "maximum": 3}}, "unknown keys maximum"),
        ({"x": {"type": "number", "default": 0, "doc": "d", "min": 1}}, "default must be at least 1"),
        ({"x": {"type": "strings", "default": "latest", "doc": "d"}}, "default expected a list of strings"),
        ({"x": {"type": "number", "default": None, "doc": "d"}}, "only a quantity may default to null"),
        ([1], "params must be a mapping"),
    ]:
        with pytest.raises(ValueError, match=needle):
            param_specs("some-rule", raw)
    assert param_specs("some-rule", None) == {}


def test_explain_and_rules_show_the_parameters(tmp_path):
    import json
    out = subprocess.run([sys.executable, "-m", "crashlint", "explain", "completes-immediately"],
                         capture_output=True, text=True).stdout
    assert "Parameters (override under rules.completes-immediately.params in .crashlint.yaml):" in out
    assert "  crashloop_window_seconds: 600\n" in out and "  keepalive_seconds: 86400\n" in out
    out = subprocess.run([sys.executable, "-m", "crashlint", "rules", "-o", "json"], capture_output=True, text=True,
                         cwd=tmp_path).stdout
    rows = {r["id"]: r for r in json.loads(out)["rules"]}
    assert rows["completes-immediately"]["params"] == {"crashloop_window_seconds": 600, "keepalive_seconds": 86400}
    assert rows["memory-limit-too-low"]["params"] == {"floor": None}
    assert rows["duplicate-key"]["params"] == {}
