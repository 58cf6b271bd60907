"""``crashlint fix``: apply the safe fixes findings carry (RFC 6902 patches) back into the files
they came from, keeping comments and layout (``apply``; ``command`` is the sub-command)."""
