"""The built-in kinds whose objects the API server validates, by API group.

Rules that judge every built-in object (``rejected-by-api``, ``duplicate-key``) use this set as
their ``KINDS``; custom resources are validated by their own CRD schemas, which crashlint does
not hold. ``CustomResourceDefinition`` is left out: 83% of the bytes of real corpora and no
crash cause in it, so the loader keeps skipping it unparsed.
"""

from __future__ import annotations

from ..workloads import WORKLOAD_KINDS

BUILTIN_KINDS: frozenset[str] = WORKLOAD_KINDS | frozenset({
    "ConfigMap", "Secret", "Service", "ServiceAccount", "NetworkPolicy", "Namespace",
    "PersistentVolumeClaim", "PersistentVolume", "Ingress", "LimitRange", "ResourceQuota",
    "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "PodDisruptionBudget",
    "HorizontalPodAutoscaler", "StorageClass", "PriorityClass", "Endpoints",
})
