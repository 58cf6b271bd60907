"""Knowledge comes from the run's settings, never from policies read at import time.

A ``.crashlint.yaml`` that adds to ``knowledge: apiserver:`` changes what ``rejected-by-api`` judges
(repository entries go first, and the first match wins, as in every knowledge list).
"""

from __future__ import annotations

from pathlib import Path

from rule_helpers import lint_file

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: app.settings
data:
  a: b
"""

STRICTER_NAMES = {"knowledge": {"apiserver": {"names": [
    {"group": "", "kinds": ["ConfigMap"], "format": "dns1123-label", "source": "this repository's convention"},
]}}}


def _rejections(tmp_path: Path, config: dict | None = None) -> list[str]:
    path = tmp_path / "configmap.yaml"
    path.write_text(CONFIGMAP)
    return [f.message for f in lint_file(path, config).findings if f.rule == "rejected-by-api"]


def test_shipped_knowledge_accepts_a_dotted_configmap_name(tmp_path: Path) -> None:
    assert _rejections(tmp_path) == []


def test_a_repository_name_format_is_used_before_the_shipped_one(tmp_path: Path) -> None:
    messages = _rejections(tmp_path, STRICTER_NAMES)
    assert len(messages) == 1 and "must not contain dots" in messages[0], messages
