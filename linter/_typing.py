"""The names of ``typing`` that run when a module of the lint path is imported, without ``typing``.

With ``from __future__ import annotations`` every annotation stays a string, so the lint path
needs ``typing`` at run time only for what runs at import: a ``Protocol`` or ``Generic`` base, a
``TypeVar``, ``@overload``. Importing ``typing`` for those costs every start of ``crashlint
lint`` about 4.5 ms (with ``contextlib``; ``bench/README.md``, "Start-up"), a tenth of what a
pre-commit hook's one-file lint may take. For the type checker these names are ``typing``'s own
(mypy reads the ``TYPE_CHECKING`` branch); at run time they are stand-ins that do nothing. So
nothing may use them for what ``typing`` does at run time: no ``isinstance`` against a protocol,
no subscripted generic as a value, no introspection of overloads. Names used only in
annotations (``Any``, ``Final``, ...) are imported from ``typing`` itself, under ``TYPE_CHECKING``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Generic as Generic, Protocol as Protocol, TypeVar as TypeVar, overload as overload
else:
    class Protocol:
        """At run time a protocol is a plain base class: only the type checker compares shapes."""

        __slots__ = ()

    class Generic:
        """At run time ``Generic[V]`` is this plain base class."""

        __slots__ = ()

        def __class_getitem__(cls, params: object) -> type:
            return cls

    def TypeVar(name: str, *constraints: object, **options: object) -> str:  # typing's name
        """At run time a type variable is only its name."""
        return name

    def overload(func: object) -> object:
        """At run time each overload is replaced by the next definition, the implementation."""
        return func
