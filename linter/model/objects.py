"""The objects everything else talks about: a Kubernetes object with its origin, and a load error."""

from __future__ import annotations

from crashlint.model.record import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

    from crashlint.model.document import Document

# Kinds whose objects are namespaced; anything else defaults to no namespace.
CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass",
    "CustomResourceDefinition", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "PriorityClass", "IngressClass", "RuntimeClass", "APIService", "CSIDriver", "VolumeAttachment",
})


def is_list_kind(kind: str) -> bool:
    """``List`` and every ``*List`` (``PodList``, ``DeploymentList``) wrap their objects in ``items``."""
    return kind == "List" or (kind.endswith("List") and len(kind) > 4)


class LoadError(Value):
    """A source (or part of one) that could not be read; ``line`` is 1-based, 0 when unknown."""

    file: Final[str]
    line: Final[int]
    message: Final[str]

    __slots__ = ("file", "line", "message")

    def __init__(self, file: str, line: int, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message}


class InternalError(LoadError):
    """A rule that raised on an object: a crashlint bug, not a fault of the input.

    Reported beside input errors (exit 2), but said to be internal and naming the rule and the
    object; the other rules' findings on that object, and every other object's, are kept.
    """

    rule: Final[str]

    __slots__ = ("rule",)

    def __init__(self, file: str, line: int, message: str, rule: str = "") -> None:
        super().__init__(file, line, message)
        self.rule = rule

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "kind": "internal", "rule": self.rule}


class K8sObject:
    """One Kubernetes object: its data, and where its root sits inside the document it came from."""

    __slots__ = ("data", "document", "prefix")

    def __init__(self, data: dict[str, Any], document: "Document", prefix: tuple[str | int, ...]) -> None:
        self.data = data
        self.document = document
        self.prefix = prefix

    @property
    def kind(self) -> str:
        return self.data.get("kind") or ""

    @property
    def api_version(self) -> str:
        v = self.data.get("apiVersion")
        return v if isinstance(v, str) else ""

    @property
    def metadata(self) -> dict[str, Any]:
        m = self.data.get("metadata")
        return m if isinstance(m, dict) else {}

    @property
    def name(self) -> str:
        n = self.metadata.get("name")
        if isinstance(n, str):
            return n
        g = self.metadata.get("generateName")
        return f"{g}*" if isinstance(g, str) else ""

    @property
    def namespace(self) -> str | None:
        """The object's namespace; ``default`` when a namespaced object names none (as kubectl applies it)."""
        if self.kind in CLUSTER_SCOPED:
            return None
        ns = self.metadata.get("namespace")
        return ns if isinstance(ns, str) and ns else "default"

    @property
    def api_group(self) -> str:
        """The API group of ``apiVersion`` ("" for the core group, ``v1``)."""
        v = self.api_version
        return v.rsplit("/", 1)[0] if "/" in v else ""

    @property
    def declared_namespace(self) -> str | None:
        """``metadata.namespace`` as written (None when unset: it goes wherever it is applied)."""
        ns = self.metadata.get("namespace")
        return ns if isinstance(ns, str) and ns else None

    @property
    def annotations(self) -> dict[str, Any]:
        a = self.metadata.get("annotations")
        return a if isinstance(a, dict) else {}

    @property
    def labels(self) -> dict[str, Any]:
        lab = self.metadata.get("labels")
        return lab if isinstance(lab, dict) else {}

    @property
    def file(self) -> str:
        return self.document.source

    def locate(self, pointer: tuple[str | int, ...], anchor: str = "auto") -> tuple[int, int]:
        """1-based line/column of a pointer relative to this object."""
        return self.document.locate(self.prefix + tuple(pointer), anchor)

    def source(self, pointer: tuple[str | int, ...], anchor: str = "auto") -> tuple[str, int, int]:
        """(file, line, column) that supplied the value at ``pointer``: this object's own file here;
        a kustomize-built object answers with the patch or base that set the value."""
        line, col = self.locate(pointer, anchor)
        return self.file, line, col

    def identity(self) -> dict[str, Any]:
        return {"apiVersion": self.api_version, "kind": self.kind, "namespace": self.namespace, "name": self.name}

    def ref(self) -> str:
        """``Kind/namespace/name`` — how workloads are named in runtime reports too."""
        ns = self.namespace
        return f"{self.kind}/{ns}/{self.name}" if ns else f"{self.kind}/{self.name}"
