"""Issue 9 #2 (webhook side): a rule that raises never turns a deny into a silent allow.

The attack: ``JAVA_TOOL_OPTIONS=-Xms`` followed by 4,400 digits made the heap rule raise on
Python's int-digits limit, and the webhook allowed a Deployment it denies without the digits,
with no warning and no log line. The parsers are total now, so the attack is denied end to end;
the policy for a rule that still raises is tested on the decision itself, with a rule that raises.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from crashlint.webhook import review
from crashlint.webhook.settings import Loaded, load, parse_webhook
from harness.webhook import Webhook, admission_review

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HEAP = yaml.safe_load((FIXTURES / "security" / "deployment-heap-digits.yaml").read_text())
CLEAN = yaml.safe_load((FIXTURES / "webhook" / "deployment-clean.yaml").read_text())


def _with_digits(obj: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    out["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = "-Xms" + "9" * 4400
    return out


def test_the_4400_digit_heap_flag_is_still_denied(server: Webhook) -> None:
    plain = server.review(HEAP)
    assert plain["allowed"] is False and "heap-exceeds-memory-limit" in plain["status"]["message"]
    attack = server.review(_with_digits(HEAP))
    assert attack["allowed"] is False, attack
    assert "heap-exceeds-memory-limit" in attack["status"]["message"]
    assert server.metric("crashlint_webhook_rule_errors_total", rule="heap-exceeds-memory-limit") == 0


class _Raising:
    """A rule whose check raises, as a rule bug on an unforeseen input would."""

    id = "heap-exceeds-memory-limit"
    kinds = frozenset({"Deployment"})
    loads: frozenset[str] = frozenset()
    wants_workload = False

    def check(self, subject: Any, ctx: Any) -> Iterator[Any]:
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")


def _loaded_with_a_raising_rule(raw_webhook: dict[str, Any]) -> Loaded:
    base = load(None)  # a fresh Engine each time: the extra rule stays in this test
    base.engine._active.append(_Raising())
    return Loaded(base.settings, base.engine, parse_webhook(raw_webhook))


def test_a_raising_rule_is_named_in_a_warning_by_default() -> None:
    outcome = review.decide(review.parse(admission_review(CLEAN)), _loaded_with_a_raising_rule({}), None)
    assert outcome.failed_rules == ["heap-exceeds-memory-limit"]
    assert outcome.decision == "warned"
    warnings = outcome.response["response"].get("warnings", [])
    assert any("heap-exceeds-memory-limit" in w and "failed" in w for w in warnings), warnings


def test_a_raising_rule_denies_with_rule_errors_deny() -> None:
    loaded = _loaded_with_a_raising_rule({"rule_errors": "deny"})
    outcome = review.decide(review.parse(admission_review(CLEAN)), loaded, None)
    assert outcome.decision == "denied", outcome
    assert "heap-exceeds-memory-limit" in outcome.response["response"]["status"]["message"]


def test_rules_past_the_time_budget_are_named_not_dropped() -> None:
    loaded = load(None)
    result = loaded.engine.run([review._object(HEAP, "default")], deadline=0.0)  # a deadline long past
    enabled = {r.id for r in loaded.engine._active if "Deployment" in r.kinds}
    assert enabled and set(result.skipped_rules) == enabled and not result.findings
