"""What the API server refuses in a pod spec: names, ports, volumes, mounts, env, ephemeral containers.

Read from ``pkg/apis/core/validation/validation.go`` (``ValidatePodSpec``, ``ValidateVolumes``,
``validateVolumeSource``, ``validateContainers``, ``validateInitContainers``,
``validateEphemeralContainers``, ``validateContainerCommon``, ``validateContainerPorts``,
``ValidateEnv``, ``ValidateVolumeMounts``, ``ValidatePodCreate``, ``ValidatePodTemplateSpec``) and
the v1 defaults (``pkg/apis/core/v1/defaults.go``) that run before it. The same rules hold on every
supported version (1.27 and later) except where a docstring says otherwise. What the defaults
fill in is never judged as missing: a port without ``protocol`` gets TCP, a container without
``imagePullPolicy`` or ``terminationMessagePolicy`` gets one, and a volume with no source at all
becomes an ``emptyDir`` (``SetDefaults_Volume``), so only a volume with two sources is refused.

A StatefulSet is the exception. Up to Kubernetes 1.33, ``ValidatePodTemplateSpecForStatefulSet``
(pkg/apis/apps/validation) checked only its template's labels and annotations ("TODO: Add
validation for PodSpec"): the API server *accepts* the StatefulSet and then refuses every pod its
controller creates (``FailedCreate``), so no pod ever starts. Since 1.34 (kubernetes/kubernetes
#131790) the template is validated on create, after ``volumesToAddForTemplates`` has made one
volume of each ``volumeClaimTemplates`` entry. Either way nothing runs; findings on a
StatefulSet say both (``STATEFULSET_NOTE``), and its claim templates count as volumes.
Decoding errors (a string where the schema has an integer) are refused for every kind.

Each check is linear: names go into dicts as they are met, never a scan per name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from crashlint.model.findings import Hit
from crashlint.knowledge.k8snames import port_name_problems
from crashlint.model.objects import K8sObject
from crashlint.model.workloads import Container, Workload, workload_of
from crashlint.knowledge.validation.metadata import decoded_by_api_server
from crashlint.knowledge.k8snames import dns1123_label_problems
from crashlint.knowledge.validation._wording import (duplicate, filled_in_later, forbidden, invalid, is_int,
                       not_found, not_supported, port_num_problem, required)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

# VolumeSource's members (k8s.io/api/core/v1 types.go; ``image`` since 1.31). Two of them in one
# volume: "may not specify more than 1 volume type" (validateVolumeSource).
VOLUME_SOURCES = frozenset({
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
    "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
    "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
})
PORT_PROTOCOLS = ("SCTP", "TCP", "UDP")  # supportedPortProtocols, as sets.List sorts them
PULL_POLICIES = ("Always", "IfNotPresent", "Never")  # validatePullPolicy
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")  # validateContainerCommon
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")  # validateDNSPolicy
# Fields an ephemeral container may not set (allowedEphemeralContainerFields marks them false).
_NOT_FOR_EPHEMERAL = ("ports", "resources", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle")
# IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation: beta and on by default in 1.32, GA in
# 1.34): any printable ASCII character but '='. Older servers also refuse names such as `1ST` or
# `MY VAR`; crashlint follows the newest supported version and does not flag those.
_RELAXED_ENV_MSG = "a valid environment variable name must consist only of printable ASCII characters other than '='"
STATEFULSET_NOTE = ("; since Kubernetes 1.34 the API server refuses the StatefulSet on create, and older servers "
                    "accept it but refuse each pod its controller creates (FailedCreate), so no pod ever starts")


def _bad_env_name(name: str) -> bool:
    """Not printable ASCII (0x20-0x7e; Python's ``isprintable`` counts the space in), or holds '='."""
    return not (name.isascii() and name.isprintable()) or "=" in name


def _as_list(value: Any) -> list[Any]:
    """A list as written, or nothing: a list of the wrong type is a decoding error other checks report."""
    return value if isinstance(value, list) else []


def _enum_hit(where: tuple[str | int, ...], value: Any, supported: tuple[str, ...], what: str,
              container: str | None = None) -> Iterator[Hit]:
    """An enum field the defaults fill when empty: refused only when set to something else."""
    if isinstance(value, str) and value and value not in supported and not filled_in_later(value):
        yield Hit(where, f"{not_supported(where, value, supported)} ({what} is case-sensitive)",
                  container=container, anchor="value")


def _volume_hits(wl: Workload) -> Iterator[Hit]:
    """``ValidateVolumes``: names required, DNS-1123 labels and unique; at most one source each."""
    seen: dict[str, int] = {}
    for i, vol in enumerate(_as_list(wl.spec.get("volumes"))):
        if not isinstance(vol, dict):
            continue
        name = vol.get("name")
        if name is None or name == "":
            yield Hit(wl.at("volumes", i), f"{required(wl.at('volumes', i, 'name'))} (every volume needs a name "
                      "for its mounts to use)", anchor="auto")
        elif isinstance(name, str) and not filled_in_later(name, name=True):
            where = wl.at("volumes", i, "name")
            problems = dns1123_label_problems(name)
            if problems:
                yield Hit(where, invalid(where, name, "; ".join(problems)), anchor="value")
            if name in seen:
                yield Hit(where, f"{duplicate(where, name)} (volumes[{seen[name]}] has the same name)", anchor="value")
            seen.setdefault(name, i)
        sources = [key for key, value in vol.items() if key in VOLUME_SOURCES and value is not None]
        for extra in sources[1:]:
            where = wl.at("volumes", i, extra)
            yield Hit(where, f"{forbidden(where, 'may not specify more than 1 volume type')} (volume "
                      f"'{name}' already has {sources[0]}; a volume has exactly one source)", anchor="key")


def _volume_names(obj: K8sObject, wl: Workload) -> set[str] | None:
    """The names mounts may use: the pod's volumes, and a StatefulSet's ``volumeClaimTemplates``
    (its controller adds one volume per template to each pod). None when the volumes are not a
    list or a name is left to a template: then no mount is judged."""
    volumes = wl.spec.get("volumes")
    if volumes is not None and not isinstance(volumes, list):
        return None
    entries = list(_as_list(volumes))
    if obj.kind == "StatefulSet":
        spec = obj.data.get("spec")
        claims = spec.get("volumeClaimTemplates") if isinstance(spec, dict) else None
        if claims is not None and not isinstance(claims, list):
            return None
        entries += [c.get("metadata") for c in _as_list(claims) if isinstance(c, dict)]
    names: set[str] = set()
    for entry in entries:
        if isinstance(entry, dict):
            name = entry.get("name")
            if filled_in_later(name, name=True):
                return None
            if isinstance(name, str):
                names.add(name)
    return names


def _mount_hits(c: Container, volumes: set[str] | None) -> Iterator[Hit]:
    """``ValidateVolumeMounts``: a mount names a volume of the pod and has a path of its own."""
    paths: dict[str, int] = {}
    for j, mount in enumerate(_as_list(c.data.get("volumeMounts"))):
        if not isinstance(mount, dict):
            continue
        name = mount.get("name")
        if name is None or name == "":
            yield Hit(c.at("volumeMounts", j), required(c.at("volumeMounts", j, "name")), container=c.name)
        elif isinstance(name, str) and volumes is not None and name not in volumes and not filled_in_later(name, name=True):
            where = c.at("volumeMounts", j, "name")
            have = ", ".join(sorted(volumes)) if volumes else "none"
            yield Hit(where, f"{not_found(where, name)} (container '{c.name}' mounts a volume the pod does not "
                      f"declare; its volumes: {have})", container=c.name, anchor="value")
        path = mount.get("mountPath")
        if path is None or path == "":
            yield Hit(c.at("volumeMounts", j), required(c.at("volumeMounts", j, "mountPath")), container=c.name)
        elif isinstance(path, str) and not filled_in_later(path):
            if path in paths:
                where = c.at("volumeMounts", j, "mountPath")
                yield Hit(where, f"{invalid(where, path, 'must be unique')} (volumeMounts[{paths[path]}] of "
                          f"container '{c.name}' mounts there already)", container=c.name, anchor="value")
            paths.setdefault(path, j)


def _port_hits(wl: Workload, c: Container) -> Iterator[Hit]:
    """``validateContainerPorts`` (and ``validatePodHostNetworkDeps``)."""
    ports = c.data.get("ports")
    if not isinstance(ports, list):
        return
    host_network = wl.spec.get("hostNetwork") is True
    names: dict[str, int] = {}
    for i, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        cp = port.get("containerPort")
        if cp in (None, "", 0):
            yield Hit(c.at("ports", i), f"container '{c.name}': ports[{i}] has no containerPort "
                      f"({required(c.at('ports', i, 'containerPort'))})", container=c.name, anchor="auto")
        elif is_int(cp) and port_num_problem(cp):
            where = c.at("ports", i, "containerPort")
            yield Hit(where, f"container '{c.name}': {invalid(where, cp, port_num_problem(cp) or '')}",
                      container=c.name, anchor="value")
        hp = port.get("hostPort")
        if is_int(hp) and hp != 0:
            where = c.at("ports", i, "hostPort")
            if port_num_problem(hp):
                yield Hit(where, invalid(where, hp, port_num_problem(hp) or ""), container=c.name, anchor="value")
            elif host_network and is_int(cp) and hp != cp:
                yield Hit(where, invalid(where, hp, "must match `containerPort` when `hostNetwork` is true"),
                          container=c.name, anchor="value")
        yield from _enum_hit(c.at("ports", i, "protocol"), port.get("protocol"), PORT_PROTOCOLS, "protocol", c.name)
        name = port.get("name")
        if isinstance(name, str) and name and not filled_in_later(name, name=True):
            where = c.at("ports", i, "name")
            problems = port_name_problems(name)
            if problems:
                yield Hit(where, f"{invalid(where, name, '; '.join(problems))} (a port name "
                          "is an IANA service name: at most 15 lowercase letters, digits and '-', with a letter)",
                          container=c.name, anchor="value")
            elif name in names:
                yield Hit(where, f"{duplicate(where, name)} (ports[{names[name]}] of container '{c.name}' has the same "
                          "name; port names are unique in a container)", container=c.name, anchor="value")
            names.setdefault(name, i)


def _decode_hits(c: Container) -> Iterator[Hit]:
    """Ports the decoder refuses before any validation, for every kind (a StatefulSet included)."""
    ports = c.data.get("ports")
    if ports is not None and not isinstance(ports, list):
        yield Hit(c.at("ports"), f"container '{c.name}': ports must be a list", container=c.name)
        return
    for i, port in enumerate(_as_list(ports)):
        cp = port.get("containerPort") if isinstance(port, dict) else None
        if cp not in (None, "", 0) and not is_int(cp) and not filled_in_later(cp):
            yield Hit(c.at("ports", i, "containerPort"), f"container '{c.name}': containerPort {cp!r} must be a number "
                      "between 1 and 65535, not a string: the API server cannot decode it into an int32 (write it "
                      "without quotes)", container=c.name, anchor="value")


def _env_hits(c: Container) -> Iterator[Hit]:
    """``ValidateEnv``: every variable has a name, and the name holds no '=' (see ``_RELAXED_ENV_MSG``)."""
    for k, var in enumerate(_as_list(c.data.get("env"))):
        if not isinstance(var, dict):
            continue
        name = var.get("name")
        if name is None or name == "":
            yield Hit(c.at("env", k), required(c.at("env", k, "name")), container=c.name)
        elif isinstance(name, str) and _bad_env_name(name) and not filled_in_later(name, name=True):
            where = c.at("env", k, "name")
            yield Hit(where, invalid(where, name, _RELAXED_ENV_MSG), container=c.name, anchor="value")


def _name_hits(c: Container, seen: dict[str, str]) -> Iterator[Hit]:
    """Container names: required, DNS-1123 labels, unique across containers, init and ephemeral
    containers. The server reports the later one in that order (an init container that reuses an
    app container's name is the duplicate: ``spec.initContainers[0].name: Duplicate value``)."""
    name = c.data.get("name")
    if not isinstance(name, str) or not name:
        yield Hit(c.at(), f"{c.section}[{c.index}] has no name ({required(c.at('name'))})", anchor="key")
        return
    if filled_in_later(name, name=True):
        return
    problems = dns1123_label_problems(name)
    if problems:
        yield Hit(c.at("name"), invalid(c.at("name"), name, "; ".join(problems)), container=name, anchor="value")
    if name in seen:
        yield Hit(c.at("name"), f"{duplicate(c.at('name'), name)} (container name '{name}' is used twice in the pod, "
                  f"also in {seen[name]})", container=name, anchor="value")
    seen.setdefault(name, c.section)


def _ephemeral_hits(obj: K8sObject, wl: Workload) -> Iterator[Hit]:
    """Ephemeral containers are added to a running pod through its ``ephemeralcontainers``
    subresource (``kubectl debug``), never in a manifest: ``ValidatePodCreate`` refuses them on a
    Pod, ``ValidatePodTemplateSpec`` in every pod template."""
    if not _as_list(wl.spec.get("ephemeralContainers")):
        return
    where = wl.at("ephemeralContainers")
    detail = "cannot be set on create" if obj.kind == "Pod" else "ephemeral containers not allowed in pod template"
    yield Hit(where, f"{forbidden(where, detail)} (add them to a running pod with `kubectl debug`)", anchor="key")
    for c in wl.iter("ephemeralContainers"):
        for key in _NOT_FOR_EPHEMERAL:
            if c.data.get(key) is not None:
                yield Hit(c.at(key), f"ephemeral container '{c.name}': "
                          f"{forbidden(c.at(key), 'cannot be set for an Ephemeral Container')}",
                          container=c.name, anchor="key")


def _validation_hits(obj: K8sObject, wl: Workload) -> Iterator[Hit]:
    """What ``ValidatePodSpec`` and pod creation refuse."""
    yield from _ephemeral_hits(obj, wl)
    yield from _volume_hits(wl)
    yield from _enum_hit(wl.at("dnsPolicy"), wl.spec.get("dnsPolicy"), DNS_POLICIES, "dnsPolicy")
    volumes = _volume_names(obj, wl)
    seen: dict[str, str] = {}
    for c in wl.containers:
        yield from _name_hits(c, seen)
        yield from _port_hits(wl, c)
        yield from _env_hits(c)
        yield from _mount_hits(c, volumes)
        yield from _enum_hit(c.at("imagePullPolicy"), c.data.get("imagePullPolicy"), PULL_POLICIES,
                             "imagePullPolicy", c.name)
        yield from _enum_hit(c.at("terminationMessagePolicy"), c.data.get("terminationMessagePolicy"),
                             TERMINATION_MESSAGE_POLICIES, "terminationMessagePolicy", c.name)


def check_object(obj: K8sObject, knowledge: Mapping[str, Any]) -> Iterator[Hit]:
    """Every pod-spec refusal of ``obj`` (any kind that runs pods); a StatefulSet's say when it bites.

    An object the API server decoded (the webhook's, runtime mode's live ones) passed this
    validation already, and a live Pod holds the ephemeral containers ``kubectl debug`` added: only
    a StatefulSet's template, which servers before 1.34 never validated, is still judged there.
    """
    decoded = decoded_by_api_server(obj)
    if decoded and obj.kind != "StatefulSet":
        return
    wl = workload_of(obj)
    if wl is None:
        return
    for c in wl.containers if not decoded else ():
        yield from _decode_hits(c)
    for hit in _validation_hits(obj, wl):
        if obj.kind == "StatefulSet":
            hit.message += STATEFULSET_NOTE
        yield hit
