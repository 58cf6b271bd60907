"""The image reference grammar, case by case (distribution/reference)."""

import pytest

from crashlint.model.imageref import InvalidReference, matches, parse


@pytest.mark.parametrize("ref, domain, repo, tag, digest", [
    ("busybox", None, "busybox", None, None),
    ("busybox:1.36", None, "busybox", "1.36", None),
    ("registry:5000/app", "registry:5000", "app", None, None),
    ("localhost:5000/a/b:1.0", "localhost:5000", "a/b", "1.0", None),
    ("localhost/app", "localhost", "app", None, None),
    ("[::1]:5000/app:1", "[::1]:5000", "app", "1", None),
    ("ghcr.io/org/team/app:v1.2.3-rc.1", "ghcr.io", "org/team/app", "v1.2.3-rc.1", None),
    ("nginx@sha256:" + "a" * 64, None, "nginx", None, "sha256:" + "a" * 64),
    ("nginx:latest@sha256:" + "b" * 64, None, "nginx", "latest", "sha256:" + "b" * 64),
    ("my__repo/a-b.c_d:TAG_1", None, "my__repo/a-b.c_d", "TAG_1", None),
])
def test_valid_references(ref, domain, repo, tag, digest):
    r = parse(ref)
    assert (r.domain, r.repository, r.tag, r.digest) == (domain, repo, tag, digest)


@pytest.mark.parametrize("ref, reason", [
    ("", "empty"),
    (" nginx", "whitespace"),
    ("ngi nx", "whitespace"),
    ("Nginx:1.0", "lowercase"),
    ("registry.example.com/Team/app", "lowercase"),
    ("app:", "empty"),
    ("app:" + "a" * 129, "128"),
    ("app:-x", "must not start"),
    ("app@sha256:abc", "algorithm:hex"),
    ("app@sha256:" + "a" * 63, "64 hex"),
    ("app@sha512:" + "a" * 64, "128 hex"),
    ("a//b", "empty component"),
    ("a/b/", "empty component"),
    ("app-:1", "invalid"),
    ("-bad.example.com/app", "not a valid host"),
])
def test_invalid_references(ref, reason):
    with pytest.raises(InvalidReference, match=reason):
        parse(ref)


def test_docker_hub_library_prefix_is_normalised_for_matching():
    assert parse("docker.io/library/busybox:1.36").path == "busybox"
    assert matches(parse("docker.io/library/busybox"), ["busybox"]) == "busybox"
    assert matches(parse("registry.k8s.io/busybox"), ["busybox"]) == "busybox"
    assert matches(parse("quay.io/curlimages/curl:8"), ["curlimages/curl"]) == "curlimages/curl"
    assert matches(parse("example.com/mybusybox"), ["busybox"]) is None
    assert matches(parse("public.ecr.aws/docker/library/node:20"), ["node"]) == "node"
    assert matches(parse("ubi-minimal:9"), ["ubi-*"]) == "ubi-*"


def test_bare_patterns_name_official_images_only():
    # calico/node is the Calico agent, not Node.js; kindest/node is a kind node image.
    for image in ("docker.io/calico/node:v3.26.4", "kindest/node:v1.29.0", "someorg/python:3", "jetbrains/toolbox"):
        assert matches(parse(image), ["node", "python", "toolbox"]) is None, image
    assert matches(parse("bitnami/redis"), ["redis"]) is None
    assert matches(parse("bitnami/redis"), ["bitnami/redis"]) == "bitnami/redis"
