"""kustomize's built-in transformers over a unit's resources, keeping origins.

Each value a transformer writes points at the kustomization entry that asked for it
(``namespace:``, the ``commonLabels`` key, the ``images`` entry, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from crashlint.model.document import Document
from crashlint.model.nested import dig_map
from crashlint.knowledge.selectors import requirement_matches
from crashlint.sources.kustomize.origins import Origin
from crashlint.sources.kustomize.policy import FieldSpec, policy
from crashlint.sources.kustomize.resources import Res


def _maps_at(data: Any, origin: Origin, path: tuple[str, ...], create: bool) -> Iterator[tuple[dict[str, Any], Origin]]:
    """The maps at a field-spec path (lists walked implicitly), created along the way when ``create``."""
    if not path:
        if isinstance(data, dict):
            yield data, origin
        return
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield from _maps_at(item, origin.kid(i), path, create)
        return
    if not isinstance(data, dict):
        return
    head = path[0]
    if head not in data or data[head] is None:
        if not create:
            return
        data[head] = {}
        origin.put(head, Origin(origin.doc, origin.ptr))
    yield from _maps_at(data[head], origin.kid(head), path[1:], create)


def values_at(data: Any, path: tuple[str, ...]) -> Iterator[tuple[dict[str, Any], str]]:
    """(map, key) of every value at a field-spec path (lists walked implicitly)."""
    if isinstance(data, list):
        for item in data:
            yield from values_at(item, path)
        return
    if not isinstance(data, dict) or path[0] not in data:
        return
    if len(path) == 1:
        yield data, path[0]
        return
    yield from values_at(data[path[0]], path[1:])


def add_pairs(resources: list[Res], pairs: dict[str, Any], specs: tuple[FieldSpec, ...],
              kdoc: Document, field: tuple[str | int, ...]) -> None:
    """Labels or annotations into every map the field specs name."""
    for res in resources:
        for kind, path, create in specs:
            if kind != "*" and kind != res.kind:
                continue
            for target, origin in _maps_at(res.data, res.origin, path, create):
                for key, value in pairs.items():
                    target[key] = "" if value is None else str(value) if not isinstance(value, str) else value
                    origin.put(key, Origin(kdoc, field + (key,)))


def set_namespace(resources: list[Res], namespace: str, kdoc: Document) -> None:
    """kustomize's namespace transformer: namespaced objects, Namespace objects' names, and the
    ``default`` ServiceAccount subjects of role bindings (api/filters/namespace)."""
    here = Origin(kdoc, ("namespace",))
    for res in resources:
        if res.kind == "Namespace":
            res.rename(namespace, here)
            continue
        if res.kind in ("RoleBinding", "ClusterRoleBinding") and isinstance(res.data.get("subjects"), list):
            for i, subject in enumerate(res.data["subjects"]):
                if isinstance(subject, dict) and subject.get("kind") == "ServiceAccount" \
                        and subject.get("name") == "default":
                    subject["namespace"] = namespace
                    res.origin.kid("subjects").kid(i).put("namespace", here)
        if res.kind in policy().cluster_scoped:
            continue
        res.meta["namespace"] = namespace
        res.namespaces.add(namespace)
        res.origin.kid("metadata").put("namespace", here)


def add_affixes(resources: list[Res], prefix: str, suffix: str, kdoc: Document) -> None:
    skip = policy().prefix_skip
    for res in resources:
        if res.kind in skip:
            continue
        key = "namePrefix" if prefix else "nameSuffix"
        res.rename(prefix + res.name + suffix, Origin(kdoc, (key,)))


def set_replicas(resources: list[Res], entries: list[Any], kdoc: Document) -> None:
    kinds = policy().replicas
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        for res in resources:
            if res.kind in kinds and entry.get("name") in res.names:
                spec = res.data.setdefault("spec", {})
                if isinstance(spec, dict):
                    spec["replicas"] = entry.get("count")
                    res.origin.kid("spec").put("replicas", Origin(kdoc, ("replicas", i, "count")))


def split_image(image: str) -> tuple[str, str, str]:
    """(name, tag, digest) as kustomize's ``image.Split`` reads them (a registry port is not a tag)."""
    slash = image.find("/")
    search = image[slash:] if slash > 0 else image
    offset = slash if slash > 0 else 0
    at, colon = search.find("@"), search.find(":")
    if colon < 0 and at < 0:
        return image, "", ""
    if at >= 0 and (at < colon or colon < 0):
        return image[:at + offset], "", image[at + offset + 1:]
    if at >= 0 and colon >= 0:
        return image[:colon + offset], image[colon + offset + 1:at + offset], image[at + offset + 1:]
    return image[:colon + offset], image[colon + offset + 1:], ""


def _matches(image: str, name: str) -> bool:
    """kustomize's ``IsImageMatched``: the name, then an optional digest and tag."""
    try:
        return re.match("^" + name + r"(@sha256)?(:[a-zA-Z0-9_.{}-]*)?$", image) is not None
    except re.error:
        return split_image(image)[0] == name


def _new_image(image: str, entry: dict[str, Any]) -> str:
    name, tag, digest = split_image(image)
    new_tag, new_digest = str(entry.get("newTag") or ""), str(entry.get("digest") or "")
    if entry.get("newName"):
        name = str(entry["newName"])
    if new_tag and new_digest:
        tag, digest = new_tag, new_digest
    elif new_tag:
        tag, digest = new_tag, ""
    elif new_digest:
        tag, digest = "", new_digest
    return name + (":" + tag if tag else "") + ("@" + digest if digest else "")


