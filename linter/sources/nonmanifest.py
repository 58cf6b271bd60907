"""Which YAML/JSON files are not Kubernetes manifests, and how to say so.

A repository holds far more YAML and JSON than manifests: CI workflows, compose files, a
``tsconfig.json`` with comments, Go and Helm templates, invalid-on-purpose test data. Failing
the run (exit 2) on them made the pre-commit hook fail on commits that touch no manifest. So
such a file is skipped with its reason and counted; a template is skipped with a note telling
how to lint what it renders. Exit 2 stays for text that is clearly meant as a manifest — a
document with a column-0 ``apiVersion:`` and ``kind:``, or JSON with both keys — that cannot
be read: that file would fail ``kubectl apply`` too.
"""

from __future__ import annotations

import os
import re

NOT_KUBERNETES = "no document with apiVersion and kind: not a Kubernetes manifest"

# Column-0 ``apiVersion:``/``kind:`` keys and the document markers between them.
_YAML_KEYS = re.compile(rb"^(?:(apiVersion|kind)[ \t]*:|---(?=[ \t\r\n]|$))", re.M)
_JSON_API_VERSION = re.compile(rb'"apiVersion"[ \t\r\n]*:')
_JSON_KIND = re.compile(rb'"kind"[ \t\r\n]*:')

# What fills a template in, by its first marker: (marker, what it is, how to lint its output).
_TEMPLATES = (
    (b"{{", "a Go/Helm template ({{ }})", "lint what it renders: `helm template CHART | crashlint lint -`"),
    (b"{%", "a Jinja template ({% %})", "lint what it renders: `<renderer> | crashlint lint -`"),
    (b"${", "a template with ${VAR} variables", "lint what the variables become: `envsubst < FILE | crashlint lint -`"),
)


def looks_like_manifest(text: bytes) -> bool:
    """Whether unreadable text was meant as a manifest: one YAML document with a column-0
    ``apiVersion:`` and ``kind:``, or JSON holding both keys."""
    seen: set[bytes] = set()
    for m in _YAML_KEYS.finditer(text):
        if m.group(1) is None:
            seen.clear()
            continue
        seen.add(m.group(1))
        if len(seen) == 2:
            return True
    return _JSON_API_VERSION.search(text) is not None and _JSON_KIND.search(text) is not None


def template_reason(text: bytes) -> str | None:
    """Why a file that does not parse is a template (with how to lint its output), or None."""
    found = [(at, what, how) for marker, what, how in _TEMPLATES if (at := text.find(marker)) >= 0]
    if not found:
        return None
    _, what, how = min(found)
    return f"{what}, not YAML until rendered; skipped — {how}"


def helm_chart(path: str) -> str | None:
    """The chart directory of a file under a chart's ``templates/`` (beside ``Chart.yaml``), else None.

    Those files are Go templates, not YAML yet; the rendered output (``helm template CHART |
    crashlint lint -``) is what reaches the cluster.
    """
    directory = os.path.dirname(path)  # from the file's own directory outwards: the nearest chart
    while directory:
        parent, name = os.path.split(directory)
        if name == "templates" and os.path.isfile(os.path.join(parent, "Chart.yaml")):
            return parent or "."
        if parent == directory:  # the root
            return None
        directory = parent
    return None


def helm_reason(chart: str) -> str:
    return f"a template of the Helm chart in {chart}; skipped — lint the rendered chart: " \
           f"`helm template {chart} | crashlint lint -`"


def helm_note(chart: str, count: int) -> str:
    return f"{chart}: a Helm chart; {count} template file(s) skipped — lint the rendered chart: " \
           f"helm template {chart} | crashlint lint -"


def unreadable_reason(message: str, line: int) -> str:
    where = f" (line {line})" if line else ""
    return f"{NOT_KUBERNETES}, and not readable: {message}{where}"
