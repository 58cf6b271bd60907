"""Settings: the shipped policies (``policy``, kept pre-parsed by ``policycache``) with a
repository's ``.crashlint.yaml`` over them (``config``), checked when they load. One ``Settings``
object is what ``lint``, ``runtime`` and the webhook run with.
"""
