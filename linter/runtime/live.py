"""Read a live cluster through the official ``kubernetes`` client into a Snapshot.

The only module of runtime mode that talks to the API server. It never reads Secrets, lists
each resource once per scope in pages (``limit`` + ``continue``; an expired token's 410 Gone
restarts that list from scratch), and fetches previous logs only for containers with a dead
previous instance, a few at a time. A 403 on an optional resource is a warning, not a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from crashlint.runtime.state import Snapshot

IN_CLUSTER_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
MAX_LIST_RESTARTS = 3


class LiveError(Exception):
    """The cluster could not be read (unreachable, no credentials, pods forbidden): exit 2."""


@dataclass(frozen=True)
class Resource:
    """A list endpoint: the kind its items have, and the client methods for one / all namespaces."""

    kind: str
    api_version: str
    api: str  # CoreV1Api | AppsV1Api | BatchV1Api
    namespaced: str
    all_namespaces: str
    required: bool = False


PODS = Resource("Pod", "v1", "CoreV1Api", "list_namespaced_pod", "list_pod_for_all_namespaces", required=True)
OWNERS = (
    Resource("ReplicaSet", "apps/v1", "AppsV1Api", "list_namespaced_replica_set", "list_replica_set_for_all_namespaces"),
    Resource("Job", "batch/v1", "BatchV1Api", "list_namespaced_job", "list_job_for_all_namespaces"),
)
EVENTS = Resource("Event", "v1", "CoreV1Api", "list_namespaced_event", "list_event_for_all_namespaces")
# Listed only when no manifests are given: the workloads linted in their place.
WORKLOADS = (
    Resource("Deployment", "apps/v1", "AppsV1Api", "list_namespaced_deployment", "list_deployment_for_all_namespaces"),
    Resource("StatefulSet", "apps/v1", "AppsV1Api", "list_namespaced_stateful_set",
             "list_stateful_set_for_all_namespaces"),
    Resource("DaemonSet", "apps/v1", "AppsV1Api", "list_namespaced_daemon_set", "list_daemon_set_for_all_namespaces"),
    Resource("CronJob", "batch/v1", "BatchV1Api", "list_namespaced_cron_job", "list_cron_job_for_all_namespaces"),
    Resource("ReplicationController", "v1", "CoreV1Api", "list_namespaced_replication_controller",
             "list_replication_controller_for_all_namespaces"),
)


def _client_module() -> Any:
    try:
        import kubernetes  # noqa: F401  (the optional dependency)
    except ImportError as exc:
        raise LiveError("reading a cluster needs the kubernetes client: pip install 'crashlint[cluster]'") from exc
    return kubernetes


class LiveSource:
    """A connection to one cluster (kubeconfig + context, or the pod's service account)."""

    def __init__(self, kubeconfig: str | None = None, context: str | None = None,
                 settings: dict[str, Any] | None = None) -> None:
        k8s = _client_module()
        self._k8s = k8s
        self.settings = settings or {}
        self.default_namespace = "default"
        try:
            self.api_client = k8s.config.new_client_from_config(config_file=kubeconfig, context=context,
                                                                persist_config=False)
            contexts, active = k8s.config.list_kube_config_contexts(config_file=kubeconfig)
            chosen = next((c for c in contexts if c.get("name") == context), active) if context else active
            self.default_namespace = (chosen or {}).get("context", {}).get("namespace") or "default"
        except (k8s.config.ConfigException, OSError, TypeError, ValueError) as exc:
            if kubeconfig or context or "KUBERNETES_SERVICE_HOST" not in os.environ:
                raise LiveError(f"cannot load kubeconfig: {exc}") from None
            cfg = k8s.client.Configuration()
            try:
                k8s.config.load_incluster_config(client_configuration=cfg)
            except k8s.config.ConfigException as exc2:
                raise LiveError(f"no kubeconfig and no in-cluster config: {exc2}") from None
            self.api_client = k8s.client.ApiClient(cfg)
            try:
                with open(IN_CLUSTER_NAMESPACE_FILE, encoding="utf-8") as fh:
                    self.default_namespace = fh.read().strip() or "default"
            except OSError:
                pass

    # -- lists ----------------------------------------------------------------------------

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        timeout = float(self.settings.get("request_timeout_seconds", 30))
        resp = fn(*args, _preload_content=False, _request_timeout=timeout, **kwargs)
        return json.loads(resp.data)

    def list_all(self, res: Resource, namespace: str | None) -> Iterator[dict[str, Any]]:
        """Every item of one resource in pages; restarts from scratch when the continue token expired."""
        api = getattr(self._k8s.client, res.api)(self.api_client)
        fn = getattr(api, res.namespaced if namespace else res.all_namespaces)
        args = (namespace,) if namespace else ()
        limit = int(self.settings.get("page_size", 500))
        for _attempt in range(MAX_LIST_RESTARTS):
            token: str | None = None
            page: list[dict[str, Any]] = []
            items: list[dict[str, Any]] = []
            try:
                while True:
                    kwargs: dict[str, Any] = {"limit": limit}
                    if token:
                        kwargs["_continue"] = token
                    body = self._call(fn, *args, **kwargs)
                    page = body.get("items") or []
                    for item in page:
                        item.setdefault("kind", res.kind)
                        item.setdefault("apiVersion", res.api_version)
                    items.extend(page)
                    token = (body.get("metadata") or {}).get("continue") or None
                    if not token:
                        yield from items
                        return
            except self._k8s.client.ApiException as exc:
                if exc.status == 410 and token:
                    continue  # the snapshot expired mid-list: a consistent list needs a new start
                raise
        raise LiveError(f"listing {res.kind}s: the continue token expired {MAX_LIST_RESTARTS} times in a row")

    def read(self, namespace: str | None, with_workloads: bool) -> Snapshot:
        """Pods, ReplicaSets, Jobs and events of the scope (and the workloads, for linting)."""
        snap = Snapshot()
        where = f"namespace {namespace}" if namespace else "all namespaces"
        resources = [PODS, *OWNERS, EVENTS, *(WORKLOADS if with_workloads else ())]
        for res in resources:
            try:
                for item in self.list_all(res, namespace):
                    snap.add(item)
            except self._k8s.client.ApiException as exc:
                if exc.status in (401, 403, 404) and not res.required:
                    what = {401: "unauthorized", 403: "forbidden", 404: "not served"}[exc.status]
                    snap.warnings.append(f"cannot list {res.kind}s in {where} ({what}); "
                                         f"continuing without them")
                    continue
                raise LiveError(f"listing {res.kind}s in {where}: HTTP {exc.status} {exc.reason}") from None
            except LiveError:
                raise
            except Exception as exc:  # connection refused, TLS, DNS: one clear line, not a traceback
                raise LiveError(f"listing {res.kind}s in {where}: {type(exc).__name__}: {exc}") from None
        return snap

    # -- logs -----------------------------------------------------------------------------

    def previous_logs(self, targets: list[tuple[str, str, str]]) -> tuple[dict[str, dict[str, str]], list[str]]:
        """``{"ns/pod/container": {"previous": text}}`` for the given crashed containers, a few at a time."""
        warnings: list[str] = []
        cap = int(self.settings.get("max_log_fetches", 200))
        if len(targets) > cap:
            warnings.append(f"{len(targets)} crashed containers; previous logs read for the first {cap} only")
            targets = targets[:cap]
        api = self._k8s.client.CoreV1Api(self.api_client)
        tail = int(self.settings.get("log_tail_lines", 100))
        limit_bytes = int(self.settings.get("log_limit_bytes", 65536))
        timeout = float(self.settings.get("request_timeout_seconds", 30))
        denied: list[str] = []

        def fetch(t: tuple[str, str, str]) -> tuple[str, str | None]:
            ns, pod, container = t
            try:
                resp = api.read_namespaced_pod_log(pod, ns, container=container, previous=True, tail_lines=tail,
                                                   limit_bytes=limit_bytes, _preload_content=False,
                                                   _request_timeout=timeout)
                return "/".join(t), resp.data.decode("utf-8", "replace")
            except self._k8s.client.ApiException as exc:
                if exc.status == 403:
                    denied.append("/".join(t))
                return "/".join(t), None  # 400: the previous instance is gone; nothing to show
            except Exception:  # a log is evidence, never a reason to fail the run
                return "/".join(t), None

        logs: dict[str, dict[str, str]] = {}
        with ThreadPoolExecutor(max_workers=max(1, int(self.settings.get("log_workers", 4)))) as pool:
            for key, text in pool.map(fetch, targets):
                if text is not None:
                    logs[key] = {"previous": text}
        if denied:
            warnings.append(f"cannot read pods/log ({len(denied)} containers, forbidden); evidence without logs")
        return logs, warnings

    def close(self) -> None:
        self.api_client.close()
