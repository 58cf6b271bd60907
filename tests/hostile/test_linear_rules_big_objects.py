"""One admitted object (the API server takes requests of up to 3 MiB) must cost rules linear time.

Each input here needs minutes with the quadratic code each test names and well under a second
now; :func:`linear_runner.rule_finishes` allows 20 s. The old timings are from this machine.
"""

from __future__ import annotations

from pathlib import Path

from linear_runner import deployment, rule_finishes, service


def _app(**fields) -> dict:
    return {"name": "app", "image": "registry.example.com/app:1.2.3", **fields}


def test_broker_list_is_read_in_one_pass(tmp_path: Path) -> None:
    """``KAFKA_BROKERS=b0:9092,b1:9092,...``: one whole-value regex search per broker (7.4 s at 209 KiB,
    28.4 s at 427 KiB; this 1.2 MiB value: minutes)."""
    brokers = ",".join(f"kafka-{i}.example.com:9092" for i in range(45_000))
    docs = [deployment("big", [_app(env=[{"name": "KAFKA_BROKERS", "value": brokers}])]), service("db", {"app": "db"})]
    assert rule_finishes(tmp_path, "unresolved-dependency", docs) == 0  # external names: nothing to report


def test_broker_list_still_reports_missing_services(tmp_path: Path) -> None:
    brokers = ",".join(f"kafka-{i}:9092" for i in range(3)) + ",db:5432,notes"
    docs = [deployment("big", [_app(env=[{"name": "KAFKA_BROKERS", "value": brokers}])]), service("db", {"app": "db"})]
    assert rule_finishes(tmp_path, "unresolved-dependency", docs) == 3  # kafka-0..2; db exists; "notes" has no port


def test_scheme_like_text_without_urls(tmp_path: Path) -> None:
    """``a.a.a.…``: the URL expression tried every word boundary as a scheme start (30 s at 80 KB; 200 KB: minutes)."""
    text = "a." * 100_000
    docs = [deployment("big", [_app(env=[{"name": "UPSTREAM_URL", "value": text}], args=[text])]),
            service("db", {"app": "db"})]
    assert rule_finishes(tmp_path, "unresolved-dependency", docs) == 0


def test_named_target_ports_against_many_container_ports(tmp_path: Path) -> None:
    """30,000 Service ports × 30,000 container ports were compared pairwise (~4.5e8 look-ups)."""
    n = 30_000
    ports = [{"name": f"p{i}", "containerPort": 1024 + i % 60_000} for i in range(n)]
    svc = service("big", {"app": "big"}, ports=[{"name": f"s{i}", "port": 1 + i, "targetPort": f"p{i}"}
                                               for i in range(n)])
    docs = [deployment("big", [_app(ports=ports)]), svc]
    assert rule_finishes(tmp_path, "service-port-not-exposed", docs) == 0


def test_many_containers_do_not_copy_the_pod_ports_each(tmp_path: Path) -> None:
    """The probe rule copied the pod's 25,000 declared ports once per container (6e8 set insertions);
    each probe targets a neighbour's port, which the shared network namespace serves."""
    n = 25_000
    containers = [_app(name=f"c{i}", ports=[{"containerPort": 1024 + i}],
                       readinessProbe={"tcpSocket": {"port": 1024 + (i + 1) % n}}) for i in range(n)]
    assert rule_finishes(tmp_path, "probe-port-not-exposed", [deployment("big", containers)]) == 0


def test_wrappers_and_assignments_are_walked_not_recursed(tmp_path: Path) -> None:
    """``exec exec … sleep 1``: a recursive call per wrapper (RecursionError at ~1,000, a rule crash);
    ``env A=1 … cmd`` and ``A=1 … cmd`` in a script: one list copy per assignment (n²)."""
    containers = [_app(name="exec", command=["exec"] * 5_000 + ["sleep", "1"]),
                  _app(name="env", command=["env"] + ["A=1"] * 200_000 + ["sleep", "1"]),
                  _app(name="script", command=["sh", "-c", "A=1 " * 100_000 + "sleep 1"])]
    assert rule_finishes(tmp_path, "completes-immediately", [deployment("big", containers)]) == 3


def test_keyword_runs_in_init_scripts(tmp_path: Path) -> None:
    """``until until … nc -z db 1``: the keywords were sliced off one list copy at a time (n²)."""
    script = "until " * 100_000 + "nc -z missing-db 5432; do sleep 1; done"
    init = [_app(name="wait", image="busybox:1.36", command=["sh", "-c", script])]
    docs = [deployment("big", [_app()], initContainers=init), service("db", {"app": "db"})]
    assert rule_finishes(tmp_path, "init-container-waits-forever", docs) == 1


def test_semicolon_arguments_do_not_rescan_argv(tmp_path: Path) -> None:
    """``find … -exec … ; ; ; …``: each ";" scanned every argument before it for ``-exec`` (n²)."""
    command = ["find", "/data", "-exec", "rm", "{}"] + [";"] * 150_000
    assert rule_finishes(tmp_path, "command-not-executable", [deployment("big", [_app(command=command)])]) == 0


def test_many_key_references_to_one_big_configmap(tmp_path: Path) -> None:
    """n env references to a ConfigMap of n keys: the key set was rebuilt (and sorted) per reference (n²)."""
    n = 20_000
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "ns"},
          "data": {f"k{i}": "v" for i in range(n)}}
    env = [{"name": f"V{i}", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": f"x{i}"}}}
           for i in range(n)]
    assert rule_finishes(tmp_path, "missing-key", [deployment("big", [_app(env=env)]), cm]) == n
