"""image-tag-mutable: an image with no tag or ``:latest`` and no digest.

Nodes resolve a mutable reference separately, so a rollout can run different code on
different nodes, and a broken push to ``latest`` crashes every restarting pod at once. With no
tag the pull policy also defaults to Always, so a registry outage turns every restart into
``ErrImagePull``/``ImagePullBackOff``.

kustomize's ``images:`` transformer (``kustomize edit set image``) pins the tag at build time:
when a Kustomization of the set covers the object's file (same directory, or listed in its
``resources``) and sets ``newTag`` (not a mutable one) or ``digest`` for the image's name, what
reaches the cluster is pinned, and the rule stays quiet. ``LOADS`` keeps Kustomizations.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.model.imageref import InvalidReference, parse
from crashlint.model.inventory import InventoryView
from crashlint.model.invcache import memo
from crashlint.knowledge.references import GENERATOR_KINDS
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "image-tag-mutable"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)
LOADS = frozenset(GENERATOR_KINDS)


def _covers(kdir: str, targets: tuple[str, ...], file: str) -> bool:
    """The Kustomization builds ``file``: same directory, or a ``resources`` entry is it (or its directory)."""
    file = posixpath.normpath(file.replace("\\", "/"))
    if posixpath.dirname(file) == kdir:
        return True
    return any(file == t or file.startswith(t + "/") for t in targets)


def _pins(inventory: InventoryView, mutable: frozenset[str]) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Image name -> (directory, resource targets) of each Kustomization that pins it; built once per run."""
    out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for kind in GENERATOR_KINDS:
        for e in inventory.of_kind(kind):
            k = e.obj
            if k is None:
                continue
            images = k.data.get("images")
            if not isinstance(images, list):
                continue
            kdir = posixpath.dirname(k.file.replace("\\", "/"))
            resources = k.data.get("resources")
            targets = tuple(posixpath.normpath(posixpath.join(kdir, r))
                            for r in (resources if isinstance(resources, list) else [])
                            if isinstance(r, str) and "://" not in r)
            for entry in images:
                if not isinstance(entry, dict) or entry.get("newName") or not isinstance(entry.get("name"), str):
                    continue
                tag = entry.get("newTag")
                if entry.get("digest") or (tag not in (None, "") and str(tag) not in mutable):
                    out.setdefault(entry["name"], []).append((posixpath.normpath(kdir or "."), targets))
    return out


def _pinned_by_kustomize(wl: Workload, ctx: RuleContext, image: str, mutable: frozenset[str]) -> bool:
    """An ``images:`` entry of a Kustomization covering this object pins ``image`` (kustomize
    matches ``name`` against the image without its tag or digest, exactly as written)."""
    name = image.split("@", 1)[0]
    if ":" in name.rsplit("/", 1)[-1]:
        name = name[: name.rindex(":")]
    pins = memo(ctx.inventory, f"{ID}:pins:{sorted(mutable)}", lambda: _pins(ctx.inventory, mutable))
    return any(_covers(kdir, targets, wl.obj.file) for kdir, targets in pins.get(name, ()))


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    mutable = frozenset(ctx.params["mutable_tags"])
    for c in wl.containers:
        if c.section == "ephemeralContainers" or not c.image:
            continue
        try:
            ref = parse(c.image)
        except InvalidReference:
            continue  # image-reference-invalid reports it
        if ref.digest or (ref.tag is not None and ref.tag not in mutable):
            continue
        if _pinned_by_kustomize(wl, ctx, c.image, mutable):  # only asked for mutable images: it scans
            continue
        if ref.tag is None:
            yield Hit(c.at("image"), f"container '{c.name}': image '{c.image}' has no tag, so it means "
                      "':latest' — which code runs depends on when each node pulled it. Pin a version "
                      "tag or a digest.", container=c.name, anchor="value")
        elif ref.tag in mutable:
            yield Hit(c.at("image"), f"container '{c.name}': image '{c.image}' uses the mutable tag "
                      f"'{ref.tag}' — which code runs depends on when each node pulled it. Pin a version "
                      "tag or a digest.", container=c.name, anchor="value")
