"""The object model every later stage talks about: Kubernetes objects with their origin
(``objects``, ``document``), the pod-running workloads (``workloads``), what exists
(``inventory``), exact quantities and image references, the one safe nested read, and the
hits and findings rules and reporters exchange.

Plain data and its grammar: this package imports nothing else of crashlint.
"""
