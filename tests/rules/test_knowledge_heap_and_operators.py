"""Knowledge that does not guess: heap variables read only by known images (policies/heap.yaml) and
pods that operators create (policies/operators.yaml) — each entry with its source, each judged only
where it applies, and both extendable from ``.crashlint.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crashlint.engine.api import lint_paths
from crashlint.settings.config import load_settings
from crashlint.knowledge.heap import reading_of
from crashlint.settings.policy import load_policies
from crashlint.model.workloads import Container
from rule_helpers import found

HEAP = "heap-exceeds-memory-limit"
SVC = "service-selects-nothing"


def _container(data: dict[str, Any]) -> Container:
    return Container(data, "containers", 0, ("spec", "containers", 0))


def _pod(container: str) -> str:
    return f"""
        apiVersion: v1
        kind: Pod
        metadata: {{name: p}}
        spec:
          containers:
            - {container}
    """


# --- policies: every entry has a source ----------------------------------------------------------

@pytest.mark.parametrize("stem,lists", [("heap", ("runtime_variables", "readers")),
                                        ("operators", ("pod_labels", "controller_labels")),
                                        ("memory", ("families",))])
def test_every_knowledge_entry_names_its_source(stem: str, lists: tuple[str, ...]) -> None:
    knowledge = load_policies().knowledge[stem]
    for key in lists:
        assert knowledge[key], f"{stem}.{key} is empty"
        for entry in knowledge[key]:
            assert isinstance(entry.get("source"), str) and len(entry["source"]) > 10, entry


# --- heap: who reads which variable --------------------------------------------------------------

@pytest.mark.parametrize("image,command,env,read", [
    ("eclipse-temurin:17-jre", ["java", "-jar", "app.jar"], "JVM_OPTS", False),
    ("eclipse-temurin:17-jre", ["java", "-jar", "app.jar"], "JAVA_TOOL_OPTIONS", True),
    ("eclipse-temurin:17-jre", ["java", "-jar", "app.jar"], "JDK_JAVA_OPTIONS", True),
    ("openjdk:8-jre", ["java", "-jar", "app.jar"], "JDK_JAVA_OPTIONS", False),  # JDK 9+ only
    ("openjdk:8u412-jre", None, "JDK_JAVA_OPTIONS", False),
    ("openjdk:17-jre", None, "JDK_JAVA_OPTIONS", True),
    ("tomcat:10.1-jre17", None, "CATALINA_OPTS", True),
    ("tomcat:10.1-jre17", ["java", "-jar", "app.jar"], "CATALINA_OPTS", False),  # catalina.sh replaced
    ("ghcr.io/acme/legacy:1.0", ["/usr/local/tomcat/bin/catalina.sh", "run"], "CATALINA_OPTS", True),
    ("ghcr.io/acme/legacy:1.0", ["sh", "-c", "exec catalina.sh run"], "JAVA_OPTS", True),
    ("jenkins/jenkins:2.462.1-lts", None, "JAVA_OPTS", True),
    ("docker.elastic.co/elasticsearch/elasticsearch:8.15.0", None, "ES_JAVA_OPTS", True),
    ("docker.elastic.co/elasticsearch/elasticsearch:8.15.0", None, "JAVA_TOOL_OPTIONS", False),  # unset
    ("docker.elastic.co/elasticsearch/elasticsearch:8.15.0", ["java", "-jar", "x.jar"], "JAVA_TOOL_OPTIONS", True),
    ("apache/kafka:3.8.0", None, "KAFKA_HEAP_OPTS", True),
    ("apache/kafka:3.8.0", None, "JAVA_OPTS", False),
    ("eclipse-temurin:21-jre", ["sh", "-c", "exec java $JVM_OPTS -jar app.jar"], "JVM_OPTS", True),
    ("eclipse-temurin:21-jre", ["sh", "-c", "exec java ${JVM_OPTS:-} -jar app.jar"], "JVM_OPTS", True),
    ("eclipse-temurin:21-jre", ["java", "$(JVM_OPTS)", "-jar", "app.jar"], "JVM_OPTS", True),
    ("eclipse-temurin:21-jre", ["sh", "-c", "exec java $JVM_OPTS_EXTRA -jar app.jar"], "JVM_OPTS", False),
])
def test_a_heap_flag_counts_only_where_its_variable_is_read(image: str, command: list[str] | None, env: str,
                                                           read: bool) -> None:
    data: dict[str, Any] = {"name": "c", "image": image, "env": [{"name": env, "value": "-Xmx2g"}]}
    if command is not None:
        data["command"] = command
    reading = reading_of(_container(data), load_policies().knowledge)
    assert [s.text for s in reading.read] == (["-Xmx2g"] if read else [])
    assert [u.variable for u in reading.unread] == ([] if read else [env])


def test_an_unread_variable_is_info_naming_its_readers_and_a_read_one_an_error(lint) -> None:
    report = lint(_pod("""{name: app, image: eclipse-temurin:17-jre, command: [java, -jar, app.jar],
                 env: [{name: JAVA_OPTS, value: "-Xmx2g"}], resources: {limits: {memory: 1Gi}}}"""))
    [f] = found(report, HEAP)
    assert f.severity == "info"
    assert "JAVA_OPTS is read only by Apache Tomcat (catalina.sh), Jenkins (jenkins.sh)" in f.message
    assert "probably sizes nothing" in f.message and "2Gi" in f.message
    report = lint(_pod("""{name: app, image: eclipse-temurin:17-jre,
                 command: [sh, -c, 'exec java $JAVA_OPTS -jar app.jar'],
                 env: [{name: JAVA_OPTS, value: "-Xmx2g"}], resources: {limits: {memory: 1Gi}}}"""))
    [f] = found(report, HEAP)
    assert f.severity == "error" and "-Xmx2g (in env JAVA_OPTS)" in f.message


def test_an_unread_heap_under_the_limit_says_nothing_and_a_read_one_still_wins(lint) -> None:
    # JAVA_TOOL_OPTIONS is read (768m: fine); JVM_OPTS is not read, and its 512m is fine too.
    report = lint(_pod("""{name: app, image: eclipse-temurin:17-jre, command: [java, -jar, app.jar],
                 env: [{name: JAVA_TOOL_OPTIONS, value: "-Xmx768m"}, {name: JVM_OPTS, value: "-Xmx512m"}],
                 resources: {limits: {memory: 1Gi}}}"""))
    assert found(report, HEAP) == []


def test_gomemlimit_at_the_limit_is_a_warning_not_an_error(lint) -> None:
    report = lint(_pod("""{name: app, image: ghcr.io/acme/gateway:1.0.0, env: [{name: GOMEMLIMIT, value: 1GiB}],
                 resources: {limits: {memory: 1Gi}}}"""))
    [f] = found(report, HEAP)
    assert f.severity == "warning" and "if the program is written in Go" in f.message


def test_a_reader_added_in_the_config_counts(lint) -> None:
    text = _pod("""{name: app, image: registry.acme.io/platform/java-base:21, env: [{name: APP_JVM, value: "-Xmx2g"}],
                 resources: {limits: {memory: 1Gi}}}""")
    assert found(lint(text), HEAP) == []  # nothing known reads APP_JVM: not even scanned
    config = {"knowledge": {"heap": {"readers": [
        {"name": "our base image", "images": ["platform/java-base"], "reads": ["APP_JVM"],
         "source": "its Dockerfile"}]}}}
    [f] = found(lint(text, config=config), HEAP)
    assert f.severity == "error" and "-Xmx2g (in env APP_JVM)" in f.message


@pytest.mark.parametrize("heap", [None, [], "x", {"readers": "x", "runtime_variables": [1, None, {"name": 3}],
                                                  "conventions": ["JAVA_OPTS"]},
                                  {"readers": [{"images": "tomcat", "reads": "JAVA_OPTS", "tags": 8},
                                               {"images": [None], "commands": [{}], "ignores": [1]}]}])
def test_hostile_heap_knowledge_never_raises(heap: Any) -> None:
    c = _container({"name": "c", "image": "tomcat:10", "command": ["sh", "-c", "java $X ${Y} $(Z)"],
                    "env": [{"name": "JAVA_OPTS", "value": "-Xmx2g"}, {"name": 1}, None, "x"]})
    reading_of(c, {"heap": heap})


# --- operators: pods no manifest defines ---------------------------------------------------------

_CR_AND_SERVICE = """
    apiVersion: v1
    kind: Service
    metadata: {{name: svc}}
    spec:
      selector: {selector}
      ports: [{{port: 80}}]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: other}}
    spec:
      selector: {{matchLabels: {{app: other}}}}
      template:
        metadata: {{labels: {{app: other}}}}
        spec:
          containers: [{{name: c, image: ghcr.io/acme/other:1.0.0}}]
    ---
    {resource}
