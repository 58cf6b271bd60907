"""Generate ``policies/schema/fields.json``: the fields and JSON types of every built-in kind.

Source: the official Kubernetes OpenAPI definitions, as the PyPI package ``kubernetes-validate``
ships them (``kubernetes_validate/kubernetes-json-schema/v1.NN.0-local/_definitions.json``, one
document per Kubernetes minor, converted from each release's ``api/openapi-spec/swagger.json``).
The package is a build-time input of this script only (``pip install -e .[tools]``); crashlint
reads the generated file, never the package.

What is kept, per definition reachable from a built-in kind: each property and the JSON type the
API server's decoder accepts for it, as a short code:

* ``s`` string, ``b`` boolean, ``i32``/``i64``/``i`` integer, ``f`` number;
* ``ios`` int-or-string (``targetPort``), ``q`` quantity (a string or a number);
* ``*`` anything (``RawExtension``, ``FieldsV1``, an object without declared properties);
* ``@name`` another definition, ``[]X`` a list of X, ``{}X`` a map of string to X.

The data is the **union over the Kubernetes versions** used: a field that any of them knows is
known, so a field added in a newer minor (or removed since) is never called unknown. Where two
versions disagree on a property's type, the wider one is kept (``*`` if neither contains the
other). The header records the package, its version and the Kubernetes versions read.

Usage: ``python tools/gen_schema.py [--check] [--out PATH]`` (``--check`` exits 1 when the file
in the repository differs from what the installed package produces).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from importlib import metadata, resources
from pathlib import Path
from typing import Any

PACKAGE = "kubernetes-validate"
# The oldest minor read. Every minor from here to the newest the package ships is read: the
# union makes every field any of them knows a known field (kubernetes-validate 1.37.0 ships 1.25-1.37).
OLDEST_MINOR = 25
OUT = Path(__file__).resolve().parents[1] / "policies" / "schema" / "fields.json"

# Definitions whose Go type decodes itself from more than one JSON type, or from anything.
_SPECIAL = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "ios",
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "q",
    "io.k8s.apimachinery.pkg.runtime.RawExtension": "*",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": "*",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "s",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "s",
}
# Packages whose kinds are not objects one applies (DeleteOptions, WatchEvent, Status carry a
# group-version-kind for every group), and CustomResourceDefinition (left out of BUILTIN_KINDS:
# its schema is a JSON schema of the custom resource, and no crash cause lives in it).
_NOT_APPLIED = ("io.k8s.apimachinery.pkg.apis.meta.", "io.k8s.apiextensions-apiserver.")
_PREFIXES = (("io.k8s.api.", ""), ("io.k8s.apimachinery.pkg.apis.", ""), ("io.k8s.kube-aggregator.pkg.apis.", ""))


def short(name: str) -> str:
    """``io.k8s.api.core.v1.PodSpec`` -> ``core.v1.PodSpec`` (the last segment stays the Go type name)."""
    for prefix, repl in _PREFIXES:
        if name.startswith(prefix):
            return repl + name[len(prefix):]
    return name


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _types(schema: dict[str, Any]) -> list[str]:
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    return [x for x in t if x != "null"] if isinstance(t, list) else []


def code_of(schema: dict[str, Any], defs: dict[str, Any], refs: set[str]) -> str:
    """The type code of one property schema; definitions it refers to are added to ``refs``."""
    if schema.get("x-kubernetes-preserve-unknown-fields") or schema.get("x-kubernetes-int-or-string"):
        return "ios" if schema.get("x-kubernetes-int-or-string") else "*"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = _ref_name(ref)
        if name in _SPECIAL:
            return _SPECIAL[name]
        target = defs.get(name, {})
        if not target.get("properties"):  # an object with no declared fields: not judged
            return code_of(target, defs, refs) if target.get("type") not in (None, ["object", "null"], "object") \
                else "*"
        refs.add(name)
        return "@" + short(name)
    types = _types(schema)
    if not types:
        return "*"
    kind = types[0] if len(types) == 1 else "*"
    if kind == "string":
        return "s"
    if kind == "boolean":
        return "b"
    if kind == "integer":
        fmt = schema.get("format")
        return {"int32": "i32", "int64": "i64"}.get(fmt, "i")
    if kind == "number":
        return "f"
    if kind == "array":
        items = schema.get("items")
        return "[]" + (code_of(items, defs, refs) if isinstance(items, dict) else "*")
    if kind == "object":
        if schema.get("properties"):
            return "*"  # an inline object schema: none in the built-in kinds; never guessed
        extra = schema.get("additionalProperties")
        return "{}" + code_of(extra, defs, refs) if isinstance(extra, dict) else "*"
    return "*"


def wider(a: str, b: str) -> str:
    """The code accepting both ``a`` and ``b`` (two versions that disagree on one property)."""
    if a == b:
        return a
    pair = {a, b}
    if pair <= {"i32", "i64", "i"}:
        return "i64" if "i64" in pair else "i"
    if pair <= {"i32", "i64", "i", "ios"} or pair == {"s", "ios"}:
        return "ios"
    if a[:2] == b[:2] and a[:2] in ("[]", "{}"):
        return a[:2] + wider(a[2:], b[2:])
    if a.startswith("@") and b.startswith("@"):  # a type renamed between versions: both its forms
        return "@" + "|".join(sorted(set(a[1:].split("|")) | set(b[1:].split("|"))))
    return "*"


def _merge_renamed(props: dict[str, dict[str, str]]) -> None:
    """A property whose type was renamed between versions (``@A|B``) gets a definition of its own
    named ``A|B``: the union of both, so a field of either form is known."""
    todo = [c for p in props.values() for c in p.values()]
    while todo:
        code = todo.pop().lstrip("[]{}")
        if code.startswith("@") and "|" in code and code[1:] not in props:
            merged: dict[str, str] = {}
            for part in code[1:].split("|"):
                for field, sub in props.get(part, {}).items():
                    merged[field] = wider(merged[field], sub) if field in merged else sub
            props[code[1:]] = merged
            todo.extend(merged.values())


def versions() -> list[tuple[int, Path]]:
    """(minor, directory) of every Kubernetes version the package ships, from ``OLDEST_MINOR`` on."""
    root = resources.files("kubernetes_validate") / "kubernetes-json-schema"
    found = []
    for entry in root.iterdir():
        m = re.fullmatch(r"v1\.(\d+)\.0-local", entry.name)
        if m and int(m.group(1)) >= OLDEST_MINOR:
            found.append((int(m.group(1)), Path(str(entry))))
    return sorted(found)


def generate() -> dict[str, Any]:
    kinds: dict[str, dict[str, str]] = {}
    props: dict[str, dict[str, str]] = {}
    conflicts: list[str] = []
    read = versions()
    for _, directory in read:
        defs = json.loads((directory / "_definitions.json").read_text())["$defs"]
        todo: list[str] = []
        for name, schema in defs.items():
            if name.startswith(_NOT_APPLIED):
                continue
            for gvk in schema.get("x-kubernetes-group-version-kind") or []:
                kind = gvk["kind"]
                if kind.endswith("List") and "items" in schema.get("properties", {}):
                    continue
                api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
                kinds.setdefault(api_version, {})[kind] = short(name)
                todo.append(name)
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            refs: set[str] = set()
            mine = props.setdefault(short(name), {})
            for field, schema in (defs[name].get("properties") or {}).items():
                code = code_of(schema, defs, refs)
                old = mine.get(field)
                if old is not None and old != code:
                    conflicts.append(f"{short(name)}.{field}: {old} | {code}")
                    code = wider(old, code)
                mine[field] = code
            todo.extend(refs - seen)
    for line in sorted(set(conflicts)):
        print(f"versions disagree, kept the wider type: {line}", file=sys.stderr)
    _merge_renamed(props)
    return {
        "source": {
            "package": PACKAGE,
            "version": metadata.version(PACKAGE),
            "kubernetes": [f"1.{minor}" for minor, _ in read],
            "files": "kubernetes_validate/kubernetes-json-schema/v1.NN.0-local/_definitions.json "
                     "(the official OpenAPI definitions of each release)",
            "generator": "tools/gen_schema.py",
        },
        "kinds": {av: dict(sorted(k.items())) for av, k in sorted(kinds.items())},
        "definitions": {name: dict(sorted(p.items())) for name, p in sorted(props.items())},
    }


def render(data: dict[str, Any]) -> str:
    """One definition per line: small, and a new field shows as a one-line diff."""
    out = ["{", f' "source": {json.dumps(data["source"], sort_keys=True)},',
           f' "kinds": {json.dumps(data["kinds"], sort_keys=True, separators=(",", ":"))},', ' "definitions": {']
    defs = list(data["definitions"].items())
    for i, (name, p) in enumerate(defs):
        sep = "," if i < len(defs) - 1 else ""
        out.append(f"  {json.dumps(name)}: {json.dumps(p, sort_keys=True, separators=(',', ':'))}{sep}")
    out += [" }", "}", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from the generated data")
    args = parser.parse_args(argv)
    text = render(generate())
    if args.check:
        same = args.out.is_file() and args.out.read_text() == text
        print(f"{args.out}: {'up to date' if same else 'differs from the generated data'}")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
