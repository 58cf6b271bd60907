"""``crashlint fix``: apply the safe fixes that findings carry back into the files they came from.

Rules decide what is safe: a finding carries a ``fix`` (an RFC 6902 patch relative to its
object) only when applying it cannot change behaviour beyond the finding. This module only
makes applying it trustworthy:

* the finding's object is found again in its file — the document by the finding's line, the
  object inside it by (apiVersion, kind, namespace, name), ``items`` of a ``List`` included;
* the patch is first applied with ``jsonpatch`` to the data exactly as the linter read it, which
  proves it applies; two findings that write the same place differently conflict, and the
  later one is left out;
* the same operations are then applied to a ruamel.yaml round-trip tree and the change is
  spliced into the original text (:mod:`.fixtext`), so comments, quotes, key order and
  indentation of every untouched line stay as they were;
* the new text is read again by the linter's own loader and must give exactly the patched
  data; otherwise nothing is written for that document.

Only changed documents are touched, so running ``fix`` twice changes nothing the second time
(the fixed objects no longer produce the findings).
"""

from __future__ import annotations

import bisect
import copy
import json
import os
import stat
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

import jsonpatch
import jsonpointer

from crashlint.model.findings import Finding, pointer_str
from crashlint.fixer.fixtext import Chunk, Indent, detect_indent, dump, merge, round_trip, split_documents, split_lines
from crashlint.fixer.linediff import grouped
from crashlint.model.document import Document
from crashlint.sources.loader import load_text
from crashlint.model.objects import K8sObject
from crashlint.model.record import Record
from crashlint.fixer.yamlpatch import PatchError, apply_patch
from crashlint.fixer.yamlshare import reference_counts, shared_on_path

_BOM = "\ufeff"


class Skipped(Record):
    """A fix that was not applied, and why (printed as a warning; the finding stays)."""

    finding: Finding
    reason: str

    __slots__ = ("finding", "reason")

    def __init__(self, finding: Finding, reason: str) -> None:
        self.finding = finding
        self.reason = reason


class FileFix(Record):
    """One file's outcome: its text before and after, and which findings' fixes went in."""

    path: str
    original: str
    fixed: str
    applied: list[Finding]
    skipped: list[Skipped]

    __slots__ = ("path", "original", "fixed", "applied", "skipped")

    def __init__(self, path: str, original: str, fixed: str, skipped: list[Skipped] | None = None) -> None:
        self.path = path
        self.original = original
        self.fixed = fixed
        self.applied = []
        self.skipped = [] if skipped is None else skipped

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


BUILT_REASON = ("found in a kustomize build: its paths are the built object's (patches may reorder "
                "containers), not the file's; apply the fix to the source by hand")


def fix_findings(findings: Iterable[Finding]) -> list[FileFix]:
    """Plan the fixes of ``findings`` (those without a fix are ignored), one result per file.

    A finding of a kustomize build is never fixed mechanically: its patch addresses the built
    object, whose lists a strategic-merge patch may have reordered, so applied to the base file
    it could change another container.
    """
    by_file: dict[str, list[Finding]] = {}
    built: dict[str, list[Finding]] = {}
    for f in findings:
        if f.fix:
            (built if f.extra.get("overlays") else by_file).setdefault(f.file, []).append(f)
    results = [fix_file(path, fs) for path, fs in sorted(by_file.items())]
    for path, fs in sorted(built.items()):
        results.append(FileFix(path, "", "", skipped=[Skipped(f, BUILT_REASON) for f in fs]))
    return results


