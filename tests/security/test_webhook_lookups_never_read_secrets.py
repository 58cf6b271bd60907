"""Issue 9 #1: no field of an admission request reaches a look-up URL unchecked.

A direct caller once sent ``"namespace": "kube-system/secrets?x="`` and made the webhook GET
``/api/v1/namespaces/kube-system/secrets`` as plain JSON, Secret values included. Every request
the fake API receives is recorded; whatever the reviews contain, each must be a LIST of one of
the four kinds in one valid namespace, and Secrets only ever as ``PartialObjectMetadataList``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crashlint.sources.cluster import ClusterSource
from crashlint.sources.kubeapi import METADATA_LIST_ACCEPT
from crashlint.webhook.lookups import CachedLookup
from fakeapi import recorded_cluster, write_kubeconfig
from harness.webhook import Webhook, admission_review, fixture, make_certs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PATH = re.compile(r"/api/v1/namespaces/[a-z0-9]([-a-z0-9]*[a-z0-9])?/(configmaps|secrets|serviceaccounts|services)")
NAME_SELECTOR = re.compile(r"metadata\.name=[a-z0-9]([-a-z0-9.]*[a-z0-9])?")
HOSTILE_STRINGS = [
    "kube-system/secrets?x=", "../../../api/v1/secrets?x=", "shop/../kube-system", "a%2Fb", "shop?watch=1",
    "shop#frag", "SHOP", "x" * 64, "shop\n", "shop\u0000", "ѕhop", "", " ", "/", ".", "..",
]


def _check_requests(api: Any) -> None:
    for r in api.requests:
        assert PATH.fullmatch(r.path), r.path
        assert set(r.query) <= {"limit", "continue", "fieldSelector"}, r.query
        for sel in r.query.get("fieldSelector", []):
            assert NAME_SELECTOR.fullmatch(sel), sel
        if r.path.endswith("/secrets"):
            assert r.headers["accept"] == METADATA_LIST_ACCEPT, r.headers  # no JSON fallback offered


@pytest.fixture(scope="module")
def api() -> Iterator[Any]:
    fake = recorded_cluster().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, api: Any) -> Iterator[Webhook]:
    d = tmp_path_factory.mktemp("lookups")
    kc = write_kubeconfig(d / "kubeconfig", api.url)
    wh = Webhook(make_certs(d / "certs"), ["--config", str(FIXTURES / "webhook" / "crashlint.yaml"),
                                           "--kubeconfig", str(kc), "--workers", "1"], d / "server.log")
    yield wh
    wh.stop()


@pytest.mark.parametrize("namespace", [s for s in HOSTILE_STRINGS if s])
def test_a_forged_namespace_is_a_bad_request_and_asks_nothing(server: Webhook, api: Any, namespace: str) -> None:
    before = len(api.requests)
    status, body = server.post(admission_review(fixture("deployment-refs.yaml"), namespace=namespace))
    assert status == 400 and "namespace" in body["error"], body
    assert len(api.requests) == before


def _with_names(name: str) -> dict[str, Any]:
    """A Deployment whose every reference (ConfigMap, Secret, key, ServiceAccount, pull secret) is ``name``."""
    obj = copy.deepcopy(fixture("deployment-refs.yaml"))
    spec = obj["spec"]["template"]["spec"]
    spec["serviceAccountName"] = name
    spec["imagePullSecrets"] = [{"name": name}]
    c = spec["containers"][0]
    c["envFrom"] = [{"configMapRef": {"name": name}}, {"secretRef": {"name": name}}]
    c["env"] = [{"name": "K", "valueFrom": {"secretKeyRef": {"name": name, "key": name}}}]
    spec["volumes"] = [{"name": "v", "secret": {"secretName": name}}, {"name": "w", "configMap": {"name": name}}]
    return obj


def test_hostile_reference_names_never_shape_a_request(server: Webhook, api: Any) -> None:
    for name in HOSTILE_STRINGS + ["app-config", "db.creds"]:
        status, body = server.post(admission_review(_with_names(name), namespace="shop"))
        assert status == 200, body
    assert api.requests, "the look-up path was exercised"
    _check_requests(api)
    # the valid names were asked for by name; the invalid ones never were
    selectors = {s for r in api.requests for s in r.query.get("fieldSelector", [])}
    assert "metadata.name=db.creds" in selectors
    assert all(NAME_SELECTOR.fullmatch(s) for s in selectors)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(namespace=st.text(max_size=70), names=st.lists(st.text(max_size=70), max_size=4))
def test_any_text_as_namespace_or_name_stays_inside_the_four_lists(api: Any, tmp_path_factory: pytest.TempPathFactory,
                                                                   namespace: str, names: list[str]) -> None:
    kc = write_kubeconfig(tmp_path_factory.mktemp("kc") / "kubeconfig", api.url)
    lookup = CachedLookup(ClusterSource(kubeconfig=str(kc), in_cluster=False), budget=2.0)
    try:
        lookup.lookup(namespace)
        lookup.verify(namespace, [(k, n) for n in names for k in ("ConfigMap", "Secret", "ServiceAccount")])
    finally:
        lookup.close()
    _check_requests(api)
