"""A resource while it is being built: data, origins, and the names it has had."""

from __future__ import annotations

from typing import Any

from crashlint.sources.kustomize.origins import Origin
from crashlint.sources.kustomize.policy import policy


class Res:
    """One object of a build; ``names``/``namespaces`` keep every earlier id for patches and references."""

    __slots__ = ("data", "origin", "names", "namespaces", "needs_hash")

    def __init__(self, data: dict[str, Any], origin: Origin, needs_hash: bool = False) -> None:
        self.data = data
        self.origin = origin
        self.names = {self.name}
        self.namespaces = {self.namespace}
        self.needs_hash = needs_hash

    @property
    def kind(self) -> str:
        k = self.data.get("kind")
        return k if isinstance(k, str) else ""

    @property
    def group(self) -> str:
        api = self.data.get("apiVersion")
        return api.rpartition("/")[0] if isinstance(api, str) else ""

    @property
    def version(self) -> str:
        api = self.data.get("apiVersion")
        return api.rpartition("/")[2] if isinstance(api, str) else ""

    @property
    def meta(self) -> dict[str, Any]:
        m = self.data.get("metadata")
        if not isinstance(m, dict):
            m = self.data["metadata"] = {}
        return m

    @property
    def name(self) -> str:
        n = self.meta.get("name")
        return n if isinstance(n, str) else ""

    @property
    def namespace(self) -> str:
        """Effective namespace: '' for cluster-scoped kinds, 'default' when none is written."""
        if self.kind in policy().cluster_scoped:
            return ""
        ns = self.meta.get("namespace")
        return ns if isinstance(ns, str) and ns else "default"

    def rename(self, name: str, origin: Origin | None = None) -> None:
        self.names.add(self.name)
        self.meta["name"] = name
        self.names.add(name)
        if origin is not None:
            self.origin.kid("metadata").put("name", origin)

    def ident(self) -> tuple[str, str, str, str]:
        return (self.group, self.kind, self.namespace, self.name)
