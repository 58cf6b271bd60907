"""Bounds on what the loader accepts, so hostile input costs a clear error instead of the machine."""

from __future__ import annotations

from crashlint.model.record import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any, Final

UNLIMITED = 2**62  # larger configured limits are clamped to this (still far beyond any input)


class Limits(Value):
    """Defaults fit any real manifest repository; `.crashlint.yaml` may raise them under `limits:`."""

    __slots__ = ("max_file_bytes", "max_documents", "max_expanded_nodes", "max_scalar_bytes", "max_depth",
                 "max_positioned_json_bytes", "max_memory_factor")

    max_file_bytes: Final[int]
    max_documents: Final[int]
    max_expanded_nodes: Final[int]
    max_scalar_bytes: Final[int]
    max_depth: Final[int]
    # JSON larger than this keeps document-level positions only (json.loads is 20x faster).
    max_positioned_json_bytes: Final[int]
    # Memory the decoded data may take, as a multiple of the input's size. Every ``{}``/``[]``
    # costs about 200 bytes as Python data, so 63 MB of ``[[[[]]]]`` took 2.9 GB; real
    # manifests have 25+ bytes of JSON per object or array and take about 10x.
    max_memory_factor: Final[int]

    def __init__(self, max_file_bytes: int = 64 * 1024 * 1024, max_documents: int = 100_000,
                 max_expanded_nodes: int = 1_000_000, max_scalar_bytes: int = 4 * 1024 * 1024,
                 max_depth: int = 200, max_positioned_json_bytes: int = 8 * 1024 * 1024,
                 max_memory_factor: int = 20) -> None:
        self.max_file_bytes = max_file_bytes
        self.max_documents = max_documents
        self.max_expanded_nodes = max_expanded_nodes
        self.max_scalar_bytes = max_scalar_bytes
        self.max_depth = max_depth
        self.max_positioned_json_bytes = max_positioned_json_bytes
        self.max_memory_factor = max_memory_factor

    @classmethod
    def from_mapping(cls, raw: Any) -> "Limits":
        """Build from config data, ignoring unknown keys and non-positive or non-integer values.

        A value past ``UNLIMITED`` means "no limit" and is read as that: sizes are compared with
        and passed to ``read()``/``mmap``, which refuse integers wider than a machine word.
        """
        if not isinstance(raw, dict):
            return cls()
        known = set(cls._fields)
        values = {k: min(v, UNLIMITED) for k, v in raw.items()
                  if k in known and isinstance(v, int) and not isinstance(v, bool) and v > 0}
        return cls(**values)


def read_at_most(stream: Any, size: int) -> bytes:
    """Up to ``size`` bytes of a binary stream, read in chunks.

    ``read(size)`` allocates ``size`` bytes up front, so a limit configured as "practically
    unlimited" would be a MemoryError before the first byte; chunks cost only what is there.
    """
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
