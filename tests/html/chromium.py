"""Headless Chromium driven over the DevTools protocol on a pipe: load a page, read its DOM, its
console and its exceptions, take a screenshot.

Debian's ``chromium`` is the browser (``.ci/run`` installs it). ``--remote-debugging-pipe`` gives
the DevTools protocol on file descriptors 3 (commands in) and 4 (replies and events out), as
JSON messages ended by a NUL byte: no port, no network, no driver binary and no Python package
beyond the standard library. Console messages, uncaught exceptions and browser log entries
(a Content-Security-Policy violation, a resource that failed to load) are all collected, so a
test can require that a page produced none.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The flags every run uses: headless, no sandbox (CI runs as root), nothing reaching the network.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars")
TIMEOUT = 60.0  # seconds for one command; a loaded machine starts Chromium in 1-5 s


def find_chromium() -> str | None:
    """The browser binary: $CHROMIUM, else Debian's ``chromium`` on PATH."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


class BrowserError(RuntimeError):
    """Chromium died, timed out, or answered a command with an error."""


@dataclass
class Loaded:
    """What a page left after loading: problems it reported, and the session to query it further."""

    problems: list[str] = field(default_factory=list)  # console errors/warnings, exceptions, log errors
    session: str = ""


class Chromium:
    """One headless browser with a fresh profile; use as a context manager."""

    def __init__(self, binary: str, profile: Path, width: int = 1100, height: int = 900) -> None:
        self.width, self.height = width, height
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()
        # The child's ends go to 3 and 4 through copies above 10, so neither dup2 can overwrite the
        # other's source. posix_spawn, not a preexec_fn: test workers run threads, and Python code
        # between fork and exec may deadlock there.
        high_r, high_w = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10), fcntl.fcntl(res_w, fcntl.F_DUPFD_CLOEXEC, 10)
        argv = [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        try:
            self._pid = os.posix_spawnp(binary, argv, dict(os.environ), file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_DUP2, high_r, 3),
                (os.POSIX_SPAWN_DUP2, high_w, 4)], setpgroup=0)  # its own group: its helpers go with it
        finally:
            for fd in (cmd_r, res_w, high_r, high_w):
                os.close(fd)
        self._exit: int | None = None
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except (BrowserError, OSError):
            pass
        if not self._exited(within=10):
            os.killpg(self._pid, signal.SIGKILL)
            self._exited(within=10)
        for fd in (self._cmd_w, self._res_r):
            try:
                os.close(fd)
            except OSError:
                pass

    def _exited(self, within: float) -> bool:
        """Whether the browser has exited (reaped), waiting up to ``within`` seconds."""
        deadline = time.monotonic() + within
        while self._exit is None:
            pid, status = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                self._exit = os.waitstatus_to_exitcode(status)
            elif time.monotonic() > deadline:
                return False
            else:
                time.sleep(0.05)
        return True

    # -- the protocol --------------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = TIMEOUT) -> dict[str, Any]:
        """Run one command and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The first event ``method`` of ``session``, kept or still to come."""
        deadline = time.monotonic() + timeout
        while True:
            for ev in self._events:
                if ev.get("method") == method and ev.get("sessionId") == session:
                    return ev
            self._events.append(self._receive(deadline))

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("no answer from Chromium in time")
            ready, _, _ = select.select([self._res_r], [], [], left)
            if ready:
                chunk = os.read(self._res_r, 1 << 20)
                if not chunk:
                    self._exited(within=5)
                    raise BrowserError(f"Chromium exited (code {self._exit})")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    # -- what the tests use --------------------------------------------------------------------

    def load(self, page: Path, media: str | None = None) -> Loaded:
        """Open ``page`` (a file) in a new tab and wait for its load event."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": self.width, "height": self.height,
                                                         "deviceScaleFactor": 1, "mobile": False}, session)
        if media:
            self.send("Emulation.setEmulatedMedia", {"media": media}, session)
        self.send("Page.navigate", {"url": page.resolve().as_uri()}, session)
        self.wait_for("Page.loadEventFired", session)
        self.evaluate(session, "new Promise(r => requestAnimationFrame(() => r(1)))")  # layout done
        return Loaded(self._problems(session), session)

    def _problems(self, session: str) -> list[str]:
        out = []
        for ev in self._events:
            if ev.get("sessionId") != session:
                continue
            p = ev.get("params", {})
            if ev.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                out.append(f"console.{p['type']}: " + " ".join(str(a.get("value", a.get("description")))
                                                              for a in p.get("args", ())))
            elif ev.get("method") == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:500])
            elif ev.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                entry = p["entry"]
                out.append(f"log {entry.get('level')} ({entry.get('source')}): {entry.get('text')}")
        return out

    def evaluate(self, session: str, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page (awaited if it is a promise)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, session: str, path: Path, max_height: int = 4000) -> Path:
        """A PNG of the page from the top, as tall as its content (at most ``max_height`` px)."""
        height = min(int(self.evaluate(session, "document.documentElement.scrollHeight")), max_height)
        data = self.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1}}, session)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def pdf(self, session: str) -> bytes:
        """The page printed (A4), as Chromium's print preview would give it."""
        data = self.send("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69}, session)["data"]
        return base64.b64decode(data)
