"""The cluster ``bench_watch.py`` serves: workloads, their pods and events, and the status updates that follow.

Deterministic in shape (same ``pods`` → the same objects, names and uids); only timestamps
follow the clock, because the watcher judges with the real time and a crash older than the
restart window (an hour) is no crash. Five pods per workload: eight in ten workloads are
Deployments (one ReplicaSet each, every fourth with an old scaled-down one, as a rollout
leaves), one in ten StatefulSets, one in ten Jobs (every other one owned by a CronJob).
About one workload in eight crashes, all its pods alike: the README's busybox without a command
(CrashLoopBackOff, exit 0: ``completes-immediately`` confirmed), an OOM kill under a 64 MiB
limit (unpredicted), an image that does not exist (ImagePullBackOff). Pods look like what the
API server returns (managedFields, conditions, a projected token volume), so lists cost what
they cost in a cluster. Events, five per pod on average, are what the kubelet writes.
"""

from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

PODS_PER_WORKLOAD = 5
NAMESPACES = 40
# One workload in this many crashes in each of the three ways (offsets 0, 8, 16 of 24).
CRASH_EVERY = 24
BUSYBOX, OOM, IMAGE_PULL = "busybox", "oom", "image-pull"
SENTINEL_NS, SENTINEL = "bench-sentinel", "sentinel"


def uid(*parts: object) -> str:
    """A stable uid from the object's identity (uuid4 layout, as the API server's)."""
    h = hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _managed_fields(manager: str, when: str) -> list[dict[str, Any]]:
    """What server-side apply bookkeeping adds to every object (the watcher trims it)."""
    return [{"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": manager, "operation": "Update",
             "time": when, "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                                        "f:spec": {"f:containers": {'k:{"name":"app"}': {
                                            ".": {}, "f:image": {}, "f:name": {}, "f:resources": {}}}}}}]


@dataclass(frozen=True)
class Workload:
    """One generated workload: what it is and how its pods behave."""

    index: int
    kind: str  # Deployment | StatefulSet | Job
    namespace: str
    name: str
    crash: str | None  # None, BUSYBOX, OOM or IMAGE_PULL

    @property
    def image(self) -> str:
        if self.crash == BUSYBOX:
            return "busybox:1.36"
        if self.crash == IMAGE_PULL:
            return f"registry.example.com/team/{self.name}:9.9.9-does-not-exist"
        return f"registry.example.com/team/{self.name}:1.{self.index % 7}.0"


def workloads(count: int) -> list[Workload]:
    out = []
    for w in range(count):
        kind = "StatefulSet" if w % 10 == 8 else "Job" if w % 10 == 9 else "Deployment"
        crash = None
        if kind != "Job":
            crash = {0: BUSYBOX, 8: OOM, 16: IMAGE_PULL}.get(w % CRASH_EVERY)
            if crash == BUSYBOX and kind != "Deployment":
                crash = OOM
        out.append(Workload(w, kind, f"team-{w % NAMESPACES:02d}", f"{kind.lower()}-{w:05d}", crash))
    return out


def container(wl: Workload) -> dict[str, Any]:
    """The template's container: busybox bare, as in the README; the others with probes and resources."""
    if wl.crash == BUSYBOX:
        return {"name": "app", "image": wl.image, "imagePullPolicy": "IfNotPresent",
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
    memory = "64Mi" if wl.crash == OOM else "256Mi"
    c: dict[str, Any] = {
        "name": "app", "image": wl.image, "imagePullPolicy": "IfNotPresent",
        "command": ["/app/server"], "args": ["--port=8080"],
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "POD_NAME",
                                                          "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "resources": {"limits": {"memory": memory}, "requests": {"cpu": "100m", "memory": memory}},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
    if wl.kind != "Job":
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 10}
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10,
                              "failureThreshold": 3, "initialDelaySeconds": 10}
    return c


def _template(wl: Workload, labels: dict[str, str]) -> dict[str, Any]:
    restart = "Never" if wl.kind == "Job" else "Always"
    return {"metadata": {"labels": labels}, "spec": {"containers": [container(wl)], "restartPolicy": restart}}


