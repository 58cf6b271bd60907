"""Container image references, parsed by the grammar the container runtime applies.

The grammar is distribution/reference's (what containerd and CRI-O use to reject a reference
with ``InvalidImageName``)::

    reference  := name [ ":" tag ] [ "@" digest ]
    name       := [domain "/"] path-component ("/" path-component)*
    domain     := host [":" port]      (first component with "." or ":", or "localhost")
    path-comp  := [a-z0-9]+ (([._]|__|[-]+) [a-z0-9]+)*
    tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
    digest     := algorithm ":" hex    (sha256: 64 hex, sha512: 128 hex)
"""

from __future__ import annotations

import re
from functools import lru_cache

from crashlint.model.record import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Final

_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?")
_TAG = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
_DIGEST = re.compile(r"([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):([0-9a-fA-F]{32,})")
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
MAX_NAME_LENGTH = 255


class ImageRef(Value):
    """A parsed reference; ``repository`` excludes the domain, ``path`` is what knowledge bases match."""

    domain: Final[str | None]
    repository: Final[str]
    tag: Final[str | None]
    digest: Final[str | None]

    __slots__ = ("domain", "repository", "tag", "digest")

    def __init__(self, domain: str | None, repository: str, tag: str | None, digest: str | None) -> None:
        self.domain = domain
        self.repository = repository
        self.tag = tag
        self.digest = digest

    @property
    def path(self) -> str:
        """Repository with Docker Hub's implicit ``library/`` removed: ``busybox``, ``bitnami/redis``."""
        repo = self.repository
        if self.domain in (None, "docker.io", "index.docker.io", "registry-1.docker.io") and repo.startswith("library/"):
            return repo[len("library/"):]
        return repo

    @property
    def basename(self) -> str:
        return self.repository.rsplit("/", 1)[-1]


class InvalidReference(ValueError):
    """Why the runtime would answer InvalidImageName."""


def parse(ref: str) -> ImageRef:
    """Parse ``ref`` or raise :class:`InvalidReference` with the reason in plain words."""
    if not ref:
        raise InvalidReference("the image is empty")
    if ref != ref.strip():
        raise InvalidReference("the image has leading or trailing whitespace")
    if any(c.isspace() for c in ref):
        raise InvalidReference("the image contains whitespace")
    rest, digest = ref, None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
        m = _DIGEST.fullmatch(digest)
        if not m:
            raise InvalidReference(f"digest '{digest}' is not algorithm:hex (e.g. sha256: and 64 hex digits)")
        # The runtime then validates with go-digest: known algorithms, lowercase hex, exact length.
        want = _DIGEST_LENGTHS.get(m.group(1))
        if want is None:
            raise InvalidReference(f"digest algorithm '{m.group(1)}' is not supported (sha256, sha384, sha512)")
        if m.group(2) != m.group(2).lower():
            raise InvalidReference("digest hex digits must be lowercase")
        if len(m.group(2)) != want:
            raise InvalidReference(f"{m.group(1)} digest must have {want} hex digits, not {len(m.group(2))}")
    tag = None
    last_slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > last_slash:
        rest, tag = rest[:colon], rest[colon + 1:]
        if not _TAG.fullmatch(tag):
            if not tag:
                raise InvalidReference("the tag after ':' is empty")
            if len(tag) > 128:
                raise InvalidReference(f"the tag is {len(tag)} characters long (at most 128)")
            raise InvalidReference(f"tag '{tag}' may only hold letters, digits, '_', '.' and '-' "
                                   "and must not start with '.' or '-'")
    if not rest:
        raise InvalidReference("the image has no repository name")
    if len(rest) > MAX_NAME_LENGTH:
        raise InvalidReference(f"the repository name is longer than {MAX_NAME_LENGTH} characters")
    parts = rest.split("/")
    domain = None
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"
                           or parts[0] != parts[0].lower()):
        domain = parts[0]
        if not _DOMAIN.fullmatch(domain):
            raise InvalidReference(f"registry host '{domain}' is not a valid host[:port]")
        parts = parts[1:]
    for comp in parts:
        if not _PATH_COMPONENT.fullmatch(comp):
            if comp != comp.lower():
                raise InvalidReference(f"repository name must be lowercase ('{comp}')")
            if not comp:
                raise InvalidReference("the repository path has an empty component ('//' or a trailing '/')")
            raise InvalidReference(f"repository path component '{comp}' is invalid "
                                   "(lowercase letters and digits, separated by '.', '_', '__' or '-')")
    return ImageRef(domain, "/".join(parts), tag, digest)


_HUB_HOSTS = ("docker.io", "index.docker.io", "registry-1.docker.io")


def _has_host(pattern: str) -> bool:
    """Whether a pattern's first component is a registry host, as :func:`parse` decides for references."""
    first, sep, _ = pattern.partition("/")
    return bool(sep) and ("." in first or ":" in first or first == "localhost")


def _full_name(domain: str | None, repository: str) -> str:
    """``host/path`` with Docker Hub spelled one way: ``busybox`` is ``docker.io/library/busybox``."""
    if domain is None or domain in _HUB_HOSTS:
        return "docker.io/" + (repository if "/" in repository else "library/" + repository)
    return f"{domain.lower()}/{repository}"


def _pattern_full_name(pattern: str) -> str:
    host, _, rest = pattern.partition("/")
    return _full_name(host, rest) if rest else f"{host.lower()}/"  # ``ghcr.io/*``: the whole registry


