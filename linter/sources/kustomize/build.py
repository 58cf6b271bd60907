"""Find kustomize units under the linted paths and build each one natively.

A directory holding ``kustomization.yaml``, ``kustomization.yml`` or ``Kustomization`` is a
unit. Each is built as kustomize would (resources, bases, components, generators, patches,
then namespace, prefix/suffix, labels, annotations, JSON 6902 patches, replicas and images, in
kustomize's transformer order; hash suffixes and name references last, at the top). A unit
that uses something not built here falls back to file-by-file linting with one reason; a
unit kustomize itself would refuse becomes a LoadError at the line that causes it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from crashlint.sources.limits import Limits
from crashlint.model.document import Document
from crashlint.sources.loader import first_value_wins, gc_paused
from crashlint.model.objects import LoadError, is_list_kind
from crashlint.model.nested import dig_map, dig_str
from crashlint.sources.kustomize import KustomizeResult, json6902, smp
from crashlint.sources.kustomize.generators import GeneratorError, generate, name_hash
from crashlint.model.nested import copy_data
from crashlint.model.record import Record
from crashlint.sources.kustomize.origins import BuiltObject, Origin
from crashlint.sources.kustomize.policy import policy
from crashlint.sources.kustomize.resources import Res
from crashlint.sources.kustomize.sources import SourceCache, inline_documents
from crashlint.sources.kustomize.units import KUSTOMIZATION_FILES, kustomization_file
from crashlint.sources.kustomize.transformers import (add_affixes, add_pairs, fix_name_references, select, set_images, set_namespace,
                           set_replicas)

_SUPPORTED = frozenset({
    "apiVersion", "kind", "metadata", "resources", "bases", "components", "patches", "patchesStrategicMerge",
    "patchesJson6902", "namePrefix", "nameSuffix", "namespace", "images", "replicas", "configMapGenerator",
    "secretGenerator", "generatorOptions", "labels", "commonLabels", "commonAnnotations",
})
MAX_DEPTH = 32
# The shape kustomize's types.Kustomization gives each field: anything else is refused up front.
_SHAPES: dict[str, type | tuple[type, ...]] = {
    "resources": list, "bases": list, "components": list, "patches": list, "patchesStrategicMerge": list,
    "patchesJson6902": list, "namePrefix": str, "nameSuffix": str, "namespace": str, "images": list,
    "replicas": list, "configMapGenerator": list, "secretGenerator": list, "generatorOptions": dict,
    "labels": list, "commonLabels": dict, "commonAnnotations": dict, "metadata": dict,
}
_ENTRY_SHAPES: dict[str, type | tuple[type, ...]] = {
    "literals": list, "files": list, "envs": list, "env": str, "options": dict, "name": str,
    "namespace": str, "behavior": str, "type": str, "labels": dict, "annotations": dict,
}


class Fallback(Exception):
    """The unit uses a feature crashlint does not build; the message names it."""


class BuildError(Exception):
    """kustomize would refuse the unit; carries the LoadError to report."""

    def __init__(self, error: LoadError) -> None:
        super().__init__(error.message)
        self.error = error


class _Unit(Record):
    __slots__ = ("resources", "files", "patches")

    resources: list[Res]
    files: set[str]
    patches: set[str]

    def __init__(self) -> None:
        self.resources = []
        self.files = set()
        self.patches = set()


def _is_remote(entry: str) -> bool:
    return "://" in entry or entry.startswith(("github.com/", "gitlab.com/", "bitbucket.org/", "git@")) \
        or "?ref=" in entry or "//" in entry.lstrip("/")


@lru_cache(maxsize=65536)
def _realpath(path: str) -> str:
    """Resolved paths, once per path and build: bases are resolved again by every overlay."""
    return os.path.realpath(path)


def _inside(root: str, path: str) -> bool:
    real, base = _realpath(path), _realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


class Builder:
    """Builds units with one source cache; ``wanted_kinds`` skips objects no rule reads."""

    def __init__(self, limits: Limits, wanted_kinds: frozenset[str] | None = None) -> None:
        self.cache = SourceCache(limits, wanted_kinds)
        self.wanted = wanted_kinds

    # -- kustomization files -------------------------------------------------------------
    def _kustomization(self, directory: str) -> tuple[dict[str, Any], Document, str]:
        path = kustomization_file(directory)
        if path is None:
            raise BuildError(LoadError(directory, 0, "no kustomization.yaml, kustomization.yml or Kustomization here"))
        docs, err = self.cache.documents(path)
        if err is not None:
            raise BuildError(err)
        if not docs or not isinstance(docs[0].data, dict):
            raise BuildError(LoadError(path, 1, "kustomization is empty or not a mapping"))
        return docs[0].data, docs[0], path

    def _check_shape(self, k: dict[str, Any], kdoc: Document) -> None:
        """Refuse fields of the wrong type where they are, as kustomize's decoder does."""
        for key, want in _SHAPES.items():
            if k.get(key) is not None and not isinstance(k[key], want):
                raise self._error(kdoc, (key,), f"`{key}` must be a {getattr(want, '__name__', want)}")
        groups: list[tuple[str, int | None, Any]] = [("generatorOptions", None, k.get("generatorOptions"))]
        for section in ("configMapGenerator", "secretGenerator"):
            groups += [(section, i, e) for i, e in enumerate(k.get(section) or [])]
        for section, i, entry in groups:
            where: tuple[str | int, ...] = (section,) if i is None else (section, i)
            if entry is None:
                continue
            if not isinstance(entry, dict):
                raise self._error(kdoc, where, f"`{section}` entries must be mappings")
            for key, want in _ENTRY_SHAPES.items():
                if entry.get(key) is not None and not isinstance(entry[key], want):
                    raise self._error(kdoc, where + (key,), f"`{key}` must be a {getattr(want, '__name__', want)}")
            options = entry.get("options") or {}
            for key in ("labels", "annotations"):
                if options.get(key) is not None and not isinstance(options[key], dict):
                    raise self._error(kdoc, where + ("options", key), f"`{key}` must be a dict")

    def _error(self, kdoc: Document, pointer: tuple[str | int, ...], message: str) -> BuildError:
        line, _ = kdoc.locate(pointer)
        return BuildError(LoadError(kdoc.source, line, message))

    def is_component(self, directory: str) -> bool:
        try:
            return self._kustomization(directory)[0].get("kind") == "Component"
        except BuildError:
            return False

    def patch_files(self, directory: str) -> set[str]:
        """Files a kustomization lists as patches, even when the unit does not build (they are fragments)."""
        try:
            k, _, _ = self._kustomization(directory)
        except BuildError:
            return set()
        out = set()
        for section in ("patches", "patchesStrategicMerge", "patchesJson6902"):
            entries = k.get(section)
            for entry in entries if isinstance(entries, list) else []:
                rel = entry.get("path") if isinstance(entry, dict) else entry
                if isinstance(rel, str) and "\n" not in rel:
                    path = os.path.normpath(os.path.join(directory, rel))
                    if os.path.isfile(path):
                        out.add(path)
        return out

    # -- building ------------------------------------------------------------------------
    def build(self, directory: str, stack: tuple[str, ...] = (), component_of: _Unit | None = None) -> _Unit:
        """Accumulate one kustomization (kustomize's ``accumulateTarget``)."""
        k, kdoc, kpath = self._kustomization(directory)
        stack = stack + (_realpath(directory),)
        for key in k:
            if key in policy().unsupported or key not in _SUPPORTED:
                raise Fallback(f"{kpath}: uses `{key}`, which crashlint does not build")
        self._check_shape(k, kdoc)
        unit = component_of if component_of is not None else _Unit()
        unit.files.add(kpath)
        for section in ("resources", "bases"):
            entries = k.get(section) or []
            if not isinstance(entries, list):
                raise self._error(kdoc, (section,), f"{section} must be a list")
            for i, entry in enumerate(entries):
                self._resource(unit, directory, kdoc, (section, i), entry, stack)
        self._generators(unit, k, kdoc, directory)
        for i, entry in enumerate(k.get("components") or []):
            if not isinstance(entry, str):
                raise self._error(kdoc, ("components", i), "a component must be a path")
            if _is_remote(entry):
                raise Fallback(f"{kpath}: uses a remote component ({entry})")
            path = os.path.normpath(os.path.join(directory, entry))
            if not os.path.isdir(path):
                raise self._error(kdoc, ("components", i), f"component {entry!r} is not a directory")
            if _realpath(path) in stack or len(stack) >= MAX_DEPTH:
                raise self._error(kdoc, ("components", i), f"component {entry!r} is part of a cycle or nested too deeply")
            self.build(path, stack, component_of=unit)
        self._transform(unit, k, kdoc, directory)
        return unit

    def _resource(self, unit: _Unit, directory: str, kdoc: Document, where: tuple[str | int, ...],
                  entry: Any, stack: tuple[str, ...]) -> None:
        if not isinstance(entry, str) or not entry:
            raise self._error(kdoc, where, "a resource must be a path")
        path = os.path.normpath(os.path.join(directory, entry))
        if os.path.isdir(path):
            if _realpath(path) in stack:
                raise self._error(kdoc, where, f"kustomization cycle: {entry!r} is being built already")
            if len(stack) >= MAX_DEPTH:
                raise self._error(kdoc, where, f"kustomizations nested deeper than {MAX_DEPTH}")
            sub = self.build(path, stack)
            unit.files |= sub.files
            unit.patches |= sub.patches
            self._add(unit, sub.resources, kdoc, where)
            return
        if _is_remote(entry) and not os.path.exists(path):
            raise Fallback(f"{kdoc.source}: uses a remote resource ({entry})")
        if not os.path.isfile(path):
            raise self._error(kdoc, where, f"resource {entry!r} does not exist")
        if not _inside(directory, path):
            raise self._error(kdoc, where, f"security; file {entry!r} is not in or below the kustomization's directory")
        docs, err = self.cache.documents(path, resources=True)
        if err is not None:
            raise BuildError(err)
        unit.files.add(path)
        found = []
        for doc in docs:
            data = doc.data
            if data is None:
                continue
            if not isinstance(data, dict):
                raise BuildError(LoadError(path, doc.line_offset + 1, "a resource must be a mapping"))
            kind = data.get("kind")
            items: list[tuple[Any, tuple[str | int, ...]]]
            if isinstance(kind, str) and is_list_kind(kind) and isinstance(data.get("items"), list):
                items = [(item, ("items", j)) for j, item in enumerate(data["items"])]
            else:
                items = [(data, ())]
            for item, prefix in items:
                meta = item.get("metadata") if isinstance(item, dict) else None
                if not isinstance(item, dict) or not isinstance(item.get("kind"), str) or not isinstance(meta, dict) \
                        or not (meta.get("name") or meta.get("generateName")):
                    line, _ = doc.locate(prefix)
                    raise BuildError(LoadError(path, line, "missing Resource metadata (apiVersion, kind, metadata.name)"))
                if self.wanted is not None and item["kind"] not in self.wanted:
                    continue
                found.append(Res(copy_data(item), Origin(doc, prefix)))
        self._add(unit, found, kdoc, where)

    def _add(self, unit: _Unit, new: list[Res], kdoc: Document, where: tuple[str | int, ...]) -> None:
        seen = {r.ident() for r in unit.resources}
        for res in new:
            if res.ident() in seen:
                raise self._error(kdoc, where, f"may not add resource with an already registered id: "
                                                f"{res.kind}/{res.name} in {res.namespace or 'no namespace'}")
            seen.add(res.ident())
            unit.resources.append(res)

    def _generators(self, unit: _Unit, k: dict[str, Any], kdoc: Document, directory: str) -> None:
        options = k.get("generatorOptions") or {}
        for section, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
            for i, entry in enumerate(k.get(section) or []):
                if not isinstance(entry, dict):
                    raise self._error(kdoc, (section, i), "a generator entry must be a mapping")
                try:
                    data, origin, hashed = generate(kind, entry, i, section, kdoc, directory, options, self.cache)
                except GeneratorError as exc:
                    raise self._error(kdoc, exc.pointer, str(exc)) from exc
                for key in ("envs", "files"):
                    for item in entry.get(key) or []:
                        if isinstance(item, str):
                            unit.files.add(os.path.normpath(os.path.join(directory, item.partition("=")[2] or item)))
                if self.wanted is not None and kind not in self.wanted:
                    continue
                res = Res(data, origin, needs_hash=hashed)
                behavior = entry.get("behavior") or "create"
                if behavior == "create":
                    self._add(unit, [res], kdoc, (section, i))
                    continue
                matches = [r for r in unit.resources if r.kind == kind and res.name in r.names
                           and (not entry.get("namespace") or r.namespace == res.namespace)]
                if len(matches) != 1:
                    raise self._error(kdoc, (section, i), f"behavior {behavior!r}: no unique {kind} "
                                                          f"{res.name!r} to {behavior} with")
                old = matches[0]
                if behavior == "replace":
                    for field_ in ("data", "binaryData"):
                        old.data.pop(field_, None)
                        old.origin.drop(field_)
                for field_ in ("data", "binaryData"):
                    if field_ in data:
                        old.data.setdefault(field_, {}).update(data[field_])
                        for key in data[field_]:
                            old.origin.kid(field_).put(key, origin.peek(field_).peek(key))
                for field_ in ("labels", "annotations"):
                    if field_ in data["metadata"]:
                        old.meta.setdefault(field_, {}).update(data["metadata"][field_])
                old.needs_hash = old.needs_hash and hashed

    # -- transformers --------------------------------------------------------------------
    def _patch_docs(self, directory: str, kdoc: Document, where: tuple[str | int, ...], entry: Any,
                    unit: _Unit) -> list[Document]:
        """The documents of a patch given as a file path or inline text."""
        text = entry.get("patch") if isinstance(entry, dict) else (entry if isinstance(entry, str) and "\n" in entry else None)
        if isinstance(text, str):
            raw = self.cache.read_bytes(kdoc.source)
            docs, err = inline_documents(kdoc, where + (("patch",) if isinstance(entry, dict) else ()), text,
                                         self.cache.limits, raw if isinstance(raw, bytes) else None)
        else:
            rel = entry.get("path") if isinstance(entry, dict) else entry
            if not isinstance(rel, str) or not rel:
                raise self._error(kdoc, where, "a patch needs `path` or `patch`")
            path = os.path.normpath(os.path.join(directory, rel))
            if not os.path.isfile(path):
                raise self._error(kdoc, where, f"patch file {rel!r} does not exist")
            if not _inside(directory, path):
                raise self._error(kdoc, where, f"security; file {rel!r} is not in or below the kustomization's directory")
            unit.files.add(path)
            unit.patches.add(path)
            docs, err = self.cache.documents(path)
        if err is not None:
            raise BuildError(err)
        return [d for d in docs if d.data is not None]

    def _smp(self, unit: _Unit, doc: Document, patch: dict[str, Any], targets: list[Res] | None,
             kdoc: Document, where: tuple[str | int, ...]) -> None:
        if targets is None:
            meta = dig_map(patch, "metadata")
            kind, name = patch.get("kind"), meta.get("name")
            api = dig_str(patch, "apiVersion", default="")
            group = api.rpartition("/")[0]
            targets = [r for r in unit.resources if r.kind == kind and name in r.names and r.group == group
                       and (not meta.get("namespace") or meta["namespace"] in r.namespaces)]
            if not targets:
                if self.wanted is not None and kind not in self.wanted:
                    return
                raise self._error(kdoc, where, f"no resource matches strategic merge patch {kind}/{name}")
            if len(targets) > 1:
                raise self._error(kdoc, where, f"several resources match strategic merge patch {kind}/{name}")
        else:
            patch = {k: v for k, v in patch.items() if k != "metadata"} | (
                {"metadata": {k: v for k, v in patch["metadata"].items() if k not in ("name", "namespace")}}
                if isinstance(patch.get("metadata"), dict) else {})
        for res in targets:
            if patch.get("$patch") == "delete":
                unit.resources.remove(res)
                continue
            smp.apply(res.data, res.origin, patch, Origin(doc, ()), res.kind)

    def _json6902(self, unit: _Unit, doc: Document, ops: list[Any], targets: list[Res],
                  kdoc: Document, where: tuple[str | int, ...]) -> None:
        for res in targets:
            try:
                json6902.apply(res.data, res.origin, ops, Origin(doc, ()))
            except json6902.PatchError as exc:
                raise self._error(kdoc, where, f"JSON patch on {res.kind}/{res.name}: {exc}") from exc

    def _target(self, unit: _Unit, entry: Any, kdoc: Document, where: tuple[str | int, ...]) -> list[Res] | None:
        target = entry.get("target") if isinstance(entry, dict) else None
        if target is None:
            return None
        if not isinstance(target, dict):
            raise self._error(kdoc, where + ("target",), "target must be a mapping")
        return select(unit.resources, target)

    def _patches(self, unit: _Unit, k: dict[str, Any], kdoc: Document, directory: str, section: str) -> None:
        for i, entry in enumerate(k.get(section) or []):
            where: tuple[str | int, ...] = (section, i)
            docs = self._patch_docs(directory, kdoc, where, entry, unit)
            targets = self._target(unit, entry, kdoc, where)
            for doc in docs:
                if isinstance(doc.data, list) or section == "patchesJson6902":
                    if targets is None:
                        raise self._error(kdoc, where, "a JSON 6902 patch needs a target")
                    if not isinstance(doc.data, list):
                        raise self._error(kdoc, where, "a JSON 6902 patch must be a list of operations")
                    self._json6902(unit, doc, doc.data, targets, kdoc, where)
                elif isinstance(doc.data, dict):
                    first_value_wins(doc)  # kustomize applies the first of a repeated key in a patch
                    self._smp(unit, doc, doc.data, targets, kdoc, where)
                else:
                    raise self._error(kdoc, where, "a patch must be a mapping or a list of operations")

    def _transform(self, unit: _Unit, k: dict[str, Any], kdoc: Document, directory: str) -> None:
        """kustomize's built-in transformer order (api/internal/target/kusttarget_configplugin.go)."""
        pol = policy()
        res = unit.resources
        self._patches(unit, k, kdoc, directory, "patchesStrategicMerge")
        self._patches(unit, k, kdoc, directory, "patches")
        if isinstance(k.get("namespace"), str) and k["namespace"]:
            set_namespace(res, k["namespace"], kdoc)
        if k.get("namePrefix"):
            add_affixes(res, str(k["namePrefix"]), "", kdoc)
        if k.get("nameSuffix"):
            add_affixes(res, "", str(k["nameSuffix"]), kdoc)
        if isinstance(k.get("commonLabels"), dict):
            add_pairs(res, k["commonLabels"], pol.common_labels, kdoc, ("commonLabels",))
        for i, entry in enumerate(k.get("labels") or []):
            if not isinstance(entry, dict) or not isinstance(entry.get("pairs"), dict):
                continue
            if entry.get("includeSelectors"):
                specs = pol.common_labels
            elif entry.get("includeTemplates"):
                specs = pol.common_labels[:1] + pol.template_labels
            else:
                specs = pol.common_labels[:1]
            if entry.get("fields"):
                raise Fallback(f"{kdoc.source}: uses `labels[].fields`, which crashlint does not build")
            add_pairs(res, entry["pairs"], specs, kdoc, ("labels", i, "pairs"))
        if isinstance(k.get("commonAnnotations"), dict):
            add_pairs(res, k["commonAnnotations"], pol.common_annotations, kdoc, ("commonAnnotations",))
        self._patches(unit, k, kdoc, directory, "patchesJson6902")
        if isinstance(k.get("replicas"), list):
            set_replicas(res, k["replicas"], kdoc)
        if isinstance(k.get("images"), list):
            set_images(res, k["images"], kdoc)

    def finish(self, unit: _Unit, directory: str) -> list[BuiltObject]:
        """The last steps of a top-level build: hash suffixes, then name references."""
        for res in unit.resources:
            if res.needs_hash:
                res.rename(f"{res.name}-{name_hash(res.data)}")
        fix_name_references(unit.resources)
        return [BuiltObject(r.data, r.origin, directory) for r in unit.resources]


