"""The API server's own validation rules, one module per area, as pure functions of an object.

``rejected-by-api`` promises "the API server would refuse this object", so each check here is
read from the Kubernetes source (``pkg/apis/core/validation``, ``pkg/apis/apps/validation``,
``pkg/apis/batch/validation``, apimachinery ``pkg/util/validation``), quotes the server's own
wording, and says which versions behave that way. Each module exposes
``check_object(obj, knowledge) -> Iterator[Hit]`` with pointers relative to the object root; this package
chains them in a fixed order so the output is stable.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache

from crashlint.model.findings import Hit
from crashlint.model.objects import K8sObject

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

    Check = Callable[[K8sObject, Mapping[str, Any]], Iterator[Hit]]


@lru_cache(maxsize=1)
def _checks() -> tuple[Check, ...]:
    """Every module of this package that has ``check_object``, in name order."""
    found: list[Check] = []
    # The modules pkgutil.iter_modules would list; pkgutil imports inspect for that (7-9 ms of every start).
    for name in sorted(f[:-3] for f in os.listdir(__path__[0]) if f.endswith(".py") and not f.startswith("_")):
        fn = getattr(importlib.import_module(f"{__name__}.{name}"), "check_object", None)
        if fn is not None:
            found.append(fn)
    return tuple(found)


def problems(obj: K8sObject, knowledge: Mapping[str, Any]) -> Iterator[Hit]:
    """What the API server would refuse in ``obj``, by every validation module.

    ``knowledge`` is the run's (``Settings.knowledge``): tables a ``.crashlint.yaml`` may extend,
    never the shipped policies read behind the settings' back.
    """
    for check in _checks():
        yield from check(obj, knowledge)
