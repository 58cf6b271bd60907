"""Bounds on what the loader accepts, so hostile input costs a clear error instead of the machine."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Defaults fit any real manifest repository; `.crashlint.yaml` may raise them under `limits:`."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_documents: int = 100_000
    max_expanded_nodes: int = 1_000_000
    max_scalar_bytes: int = 4 * 1024 * 1024
    max_depth: int = 200
    # JSON larger than this keeps document-level positions only (json.loads is 20x faster).
    max_positioned_json_bytes: int = 8 * 1024 * 1024
    # Memory the decoded data may take, as a multiple of the input's size. Every ``{}``/``[]``
    # costs about 200 bytes as Python data, so 63 MB of ``[[[[]]]]`` took 2.9 GB; real
    # manifests have 25+ bytes of JSON per object or array and take about 10x.
    max_memory_factor: int = 20

    @classmethod
    def from_mapping(cls, raw: Any) -> "Limits":
        """Build from config data, ignoring unknown keys and non-positive or non-integer values."""
        if not isinstance(raw, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items()
                  if k in known and isinstance(v, int) and not isinstance(v, bool) and v > 0}
        return cls(**values)
