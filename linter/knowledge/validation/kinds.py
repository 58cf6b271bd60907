"""The built-in kinds whose objects the API server validates, and their API groups.

Rules that judge every built-in object (``rejected-by-api``, ``duplicate-key``) use
``BUILTIN_KINDS`` as their ``KINDS``; the engine judges an object only when its API group is in
``BUILTIN_GROUPS``, so a custom resource that reuses a built-in kind's name (Knative's
``serving.knative.dev`` Service) stays unjudged: it is validated by its own CRD schema, which
crashlint does not hold.

Both are derived from the generated OpenAPI data (``policies/schema/fields.json``, every kind of
every built-in group that a supported Kubernetes version serves), so a kind added upstream is
judged once the data is regenerated. Left out: List kinds (the loader unwraps their ``items``),
and ``CustomResourceDefinition`` (83% of the bytes of real corpora and no crash cause in it, so
the loader keeps skipping it unparsed; ``tools/gen_schema.py`` leaves the apiextensions group out).
"""

from __future__ import annotations

from crashlint.model.objects import is_list_kind
from crashlint.model.workloads import WORKLOAD_KINDS
from crashlint.knowledge.validation.fields import schema

BUILTIN_KINDS: frozenset[str] = WORKLOAD_KINDS | frozenset(
    kind for kinds in schema().kinds.values() for kind in kinds
    if not is_list_kind(kind) and kind != "CustomResourceDefinition")

# The groups of those kinds, plus two whose kinds the workload rules read although no supported
# version serves them: ``extensions`` (the pre-1.16 Deployment, DaemonSet, Ingress) and OpenShift's
# ``apps.openshift.io`` (DeploymentConfig).
BUILTIN_GROUPS: frozenset[str] = schema().groups() | frozenset({"extensions", "apps.openshift.io"})
