"""Inputs the fuzzer found that once broke crashlint, kept as plain examples.

Each runs through the same property as the fuzz targets, plus the exact expectation for it.
"""

from __future__ import annotations

import pytest

from fuzz_properties import check_lint

POD = """\
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  containers:
  - name: a
    image: nginx:1.25
    resources:
      limits: {{memory: "{q}", cpu: "{q}"}}
"""


@pytest.mark.parametrize("quantity", ["1E", "0E", "2E"])
def test_exa_suffix_is_a_quantity(quantity: str) -> None:
    """``E`` is the decimal exa suffix (1E = 10^18), not an exponent without digits."""
    report = check_lint("pod.yaml", POD.format(q=quantity))
    assert not report.errors
    assert "rejected-by-api" not in [f.rule for f in report.findings]


@pytest.mark.parametrize("quantity", ["1e2147483648", "1e999999999999999999999"])
def test_overflowing_exponent_is_refused_not_crashed(quantity: str) -> None:
    """Exponents beyond the API server's (math.MaxInt32) are invalid quantities: a finding, not a rule crash."""
    report = check_lint("pod.yaml", POD.format(q=quantity))
    assert not report.errors
    assert "rejected-by-api" in [f.rule for f in report.findings]


@pytest.mark.parametrize("directive", ["%YAML 1.1", "%YAML 1.2", "%TAG ! tag:example.com,2000:"])
def test_directive_before_document_start(directive: str) -> None:
    """A directive belongs to the document after the next ``---``; it is valid YAML."""
    text = f"{directive}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\n"
    report = check_lint("cm.yaml", text)
    assert not report.errors, report.errors
    assert report.objects == 1


@pytest.mark.parametrize("value", ['!!int ""', "!!int", '!!float ""', "!!bool x", '!!bool ""', "!!timestamp x",
                                   "[!!int ]"])
def test_bad_explicit_tag_is_a_load_error(value: str) -> None:
    """PyYAML's constructors raise IndexError/KeyError/AttributeError here; the loader must not."""
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata:\n  a: {value}\n"
    report = check_lint("tags.yaml", text)
    assert len(report.errors) == 1, report.errors
    assert report.errors[0].line >= 1 and report.errors[0].message.startswith("invalid YAML")
