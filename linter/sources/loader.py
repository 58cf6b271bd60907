"""Read manifests from files, directories and stdin into objects that remember where they came from.

Speed matters here more than anywhere: the CLI runs on every commit and real repositories
carry megabytes of CustomResourceDefinitions that no rule reads. So the loader

* splits a stream into documents at column-0 ``---`` lines (YAML forbids that line inside
  content, so the split is exact) — each document parses on its own, and one malformed
  document does not hide the others;
* sniffs the top-level ``kind:`` of each document with a regular expression and skips the
  kinds no rule reads without parsing them at all;
* composes the rest with libyaml (PyYAML's C parser) with the garbage collector paused, which
  keeps every node's line and column, and constructs plain Python data from the nodes.

The composed node tree is kept beside the data: a finding names a JSON pointer and the
document turns it into a 1-based ``line``/``column`` only when something is reported.
"""

from __future__ import annotations

import gc
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable

import yaml

from crashlint.sources.limits import Limits, read_at_most
from crashlint.model.objects import K8sObject, LoadError, is_list_kind
from crashlint.model.document import Document
from crashlint.model.report import SkippedFile
from crashlint.model.record import Record
from crashlint.sources.nonmanifest import (NOT_KUBERNETES, helm_chart, helm_note, helm_reason, looks_like_manifest,
                                           template_reason, unreadable_reason)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

try:  # libyaml is the fast path; the pure-Python parser gives the same nodes, slower.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]  # same constructors and resolver, pure Python

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Loader(_BaseLoader):
    """Safe loader that reads manifests the way kubectl does, not the way YAML 1.1 theory does.

    YAML 1.1 resolves a bare ``=`` to the ``value`` tag, which has no constructor and crashes
    loaders on real manifests (``operator: =``); Kubernetes reads it as the string ``"="``.
    A bare ``2024-01-01`` is a ``timestamp`` to YAML 1.1 but a string to kubectl (its decoder
    keeps timestamps as text for untyped fields); loading it as a ``date`` would also put a
    value no JSON output can carry into findings and fixes.
    """

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers
                if tag not in ("tag:yaml.org,2002:value", "tag:yaml.org,2002:timestamp")]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    # How merge keys (``<<: *base``) combine with the mapping's own keys: kubectl's decoder
    # (sigs.k8s.io/yaml, a go-yaml v2 fork) applies a merge where it is written, so a key written
    # *before* ``<<`` is overwritten by the merged value and a key after it wins; of a list
    # ``<<: [*a, *b]`` the first mapping wins. ``KustomizeLoader`` reads them as kustomize does.
    own_keys_win = False

    def __init__(self, stream: bytes) -> None:
        super().__init__(stream)
        # (key, line, column, first line) of repeated keys of the document being constructed.
        self.duplicates: list[tuple[str, int, int, int, bool]] = []
        self.line_offset = 0
        self._flattened: set[int] = set()  # ids of mapping nodes whose merge keys are resolved

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        """Resolve the merge keys of ``node`` in place, so that its last entry for a key wins.

        Replaces PyYAML's own flattening, which lets the mapping's own keys win wherever they are
        written (the YAML 1.1 merge-key draft, and kustomize; not kubectl) and, from PyYAML 6.0.2,
        drops merged keys by the identity of their text, so a nested merge's own key may lose.
        A node is flattened once: an anchored mapping merged in several places, or constructed
        after it was merged, keeps its first result. Its repeated keys are recorded then, from
        the entries as written (a key that a merge supplies again is the point of merging).
        """
        if id(node) in self._flattened:
            return
        self._flattened.add(id(node))
        repeated = self._record_duplicates(node)
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        own: list[tuple[yaml.Node, yaml.Node]] = []
        for key, value in node.value:
            if key.tag != _MERGE_TAG:
                own.append((key, value))
                continue
            # Earlier mappings of a list win: put them last, where the dict keeps the last value.
            sources = list(reversed(value.value)) if isinstance(value, yaml.SequenceNode) else [value]
            entries = merged if self.own_keys_win else own
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"expected a mapping or list of mappings for merging, but found {source.id}",
                        source.start_mark)
                self.flatten_mapping(source)
                entries.extend(source.value)
        node.value = merged + own
        if repeated and self.own_keys_win:
            # kustomize applies the first value of a repeated key in a strategic-merge patch:
            # kept aside for first_value_wins(), which the build calls on such patches only.
            firsts: dict[str, tuple[yaml.Node, yaml.Node]] = {}
            for key, value in own:
                firsts.setdefault(key.value if isinstance(key, yaml.ScalarNode) else str(id(key)), (key, value))
            node.__dict__["first_wins"] = merged + list(firsts.values())  # popped the same way

    def _record_duplicates(self, node: yaml.MappingNode) -> bool:
        """Records the repeated keys of one mapping as written (the data keeps the last value);
        whether there were any."""
        if len(node.value) < 2:
            return False
        found = False
        seen: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode) or (k.tag == _MERGE_TAG and not self.own_keys_win):
                continue  # kubectl applies each ``<<`` in turn; kustomize refuses a second one
            first = seen.setdefault(k.value, (k, v))
            if first[0] is not k:
                found = True
                self.duplicates.append((k.value, self.line_offset + k.start_mark.line + 1, k.start_mark.column + 1,
                                        self.line_offset + first[0].start_mark.line + 1, same_node(first[1], v)))
        return found


