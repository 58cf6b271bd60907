"""image-reference-invalid: an image reference the container runtime refuses to parse.

The kubelet validates the reference before pulling; a reference outside the grammar (upper
case in the repository, spaces, an empty or 129-character tag, a short digest) leaves the
container Waiting with reason ``InvalidImageName`` — the pod never starts, whatever the retry.

A placeholder that a tool fills in before applying (``ko://…``, ``${IMAGE}``, ``{{ … }}``,
``<DOCKER_REPO>``) is not malformed but unfilled: ``image-placeholder`` reports it, once.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit, pointer_str
from crashlint.model.imageref import InvalidReference, parse, placeholder
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "image-reference-invalid"


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    for c in wl.containers:
        raw = c.data.get("image")
        if raw is None:
            if c.section != "ephemeralContainers" and not wl.obj.kind == "PodTemplate":
                yield Hit(c.at(), f"container '{c.name}' has no image; the API server rejects the pod "
                          "(spec.containers[].image: Required value)", container=c.name, anchor="key")
            continue
        if not isinstance(raw, str):
            yield Hit(c.at("image"), f"container '{c.name}': image must be a string, not "
                      f"{type(raw).__name__}", container=c.name, anchor="value")
            continue
        try:
            parse(raw)
        except InvalidReference as exc:
            if placeholder(raw) is not None:
                continue
            fix = None
            stripped = raw.strip()
            if stripped != raw and stripped:
                try:
                    parse(stripped)
                    fix = [{"op": "replace", "path": pointer_str(c.at("image")), "value": stripped}]
                except InvalidReference:
                    pass
            yield Hit(c.at("image"), f"container '{c.name}': image '{raw}' is not a valid reference: {exc}; "
                      "the kubelet reports InvalidImageName and the container never starts",
                      container=c.name, anchor="value", fix=fix)
