"""Chromium's own DevTools, headless, as a reader of Trace Event Format files: the
Performance panel's trace engine (``models/trace``) parses a file as it does when a
user loads it, and says what it found (threads, their slices, the flows), or the panel
shows it for a screenshot.

The DevTools frontend is the one bundled in the installed Chromium, served by the
browser itself on its debugging port (``/devtools/trace_app.html``); the browser is
driven over ``--remote-debugging-pipe`` (the DevTools protocol as NUL-separated JSON
on fds 3 and 4: no WebSocket library).  Nothing comes from the network.  (Debian's
Chromium has no ``chrome://tracing``: its trace viewer is not built in.)
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: the browser itself (Debian's ``/usr/bin/chromium`` is a shell script that would not
#: pass fds 3 and 4 on), or the one on the PATH
CHROMIUM = next(
    (
        p
        for p in ("/usr/lib/chromium/chromium", shutil.which("chromium") or "")
        if p and os.access(p, os.X_OK)
    ),
    None,
)

#: the trace engine's reading of ``text`` (a file's JSON): each thread's slices, each flow
PARSE = """
const Trace = await import('./models/trace/trace.js');
const model = Trace.TraceModel.Model.createWithAllHandlers();
await model.parse(JSON.parse(text).traceEvents);
const data = model.parsedTrace(0).data;
const threads = [];
for (const [pid, process] of data.Renderer.processes) {
  for (const [tid, thread] of process.threads) {
    threads.push({pid, tid, name: thread.name,
                  slices: (thread.entries || []).map(e => [e.name, e.ts, e.dur])});
  }
}
const flows = data.Flows.flows.map(flow => flow.map(e => [e.tid, e.ts, e.name]));
return {threads, flows};
"""

#: the Performance panel, showing ``text`` as a file the user loaded, its process open
SHOW = """
const UI = await import('./ui/legacy/legacy.js');
await UI.ViewManager.ViewManager.instance().showView('timeline');
const Timeline = await import('./panels/timeline/timeline.js');
const panel = Timeline.TimelinePanel.TimelinePanel.instance();
await panel.loadFromFile(new File([text], 'trace.json', {type: 'application/json'}));
return 'loading';
"""


class DevTools:
    """One headless Chromium and a page of its DevTools frontend."""

    def __init__(self, process: subprocess.Popen[bytes], send_fd: int, read_fd: int) -> None:
        self.process = process
        self._send, self._read = send_fd, read_fd
        self._buffer = b""
        self._next = 0
        self.session = ""
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float = 120) -> Any:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._send, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                answer = json.loads(raw)
                if answer.get("id") == self._next:
                    if "error" in answer:
                        raise RuntimeError(f"{method}: {answer['error']}")
                    return answer["result"]
                self.events.append(answer)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method}: no answer in {timeout} s")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise RuntimeError(f"{method}: Chromium ended")
            self._buffer += chunk

    def run(self, body: str, text: str) -> Any:
        """``body`` (an async function's, given ``text``) evaluated in the page."""
        script = f"(async () => {{ const text = {json.dumps(text)};\n{body}\n}})()"
        result = self.call(
            "Runtime.evaluate",
            {"expression": script, "awaitPromise": True, "returnByValue": True},
        )
        failed = result.get("exceptionDetails")
        if failed:
            raise RuntimeError(failed.get("exception", failed))
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        shot = self.call("Page.captureScreenshot", {"format": "png"})
        path.write_bytes(base64.b64decode(shot["data"]))


@contextlib.contextmanager
def devtools(width: int = 1600, height: int = 1000) -> Iterator[DevTools]:
    """A headless Chromium with its DevTools frontend loaded, ready for ``run``."""
    assert CHROMIUM is not None
    # (its helpers may still be leaving files in the profile as it goes: not an error)
    with tempfile.TemporaryDirectory(
        prefix="asyncviz-chromium-", ignore_cleanup_errors=True
    ) as profile:
        to_chrome, from_us = os.pipe()
        to_us, from_chrome = os.pipe()

        def pipes() -> None:  # (in the child: its fds 3 and 4, as the flag wants)
            read_end, write_end = os.dup(to_chrome), os.dup(from_chrome)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "--remote-debugging-port=0",  # (serves the frontend: a free port, written down)
                f"--window-size={width},{height}",
                "about:blank",
            ],
            preexec_fn=pipes,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome)
        os.close(from_chrome)
        tools = DevTools(process, from_us, to_us)
        try:
            target = tools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            tools.session = tools.call(
                "Target.attachToTarget", {"targetId": target, "flatten": True}
            )["sessionId"]
            tools.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            port = _port(Path(profile) / "DevToolsActivePort")
            tools.call("Page.navigate", {"url": f"http://127.0.0.1:{port}/devtools/trace_app.html"})
            _wait_for_frontend(tools)
            yield tools
        finally:
            with contextlib.suppress(Exception):
                tools.session = ""
                tools.call("Browser.close", timeout=10)  # (its helpers go with it)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
            process.kill()
            process.wait()
            os.close(from_us)
            os.close(to_us)


def _port(written: Path, timeout: float = 60) -> str:
    """The port Chromium chose (``--remote-debugging-port=0``), once it wrote it down."""
    deadline = time.monotonic() + timeout
    while not written.exists() or not written.read_text().strip():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{written} was not written")
        time.sleep(0.1)
    return written.read_text().split()[0]


def _wait_for_frontend(tools: DevTools, timeout: float = 120) -> None:
    """Until the page can import the trace engine (the frontend has loaded)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            tools.run("await import('./models/trace/trace.js'); return true;", "")
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def show(tools: DevTools, text: str, timeout: float = 120) -> None:
    """The Performance panel showing ``text`` (once the frontend's UI is up: it comes
    after the trace engine can be imported)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            tools.run(SHOW, text)
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
