"""Every ConfigMap and Secret a pod spec needs, and whether the known world has it.

The kubelet resolves these references when it starts a container (env ``valueFrom``,
``envFrom``: a failure is ``CreateContainerConfigError``) or mounts a volume (``configMap``,
``secret``, ``projected`` sources: a failure is ``FailedMount`` and the pod stays in
``ContainerCreating``). One walk finds them all — containers, init containers and ephemeral
containers — with the ``optional`` flag and the pointer of the exact node, so the
missing-configmap, missing-secret and missing-key rules only decide.

"Exists" means: defined in the linted files, found in the cluster look-up, produced by an
object of the set that creates it (a kustomize generator, a SealedSecret, an ExternalSecret, a
cert-manager Certificate, a kube-webhook-certgen Job), or always present in every namespace (``kube-root-ca.crt``).
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.invcache import memo
from crashlint.model.nested import dig, dig_str
from crashlint.model.inventory import Entry, InventoryView
from crashlint.model.record import Value
from crashlint.model.workloads import Container, Pointer, Workload, workload_of

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

CONFIGMAP, SECRET = "ConfigMap", "Secret"

# Objects of the linted set that make a Secret: kind -> (where the Secret's name is, whether
# the object's own name is the default). SecretProviderClass lists spec.secretObjects[].secretName.
SECRET_PRODUCERS: dict[str, tuple[tuple[tuple[str, ...], ...], bool]] = {
    "SealedSecret": ((("spec", "template", "metadata", "name"),), True),  # bitnami sealed-secrets
    "ExternalSecret": ((("spec", "target", "name"),), True),  # external-secrets.io
    "Certificate": ((("spec", "secretName"),), False),  # cert-manager
    "VaultStaticSecret": ((("spec", "destination", "name"),), False),  # Vault Secrets Operator
    "VaultDynamicSecret": ((("spec", "destination", "name"),), False),
    "VaultPKISecret": ((("spec", "destination", "name"),), False),
    "OnePasswordItem": ((), True),  # 1Password operator
    "SecretProviderClass": ((), False),  # secrets-store CSI driver, synced Secrets
}
GENERATOR_KINDS = ("Kustomization",)
# Run-to-completion kinds whose containers may create a Secret by flag (``--secret-name``).
SECRET_JOB_KINDS = ("Job", "CronJob")


class Reference(Value):
    """One reference to a ConfigMap or Secret (and maybe one key of it)."""

    __slots__ = ("kind", "name", "pointer", "via", "optional", "key", "key_pointer", "container", "from_env", "volume")

    kind: Final[str]  # ConfigMap | Secret
    name: Final[str]
    pointer: Final[Pointer]  # the node naming the object
    via: Final[str]  # human words: "env DB_URL", "envFrom", "volume 'config'"
    optional: Final[bool]
    key: Final[str | None]
    key_pointer: Final[Pointer | None]
    container: Final[str | None]
    from_env: Final[bool]  # env valueFrom: a ConfigMap key must be in `data` (not binaryData)
    volume: Final[str | None]

    def __init__(self, kind: str, name: str, pointer: Pointer, via: str, optional: bool, key: str | None = None,
                 key_pointer: Pointer | None = None, container: str | None = None, from_env: bool = False,
                 volume: str | None = None) -> None:
        self.kind = kind
        self.name = name
        self.pointer = pointer
        self.via = via
        self.optional = optional
        self.key = key
        self.key_pointer = key_pointer
        self.container = container
        self.from_env = from_env
        self.volume = volume

    @property
    def is_item(self) -> bool:
        """A volume ``items[].key`` entry: only the key is new, the object was yielded before it."""
        return self.volume is not None and self.key is not None


def _opt(d: dict[str, Any]) -> bool:
    return d.get("optional") is True


def _container_refs(c: Container) -> Iterator[Reference]:
    env = c.data.get("env")
    if isinstance(env, list):
        for i, e in enumerate(env):
            vf = e.get("valueFrom") if isinstance(e, dict) else None
            if not isinstance(vf, dict):
                continue
            var = dig_str(e, "name", default=f"env[{i}]")
            for field, kind in (("configMapKeyRef", CONFIGMAP), ("secretKeyRef", SECRET)):
                ref = vf.get(field)
                if isinstance(ref, dict) and isinstance(ref.get("name"), str) and ref["name"]:
                    base = c.at("env", i, "valueFrom", field)
                    key = dig_str(ref, "key")
                    yield Reference(kind, ref["name"], base + ("name",), f"env {var}", _opt(ref), key,
                                    base + ("key",) if key is not None else None, c.name, True)
    env_from = c.data.get("envFrom")
    if isinstance(env_from, list):
        for i, e in enumerate(env_from):
            if not isinstance(e, dict):
                continue
            for field, kind in (("configMapRef", CONFIGMAP), ("secretRef", SECRET)):
                ref = e.get(field)
                if isinstance(ref, dict) and isinstance(ref.get("name"), str) and ref["name"]:
                    yield Reference(kind, ref["name"], c.at("envFrom", i, field, "name"), "envFrom",
                                    _opt(ref), container=c.name)


def _items(source: dict[str, Any], kind: str, name: str, base: Pointer, via: str,
           optional: bool, volume: str) -> Iterator[Reference]:
    """The source itself, then one keyed reference per ``items[].key``."""
    name_field = "secretName" if kind == SECRET and "secretName" in source else "name"
    yield Reference(kind, name, base + (name_field,), via, optional, volume=volume)
    items = source.get("items")
    if isinstance(items, list):
        for j, it in enumerate(items):
            if isinstance(it, dict) and isinstance(it.get("key"), str):
                yield Reference(kind, name, base + (name_field,), via, optional, it["key"],
                                base + ("items", j, "key"), volume=volume)


def mounted_volumes(wl: Workload) -> set[str]:
    """Volume names some container mounts or uses as a device: the kubelet sets up only those."""
    names: set[str] = set()
    for c in wl.containers:
        for field in ("volumeMounts", "volumeDevices"):
            mounts = c.data.get(field)
            if isinstance(mounts, list):
                names.update(m["name"] for m in mounts if isinstance(m, dict) and isinstance(m.get("name"), str))
    return names


def _volume_refs(wl: Workload) -> Iterator[Reference]:
    volumes = wl.spec.get("volumes")
    if not isinstance(volumes, list):
        return
    used = mounted_volumes(wl)
    for i, v in enumerate(volumes):
        if not isinstance(v, dict) or not isinstance(v.get("name"), str) or v["name"] not in used:
            continue
        vname = v["name"]
        via = f"volume '{vname}'"
        cm = v.get("configMap")
        if isinstance(cm, dict) and isinstance(cm.get("name"), str) and cm["name"]:
            yield from _items(cm, CONFIGMAP, cm["name"], wl.at("volumes", i, "configMap"), via, _opt(cm), vname)
        sec = v.get("secret")
        if isinstance(sec, dict) and isinstance(sec.get("secretName"), str) and sec["secretName"]:
            yield from _items(sec, SECRET, sec["secretName"], wl.at("volumes", i, "secret"), via, _opt(sec), vname)
        csi = v.get("csi")
        ref = csi.get("nodePublishSecretRef") if isinstance(csi, dict) else None
        if isinstance(ref, dict) and isinstance(ref.get("name"), str) and ref["name"]:
            yield Reference(SECRET, ref["name"], wl.at("volumes", i, "csi", "nodePublishSecretRef", "name"),
                            f"CSI volume '{vname}'", False, volume=vname)
        proj = v.get("projected")
        sources = proj.get("sources") if isinstance(proj, dict) else None
        if isinstance(sources, list):
            for j, s in enumerate(sources):
                if not isinstance(s, dict):
                    continue
                for field, kind in (("configMap", CONFIGMAP), ("secret", SECRET)):
                    src = s.get(field)
                    if isinstance(src, dict) and isinstance(src.get("name"), str) and src["name"]:
                        yield from _items(src, kind, src["name"], wl.at("volumes", i, "projected", "sources", j, field),
                                          f"projected volume '{vname}'", _opt(src), vname)


def iter_references(wl: Workload) -> Iterator[Reference]:
    """Every ConfigMap/Secret reference of the pod spec, container by container, then volumes."""
    for c in wl.containers:
        yield from _container_refs(c)
    yield from _volume_refs(wl)


def _generated_names(inv: InventoryView, kind: str) -> set[str]:
    """Names made by kustomize ``configMapGenerator``/``secretGenerator`` of linted kustomizations
    (gathered once per inventory: asked per missing reference, a scan would be references × kustomizations)."""
    field = "configMapGenerator" if kind == CONFIGMAP else "secretGenerator"

    def compute() -> set[str]:
        names: set[str] = set()
        for gk in GENERATOR_KINDS:
            for e in inv.of_kind(gk):
                gens = e.obj.data.get(field) if e.obj is not None else None
                if isinstance(gens, list):
                    names.update(g["name"] for g in gens if isinstance(g, dict) and isinstance(g.get("name"), str))
        return names
    return memo(inv, f"generated:{field}", compute)


def _made_names(kind: str, data: dict[str, Any], own_name: str) -> set[str]:
    """Names of the Secrets a producer object creates."""
    paths, own = SECRET_PRODUCERS[kind]
    names = {v for v in (dig(data, *p) for p in paths) if isinstance(v, str) and v}
    if kind == "SecretProviderClass":
        objs = dig(data, "spec", "secretObjects")
        if isinstance(objs, list):
            names.update(o["secretName"] for o in objs if isinstance(o, dict) and isinstance(o.get("secretName"), str))
    if own and not names:
        names.add(own_name)
    return names


def _flag_values(argv: list[str], flag: str) -> set[str]:
    """Values of ``--flag=value`` and ``--flag value`` in one argv."""
    out = {a[len(flag) + 1:] for a in argv if a.startswith(flag + "=")}
    out.update(argv[i + 1] for i, a in enumerate(argv[:-1]) if a == flag)
    return out


def _job_made_secrets(e: Entry) -> set[str]:
    """Secrets a Job (or CronJob) writes: kube-webhook-certgen's pattern.

    Charts with admission webhooks (ingress-nginx, kube-prometheus-stack) ship a hook Job running
    ``kube-webhook-certgen create --secret-name=<name>`` whose only purpose is to create the
    Secret their Deployment mounts: the pod waits in ContainerCreating for seconds, then starts.
    ``patch`` reads the Secret instead of writing it, so it does not count.
    """
    wl = workload_of(e.obj) if e.obj is not None else None
    out: set[str] = set()
    for c in wl.containers if wl is not None else []:
        argv = (c.str_list("command") or []) + (c.str_list("args") or [])
        if "patch" not in argv:
            out |= _flag_values(argv, "--secret-name")
    return out


def _produced_secret(inv: InventoryView, namespace: str | None, name: str) -> bool:
    """An object of the set (SealedSecret, ExternalSecret, Certificate, a certgen Job) that creates this Secret.

    Every producer is read once per inventory into (namespace, name) pairs: scanning them per
    missing reference made n workloads × n Jobs of work.
    """
    def compute() -> set[tuple[str | None, str]]:
        made: set[tuple[str | None, str]] = set()
        for kind in SECRET_PRODUCERS:
            for e in inv.of_kind(kind):
                if e.obj is not None:
                    made.update((e.namespace, n) for n in _made_names(kind, e.obj.data, e.name))
        for kind in SECRET_JOB_KINDS:
            for e in inv.of_kind(kind):
                made.update((e.namespace, n) for n in _job_made_secrets(e))
        return made
    return (namespace, name) in memo(inv, "produced-secrets", compute)


def resolve(inv: InventoryView, kind: str, namespace: str | None, name: str,
            always_present: dict[str, Any] | None = None) -> tuple[bool, Entry | None]:
    """(exists, entry): entry is the defined object when the set or cluster has it (keys may be known)."""
    entry = inv.get(kind, namespace, name)
    if entry is not None:
        return True, entry
    if name in ((always_present or {}).get(kind) or []):
        return True, None
    if name in _generated_names(inv, kind):
        return True, None
    if kind == SECRET and _produced_secret(inv, namespace, name):
        return True, None
    return False, None


def entry_keys(entry: Entry, ref: Reference) -> frozenset[str] | None:
    """Keys of the object that can satisfy ``ref``; None when unknown.

    The kubelet reads env ``configMapKeyRef`` from ``data`` only, while volume items also see
    ``binaryData``; Secrets merge ``stringData`` into ``data`` on write. A Secret of type
    ``kubernetes.io/service-account-token`` is filled in by the token controller.
    """
    if entry.keys is None:
        return None
    if entry.obj is None:
        return entry.keys
    data = entry.obj.data
    if entry.kind == SECRET and data.get("type") == "kubernetes.io/service-account-token":
        return entry.keys | {"token", "ca.crt", "namespace"}
    if entry.kind == CONFIGMAP and ref.from_env:
        d = data.get("data")
        return frozenset(str(k) for k in d) if isinstance(d, dict) else frozenset()
    return entry.keys


def where(ref: Reference) -> str:
    """``env DB_URL of container 'app'`` / ``volume 'config'``: how messages name a reference."""
    return f"{ref.via} of container '{ref.container}'" if ref.container else ref.via


MAX_PLACES_NAMED = 6  # in the message; the finding's ``places`` lists every one with its line


def used_by(refs: list[Reference]) -> str:
    """``used by env A of container 'app'``, or ``used in 3 places (env A of ..., envFrom of ..., volume 'x')``."""
    if len(refs) == 1:
        return f"used by {where(refs[0])}"
    named = ", ".join(where(r) for r in refs[:MAX_PLACES_NAMED])
    more = f" and {len(refs) - MAX_PLACES_NAMED} more" if len(refs) > MAX_PLACES_NAMED else ""
    return f"used in {len(refs)} places ({named}{more})"


def places(refs: list[Reference], keyed: bool = False) -> tuple[tuple[str, str | None, Pointer], ...]:
    """Every place of one cause for ``Hit.places``: words, container, pointer (the key's, for ``keyed``)."""
    return tuple((where(r), r.container, (r.key_pointer or r.pointer) if keyed else r.pointer) for r in refs)


def shared_container(refs: list[Reference]) -> str | None:
    """The container every place belongs to; None when they span several, or a volume is among them.

    The runtime join reads a finding's container as "confirmed only by a crash of this one";
    None lets a crash of any container of the workload confirm it, which is what a Secret
    missing for two containers needs (either may be the one that shows CreateContainerConfigError).
    """
    names = {r.container for r in refs}
    return names.pop() if len(names) == 1 else None


def in_document_order(wl: Workload, refs: list[Reference]) -> list[Reference]:
    """``refs`` by pod spec section in the order the manifest writes them (``initContainers``
    usually before ``containers``), so a finding sits on the place a reader meets first."""
    rank: dict[str | int, int] = {k: i for i, k in enumerate(wl.spec)}
    n = len(wl.spec_pointer)
    return sorted(refs, key=lambda r: rank.get(r.pointer[n], len(rank)) if len(r.pointer) > n else len(rank))


def first_failure(refs: list[Reference]) -> Reference:
    """The place whose failure users see: a volume, if any (the kubelet mounts every volume before
    it starts the first container, so a mount that fails holds the whole pod in ContainerCreating),
    else the first container's reference."""
    return next((r for r in refs if r.volume is not None), refs[0])


def kubelet_symptom(ref: Reference, namespace: str | None, key: str | None = None) -> str:
    """The exact failure the kubelet reports for this reference, as users will see it."""
    lower = ref.kind.lower()
    if key is None:
        if ref.volume is not None:
            return (f"FailedMount: MountVolume.SetUp failed for volume \"{ref.volume}\" : {lower} \"{ref.name}\" "
                    f"not found (the pod stays in ContainerCreating)")
        return f"CreateContainerConfigError: {lower} \"{ref.name}\" not found"
    if ref.volume is not None:
        what = "config" if ref.kind == CONFIGMAP else "secret"
        return (f"FailedMount: MountVolume.SetUp failed for volume \"{ref.volume}\" : {lower} references "
                f"non-existent {what} key: {key}")
    return f"CreateContainerConfigError: couldn't find key {key} in {ref.kind} {namespace}/{ref.name}"
