"""Hypothesis strategies for fuzzing crashlint: raw bytes, YAML text from a grammar, and
Kubernetes objects built from the real field shapes, optionally with wrong types injected.

Shared by the fast suite (``tests/fuzz``) and the long run (``bench/fuzz_long.py``) so both
exercise exactly the same input space; only the number of examples differs.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml
from hypothesis import strategies as st

# A small pool of names, so that references between generated objects sometimes resolve
# (a ConfigMap the pod mounts exists) and sometimes do not: both paths must be exercised.
NAMES = ("app", "db", "web", "cfg", "creds", "cache", "worker", "api")
name_st = st.one_of(st.sampled_from(NAMES), st.from_regex(r"[a-z][a-z0-9-]{0,14}", fullmatch=True))
odd_text = st.text(max_size=24)
key_st = st.one_of(st.sampled_from(("config.yaml", "password", "token", "APP_MODE", "app.properties")),
                   st.from_regex(r"[A-Za-z0-9._-]{1,16}", fullmatch=True))

# ---------------------------------------------------------------- junk (wrong types)

_scalar_junk = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(("", "x", "-1", "1e999", "NaN", ".inf", "0x1F", "~", "null", "yes", "=", "*", "[]", "{}")),
)
junk = st.recursive(
    _scalar_junk,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.one_of(st.text(max_size=8), st.sampled_from(NAMES)), inner, max_size=3)),
    max_leaves=6,
)


def fields(required: dict[str, st.SearchStrategy[Any]],
           optional: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping with its required keys and some of its optional ones (wrong types come later,
    from :func:`with_wrong_types`, so the well-typed shapes reach the deep parts of the rules)."""
    return st.fixed_dictionaries(required, optional=optional)


# ---------------------------------------------------------------- Kubernetes field shapes

QUANTITIES = ("128Mi", "1Gi", "0.5", "500m", "1e3", "1E", "2Ki", "+1Mi", "-1", "0", "1.5Gi", "Mi", "1..2",
              "nan", "1Pi", "100000000000000000000Ei", "", "64M", "1e-3", "0.000001", "9223372036854775807",
              "1e99999999", "1e-99999999")
quantity = st.one_of(st.sampled_from(QUANTITIES), st.integers(-10, 10**12), st.floats(allow_nan=True),
                     st.from_regex(r"[+-]?[0-9]{0,20}(\.[0-9]{0,5})?([eE][+-]?[0-9]{1,3}|[KMGTPE]i|[mkMGTPE])?",
                                   fullmatch=True))
resources = fields({}, {
    "limits": fields({}, {"cpu": quantity, "memory": quantity, "ephemeral-storage": quantity}),
    "requests": fields({}, {"cpu": quantity, "memory": quantity}),
})

IMAGES = ("nginx", "nginx:1.25", "nginx:latest", "registry.example.com:5000/team/app:v1", "app@sha256:" + "a" * 64,
          "ghcr.io/org/app:1.0@sha256:" + "0" * 64, "UPPER/Case", "a:b:c", ":tag", "img:", "//x", "busybox",
          "gcr.io/distroless/static", "localhost/app", "app:" + "v" * 200, " nginx ", "java:17", "node:20",
          "python:3.12-slim", "registry.k8s.io/pause:3.9", "@sha256:abc")
image = st.one_of(st.sampled_from(IMAGES), st.text(max_size=40),
                  st.from_regex(r"([a-z0-9.-]+(:[0-9]+)?/)?[a-z0-9/_.-]{1,20}(:[A-Za-z0-9_.-]{0,12})?(@sha256:[0-9a-f]{0,64})?",
                                fullmatch=True))
ARGV_WORDS = ("sh", "-c", "/bin/sh", "bash", "-lc", "echo hi", "sleep infinity", "sleep 3600", "true", "exit 0", "",
              "exec java -Xmx2g -jar app.jar", "java", "-Xmx512m", "-Xms4G", "-XX:MaxRAMPercentage=75", "-jar",
              "node", "--max-old-space-size=4096", "python", "app.py", "nginx", "-g", "daemon off;", "$(VAR)",
              "until nslookup db; do sleep 2; done", "while true; do sleep 1; done", "/app/run", "./start.sh",
              "tini", "--", "dumb-init", "env", "JAVA_OPTS=-Xmx1g", "cat", "tail -f /dev/null", "'unterminated",
              "echo $(( 1 + ))", "wait-for-it db:5432 --", "nc -z db 5432")