def build_units(directories: list[str], limits: Limits | None = None,
                wanted_kinds: frozenset[str] | None = None) -> KustomizeResult:
    """Build the units in ``directories`` (sorted, each once); never raises for bad input."""
    result = KustomizeResult()
    _realpath.cache_clear()  # links may have changed since the last build in this process
    builder = Builder(limits or Limits(), wanted_kinds)
    with gc_paused():  # once for the whole build: a GC pass per file walks every object built so far
        _build_all(builder, directories, result)
    result.objects_read = sum(n for path, n in builder.cache.objects.items() if path in result.consumed) + sum(
        1 for path in result.consumed if os.path.basename(path) in KUSTOMIZATION_FILES)  # a Kustomization each
    readers: dict[str, int] = {}  # how many units read each file (a unit reads its own kustomization)
    for files in result.unit_files.values():
        for path in files:
            readers[path] = readers.get(path, 0) + 1
    result.bases = {d for d in result.unit_files if readers.get(kustomization_file(d) or "", 0) > 1}
    return result


def _build_all(builder: Builder, directories: list[str], result: KustomizeResult) -> None:
    for directory in directories:
        result.patches |= builder.patch_files(directory)
        try:
            unit = builder.build(directory)
        except Fallback as exc:
            result.units.append(directory)
            result.fallbacks.append((directory, str(exc)))
            continue
        except BuildError as exc:
            if builder.is_component(directory):
                # A component's patches usually target what its users bring: it builds only there.
                result.components.append(directory)
                continue
            result.units.append(directory)
            result.errors.append(exc.error)
            result.fallbacks.append((directory, f"kustomize would refuse it: {exc.error.file}:{exc.error.line}: {exc.error.message}"))
            continue
        except RecursionError:
            result.units.append(directory)
            result.fallbacks.append((directory, "nested too deeply to build"))
            continue
        except (TypeError, AttributeError, ValueError) as exc:
            # A value of a shape no check above foresaw: the unit is linted file by file and
            # the kustomization is named, never a traceback.
            path = kustomization_file(directory) or directory
            result.units.append(directory)
            result.errors.append(LoadError(path, 0, f"malformed kustomization ({type(exc).__name__}); not built"))
            result.fallbacks.append((directory, "malformed kustomization"))
            continue
        result.units.append(directory)
        result.objects.extend(builder.finish(unit, directory))
        result.consumed |= unit.files
        result.patches |= unit.patches
        result.unit_files[directory] = frozenset(unit.files)
    result.errors = list(dict.fromkeys(result.errors))  # a broken base is reported once, not per overlay
