"""missing-configmap: a pod references a ConfigMap that does not exist.

The kubelet resolves env ``configMapKeyRef``/``envFrom`` when it creates the container and
fails with ``CreateContainerConfigError: configmap "x" not found``; a ``configMap`` (or
projected) volume fails to mount (``FailedMount``) and the pod never leaves
``ContainerCreating``. References with ``optional: true`` are exempt. A ConfigMap missing from
the files may be made elsewhere, so that is a warning; missing from a completely listed
cluster namespace too, it is an error. One missing ConfigMap is one finding per workload, on its
first place, listing every place (``_refcheck``).

``LOADS`` adds ``Kustomization`` so the loader keeps kustomizations, whose
``configMapGenerator`` entries define ConfigMaps too (their subject is ignored here).
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.model.objects import K8sObject
from crashlint.knowledge.references import CONFIGMAP, GENERATOR_KINDS
from crashlint.rules import RuleContext
from crashlint.model.workloads import WORKLOAD_KINDS
from crashlint.rules._refcheck import missing_objects

ID = "missing-configmap"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)
KINDS = WORKLOAD_KINDS
LOADS = frozenset(GENERATOR_KINDS)


def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Hit]:
    return missing_objects(obj, ctx, CONFIGMAP)
