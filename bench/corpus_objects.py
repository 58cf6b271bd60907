"""The non-CRD part of the corpus: application bundles as teams write them.

Each bundle is one app in one namespace — a workload (Deployment, StatefulSet, DaemonSet,
Job, CronJob or Pod) with probes, resources, env from ConfigMaps/Secrets, envFrom, volumes —
plus what usually ships beside it: ServiceAccount, ConfigMap, Secret, Service, RBAC, and
sometimes an HPA, PDB, Ingress or NetworkPolicy. Everything a healthy workload references is
defined, so findings come from the small fraction of deliberately broken workloads, each of
which is recorded with the rule that must report it.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from typing import Any

from corpus_emit import Comment, Repeat

TEAMS = ("payments billing orders catalog search checkout identity notifications analytics reporting "
         "inventory shipping pricing media gateway platform data ml fraud support").split()
NOUNS = ("api worker web frontend backend scheduler indexer exporter consumer publisher sync cache "
         "gateway proxy auth ledger importer renderer collector router").split()
ENV_KEYS = ("LOG_LEVEL LOG_FORMAT FEATURE_FLAGS CACHE_TTL_SECONDS MAX_CONNECTIONS REGION "
            "TRACING_SAMPLE_RATE HTTP_TIMEOUT WORKER_CONCURRENCY QUEUE_NAME").split()
# (repository, tag, port, readiness check): liveness is a TCP connect, readiness asks the software.
PUBLIC_SERVERS = (("nginx", "1.25.3", 8080, "/"), ("redis", "7.2.4", 6379, ["redis-cli", "ping"]),
                  ("memcached", "1.6.22", 11211, ["sh", "-c", "echo stats | nc -w 1 127.0.0.1 11211"]),
                  ("grafana/grafana", "10.2.3", 3000, "/api/health"))
# (defect, rule that must report it)
DEFECTS = (
    ("busybox-sidecar-without-command", "completes-immediately"),
    ("latest-tag", "image-tag-mutable"),
    ("limits-below-requests", "rejected-by-api"),
    ("envfrom-undefined-configmap", "missing-configmap"),
    ("probe-on-undeclared-named-port", "probe-port-not-exposed"),
    ("heap-above-memory-limit", "heap-exceeds-memory-limit"),
    ("argv-as-one-string", "command-not-executable"),
    ("liveness-equals-readiness", "liveness-same-as-readiness"),
    ("pull-policy-never", "image-pull-never"),
    ("configmap-key-missing", "missing-key"),
    ("no-memory-limit", "missing-memory-limit"),
    ("liveness-failure-threshold-1", "liveness-too-aggressive"),
    ("repeated-key", "rejected-by-api"),
)
REPEATED_KEY = "repeated-key"
BROKEN_FRACTION = 0.06


@dataclass
class Item:
    """One object of the corpus and what lint must say about it."""

    data: dict[str, Any]
    file_hint: str  # base name of the file it would live in (kustomize layout)
    expected_rule: str | None = None
    defect: str | None = None


@dataclass
class Bundle:
    app: str
    namespace: str
    chart: str
    items: list[Item] = field(default_factory=list)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _labels(app: str, team: str, chart: str | None) -> dict[str, str]:
    labels = {"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": team}
    if chart:
        labels["app.kubernetes.io/managed-by"] = "Helm"
        labels["helm.sh/chart"] = chart
    return labels


def _meta(name: str, ns: str | None, labels: dict[str, str], **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if ns is not None:
        meta["namespace"] = ns
    meta["labels"] = dict(labels)
    meta.update(extra)
    return meta


def _probe(rng: random.Random, kind: str, port: str | int, path: str) -> dict[str, Any]:
    if kind == "tcp":
        handler: dict[str, Any] = {"tcpSocket": {"port": port}}
    else:
        handler = {"httpGet": {"path": path, "port": port, "scheme": "HTTP"}}
    return {**handler, "initialDelaySeconds": rng.choice([5, 10, 15, 20]), "periodSeconds": rng.choice([10, 15, 20]),
            "timeoutSeconds": rng.choice([2, 3, 5]), "failureThreshold": rng.choice([3, 5, 6])}


def _resources(rng: random.Random) -> dict[str, Any]:
    mem = rng.choice([128, 256, 384, 512, 768, 1024])
    return {"requests": {"cpu": rng.choice(["50m", "100m", "250m", "500m"]), "memory": f"{mem // 2}Mi"},
            "limits": {"cpu": rng.choice(["500m", "1", "2"]), "memory": f"{mem}Mi"}}


class BundleFactory:
    """Builds bundles from one seeded RNG, so the same seed gives the same corpus."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.serial = 0

    def _image(self, team: str, app: str) -> str:
        r = self.rng
        if r.random() < 0.08:
            return f"registry.example.com/{team}/{app}@sha256:{r.getrandbits(256):064x}"
        return f"registry.example.com/{team}/{app}:{r.randint(0, 4)}.{r.randint(0, 30)}.{r.randint(0, 12)}"

    def _app_container(self, team: str, app: str, config: str, secret: str, keys: list[str],
                       public: tuple[str, str, int, Any] | None) -> dict[str, Any]:
        r = self.rng
        if public is not None:
            repo, tag, port, ready = public
            pname = "http" if isinstance(ready, str) else "tcp"
            c: dict[str, Any] = {"name": repo.rsplit("/", 1)[-1], "image": f"{repo}:{tag}",
                                 "imagePullPolicy": "IfNotPresent",
                                 "ports": [{"name": pname, "containerPort": port, "protocol": "TCP"}]}
            c["livenessProbe"] = _probe(r, "tcp", pname, "")
            readiness = {"httpGet": {"path": ready, "port": pname}} if isinstance(ready, str) else \
                {"exec": {"command": ready}}
            c["readinessProbe"] = {**readiness, "periodSeconds": 5, "timeoutSeconds": 3}
            c["resources"] = _resources(r)
            c["volumeMounts"] = [{"name": "config", "mountPath": "/etc/" + c["name"], "readOnly": True}]
            return c
        c = {"name": app.rsplit("-", 1)[-1], "image": self._image(team, app), "imagePullPolicy": "IfNotPresent",
             "args": ["--port=8080", f"--config=/etc/{app}/config.yaml", f"--log-level={r.choice(['info', 'warn'])}"],
             "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                       {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}]}
        env: list[dict[str, Any]] = [
            {"name": k, "valueFrom": {"configMapKeyRef": {"name": config, "key": k}}} for k in keys[:r.randint(1, 3)]]
        env.append({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": secret, "key": "DB_PASSWORD"}}})
        env.append({"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}})
        env.append({"name": "GOMAXPROCS", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}})
        if r.random() < 0.3:
            env.append({"name": "OPTIONAL_TOKEN", "valueFrom": {"secretKeyRef": {"name": f"{app}-optional",
                                                                                 "key": "token", "optional": True}}})
        c["env"] = env
        if r.random() < 0.5:
            c["envFrom"] = [{"configMapRef": {"name": config}}]
            if r.random() < 0.5:
                c["envFrom"].append({"secretRef": {"name": secret}})
        c[Comment("resources are tuned from the last load test; see the team runbook")] = None
        c["resources"] = _resources(r)
        c["livenessProbe"] = _probe(r, "http", "http", "/healthz")
        c["readinessProbe"] = {**_probe(r, "http", "http", "/readyz"), "periodSeconds": 5, "failureThreshold": 3}
        if r.random() < 0.3:
            c["startupProbe"] = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5,
                                 "failureThreshold": 30}
        c["securityContext"] = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}}
        c["volumeMounts"] = [{"name": "config", "mountPath": f"/etc/{app}", "readOnly": True},
                             {"name": "tmp", "mountPath": "/tmp"}]
        return c

    def _pod_spec(self, team: str, app: str, ns: str, sa: str, config: str, container: dict[str, Any],
                  restart: str | None) -> dict[str, Any]:
        r = self.rng
        spec: dict[str, Any] = {"serviceAccountName": sa}
        if r.random() < 0.4:
            spec["imagePullSecrets"] = [{"name": "regcred"}]
        if restart:
            spec["restartPolicy"] = restart
        spec["securityContext"] = {"runAsNonRoot": True, "runAsUser": 10001, "fsGroup": 10001,
                                   "seccompProfile": {"type": "RuntimeDefault"}}
        if r.random() < 0.2:
            spec["initContainers"] = [{"name": "migrate", "image": self._image(team, app + "-migrate"),
                                       "command": ["/app/migrate", "up", "--timeout=120s"],
                                       "resources": {"limits": {"cpu": "200m", "memory": "128Mi"},
                                                     "requests": {"cpu": "50m", "memory": "64Mi"}}}]
        spec["containers"] = [container]
        if r.random() < 0.15:
            spec["containers"].append({
                "name": "envoy", "image": "envoyproxy/envoy:v1.28.0",
                "args": ["-c", "/etc/envoy/envoy.yaml", "--log-level", "warn"],
                "ports": [{"name": "envoy-admin", "containerPort": 9901}],
                "resources": {"limits": {"cpu": "200m", "memory": "128Mi"},
                              "requests": {"cpu": "50m", "memory": "64Mi"}}})
        spec["volumes"] = [{"name": "config", "configMap": {"name": config, "defaultMode": 420}},
                           {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
        if r.random() < 0.3:
            spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                "weight": 100, "podAffinityTerm": {
                    "labelSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
                    "topologyKey": "kubernetes.io/hostname"}}]}}
        if r.random() < 0.2:
            spec["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": team, "effect": "NoSchedule"}]
        if r.random() < 0.2:
            spec["nodeSelector"] = {"kubernetes.io/os": "linux"}
        if r.random() < 0.15:
            spec["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                                  "whenUnsatisfiable": "ScheduleAnyway",
                                                  "labelSelector": {"matchLabels": {"app.kubernetes.io/name": app}}}]
        spec["terminationGracePeriodSeconds"] = r.choice([30, 30, 60])
        return spec

    def _break(self, defect: str, app: str, spec: dict[str, Any], c: dict[str, Any]) -> None:
        """Apply one realistic mistake to a pod spec (its first container is ``c``)."""
        if defect == "busybox-sidecar-without-command":
            spec["containers"].append({"name": "debug", "image": "busybox:1.36",
                                       "resources": {"limits": {"memory": "32Mi"}}})
        elif defect == "latest-tag":
            c["image"] = c["image"].split("@")[0].rsplit(":", 1)[0] + ":latest"
        elif defect == "limits-below-requests":
            c["resources"] = {"requests": {"cpu": "250m", "memory": "512Mi"},
                              "limits": {"cpu": "500m", "memory": "256Mi"}}
        elif defect == "envfrom-undefined-configmap":
            c["envFrom"] = [{"configMapRef": {"name": f"{app}-env"}}]
        elif defect == "probe-on-undeclared-named-port":
            c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "health"}, "periodSeconds": 10}
        elif defect == "heap-above-memory-limit":
            c["resources"] = {"requests": {"memory": "512Mi"}, "limits": {"memory": "1Gi"}}
            c.setdefault("env", []).append({"name": "JAVA_OPTS", "value": "-Xms1g -Xmx2g -XX:+UseG1GC"})
        elif defect == "argv-as-one-string":
            c.pop("args", None)
            c["command"] = ["python app.py --port 8080"]
        elif defect == "liveness-equals-readiness":
            c["readinessProbe"] = dict(c["livenessProbe"])
        elif defect == "pull-policy-never":
            c["imagePullPolicy"] = "Never"
        elif defect == "configmap-key-missing":
            c.setdefault("env", []).insert(0, {"name": "DATABASE_URL", "valueFrom": {
                "configMapKeyRef": {"name": spec["volumes"][0]["configMap"]["name"], "key": "DATABASE_URL"}}})
        elif defect == "no-memory-limit":
            c["resources"] = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m"}}
        elif defect == REPEATED_KEY:
            c[Repeat("imagePullPolicy")] = "Always"
        elif defect == "liveness-failure-threshold-1":
            c["livenessProbe"] = {**c["livenessProbe"], "failureThreshold": 1, "periodSeconds": 5}

    def bundle(self, team: str, ns: str) -> Bundle:
        """One application with everything it references."""
        r = self.rng
        self.serial += 1
        app = f"{team}-{r.choice(NOUNS)}-{self.serial}"
        chart = f"{team}-{r.choice(NOUNS)}-{r.randint(0, 3)}.{r.randint(0, 20)}.{r.randint(0, 9)}" \
            if r.random() < 0.4 else ""
        labels = _labels(app, team, chart or None)
        selector = {"app.kubernetes.io/name": app}
        b = Bundle(app, ns, chart)
        config, secret, sa = f"{app}-config", f"{app}-secrets", app
        keys = r.sample(ENV_KEYS, 4)
        cm_data: dict[str, Any] = {k: r.choice(["info", "json", "true", "300", "eu-west-1", "0.1", "64", "orders"])
                                   for k in keys}
        cm_data["config.yaml"] = "\n".join([
            "server:", "  port: 8080", "  shutdownTimeout: 25s", "upstreams:",
            *[f"  - name: {r.choice(NOUNS)}\n    url: http://{r.choice(NOUNS)}.{ns}.svc:8080\n"
              f"    timeout: {r.randint(1, 30)}s"
              for _ in range(r.randint(1, 4))],
            "metrics:", "  enabled: true", "  path: /metrics"])
        b.items.append(Item({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(sa, ns, labels)},
                            "serviceaccount"))
        b.items.append(Item({"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(config, ns, labels),
                             "data": cm_data}, "configmap"))
        b.items.append(Item({"apiVersion": "v1", "kind": "Secret", "metadata": _meta(secret, ns, labels),
                             "type": "Opaque", "data": {"DB_PASSWORD": _b64(f"pw-{r.getrandbits(48):x}"),
                                                        "API_TOKEN": _b64(f"tok-{r.getrandbits(64):x}")}},
                            "secret"))
        kind = r.choices(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"],
                         [62, 12, 5, 7, 11, 3])[0]
        public = r.choice(PUBLIC_SERVERS) if kind in ("Deployment", "StatefulSet") and r.random() < 0.15 else None
        c = self._app_container(team, app, config, secret, keys, public)
        if kind in ("Job", "CronJob"):
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                c.pop(probe, None)
            c.pop("ports", None)
            c["args"] = [f"--config=/etc/{app}/config.yaml", "--once"]
        restart = "OnFailure" if kind in ("Job", "CronJob") else None
        spec = self._pod_spec(team, app, ns, sa, config, c, restart)
        defect = rule = None
        # Only long-running kinds (~79% of workloads) are broken, so the overall share is BROKEN_FRACTION.
        long_running = kind in ("Deployment", "StatefulSet", "DaemonSet")
        if long_running and public is None and r.random() < BROKEN_FRACTION / 0.79:
            defect, rule = r.choice(DEFECTS)
            self._break(defect, app, spec, c)
        template = {"metadata": {"labels": {**selector, "app.kubernetes.io/part-of": team},
                                 "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"}},
                    "spec": spec}
        meta = _meta(app, ns, labels)
        if kind == "Deployment":
            wl = {"replicas": r.choice([1, 2, 3, 3, 5]), "revisionHistoryLimit": 5,
                  "selector": {"matchLabels": selector},
                  "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
                  "template": template}
        elif kind == "StatefulSet":
            wl = {"serviceName": app, "replicas": 3, "selector": {"matchLabels": selector}, "template": template,
                  "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                      "accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                      "resources": {"requests": {"storage": f"{r.choice([1, 5, 10, 50])}Gi"}}}}]}
        elif kind == "DaemonSet":
            wl = {"selector": {"matchLabels": selector}, "template": template,
                  "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}}
        elif kind == "Job":
            wl = {"backoffLimit": 4, "ttlSecondsAfterFinished": 3600, "template": template}
        elif kind == "CronJob":
            wl = {"schedule": f"{r.randint(0, 59)} {r.randint(0, 23)} * * *", "concurrencyPolicy": "Forbid",
                  "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                  "jobTemplate": {"spec": {"backoffLimit": 2, "template": template}}}
        else:
            meta["labels"] = {**meta["labels"], **selector}
            wl = None
        api = {"Job": "batch/v1", "CronJob": "batch/v1", "Pod": "v1"}.get(kind, "apps/v1")
        obj = {"apiVersion": api, "kind": kind, "metadata": meta, "spec": spec if wl is None else wl}
        b.items.append(Item(obj, kind.lower(), rule, defect))
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "Pod"):
            port = c["ports"][0]
            b.items.append(Item({"apiVersion": "v1", "kind": "Service", "metadata": _meta(app, ns, labels),
                                 "spec": {"type": "ClusterIP", "selector": selector, "ports": [
                                     {"name": port["name"],
                                      "port": 80 if port["name"] == "http" else port["containerPort"],
                                      "targetPort": port["name"], "protocol": "TCP"}]}}, "service"))
        self._extras(b, kind, labels, selector, sa)
        return b

    def _extras(self, b: Bundle, kind: str, labels: dict[str, str], selector: dict[str, str], sa: str) -> None:
        r, app, ns = self.rng, b.app, b.namespace
        if r.random() < 0.35:
            b.items.append(Item({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                                 "metadata": _meta(app, ns, labels), "rules": [
                                     {"apiGroups": [""], "resources": ["configmaps", "secrets"],
                                      "verbs": ["get", "list", "watch"]},
                                     {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                                      "verbs": ["get", "create", "update"]}]}, "rbac"))
            b.items.append(Item({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                                 "metadata": _meta(app, ns, labels),
                                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": app},
                                 "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": ns}]}, "rbac"))
        if r.random() < 0.06:
            b.items.append(Item({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                 "metadata": _meta(f"{ns}-{app}", None, labels), "rules": [
                                     {"apiGroups": [""], "resources": ["nodes", "pods", "namespaces"],
                                      "verbs": ["get", "list", "watch"]},
                                     {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]}, "clusterrole"))
            b.items.append(Item({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                                 "metadata": _meta(f"{ns}-{app}", None, labels),
                                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                             "name": f"{ns}-{app}"},
                                 "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": ns}]}, "clusterrole"))
        if kind == "Deployment" and r.random() < 0.3:
            b.items.append(Item({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                                 "metadata": _meta(app, ns, labels), "spec": {
                                     "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app},
                                     "minReplicas": 2, "maxReplicas": r.choice([5, 10, 20]), "metrics": [
                                         {"type": "Resource", "resource": {"name": "cpu", "target": {
                                             "type": "Utilization", "averageUtilization": 70}}}]}}, "hpa"))
        if kind in ("Deployment", "StatefulSet") and r.random() < 0.35:
            b.items.append(Item({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                 "metadata": _meta(app, ns, labels),
                                 "spec": {"minAvailable": 1, "selector": {"matchLabels": selector}}}, "pdb"))
        if kind == "Deployment" and r.random() < 0.2:
            b.items.append(Item({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                                 "metadata": _meta(app, ns, labels, annotations={
                                     "cert-manager.io/cluster-issuer": "letsencrypt"}),
                                 "spec": {"ingressClassName": "nginx",
                                          "tls": [{"hosts": [f"{app}.example.com"], "secretName": f"{app}-tls"}],
                                          "rules": [{"host": f"{app}.example.com", "http": {"paths": [{
                                              "path": "/", "pathType": "Prefix", "backend": {"service": {
                                                  "name": app, "port": {"name": "http"}}}}]}}]}}, "ingress"))
        if kind in ("Deployment", "StatefulSet") and r.random() < 0.2:
            egress = [{"to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                       "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
                      {"to": [{"podSelector": {}}]}]
            b.items.append(Item({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                                 "metadata": _meta(app, ns, labels), "spec": {
                                     "podSelector": {"matchLabels": selector},
                                     "policyTypes": ["Ingress", "Egress"],
                                     "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                                         "kubernetes.io/metadata.name": "ingress-nginx"}}}],
                                         "ports": [{"protocol": "TCP", "port": 8080}]}],
                                     "egress": egress}}, "networkpolicy"))


def namespace_objects(ns: str, team: str, rng: random.Random) -> list[Item]:
    """What each namespace carries once: the Namespace and the registry pull secret."""
    auth = _b64(f"deploy:{rng.getrandbits(64):x}")
    dockercfg = '{"auths":{"registry.example.com":{"auth":"' + auth + '"}}}'
    return [
        Item({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {
            "kubernetes.io/metadata.name": ns, "team": team}}}, "namespace"),
        Item({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "regcred", "namespace": ns},
              "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": _b64(dockercfg)}}, "namespace"),
    ]


def custom_resource(rng: random.Random, group: str, kind: str, ns: str) -> dict[str, Any]:
    """An instance of one of the corpus's CRDs (linted as an unknown kind: skipped)."""
    return {"apiVersion": f"{group}/v1", "kind": kind,
            "metadata": {"name": f"{kind.lower()}-{rng.randint(1, 999)}", "namespace": ns},
            "spec": {"replicas": rng.randint(1, 3), "selector": {"matchLabels": {"team": ns}},
                     "interval": f"{rng.choice([15, 30, 60])}s", "enabled": True}}
