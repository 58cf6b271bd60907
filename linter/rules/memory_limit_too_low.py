"""memory-limit-too-low: a memory limit the software cannot run in.

The memory limit is enforced by the kernel: when the container's processes touch more, the
OOM killer ends them, the kubelet reports ``Last State: Terminated, Reason: OOMKilled, Exit
Code: 137`` and restarts the container — which fills the same limit again, into
CrashLoopBackOff. Some limits are too low for any process (``policies/memory.yaml``'s floor),
others for one family of software running its default configuration: Kafka starts with
``-Xmx1G -Xms1G``, SonarQube documents 2 GB as its minimum, PostgreSQL's shared_buffers is
128 MB.

Family baselines apply to containers that run the image's own server process (no pod
``command``), or whose command or args start a program a family names (``commands``: a
``gunicorn``, ``uvicorn`` or ``python manage.py runserver`` is a Python web server whatever the
image), and that set no explicit heap (a tuned heap is the ``heap-exceeds-memory-limit``
rule's business); init containers are held only to the floor. Unknown images are held only to
the floor too, and unparsable limits are left to ``rejected-by-api``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from crashlint.knowledge.commands import shell_script
from crashlint.knowledge.families import family_of
from crashlint.model.findings import Hit
from crashlint.knowledge.heap import reading_of
from crashlint.model.nested import dig_map
from crashlint.model.quantity import QuantityError, parse_quantity
from crashlint.knowledge.resource_limits import human_bytes, limit_of
from crashlint.rules import RuleContext
from crashlint.model.workloads import Container, Workload

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

ID = "memory-limit-too-low"
_PYTHON = re.compile(r"python[0-9.]*")


def _bytes(raw: object) -> Decimal | None:
    try:
        return parse_quantity(raw)
    except QuantityError:
        return None


def _program(c: Container, knowledge: dict[str, Any]) -> str | None:
    """The program the container's argv starts: ``gunicorn`` for ``gunicorn app:app``,
    ``sh -c 'exec gunicorn ...'`` and ``python -m gunicorn``, ``manage.py`` for ``python manage.py
    runserver``. ``args`` count when there is no ``command`` (they replace the image's CMD)."""
    argv = ((c.str_list("command") or []) + (c.str_list("args") or []) if c.data.get("command") is not None
            else c.str_list("args"))
    if not argv:
        return None
    words = argv
    script = shell_script(argv, knowledge)
    if script is not None:
        words = script[1].split()
        if words[:1] == ["exec"]:
            words = words[1:]
    if not words:
        return None
    prog = words[0].rsplit("/", 1)[-1]
    if _PYTHON.fullmatch(prog) and len(words) > 1:
        if words[1] == "-m" and len(words) > 2:
            return words[2]
        if not words[1].startswith("-"):
            return words[1].rsplit("/", 1)[-1]
    return prog


def _by_program(prog: str | None, families: Any) -> dict[str, Any] | None:
    """The first family entry whose ``commands`` name ``prog``."""
    if prog is None or not isinstance(families, list):
        return None
    for entry in families:
        if isinstance(entry, dict) and isinstance(entry.get("commands"), list) and prog in entry["commands"]:
            return entry
    return None


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    memory = dig_map(ctx.knowledge, "memory")
    floor_entry = dig_map(memory, "floor")
    # ``floor`` (a checked quantity) when configured; else the knowledge's floor, with its source.
    configured = ctx.params["floor"]
    floor = _bytes(floor_entry.get("minimum") if configured is None else configured)
    for c in wl.iter("containers", "initContainers"):
        found = limit_of(c, "memory")
        if found is None:
            continue
        limit, where = found
        shown = human_bytes(limit)
        if floor is not None and limit < floor:
            yield Hit(where, (
                f"container '{c.name}': memory limit {shown} is below {human_bytes(floor)}, less than any "
                f"process needs to start ({floor_entry.get('source', 'the absolute floor')}). It will be "
                f"OOMKilled (exit code 137) at once, over and over."), container=c.name, anchor="value")
            continue
        if c.is_init and not c.is_sidecar:
            continue
        families = memory.get("families")
        entry = _by_program(_program(c, ctx.knowledge), families)
        if entry is None and c.data.get("command") is None:
            entry = family_of(c, families, use_command=False)
        minimum = _bytes(entry.get("minimum")) if entry else None
        if entry is None or minimum is None or limit >= minimum:
            continue
        reading = reading_of(c, ctx.knowledge)
        if reading.read or reading.unread:
            continue  # someone sized the runtime (even in a variable it may not read): not a default
        yield Hit(where, (
            f"container '{c.name}': memory limit {shown} is below the {human_bytes(minimum)} that "
            f"{entry.get('name', c.image)} needs with its default settings ({entry.get('source', '')}). Expect "
            f"OOMKilled (exit code 137) and CrashLoopBackOff; raise the limit to at least "
            f"{human_bytes(minimum)}, or size the software down explicitly (e.g. its heap)."),
            container=c.name, anchor="value")