def same_node(a: yaml.Node, b: yaml.Node) -> bool:
    """Whether two nodes hold the same value as written (tags, scalars, entries in order).

    Stops at the first difference, so comparing a repeated key's two values costs at most the
    size of the smaller one; a node shared through an alias is the same without a walk.
    """
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        if type(x) is not type(y) or x.tag != y.tag or len(x.value) != len(y.value):
            return False
        if isinstance(x, yaml.ScalarNode):
            if x.value != y.value:
                return False
        elif isinstance(x, yaml.MappingNode):
            stack.extend(pair for kx_vx, ky_vy in zip(x.value, y.value) for pair in zip(kx_vx, ky_vy))
        else:
            stack.extend(zip(x.value, y.value))
    return True


class KustomizeLoader(_Loader):
    """Reads merge keys as ``kustomize build`` does (kyaml on go-yaml v3, checked with kustomize
    v5.8): the mapping's own keys win wherever they are written, the first mapping of a list
    wins, and a second ``<<`` in one mapping is refused (``duplicate merge key``), so it is
    recorded as a repeated key."""

    own_keys_win = True


class _Rebuilder(KustomizeLoader):
    """Constructs data again from nodes already flattened (no merge keys left to resolve)."""

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        return None


def first_value_wins(doc: "Document") -> None:
    """Make ``doc`` (read by :class:`KustomizeLoader`) hold the first value of each repeated key,
    as kustomize applies a strategic-merge patch (checked with kustomize v5.8: of ``replicas: 2``
    then ``replicas: 3`` in a patch, 2 is applied, silently). Data and positions both follow;
    idempotent, and a no-op for a document without repeated keys."""
    if not doc.duplicate_keys or doc.node is None:
        return
    stack, seen, changed = [doc.node], set(), False
    while stack:  # every node once: aliases share nodes
        node = stack.pop()
        if id(node) in seen or isinstance(node, yaml.ScalarNode):
            continue
        seen.add(id(node))
        firsts = node.__dict__.pop("first_wins", None)
        if firsts is not None:
            node.value, changed = firsts, True
        if isinstance(node, yaml.MappingNode):
            stack.extend(c for kv in node.value for c in kv)
        else:
            stack.extend(node.value)
    if changed:
        rebuilder = _Rebuilder(b"")
        try:
            doc.data = rebuilder.construct_document(doc.node)
        finally:
            rebuilder.dispose()


def _construct_undefined(loader: _Loader, node: yaml.Node) -> Any:
    """Unknown tags (``!Ref``, ``!!python/object``) load as their plain value, never as code."""
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    assert isinstance(node, yaml.ScalarNode)  # the composer makes no other kind of node
    return loader.construct_scalar(node)


_Loader.add_constructor(None, _construct_undefined)

