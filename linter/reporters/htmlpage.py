"""The one HTML skeleton of every crashlint page: escaping, the page frame, its CSS, shared parts.

``crashlint lint -o html``, ``crashlint runtime -o html`` and the in-cluster watcher's ``/`` page
all build their markup here, so escaping is decided in one place. Markup is built with :func:`h`,
which escapes every plain ``str`` it is given (text and attribute values alike) and passes only
:class:`Markup` through: names, messages and log lines come from manifests and clusters, and an
object named ``<script>`` must show as text. On top of that each page carries a Content Security
Policy that allows no script, no fetch and no external resource at all (inline CSS only): the
pages are self-contained, read without JavaScript, and print (``@media print``).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from typing import Union

from crashlint import __version__
from crashlint.reporters.safe import xml_text
from crashlint.settings.policy import RuleMeta

# Nothing may be loaded or run; inline <style> and style="" (timeline positions) are the only exceptions.
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


class Markup(str):
    """Text already in HTML form: :func:`h` inserts it as it is. Only this module's functions make it."""

    __slots__ = ()


Child = Union[str, Markup, None, Iterable["Child"]]


def esc(text: object) -> str:
    """``text`` as HTML text or attribute value: ``<>&"'`` escaped, and what XML cannot carry
    (control characters, lone surrogates) written as visible escapes instead of sent raw."""
    return html.escape(xml_text(str(text)), quote=True)


def _children(children: Iterable[Child]) -> Iterable[str]:
    for child in children:
        if child is None:
            continue
        if isinstance(child, Markup):
            yield child
        elif isinstance(child, str):
            yield esc(child)
        else:
            yield from _children(child)


def h(tag: str, attrs: Mapping[str, object] | None = None, *children: Child) -> Markup:
    """An element: ``h("a", {"href": "#x"}, "text")``. Attribute values and plain-str children are
    escaped; ``None`` children and attributes whose value is ``None`` or ``False`` are left out."""
    parts = [tag]
    for name, value in (attrs or {}).items():
        if value is None or value is False:
            continue
        parts.append(name if value is True else f'{name}="{esc(value)}"')
    return Markup(f"<{' '.join(parts)}>{''.join(_children(children))}</{tag}>")


def join(*children: Child) -> Markup:
    """Several children as one piece of markup, escaped as :func:`h` escapes them."""
    return Markup("".join(_children(children)))


def anchor(prefix: str, name: str) -> str:
    """A fragment id made of ``name``'s letters and digits (ids are compared exactly, never parsed)."""
    return prefix + "-" + "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in name)


def prose(text: str) -> Markup:
    """Policy and message text with its `backticked` parts (commands, fields, values) as code."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: show the text as it is
        return join(text)
    return join([h("code", None, part) if i % 2 else part for i, part in enumerate(parts)])


def first_paragraph(text: str) -> str:
    """A policy text up to its first blank line, as one line."""
    return " ".join(text.strip().split("\n\n")[0].split())


def badge(label: str, kind: str) -> Markup:
    """A coloured label (severity, verdict); the word itself carries the meaning when printed in grey."""
    return h("span", {"class": f"badge {kind}"}, label)


def rule_link(rule: str) -> Markup:
    """A finding's rule id, linking to its explanation in the page's glossary."""
    return h("a", {"class": "rule-id", "href": "#" + anchor("rule", rule)}, h("code", None, rule))


def fix_line(meta: RuleMeta | None) -> Markup | None:
    """A finding's fix in one paragraph: the first of its rule's fix text; the rest is in the glossary."""
    if meta is None or not meta.fix.strip():
        return None
    return h("div", {"class": "fix"}, h("strong", None, "Fix: "), prose(first_paragraph(meta.fix)))


def patch_block(ops: list[dict[str, object]]) -> Markup:
    """A finding's RFC 6902 patch, one operation a line."""
    lines = ",\n".join("  " + json.dumps(op, ensure_ascii=False, default=str) for op in ops)
    return h("div", {"class": "patch"},
             h("strong", None, "Patch"), " (RFC 6902, relative to the object; ", h("code", None, "crashlint fix"),
             " applies it):", h("pre", None, f"[\n{lines}\n]"))


def rule_glossary(metas: Iterable[RuleMeta]) -> Markup:
    """Each rule shown on the page once: why it crashes, what the cluster shows, and the fix.
    Findings link here (``#rule-<id>``) instead of repeating the explanation."""
    items = [h("section", {"class": "rule", "id": anchor("rule", m.id)},
               h("h3", None, h("code", None, m.id), " ", badge(m.severity, m.severity), " ",
                 h("span", {"class": "muted"}, f"cause: {m.cause}")),
               h("p", None, prose(m.summary)),
               h("p", {"class": "symptom"}, h("strong", None, "In the cluster: "), prose(m.symptom))
               if m.symptom else None,
               [h("p", None, prose(para)) for para in _paragraphs(m.explanation)],
               h("div", {"class": "fix"}, h("strong", None, "Fix: "),
                 [h("p", None, prose(p)) for p in _paragraphs(m.fix)])
               if m.fix.strip() else None)
             for m in metas]
    if not items:
        return Markup("")
    return h("section", {"class": "rules", "id": "rules"}, h("h2", None, "Rules on this page"), items)


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]


