"""A small, deterministic block-style YAML writer for the benchmark corpus.

Why not ``yaml.dump``: the corpus is ~50 MB, PyYAML's representer is pure Python and slow at
that size, and it cannot write what real repositories contain — comments (Helm's
``# Source:`` lines, explanatory notes), both list-indentation styles (kubectl's flush ``-``
and Helm's indented ``-``), plain ``100m`` / ``1Gi`` scalars and ``|-`` literal blocks for long
CRD descriptions. Every scalar is written plain only when PyYAML's own resolver reads it back
as the same string, so the output always parses to exactly the data it was built from
(the corpus test checks that).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import yaml


class Comment(str):
    """A mapping key that is written as a ``# text`` line instead of an entry (its value is ignored)."""


class Repeat(str):
    """A mapping key written as its text although the mapping already has that key.

    Real manifests contain repeated keys (a merge gone wrong); YAML loaders keep the last value.
    As a distinct object it can sit in a dict beside the key it repeats.
    """

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./:@=+, ()*-]*")
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


@lru_cache(maxsize=1 << 16)
def _string(s: str) -> str:
    """``s`` as a YAML scalar: plain when that reads back as this very string, else double-quoted."""
    if (s and _PLAIN.fullmatch(s) and not s.endswith((" ", ":")) and ": " not in s and " #" not in s
            and _RESOLVER.resolve(yaml.ScalarNode, s, (True, False)) == _STR_TAG):
        return s
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar


def scalar(value: Any) -> str:
    """Any non-collection value as YAML text."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return _string(str(value))


def _literal_ok(s: str) -> bool:
    """A ``|-`` block keeps text exactly only without edge whitespace or blank-leading lines."""
    return "\n" in s and s == s.strip() and not any(line != line.rstrip() for line in s.split("\n")) \
        and "\t" not in s and not s.split("\n")[0].startswith(" ")


def _entry(key: str, value: Any, pad: str, indent_seq: bool, out: list[str]) -> None:
    if isinstance(value, dict) and value:
        out.append(f"{pad}{key}:")
        _mapping(value, pad + "  ", indent_seq, out)
    elif isinstance(value, list) and value:
        out.append(f"{pad}{key}:")
        _sequence(value, pad + "  " if indent_seq else pad, indent_seq, out)
    elif isinstance(value, dict):
        out.append(f"{pad}{key}: {{}}")
    elif isinstance(value, list):
        out.append(f"{pad}{key}: []")
    elif isinstance(value, str) and _literal_ok(value):
        out.append(f"{pad}{key}: |-")
        inner = pad + "  "
        out.extend(f"{inner}{line}" if line else "" for line in value.split("\n"))
    else:
        out.append(f"{pad}{key}: {scalar(value)}")


def _mapping(data: dict, pad: str, indent_seq: bool, out: list[str]) -> None:
    for key, value in data.items():
        if isinstance(key, Comment):
            out.append(f"{pad}# {key}")
        else:
            _entry(_string(str(key)), value, pad, indent_seq, out)


def _sequence(items: list, pad: str, indent_seq: bool, out: list[str]) -> None:
    for item in items:
        if isinstance(item, (dict, list)) and item:
            sub: list[str] = []
            if isinstance(item, dict):
                _mapping(item, pad + "  ", indent_seq, sub)
            else:
                _sequence(item, pad + "  ", indent_seq, sub)
            first = next(i for i, line in enumerate(sub) if not line.lstrip().startswith("#"))
            out.extend(sub[:first])
            out.append(f"{pad}- {sub[first][len(pad) + 2:]}")
            out.extend(sub[first + 1:])
        elif isinstance(item, str) and _literal_ok(item):
            out.append(f"{pad}- |-")
            out.extend(f"{pad}  {line}" if line else "" for line in item.split("\n"))
        elif isinstance(item, (dict, list)):
            out.append(f"{pad}- {'{}' if isinstance(item, dict) else '[]'}")
        else:
            out.append(f"{pad}- {scalar(item)}")


def dump(data: dict, indent_seq: bool = False, header: list[str] | None = None) -> str:
    """One document (no ``---``): optional leading comment lines, then ``data`` in block style.

    ``indent_seq`` selects Helm's style (``-`` indented under its key) over kubectl's (flush).
    """
    out = [f"# {line}" for line in header or ()]
    _mapping(data, "", indent_seq, out)
    return "\n".join(out) + "\n"


def strip_comments(data: Any) -> Any:
    """The plain data a YAML parser returns for ``data`` (comments removed, repeated keys' last value kept)."""
    if isinstance(data, dict):
        out: dict = {}
        for k, v in data.items():
            if not isinstance(k, Comment):
                out[str(k)] = strip_comments(v)
        return out
    if isinstance(data, list):
        return [strip_comments(v) for v in data]
    return data
