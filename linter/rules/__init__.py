"""The rule modules, one per rule: each has ``ID``, optional ``KINDS`` and a pure ``check``.

``LOADS`` (optional) names kinds the rule needs in the inventory without checking them
(a Kustomization's secret generators, a SealedSecret): the loader keeps those documents.
``loads_for(knowledge)`` (optional) adds kinds that come from knowledge, so that entries a
``.crashlint.yaml`` adds (an operator's custom resource) are loaded too.
``CROSS_OBJECT`` (optional, True) marks rules that consult other objects than their subject.

``check(subject, ctx)`` receives a :class:`~crashlint.model.workloads.Workload` (for pod-running
kinds) or the :class:`~crashlint.model.objects.K8sObject` itself (for rules with their own ``KINDS``)
and a :class:`RuleContext`; it yields :class:`~crashlint.model.findings.Hit` objects. It reads no
files, no network and no clock, so the CLI, the webhook and runtime mode share it unchanged.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from types import ModuleType

from crashlint.model.findings import Hit
from crashlint.model.inventory import InventoryView
from crashlint.model.record import Value
from crashlint.model.workloads import WORKLOAD_KINDS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final


class RuleContext(Value):
    """What a rule may consult besides its subject."""

    inventory: Final[InventoryView]  # the engine's view resolves from the checked object's scope
    params: Final[dict[str, Any]]
    knowledge: Final[dict[str, Any]]

    __slots__ = ("inventory", "params", "knowledge")

    def __init__(self, inventory: InventoryView, params: dict[str, Any], knowledge: dict[str, Any]) -> None:
        self.inventory = inventory
        self.params = params
        self.knowledge = knowledge


class Rule(Value):
    id: Final[str]
    kinds: Final[frozenset[str]]
    check: Final[Callable[[Any, RuleContext], Iterable[Hit]]]
    wants_workload: Final[bool]
    loads: Final[frozenset[str]]
    # True for rules that consult other objects (``CROSS_OBJECT`` in the module): their findings
    # are only as good as the set they see, so a unit linted file by file turns them into info.
    cross_object: Final[bool]
    # Kinds to keep that depend on the (configured) knowledge: the module's ``loads_for``.
    loads_for: Final[Callable[[dict[str, Any]], frozenset[str]] | None]

    __slots__ = ("id", "kinds", "check", "wants_workload", "loads", "cross_object", "loads_for")

    def __init__(self, id: str, kinds: frozenset[str], check: Callable[[Any, RuleContext], Iterable[Hit]],
                 wants_workload: bool, loads: frozenset[str] = frozenset(), cross_object: bool = False,
                 loads_for: Callable[[dict[str, Any]], frozenset[str]] | None = None) -> None:
        self.id = id
        self.kinds = kinds
        self.check = check
        self.wants_workload = wants_workload
        self.loads = loads
        self.cross_object = cross_object
        self.loads_for = loads_for


@lru_cache(maxsize=1)
def all_rules() -> dict[str, Rule]:
    """Every rule module in this package, by id."""
    out: dict[str, Rule] = {}
    # The modules pkgutil.iter_modules would list, in its (name) order; pkgutil imports inspect
    # for that, with ast, dis and tokenize: 7-9 ms of every start.
    for name in sorted(f[:-3] for f in os.listdir(__path__[0]) if f.endswith(".py") and not f.startswith("_")):
        mod: ModuleType = importlib.import_module(f"{__name__}.{name}")
        kinds = getattr(mod, "KINDS", None)
        out[mod.ID] = Rule(mod.ID, frozenset(kinds) if kinds is not None else WORKLOAD_KINDS, mod.check,
                           kinds is None, frozenset(getattr(mod, "LOADS", ())), bool(getattr(mod, "CROSS_OBJECT", False)),
                           getattr(mod, "loads_for", None))
    return out