def matches(ref: ImageRef, patterns: list[str]) -> str | None:
    """The first pattern that names this image.

    A pattern that starts with a registry host (``registry.example.com/team/app``,
    ``docker.io/bitnami/redis``: a first component with ``.`` or ``:``, or ``localhost``) names
    that repository on that registry only. A pattern with a ``/`` and no host
    (``curlimages/curl``) matches that repository path on any registry. A bare pattern
    (``busybox``) names an *official* image: the repository ``busybox`` or ``library/busybox``
    on any registry or mirror (``registry.k8s.io/busybox``,
    ``public.ecr.aws/docker/library/busybox``), never a namespaced one — ``calico/node`` is
    not the Node.js image. A trailing ``*`` matches a prefix instead: of that one name
    (``ubi-*``), of the path (``bitnami/*``) or of the whole name (``ghcr.io/org/*``).
    """
    path = ref.path
    full: str | None = None  # host/path, built only when a pattern names a host
    parts = path.split("/")
    official = parts[-1] if len(parts) == 1 or (len(parts) >= 2 and parts[-2] == "library") else None
    for pat in patterns:
        if not isinstance(pat, str) or not pat:
            continue
        form, stem, prefix = _compiled(pat)
        if form == _HOST:
            full = full if full is not None else _full_name(ref.domain, ref.repository)
            if full == stem or (prefix and full.startswith(stem)):
                return pat
        elif form == _PATH:
            if path == stem or path.endswith("/" + stem):
                return pat
            if prefix and (path.startswith(stem) or ("/" + stem) in path):
                return pat
        elif official is None:
            continue
        elif prefix:
            if official.startswith(stem):
                return pat
        elif official == stem:
            return pat
    return None


_HOST, _PATH, _BARE = 0, 1, 2


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> tuple[int, str, bool]:
    """A pattern's form (host, path or bare name), its stem and whether it ends in ``*``, worked out
    once: every rule matches every image against the same knowledge patterns."""
    prefix = pattern.endswith("*")
    stem = pattern[:-1] if prefix else pattern
    if _has_host(pattern):
        return _HOST, _pattern_full_name(stem), prefix
    return (_PATH if "/" in pattern else _BARE), stem, prefix


class Placeholder(Value):
    """A part of an image reference that a tool (or a person) fills in before the manifest is applied."""

    token: Final[str]  # as written: "${IMAGE}", "<DOCKER_REPO>", "PROJECT_ID", "ko://github.com/org/cmd"
    what: Final[str]  # what it is and which tool fills it in
    hint: Final[str]  # how to lint the manifest as it is applied

    __slots__ = ("token", "what", "hint")

    def __init__(self, token: str, what: str, hint: str) -> None:
        self.token = token
        self.what = what
        self.hint = hint


_DOCS = ("a placeholder of docs and samples, to replace before applying",
         "replace it with the real image (or let a kustomization's `images:` rewrite it)")
# Markers that no valid reference contains, in the order they are told apart (``${{`` before ``{{``).
_MARKED = (
    (re.compile(r"^ko://\S*"), "a ko import path: `ko resolve`/`ko apply` build the Go package and write its image",
     "lint what `ko resolve -f FILE` prints"),
    (re.compile(r"\$\{\{.*?\}\}"), "a GitHub Actions expression, filled in by the workflow",
     "lint the manifest the workflow writes"),
    (re.compile(r"\{\{.*?\}\}"), "a Helm/Go template expression, filled in when the template is rendered",
     "lint what it renders: `helm template CHART | crashlint lint -`"),
    (re.compile(r"\{%.*?%\}"), "a Jinja expression, filled in when the template is rendered (Ansible, j2)",
     "lint the rendered file"),
    (re.compile(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*"), "a variable filled in by envsubst or the shell",
     "lint what it becomes: `envsubst < FILE | crashlint lint -`"),
    (re.compile(r"<<?[^<>]+>>?"), *_DOCS),
)
# Upper-case tokens of docs and samples: REGION-docker.pkg.dev/PROJECT_ID/REPOSITORY_NAME/app.
_UPPER_TOKEN = re.compile(r"(?<![A-Za-z0-9_])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*(?![A-Za-z0-9_])")
_PLACEHOLDER_WORDS = frozenset({
    "ACCOUNT", "CLUSTER", "DIGEST", "DOMAIN", "HOST", "ID", "IMAGE", "LOCATION", "NAMESPACE", "ORG", "OWNER",
    "PROJECT", "REGION", "REGISTRY", "REPO", "REPOSITORY", "TAG", "USER", "USERNAME", "VERSION", "ZONE"})


def _upper_placeholder(text: str, strict: bool) -> str | None:
    """The first upper-case placeholder token of ``text``.

    Where upper case is already invalid (a repository path) a token with ``_`` is enough
    (``CONTAINER_IMAGE``); in a tag or a registry host, where upper case is valid, the token
    must name what is missing (``IMAGE_TAG``, ``REGION``), so ``Team/API`` or a tag ``V1_2`` is
    not taken for one.
    """
    for m in _UPPER_TOKEN.finditer(text):
        words = set(m.group().split("_"))
        if words & _PLACEHOLDER_WORDS or (not strict and len(words) > 1):
            return m.group()
    return None


def placeholder(ref: str) -> Placeholder | None:
    """The placeholder in ``ref`` that a build or render step fills in, or None for a real reference."""
    for rx, filler, hint in _MARKED:
        m = rx.search(ref)
        if m:
            return Placeholder(m.group(), filler, hint)
    try:
        parsed = parse(ref)
    except InvalidReference:
        token = _upper_placeholder(ref, strict=False)
    else:
        token = _upper_placeholder(parsed.domain or "", strict=True) or _upper_placeholder(parsed.tag or "", strict=True)
    return Placeholder(token, *_DOCS) if token else None
