"""What the two Service rules share: which Services route to pods, and which pods they reach."""

from __future__ import annotations

from crashlint.model.objects import K8sObject
from crashlint.rules import RuleContext
from crashlint.knowledge.selectors import PodTemplate, map_matches, readable_map, templates_with_label

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any


def routed_selector(obj: K8sObject) -> tuple[dict[str, Any], dict[str, str]] | None:
    """(spec, selector) of a core Service that picks its endpoints by selector; None otherwise.

    ExternalName Services, Services without a selector (endpoints managed by hand or by a
    controller) and other API groups' ``Service`` kinds (Knative) are not about pod labels.
    """
    if obj.api_version not in ("v1", ""):
        return None
    spec = obj.data.get("spec")
    if not isinstance(spec, dict) or spec.get("type") == "ExternalName":
        return None
    selector = readable_map(spec.get("selector"))
    if not selector:
        return None
    return spec, selector


def selected(obj: K8sObject, selector: dict[str, str], ctx: RuleContext) -> list[PodTemplate]:
    """Pod templates of the Service's namespace whose labels the selector matches."""
    key, value = next(iter(selector.items()))
    candidates = templates_with_label(ctx.inventory, obj.namespace, key, value)
    return [t for t in candidates if map_matches(selector, t.labels)]
