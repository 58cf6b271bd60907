"""missing-image-pull-secret: ``imagePullSecrets`` names a Secret that does not exist.

The kubelet does not stop on it — it records ``FailedToRetrieveImagePullSecret: Unable to
retrieve some image pull secrets (x); attempting to pull the image may not succeed.`` and pulls
without credentials, so a private image then fails with ``ErrImagePull`` /
``ImagePullBackOff``. Pull secrets are commonly created out of band (per cluster, by CI), so
the rule is graded: a warning when a cluster look-up listed the namespace's Secrets, or when the
linted files define registry credentials themselves (type ``kubernetes.io/dockerconfigjson`` or
``kubernetes.io/dockercfg``); ``info`` otherwise. Secrets made by SealedSecrets, ExternalSecrets
or kustomize generators of the set count as defined.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.model.invcache import memo
from crashlint.model.inventory import InventoryView
from crashlint.knowledge.references import SECRET, resolve
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "missing-image-pull-secret"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)
REGISTRY_TYPES = ("kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg")


def _defines_registry_credentials(inv: InventoryView) -> bool:
    return memo(inv, "registry-credentials", lambda: any(
        e.obj is not None and e.obj.data.get("type") in REGISTRY_TYPES for e in inv.of_kind(SECRET)))


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    """One hit per missing name, at its first entry (a name listed twice is one cause)."""
    pulls = wl.spec.get("imagePullSecrets")
    if not isinstance(pulls, list):
        return
    ns = wl.obj.namespace
    inv = ctx.inventory
    entries: dict[str, list[int]] = {}
    for i, p in enumerate(pulls):
        name = p.get("name") if isinstance(p, dict) else None
        if isinstance(name, str) and name:
            entries.setdefault(name, []).append(i)
    for name, indexes in entries.items():
        exists, _ = resolve(inv, SECRET, ns, name)
        if exists:
            continue
        if (SECRET, ns) in inv.complete:
            severity, scope = None, "is neither in the linted files nor in the cluster"
        elif _defines_registry_credentials(inv):
            severity, scope = None, "is not defined in the linted files"
        else:
            severity = ctx.params["severity_when_none_defined"]
            scope = "is not defined in the linted files (which define no registry credentials)"
        listed = f", listed {len(indexes)} times," if len(indexes) > 1 else ""
        yield Hit(wl.at("imagePullSecrets", indexes[0], "name"), (
            f"image pull Secret \"{name}\" (namespace \"{ns}\"){listed} {scope}; the kubelet reports "
            f"`Unable to retrieve some image pull secrets ({name}); attempting to pull the image may not "
            f"succeed.` and a private image then fails with ErrImagePull / ImagePullBackOff. Create the Secret "
            f"in this namespace or fix the name."), anchor="value", severity=severity,
            places=tuple((f"imagePullSecrets[{i}]", None, wl.at("imagePullSecrets", i, "name")) for i in indexes))
