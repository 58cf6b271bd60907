"""resource-unit-mistake: unit mistakes the API server accepts are this rule's, never rejected-by-api's."""

from __future__ import annotations

from pathlib import Path

from rule_helpers import found, lint_file

LINT = Path(__file__).resolve().parent.parent / "fixtures" / "lint" / "resource-unit-mistake"
RULE = "resource-unit-mistake"


def test_unit_mistakes_are_not_called_refused() -> None:
    report = lint_file(LINT / "pos-cpu-memory-unit-pending.yaml")
    assert {f.container for f in found(report, RULE)} == {"cpu-in-mebibytes", "forgot-millicores", "milli-bytes",
                                                           "kibi-cores"}
    assert found(report, "rejected-by-api") == []  # the API server accepts every one of them
    by = {f.container: f for f in found(report, RULE)}
    assert "67,108,864 cores" in by["cpu-in-mebibytes"].message and "Pending forever" in by["cpu-in-mebibytes"].message
    assert "10000m?" in by["forgot-millicores"].message
    assert "0.512 bytes" in by["milli-bytes"].message and "512Mi" in by["milli-bytes"].message


def test_right_units_give_nothing() -> None:
    report = lint_file(LINT / "neg-right-units.yaml")
    assert found(report, RULE) == []


def test_the_node_bound_is_a_parameter(tmp_path: Path) -> None:
    """A platform whose largest node has 192 CPUs may lower the bound: 1000 cores then never schedule."""
    path = tmp_path / "big.yaml"
    path.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: big}\nspec:\n  containers:\n"
                    "    - {name: app, image: registry.example.com/app:1.0, resources: {requests: {cpu: 1000}}}\n")
    assert found(lint_file(path), RULE) == []
    [finding] = found(lint_file(path, {"rules": {RULE: {"params": {"max_node_cpus": 192}}}}), RULE)
    assert finding.severity == "error" and "no node has more than 192 CPUs" in finding.message


def test_wrong_shapes_never_raise(tmp_path: Path) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: odd}\nspec:\n  containers:\n"
                    "    - {name: a, image: x:1, resources: [cpu]}\n"
                    "    - {name: b, image: x:1, resources: {requests: 5, limits: {cpu: {m: 1}, memory: true}}}\n"
                    "    - {name: c, image: x:1, resources: {requests: {cpu: 1e999999, memory: -1m}}}\n")
    report = lint_file(path)  # a rule that raises is a load error ("internal error in rule ..."): none
    assert [f.container for f in found(report, RULE)] == ["c"]  # 2^63-1 cores (the cap), as a request
