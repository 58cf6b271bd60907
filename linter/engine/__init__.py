"""The engine and its entry points: ``runner`` runs the enabled rules over loaded objects and turns
their hits into positioned, configured findings; ``api`` (``lint_paths``, ``lint_objects``) is the
one call every front end — the CLI, the webhook, runtime mode, the fixer — makes.
"""