def page(title: str, *body: Child, banner: str | None = None) -> str:
    """A whole self-contained HTML document. ``banner`` is shown above everything, as an alert
    (the watcher's "data is stale")."""
    alert = h("div", {"class": "banner", "role": "alert"}, banner) if banner else None
    return "<!DOCTYPE html>\n" + h(
        "html", {"lang": "en"},
        h("head", None,
          Markup('<meta charset="utf-8">'),
          Markup(f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'),
          Markup('<meta name="viewport" content="width=device-width, initial-scale=1">'),
          Markup('<meta name="color-scheme" content="light">'),
          h("title", None, title),
          h("style", None, Markup(CSS))),
        h("body", None, alert, h("main", None, body),
          h("footer", None, f"crashlint {__version__}"))) + "\n"


CSS = """
:root { --fg: #1c2127; --muted: #5f6b7a; --line: #d8dde3; --bg: #ffffff; --panel: #f6f8fa;
  --error: #b42318; --warning: #9a5b00; --info: #175cd3; --ok: #1f7a3d; --hit: #fff3bf; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 72rem; margin: 0 auto; padding: 1.2rem 1.5rem 2rem; }
footer { max-width: 72rem; margin: 0 auto; padding: 0 1.5rem 1.5rem; color: var(--muted); font-size: 13px; }
h1 { font-size: 1.5rem; margin: 0 0 .4rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; padding-bottom: .25rem; border-bottom: 1px solid var(--line);
  overflow-wrap: anywhere; }
h2 code { font-size: .95rem; }
h3 { font-size: 1rem; margin: 0 0 .3rem; }
p { margin: .3rem 0; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
pre { margin: .4rem 0; padding: .5rem .7rem; background: var(--panel); border: 1px solid var(--line);
  border-radius: 6px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
a { color: var(--info); }
.muted { color: var(--muted); }
.summary { display: flex; flex-wrap: wrap; gap: .5rem 1.2rem; margin: .4rem 0 1rem; color: var(--muted); }
.summary b { color: var(--fg); }
.banner { background: #fef0c7; border-bottom: 2px solid var(--warning); color: #4e2d00; padding: .7rem 1.5rem;
  font-weight: 600; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: 12px; font-weight: 700;
  letter-spacing: .02em; text-transform: uppercase; border: 1px solid currentColor; white-space: nowrap; }
.badge.error, .badge.confirmed, .badge.unpredicted { color: var(--error); }
.badge.warning { color: var(--warning); }
.badge.info, .badge.not-observed, .badge.no-pods { color: var(--info); }
.badge.suppressed { color: var(--muted); }
.card { border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 6px;
  padding: .6rem .8rem; margin: .6rem 0; break-inside: avoid; }
.card.error, .card.confirmed, .card.unpredicted { border-left-color: var(--error); }
.card.warning { border-left-color: var(--warning); }
.card.info, .card.not-observed, .card.no-pods { border-left-color: var(--info); }
.card header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem .6rem; margin-bottom: .2rem; }
.where { color: var(--muted); overflow-wrap: anywhere; }
.fix { margin-top: .35rem; }
.fix p { display: inline; }
.also { color: var(--muted); }
.also ul { margin: .1rem 0; padding-left: 1.2rem; }
.source { padding: .3rem 0; }
.source span { display: block; padding: 0 .7rem; }
.source .ln { display: inline-block; min-width: 3.2em; color: var(--muted); user-select: none; }
.source .at { background: var(--hit); }
.toc { columns: 2 22rem; padding-left: 1.2rem; }
.toc li { overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .3rem 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.timeline { margin: .5rem 0; }
.track { position: relative; height: 1.4rem; margin: .2rem .5rem .1rem; border-bottom: 2px solid var(--line); }
.mark { position: absolute; bottom: -.45rem; width: .8rem; height: .8rem; margin-left: -.4rem;
  border-radius: 50%; background: var(--muted); border: 2px solid var(--bg); }
.mark.exit { background: var(--error); }
.mark.start { background: var(--ok); }
.mark.event { background: var(--warning); }
.mark.now { background: var(--fg); border: 0; border-radius: 0; width: .2rem; margin-left: -.1rem;
  height: 1.2rem; }
.axis { display: flex; justify-content: space-between; color: var(--muted); font-size: 12px; margin: 0 .5rem; }
ol.events { margin: .3rem 0; padding-left: 1.2rem; }
ol.events time { color: var(--muted); font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
table.events { border-collapse: collapse; margin: .4rem 0; width: 100%; font-size: 13px; }
table.events th, table.events td { text-align: left; vertical-align: top; padding: .15rem .5rem;
  border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
table.events td:nth-child(-n+4), table.events th { white-space: nowrap; }
table.events th { color: var(--muted); font-weight: 600; }
.evidence { margin: .4rem 0 .2rem; padding: .2rem .7rem; background: var(--panel); border-radius: 6px; }
ul.seen { margin: .3rem 0; padding-left: 1.2rem; }
.timeline-row { margin: .5rem 0 .8rem; }
.rule { border-top: 1px solid var(--line); padding: .6rem 0; break-inside: avoid; }
@media print {
  body { font-size: 11pt; }
  main, footer { max-width: none; padding: 0; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  pre { white-space: pre-wrap; border-color: #999; }
  .card, .rule { break-inside: avoid; }
  .banner { border: 2px solid #000; }
}
"""
