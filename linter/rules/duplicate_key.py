"""duplicate-key: a key written twice in one YAML mapping, so one of its values is lost.

What happens depends on how the file is applied (checked with kubectl and kustomize v5.8):

* ``kubectl apply -f`` (and ``create``, ``replace``, Argo CD and Flux reading plain files) decodes
  YAML with sigs.k8s.io/yaml, a go-yaml v2 fork, without strictness: the last value wins and
  the earlier one is dropped without a word. The API server never sees the first value, so its
  strict field validation cannot report it either. Worse than a refusal, hence a warning.
* ``kubectl apply -k`` / ``kustomize build`` decode each resource with go-yaml v3, which refuses
  a repeated key in any mapping of any resource of the unit: ``yaml: unmarshal errors: line N:
  mapping key "x" already defined at line M`` (lines counted from the document's start), and
  nothing of the unit is applied. Objects built from a kustomization (``BuiltObject.unit``) say
  so, and a second ``<<`` merge key in one mapping is refused too (``duplicate merge key``; a
  plain file applies both in turn, so only built objects record it).
* A patch of a kustomize build is not refused for a repeated key: kustomize applies the
  *first* value of a strategic-merge patch and drops the later one silently, and the last
  value of a JSON 6902 operation or of the kustomization itself (kustomize v5.8). Those are
  reported in the patch or kustomization, on every object it changed; crashlint's own build
  applies the same value (``loader.first_value_wins``).

A key repeated with the same value (as written) in a plain file loses nothing: that is info,
kept only because kustomize would refuse the file.

The loader records every repeated key of a document as written (keys a ``<<`` merge supplies
again are the point of merging, not repeats); this rule reports those inside the object.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.model.document import Document
from crashlint.model.objects import K8sObject
from crashlint.rules import RuleContext
from crashlint.knowledge.validation.kinds import BUILTIN_KINDS

ID = "duplicate-key"
KINDS = BUILTIN_KINDS


def _patch_documents(obj: K8sObject) -> list[Document]:
    """The documents other than its own that supplied values of a built object (its patches)."""
    origin = getattr(obj, "origin", None)
    if origin is None:
        return []
    seen, out, stack = {id(obj.document)}, [], [origin]
    while stack:  # linear in the origins recorded: one per value a patch set
        node = stack.pop()
        if id(node.doc) not in seen:
            seen.add(id(node.doc))
            out.append(node.doc)
        if node.kids:
            stack.extend(node.kids.values())
    return out


def _patch_hits(doc: Document) -> Iterator[Hit]:
    shift = getattr(doc, "column_offset", 0)  # an inline patch, indented in its kustomization
    json6902 = isinstance(doc.data, list)
    kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
    # The kustomization itself (its namespace, generators, transformers set values too).
    kustomization = isinstance(doc.data, dict) and (not isinstance(kind, str) or kind in ("Kustomization", "Component"))
    for key, line, col, first_line, same in doc.duplicate_keys:
        where = f"lines {first_line} and {line}" if first_line != line else f"line {line}"
        if same:
            message = (f"key '{key}' is written twice in one mapping of this patch ({where}), with the same value: "
                       "kustomize applies it either way; keep one")
        elif json6902 or kustomization:
            what = "one operation of this JSON 6902 patch" if json6902 else "one mapping of this kustomization"
            message = (f"key '{key}' is written twice in {what} ({where}): `kubectl apply -k` applies the last "
                       "value and silently drops the first; keep one")
        else:
            message = (f"key '{key}' is written twice in one mapping of this strategic-merge patch ({where}): "
                       f"`kubectl apply -k` applies the first value (line {first_line}) and silently ignores this "
                       "one; keep one")
        yield Hit((), message, position=(line, col + shift), file=doc.source,
                  severity="info" if same else None)


def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Hit]:
    doc = obj.document
    for patch in _patch_documents(obj):
        yield from _patch_hits(patch)
    dups = doc.duplicate_keys
    if not dups:
        return
    first, last = doc.node_lines(obj.prefix)  # a List's item: only the repeats inside it
    unit = getattr(obj, "unit", None)
    for key, line, col, first_line, same in dups:
        if not first <= line <= last:
            continue
        where = f"lines {first_line} and {line}" if first_line != line else f"line {line}"
        if isinstance(unit, str) and key == "<<":
            yield Hit((), (f"merge key '<<' is written twice in one mapping ({where}): `kubectl apply -k` and "
                           "`kustomize build` refuse every unit that includes this file (duplicate merge key); merge "
                           "a list instead (<<: [*a, *b])"), position=(line, col))
        elif isinstance(unit, str):
            yield Hit((), (f"key '{key}' is written twice in one mapping ({where}): `kubectl apply -k` and "
                           "`kustomize build` refuse every unit that includes this file (yaml: unmarshal errors: "
                           f"mapping key \"{key}\" already defined); keep one"), position=(line, col))
        elif same:
            yield Hit((), (f"key '{key}' is written twice in one mapping ({where}), with the same value: "
                           "`kubectl apply -f` loses nothing, but `kustomize build` would refuse the file (mapping "
                           "key already defined); keep one"), position=(line, col), severity="info")
        else:
            dropped = f"the one on line {first_line}" if first_line != line else "the first one"
            yield Hit((), (f"key '{key}' is written twice in one mapping ({where}): `kubectl apply -f` keeps the "
                           f"last value and silently drops {dropped}, so the API server never sees it; keep one"),
                      position=(line, col))
