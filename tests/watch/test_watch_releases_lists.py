"""A list is let go once its objects are handed over: an object replaced by a watch event is freed.

Before, the list-then-watch loop kept its first list (and the stream the event carrying it)
until the next relist, so every pod replaced by an update stayed in memory beside its new
version: a watcher's RSS grew towards twice the cluster's objects and never came down.
"""

from __future__ import annotations

import gc
import queue
import time
import types
from pathlib import Path
from typing import Any

from crashlint.sources import kubeapi
from crashlint.watch.streams import KINDS, Stream, StreamConfig
from fakeapi import FakeAPI, write_kubeconfig

POD = next(k for k in KINDS if k.kind == "Pod")


def _pod(name: str, image: str = "busybox:1.36") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "demo"},
            "spec": {"containers": [{"name": "app", "image": image}]}}


def test_a_listed_object_is_freed_once_the_stream_watches(tmp_path: Path) -> None:
    listed: dict[str, Any] = {}
    changes: queue.Queue[Any] = queue.Queue()

    def sink(kind: str, change: str, item: Any) -> None:
        if change == "RELIST":
            listed["first"] = item[0]  # one listed object is kept here, the list itself is not
        else:
            changes.put(item)

    with FakeAPI([_pod("a"), _pod("b")]) as api:
        conn = kubeapi.connect(str(write_kubeconfig(tmp_path / "kc", api.url, namespace="demo")), timeout=5.0)
        stream = Stream(POD, conn, StreamConfig(namespace="demo"), sink)
        stream.thread.start()
        try:
            deadline = time.monotonic() + 10
            while "first" not in listed:
                assert time.monotonic() < deadline, "the pods were never listed"
                time.sleep(0.02)
            first = listed.pop("first")
            while not api.watches():  # the stream is past its list, waiting for the first event
                assert time.monotonic() < deadline, "the stream never watched"
                time.sleep(0.02)
            gc.collect()
            holders = [type(r).__name__ for r in gc.get_referrers(first) if not isinstance(r, types.FrameType)]
            assert holders == [], f"the listed pod is still held by {holders}"
            api.add(_pod(first["metadata"]["name"], "busybox:1.37"))  # and the watch goes on
            assert changes.get(timeout=10)["metadata"]["name"] == first["metadata"]["name"]
        finally:
            stream.stop()
            conn.close()
