"""Read a live cluster into a Snapshot, through the one Kubernetes API module (:mod:`crashlint.sources.kubeapi`).

The only module of runtime mode that asks the API server. It never reads Secrets, lists each
resource once per scope in pages (:func:`.kubeapi.list_all`: ``limit`` + ``continue``; an
expired token's 410 Gone restarts that list from scratch), and fetches previous logs only for
containers with a dead previous instance, a few at a time. A 403 on an optional resource is a
warning, not a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

from crashlint.knowledge.k8snames import is_dns1123_label, is_dns1123_subdomain
from crashlint.runtime.state import Snapshot
from crashlint.sources import kubeapi


class LiveError(Exception):
    """The cluster could not be read (unreachable, no credentials, pods forbidden): exit 2."""


PODS = kubeapi.RESOURCES["Pod"]  # required: without pods there is nothing to judge
OWNERS = (kubeapi.RESOURCES["ReplicaSet"], kubeapi.RESOURCES["Job"])
EVENTS = kubeapi.RESOURCES["Event"]
# Listed only when no manifests are given: the workloads linted in their place.
WORKLOADS = tuple(kubeapi.RESOURCES[k] for k in (
    "Deployment", "StatefulSet", "DaemonSet", "CronJob", "ReplicationController"))
_UNAVAILABLE = {401: "unauthorized", 403: "forbidden", 404: "not served"}


class LiveSource:
    """A connection to one cluster (kubeconfig + context, or the pod's service account)."""

    def __init__(self, kubeconfig: str | None = None, context: str | None = None,
                 settings: dict[str, Any] | None = None) -> None:
        self.settings = settings or {}
        self.timeout = float(self.settings.get("request_timeout_seconds", 30))
        try:
            self.conn = kubeapi.connect(kubeconfig, context, timeout=self.timeout)
        except kubeapi.CredentialsError as exc:
            raise LiveError(str(exc)) from None
        self.api_client = self.conn.client
        self.default_namespace = self.conn.namespace

    # -- lists ----------------------------------------------------------------------------

    def list_all(self, res: kubeapi.Resource, namespace: str | None) -> Iterator[dict[str, Any]]:
        """Every item of one resource, read in pages, with the kind and apiVersion the list carried."""
        try:
            path = res.path(namespace)
        except kubeapi.InvalidName as exc:
            raise LiveError(str(exc)) from None
        result = kubeapi.list_all(self.conn, path, page_size=int(self.settings.get("page_size", kubeapi.PAGE_SIZE)))
        for item in result.items:
            item.setdefault("kind", res.kind)
            item.setdefault("apiVersion", res.api_version)
            yield item

    def read(self, namespace: str | None, with_workloads: bool) -> Snapshot:
        """Pods, ReplicaSets, Jobs and events of the scope (and the workloads, for linting)."""
        snap = Snapshot()
        where = f"namespace {namespace}" if namespace else "all namespaces"
        resources = [PODS, *OWNERS, EVENTS, *(WORKLOADS if with_workloads else ())]
        for res in resources:
            try:
                for item in self.list_all(res, namespace):
                    snap.add(item)
            except kubeapi.StatusError as exc:
                if exc.status in _UNAVAILABLE and res is not PODS:
                    snap.warnings.append(f"cannot list {res.kind}s in {where} ({_UNAVAILABLE[exc.status]}); "
                                         f"continuing without them")
                    continue
                raise LiveError(f"listing {res.kind}s in {where}: {exc}") from None
            except kubeapi.KubeAPIError as exc:  # unreachable, not JSON, a list that never ends
                raise LiveError(f"listing {res.kind}s in {where}: {exc}") from None
        return snap

    # -- logs -----------------------------------------------------------------------------

    def previous_logs(self, targets: list[tuple[str, str, str]]) -> tuple[dict[str, dict[str, str]], list[str]]:
        """``{"ns/pod/container": {"previous": text}}`` for the given crashed containers, a few at a time."""
        warnings: list[str] = []
        cap = int(self.settings.get("max_log_fetches", 200))
        if len(targets) > cap:
            warnings.append(f"{len(targets)} crashed containers; previous logs read for the first {cap} only")
            targets = targets[:cap]
        query = [("previous", "true"), ("tailLines", int(self.settings.get("log_tail_lines", 100))),
                 ("limitBytes", int(self.settings.get("log_limit_bytes", 65536)))]
        denied: list[str] = []

        def fetch(t: tuple[str, str, str]) -> tuple[str, str | None]:
            ns, pod, container = t
            if not (is_dns1123_label(ns) and is_dns1123_subdomain(pod) and is_dns1123_label(container)):
                return "/".join(t), None  # no such object can exist: nothing to ask
            path = f"{kubeapi.collection_path('/api/v1', 'pods', ns)}/{quote(pod, safe='')}/log"
            try:
                raw = self.conn.get(path, [("container", container), *query], accept="text/plain, */*")
            except kubeapi.StatusError as exc:
                if exc.status == 403:
                    denied.append("/".join(t))
                return "/".join(t), None  # 400: the previous instance is gone; nothing to show
            except kubeapi.KubeAPIError:  # a log is evidence, never a reason to fail the run
                return "/".join(t), None
            return "/".join(t), raw.decode("utf-8", "replace")

        logs: dict[str, dict[str, str]] = {}
        with ThreadPoolExecutor(max_workers=max(1, int(self.settings.get("log_workers", 4)))) as pool:
            for key, text in pool.map(fetch, targets):
                if text is not None:
                    logs[key] = {"previous": text}
        if denied:
            warnings.append(f"cannot read pods/log ({len(denied)} containers, forbidden); evidence without logs")
        return logs, warnings

    def close(self) -> None:
        self.conn.close()
