"""Chromium's own DevTools, headless, as a reader of Trace Event Format files: the
Performance panel's trace engine (``models/trace``) parses a file as it does when a
user loads it, and says what it found (threads, their slices, the flows); or the panel
shows it, for a screenshot.

The DevTools frontend is the one bundled in the installed Chromium, served by the
browser itself on its debugging port (``/devtools/trace_app.html``; the port is one it
chose, on the loopback), the browser driven over its pipe (``bench/headless_chromium``).
Nothing comes from the network.  (Debian's Chromium has no ``chrome://tracing``: its
trace viewer is not built in.)
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.headless_chromium import Browser, browser, find

CHROMIUM = find()

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
const flows = data.Flows.flows.map(flow => flow.map(e => [e.pid, e.tid, e.ts, e.name]));
return {threads, flows};
"""

#: the Performance panel, showing ``text`` as a file the user loaded
SHOW = """
const UI = await import('./ui/legacy/legacy.js');
await UI.ViewManager.ViewManager.instance().showView('timeline');
const Timeline = await import('./panels/timeline/timeline.js');
const panel = Timeline.TimelinePanel.TimelinePanel.instance();
await panel.loadFromFile(new File([text], 'trace.json', {type: 'application/json'}));
return 'loading';
"""


def run(page: Browser, body: str, text: str) -> Any:
    """``body`` (an async function's, given ``text``) evaluated in the page."""
    return page.evaluate(f"(async () => {{ const text = {json.dumps(text)};\n{body}\n}})()")


@contextmanager
def devtools(width: int = 1600, height: int = 1000) -> Iterator[Browser]:
    """A headless Chromium showing its DevTools frontend, ready for ``run``."""
    with browser(width, height, ("--remote-debugging-port=0",)) as page:
        port = _port(page)
        page.send("Page.navigate", url=f"http://127.0.0.1:{port}/devtools/trace_app.html")
        # (until the trace engine can be imported: the frontend has loaded)
        _until(lambda: run(page, "await import('./models/trace/trace.js'); return 1;", ""))
        yield page


def show(page: Browser, text: str) -> None:
    """The Performance panel showing ``text`` (once the frontend's UI is up: it comes
    after the trace engine can be imported)."""
    _until(lambda: run(page, SHOW, text))


def _port(page: Browser) -> str:
    """The port Chromium chose (``--remote-debugging-port=0``), once it wrote it down."""
    written = page.profile / "DevToolsActivePort"
    _until(lambda: written.read_text().split()[0])
    return written.read_text().split()[0]


def _until(attempt: Any, seconds: float = 120) -> None:
    """Until ``attempt()`` stops raising (a guard against a browser gone astray, never a
    verdict: a busy machine only makes it slower)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            attempt()
            return
        except (OSError, IndexError, RuntimeError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
