"""One fake Kubernetes API for every test and benchmark that needs a cluster.

How it is imported: the helper packages of the suite (``fakeapi``, ``harness``) sit in
``tests/`` and are imported by their top-level names. pytest puts ``tests/`` on ``sys.path``
(``tests/conftest.py`` is a rootdir conftest, imported in prepend mode); ``bench/`` scripts insert
it themselves (bench/README.md). Nothing imports from ``bench/``.

    from fakeapi import FakeAPI, load_objects, write_kubeconfig

    with FakeAPI(load_objects(path), page_size=2) as api:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", api.url)
        ...  # the official client, crashlint --kubeconfig ..., a webhook server
        assert [r.path for r in api.requests] == [...]
"""

from .files import CLUSTER_FIXTURES, TOKEN, closed_port_url, load_objects, recorded_cluster, write_kubeconfig
from .server import FakeAPI, Request, failure
from .store import RESOURCES, Resource

__all__ = ["CLUSTER_FIXTURES", "RESOURCES", "TOKEN", "FakeAPI", "Request", "Resource", "closed_port_url", "failure",
           "load_objects", "recorded_cluster", "write_kubeconfig"]
