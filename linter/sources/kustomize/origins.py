"""Where each value of a built object came from, so findings point at the file that supplied it.

A built object's data is a plain dict (rules read it like any other). Beside it sits a sparse
tree of :class:`Origin` nodes: a node names the (document, pointer) its value came from, and
a child absent from the tree is its parent's source with the key appended. An untouched base
object therefore costs one node; a patch that sets one image adds the nodes along that path,
pointing into the patch file. Lists whose items move (merged by key, inserted, removed) get
one explicit node per item so each item keeps its own source.
"""

from __future__ import annotations

from collections.abc import Iterable

from crashlint.model.document import Document
from crashlint.model.objects import K8sObject

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

Pointer = tuple[str | int, ...]


class Origin:
    """The source of one value: a document and the pointer of that value inside it."""

    __slots__ = ("doc", "ptr", "kids")

    def __init__(self, doc: Document, ptr: Pointer, kids: dict[Any, "Origin"] | None = None) -> None:
        self.doc = doc
        self.ptr = ptr
        self.kids = kids

    def peek(self, key: Any) -> "Origin":
        """The child's origin, derived when not recorded (nothing is stored)."""
        if self.kids is not None and key in self.kids:
            return self.kids[key]
        return Origin(self.doc, self.ptr + (key,))

    def kid(self, key: Any) -> "Origin":
        """The child's origin, recorded so changes below it stick."""
        if self.kids is None:
            self.kids = {}
        node = self.kids.get(key)
        if node is None:
            node = self.kids[key] = Origin(self.doc, self.ptr + (key,))
        return node

    def put(self, key: Any, origin: "Origin") -> None:
        if self.kids is None:
            self.kids = {}
        self.kids[key] = origin

    def drop(self, key: Any) -> None:
        if self.kids is not None:
            self.kids.pop(key, None)

    def items_of(self, n: int) -> list["Origin"]:
        """One origin per list item, for operations that move items around."""
        return [self.peek(i) for i in range(n)]

    def set_items(self, items: Iterable["Origin"]) -> None:
        self.kids = dict(enumerate(items))

    def copy(self) -> "Origin":
        """A deep copy of the recorded nodes (documents are shared, never changed)."""
        return Origin(self.doc, self.ptr, None if self.kids is None else {k: v.copy() for k, v in self.kids.items()})


def walk(data: Any, origin: Origin, pointer: Iterable[str | int]) -> Origin:
    """The origin of the deepest value along ``pointer`` that exists in ``data``."""
    node = origin
    for token in pointer:
        if isinstance(data, dict) and token in data:
            data = data[token]
        elif isinstance(data, list):
            try:
                token = int(token)
            except (TypeError, ValueError):
                break
            if not 0 <= token < len(data):
                break
            data = data[token]
        else:
            break
        node = node.peek(token)
    return node


class BuiltObject(K8sObject):
    """An object as a kustomization builds it; positions come from the origin of each value.

    ``document``/``prefix`` are the object's root origin (the resource it started from, or the
    generator entry); ``unit`` is the kustomization directory that built it. Two objects built
    from the same base by different units compare by ``key()`` (identity plus root source) so
    findings can be reported once at the base with the list of units carrying them.
    """

    __slots__ = ("origin", "unit")

    def __init__(self, data: dict[str, Any], origin: Origin, unit: str) -> None:
        super().__init__(data, origin.doc, origin.ptr)
        self.origin = origin
        self.unit = unit

    def origin_at(self, pointer: Iterable[str | int]) -> tuple[Document, Pointer]:
        """The document and pointer that supplied the deepest existing value along ``pointer``
        (for a fixer: the place an edit of that value belongs)."""
        node = walk(self.data, self.origin, pointer)
        return node.doc, node.ptr

    def source(self, pointer: Iterable[str | int], anchor: str = "auto") -> tuple[str, int, int]:
        """(file, line, column) of the value at ``pointer``: the patch that set it, else the base."""
        doc, ptr = self.origin_at(pointer)
        line, col = doc.locate(ptr, anchor)
        return doc.source, line, col

    def locate(self, pointer: tuple[str | int, ...], anchor: str = "auto") -> tuple[int, int]:
        """Line and column of :meth:`source` (its file may differ from ``self.file``)."""
        _, line, col = self.source(pointer, anchor)
        return line, col

    def key(self) -> tuple[str, str, str | None, str, str, int]:
        """Hashable identity of the object and where it is rooted, for de-duplication across units."""
        return (self.api_version, self.kind, self.namespace, self.name, self.document.source, self.document.index)
