"""CustomResourceDefinitions the way operators ship them: big ``openAPIV3Schema`` trees.

In real repositories CRDs are most of the bytes (83% in the corpus DESIGN.md measures) and
no crashlint rule reads them, so they are what the loader's skip path is benchmarked on. Their
shape matters for that: deep nested ``properties``, long wrapped ``description`` texts,
``x-kubernetes-*`` markers, embedded pod-template schemas repeated across CRDs, several
served versions carrying the same schema.
"""

from __future__ import annotations

import random
import textwrap
from typing import Any

from corpus_emit import dump

WORDS = ("pod container replica selector label annotation volume secret config endpoint service "
         "scheduling node affinity toleration taint priority resource request limit storage class "
         "claim snapshot backup restore certificate issuer ingress route gateway listener policy "
         "scrape target relabel alert rule receiver route retention shard partition topic broker "
         "consumer producer schema registry database cluster instance replica failover timeout "
         "interval threshold window budget quota probe readiness liveness startup handler hook").split()
FIELDS = ("name namespace labels annotations selector matchLabels matchExpressions key operator values "
          "replicas image imagePullPolicy imagePullSecrets resources requests limits affinity nodeAffinity "
          "podAffinity podAntiAffinity tolerations nodeSelector priorityClassName serviceAccountName "
          "securityContext runAsUser runAsGroup fsGroup runAsNonRoot readOnlyRootFilesystem capabilities "
          "volumes volumeMounts mountPath subPath readOnly env envFrom valueFrom configMapKeyRef secretKeyRef "
          "port targetPort protocol scheme path host httpHeaders timeoutSeconds periodSeconds "
          "failureThreshold successThreshold initialDelaySeconds storage storageClassName accessModes "
          "retention retentionSize scrapeInterval scrapeTimeout evaluationInterval externalLabels "
          "remoteWrite remoteRead tls tlsConfig ca cert keySecret insecureSkipVerify serverName "
          "basicAuth bearerTokenSecret oauth2 clientId clientSecret tokenUrl scopes endpointParams "
          "relabelings metricRelabelings sourceLabels separator targetLabel regex modulus replacement "
          "action shards partitions replicationFactor config topicName cleanupPolicy minInsyncReplicas "
          "backup schedule suspend successfulJobsHistoryLimit startingDeadlineSeconds concurrencyPolicy "
          "conditions type status reason message lastTransitionTime observedGeneration phase "
          "updateStrategy rollingUpdate maxSurge maxUnavailable paused minReadySeconds "
          "topologySpreadConstraints maxSkew topologyKey whenUnsatisfiable dnsPolicy dnsConfig "
          "hostNetwork terminationGracePeriodSeconds sidecars initContainers extraArgs extraEnv "
          "logLevel logFormat webhook enabled ingress className hosts rules paths pathType backend "
          "additionalPeers alertmanagerConfig routePrefix externalUrl walCompression enableFeatures "
          "query lookbackDelta maxConcurrency maxSamples timeout storageSpec emptyDir ephemeral "
          "volumeClaimTemplate dataSource dataSourceRef volumeMode persistentVolumeClaimRetentionPolicy").split()
SENTENCES = (
    "{F} defines the {w} used by the operator when it reconciles the {w2}.",
    "If not specified, the {w} defaults to the value configured for the {w2}.",
    "More info: https://kubernetes.io/docs/concepts/{w}s/{w2}/",
    "This field is immutable once the {w} has been created.",
    "Cannot be updated.",
    "{F} is a list of {w}s; the {w2} controller merges them by name.",
    "Deprecated: use {F} instead. This field will be removed in a future release.",
    "The {w} must be a valid DNS subdomain; it must consist of lower case alphanumeric characters, '-' or '.'.",
    "Specifies how long, in seconds, the {w} waits for the {w2} before it reports a failure.",
    "When set to true, the {w} is skipped and the {w2} is left unchanged.",
    "Valid values are: \"Always\", \"Never\" and \"IfNotPresent\". Defaults to \"IfNotPresent\".",
    "Compute Resources required by this {w}.",
    "Selector which must match a node's labels for the {w} to be scheduled on that node.",
    "An empty {w} matches all objects. A null {w} matches no objects.",
    "Note that this field cannot be set when the {w2} uses host networking.",
    "{F} holds the most recently observed status of the {w}; it is read-only and set by the system.",
)
KINDS = ("Prometheus Alertmanager ServiceMonitor PodMonitor PrometheusRule Probe ThanosRuler Certificate "
         "Issuer ClusterIssuer CertificateRequest Order Challenge KafkaTopic KafkaUser KafkaConnector "
         "PostgresCluster Backup ScheduledBackup Pooler Rollout AnalysisTemplate Experiment Application "
         "ApplicationSet AppProject VirtualService DestinationRule Gateway ServiceEntry Sidecar "
         "AuthorizationPolicy PeerAuthentication ExternalSecret SecretStore ClusterSecretStore Bucket "
         "Queue Workflow CronWorkflow WorkflowTemplate ScaledObject ScaledJob TriggerAuthentication "
         "Elasticsearch Kibana Redis RedisCluster VolumeSnapshot VolumeSnapshotClass Canary Alert").split()
