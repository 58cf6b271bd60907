"""image-tag-mutable: an image with no tag or ``:latest`` and no digest.

Nodes resolve a mutable reference separately, so a rollout can run different code on
different nodes, and a broken push to ``latest`` crashes every restarting pod at once. With no
tag the pull policy also defaults to Always, so a registry outage turns every restart into
``ErrImagePull``/``ImagePullBackOff``.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Hit
from ..imageref import InvalidReference, parse
from ..rules import RuleContext
from ..workloads import Workload

ID = "image-tag-mutable"


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    mutable = set(ctx.params.get("mutable_tags") or ["latest"])
    for c in wl.containers:
        if c.section == "ephemeralContainers" or not c.image:
            continue
        try:
            ref = parse(c.image)
        except InvalidReference:
            continue  # image-reference-invalid reports it
        if ref.digest:
            continue
        if ref.tag is None:
            yield Hit(c.at("image"), f"container '{c.name}': image '{c.image}' has no tag, so it means "
                      "':latest' — which code runs depends on when each node pulled it. Pin a version "
                      "tag or a digest.", container=c.name, anchor="value")
        elif ref.tag in mutable:
            yield Hit(c.at("image"), f"container '{c.name}': image '{c.image}' uses the mutable tag "
                      f"'{ref.tag}' — which code runs depends on when each node pulled it. Pin a version "
                      "tag or a digest.", container=c.name, anchor="value")
