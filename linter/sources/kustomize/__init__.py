"""Native kustomize builds with exact source positions (see ``build.build_tree``)."""

from crashlint.sources.kustomize.build import KustomizeResult, build_tree, find_units
from crashlint.sources.kustomize.origins import BuiltObject

__all__ = ["BuiltObject", "KustomizeResult", "build_tree", "find_units"]
