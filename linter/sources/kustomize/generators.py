"""configMapGenerator / secretGenerator: the objects kustomize generates, and its name hash.

The hash replicates kustomize's ``api/hasher/hasher.go``: the SHA-256 of Go's ``json.Marshal``
of ``{"data", "kind", "name"}`` (``binaryData`` too when present; ``type`` for a Secret),
whose first ten hex digits are mapped by ``encode`` (0→g, 1→h, 3→k, a→m, e→t). Generated names must match the real build byte for byte, or references break.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

from crashlint.model.document import Document
from crashlint.model.objects import LoadError
from crashlint.sources.kustomize.origins import Origin
from crashlint.sources.kustomize.sources import SourceCache

_ENCODE = str.maketrans({"0": "g", "1": "h", "3": "k", "a": "m", "e": "t"})


def _go_json(value: Any) -> str:
    """Go's json.Marshal: sorted keys, no spaces, HTML characters and line separators escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def name_hash(obj: dict[str, Any]) -> str:
    """The suffix kustomize appends to a generated ConfigMap's or Secret's name.

    kustomize looks its fields up with ``yaml.Lookup("metadata/name")``, one path element that
    names no field, so the name it hashes is always empty; a missing ``data`` or ``type`` is
    hashed as ``""``, and ``binaryData``/``stringData`` count only when they are maps.
    """
    def field(name: str) -> Any:
        value = obj.get(name)
        return "" if value is None else value
    if obj.get("kind") == "ConfigMap":
        encoded: dict[str, Any] = {"kind": "ConfigMap", "name": "", "data": field("data")}
        if isinstance(obj.get("binaryData"), dict):
            encoded["binaryData"] = obj["binaryData"]
    else:
        encoded = {"kind": "Secret", "type": field("type"), "name": "", "data": field("data")}
        if isinstance(obj.get("stringData"), dict):
            encoded["stringData"] = obj["stringData"]
    digest = hashlib.sha256(_go_json(encoded).encode("utf-8")).hexdigest()
    return digest[:10].translate(_ENCODE)


def _secret_value(raw: bytes) -> str:
    """Base64 as kustomize writes Secret data: in lines of 70 characters, each ending in a newline
    once the text is 70 characters or longer (api/internal/generators/utils.go, encodeBase64)."""
    text = base64.b64encode(raw).decode("ascii")
    if len(text) < 70:
        return text
    return "".join(text[i:i + 70] + "\n" for i in range(0, len(text), 70))


class GeneratorError(ValueError):
    """A generator input kustomize refuses (missing file, bad env line); ``pointer`` is in the kustomization."""

    def __init__(self, message: str, pointer: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.pointer = pointer


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _env_pairs(text: str, where: tuple[str | int, ...]) -> list[tuple[str, str]]:
    """An env file as kustomize reads it: KEY=VALUE lines, ``#`` comments, a bare KEY from the environment."""
    pairs = []
    for n, line in enumerate(text.split("\n")):
        if n == 0:
            line = line.removeprefix("\ufeff")
        line = line.removesuffix("\r").lstrip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not key or any(c.isspace() for c in key):
            raise GeneratorError(f"invalid env line {n + 1}: {key!r} is not a variable name", where)
        pairs.append((key, value if sep else os.environ.get(key, "")))
    return pairs


def generate(kind: str, entry: dict[str, Any], index: int, section: str, kdoc: Document, kdir: str,
             options: dict[str, Any], cache: SourceCache) -> tuple[dict[str, Any], Origin, bool]:
    """One generated object, its origin (the generator entry) and whether its name gets the hash."""
    base: tuple[str | int, ...] = (section, index)
    origin = Origin(kdoc, base)
    data: dict[str, str] = {}
    binary: dict[str, bytes] = {}
    data_origin = origin.kid("data")
    for i, item in enumerate(entry.get("envs") or ([entry["env"]] if entry.get("env") else [])):
        path = _inside(kdir, item, base + ("envs", i))
        text = _read_text(cache, path, base + ("envs", i))
        for key, value in _env_pairs(text, base + ("envs", i)):
            data[key] = value
            data_origin.put(key, origin.peek("envs").peek(i))
    for i, item in enumerate(entry.get("files") or []):
        if not isinstance(item, str):
            raise GeneratorError("a files entry must be a string", base + ("files", i))
        key, sep, rel = item.partition("=")
        if not sep:
            key, rel = os.path.basename(item), item
        path = _inside(kdir, rel, base + ("files", i))
        raw = cache.read_bytes(path)
        if isinstance(raw, LoadError):
            raise GeneratorError(f"{rel}: {raw.message}", base + ("files", i))
        try:
            data[key] = raw.decode("utf-8")
        except UnicodeDecodeError:
            binary[key] = raw
        data_origin.put(key, origin.peek("files").peek(i))
    for i, item in enumerate(entry.get("literals") or []):
        if not isinstance(item, str) or "=" not in item:
            raise GeneratorError(f"invalid literal {item!r} (want KEY=VALUE)", base + ("literals", i))
        key, _, value = item.partition("=")
        data[key] = _unquote(value)
        data_origin.put(key, origin.peek("literals").peek(i))
    meta: dict[str, Any] = {"name": entry.get("name", "")}
    if entry.get("namespace"):
        meta["namespace"] = entry["namespace"]
    merged = {**(options.get("labels") or {}), **((entry.get("options") or {}).get("labels") or {})}
    if merged:
        meta["labels"] = merged
    annotations = {**(options.get("annotations") or {}), **((entry.get("options") or {}).get("annotations") or {})}
    if annotations:
        meta["annotations"] = annotations
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": meta}
    if kind == "Secret":
        obj["type"] = entry.get("type") or "Opaque"
        obj["data"] = {k: _secret_value(v.encode("utf-8")) for k, v in data.items()}
        obj["data"].update({k: _secret_value(v) for k, v in binary.items()})
    else:
        if data:
            obj["data"] = data
        if binary:
            obj["binaryData"] = {k: _secret_value(v) for k, v in binary.items()}
    entry_opts = entry.get("options") or {}
    if entry_opts.get("immutable", options.get("immutable")):
        obj["immutable"] = True
    disable = entry_opts.get("disableNameSuffixHash", options.get("disableNameSuffixHash", False))
    return obj, origin, not disable


def _inside(kdir: str, rel: Any, where: tuple[str | int, ...]) -> str:
    """A generator input path; kustomize's load restrictor keeps it inside the kustomization's tree."""
    if not isinstance(rel, str) or not rel:
        raise GeneratorError("a file path must be a non-empty string", where)
    path = os.path.normpath(os.path.join(kdir, rel))
    real, root = os.path.realpath(path), os.path.realpath(kdir)
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        raise GeneratorError(f"security; file {rel!r} is not in or below the kustomization's directory", where)
    return path


def _read_text(cache: SourceCache, path: str, where: tuple[str | int, ...]) -> str:
    raw = cache.read_bytes(path)
    if isinstance(raw, LoadError):
        raise GeneratorError(f"{os.path.basename(path)}: {raw.message}", where)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GeneratorError(f"{os.path.basename(path)} is not UTF-8 text", where) from exc
