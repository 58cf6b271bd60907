"""Previous logs of crashed containers (``--logs``), read off the analysis thread, once per dead instance.

A crashed container's previous log is evidence ("last log line" in the Event, the log tail on
the page). It is read once per container instance, keyed by pod uid, container and restart
count, so a crash loop costs one read per restart and a re-evaluation none; results (the text,
or None when the kubelet has no previous instance or RBAC forbids it) are kept in a bounded
LRU cache. Reads run on a small pool; when one finishes the workload is re-judged, and the
watcher holds that workload's new verdicts back until its logs are in, so the Event carries
the log line. A read that fails is never retried for the same instance.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from crashlint.watch.errors import one_line

log = logging.getLogger("crashlint.watch")
PENDING = object()
CACHE_ENTRIES = 2000

LogKey = tuple[str, str, int]  # pod uid, container, restart count


class LogFetcher:
    """Fetches and caches previous logs; ``ready(workload)`` is called when one arrives."""

    def __init__(self, api_client: Any, live: dict[str, Any], ready: Callable[[str], None], workers: int = 4) -> None:
        self.api_client = api_client
        self.tail = int(live.get("log_tail_lines", 100))
        self.limit_bytes = int(live.get("log_limit_bytes", 65536))
        self.timeout = float(live.get("request_timeout_seconds", 30))
        self.ready = ready
        self._cache: OrderedDict[LogKey, str | None] = OrderedDict()
        self._pending: set[LogKey] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crashlint-watch-logs")
        self.reads: Counter[str] = Counter()  # read | none (no previous instance, or an error) | forbidden

    def want(self, key: LogKey, namespace: str, pod: str, workload: str) -> Any:
        """The log text, None (none to be had), or PENDING (asked for; ``ready`` follows)."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            if key not in self._pending:
                self._pending.add(key)
                self._pool.submit(self._fetch, key, namespace, pod, workload)
            return PENDING

    def _fetch(self, key: LogKey, namespace: str, pod: str, workload: str) -> None:
        from kubernetes import client

        text: str | None = None
        outcome = "none"
        try:
            api: Any = client.CoreV1Api(self.api_client)  # _preload_content=False: the raw response, not a str
            resp = api.read_namespaced_pod_log(
                pod, namespace, container=key[1], previous=True, tail_lines=self.tail, limit_bytes=self.limit_bytes,
                _preload_content=False, _request_timeout=self.timeout)
            text = resp.data.decode("utf-8", "replace")
            outcome = "read"
        except client.ApiException as exc:
            if exc.status == 403:
                outcome = "forbidden"  # no get on pods/log: the evidence goes without logs
        except Exception as exc:  # a log is evidence, never a reason to stop
            log.warning("previous log of %s/%s [%s]: %s", namespace, pod, key[1], one_line(exc))
        with self._lock:
            self.reads[outcome] += 1
            self._pending.discard(key)
            self._cache[key] = text
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        self.ready(workload)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