_DOC_SPLIT = re.compile(rb"^---(?=[ \t\r\n]|$)", re.M)
_KIND_LINE = re.compile(rb"^kind[ \t]*:[ \t]*(?:\"([A-Za-z0-9._-]+)\"|'([A-Za-z0-9._-]+)'|([A-Za-z0-9._-]+))"
                        rb"[ \t]*(?:#[^\n]*)?\r?$", re.M)
# Every column-0 ``kind`` key, however its value is written (tag, anchor, next line, flow).
_KIND_KEY = re.compile(rb"^kind[ \t]*:", re.M)
# A column-0 line that is not a plain ``key:``, comment, marker, directive, indented or blank
# line: a quoted or complex key, a merge key, a flow collection or its continuation. Such a
# document may hold its kind where the sniff cannot see it.
_ODD_TOP_LINE = re.compile(rb"^(?![A-Za-z0-9_./-]+[ \t]*:(?:[ \t]|\r?$)|#|---|\.\.\.|%|[ \t]|\r?$)", re.M)
_TEXT_SUFFIXES = (".yaml", ".yml", ".json")
# A repository of templates must not bury the findings under notes; -o json lists them all.
_MAX_TEMPLATE_NOTES = 10


class LoadResult(Record):
    """Everything read from the sources: objects to lint, errors to report, counts for the summary."""

    __slots__ = ("objects", "errors", "files", "skipped_objects", "notes", "skipped_files", "unparsable")

    objects: list[K8sObject]
    errors: list[LoadError]
    files: int
    skipped_objects: int
    notes: list[str]  # what was left out on purpose (links out of the tree)
    skipped_files: list[SkippedFile]  # not manifests: listed, never exit 2
    unparsable: int  # documents that are not YAML/JSON at all (syntax errors), among ``errors``

    def __init__(self, files: int = 0, skipped_objects: int = 0, unparsable: int = 0) -> None:
        self.objects = []
        self.errors = []
        self.files = files
        self.skipped_objects = skipped_objects
        self.notes = []
        self.skipped_files = []
        self.unparsable = unparsable

    @property
    def object_count(self) -> int:
        return len(self.objects) + self.skipped_objects


class gc_paused:  # lower case: used as `with gc_paused():`, as the function it was
    """Composing and decoding allocate millions of small objects that all live on; a GC pass
    over them costs several times the parse (runtime mode's dump reader uses it too).

    A class rather than ``contextlib.contextmanager``: importing ``contextlib`` costs every start
    of a lint 0.7 ms."""

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._was_enabled:
            gc.enable()


