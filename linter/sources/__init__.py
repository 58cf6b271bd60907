"""Sources: where manifests come from — files, directories and stdin (``loader``), kustomize units
built natively (``kustomize``), and a live cluster (``cluster``) — each read through the same guards
(``limits``) and turned into :mod:`crashlint.model` objects that remember their file and line.

The first stage of the data flow: nothing here knows any rule.
"""
