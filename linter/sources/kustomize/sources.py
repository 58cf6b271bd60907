"""Read kustomization files, resources and patches as positioned documents, once per build.

The loader keeps only Kubernetes objects; a kustomization (often without ``apiVersion``), a
JSON 6902 patch (a list) and a patch fragment are documents too, and their positions matter
as much. So this module runs the loader's own reader (its libyaml loader, stream split,
decoding and hostile-input guards) and keeps every document, whatever it holds.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
import yaml

from crashlint.model.document import Document, node_at
from crashlint.sources import loader as _ld
from crashlint.sources.limits import Limits, read_at_most
from crashlint.model.objects import LoadError, is_list_kind
from crashlint.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any


class ShiftedDocument(Document):
    """A document embedded in another file's scalar (an inline patch): columns move by its indent."""

    column_offset: int

    __slots__ = ("column_offset",)

    def __init__(self, source: str, index: int, line_offset: int, data: Any, node: yaml.Node | None = None,
                 column_offset: int = 0) -> None:
        super().__init__(source, index, line_offset, data, node)
        self.column_offset = column_offset

    def locate(self, pointer: Iterable[str | int], anchor: str = "auto") -> tuple[int, int]:
        line, col = super().locate(pointer, anchor)
        return line, col + self.column_offset


