"""image-placeholder: an image that a build or render step fills in, linted before it was filled.

``ko://github.com/org/cmd``, ``${IMAGE}``, ``{{ .Values.image }}``, ``<DOCKER_REPO>/app`` or
``REGION-docker.pkg.dev/PROJECT_ID/app`` are never applied as written: ko, envsubst, Helm or a
person replaces them first. Reporting them as malformed references (an error) failed every
repository of samples and templates; what is worth saying is that the file is not what reaches
the cluster, which tool fills it in, and how to lint the result. Applied unfilled, the kubelet
cannot pull the image, so the cause is image-pull.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.model.findings import Hit
from crashlint.model.imageref import InvalidReference, parse, placeholder
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "image-placeholder"


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    for c in wl.containers:
        raw = c.data.get("image")
        if not isinstance(raw, str):
            continue
        found = placeholder(raw)
        if found is None:
            continue
        try:
            parse(raw)
            outcome = "the pull fails (ErrImagePull)"
        except InvalidReference:
            outcome = "the kubelet reports InvalidImageName"
        holds = "is" if found.token == raw else f"holds '{found.token}',"
        yield Hit(c.at("image"), f"container '{c.name}': image '{raw}' {holds} {found.what}; "
                  f"applied as written, {outcome} — {found.hint}", container=c.name, anchor="value")