"""

_OPERATOR_CASES = [
    # (resource, selector that its pods satisfy)
    ("{apiVersion: kafka.strimzi.io/v1beta2, kind: Kafka, metadata: {name: events}, spec: {}}",
     "{strimzi.io/cluster: events, strimzi.io/kind: Kafka}"),
    ("{apiVersion: databases.spotahome.com/v1, kind: RedisFailover, metadata: {name: cache}, spec: {}}",
     "{app.kubernetes.io/component: redis, app.kubernetes.io/name: cache, redisfailovers-role: master}"),
    ("{apiVersion: app.redislabs.com/v1, kind: RedisEnterpriseCluster, metadata: {name: rec}, spec: {}}",
     "{app: redis-enterprise, redis.io/cluster: rec, redis.io/role: node}"),
    ("{apiVersion: acid.zalan.do/v1, kind: postgresql, metadata: {name: acid-main}, spec: {}}",
     "{cluster-name: acid-main, spilo-role: replica}"),
    ("{apiVersion: ceph.rook.io/v1, kind: CephObjectStore, metadata: {name: my-store}, spec: {}}",
     "{app: rook-ceph-rgw, rook_cluster: default, rook_object_store: my-store}"),
    ("{apiVersion: rabbitmq.com/v1beta1, kind: RabbitmqCluster, metadata: {name: mq}, spec: {}}",
     "{app.kubernetes.io/name: mq}"),
    ("{apiVersion: mongodbcommunity.mongodb.com/v1, kind: MongoDBCommunity, metadata: {name: mdb}, spec: {}}",
     "{app: mdb-svc}"),
    ("{apiVersion: leaderworkerset.x-k8s.io/v1, kind: LeaderWorkerSet, metadata: {name: vllm}, spec: "
     "{leaderWorkerTemplate: {leaderTemplate: {metadata: {labels: {role: leader}}}}}}",
     "{leaderworkerset.sigs.k8s.io/name: vllm, role: leader}"),
]


@pytest.mark.parametrize("resource,selector", _OPERATOR_CASES)
def test_pods_an_operator_makes_from_a_resource_of_the_set_are_selected(lint, resource: str, selector: str) -> None:
    report = lint(_CR_AND_SERVICE.format(selector=selector, resource=resource))
    assert not report.errors, report.errors
    assert found(report, SVC) == []
    # The same selector with the resource renamed: a warning, naming the resource when the selector
    # uses one of the operator's signature keys (app.kubernetes.io/name=mq could be anyone's pods).
    renamed = resource.replace("name: ", "name: zz-", 1)
    [f] = found(lint(_CR_AND_SERVICE.format(selector=selector, resource=renamed)), SVC)
    assert f.severity == "warning"
    assert ("'zz-" in f.message) == ("RabbitmqCluster" not in resource and "MongoDBCommunity" not in resource)


def test_a_resource_of_another_api_group_does_not_count(lint) -> None:
    # Cluster API's Cluster is not CloudNativePG's: the Service aims at CNPG pods that nothing here makes.
    report = lint(_CR_AND_SERVICE.format(selector="{cnpg.io/cluster: db}",
                                        resource="{apiVersion: cluster.x-k8s.io/v1beta1, kind: Cluster, "
                                                 "metadata: {name: db}, spec: {}}"))
    [f] = found(report, SVC)
    assert f.severity == "info" and "made by CloudNativePG from Cluster 'db'" in f.message


def test_an_operator_added_in_the_config_is_loaded_and_used(lint) -> None:
    text = _CR_AND_SERVICE.format(selector="{acme.io/db: orders}",
                                  resource="{apiVersion: db.acme.io/v1, kind: AcmeDB, metadata: {name: orders}, "
                                           "spec: {}}")
    [f] = found(lint(text), SVC)
    assert f.severity == "warning"
    config = {"knowledge": {"operators": {"pod_labels": [
        {"operator": "Acme DB operator", "kind": "AcmeDB", "group": "db.acme.io", "labels": {"acme.io/db": "{name}"},
         "signature": ["acme.io/db"], "source": "our operator's README"}]}}}
    assert found(lint(text, config=config), SVC) == []


def test_a_statefulset_pod_name_of_an_ordinal_and_a_missing_set(lint) -> None:
    sts = """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: redis}
        spec:
          serviceName: redis
          selector: {matchLabels: {app: redis}}
          template:
            metadata: {labels: {app: redis}}
            spec: {containers: [{name: r, image: "redis:7.4"}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: redis-0}
        spec:
          selector: {app: redis, statefulset.kubernetes.io/pod-name: SELECTED}
          ports: [{port: 6379}]
    """
    assert found(lint(sts.replace("SELECTED", "redis-0")), SVC) == []
    assert [f.severity for f in found(lint(sts.replace("SELECTED", "redis-x")), SVC)] == ["warning"]
    assert [f.severity for f in found(lint(sts.replace("SELECTED", "rediss-0")), SVC)] == ["warning"]


@pytest.mark.parametrize("ops", [None, [], "x", {"pod_labels": "x"}, {"pod_labels": [None, 1, {"kind": 3},
                                                                                      {"kind": "K", "labels": "x"}]},
                                 {"pod_labels": [{"kind": "K", "labels": {"a": ["{name}", ["x"], None, 3]},
                                                  "signature": ["a"], "template_labels": ["spec.x", 4]}],
                                  "controller_labels": [{"kind": "StatefulSet", "labels": {"b": "{name}-{ordinal}"}}]}])
def test_hostile_operator_knowledge_never_raises(tmp_path: Path, ops: Any) -> None:
    settings = load_settings(raw={})
    settings.knowledge = {**settings.knowledge, "operators": ops}
    path = tmp_path / "m.yaml"
    path.write_text(_CR_AND_SERVICE.format(selector="{a: K1, b: s-0}",
                                           resource="{apiVersion: x/v1, kind: K, metadata: {name: K1}, "
                                                    "spec: {x: [1]}}"))
    report = lint_paths([str(path)], settings)
    assert report.errors == []  # a rule that raises is reported as an error


# --- undeclared health ports of known images (policies/ports.yaml) -----------------------------

def test_every_listening_port_entry_names_its_source() -> None:
    for entry in load_policies().knowledge["ports"]["listening"]:
        assert entry["ports"] and isinstance(entry.get("source"), str) and len(entry["source"]) > 10, entry


def test_known_health_ports_are_what_keeps_the_probes_quiet() -> None:
    path = (Path(__file__).resolve().parents[1] / "fixtures" / "lint" / "probe-port-not-exposed"
            / "neg-undeclared-health-ports-of-known-images.yaml")
    settings = load_settings(raw={})
    assert [f for f in lint_paths([str(path)], settings).findings if f.rule == "probe-port-not-exposed"] == []
    settings.knowledge = {**settings.knowledge, "ports": {"listening": []}}
    fired = {(f.container, f.severity) for f in lint_paths([str(path)], settings).findings
             if f.rule == "probe-port-not-exposed"}
    assert ("kube-state-metrics", "warning") in fired and ("cloud-sql-proxy", "info") in fired
    assert ("prometheus", "info") in fired  # (istio-proxy: the mesh knowledge, policies/mesh.yaml, also covers it)


# --- the Python web server memory floor (policies/memory.yaml) ---------------------------------

@pytest.mark.parametrize("argv,limit,flagged", [
    ("command: [gunicorn, app:app]", "45Mi", True),
    ("command: [/usr/local/bin/gunicorn, app:app]", "45Mi", True),
    ("command: [python3.12, -m, uvicorn, main:app]", "45Mi", True),
    ("command: [python, manage.py, runserver]", "45Mi", True),
    ("args: [hypercorn, main:app]", "40Mi", True),
    ("command: [bash, -ec, 'exec daphne asgi:application']", "32Mi", True),
    ("command: [gunicorn, app:app]", "48Mi", False),
    ("command: [python, worker.py]", "45Mi", False),          # unknown Python program: the floor only
    ("command: [python, -c, 'import gunicorn']", "45Mi", False),
    ("command: [echo, gunicorn]", "45Mi", False),
])
def test_a_python_web_server_is_held_to_its_floor(lint, argv: str, limit: str, flagged: bool) -> None:
    container = f"{{name: web, image: ghcr.io/acme/web:1.0.0, {argv}, resources: {{limits: {{memory: {limit}}}}}}}"
    report = lint(_pod(container))
    hits = found(report, "memory-limit-too-low")
    assert [h.severity for h in hits] == (["warning"] if flagged else [])
    if flagged:
        assert "Python web server" in hits[0].message and "48Mi" in hits[0].message


def test_a_service_with_no_namespace_goes_where_its_pods_are(lint) -> None:
    text = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: ui, namespace: argocd}
        spec:
          selector: {matchLabels: {app: ui}}
          template:
            metadata: {labels: {app: ui}}
            spec: {containers: [{name: ui, image: "ghcr.io/acme/ui:1.0.0"}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: ui NAMESPACE}
        spec:
          selector: {app: ui}
          ports: [{port: 4000}]
    """
    assert found(lint(text.replace(" NAMESPACE", "")), SVC) == []  # applied with -n argocd, as its pods are
    [f] = found(lint(text.replace(" NAMESPACE", ", namespace: default")), SVC)
    assert f.severity == "warning" and "exist in namespace argocd" in f.message


@pytest.mark.parametrize("command,reads", [
    (["sh", "-c", "cd /usr/local/tomcat && exec bin/catalina.sh run"], True),
    (["/usr/bin/tini", "--", "/usr/local/bin/catalina.sh", "run"], True),
    (["sh", "-c", "CATALINA_HOME=/opt/t catalina.sh run"], True),
    (["sh", "-c", "until nc -z catalina.sh 8080; do sleep 1; done"], False),  # a word, not a program
    (["sh", "-c", "echo starting catalina.sh"], False),
])
def test_a_start_script_counts_where_a_command_starts_it(command: list[str], reads: bool) -> None:
    data = {"name": "c", "image": "ghcr.io/acme/legacy:1.0", "command": command,
            "env": [{"name": "CATALINA_OPTS", "value": "-Xmx2g"}]}
    reading = reading_of(_container(data), load_policies().knowledge)
    assert bool(reading.read) == reads and bool(reading.unread) == (not reads)