def fix_file(path: str, findings: list[Finding]) -> FileFix:
    """Apply the fixes of ``findings`` (all from ``path``) to the file's text; nothing is written here."""
    findings = sorted(findings, key=Finding.sort_key)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        return _refused(path, "", findings, f"cannot read: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _refused(path, "", findings, "only UTF-8 files are rewritten")
    bom = _BOM if text.startswith(_BOM) else ""
    body = text[len(bom):]
    result = FileFix(path, text, text)
    if _is_json(body):
        fixed = _fix_json(path, body, findings, result)
    else:
        fixed = _fix_yaml(path, body, findings, result)
    result.fixed = bom + fixed
    return result


def _is_json(text: str) -> bool:
    """JSON files are rewritten as JSON; a YAML flow document (``{kind: Pod, ...}``) is not JSON."""
    if text.lstrip()[:1] not in ("{", "["):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _refused(path: str, text: str, findings: list[Finding], reason: str) -> FileFix:
    return FileFix(path, text, text, skipped=[Skipped(f, reason) for f in findings])


def _fix_yaml(path: str, text: str, findings: list[Finding], result: FileFix) -> str:
    chunks = split_documents(text)
    starts = [c.line for c in chunks]
    fallback = detect_indent(text)
    grouped: dict[int, list[Finding]] = {}
    for f in findings:
        grouped.setdefault(max(bisect.bisect_right(starts, f.line) - 1, 0), []).append(f)
    parts = [c.text for c in chunks]
    for idx, fs in grouped.items():
        parts[idx] = _fix_chunk(path, chunks[idx], fs, fallback, result)
    return "".join(parts)


def _match(objects: list[K8sObject], finding: Finding, first_line: int) -> K8sObject | None:
    """The object a finding names; the finding's line separates twins with the same identity."""
    same = [o for o in objects if o.identity() == finding.object]
    if len(same) > 1:
        rel = finding.line - first_line + 1
        spans = [(o, o.document.node_lines(o.prefix)) for o in same]
        same = [o for o, (first, last) in spans if first <= rel <= last]
    return same[0] if len(same) == 1 else None


def _rebased(ops: Any, prefix: str) -> list[dict[str, Any]]:
    """The finding's operations with paths made relative to the document instead of the object."""
    if not isinstance(ops, list) or not all(isinstance(op, dict) and isinstance(op.get("path"), str) for op in ops):
        raise ValueError("the fix is not a list of JSON patch operations")
    out = []
    for op in ops:
        op = copy.deepcopy(op)  # jsonpatch inserts values as they are: keep the finding's own intact
        op["path"] = prefix + op["path"]
        if isinstance(op.get("from"), str):
            op["from"] = prefix + op["from"]
        out.append(op)
    return out


def _conflict(claims: dict[tuple[str, ...], tuple[int, str, Any]], ops: list[dict[str, Any]],
              owner: int, rule: str) -> str | None:
    """Why ``ops`` collide with writes another finding's fix already made (None if they do not).

    Two writes conflict when one path contains the other and they are not the very same
    operation; appends (``/-``) never conflict.
    """
    mine: list[tuple[tuple[str, ...], tuple[str, Any]]] = []
    for op in ops:
        if op.get("op") not in ("add", "replace", "remove", "move", "copy"):
            continue
        try:
            parts = tuple(jsonpointer.JsonPointer(op["path"]).parts)
        except jsonpointer.JsonPointerException:
            continue  # jsonpatch reports it
        if parts and parts[-1] == "-":
            continue
        what = (op["op"], json.dumps(op.get("value"), sort_keys=True))
        for path, (other, other_rule, other_what) in claims.items():
            if other == owner:
                continue
            n = min(len(path), len(parts))
            if path[:n] == parts[:n] and not (path == parts and other_what == what):
                return f"conflicts with the fix of {other_rule} at {pointer_str(path) or '/'}"
        mine.append((parts, what))
    for parts, what in mine:
        claims.setdefault(parts, (owner, rule, what))
    return None


def _fix_chunk(path: str, chunk: Chunk, findings: list[Finding], fallback: Indent, result: FileFix) -> str:
    """Patch one document of a YAML stream; returns its new text (or the old one when refused)."""
    loaded = load_text(path, chunk.text)
    docs = {id(o.document): o.document for o in loaded.objects}
    if loaded.errors or len(docs) != 1:
        why = "the document no longer reads as one valid document"
        result.skipped.extend(Skipped(f, why) for f in findings)
        return chunk.text
    base = next(iter(docs.values())).data
    patched, ops, accepted = _validated(loaded.objects, findings, base, chunk.line, result)
    if not accepted:
        return chunk.text
    if patched == base:
        result.skipped.extend(Skipped(f, "the fix changes nothing") for f in accepted)
        return chunk.text
    new_text, why = _rewrite(path, chunk.text, ops, patched, fallback)
    if new_text is None:
        result.skipped.extend(Skipped(f, why) for f in accepted)
        return chunk.text
    result.applied.extend(accepted)
    return new_text


def _validated(objects: list[K8sObject], findings: list[Finding], base: Any, first_line: int,
               result: FileFix) -> tuple[Any, list[dict[str, Any]], list[Finding]]:
    """Apply each finding's fix with ``jsonpatch`` in turn; keep the ones that apply without conflict."""
    patched = copy.deepcopy(base)
    ops_all: list[dict[str, Any]] = []
    accepted: list[Finding] = []
    claims: dict[tuple[str, ...], tuple[int, str, Any]] = {}
    counts: dict[int, Counter[int]] = {}  # per document: how often each node is referenced
    for f in findings:
        obj = _match(objects, f, first_line)
        if obj is None:
            result.skipped.append(Skipped(f, "its object is no longer in the file as linted"))
            continue
        saved = dict(claims)
        try:
            ops = _rebased(f.fix, pointer_str(obj.prefix))
            why = _shared_write(obj.document, ops, counts) or _conflict(claims, ops, id(f), f.rule)
            if why is None:
                # In place (a copy of the document per finding is quadratic on a List of hundreds
                # of objects), with copies of the values so later operations cannot edit `ops`.
                jsonpatch.apply_patch(patched, copy.deepcopy(ops), in_place=True)
        except (ValueError, TypeError, KeyError, jsonpatch.JsonPatchException,
                jsonpointer.JsonPointerException) as exc:
            why = f"the patch does not apply: {exc}"
            # A multi-operation patch may have failed half-way: rebuild from what was accepted.
            patched = jsonpatch.apply_patch(base, copy.deepcopy(ops_all))
        if why is not None:
            claims.clear()
            claims.update(saved)  # a refused fix claims nothing
            result.skipped.append(Skipped(f, why))
            continue
        ops_all.extend(ops)
        accepted.append(f)
    return patched, ops_all, accepted


def _shared_write(doc: Document, ops: list[dict[str, Any]], counts: dict[int, Counter[int]]) -> str | None:
    """Why ``ops`` must not be applied: they write into a node that an alias shares (None if not)."""
    if doc.node is None:
        return None
    if id(doc) not in counts:
        counts[id(doc)] = reference_counts(doc.node)
    for op in ops:
        for key in ("path", "from") if op.get("op") == "move" else ("path",):
            node = shared_on_path(doc.node, jsonpointer.JsonPointer(op[key]).parts, counts[id(doc)])
            if node is not None:
                return (f"it would change a node shared through a YAML anchor (line "
                        f"{doc.line_offset + node.start_mark.line + 1}) that other objects or fields "
                        "use too; apply it by hand where only this object changes")
    return None


class FixError(Exception):
    """A patch that cannot be applied to a document's text safely."""


def patch_document(text: str, ops: list[dict[str, Any]], name: str = "<text>") -> str:
    """One YAML document's text with an RFC 6902 patch (document-relative paths) applied.

    The building block of :func:`fix_file`, public for callers that hold text rather than
    findings. Raises :class:`FixError` when the text is not one document, the patch does not
    apply, or the result would not read back as the patched data.
    """
    loaded = load_text(name, text)
    docs = {id(o.document): o.document for o in loaded.objects}
    if loaded.errors or len(docs) != 1:
        raise FixError("the text is not one valid Kubernetes document")
    try:
        expected = jsonpatch.apply_patch(next(iter(docs.values())).data, copy.deepcopy(ops))
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError, KeyError) as exc:
        raise FixError(f"the patch does not apply: {exc}") from exc
    new_text, why = _rewrite(name, text, ops, expected, None)
    if new_text is None:
        raise FixError(why)
    return new_text


