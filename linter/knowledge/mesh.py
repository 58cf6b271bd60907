"""Service-mesh injection: what an injected pod has that its manifest does not show.

A mesh's mutating webhook adds a proxy container, rewrites app probes to the proxy's agent port
and mounts ConfigMaps the mesh's control plane writes into every namespace. Validating
admission (``crashlint webhook``) runs after it, so these pods must not read as broken. Which
meshes exist and what they add is knowledge (``policies/mesh.yaml``).
"""

from __future__ import annotations

from crashlint.model.workloads import Workload

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any


def meshes_of(wl: Workload, knowledge: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``policies/mesh.yaml`` entries whose injection marks this pod carries."""
    annotations = wl.template_annotations
    names = {c.name for c in wl.containers}
    out = []
    for entry in (knowledge.get("mesh") or {}).get("meshes") or []:
        if not isinstance(entry, dict):
            continue
        if any(a in annotations for a in entry.get("annotations") or []) or \
                names & set(entry.get("containers") or []):
            out.append(entry)
    return out


def agent_ports(wl: Workload, knowledge: dict[str, Any]) -> set[int]:
    """Ports the injected proxy serves in the pod's network namespace."""
    return {p for m in meshes_of(wl, knowledge) for p in m.get("agent_ports") or [] if isinstance(p, int)}


def mesh_configmaps(wl: Workload, knowledge: dict[str, Any]) -> set[str]:
    """ConfigMaps the mesh control plane writes into every namespace of an injected pod."""
    return {n for m in meshes_of(wl, knowledge) for n in m.get("configmaps") or [] if isinstance(n, str)}
