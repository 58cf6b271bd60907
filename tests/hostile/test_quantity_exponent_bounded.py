"""Quantities parse in bounded time, with the API server's grammar and limits.

``memory: "1e999999"`` froze a webhook worker (and the CLI) for ~50 s: the value became a
million-digit integer. The API server takes decimal exponents up to ``math.MaxInt32`` in magnitude
and caps every quantity at 2^63-1; it reads ASCII digits only.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from crashlint.model.quantity import MAX_EXPONENT, QuantityError, parse_quantity
from hostile_cli import HOSTILE, crashlint

CAP = Decimal(2**63 - 1)


def test_the_cli_lints_a_huge_exponent_at_once(tmp_path: Path) -> None:
    """The 8-line file of the report: it took ~50 s; 20 s is room for a loaded CI machine, not a speed goal."""
    (tmp_path / ".crashlint.yaml").write_text("")
    run = crashlint("lint", "-o", "json", str(HOSTILE / "quantity-huge-exponent.yaml"), cwd=tmp_path, timeout=20)
    assert run.code == 0, run.err
    assert "internal error" not in run.text


@pytest.mark.parametrize("raw, value", [
    ("1e999999", CAP), ("1E999999", CAP), (f"1e{MAX_EXPONENT}", CAP), (f"-1e{MAX_EXPONENT}", -CAP),
    ("9" * 100_000, CAP), (f"1e+{MAX_EXPONENT}", CAP), ("8Ei", CAP), ("9223372036854775807", CAP),
    ("9223372036854775806", CAP - 1), (f"1e-{MAX_EXPONENT}", Decimal("1e-9")), ("-1e-20", Decimal("-1e-9")),
    ("1.0000000001", Decimal("1.000000001")), (f"0e{MAX_EXPONENT}", 0), ("1e0000000000000000000009", 10**9),
])
def test_exponents_and_lengths_the_server_accepts(raw: str, value: Decimal) -> None:
    """Accepted: capped at 2^63-1 and rounded up at nano scale, as the server stores it."""
    assert parse_quantity(raw) == value


@pytest.mark.parametrize("raw", [
    f"1e{MAX_EXPONENT + 1}", f"1e-{MAX_EXPONENT + 1}", "1e99999999999999999999", "1e" + "9" * 5000,
    "٥١٢Mi", "١e3", "1e٣", "５１２Mi", "1.５", "nan", "inf", "-inf", "Infinity", "1e", "e3", ".", "-", "",
])
def test_the_rest_is_not_a_quantity(raw: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(raw)


def test_a_refused_quantity_is_reported_briefly(lint) -> None:
    """rejected-by-api names the value without repeating a megabyte of it."""
    raw = "1e" + "9" * 100_000
    report = lint(f"""\
        apiVersion: v1
        kind: Pod
        metadata: {{name: p}}
        spec:
          containers:
          - name: app
            image: nginx:1.27.2
            resources: {{limits: {{memory: "{raw}"}}}}
        """)
    found = [f for f in report.findings if f.rule == "rejected-by-api"]
    assert len(found) == 1 and "not a quantity" in found[0].message
    assert len(found[0].message) < 400


def test_arabic_indic_digits_are_not_a_quantity(tmp_path: Path) -> None:
    """The API server's scanner reads '0'..'9' only: ``٥١٢Mi`` is refused, not 512Mi."""
    (tmp_path / ".crashlint.yaml").write_text("")
    run = crashlint("lint", "-o", "json", str(HOSTILE / "quantity-arabic-indic-digits.yaml"), cwd=tmp_path)
    assert run.code == 1, run.err
    assert '"rule": "rejected-by-api"' in run.text and "is not a quantity" in run.text
