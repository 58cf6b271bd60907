"""``.crashlint.yaml`` semantics below the CLI: image ``match`` patterns with a registry host,
``exclude`` relative to the config's directory, and the ``min_severity`` key."""

from __future__ import annotations

from pathlib import Path

import pytest

from crashlint.settings.config import ConfigError, load_settings
from crashlint.model.imageref import matches, parse


@pytest.mark.parametrize("image, pattern, named", [
    # A pattern that starts with a registry host names that registry only.
    ("registry.example.com/tools/toolbox:1.4", "registry.example.com/tools/toolbox", True),
    ("registry.example.com/tools/toolbox@sha256:" + "a" * 64, "registry.example.com/tools/toolbox", True),
    ("REGISTRY.example.com/tools/toolbox", "registry.example.com/tools/toolbox", True),  # hosts ignore case
    ("other.example.com/tools/toolbox:1.4", "registry.example.com/tools/toolbox", False),
    ("tools/toolbox:1.4", "registry.example.com/tools/toolbox", False),
    ("registry.example.com/tools/toolbox-extra", "registry.example.com/tools/toolbox", False),
    ("registry.example.com:5000/app", "registry.example.com:5000/app", True),
    ("registry.example.com/app", "registry.example.com:5000/app", False),
    ("localhost/app:dev", "localhost/app", True),
    # Docker Hub has several spellings; `docker.io/...` patterns name all of them.
    ("busybox:1.36", "docker.io/library/busybox", True),
    ("index.docker.io/library/busybox", "docker.io/busybox", True),
    ("bitnami/redis:7", "docker.io/bitnami/redis", True),
    ("quay.io/bitnami/redis:7", "docker.io/bitnami/redis", False),
    # A trailing * is a prefix of the whole name.
    ("ghcr.io/acme/debug-shell:2", "ghcr.io/acme/debug-*", True),
    ("ghcr.io/acme/api:2", "ghcr.io/acme/*", True),
    ("ghcr.io/acme/team/api:2", "ghcr.io/acme/*", True),
    ("ghcr.io/acme:2", "ghcr.io/acme/*", False),
    ("ghcr.io/acmecorp/api:2", "ghcr.io/acme/*", False),
    ("docker.io/acme/api:2", "ghcr.io/acme/*", False),
    ("ghcr.io/anything/at-all", "ghcr.io/*", True),
    # Without a host, a path names that repository on any registry; * is a path prefix.
    ("quay.io/bitnami/redis:7", "bitnami/*", True),
    ("bitnami/redis:7", "bitnami/*", True),
    ("quay.io/notbitnami/redis", "bitnami/*", False),
])
def test_match_patterns_with_a_registry_host(image: str, pattern: str, named: bool) -> None:
    assert (matches(parse(image), [pattern]) == pattern) is named


def test_hostile_patterns_are_ignored() -> None:
    ref = parse("busybox")
    assert matches(ref, [None, 3, "", "*", "busybox"]) in ("*", "busybox")  # type: ignore[list-item]
    assert matches(ref, [None, 3, ""]) is None  # type: ignore[list-item]


def _settings(tmp_path: Path, text: str):
    cfg = tmp_path / "repo" / ".crashlint.yaml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(text)
    return load_settings(str(cfg))


@pytest.mark.parametrize("pattern, rel, excluded", [
    ("k8s/vendor", "k8s/vendor/a.yaml", True),
    ("k8s/vendor", "k8s/vendor/deep/b.yaml", True),
    ("k8s/vendor", "other/k8s/vendor/a.yaml", False),  # a pattern with / is anchored at the config
    ("k8s/vendor/", "k8s/vendor/a.yaml", True),
    ("./k8s/vendor", "k8s/vendor/a.yaml", True),
    ("vendor", "any/depth/vendor/a.yaml", True),  # without /: a name at any depth
    ("*.generated.yaml", "k8s/app.generated.yaml", True),
    ("*.generated.yaml", "k8s/app.yaml", False),
    ("charts/*/templates/tests/*", "charts/web/templates/tests/t.yaml", True),
    ("vendor/**", "vendor/lib/a.yaml", True),
])
def test_exclude_is_relative_to_the_config_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     pattern: str, rel: str, excluded: bool) -> None:
    settings = _settings(tmp_path, f"exclude: [{pattern!r}]\n")
    repo = tmp_path / "repo"
    (repo / "sub").mkdir(exist_ok=True)
    for cwd, spelled in ((repo, rel), (repo / "sub", "../" + rel), (tmp_path, str(repo / rel)),
                         (tmp_path, "repo/" + rel)):
        monkeypatch.chdir(cwd)
        assert settings.excluded(spelled) is excluded, (cwd, spelled)


def test_paths_outside_the_config_directory_match_only_name_patterns(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "exclude: [k8s/vendor, '*.tmpl.yaml']\n")
    outside = tmp_path / "elsewhere"
    assert not settings.excluded(str(outside / "k8s" / "vendor" / "a.yaml"))
    assert settings.excluded(str(outside / "k8s" / "x.tmpl.yaml"))
    assert not settings.excluded("-") and not settings.excluded("<stdin>")


@pytest.mark.parametrize("value", ["error", "warning", "info"])
def test_min_severity_key(tmp_path: Path, value: str) -> None:
    assert _settings(tmp_path, f"min_severity: {value}\n").min_severity == value


def test_min_severity_unset_leaves_the_choice_to_the_output(tmp_path: Path) -> None:
    assert _settings(tmp_path, "rules: {}\n").min_severity is None
    assert load_settings(raw={}).min_severity is None


@pytest.mark.parametrize("value", ["notice", "ERROR", 3, "[warning]", "null-ish"])
def test_min_severity_refuses_what_is_not_a_severity(tmp_path: Path, value: object) -> None:
    with pytest.raises(ConfigError, match="min_severity must be one of error, warning, info"):
        _settings(tmp_path, f"min_severity: {value}\n")


def test_unknown_keys_name_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown config keys: min-severity \(known: rules, exclude, min_severity"):
        _settings(tmp_path, "min-severity: warning\n")
    with pytest.raises(ConfigError, match="unknown config keys: 1"):
        _settings(tmp_path, "1: x\nrules: {}\n")


@pytest.mark.parametrize("match", ["registry.example.com/tools/toolbox", "[1]", "['']", "{a: b}"])
def test_an_images_match_that_is_not_a_list_of_patterns_is_refused(tmp_path: Path, match: str) -> None:
    with pytest.raises(ConfigError, match=r"images\.run_to_completion\[0\]\.match must be a list of image patterns"):
        _settings(tmp_path, f"images:\n  run_to_completion:\n    - {{match: {match}, cmd: [sh]}}\n")
