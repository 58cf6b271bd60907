"""What a fake API test needs besides the server: objects from fixture files, a kubeconfig, a dead port."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import yaml

from .server import FakeAPI

TOKEN = "crashlint-test-token"
CLUSTER_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cluster"


def load_objects(*paths: Path) -> list[dict[str, Any]]:
    """The objects of YAML or JSON files: single objects, several YAML documents, a ``kind: List``
    or a typed list (``ConfigMapList``: its items get the list's kind and apiVersion back)."""
    out: list[dict[str, Any]] = []
    for path in paths:
        for doc in yaml.safe_load_all(Path(path).read_text()):
            if not isinstance(doc, dict):
                continue
            kind = str(doc.get("kind", ""))
            if kind.endswith("List") and isinstance(doc.get("items"), list):
                item_kind = kind.removesuffix("List") or None
                for item in doc["items"]:
                    if item_kind:
                        item = {"kind": item_kind, "apiVersion": doc.get("apiVersion"), **item}
                    out.append(item)
            else:
                out.append(doc)
    return out


def recorded_cluster() -> FakeAPI:
    """A fake API (not started) serving the recorded namespace ``shop`` (fixtures/cluster/shop.yaml)
    in pages of two items, so its three ConfigMaps take two pages."""
    return FakeAPI(load_objects(CLUSTER_FIXTURES / "shop.yaml"), page_size=2)


def write_kubeconfig(path: Path, server: str, *, namespace: str | None = None, token: str = TOKEN,
                     contexts: dict[str, str] | None = None) -> Path:
    """A kubeconfig whose current context ``fake`` points at ``server`` with a bearer token (plain
    HTTP: it is localhost). ``namespace``: the context's namespace; ``contexts``: more contexts on
    the same cluster, by name, with their namespaces."""
    ctx: dict[str, Any] = {"cluster": "fake", "user": "tester"}
    if namespace:
        ctx["namespace"] = namespace
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": server}}],
        "users": [{"name": "tester", "user": {"token": token}}],
        "contexts": [{"name": "fake", "context": ctx}] + [
            {"name": n, "context": {"cluster": "fake", "user": "tester", "namespace": ns}}
            for n, ns in (contexts or {}).items()],
    }))
    return path


def closed_port_url() -> str:
    """An address where nothing listens (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"
