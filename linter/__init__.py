"""crashlint: catch the Kubernetes settings that make pods crash, before and after they ship."""

__version__ = "0.1.0"
