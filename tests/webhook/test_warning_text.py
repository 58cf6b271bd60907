"""Admission warnings are whole sentences within the room the API server gives them.

k8s.io/apiserver (pkg/endpoints/filters/warning.go) cuts each warning to 256 runes, mid-word,
once a response's warnings pass 4096 runes, and then drops the rest; a warning holding a control
character is dropped outright. So each warning of crashlint is at most 256 runes, all of them at
most 4096, shortened only between sentences, clauses or words, and each ends with the hint
`crashlint explain RULE`. Checked on the real server (TLS, gunicorn) with a Deployment that has
more findings than fit, and on the shortening itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from crashlint.model.findings import Finding
from crashlint.webhook.review import WARNING_RUNES, WARNINGS_TOTAL_RUNES, _fit_body, _short
from harness.webhook import FIXTURES, Webhook, make_certs

HINT = re.compile(r"^crashlint (?P<rule>[a-z-]+): (?P<body>.*) See `crashlint explain (?P=rule)`\.$")
CONTAINER = re.compile(r"^container '[^']*': ")  # added by the webhook when the message does not name it
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")  # what NewWarningHeader refuses (unicode.IsControl)
FALLBACK = "the message is too long for a warning; run `crashlint lint` on the manifest."
NAMESPACE = "legacy"  # warn mode in tests/fixtures/webhook/webhook.yaml: every finding is a warning


def _many_findings(containers: int) -> dict[str, Any]:
    """A Deployment whose every container has several findings with long messages."""
    cs = []
    for i in range(containers):
        cs.append({"name": f"worker-{i}", "image": "busybox",  # untagged, and completes at once
                   "envFrom": [{"configMapRef": {"name": f"settings-of-a-rather-long-named-worker-number-{i}"}},
                               {"secretRef": {"name": f"credentials-of-worker-{i}"}}],
                   "livenessProbe": {"httpGet": {"path": "/", "port": "metrics"}, "failureThreshold": 1}})
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "fleet", "namespace": NAMESPACE},
            "spec": {"selector": {"matchLabels": {"app": "fleet"}},
                     "template": {"metadata": {"labels": {"app": "fleet"}}, "spec": {"containers": cs}}}}


def _messages(obj: dict[str, Any], tmp_path: Path) -> list[Finding]:
    """What `crashlint lint` says of the same object, file-only like the server under test."""
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(obj))
    return lint_paths([str(path)], load_settings(raw={"rules": {"missing-memory-limit": "off"}})).findings


def _assert_whole(body: str, messages: list[str]) -> None:
    """``body`` is a message, or a start of one that ends where a sentence, clause or word does."""
    if body in messages or CONTAINER.sub("", body) in messages:
        return
    if not any(m.startswith(body.removesuffix("\u2026").removesuffix(".")) for m in messages):
        body = CONTAINER.sub("", body)
    stem = body.removesuffix("\u2026").removesuffix(".")
    starts = [m for m in messages if m.startswith(stem)]
    assert starts, f"not the start of any message: {body!r}"
    assert any(len(m) == len(stem) or m[len(stem)] in " .;," for m in starts), f"cut mid-word: {body!r}"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Any]:
    started: list[Webhook] = []

    def start(max_warnings: int) -> Webhook:
        config = tmp_path / "webhook.yaml"
        config.write_text((FIXTURES / "webhook.yaml").read_text() + f"max_warnings: {max_warnings}\n")
        wh = Webhook(make_certs(tmp_path / "certs"), [
            "--config", str(FIXTURES / "crashlint.yaml"), "--webhook-config", str(config), "--no-cluster",
            "--workers", "1"], tmp_path / "server.log")
        started.append(wh)
        return wh

    yield start
    for wh in started:
        wh.stop()


@pytest.mark.parametrize("max_warnings", [10, 50])
def test_warnings_of_a_deployment_with_many_findings_are_whole_and_fit(server: Any, tmp_path: Path,
                                                                       max_warnings: int) -> None:
    obj = _many_findings(12)
    findings = _messages(obj, tmp_path)
    assert len(findings) > max_warnings or max_warnings == 50
    resp = server(max_warnings).review(obj, namespace=NAMESPACE)
    assert resp["allowed"] is True
    warnings = resp["warnings"]
    assert sum(len(w) for w in warnings) <= WARNINGS_TOTAL_RUNES
    shown = [w for w in warnings if not w.startswith("crashlint: ")]
    assert len(shown) <= max_warnings and len(shown) >= min(max_warnings, 8)
    messages = [f.message for f in findings]
    for w in shown:
        assert len(w) <= WARNING_RUNES, w
        assert not CONTROL.search(w), w  # a control character makes the API server drop the warning
        m = HINT.match(w)
        assert m, w
        assert m["rule"] in {f.rule for f in findings}
        _assert_whole(m["body"], messages)
    # what did not fit is counted, never silently lost
    more = [w for w in warnings if w.startswith("crashlint: ") and "more finding(s)" in w]
    assert len(more) == 1 and int(more[0].split()[1]) == len(findings) - len(shown)


def _finding(message: str, container: str | None = None) -> Finding:
    return Finding("missing-secret", "warning", "config", message, "f.yaml", 1, 1,
                   {"apiVersion": "v1", "kind": "Pod", "namespace": "default", "name": "p"}, container, "/spec")


@pytest.mark.parametrize("message,expected", [
    ("Short enough. Really.", "Short enough. Really."),
    # whole sentences first
    ("A" * 100 + " is wrong. " + "B" * 150 + " is the detail.", "A" * 100 + " is wrong."),
    # a first sentence too long: up to a clause, closed with a period
    ("Secret \"db\" is not defined here; " + "without it the kubelet reports " + "x " * 120 + "end.",
     'Secret "db" is not defined here.'),
    # no clause that fits: up to a word, outside quotes and parentheses, with an ellipsis
    ("Secret \"db\" used in 9 places (" + "env A of container 'app', " * 20 + ") is missing.",
     'Secret "db" used in 9 places\u2026'),
])
def test_shortening_keeps_sentences_clauses_or_words(message: str, expected: str) -> None:
    text = _short(_finding(message))
    assert len(text) <= WARNING_RUNES
    assert text == f"crashlint missing-secret: {expected} See `crashlint explain missing-secret`."


def test_a_message_with_no_word_boundary_in_room_is_replaced_not_cut() -> None:
    text = _short(_finding("x" * 400))
    assert len(text) <= WARNING_RUNES and "xxx" not in text and text.endswith("`crashlint explain missing-secret`.")


def test_control_characters_become_spaces_and_long_container_names_leave_room() -> None:
    text = _short(_finding("Secret\n\"db\"\x1b[31m is\tmissing.", container="c" * 200))
    assert not CONTROL.search(text) and len(text) <= WARNING_RUNES
    assert 'Secret "db" [31m is missing.' in text and "c" * 200 not in text


def test_fit_body_returns_the_body_untouched_when_it_fits() -> None:
    assert _fit_body("one. two.", 9) == "one. two."


@settings(max_examples=300, deadline=None)
@given(message=st.text(alphabet=st.characters(codec="utf-8"), max_size=600),
       container=st.one_of(st.none(), st.text(max_size=80)))
def test_any_message_gives_a_warning_the_api_server_keeps_whole(message: str, container: str | None) -> None:
    text = _short(_finding(message, container))
    assert len(text) <= WARNING_RUNES and not CONTROL.search(text)
    assert text.endswith(" See `crashlint explain missing-secret`.")
    clean = " ".join(CONTROL.sub(" ", message).split())
    if not clean:
        return
    body = HINT.match(text)["body"]
    prefix = f"container '{CONTROL.sub(' ', container)}': " if container else ""
    if prefix and body.startswith(prefix) and f"'{container}'" not in message[:60]:
        body = body[len(prefix):]  # the webhook names the container when the message does not
    if body in (clean, FALLBACK):
        return
    stem = body.removesuffix("\u2026").removesuffix(".")
    assert clean.startswith(stem) and (len(stem) == len(clean) or clean[len(stem)] in " .;,"), (body, clean)