# Whole command lines of the kinds the rules reason about (exits at once, heap flags, waits).
ARGVS = (["sh", "-c", "echo done"], ["true"], ["java", "-Xmx4g", "-jar", "app.jar"], ["sleep", "infinity"],
         ["sh", "-c", "exec java -Xmx2g -XX:MaxRAMPercentage=90 -jar app.jar"], ["node", "--max-old-space-size=8192", "s.js"],
         ["sh", "-c", "until nslookup db; do sleep 2; done"], ["sh", "-c", "until nc -z db 5432; do sleep 1; done"],
         ["python", "-c", "print(1)"], ["nginx", "-g", "daemon off;"], ["/bin/sh", "-c", "wget -qO- http://api:8080/"],
         ["sh", "-c", "curl -sf http://web:80/ready"], ["/app/missing-binary"], ["sh", "-c", "exit 0"], ["bash", "-c", "'"])
argv = st.one_of(st.sampled_from(ARGVS),
                 st.lists(st.one_of(st.sampled_from(ARGV_WORDS), st.text(max_size=20), st.integers()), max_size=5))
port_number = st.one_of(st.integers(-3, 70000), st.sampled_from((80, 443, 8080, 0, 65535, 65536)))
port_ref = st.one_of(port_number, st.sampled_from(("http", "metrics", "grpc", "", "8080", "HTTP")), odd_text)
probe_handler = st.one_of(
    st.fixed_dictionaries({"httpGet": fields({"port": port_ref}, {"path": st.sampled_from(("/", "/healthz", "x")),
                                                                    "scheme": st.sampled_from(("HTTP", "HTTPS", "ftp")),
                                                                    "host": name_st,
                                                                    "httpHeaders": st.lists(fields({"name": odd_text, "value": odd_text}, {}), max_size=2)})}),
    st.fixed_dictionaries({"tcpSocket": fields({"port": port_ref}, {"host": name_st})}),
    st.fixed_dictionaries({"exec": fields({}, {"command": argv})}),
    st.fixed_dictionaries({"grpc": fields({"port": port_ref}, {"service": odd_text})}),
    st.just({}),
)
seconds = st.one_of(st.integers(-5, 100000), st.sampled_from((0, 1, 10, 30, 2**31)))
probe = st.builds(lambda handler, timing: {**handler, **timing}, probe_handler, fields({}, {
    "initialDelaySeconds": seconds, "periodSeconds": seconds, "timeoutSeconds": seconds,
    "failureThreshold": seconds, "successThreshold": seconds, "terminationGracePeriodSeconds": seconds}))
key_ref = fields({"key": key_st}, {"name": name_st, "optional": st.booleans()})
env_var = st.one_of(
    fields({"name": st.one_of(st.sampled_from(("JAVA_OPTS", "NODE_OPTIONS", "MODE", "_JAVA_OPTIONS",
                                              "JAVA_TOOL_OPTIONS", "GOMEMLIMIT")), odd_text)},
           {"value": st.one_of(st.sampled_from(("-Xmx4g", "--max-old-space-size=8192", "prod", "512MiB")), odd_text)}),
    fields({"name": name_st}, {"valueFrom": st.one_of(
        st.fixed_dictionaries({"configMapKeyRef": key_ref}), st.fixed_dictionaries({"secretKeyRef": key_ref}),
        st.fixed_dictionaries({"fieldRef": fields({"fieldPath": st.sampled_from(("metadata.name", "status.podIP", "x"))}, {})}),
        st.fixed_dictionaries({"resourceFieldRef": fields({"resource": st.sampled_from(("limits.memory", "requests.cpu", "x"))},
                                                          {"divisor": quantity})}))}),
)
env_from = fields({}, {"configMapRef": fields({}, {"name": name_st, "optional": st.booleans()}),
                       "secretRef": fields({}, {"name": name_st, "optional": st.booleans()}),
                       "prefix": odd_text})