def parse_documents(name: str, raw: bytes, limits: Limits, line_offset: int = 0, column_offset: int = 0,
                    wanted_kinds: frozenset[str] | None = None,
                    skipped: list[int] | None = None) -> tuple[list[Document], LoadError | None]:
    """Every YAML/JSON document of ``raw`` with its node tree; the first problem as a LoadError.

    With ``wanted_kinds``, documents whose kind the loader's sniff is sure of and no rule reads
    are not parsed (as the loader skips them): megabytes of CRDs cost a line scan.
    """
    if len(raw) > limits.max_file_bytes:
        return [], LoadError(name, 0, f"file larger than {limits.max_file_bytes} bytes; not read")
    text, err = _ld._decode(name, raw)
    if err is not None or text is None:
        return [], err
    if _ld.too_dense(text, limits) is not None:
        return [], LoadError(name, line_offset + 1, "too many JSON objects/arrays for its size; not read")
    starts = [m.start() for m in _ld._DOC_SPLIT.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    starts = _ld._keep_directives_with_their_document(text, starts)
    if len(starts) > limits.max_documents:
        return [], LoadError(name, 0, f"more than {limits.max_documents} documents; not read")
    docs: list[Document] = []
    line = line_offset
    prev = 0
    with _ld.gc_paused():
        for idx, start in enumerate(starts):
            end = starts[idx + 1] if idx + 1 < len(starts) else len(text)
            line += text.count(b"\n", prev, start)
            prev = start
            if wanted_kinds is not None:
                kind = _ld._sniffed_kind(text[start:end])
                if kind is not None and kind not in wanted_kinds and not is_list_kind(kind):
                    if skipped is not None:
                        skipped.append(idx)  # an object no rule reads: counted, not composed
                    continue
            problem = _parse_chunk(name, idx, line, text[start:end].replace(b"\t", b" ")
                                   if name.lower().endswith(".json") else text[start:end],
                                   limits, docs, column_offset)
            if problem is not None:
                return docs, problem
    return docs, None


def _parse_chunk(name: str, idx: int, line: int, chunk: bytes, limits: Limits,
                 out: list[Document], column_offset: int) -> LoadError | None:
    reader = _ld.KustomizeLoader(chunk)  # merge keys as kustomize reads them, not as kubectl -f
    sub = 0
    try:
        while reader.check_node():
            node = reader.get_node()
            if node is None:
                continue
            doc = ShiftedDocument(name, idx * 1000 + sub, line, None, node)
            doc.column_offset = column_offset
            sub += 1
            reader.duplicates, reader.line_offset = doc.duplicate_keys, line
            if _ld._may_be_hostile(chunk, limits):
                problem = _ld._check_node_tree(node, limits)
                if problem is not None:
                    return LoadError(name, line + problem[1].line + 1, problem[0])
            try:
                doc.data = reader.construct_document(node)
            except (yaml.YAMLError, RecursionError):
                raise
            except Exception:  # noqa: BLE001 - constructors raise anything on bad explicit tags
                return LoadError(name, line + node.start_mark.line + 1, "invalid YAML: a value does not match its tag")
            out.append(doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return LoadError(name, line + (mark.line + 1 if mark else 1),
                         "invalid YAML: " + " ".join(p for p in (exc.context, exc.problem) if p))
    except RecursionError:
        return LoadError(name, line + 1, "nesting too deep to read; not read")
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        return LoadError(name, line + 1, f"invalid YAML: {type(exc).__name__}")
    finally:
        reader.dispose()
    return None


class SourceCache(Record):
    """Each file is read and composed once per build, however many units use it."""

    __slots__ = ("limits", "wanted_kinds", "docs", "raw", "objects")

    limits: Limits
    wanted_kinds: frozenset[str] | None
    docs: dict[tuple[str, bool], tuple[list[Document], LoadError | None]]
    raw: dict[str, bytes | LoadError]
    # Objects each resource file holds (those composed and those skipped by kind), for the summary.
    objects: dict[str, int]

    def __init__(self, limits: Limits, wanted_kinds: frozenset[str] | None = None) -> None:
        self.limits = limits
        self.wanted_kinds = wanted_kinds
        self.docs = {}
        self.raw = {}
        self.objects = {}

    def read_bytes(self, path: str) -> bytes | LoadError:
        """The bytes of a regular file (never a FIFO or device), bounded by the file size limit."""
        if path not in self.raw:
            try:
                if not stat.S_ISREG(os.stat(path).st_mode):
                    self.raw[path] = LoadError(path, 0, "not a regular file; not read")
                else:
                    with open(path, "rb") as fh:
                        data = read_at_most(fh, self.limits.max_file_bytes + 1)
                    self.raw[path] = data if len(data) <= self.limits.max_file_bytes else LoadError(
                        path, 0, f"file larger than {self.limits.max_file_bytes} bytes; not read")
            except OSError as exc:
                self.raw[path] = LoadError(path, 0, f"cannot read: {exc.strerror or exc}")
        return self.raw[path]

    def documents(self, path: str, resources: bool = False) -> tuple[list[Document], LoadError | None]:
        """The file's documents (shared: callers copy before changing data).

        ``resources``: the file is read for its objects, so kinds no rule reads may be skipped;
        kustomizations and patches are always read whole.
        """
        key = (path, resources)
        if key not in self.docs:
            raw = self.read_bytes(path)
            wanted = self.wanted_kinds if resources else None
            skipped: list[int] = []
            self.docs[key] = ([], raw) if isinstance(raw, LoadError) else parse_documents(
                path, raw, self.limits, wanted_kinds=wanted, skipped=skipped)
            if resources:
                self.objects[path] = len(self.docs[key][0]) + len(skipped)
        return self.docs[key]


def inline_documents(kdoc: Document, pointer: tuple[str | int, ...], text: str, limits: Limits,
                     source: bytes | None) -> tuple[list[Document], LoadError | None]:
    """Documents of a patch written inline in a kustomization, positioned inside that file.

    ``source``: the kustomization's bytes, to find where a block scalar's content starts
    (libyaml's marks do not carry the text).
    """
    node = node_at(kdoc.node, pointer)
    line, col = kdoc.line_offset, 0
    if isinstance(node, yaml.ScalarNode):
        line += node.start_mark.line
        if node.style in ("|", ">"):
            line += 1
            col = _block_indent(source, line) if source is not None else 0
        else:
            col = node.start_mark.column + (1 if node.style in ("'", '"') else 0)
    return parse_documents(kdoc.source, text.encode("utf-8"), limits, line, col)


def _block_indent(source: bytes, first_line: int) -> int:
    """Indentation of the first non-blank line at or after 0-based ``first_line``."""
    for raw in source.split(b"\n")[first_line:]:
        if raw.strip():
            return len(raw) - len(raw.lstrip(b" "))
    return 0