def _rewrite(path: str, text: str, ops: list[dict[str, Any]], expected: Any,
             fallback: Indent | None) -> tuple[str | None, str]:
    """The document's text with ``ops`` applied, proven to read back as ``expected``."""
    lf = text.replace("\r\n", "\n")
    y = round_trip(detect_indent(lf, fallback))
    explicit = lf.startswith("---")
    try:
        tree = y.load(lf)
        before = dump(y, tree, explicit)
        apply_patch(tree, ops)
        after = dump(y, tree, explicit)
    except PatchError as exc:
        return None, f"the patch does not apply to the file's text: {exc}"
    except Exception as exc:  # noqa: BLE001 - ruamel has no narrow failure contract; refusing is always safe
        return None, f"the document cannot be round-tripped: {type(exc).__name__}"
    crlf = "\r\n" in text
    for candidate in (merge(text, before, after), after.replace("\n", "\r\n") if crlf else after):
        if candidate is not None and _reads_as(path, candidate, expected):
            return candidate, ""
    return None, "the rewritten document would not read back as the patched object"


def _reads_as(path: str, text: str, expected: Any) -> bool:
    loaded = load_text(path, text)
    docs = {id(o.document): o.document for o in loaded.objects}
    return not loaded.errors and len(docs) == 1 and next(iter(docs.values())).data == expected


def _fix_json(path: str, text: str, findings: list[Finding], result: FileFix) -> str:
    """JSON has no comments to keep; the layout is kept by the same merge where it is ``json.dumps``-like."""
    loaded = load_text(path, text)
    base = json.loads(text)
    patched, _, accepted = _validated(loaded.objects, findings, base, 1, result)
    if not accepted or patched == base:
        result.skipped.extend(Skipped(f, "the fix changes nothing") for f in accepted)
        return text
    second = text.split("\n", 2)[1] if text.count("\n") >= 2 else ""
    indent = (len(second) - len(second.lstrip(" "))) or None
    ending = "\n" if text.endswith("\n") else ""
    before = json.dumps(base, indent=indent, ensure_ascii=False) + ending
    after = json.dumps(patched, indent=indent, ensure_ascii=False) + ending
    for candidate in (merge(text, before, after), after):
        if candidate is not None:
            try:
                if json.loads(candidate) == patched:
                    result.applied.extend(accepted)
                    return candidate
            except ValueError:
                continue
    result.skipped.extend(Skipped(f, "the rewritten JSON would not read back as the patched object")
                          for f in accepted)
    return text


