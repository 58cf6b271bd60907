"""missing-service-account: a pod runs as a ServiceAccount that does not exist.

The ServiceAccount admission plugin refuses such a pod, so the controller keeps failing:
``FailedCreate ... pods "web-7d9c-" is forbidden: error looking up service account
ns/web: serviceaccount "web" not found`` — no pod ever starts. ``default`` exists in every
namespace. Severity follows what is known: a warning when a cluster look-up listed the
namespace's ServiceAccounts and it is not there, or when the linted files define
ServiceAccounts (they manage them, so a missing one is an omission or a typo); otherwise
``info``, because a set that defines no ServiceAccount at all is usually applied next to one
made elsewhere (a platform team, a Helm release of its own). Never an error: the controller
retries, so an account created a moment later (same ``kubectl apply``) heals the workload, and
the webhook must not deny it for that.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "missing-service-account"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)
KIND = "ServiceAccount"


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    field = "serviceAccountName" if isinstance(wl.spec.get("serviceAccountName"), str) else "serviceAccount"
    name = wl.spec.get(field)
    if not isinstance(name, str) or not name or name in ctx.params["always_present"]:
        return
    ns = wl.obj.namespace
    inv = ctx.inventory
    if inv.has(KIND, ns, name):
        return
    if (KIND, ns) in inv.complete:
        severity, scope = None, "is neither in the linted files nor in the cluster"
    elif inv.defines_any(KIND):
        severity, scope = None, "is not defined in the linted files"
    else:
        severity = ctx.params["severity_when_none_defined"]
        scope = "is not defined in the linted files (which define no ServiceAccount at all)"
    yield Hit(wl.at(field), (
        f"ServiceAccount \"{name}\" (namespace \"{ns}\") {scope}; the API server refuses the pods: "
        f"`pods ... is forbidden: error looking up service account {ns}/{name}: serviceaccount \"{name}\" "
        f"not found`, and the {wl.kind} never gets a pod. Create the ServiceAccount or fix the name."),
        anchor="value", severity=severity)
