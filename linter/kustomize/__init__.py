"""Native kustomize builds with exact source positions (see ``build.build_tree``)."""

from .build import KustomizeResult, build_tree, find_units
from .origins import BuiltObject

__all__ = ["BuiltObject", "KustomizeResult", "build_tree", "find_units"]
