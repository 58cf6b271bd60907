"""PyYAML, imported without compiling at import the patterns a lint never runs.

Importing PyYAML compiles ``Reader.NON_PRINTABLE`` in ``yaml.reader``, a character class over
all of Unicode: 6-10 ms, the costliest single line of a one-file lint's start-up (a pre-commit
hook pays it on every commit; ``bench/README.md``, "Start-up"). That pattern serves only
PyYAML's pure-Python reader (``Reader.check_printable``); crashlint reads through libyaml
(``CSafeLoader``), whose own reader refuses the same characters. ``yaml.constructor`` likewise
compiles ``SafeConstructor.timestamp_regexp``, used only for a timestamp, which manifests
hardly ever hold.

:func:`import_yaml` imports PyYAML with the patterns of those two modules compiled on first use
instead: each is a :class:`LazyPattern` that compiles itself the first time it is used, so a
pure-Python reader (no libyaml) or a timestamp behave exactly as before. The command line calls
it before anything imports ``yaml``; a process that imported PyYAML already keeps it as it is.
"""

from __future__ import annotations

import re
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

# The modules whose patterns wait: none of their patterns is used by a lint through libyaml.
DEFERRED_MODULES = frozenset({"yaml.reader", "yaml.constructor"})


class LazyPattern:
    """A compiled pattern that is compiled when it is first used (any attribute: ``search``,
    ``match``, ``pattern``, ...) and then behaves as the compiled ``re.Pattern``."""

    __slots__ = ("_source", "_flags", "_compiled")

    def __init__(self, source: str | bytes, flags: int) -> None:
        self._source = source
        self._flags = flags
        self._compiled: re.Pattern[Any] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = re.compile(self._source, self._flags)
        return getattr(self._compiled, name)


def import_yaml() -> None:
    """Import PyYAML with the patterns of :data:`DEFERRED_MODULES` left to their first use.

    ``re.compile`` is swapped only while PyYAML's modules run, in the one thread a command has
    when it starts, and put back even if the import fails.
    """
    if "yaml" in sys.modules:
        return
    compile_now = re.compile

    def compile_deferred(pattern: Any, flags: int = 0) -> Any:
        if sys._getframe(1).f_globals.get("__name__") in DEFERRED_MODULES:
            return LazyPattern(pattern, flags)
        return compile_now(pattern, flags)

    re.compile = compile_deferred
    try:
        import yaml  # noqa: F401  # imported for its side effect: every later `import yaml` finds it
    finally:
        re.compile = compile_now
