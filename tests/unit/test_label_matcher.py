"""One label matcher: ``selectors.requirement_matches`` evaluates every selector term.

The same terms, written as a ``LabelSelector`` (NetworkPolicy, controllers), as a parsed selector of
``validation.selectors``, as a kustomize patch target's string selector and as a webhook label
rule, must give the same answer: ``Requirement.Matches`` of apimachinery ``pkg/labels/selector.go``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from crashlint.sources.kustomize.transformers import selector_matches
from crashlint.knowledge.selectors import label_selector_matches, map_matches, requirement_matches
from crashlint.knowledge.validation.selectors import Requirement
from crashlint.webhook.settings import LabelRule

ROOT = Path(__file__).resolve().parents[2]
LABELS = {"app": "web", "tier": "front", "canary": ""}

# (operator, key, values, expected against LABELS, the same term as a kustomize string)
TERMS = [
    ("In", "app", ["web", "api"], True, "app in (web, api)"),
    ("In", "app", ["api"], False, "app in (api)"),
    ("In", "missing", ["web"], False, "missing in (web)"),
    ("In", "app", ["web"], True, "app=web"),
    ("In", "app", ["web"], True, "app==web"),
    ("In", "canary", [""], True, "canary="),
    ("NotIn", "app", ["api"], True, "app notin (api)"),
    ("NotIn", "app", ["web"], False, "app!=web"),
    ("NotIn", "missing", ["web"], True, "missing!=web"),  # an absent key is not in any set
    ("Exists", "tier", [], True, "tier"),
    ("Exists", "missing", [], False, "missing"),
    ("Exists", "canary", [], True, "canary"),  # present with an empty value still exists
    ("DoesNotExist", "missing", [], True, "!missing"),
    ("DoesNotExist", "tier", [], False, "!tier"),
]


@pytest.mark.parametrize("op, key, values, expected, text", TERMS)
def test_every_reader_agrees_on_a_term(op: str, key: str, values: list[str], expected: bool, text: str) -> None:
    assert requirement_matches(key, op, set(values), LABELS) is expected
    expr = {"key": key, "operator": op, **({"values": values} if values else {})}
    assert label_selector_matches({"matchExpressions": [expr]}, LABELS) is expected
    assert Requirement(key, op, frozenset(values)).matches(LABELS) is expected
    assert selector_matches(text, LABELS) is expected


def test_terms_are_anded_and_empty_selects_all() -> None:
    both = {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]}
    assert label_selector_matches(both, LABELS) is False
    assert selector_matches("app=web,tier notin (front)", LABELS) is False
    assert selector_matches("app=web, tier in (front,back)", LABELS) is True
    assert label_selector_matches({}, LABELS) is True and selector_matches("", LABELS) is True
    assert map_matches({}, LABELS) and LabelRule({}, "warn").matches(LABELS)


def test_maps_match_alike_in_services_and_webhook_rules() -> None:
    for selector, expected in (({"app": "web"}, True), ({"app": "web", "tier": "back"}, False), ({"x": "1"}, False)):
        assert map_matches(selector, LABELS) is expected
        assert LabelRule(selector, "warn").matches(LABELS) is expected
    # YAML reads `version: 1` and `enabled: true` as other scalars; the server holds strings.
    assert map_matches({"version": "1", "on": "true"}, {"version": 1, "on": True})
    assert LabelRule({"version": "1"}, "off").matches({"version": 1})
    assert requirement_matches("version", "In", {"1"}, {"version": 1}) is True


def test_unknown_operators_and_wrong_types_are_unreadable_never_raised() -> None:
    assert requirement_matches("app", "Gt", {"1"}, LABELS) is None
    assert requirement_matches("app", None, set(), LABELS) is None
    assert label_selector_matches({"matchExpressions": [{"key": "app", "operator": "in", "values": ["web"]}]}, LABELS) is None
    assert label_selector_matches({"matchExpressions": {"key": "app"}}, LABELS) is None
    assert label_selector_matches({"matchLabels": ["app"]}, LABELS) is None
    assert label_selector_matches([], LABELS) is None
    assert requirement_matches("app", "In", {"web"}, {"app": {"nested": 1}}) is False
    assert selector_matches("app in (web", LABELS) is False


def test_no_other_module_evaluates_selector_operators() -> None:
    """Only selectors.py compares against "In"/"NotIn"/"Exists"/"DoesNotExist" to decide a match."""
    owners = set()
    for source in [*(ROOT / "linter").rglob("*.py"), *(ROOT / "webhook").rglob("*.py")]:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Compare) and len(node.comparators) == 1
                    and isinstance(node.comparators[0], ast.Constant) and node.comparators[0].value in ("NotIn", "DoesNotExist")
                    and isinstance(node.ops[0], ast.Eq)):
                owners.add(source.relative_to(ROOT).as_posix())
    assert owners == {"linter/knowledge/selectors.py"}