def _containers(data: Any, origin: Origin) -> Iterator[tuple[dict[str, Any], Origin]]:
    """Every item of a ``containers``/``initContainers`` list anywhere in the object (kustomize's legacy image filter)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                lo = origin.kid(key)
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        yield item, lo.kid(i)
            elif isinstance(value, (dict, list)):
                yield from _containers(value, origin.kid(key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            if isinstance(item, (dict, list)):
                yield from _containers(item, origin.kid(i))


def set_images(resources: list[Res], entries: list[Any], kdoc: Document) -> None:
    valid = [(i, e) for i, e in enumerate(entries) if isinstance(e, dict) and isinstance(e.get("name"), str)]
    for res in resources:
        for container, origin in _containers(res.data, res.origin):
            image = container.get("image")
            if not isinstance(image, str):
                continue
            for i, entry in valid:
                if _matches(image, entry["name"]):
                    container["image"] = _new_image(image, entry)
                    origin.put("image", Origin(kdoc, ("images", i)))
                    break


_REQ = re.compile(r"\s*(!?)\s*([^\s,!=()]+)\s*(?:(==|=|!=)\s*([^\s,()]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*(?:,|$)")


def selector_matches(selector: str, labels: dict[str, Any]) -> bool:
    """A label selector string (``a=b,c!=d,e in (x,y),!f,g``) against a label map.

    Each term is read into ``key op values`` and evaluated by :func:`selectors.requirement_matches`,
    as every label selector is (``=``/``==`` is ``In``, ``!=`` is ``NotIn``, ``!f`` is ``DoesNotExist``).
    """
    pos = 0
    selector = selector.strip()
    while pos < len(selector):
        m = _REQ.match(selector, pos)
        if m is None or m.end() == pos:
            return False
        pos = m.end()
        neg, key, op, value, setop, values = m.groups()
        if op:
            term, options = ("NotIn" if op == "!=" else "In"), {value}
        elif setop:
            term, options = ("In" if setop == "in" else "NotIn"), {v.strip() for v in values.split(",")}
        else:
            term, options = ("DoesNotExist" if neg else "Exists"), set()
        if not requirement_matches(key, term, options, labels):
            return False
    return True


def _full(pattern: object, value: str) -> bool:
    try:
        return re.fullmatch(str(pattern), value) is not None
    except re.error:
        return pattern == value


def select(resources: list[Res], target: dict[str, Any]) -> list[Res]:
    """Resources a patch ``target`` selects (name and namespace are anchored regular expressions)."""
    out = []
    for res in resources:
        if target.get("kind") and not _full(target["kind"], res.kind):
            continue
        if target.get("group") is not None and target.get("group") != "" and not _full(target["group"], res.group):
            continue
        if target.get("version") and not _full(target["version"], res.version):
            continue
        if target.get("name") and not any(_full(target["name"], n) for n in res.names):
            continue
        if target.get("namespace") and not any(_full(target["namespace"], n) for n in res.namespaces | {res.namespace}):
            continue
        labels = dig_map(res.meta, "labels")
        if target.get("labelSelector") and not selector_matches(str(target["labelSelector"]), labels):
            continue
        annotations = dig_map(res.meta, "annotations")
        if target.get("annotationSelector") and not selector_matches(str(target["annotationSelector"]), annotations):
            continue
        out.append(res)
    return out


def fix_name_references(resources: list[Res]) -> None:
    """Rewrite references to renamed ConfigMaps, Secrets, ServiceAccounts, ... as kustomize does.

    A reference follows a renamed object when that object once had the referenced name and sits
    in the referrer's namespace; the value keeps its own origin (the reference is where it is written).
    """
    pol = policy()
    by_kind: dict[str, list[Res]] = {}
    for res in resources:
        by_kind.setdefault(res.kind, []).append(res)
    _fix_subjects(by_kind)
    for referral_kind, spec in pol.name_references.items():
        referrals = [r for r in by_kind.get(referral_kind, []) if len(r.names) > 1]
        if not referrals:
            continue
        pod_paths = [tuple(p.split("/")) for p in spec.get("pod", [])]
        kind_paths = {k: [tuple(p.split("/")) for p in v] for k, v in (spec.get("kinds") or {}).items()}
        for res in resources:
            paths = [pol.pod_spec[res.kind] + p for p in pod_paths] if res.kind in pol.pod_spec else []
            paths += kind_paths.get(res.kind, [])
            for path in paths:
                for container, key in values_at(res.data, path):
                    value = container[key]
                    if not isinstance(value, str):
                        continue
                    found = {r.name for r in referrals if value in r.names and r.namespace == res.namespace}
                    if len(found) == 1:
                        container[key] = found.pop()


def _fix_subjects(by_kind: dict[str, list[Res]]) -> None:
    """Role binding subjects follow a renamed or moved ServiceAccount (name and namespace)."""
    accounts = [r for r in by_kind.get("ServiceAccount", []) if len(r.names) > 1 or len(r.namespaces) > 1]
    if not accounts:
        return
    for res in by_kind.get("RoleBinding", []) + by_kind.get("ClusterRoleBinding", []):
        subjects = res.data.get("subjects")
        for subject in subjects if isinstance(subjects, list) else []:
            if not isinstance(subject, dict) or subject.get("kind") != "ServiceAccount":
                continue
            ns = subject.get("namespace") or "default"
            found = [a for a in accounts if subject.get("name") in a.names and ns in a.namespaces]
            if len(found) == 1:
                subject["name"], subject["namespace"] = found[0].name, found[0].namespace
