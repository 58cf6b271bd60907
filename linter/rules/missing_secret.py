"""missing-secret: a pod references a Secret that does not exist.

Like a missing ConfigMap: env ``secretKeyRef``/``envFrom`` give ``CreateContainerConfigError:
secret "x" not found``, ``secret`` and projected volumes ``FailedMount`` with the pod stuck in
``ContainerCreating``. ``optional: true`` references are exempt. Secrets are often created
by other objects, so a Secret made by an object of the linted set — a SealedSecret, an
ExternalSecret, a cert-manager Certificate, a Vault Secrets Operator or 1Password resource, a
SecretProviderClass's synced Secret, a kustomize ``secretGenerator`` — counts as defined;
``LOADS`` names those kinds so the loader keeps them. One missing Secret is one finding per
workload, on its first place, listing every place (``_refcheck``).
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.model.objects import K8sObject
from crashlint.knowledge.references import GENERATOR_KINDS, SECRET, SECRET_PRODUCERS
from crashlint.rules import RuleContext
from crashlint.model.workloads import WORKLOAD_KINDS
from crashlint.rules._refcheck import missing_objects

ID = "missing-secret"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)
KINDS = WORKLOAD_KINDS
LOADS = frozenset(GENERATOR_KINDS) | frozenset(SECRET_PRODUCERS)


def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Hit]:
    return missing_objects(obj, ctx, SECRET)