# What controller-gen writes for resource.Quantity fields.
QUANTITY_PATTERN = (r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|"
                    r"([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$")
CONTROLLER_GEN = ("v0.13.0", "v0.14.0", "v0.15.0", "v0.16.1")
OPERATORS = ("monitoring.coreos.com cert-manager.io kafka.strimzi.io postgresql.cnpg.io argoproj.io "
             "networking.istio.io security.istio.io external-secrets.io keda.sh elasticsearch.k8s.elastic.co "
             "redis.redis.opstreelabs.in snapshot.storage.k8s.io flagger.app source.toolkit.fluxcd.io "
             "acid.zalan.do velero.io").split()


def _description(rng: random.Random, field: str, long: bool) -> str:
    n = rng.randint(2, 6) if long else rng.randint(1, 2)
    text = " ".join(rng.choice(SENTENCES).format(F=field, w=rng.choice(WORDS), w2=rng.choice(WORDS))
                    for _ in range(n))
    if len(text) > 100 and rng.random() < 0.85:  # controller-gen wraps long comments into |- blocks
        return "\n".join(textwrap.wrap(text, 80))
    return text


def _leaf(rng: random.Random, field: str) -> dict[str, Any]:
    roll = rng.random()
    node: dict[str, Any] = {"description": _description(rng, field, False)}
    if roll < 0.45:
        node["type"] = "string"
        extra = rng.random()
        if extra < 0.15:
            node["enum"] = rng.sample(["Always", "Never", "IfNotPresent", "OnFailure", "Retain", "Delete",
                                       "Recreate", "RollingUpdate", "TCP", "UDP", "SCTP"], rng.randint(2, 4))
        elif extra < 0.25:
            node["pattern"] = QUANTITY_PATTERN
        elif extra < 0.32:
            node["format"] = rng.choice(["date-time", "uri", "hostname", "byte"])
    elif roll < 0.65:
        node["type"] = "integer"
        node["format"] = rng.choice(["int32", "int64"])
        if rng.random() < 0.3:
            node["minimum"] = 0
    elif roll < 0.8:
        node["type"] = "boolean"
    elif roll < 0.9:
        node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        node["x-kubernetes-int-or-string"] = True
    else:
        node["type"] = "object"
        node["additionalProperties"] = {"type": "string"}
    return node


