"""The ``/`` page: the runtime report of ``crashlint runtime -o html``, from the watcher's live results."""

from __future__ import annotations

from crashlint.runtime.html import render_html
from crashlint.watch.judge import as_report
from crashlint.watch.streams import Health
from crashlint.watch.watcher import Watcher

TITLE = "crashlint watch"


def staleness(health: list[Health]) -> str | None:
    """Why the data may be out of date (kinds not listed yet, or reconnecting); None when current."""
    unlisted = [h.kind for h in health if not h.synced]
    behind = [h.kind for h in health if h.synced and not h.up]
    parts = ([f"{', '.join(unlisted)} not listed yet"] if unlisted else []) + (
        [f"{', '.join(behind)} not watched right now (reconnecting to the API server); shown as last seen"]
        if behind else [])
    return "; ".join(parts) or None


def render(watcher: Watcher, health: list[Health]) -> str:
    report = as_report(list(watcher.results.values()), watcher.clock(), watcher.policy)
    return render_html(report, stale=staleness(health), title=TITLE)
