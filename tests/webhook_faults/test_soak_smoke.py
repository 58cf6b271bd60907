"""A few seconds of the soak run: every answer right, the server alive, no error in its log."""

from __future__ import annotations

from pathlib import Path

from harness import soak_webhook


def test_short_soak_has_no_errors(tmp_path: Path) -> None:
    r = soak_webhook.soak(tmp_path, seconds=6.0, rate=60.0, clients=2, cluster=True)
    assert r["requests"] == 360, r
    assert r["errors"] == 0, r["first_errors"]
    assert r["server_alive"] and r["error_lines_in_server_log"] == 0, r
    assert r["rss_first_minute_mib"] > 30, r  # the sampler read the master and workers
    assert len(r["rss_per_process_start_end_mib"]) >= 2, r  # the master and at least one worker