def unified_diff(fix: FileFix, context: int = 3) -> str:
    """``git apply``-able diff of one file (``a/``, ``b/`` prefixes; missing final newlines marked)."""
    old, new = split_lines(fix.original), split_lines(fix.fixed)
    path = fix.path
    if os.path.isabs(path):  # relative to the working directory when under it: `git apply` wants that
        rel = os.path.relpath(path)
        path = rel if not rel.startswith("..") else path
    name = path.replace(os.sep, "/").removeprefix("./")
    hunks = grouped(old, new, context)
    a, b = ("a/", "b/") if not name.startswith("/") else ("", "")
    out = [f"--- {a}{name}\n", f"+++ {b}{name}\n"] if hunks else []
    for group in hunks:
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_span(i1, i2)} +{_span(j1, j2)} @@\n")
        for tag, a1, a2, b1, b2 in group:
            lines = [(" ", ln) for ln in old[a1:a2]] if tag == "equal" else \
                [("-", ln) for ln in old[a1:a2]] + [("+", ln) for ln in new[b1:b2]]
            for mark, line in lines:
                out.append(mark + line if line.endswith("\n") else f"{mark}{line}\n\\ No newline at end of file\n")
    return "".join(out)


def _span(start: int, stop: int) -> str:
    """A hunk range as unified diffs write it: ``start,length`` (1-based; ``start`` alone for one line)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


class WriteRefused(Exception):
    """A fixed file that is not written, and why (the CLI reports it and exits 2)."""


def write_fixed(fix: FileFix, roots: Iterable[str] = ()) -> None:
    """Write the fixed text back, never anywhere but the linted file itself.

    Refused: a path that is a symbolic link (the link's target may be anyone's file), a file
    that resolves outside ``roots`` (the paths given on the command line), anything but a
    regular file, and a file that changed since it was read. A file with one link is replaced
    atomically (temporary file in the same directory, same mode and owner, ``os.replace``); a
    file with several hard links is rewritten in place so every link sees the fix. When the
    owner cannot be kept, the file is rewritten in place too (that keeps the inode's owner).
    """
    path = fix.path
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise WriteRefused("a symbolic link; not rewritten through it (fix its target directly)")
    if not stat.S_ISREG(st.st_mode):
        raise WriteRefused("not a regular file")
    link = _linked_directory(path)
    if link is not None:
        raise WriteRefused(f"reached through the symbolic link {link}; not written")
    real = os.path.realpath(path)
    tops = [os.path.realpath(r) for r in roots]
    if tops and not any(real == t or real.startswith(t.rstrip(os.sep) + os.sep) for t in tops):
        raise WriteRefused("resolves outside the paths given (through a linked directory); not written")
    data = fix.fixed.encode("utf-8")
    if st.st_nlink > 1 or not _replace(path, st, fix, data):
        _rewrite_in_place(path, st, fix, data)


def _linked_directory(path: str) -> str | None:
    """A directory link on the way from the working directory to ``path``, if any.

    Only the part below the working directory is checked: a repository that lives under a
    linked home directory is still fixed.
    """
    rel = os.path.relpath(os.path.abspath(path))
    if rel.startswith(os.pardir):
        return None
    prefix = ""
    for part in Path(rel).parts[:-1]:
        prefix = os.path.join(prefix, part)
        if os.path.islink(prefix):
            return prefix
    return None


def _unchanged(fh: BinaryIO, fix: FileFix) -> bool:
    return fh.read().decode("utf-8", "replace") == fix.original


def _replace(path: str, st: os.stat_result, fix: FileFix, data: bytes) -> bool:
    """Atomic replacement keeping mode and owner; False when the owner cannot be kept."""
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".crashlint-fix-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            os.fchmod(fh.fileno(), stat.S_IMODE(st.st_mode))
            mine = os.fstat(fh.fileno())
            if (mine.st_uid, mine.st_gid) != (st.st_uid, st.st_gid):
                try:
                    os.fchown(fh.fileno(), st.st_uid, st.st_gid)
                except PermissionError:
                    os.unlink(tmp)
                    return False
        with open(path, "rb") as current:
            now = os.fstat(current.fileno())
            if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino) or not _unchanged(current, fix):
                raise WriteRefused("changed while it was being fixed; not written")
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    return True


def _rewrite_in_place(path: str, st: os.stat_result, fix: FileFix, data: bytes) -> None:
    """Truncate and write the same inode (hard links, owner and mode stay), never through a link."""
    fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    with os.fdopen(fd, "r+b") as fh:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino) or not _unchanged(fh, fix):
            raise WriteRefused("changed while it was being fixed; not written")
        fh.seek(0)
        fh.write(data)
        fh.truncate()