def _meta(kind: str, ns: str, name: str, created: str, labels: dict[str, str],
          owner: tuple[str, str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "uid": uid(kind, ns, name), "labels": labels,
                            "creationTimestamp": created, "generation": 1,
                            "managedFields": _managed_fields("kube-controller-manager", created)}
    if owner is not None:
        api_version, owner_kind, owner_name = owner
        meta["ownerReferences"] = [{"apiVersion": api_version, "kind": owner_kind, "name": owner_name,
                                    "uid": uid(owner_kind, ns, owner_name), "controller": True,
                                    "blockOwnerDeletion": True}]
    return meta


def owners(wl: Workload, created: str) -> Iterator[dict[str, Any]]:
    """The workload and the objects between it and its pods."""
    labels = {"app": wl.name}
    n = PODS_PER_WORKLOAD
    if wl.kind == "Deployment":
        yield {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta("Deployment", wl.namespace, wl.name,
                                                                                   created, labels),
               "spec": {"replicas": n, "selector": {"matchLabels": labels}, "template": _template(wl, labels)},
               "status": {"replicas": n, "readyReplicas": 0 if wl.crash else n}}
        for rev, rs_hash in enumerate(_rs_hashes(wl)):
            rs_labels = {**labels, "pod-template-hash": rs_hash}
            current = rev == 0
            yield {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": _meta("ReplicaSet", wl.namespace, f"{wl.name}-{rs_hash}", created, rs_labels,
                                     ("apps/v1", "Deployment", wl.name)),
                   "spec": {"replicas": n if current else 0, "selector": {"matchLabels": rs_labels},
                            "template": _template(wl, rs_labels)},
                   "status": {"replicas": n if current else 0}}
    elif wl.kind == "StatefulSet":
        yield {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": _meta("StatefulSet", wl.namespace, wl.name,
                                                                                    created, labels),
               "spec": {"replicas": n, "serviceName": wl.name, "selector": {"matchLabels": labels},
                        "template": _template(wl, labels)},
               "status": {"replicas": n}}
    else:
        cron = wl.index % 20 == 9
        if cron:
            yield {"apiVersion": "batch/v1", "kind": "CronJob",
                   "metadata": _meta("CronJob", wl.namespace, f"{wl.name}-cron", created, labels),
                   "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": _template(wl, labels)}}}}
        yield {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": _meta("Job", wl.namespace, wl.name, created, labels,
                                 ("batch/v1", "CronJob", f"{wl.name}-cron") if cron else None),
               "spec": {"parallelism": n, "completions": n, "backoffLimit": 6, "template": _template(wl, labels)},
               "status": {"active": n}}


def _rs_hashes(wl: Workload) -> list[str]:
    """The current ReplicaSet's template hash first; every fourth Deployment keeps an old one."""
    h = hashlib.blake2b(wl.name.encode(), digest_size=8).hexdigest()
    return [h[:10], h[6:16]] if wl.index % 4 == 0 else [h[:10]]


def pod_name(wl: Workload, i: int) -> str:
    if wl.kind == "StatefulSet":
        return f"{wl.name}-{i}"
    suffix = hashlib.blake2b(f"{wl.name}/{i}".encode(), digest_size=3).hexdigest()[:5]
    return f"{wl.name}-{_rs_hashes(wl)[0]}-{suffix}" if wl.kind == "Deployment" else f"{wl.name}-{suffix}"


def pod(wl: Workload, i: int, now: datetime) -> dict[str, Any]:
    created = stamp(now - timedelta(hours=2))
    labels = {"app": wl.name}
    if wl.kind == "Deployment":
        rs_hash = _rs_hashes(wl)[0]
        labels["pod-template-hash"] = rs_hash
        owner = ("apps/v1", "ReplicaSet", f"{wl.name}-{rs_hash}")
    elif wl.kind == "StatefulSet":
        labels["statefulset.kubernetes.io/pod-name"] = f"{wl.name}-{i}"
        owner = ("apps/v1", "StatefulSet", wl.name)
    else:
        labels["batch.kubernetes.io/job-name"] = wl.name
        owner = ("batch/v1", "Job", wl.name)
    name = pod_name(wl, i)
    meta = _meta("Pod", wl.namespace, name, created, labels, owner)
    meta["managedFields"] = _managed_fields("kubelet", created) * 2
    tmpl = _template(wl, labels)["spec"]
    spec = {**tmpl, "dnsPolicy": "ClusterFirst", "enableServiceLinks": True, "nodeName": f"node-{wl.index % 60:02d}",
            "preemptionPolicy": "PreemptLowerPriority", "priority": 0, "schedulerName": "default-scheduler",
            "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
            "tolerations": [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists",
                             "tolerationSeconds": 300}],
            "volumes": [{"name": "kube-api-access-x1b2c", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}}]}}]}
    spec["containers"] = [{**spec["containers"][0], "volumeMounts": [
        {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access-x1b2c",
         "readOnly": True}]}]
    status = {"phase": "Running", "hostIP": f"10.0.{wl.index % 60}.1", "podIP": f"10.244.{wl.index % 250}.{i + 10}",
              "qosClass": "Burstable", "startTime": created,
              "conditions": [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": created}
                             for t in ("Initialized", "PodScheduled")]}
    p = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}
    set_container_state(p, wl.crash, restarts=3 + (wl.index + i) % 40 if wl.crash else 0, now=now)
    return p


