"""The shipped policies, parsed once and kept pre-parsed between runs.

Parsing ``policies/*.yaml`` (about 140 KB of YAML, 15-20 ms) is a fixed cost of every
``crashlint`` start, paid again by every pre-commit run. :func:`parsed_files`
keeps what the parser made as JSON in the user's cache and reuses it while the files are
unchanged:

* **Key.** Every file's name, size and CRC-32, and the parser's own name and version: any
  edit, an added or removed file, or another PyYAML rebuilds it. Reading the files and their
  checksums costs well under a millisecond; nothing relies on modification times. A checksum,
  not a cryptographic hash: the key detects edits (a changed file keeps its size and CRC-32
  with a chance of 2^-32), it does not defend against anyone, since whoever can write the
  policies can write the cache's directory too; and ``hashlib`` would cost more than all the
  rest (importing it loads OpenSSL: 3-4 ms of every start, ``bench/README.md``).
* **Where.** ``$CRASHLINT_CACHE_DIR`` (an empty value turns the cache off), else
  ``$XDG_CACHE_HOME/crashlint``, else ``~/.cache/crashlint``; one file per installation (named
  after where its policies are), so two virtual environments do not evict each other.
* **Safe.** Only plain data is cached, as JSON: reading it cannot run code, unlike pickle. The
  directory is created 0700 and used only if it is a real directory (not a symlink) owned by
  this user and writable by no one else; the file is read only if it is a regular file of this
  user (``O_NOFOLLOW``), and written to a fresh 0600 temporary file then moved over with
  ``os.replace``, so a reader never sees half a file and nothing is written through a link. A
  cache that is corrupt, foreign or for other files is ignored and rewritten; a cache that
  cannot be read or written (a read-only home, a container without one) is simply not used.
"""

from __future__ import annotations

import binascii
import json
import math
import os
import stat
from collections.abc import Callable, Mapping

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

FORMAT = 2  # 2: the key names each file's size and CRC-32 (1 had a SHA-256 "digest")
MAX_CACHE_BYTES = 32 * 1024 * 1024  # far above the policies' size; a bigger file is not ours
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def parsed_files(files: Mapping[str, str], parse: Callable[[bytes], Any], parser: str) -> dict[str, Any]:
    """Each of ``files`` (name -> its path) as ``parse`` makes of its bytes, by name.

    ``parser`` names the parser and its version: it is part of the cache key, so another parser
    never reuses what this one made. Documents that are not plain JSON data (a YAML timestamp, a
    number as a mapping key) are returned as parsed but not cached.
    """
    contents = {name: _read_bytes(path) for name, path in files.items()}
    key = _key(contents, parser)
    path = _cache_file(files)
    if path is not None:
        cached = _read(path, key, list(contents))
        if cached is not None:
            return cached
    documents = {name: parse(data) for name, data in contents.items()}
    if path is not None and _plain(documents):
        _write(path, {"format": FORMAT, "key": key, "documents": documents})
    return documents


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def cache_dir() -> str | None:
    """Where the cache lives, or None when it is turned off or there is no home to keep it in."""
    configured = os.environ.get("CRASHLINT_CACHE_DIR")
    if configured is not None:
        return configured or None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG base directory spec: a relative value is ignored
        return os.path.join(xdg, "crashlint")
    home = os.path.expanduser("~")
    if home == "~":  # no HOME and no passwd entry
        return None
    return os.path.join(home, ".cache", "crashlint")


def _key(contents: Mapping[str, bytes], parser: str) -> str:
    """What the cached documents were made from: the format, the parser, and each file's name,
    size and CRC-32, one per line (plain text: a stale cache can be read and understood)."""
    lines = [f"crashlint policy cache {FORMAT}", parser]
    lines += [f"{name} {len(data)} {binascii.crc32(data):08x}" for name, data in sorted(contents.items())]
    return "\n".join(lines)


def _cache_file(files: Mapping[str, str]) -> str | None:
    """This installation's cache file, in a directory that is safe to use (created if missing)."""
    directory = cache_dir()
    if directory is None or not _NOFOLLOW:
        return None
    where = "\0".join(sorted(files.values()))
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        st = os.lstat(directory)
    except (OSError, ValueError):
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        return None  # a symlink, someone else's, or writable by others: not ours to trust
    return os.path.join(directory, f"policies-{binascii.crc32(where.encode('utf-8', 'surrogateescape')):08x}.json")


def _read(path: str, key: str, names: list[str]) -> dict[str, Any] | None:
    """The cached documents when ``path`` holds this user's cache of exactly these files, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022 \
                or st.st_size > MAX_CACHE_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(MAX_CACHE_BYTES + 1)
        data = json.loads(raw, parse_constant=_refuse)
    except (OSError, ValueError, RecursionError):  # unreadable, not JSON (UnicodeDecodeError is a ValueError)
        return None
    finally:
        os.close(fd)
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return None
    documents = data.get("documents")
    if not isinstance(documents, dict) or set(documents) != set(names):
        return None
    return {name: documents[name] for name in names}  # in the order asked for, as parsing gives them


def _refuse(constant: str) -> Any:
    """``NaN`` and ``Infinity`` are not JSON, and never written here: the file is not ours."""
    raise ValueError(f"not JSON: {constant}")


def _write(path: str, payload: dict[str, Any]) -> None:
    """Replace ``path`` atomically with ``payload``; a cache that cannot be written is no error."""
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        text = json.dumps(payload, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except (OSError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _plain(value: Any) -> bool:
    """True when JSON gives back exactly ``value``: mappings with string keys, lists, strings,
    finite numbers, booleans and null, and nothing else (a YAML timestamp or an integer key
    would come back different, so such documents are not cached)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return False
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif not (item is None or isinstance(item, (str, int))):  # bool is an int
            return False
    return True