def _inside(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def expand_paths(paths: Iterable[str], excluded: Callable[[str], bool] | None = None,
                 notes: list[str] | None = None,
                 skipped: list[SkippedFile] | None = None) -> tuple[list[str], list[LoadError]]:
    """Files to read, in a stable order: directories walked recursively for YAML/JSON files.

    A symbolic link to a directory is followed only when it resolves inside one of the given
    directories (a link to ``/`` would otherwise walk the whole filesystem), and each directory
    is read once (a link to an ancestor cannot loop). What is not followed is said once in
    ``notes``; it is not an input error. Helm chart templates, walked into or named, go to
    ``skipped`` with one note per chart.
    """
    out: list[str] = []
    errors: list[LoadError] = []
    notes = notes if notes is not None else []
    skipped = skipped if skipped is not None else []
    charts: dict[str, int] = {}

    def take(path: str) -> None:
        if excluded is not None and excluded(path):
            return
        chart = helm_chart(path)
        if chart is None:
            out.append(path)
            return
        charts[chart] = charts.get(chart, 0) + 1
        skipped.append(SkippedFile(path, helm_reason(chart)))

    raws = list(paths)
    roots = [os.path.realpath(raw) for raw in raws if raw != "-" and os.path.isdir(raw)]
    for raw in raws:
        if raw == "-":
            out.append("-")
            continue
        if os.path.isdir(raw):
            seen: set[tuple[int, int]] = set()
            for root, dirs, files in os.walk(raw, followlinks=True):
                st = os.stat(root)
                ident = (st.st_dev, st.st_ino)
                if ident in seen:
                    notes.append(f"{os.path.normpath(root)}: a symbolic link back into the tree; not followed again")
                    dirs[:] = []
                    continue
                seen.add(ident)
                kept = []
                for d in sorted(dirs):
                    full = os.path.join(root, d)
                    if d.startswith("."):
                        continue
                    if os.path.islink(full) and not _inside(os.path.realpath(full), roots):
                        notes.append(f"{os.path.normpath(full)}: a symbolic link to a directory outside "
                                     "the linted paths; not followed")
                        continue
                    kept.append(d)
                dirs[:] = kept
                for name in sorted(files):
                    # Hidden files are tool configuration (.crashlint.yaml, .pre-commit-config.yaml).
                    if name.lower().endswith(_TEXT_SUFFIXES) and not name.startswith("."):
                        take(os.path.normpath(os.path.join(root, name)))
        elif os.path.exists(raw):
            take(os.path.normpath(raw))
        else:
            errors.append(LoadError(raw, 0, _not_there(raw)))
    notes.extend(helm_note(chart, count) for chart, count in charts.items())
    return out, errors


def _not_there(path: str) -> str:
    """Why ``path`` cannot be linted although it was named: what the system says, in lower case
    ("no such file or directory", "permission denied"), as every other error here is worded."""
    try:
        os.stat(path)
    except OSError as exc:
        return (exc.strerror or "cannot be read").lower()
    except ValueError:  # a NUL in the path
        return "no such file or directory"
    return "no such file or directory"  # gone between the two looks


def load_paths(paths: Iterable[str], limits: Limits, wanted_kinds: frozenset[str] | None = None,
               excluded: Callable[[str], bool] | None = None, stdin: Any = None) -> LoadResult:
    """Load every manifest under ``paths``; never raises for bad input."""
    result = LoadResult()
    files, result.errors = expand_paths(paths, excluded, result.notes, result.skipped_files)
    result.files = len(result.skipped_files)
    with gc_paused():  # per file, re-enabling would collect over everything loaded so far: quadratic
        for path in files:
            _load_one(path, limits, result, wanted_kinds, stdin)
    noted = [s for s in result.skipped_files if s.noted]
    result.notes.extend(f"{s.file}: {s.reason}" for s in noted[:_MAX_TEMPLATE_NOTES])
    if len(noted) > _MAX_TEMPLATE_NOTES:
        result.notes.append(f"... and {len(noted) - _MAX_TEMPLATE_NOTES} more template file(s) skipped "
                            "(all are listed under \"skipped\" in -o json)")
    return result


def _load_one(path: str, limits: Limits, result: LoadResult, wanted_kinds: frozenset[str] | None,
              stdin: Any) -> None:
    """Read one path (or stdin) into ``result``."""
    result.files += 1
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        raw = read_at_most(stream, limits.max_file_bytes + 1)
        name = "<stdin>"
    else:
        name = path
        try:
            # Never open a FIFO (blocks forever) or a device (/dev/zero never ends): stat first.
            if not stat.S_ISREG(os.stat(path).st_mode):
                result.errors.append(LoadError(path, 0, "not a regular file (a FIFO, device or socket); not read"))
                return
            with open(path, "rb") as fh:
                raw = read_at_most(fh, limits.max_file_bytes + 1)
        except OSError as exc:
            result.errors.append(LoadError(path, 0, f"cannot read: {exc.strerror or exc}"))
            return
    own = LoadResult()
    text = load_bytes(name, raw, limits, own, wanted_kinds)
    _settle(name, raw if text is None else text, own, result)


def _settle(name: str, text: bytes, own: LoadResult, result: LoadResult) -> None:
    """Add one file's load to ``result``, or skip the file when it is not a manifest.

    Errors stay errors (exit 2) only in a file meant as a manifest: one that gave an object, or
    whose text has a document with ``apiVersion`` and ``kind``. A file that does not parse and
    carries template markers is a template (skipped, with how to lint its output) — unless a
    limit refused it (a bomb stays an error). Bytes that are not text (NULs: binary, or UTF-16
    without a byte order mark) cannot be judged and stay an error.
    """
    found = bool(own.objects or own.skipped_objects)
    skip = None
    if not own.errors:
        skip = None if found else SkippedFile(name, NOT_KUBERNETES)
    elif b"\x00" in text[:8192]:
        skip = None
    elif own.unparsable == len(own.errors) and (reason := template_reason(text)) is not None:
        skip = SkippedFile(name, reason, noted=True)
    elif not found and not looks_like_manifest(text):
        skip = SkippedFile(name, unreadable_reason(own.errors[0].message, own.errors[0].line))
    if skip is not None:
        result.skipped_files.append(skip)
        return
    result.objects.extend(own.objects)
    result.errors.extend(own.errors)
    result.skipped_objects += own.skipped_objects


def _decode(name: str, raw: bytes) -> tuple[bytes | None, LoadError | None]:
    """UTF-8 (with or without BOM) passes through; UTF-16/32 with a BOM is transcoded; binary is refused."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        codec = "utf-32" if raw[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") else "utf-16"
        try:
            raw = raw.decode(codec).encode("utf-8")
        except UnicodeDecodeError as exc:
            return None, LoadError(name, 1, f"invalid {codec.upper()} text: {exc.reason}")
    if b"\x00" in raw[:8192]:
        return None, LoadError(name, 1, "binary file (contains NUL bytes); not a manifest")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, LoadError(name, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})")
    return raw, None


def load_bytes(name: str, raw: bytes, limits: Limits, result: LoadResult,
               wanted_kinds: frozenset[str] | None = None) -> bytes | None:
    """Parse one source's bytes into ``result``; returns the decoded text (None if not decoded)."""
    if len(raw) > limits.max_file_bytes:
        result.errors.append(LoadError(name, 0, f"file larger than {limits.max_file_bytes} bytes; "
                                                "not read (raise limits.max_file_bytes in .crashlint.yaml)"))
        return None
    text, err = _decode(name, raw)
    if err is not None:
        result.errors.append(err)
        return None
    assert text is not None
    if name.lower().endswith(".json") or text.lstrip()[:1] in (b"{", b"["):
        if _load_json(name, text, limits, result, wanted_kinds):
            return text
    starts = [m.start() for m in _DOC_SPLIT.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    starts = _keep_directives_with_their_document(text, starts)
    if len(starts) > limits.max_documents:
        result.errors.append(LoadError(name, 0, f"more than {limits.max_documents} documents; not read"))
        return text
    line = 0
    prev = 0
    with gc_paused():
        for idx, start in enumerate(starts):
            end = starts[idx + 1] if idx + 1 < len(starts) else len(text)
            line += text.count(b"\n", prev, start)
            prev = start
            chunk = text[start:end]
            if wanted_kinds is not None:
                kind = _sniffed_kind(chunk)
                if kind is not None and kind not in wanted_kinds and not is_list_kind(kind):
                    result.skipped_objects += 1
                    continue
            _parse_chunk(name, idx, line, chunk, limits, result, wanted_kinds)
    return text


def _sniffed_kind(chunk: bytes) -> str | None:
    """The document's top-level kind when a line scan is sure of it; None means "parse it".

    Skipping by sniff must never hide a workload: a ``kind: CustomResourceDefinition`` line
    inside a multi-line quoted string or flow mapping, next to a real ``"kind": Deployment``
    the scan cannot read, once made a Deployment vanish unlinted. So the scan is trusted only
    when exactly one column-0 ``kind`` key exists, it is written plainly, and no column-0 line
    is of a form that could hold another.
    """
    kinds = _KIND_LINE.findall(chunk)
    if len(kinds) != 1 or len(_KIND_KEY.findall(chunk)) != 1 or _ODD_TOP_LINE.search(chunk):
        return None
    return b"".join(kinds[0]).decode()


def _keep_directives_with_their_document(text: bytes, starts: list[int]) -> list[int]:
    """``%YAML``/``%TAG`` lines belong to the document after the next ``---``: do not split there."""
    kept = [starts[0]]
    for i, start in enumerate(starts[1:], start=1):
        head = text[starts[i - 1]:start]
        lines = [ln.strip() for ln in head.splitlines() if ln.strip()]
        if lines and all(ln.startswith((b"%", b"#")) for ln in lines) and any(ln.startswith(b"%") for ln in lines):
            continue
        kept.append(start)
    return kept


def _load_json(name: str, text: bytes, limits: Limits, result: LoadResult,
               wanted_kinds: frozenset[str] | None) -> bool:
    """JSON is validated with ``json`` (exact errors), then composed as YAML for positions.

    JSON is YAML as far as libyaml is concerned; when composing fails anyway, or the file is too
    large to want positions, the objects keep document-level positions. Returns False when the text is not JSON after all (let the YAML path try).
    """
    if not text.strip():
        return True  # an empty file: no document at all
    problem = too_dense(text, limits)
    if problem is not None:
        result.errors.append(LoadError(name, 1, problem))
        return True
    try:
        values = _json_values(text)
    except ValueError as exc:
        if name.lower().endswith(".json"):
            line = getattr(exc, "lineno", 1)
            result.errors.append(LoadError(name, line, f"invalid JSON: {getattr(exc, 'msg', exc)}"))
            result.unparsable += 1
            return True
        return False
    except RecursionError:
        result.errors.append(LoadError(name, 1, "JSON nested deeper than Python can read; not read"))
        return True
    for idx, (start, end, data) in enumerate(values):
        line = text.count(b"\n", 0, start)
        column = start - (text.rfind(b"\n", 0, start) + 1)
        if len(text) <= limits.max_positioned_json_bytes:
            errors, objects, skipped = len(result.errors), len(result.objects), result.skipped_objects
            # In valid JSON a raw tab can only be whitespace outside strings; libyaml refuses tabs as
            # indentation, so swap them for spaces (one for one: columns stay exact). A value that
            # starts inside a line keeps its columns behind as many spaces.
            chunk = b" " * column + text[start:end].replace(b"\t", b" ")
            unparsable = result.unparsable
            with gc_paused():
                _parse_chunk(name, idx, line, chunk, limits, result, wanted_kinds)
            if len(result.errors) == errors:
                continue
            del result.errors[errors:], result.objects[objects:]
            result.skipped_objects, result.unparsable = skipped, unparsable
        _add_data(name, Document(name, idx, line, data), data, result, wanted_kinds)
    return True


_JSON_SPACE = re.compile(r"[ \t\r\n]*")


def _json_values(text: bytes) -> list[tuple[int, int, Any]]:
    """(start, end, data) of each value of a JSON text; raises ValueError when it is not JSON.

    ``{...}\n{...}`` is one stream of several objects to kubectl (its decoder reads JSON values
    one after the other), so it is read as such, not refused as "extra data".
    """
    try:
        return [(0, len(text), json.loads(text))]
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise
        first = exc
    decoder = json.JSONDecoder()
    chars = text.decode("utf-8")
    values: list[tuple[int, int, Any]] = []
    pos = byte = 0
    while True:
        space = _JSON_SPACE.match(chars, pos)
        assert space is not None  # the pattern matches the empty string
        start = space.end()
        if start == len(chars):
            return values
        byte += len(chars[pos:start].encode("utf-8"))
        try:
            data, pos = decoder.raw_decode(chars, start)
        except json.JSONDecodeError:
            raise first from None
        end = byte + len(chars[start:pos].encode("utf-8"))
        values.append((byte, end, data))
        byte = end


# What one JSON object or array costs once decoded (a small dict with its slot in the parent).
_CONTAINER_BYTES = 200
# Below this the data is small whatever its shape: the density check only bounds large inputs.
_DENSITY_FLOOR = 64 * 1024 * 1024


def too_dense(text: bytes | str, limits: Limits) -> str | None:
    """Why decoding ``text`` would take more than ``max_memory_factor`` times its size (None if not).

    Counted before decoding, with two C-speed byte counts: brackets inside strings are
    counted too, which only makes the estimate larger.
    """
    if isinstance(text, bytes):
        containers = text.count(b"{") + text.count(b"[")
    else:
        containers = text.count("{") + text.count("[")
    if containers * _CONTAINER_BYTES <= max(limits.max_memory_factor * len(text), _DENSITY_FLOOR):
        return None
    return (f"{containers} JSON objects/arrays in {len(text)} bytes would take more than "
            f"{limits.max_memory_factor}x the file's size in memory; not read "
            "(raise limits.max_memory_factor in .crashlint.yaml)")


def _parse_chunk(name: str, idx: int, line: int, chunk: bytes, limits: Limits, result: LoadResult,
                 wanted_kinds: frozenset[str] | None) -> None:
    loader = _Loader(chunk)
    sub = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            doc = Document(name, idx * 1000 + sub, line, None, node)
            sub += 1
            loader.duplicates, loader.line_offset = doc.duplicate_keys, line
            problem = _check_node_tree(node, limits) if _may_be_hostile(chunk, limits) else None
            if problem is not None:
                msg, mark = problem
                result.errors.append(LoadError(name, line + mark.line + 1, msg))
                continue
            try:
                data = loader.construct_document(node)
            except (yaml.YAMLError, RecursionError) as exc:
                raise exc
            except Exception:  # PyYAML's constructors raise anything on bad explicit tags
                result.errors.append(_bad_tag_error(name, line, loader, node))
                continue
            doc.data = data
            _add_data(name, doc, data, result, wanted_kinds)
    except yaml.MarkedYAMLError as exc:
        at = exc.problem_mark or exc.context_mark
        where = line + (at.line + 1 if at else 1)
        text = " ".join(p for p in (exc.context, exc.problem) if p)
        tab = indenting_tab(chunk, at.line) if at else None
        if tab is not None:
            text = (f"line {where}, column {tab}: a tab indents this line, and YAML allows only spaces "
                    f"for indentation (replace the tab with spaces; the parser said: {text})")
        result.errors.append(LoadError(name, where, f"invalid YAML: {text}"))
        result.unparsable += 1
    except RecursionError:
        result.errors.append(LoadError(name, line + 1, "nesting too deep to read; not read"))
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        result.errors.append(LoadError(name, line + 1, f"invalid YAML: {type(exc).__name__}"))
        result.unparsable += 1
    finally:
        loader.dispose()


def indenting_tab(chunk: bytes, line: int) -> int | None:
    """1-based column of a tab in the indentation of ``chunk``'s 0-based ``line``, if it has one.

    libyaml's messages for it (``found character that cannot start any token``, ``found a tab
    character that violates indentation``) do not say "tab" or where the tab is; this does.
    """
    start = 0
    for _ in range(line):  # at most one find per line before the error
        start = chunk.find(b"\n", start) + 1
        if start == 0:
            return None
    end = chunk.find(b"\n", start)
    text = chunk[start:end if end >= 0 else len(chunk)]
    indent = text[:len(text) - len(text.lstrip(b" \t-?:"))]
    tab = indent.find(b"\t")
    return tab + 1 if tab >= 0 else None


def _bad_tag_error(name: str, line: int, loader: _Loader, root: yaml.Node) -> LoadError:
    """Where a value fails its explicit tag (``!!int hunter2``), without the value.

    Python's messages quote the value (``invalid literal for int(): 'hunter2'``), and the value
    may be a Secret's: the error names the tag and the line only.
    """
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node)
            except Exception:  # noqa: BLE001 - the constructor that failed the document
                tag = node.tag.replace("tag:yaml.org,2002:", "!!")
                return LoadError(name, line + node.start_mark.line + 1,
                                 f"invalid YAML: the value tagged {tag} is not a valid {tag[2:] or tag} "
                                 "(value not shown; it may be secret)")
        elif isinstance(node, yaml.MappingNode):
            stack.extend(c for kv in reversed(node.value) for c in reversed(kv))
        else:
            stack.extend(reversed(node.value))
    return LoadError(name, line + root.start_mark.line + 1, "invalid YAML: a value does not match its explicit tag")


def _may_be_hostile(chunk: bytes, limits: Limits) -> bool:
    """Whether a document needs the full node walk of :func:`_check_node_tree`.

    Only aliases make the data larger than the text, only a long text holds an oversized
    scalar, and deep nesting needs many brackets or deep indentation (a block level costs at
    least half a column). Most documents have none of these and skip the walk.
    """
    if b"*" in chunk or len(chunk) > limits.max_scalar_bytes:
        return True
    if chunk.count(b"[") + chunk.count(b"{") > limits.max_depth:
        return True
    return re.search(rb"^ {%d}" % (limits.max_depth // 2), chunk, re.M) is not None


def _check_node_tree(root: yaml.Node, limits: Limits) -> tuple[str, yaml.Mark] | None:
    """Refuse alias bombs, recursive aliases and absurd nesting before constructing anything.

    Aliases share nodes, so the *expanded* size (what a consumer walking the data sees) is
    computed with memoisation over unique nodes: linear in the document, exact for bombs.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # Iterative post-order walk: deep nesting must not hit Python's recursion limit.
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        nid = id(node)
        if done:
            on_path.discard(nid)
            if isinstance(node, yaml.MappingNode):
                total = 1 + sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
            else:
                total = 1 + sum(sizes[id(c)] for c in node.value)
            if total > limits.max_expanded_nodes:
                return (f"document expands to more than {limits.max_expanded_nodes} nodes through "
                        "aliases (YAML alias bomb?); not read", node.start_mark)
            sizes[nid] = total
            continue
        if nid in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            if len(node.value) > limits.max_scalar_bytes:
                return f"scalar longer than {limits.max_scalar_bytes} characters; not read", node.start_mark
            sizes[nid] = 1
            continue
        if nid in on_path:
            return "recursive alias (an anchor that contains itself); not read", node.start_mark
        if depth > limits.max_depth:
            return f"nesting deeper than {limits.max_depth} levels; not read", node.start_mark
        on_path.add(nid)
        stack.append((node, depth, True))
        if isinstance(node, yaml.MappingNode):
            children = [c for kv in node.value for c in kv]
        else:
            children = node.value
        for child in children:
            if id(child) not in sizes:
                if id(child) in on_path:
                    return "recursive alias (an anchor that contains itself); not read", child.start_mark
                stack.append((child, depth + 1, False))
    return None


def _add_data(name: str, doc: Document, data: Any, result: LoadResult,
              wanted_kinds: frozenset[str] | None) -> None:
    """Turn a document's data into objects; Lists are unwrapped, non-Kubernetes YAML is skipped quietly."""
    if not isinstance(data, dict):
        return
    kind = data.get("kind")
    # An empty ``kind:`` is no kind (a form to fill in, like a release-note template), not a manifest.
    if kind is not None and not isinstance(kind, str) and "apiVersion" in data:
        _refuse_kind(name, doc, (), result)
        return
    if not isinstance(kind, str) or not isinstance(data.get("apiVersion"), str):
        return
    if is_list_kind(kind) and isinstance(data.get("items"), list):
        for i, item in enumerate(data["items"]):
            if isinstance(item, dict) and "kind" in item and not isinstance(item["kind"], str) and "apiVersion" in item:
                _refuse_kind(name, doc, ("items", i), result)
            elif isinstance(item, dict) and isinstance(item.get("kind"), str):
                if wanted_kinds is None or item["kind"] in wanted_kinds:
                    result.objects.append(K8sObject(item, doc, ("items", i)))
                else:
                    result.skipped_objects += 1
        return
    if wanted_kinds is not None and kind not in wanted_kinds:
        result.skipped_objects += 1
        return
    result.objects.append(K8sObject(data, doc, ()))


def _refuse_kind(name: str, doc: Document, prefix: tuple[str | int, ...], result: LoadResult) -> None:
    """``kind: [Deployment]`` or a mapping: kubectl refuses the object, so say so where it is."""
    line, _ = doc.locate((*prefix, "kind"))
    result.errors.append(LoadError(name, line, "'kind' must be a string (kubectl refuses this object); not linted"))


def load_text(name: str, text: str | bytes, limits: Limits | None = None,
              wanted_kinds: frozenset[str] | None = None) -> LoadResult:
    """Load a string (the webhook's and the tests' entry point)."""
    result = LoadResult(files=1)
    raw = text.encode("utf-8") if isinstance(text, str) else text
    load_bytes(name, raw, limits or Limits(), result, wanted_kinds)
    return result