def set_container_state(p: dict[str, Any], crash: str | None, restarts: int, now: datetime,
                        running: bool = False) -> None:
    """Write the pod's container status for a crash kind (None: healthy); ``running``: between two crashes."""
    image = p["spec"]["containers"][0]["image"]
    ready = crash is None
    st: dict[str, Any] = {"name": "app", "image": image, "imageID": "", "containerID": "", "ready": ready,
                          "started": ready, "restartCount": 0 if crash == IMAGE_PULL else restarts,
                          "lastState": {}, "state": {"running": {"startedAt": stamp(now - timedelta(hours=2))}}}
    if crash in (None, BUSYBOX, OOM):
        st["imageID"] = f"{image.split(':')[0]}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"
        st["containerID"] = "containerd://" + hashlib.sha256(f"{p['metadata']['uid']}/{restarts}".encode()).hexdigest()
    if crash in (BUSYBOX, OOM):
        finished = now - timedelta(seconds=20)
        st["lastState"] = {"terminated": {
            "exitCode": 0 if crash == BUSYBOX else 137, "reason": "Completed" if crash == BUSYBOX else "OOMKilled",
            "startedAt": stamp(finished - timedelta(seconds=1 if crash == BUSYBOX else 40)),
            "finishedAt": stamp(finished), "containerID": st["containerID"]}}
        if running:
            st.update(state={"running": {"startedAt": stamp(now)}}, started=True)
        else:
            st["state"] = {"waiting": {"reason": "CrashLoopBackOff",
                                       "message": f"back-off 5m0s restarting failed container=app pod={p['metadata']['name']}"}}
    elif crash == IMAGE_PULL:
        st["state"] = {"waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}}
    p["status"]["containerStatuses"] = [st]
    ready_text = "True" if ready else "False"
    conds = [c for c in p["status"]["conditions"] if c["type"] in ("Initialized", "PodScheduled")]
    conds += [{"type": t, "status": ready_text, "lastProbeTime": None, "lastTransitionTime": stamp(now)}
              for t in ("Ready", "ContainersReady")]
    p["status"]["conditions"] = conds


_HEALTHY_EVENTS = (("Normal", "Scheduled", "Successfully assigned {ns}/{pod} to {node}", None),
                   ("Normal", "Pulled", 'Container image "{image}" already present on machine', "app"),
                   ("Normal", "Created", "Created container: app", "app"),
                   ("Normal", "Started", "Started container app", "app"),
                   ("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", "app"))
_CRASH_EVENTS = {BUSYBOX: ("Warning", "BackOff", "Back-off restarting failed container app in pod {pod}", "app"),
                 OOM: ("Warning", "BackOff", "Back-off restarting failed container app in pod {pod}", "app"),
                 IMAGE_PULL: ("Warning", "Failed", 'Failed to pull image "{image}": not found', "app")}


def events(pods: list[tuple[Workload, dict[str, Any]]], count: int, now: datetime) -> Iterator[dict[str, Any]]:
    """``count`` kubelet and scheduler Events over the pods, in the last 50 minutes (kept by the watcher)."""
    for e in range(count):
        wl, p = pods[e % len(pods)]
        meta = p["metadata"]
        typ, reason, msg, fc = _HEALTHY_EVENTS[(e // len(pods)) % len(_HEALTHY_EVENTS)]
        if wl.crash is not None and e // len(pods) % 2:
            typ, reason, msg, fc = _CRASH_EVENTS[wl.crash]
        last = now - timedelta(seconds=30 + (e * 7) % 3000)
        inv: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "name": meta["name"], "namespace": meta["namespace"],
                               "uid": meta["uid"], "resourceVersion": "1"}
        if fc:
            inv["fieldPath"] = "spec.containers{app}"
        name = f"{meta['name']}.{hashlib.blake2b(str(e).encode(), digest_size=8).hexdigest()}"
        yield {"apiVersion": "v1", "kind": "Event", "type": typ, "reason": reason,
               "message": msg.format(ns=meta["namespace"], pod=meta["name"], node=p["spec"]["nodeName"],
                                     image=p["spec"]["containers"][0]["image"]),
               "metadata": {"name": name, "namespace": meta["namespace"], "uid": uid("Event", name),
                            "creationTimestamp": stamp(last - timedelta(minutes=5))},
               "involvedObject": inv, "count": 1 + e % 9, "firstTimestamp": stamp(last - timedelta(minutes=5)),
               "lastTimestamp": stamp(last), "eventTime": None,
               "source": {"component": "kubelet" if fc else "default-scheduler", "host": p["spec"]["nodeName"]},
               "reportingComponent": "kubelet" if fc else "default-scheduler",
               "reportingInstance": p["spec"]["nodeName"]}


@dataclass
class Cluster:
    """Everything the fake API starts with, and the pods as the update generator last wrote them."""

    workloads: list[Workload]
    objects: list[dict[str, Any]]
    pods: list[tuple[Workload, dict[str, Any]]]
    sentinel: dict[str, Any]
    events: int = 0
    kinds: dict[str, int] = field(default_factory=dict)

    @property
    def expected_workloads(self) -> int:
        """Workloads the watcher judges: Deployments, StatefulSets, CronJobs, bare Jobs, and the sentinel."""
        return len(self.workloads) + 1


def build(pods: int, event_count: int, now: datetime | None = None) -> Cluster:
    now = now or datetime.now(timezone.utc)
    created = stamp(now - timedelta(days=3))
    wls = workloads(max(1, pods // PODS_PER_WORKLOAD))
    objects: list[dict[str, Any]] = []
    pod_list: list[tuple[Workload, dict[str, Any]]] = []
    for wl in wls:
        objects.extend(owners(wl, created))
        for i in range(PODS_PER_WORKLOAD):
            p = pod(wl, i, now)
            pod_list.append((wl, p))
    sentinel_wl = Workload(-1, "Deployment", SENTINEL_NS, SENTINEL, None)
    objects.extend(owners(sentinel_wl, created))
    sentinel = pod(sentinel_wl, 0, now)
    objects.extend(p for _, p in pod_list)
    objects.append(sentinel)
    n_events = 0
    for ev in events(pod_list, event_count, now):
        objects.append(ev)
        n_events += 1
    kinds: dict[str, int] = {}
    for o in objects:
        kinds[o["kind"]] = kinds.get(o["kind"], 0) + 1
    return Cluster(wls, objects, pod_list, sentinel, n_events, kinds)


class Updates:
    """Pod status updates as a kubelet sends them: mostly crash-looping containers restarting (the
    restartCount goes up, the container runs a moment, then backs off again), some healthy pods
    failing readiness and recovering, and now and then a healthy pod OOM-killed for the first time."""

    def __init__(self, cluster: Cluster, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.crashing = [(wl, p) for wl, p in cluster.pods if wl.crash in (BUSYBOX, OOM)]
        self.healthy = [(wl, p) for wl, p in cluster.pods if wl.crash is None and wl.kind != "Job"]
        self.sent = 0

    def next(self, now: datetime) -> dict[str, Any]:
        self.sent += 1
        roll = self.rng.random()
        if roll < 0.7 and self.crashing:
            wl, p = self.rng.choice(self.crashing)
            st = p["status"]["containerStatuses"][0]
            running = "waiting" in st["state"]
            set_container_state(p, wl.crash, st["restartCount"] + (1 if running else 0), now, running=running)
        else:
            wl, p = self.rng.choice(self.healthy)
            st = p["status"]["containerStatuses"][0]
            if roll > 0.995:  # a first OOM kill: a new, unpredicted crash; it recovers on its next update
                set_container_state(p, OOM, st["restartCount"] + 1, now, running=False)
            else:
                set_container_state(p, None, st["restartCount"], now)
                if st["ready"] and roll < 0.85:
                    p["status"]["containerStatuses"][0].update(ready=False)
                    for c in p["status"]["conditions"]:
                        if c["type"] in ("Ready", "ContainersReady"):
                            c["status"] = "False"
        return copy.deepcopy(p)
