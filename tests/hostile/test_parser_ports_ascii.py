"""Ports given as strings: only ASCII digits are a number, and no digit string raises.

``str.isdigit`` accepts ``"٨٠"`` and ``int()`` then reads it as 80 — the kubelet's ``strconv.Atoi``
does not, so such a probe port is an undeclared name. A 5,000-digit string made ``int()`` raise.
"""

from __future__ import annotations

import pytest

from crashlint.knowledge.probes import digit_port, resolve_port
from crashlint.model.workloads import Container


def _container(ports: list[dict] | None = None) -> Container:
    return Container({"name": "app", "ports": ports or []}, "containers", 0, ("spec", "containers", 0))


@pytest.mark.parametrize("text, number", [("8080", 8080), ("0080", 80), ("9" * 10, 9_999_999_999),
                                          ("9" * 11, None), ("9" * 5000, None), ("٨٠", None), ("８０", None),
                                          ("", None), ("-1", None), ("+80", None)])
def test_digit_port(text: str, number: int | None) -> None:
    assert digit_port(text) == number


def test_unicode_digits_are_a_name_the_container_lacks() -> None:
    assert resolve_port(_container([{"name": "http", "containerPort": 80}]), "٨٠") == (None, True)


def test_a_huge_digit_string_is_no_port() -> None:
    assert resolve_port(_container(), "9" * 5000) == (None, False)


def test_egress_dns_port_never_raises(lint) -> None:
    """``port: .inf`` made ``int()`` raise OverflowError inside egress-blocks-dns."""
    report = lint("""\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress, namespace: app}
        spec:
          podSelector: {}
          policyTypes: [Egress]
          egress:
          - ports: [{port: .inf, protocol: UDP}, {port: "٥٣", protocol: UDP}, {port: "9999999999999999999999"}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: app}
        spec:
          containers: [{name: app, image: nginx:1.27.2}]
        """)
    assert report.errors == []
    assert "egress-blocks-dns" in [f.rule for f in report.findings]
