"""Which software a container runs, as far as its image (or its command, or its env) tells.

Start budgets (``policies/startup.yaml``) and memory baselines (``policies/memory.yaml``) are
kept per *family* — Elasticsearch, Kafka, a JVM — because a custom image name says nothing
about its start time but ``docker.elastic.co/elasticsearch/elasticsearch`` does. An entry
names its images with ``match`` (the grammar of :func:`crashlint.model.imageref.matches`), and may
also name the program the pod's ``command`` starts (``commands: [java]``) or env variables
that only that software reads (``env: [JAVA_OPTS, SPRING_*]``). The image wins when it is
known; command and env are the fallback for custom images. No match means *unknown*, and rules
stay quiet on unknown software: guessing a start time is how false positives are made.
"""

from __future__ import annotations

from crashlint.knowledge.commands import entry_for
from crashlint.knowledge.listmemo import ListMemo
from crashlint.model.imageref import InvalidReference, parse
from crashlint.model.workloads import Container

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any


def _env_names(c: Container) -> list[str]:
    env = c.data.get("env")
    if not isinstance(env, list):
        return []
    return [e["name"] for e in env if isinstance(e, dict) and isinstance(e.get("name"), str)]


def _name_matches(name: str, patterns: list[Any]) -> bool:
    for pat in patterns:
        if not isinstance(pat, str):
            continue
        if pat.endswith("*") and name.startswith(pat[:-1]):
            return True
        if name == pat:
            return True
    return False


# Image look-ups repeat across rules and objects: per entries list, the entry found for each image.
_BY_IMAGE: ListMemo[dict[str, Any] | None] = ListMemo()


def _by_image(image: str, entries: list[Any]) -> dict[str, Any] | None:
    def compute() -> dict[str, Any] | None:
        try:
            ref = parse(image)
        except InvalidReference:
            return None
        return entry_for(ref, [e for e in entries if isinstance(e, dict)])
    return _BY_IMAGE.get(entries, image, compute)


def family_of(c: Container, entries: Any, use_command: bool = True) -> dict[str, Any] | None:
    """The first entry naming ``c``'s image; else (``use_command``) one naming its command or env.

    ``use_command=False`` is for knowledge that describes the image's *default* process only
    (memory baselines): a pod ``command`` replaces it, so only the image is consulted then.
    """
    if not isinstance(entries, list):
        return None
    if c.image:
        found = _by_image(c.image, entries)
        if found is not None:
            return found
    if not use_command:
        return None
    command = c.str_list("command") or []
    prog = command[0].rsplit("/", 1)[-1] if command else None
    names = _env_names(c)
    if prog is None and not names:
        return None
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if prog and prog in (entry.get("commands") or []):
            return entry
        if any(_name_matches(n, list(entry.get("env") or [])) for n in names):
            return entry
    return None