def schema_tree(rng: random.Random, budget: int, depth: int = 0) -> tuple[dict[str, Any], int]:
    """An object schema of about ``budget`` nodes; returns it and the nodes used."""
    props: dict[str, Any] = {}
    used = 1
    width = rng.randint(3, 14)
    for name in rng.sample(FIELDS, min(width, len(FIELDS))):
        if used >= budget:
            break
        room = budget - used
        if depth < 6 and room > 8 and rng.random() < 0.35:
            sub, n = schema_tree(rng, min(room, rng.randint(8, max(9, room // 2))), depth + 1)
            sub = {"description": _description(rng, name, True), **sub}
            if rng.random() < 0.3:
                sub = {"description": sub.pop("description"), "type": "array",
                       "items": sub, "x-kubernetes-list-type": "atomic"} if rng.random() < 0.5 else \
                      {"description": sub.pop("description"), "type": "array", "items": sub}
            props[name] = sub
            used += n
        else:
            props[name] = _leaf(rng, name)
            used += 1
    node: dict[str, Any] = {"type": "object", "properties": dict(sorted(props.items()))}
    if rng.random() < 0.2 and props:
        node["required"] = sorted(rng.sample(list(props), min(len(props), rng.randint(1, 2))))
    if rng.random() < 0.1:
        node["x-kubernetes-map-type"] = "atomic"
    return node, used


def _plural(kind: str) -> str:
    low = kind.lower()
    if low.endswith("y"):
        return low[:-1] + "ies"
    return low + ("es" if low.endswith(("s", "x")) else "s")


def crd_document(rng: random.Random, group: str, kind: str, target_bytes: int,
                 shared: dict[str, Any] | None, chart: str | None) -> tuple[str, dict[str, Any]]:
    """One CRD of about ``target_bytes`` as YAML text, and its data."""
    plural = _plural(kind)
    n_versions = rng.choices([1, 2, 3], [5, 3, 2])[0]
    versions = ["v1", "v1beta1", "v1alpha1"][:n_versions]
    status, _ = schema_tree(rng, rng.randint(6, 30), 1)
    spec_props: dict[str, Any] = {}
    if shared is not None:
        spec_props["podTemplate"] = shared
    gen_version = rng.choice(CONTROLLER_GEN)
    size = len(dump(_crd_data(gen_version, group, kind, plural, versions, spec_props, status, chart)))
    # Spec properties sit 14 columns deep in every version: that makes the size exact, so the
    # corpus hits its byte share without re-dumping the whole CRD per added property.
    while size < target_bytes:
        nodes = max(2, min(120, (target_bytes - size) // (350 * n_versions)))
        sub, _ = schema_tree(rng, nodes, 1)
        name = rng.choice(FIELDS) + rng.choice(["", "Spec", "Config", "Template", "Policy", "Options"])
        while name in spec_props:
            name += "Override"
        sub = {"description": _description(rng, name, True), **sub}
        text = dump({name: sub})
        spec_props[name] = sub
        size += (len(text) + 14 * text.count("\n")) * n_versions
    data = _crd_data(gen_version, group, kind, plural, versions, spec_props, status, chart)
    header = [f"Source: {chart.rsplit('-', 1)[0]}/crds/{plural}.yaml"] if chart else None
    return dump(data, header=header), data


def _crd_data(gen_version: str, group: str, kind: str, plural: str, versions: list[str], spec_props: dict[str, Any],
              status: dict[str, Any], chart: str | None) -> dict[str, Any]:
    schema = {
        "description": f"{kind} is the Schema for the {plural} API",
        "type": "object",
        "properties": {
            "apiVersion": {"description": "APIVersion defines the versioned schema of this representation of an "
                                          "object.\nServers should convert recognized schemas to the latest "
                                          "internal value, and\nmay reject unrecognized values.", "type": "string"},
            "kind": {"description": "Kind is a string value representing the REST resource this object "
                                    "represents.\nCannot be updated.\nIn CamelCase.", "type": "string"},
            "metadata": {"type": "object"},
            "spec": {"description": f"{kind}Spec defines the desired state of {kind}", "type": "object",
                     "properties": dict(sorted(spec_props.items()))},
            "status": {"description": f"{kind}Status defines the observed state of {kind}", **status},
        },
        "required": ["spec"],
    }
    metadata: dict[str, Any] = {"name": f"{plural}.{group}",
                                "annotations": {"controller-gen.kubebuilder.io/version": gen_version}}
    if chart:
        metadata["labels"] = {"app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": chart}
    data = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": metadata,
        "spec": {
            "group": group,
            "names": {"categories": ["all"], "kind": kind, "listKind": f"{kind}List", "plural": plural,
                      "shortNames": [plural[:3]], "singular": kind.lower()},
            "scope": "Cluster" if kind.startswith("Cluster") else "Namespaced",
            "versions": [{
                "additionalPrinterColumns": [
                    {"jsonPath": ".status.phase", "name": "Phase", "type": "string"},
                    {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"}],
                "name": v, "schema": {"openAPIV3Schema": schema}, "served": True, "storage": i == 0,
                "subresources": {"status": {}}} for i, v in enumerate(versions)],
        },
    }
    return data
