"""Benchmark of ``crashlint runtime --from``: a generated 10,000-pod / 50,000-event dump.

    python bench/bench_runtime.py [--pods 10000] [--events 50000] [--keep DIR]

The dump is deterministic (no randomness, fixed timestamps) and shaped like
``kubectl get pods,replicasets,jobs,events -o json``: 10 pods per Deployment, one ReplicaSet
each, one in ten Deployments crash-looping (completed, exited-with-error, oom-killed,
liveness-failed, config-missing, image-pull-failed in turn), events spread over the pods. The
analysis runs as a separate ``crashlint runtime`` process, so the peak RSS reported is that of
the whole run (interpreter, dump text, snapshot, linting one ReplicaSet per workload, join).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

NOW = "2026-03-01T12:00:00Z"
PODS_PER_DEPLOYMENT = 10
SIGNATURES = ("completed", "exited-with-error", "oom-killed", "liveness-failed", "config-missing", "image-pull-failed")


def _uid(*parts: object) -> str:
    h = f"{abs(hash('/'.join(map(str, parts)))) & 0xFFFFFFFFFFFFFFFF:016x}"  # PYTHONHASHSEED=0 below
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[1:4]}-{h[4:16]}"


def _container(name: str, image: str) -> dict[str, Any]:
    return {"image": image, "imagePullPolicy": "IfNotPresent", "name": name,
            "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
            "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                              "name": "kube-api-access-abcde", "readOnly": True}]}


def _status(sig: str | None, image: str) -> dict[str, Any]:
    base = {"containerID": "containerd://" + "ab" * 32, "image": image, "imageID": image + "@sha256:" + "cd" * 32,
            "name": "app", "ready": sig is None, "restartCount": 0, "started": sig is None,
            "lastState": {}, "state": {"running": {"startedAt": "2026-03-01T10:00:05Z"}}}
    term = {"containerID": "containerd://" + "ef" * 32, "startedAt": "2026-03-01T11:58:00Z",
            "finishedAt": "2026-03-01T11:58:30Z"}
    if sig is None:
        return base
    base["restartCount"] = 12
    base["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}}
    if sig == "completed":
        base["lastState"] = {"terminated": {**term, "reason": "Completed", "exitCode": 0}}
    elif sig in ("exited-with-error", "liveness-failed"):
        base["lastState"] = {"terminated": {**term, "reason": "Error", "exitCode": 137 if sig == "liveness-failed" else 1}}
    elif sig == "oom-killed":
        base["lastState"] = {"terminated": {**term, "reason": "OOMKilled", "exitCode": 137}}
    elif sig == "config-missing":
        base.update(restartCount=0, state={"waiting": {"reason": "CreateContainerConfigError",
                                                        "message": 'configmap "app-config" not found'}})
    else:
        base.update(restartCount=0, state={"waiting": {"reason": "ImagePullBackOff",
                                                        "message": f'Back-off pulling image "{image}"'}})
    return base


def _image(d: int) -> str:
    """Deployments whose pods complete at once run busybox (so completes-immediately joins them)."""
    if d % 10 == 0 and SIGNATURES[(d // 10) % len(SIGNATURES)] == "completed":
        return "busybox:1.36"
    return f"registry.example.com/svc-{d}:1.{d % 7}.0"


def generate(pods: int, events: int) -> Iterator[dict[str, Any]]:
    """The dump's items, in kubectl's order (pods, replicasets, events)."""
    deployments = max(1, pods // PODS_PER_DEPLOYMENT)
    pod_refs: list[tuple[str, str, str, str | None]] = []
    for i in range(pods):
        d = i % deployments
        ns, dep, rs_hash = f"team-{d % 50}", f"svc-{d}", f"{d:010x}"[-10:]
        sig = SIGNATURES[(d // 10) % len(SIGNATURES)] if d % 10 == 0 else None
        name = f"{dep}-{rs_hash}-{i:05d}"
        uid = _uid("pod", i)
        image = _image(d)
        pod_refs.append((ns, name, uid, sig))
        yield {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"creationTimestamp": "2026-03-01T10:00:00Z", "generateName": f"{dep}-{rs_hash}-",
                            "labels": {"app": dep, "pod-template-hash": rs_hash}, "name": name, "namespace": ns,
                            "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": True,
                                                 "controller": True, "kind": "ReplicaSet",
                                                 "name": f"{dep}-{rs_hash}", "uid": _uid("rs", d)}],
                            "resourceVersion": str(1000 + i), "uid": uid},
               "spec": {"containers": [_container("app", image)], "dnsPolicy": "ClusterFirst",
                        "nodeName": f"node-{i % 40}", "restartPolicy": "Always", "schedulerName": "default-scheduler",
                        "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
                        "volumes": [{"name": "kube-api-access-abcde", "projected": {"defaultMode": 420, "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}]},
               "status": {"conditions": [{"lastProbeTime": None, "lastTransitionTime": "2026-03-01T10:00:05Z",
                                          "status": "True", "type": t} for t in ("Initialized", "PodScheduled")],
                          "containerStatuses": [_status(sig, image)], "hostIP": "10.0.0.1", "phase": "Running",
                          "podIP": f"10.244.{i // 250}.{i % 250}", "qosClass": "Burstable",
                          "startTime": "2026-03-01T10:00:00Z"}}
    for d in range(deployments):
        ns, dep, rs_hash = f"team-{d % 50}", f"svc-{d}", f"{d:010x}"[-10:]
        image = _image(d)
        template = _container("app", image)
        template.pop("volumeMounts")
        yield {"apiVersion": "apps/v1", "kind": "ReplicaSet",
               "metadata": {"creationTimestamp": "2026-03-01T10:00:00Z",
                            "labels": {"app": dep, "pod-template-hash": rs_hash}, "name": f"{dep}-{rs_hash}",
                            "namespace": ns, "ownerReferences": [{"apiVersion": "apps/v1", "controller": True,
                                                                  "kind": "Deployment", "name": dep,
                                                                  "uid": _uid("deploy", d)}],
                            "uid": _uid("rs", d)},
               "spec": {"replicas": PODS_PER_DEPLOYMENT,
                        "selector": {"matchLabels": {"app": dep, "pod-template-hash": rs_hash}},
                        "template": {"metadata": {"labels": {"app": dep, "pod-template-hash": rs_hash}},
                                     "spec": {"containers": [template], "restartPolicy": "Always"}}},
               "status": {"replicas": PODS_PER_DEPLOYMENT}}
    reasons = (("Normal", "Pulled", "Container image already present on machine"),
               ("Normal", "Created", "Created container: app"), ("Normal", "Started", "Started container app"),
               ("Warning", "BackOff", "Back-off restarting failed container app"),
               ("Warning", "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 503"))
    for e in range(events):
        ns, name, uid, sig = pod_refs[e % len(pod_refs)]
        typ, reason, msg = reasons[e % len(reasons)]
        if sig == "liveness-failed" and reason == "Started":
            typ, reason, msg = "Normal", "Killing", "Container app failed liveness probe, will be restarted"
        yield {"apiVersion": "v1", "count": 1 + e % 9, "eventTime": None, "firstTimestamp": "2026-03-01T11:00:00Z",
               "involvedObject": {"apiVersion": "v1", "fieldPath": "spec.containers{app}", "kind": "Pod",
                                  "name": name, "namespace": ns, "uid": uid},
               "kind": "Event", "lastTimestamp": "2026-03-01T11:58:10Z", "message": msg,
               "metadata": {"creationTimestamp": "2026-03-01T11:00:00Z", "name": f"{name}.{e:016x}",
                            "namespace": ns, "uid": _uid("event", e)},
               "reason": reason, "reportingComponent": "kubelet", "reportingInstance": "node-1",
               "source": {"component": "kubelet", "host": "node-1"}, "type": typ}


def write_dump(path: str, pods: int, events: int) -> int:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{\n    "apiVersion": "v1",\n    "items": [\n')
        for n, item in enumerate(generate(pods, events)):
            fh.write((",\n" if n else "") + json.dumps(item, indent=4))
        fh.write('\n    ],\n    "kind": "List",\n    "metadata": {"resourceVersion": ""}\n}\n')
    return os.path.getsize(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--keep", help="write the dump into this directory and keep it")
    args = ap.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":  # _uid uses hash(): make the dump reproducible
        return subprocess.call([sys.executable, *sys.argv], env={**os.environ, "PYTHONHASHSEED": "0"})
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.keep or tmp
        dump = os.path.join(directory, "runtime-dump.json")
        size = write_dump(dump, args.pods, args.events)
        cmd = [sys.executable, "-m", "crashlint", "runtime", "--from", dump, "--now", NOW, "-o", "json",
               "--fail-on", "never"]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True)
        elapsed = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mb, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr.decode())
            return 1
        report = json.loads(proc.stdout)
    s = report["summary"]
    print(f"dump: {args.pods} pods, {args.events} events, {size / 1e6:.1f} MB")
    print(f"crashlint runtime --from: {elapsed:.2f} s wall, {cpu:.2f} s CPU, peak RSS {peak_mb:.0f} MB")
    print(f"result: {s['workloads']} workloads, {s['crashes']} crashing containers "
          f"({s['unpredicted']} unpredicted), {len(report['findings'])} findings, {s['confirmed']} confirmed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