container_port = fields({"containerPort": port_number}, {"name": st.sampled_from(("http", "metrics", "grpc", "x" * 20)),
                                                         "protocol": st.sampled_from(("TCP", "UDP", "SCTP", "tcp"))})
volume_mount = fields({"name": name_st, "mountPath": st.sampled_from(("/etc/app", "/data", "relative", "/"))},
                      {"subPath": key_st, "readOnly": st.booleans()})


def _same_probes(pair: tuple[dict[str, Any], bool]) -> dict[str, Any]:
    """Sometimes readiness repeats liveness exactly, as copy-pasted manifests do."""
    c, same = pair
    if same and "livenessProbe" in c:
        c = {**c, "readinessProbe": copy.deepcopy(c["livenessProbe"])}
    return c


def container(init: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """A container; init containers may be native sidecars (``restartPolicy: Always``)."""
    optional: dict[str, st.SearchStrategy[Any]] = {
        "image": image, "command": argv, "args": argv, "ports": st.lists(container_port, max_size=3),
        "env": st.lists(env_var, max_size=4), "envFrom": st.lists(env_from, max_size=2), "resources": resources,
        "livenessProbe": probe, "readinessProbe": probe, "startupProbe": probe,
        "imagePullPolicy": st.sampled_from(("Always", "IfNotPresent", "Never", "sometimes")),
        "volumeMounts": st.lists(volume_mount, max_size=2), "workingDir": odd_text, "stdin": st.booleans(),
        "tty": st.booleans(),
    }
    if init:
        optional["restartPolicy"] = st.sampled_from(("Always", "Never", "OnFailure"))
    return st.tuples(fields({"name": name_st}, optional), st.booleans()).map(_same_probes)


key_to_path = fields({"key": key_st, "path": key_st}, {})
volume = st.one_of(
    fields({"name": name_st}, {"configMap": fields({}, {"name": name_st, "optional": st.booleans(),
                                                       "items": st.lists(key_to_path, max_size=2), "defaultMode": st.integers()})}),
    fields({"name": name_st}, {"secret": fields({}, {"secretName": name_st, "optional": st.booleans(),
                                                    "items": st.lists(key_to_path, max_size=2)})}),
    fields({"name": name_st}, {"projected": fields({}, {"sources": st.lists(st.one_of(
        st.fixed_dictionaries({"configMap": fields({}, {"name": name_st, "items": st.lists(key_to_path, max_size=2)})}),
        st.fixed_dictionaries({"secret": fields({}, {"name": name_st, "optional": st.booleans()})})), max_size=2)})}),
    fields({"name": name_st}, {"emptyDir": st.just({})}),
    fields({"name": name_st}, {"csi": fields({"driver": odd_text}, {"nodePublishSecretRef": fields({"name": name_st}, {})})}),
    fields({"name": name_st}, {"persistentVolumeClaim": fields({"claimName": name_st}, {})}),
)
labels = st.dictionaries(st.sampled_from(("app", "tier", "team")), st.sampled_from(NAMES), max_size=2)
pod_spec = fields({"containers": st.lists(container(), max_size=3)}, {
    "initContainers": st.lists(container(init=True), max_size=2),
    "restartPolicy": st.sampled_from(("Always", "OnFailure", "Never", "Sometimes")),
    "serviceAccountName": name_st, "imagePullSecrets": st.lists(fields({"name": name_st}, {}), max_size=2),
    "hostNetwork": st.booleans(), "dnsPolicy": st.sampled_from(("ClusterFirst", "Default", "None", "ClusterFirstWithHostNet")),
    "dnsConfig": fields({}, {"nameservers": st.lists(st.sampled_from(("8.8.8.8", "10.0.0.10", "x")), max_size=2),
                             "searches": st.lists(name_st, max_size=2)}),
    "hostAliases": st.lists(fields({"ip": st.sampled_from(("10.1.2.3", "bad"))}, {"hostnames": st.lists(name_st, max_size=2)}), max_size=1),
    "volumes": st.lists(volume, max_size=3), "terminationGracePeriodSeconds": seconds,
})
template = fields({"spec": pod_spec}, {"metadata": fields({}, {"labels": labels, "annotations": st.dictionaries(
    st.sampled_from(("crashlint.io/ignore", "crashlint.io/ignore-reason", "note")),
    st.sampled_from(("*", "all", "completes-immediately", "missing-memory-limit,image-tag-mutable", "because")), max_size=2)})})


def metadata(namespace: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    optional = {"labels": labels, "namespace": st.sampled_from(("default", "prod", "kube-system"))} if namespace else {}
    return fields({"name": name_st}, optional)


def _obj(api: str, kind: str, body: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"apiVersion": st.just(api), "kind": st.just(kind), "metadata": metadata(), **body})


selector = fields({}, {"matchLabels": labels})
workload = st.one_of(
    _obj("v1", "Pod", {"spec": pod_spec}),
    _obj("apps/v1", "Deployment", {"spec": fields({"template": template}, {"replicas": st.integers(-1, 5), "selector": selector})}),
    _obj("apps/v1", "StatefulSet", {"spec": fields({"template": template}, {"serviceName": name_st, "selector": selector})}),
    _obj("apps/v1", "DaemonSet", {"spec": fields({"template": template}, {"selector": selector})}),
    _obj("batch/v1", "Job", {"spec": fields({"template": template}, {"backoffLimit": st.integers(-1, 10)})}),
    _obj("batch/v1", "CronJob", {"spec": fields({"jobTemplate": fields({"spec": fields({"template": template}, {})}, {})},
                                                {"schedule": st.sampled_from(("*/5 * * * *", "bad"))})}),
)
service_port = fields({"port": port_number}, {"targetPort": port_ref, "name": name_st,
                                               "protocol": st.sampled_from(("TCP", "UDP"))})
support = st.one_of(
    _obj("v1", "ConfigMap", {"data": (st.dictionaries(key_st, odd_text, max_size=3))}),
    _obj("v1", "Secret", {"data": (st.dictionaries(key_st, st.sampled_from(("cGFzcw==", "!!notb64")), max_size=3)),
                          "type": st.sampled_from(("Opaque", "kubernetes.io/dockerconfigjson"))}),
    _obj("v1", "ServiceAccount", {"imagePullSecrets": (st.lists(fields({"name": name_st}, {}), max_size=2))}),
    _obj("v1", "Service", {"spec": fields({}, {"selector": labels, "ports": st.lists(service_port, max_size=3),
                                               "type": st.sampled_from(("ClusterIP", "NodePort", "ExternalName"))})}),
    _obj("networking.k8s.io/v1", "NetworkPolicy", {"spec": fields({"podSelector": selector}, {
        "policyTypes": st.lists(st.sampled_from(("Ingress", "Egress", "Sideways")), max_size=2),
        "egress": st.lists(fields({}, {"to": st.lists(fields({}, {"namespaceSelector": selector, "podSelector": selector}), max_size=2),
                                       "ports": st.lists(fields({}, {"port": port_ref, "protocol": st.sampled_from(("UDP", "TCP")),
                                                                     "endPort": port_number}), max_size=2)}), max_size=2)})}),
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every pointer into ``data`` below its root (dict keys and list indices)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            out.append(prefix + (k,))
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.append(prefix + (i,))
            out.extend(_paths(v, prefix + (i,)))
    return out


# Fields rules read, for adding a wrong-typed value where the generator left the key out.
READ_FIELDS = ("containers", "initContainers", "ports", "resources", "limits", "memory", "cpu", "livenessProbe",
               "readinessProbe", "startupProbe", "env", "envFrom", "valueFrom", "restartPolicy", "command", "args",
               "image", "volumes", "volumeMounts", "httpGet", "tcpSocket", "exec", "grpc", "port", "template", "spec",
               "metadata", "labels", "annotations", "selector", "imagePullSecrets", "serviceAccountName", "name",
               "data", "items", "configMap", "secret", "projected", "sources", "egress", "to", "policyTypes")


@st.composite
def with_wrong_types(draw: st.DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """An object with 1-6 values replaced by, or keys added with, a value of the wrong type.

    ``apiVersion``/``kind`` stay, so the object still reaches the rules (that is the point).
    """
    obj = copy.deepcopy(draw(base))
    for _ in range(draw(st.integers(1, 6))):
        paths = [p for p in _paths(obj) if p[0] not in ("apiVersion", "kind")]
        if paths and draw(st.booleans()):
            path = draw(st.sampled_from(paths))
            parent = obj
            for token in path[:-1]:
                parent = parent[token]
            parent[path[-1]] = draw(junk)
        else:
            holders = [()] + [p for p in paths if isinstance(_get(obj, p), dict)]
            holder = _get(obj, draw(st.sampled_from(holders)))
            holder[draw(st.sampled_from(READ_FIELDS))] = draw(junk)
    return obj


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for token in path:
        data = data[token]
    return data


@st.composite
def manifest(draw: st.DrawFn, wrong_types: bool = False) -> tuple[str, str, list[dict[str, Any]]]:
    """(file name, text, objects): a workload with a few supporting objects, as YAML or JSON."""
    main = with_wrong_types(workload) if wrong_types else workload
    objects = [draw(main)] + draw(st.lists(support, max_size=3))
    if draw(st.integers(0, 5)) == 0:
        return "fuzz.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=2,
                                       default=str), objects
    text = yaml.safe_dump_all(objects, sort_keys=False, allow_unicode=draw(st.booleans()),
                              default_flow_style=draw(st.sampled_from((False, None))))
    return "fuzz.yaml", text, objects


# ---------------------------------------------------------------- YAML text from a grammar

# Mostly well-formed pieces with a minority of troublesome ones, so that about half the
# streams parse (and reach the rules) while the rest exercise the error paths.
_odd_plain = st.sampled_from(("-", "?", ":", "=", "<<", "'q'", "\"d\\u00e9\"", "!!str 1", "!Ref x", "!!int x", "@x", "`x"))
_plain = st.one_of(st.sampled_from(("a", "kind", "Deployment", "true", "~", "1e3", "0x10", "yes", "2001-01-01", "1_000",
                                    "nginx:1.25", "500m", "128Mi", "/bin/sh", "echo hi")),
                   st.from_regex(r"[A-Za-z][A-Za-z0-9_./-]{0,9}", fullmatch=True), _odd_plain)
_anchor = st.sampled_from(("",) * 10 + ("&a ", "&b ", "!!map ", "!!seq ", "!custom ", "!!str "))


@st.composite
def yaml_node(draw: st.DrawFn, depth: int = 0, indent: int = 0) -> str:
    """A YAML node as text: block/flow collections, scalars, anchors and aliases, block scalars."""
    pad = " " * indent
    choice = draw(st.integers(0, 9 if depth < 4 else 3))
    if choice == 0:
        return draw(_plain)
    if choice == 1:
        return draw(st.sampled_from(("*a", "*b", "*missing", "plain", "'*a'")))
    if choice == 2:
        body = draw(st.lists(st.one_of(_plain, st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=12)),
                             min_size=1, max_size=3))
        indicator = draw(st.sampled_from(("|", ">", "|-", ">+", "|2", "|\t", "|", ">-")))
        return indicator + "\n" + "\n".join(pad + "  " + line for line in body)
    if choice == 3:
        return "[" + ", ".join(draw(st.lists(_plain, max_size=3))) + "]" + draw(st.sampled_from(("",) * 8 + ("]", "}")))
    if choice in (4, 5, 6):
        keys = draw(st.lists(st.one_of(_plain, _plain, st.sampled_from(("kind", "apiVersion", "<<", "? complex"))),
                             min_size=1, max_size=4))
        lines = []
        for k in keys:
            child = draw(yaml_node(depth + 1, indent + 2))
            sep = draw(st.sampled_from((" ",) * 8 + ("\t", "")))
            if child.startswith("\n"):  # a nested block collection goes on the following lines
                tag = draw(_anchor).strip()
                lines.append(f"{pad}{k}:{' ' + tag if tag else ''}{child}")
            else:
                lines.append(f"{pad}{k}:{sep}{draw(_anchor)}{child}")
        return "\n" + "\n".join(lines) if depth else "\n".join(lines)
    items = draw(st.lists(yaml_node(depth + 1, indent + 2), min_size=1, max_size=3))
    dash = draw(st.sampled_from(("- ",) * 8 + ("-\t", "-  ")))
    lines = [f"{pad}{dash}{draw(_anchor)}{item.lstrip(chr(10)).lstrip()}" for item in items]
    return "\n" + "\n".join(lines) if depth else "\n".join(lines)


@st.composite
def yaml_stream(draw: st.DrawFn) -> str:
    """Documents from the grammar with directives, ``---``/``...`` markers, comments and stray tabs."""
    docs = []
    for i in range(draw(st.integers(1, 4))):
        # Directives belong before the first document (later ones would need a "..." first).
        head = "" if i else draw(st.sampled_from(("",) * 6 + ("%YAML 1.1\n", "%YAML 1.2\n",
                                                              "%TAG ! tag:example.com,2000:\n", "%BOGUS x\n")))
        body = draw(yaml_node())
        markers = ("---\n", "---\n", "--- # c\n", "--- !!map\n", "--- |\n") if head or i else ("", "", "---\n")
        marker = draw(st.sampled_from(markers))
        if draw(st.booleans()) and not body.lstrip().startswith(("-", "[", "|", ">", "*", "&", "!")):
            body = "apiVersion: v1\nkind: " + draw(st.sampled_from(("Pod", "ConfigMap", "Deployment", "List"))) + "\n" + body
        tail = draw(st.sampled_from(("", "", "\n...", "\n# comment", " # trailing")))
        docs.append(head + marker + body + tail)
    text = "\n".join(docs)
    # Character-level damage: drop, duplicate or insert a troublesome character somewhere.
    for _ in range(draw(st.sampled_from((0, 0, 0, 1, 2, 3)))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        text = text[:i] + draw(st.sampled_from(("", "\t", "\n", ":", "-", "'", '"', "&", "*", "{", "\r\n", "\ufeff",
                                                "\x00", "\u2028", text[i] * 2))) + text[i + 1:]
    return text


# ---------------------------------------------------------------- pathological shapes


@st.composite
def deep_nesting(draw: st.DrawFn) -> str:
    """Nesting from shallow to far beyond ``limits.max_depth`` in block, flow and JSON styles."""
    depth = draw(st.integers(1, 3000))
    style = draw(st.sampled_from(("flow-seq", "flow-map", "block-seq", "block-map", "json")))
    if style == "flow-seq":
        return "[" * depth + "]" * depth
    if style == "flow-map":
        return "{a: " * depth + "1" + "}" * depth
    if style == "json":
        return '{"apiVersion": "v1", "kind": "ConfigMap", "data": ' + '{"a": ' * depth + "1" + "}" * (depth + 1)
    depth = min(depth, 400)  # block styles grow quadratically in bytes
    if style == "block-seq":
        return "".join(" " * (2 * i) + "-\n" for i in range(depth)) + " " * (2 * depth) + "x\n"
    return "".join(" " * (2 * i) + "k:\n" for i in range(depth)) + " " * (2 * depth) + "x\n"


@st.composite
def alias_bomb(draw: st.DrawFn) -> tuple[str, int]:
    """A "billion laughs" document and its expanded node count (levels x fan-out)."""
    levels = draw(st.integers(1, 12))
    fan = draw(st.integers(2, 10))
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: bomb}", "data:", "  l0: &l0 [lol]"]
    for i in range(1, levels + 1):
        lines.append(f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fan) + "]")
    expanded = sum(fan ** i for i in range(levels + 1))  # lower bound of the node count
    return "\n".join(lines) + "\n", expanded


@st.composite
def emitted_yaml(draw: st.DrawFn) -> str:
    """Valid YAML in every style PyYAML's emitter has: flow/block, canonical (explicit tags),
    explicit document markers, odd indents and widths, anchors and aliases for shared values."""
    objects = draw(st.lists(st.one_of(workload, support), min_size=1, max_size=3))
    if len(objects) > 1 and draw(st.booleans()):
        objects[-1]["metadata"] = objects[0]["metadata"]  # emitted as &id001 / *id001
    return yaml.safe_dump_all(
        objects, sort_keys=draw(st.booleans()), default_flow_style=draw(st.sampled_from((False, True, None))),
        canonical=draw(st.sampled_from((False, False, True))), indent=draw(st.integers(2, 9)),
        width=draw(st.sampled_from((20, 80, 10000))), explicit_start=draw(st.booleans()),
        explicit_end=draw(st.booleans()), allow_unicode=draw(st.booleans()))
