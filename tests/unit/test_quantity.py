"""Quantities parse exactly as the API server's resource.Quantity does."""

from decimal import Decimal

import pytest

from crashlint.model.quantity import QuantityError, format_bytes, parse_quantity


@pytest.mark.parametrize("raw, value", [
    ("512Mi", 512 * 2**20), ("0.5Gi", 2**29), ("1e9", 10**9), ("500m", Decimal("0.5")),
    ("1.5", Decimal("1.5")), (0.05, Decimal("0.05")), (104857600, 104857600), ("1k", 1000),
    ("2E3", 2000), ("100n", Decimal("1e-7")), ("1Ki", 1024), (".5", Decimal("0.5")),
])
def test_parse(raw, value):
    assert parse_quantity(raw) == Decimal(value)


@pytest.mark.parametrize("raw", ["", "banana", "1.2.3", "10 Mi", "Mi", [], {}, None, True, "1MB", float("nan")])
def test_reject(raw):
    with pytest.raises(QuantityError):
        parse_quantity(raw)


def test_format_bytes():
    assert format_bytes(512 * 2**20) == "512Mi"
    assert format_bytes(1000) == "1000"
