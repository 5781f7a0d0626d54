"""Headless Chromium driven over the DevTools protocol on a pipe: for the HTML export's
tests (``tests/test_export_html.py``) and its benchmark (``bench/html_export.py``).

Why a pipe and no library: ``--remote-debugging-pipe`` speaks the protocol on file
descriptors 3 and 4 (JSON messages ended by a NUL), so neither a WebSocket client nor
a chromedriver matching the browser's version is needed, and no port is opened.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: the browsers tried, in order (Debian's, then others' names)
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: a protocol call's answer is waited for this long at most: a guard against a browser
#: gone astray, never a verdict (a busy machine only makes it slower)
GUARD_SECONDS = 300.0


def find() -> str | None:
    """The path of a Chromium here (``$ASYNCVIZ_CHROMIUM`` first), or None."""
    given = os.environ.get("ASYNCVIZ_CHROMIUM")
    if given:
        return given if Path(given).exists() else None
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """One headless Chromium and one page in it."""

    def __init__(
        self, executable: str, width: int = 1280, height: int = 800, flags: tuple[str, ...] = ()
    ) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="asyncviz-chromium-")
        #: its profile's folder (where ``--remote-debugging-port=0`` writes the port)
        self.profile = Path(self._profile.name)
        to_child, self._out = os.pipe()
        self._in, from_child = os.pipe()

        # (the protocol's pipes as the browser's fds 3 and 4, by bash's redirections: a
        # POSIX sh such as dash takes one-digit descriptors only, and a test's are more)
        self.process = subprocess.Popen(
            [
                shutil.which("bash") or "/bin/bash",
                "-c",
                f'exec "$0" "$@" 3<&{to_child} 4>&{from_child}',
                executable,
                "--headless=new",
                "--remote-debugging-pipe",
                "--no-sandbox",  # (as root, as CI runs, Chromium refuses its sandbox)
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                f"--user-data-dir={self._profile.name}",
                f"--window-size={width},{height}",
                *flags,
                "about:blank",
            ],
            pass_fds=(to_child, from_child),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)
        self._next = 0
        self._answers: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _read(self) -> None:
        buffer = b""
        with open(self._in, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                with self._lock:
                    for raw in messages:
                        message = json.loads(raw)
                        if "id" in message:
                            self._answers[message["id"]] = message
                        else:
                            self.events.append(message)
                    self._lock.notify_all()
        with self._lock:
            self._lock.notify_all()

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """A protocol command; its result (an error raises)."""
        with self._lock:
            self._next += 1
            ident = self._next
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        with self._lock:
            if not self._lock.wait_for(
                lambda: ident in self._answers or self.process.poll() is not None, GUARD_SECONDS
            ):
                raise TimeoutError(f"Chromium did not answer {method}")
            answer = self._answers.pop(ident, None)
        if answer is None:
            raise RuntimeError(f"Chromium ended during {method}")
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return dict(answer.get("result", {}))

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """A command to the page."""
        return self.call(method, self.session, **params)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (a promise awaited)."""
        result = self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, path: Path, ready: str = "document.body.dataset.ready === 'true'") -> None:
        """Load a file and wait until ``ready`` holds (or the page reports an error);
        the events of the page before are let go."""
        with self._lock:
            self.events.clear()
        self.send("Page.navigate", url=path.resolve().as_uri())
        with self._lock:  # (until then, an expression may still run in the page before)
            if not self._lock.wait_for(
                lambda: (
                    any(e.get("method") == "Page.loadEventFired" for e in self.events)
                    or self.process.poll() is not None
                ),
                GUARD_SECONDS,
            ):
                raise TimeoutError(f"Chromium did not load {path}")
        self.wait_until(f"({ready}) || (document.getElementById('error')?.textContent || '')")

    def wait_until(self, expression: str) -> None:
        """Until a JavaScript expression is true, asked as the page runs (a promise that
        resolves on an animation frame where it holds)."""
        self.evaluate(
            "new Promise((done) => { const ask = () => { try { if (" + expression + ") "
            "return done(true); } catch (e) {} requestAnimationFrame(ask); }; ask(); })"
        )

    def errors(self) -> list[str]:
        """What the page said went wrong: console errors, uncaught exceptions, log errors."""
        with self._lock:
            events = list(self.events)
        said = []
        for event in events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                said.append(json.dumps(params.get("exceptionDetails", {}))[:2000])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                said.append(json.dumps(params.get("args", []))[:2000])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                said.append(str(params["entry"].get("text", ""))[:2000])
        return said

    def requests(self) -> list[str]:
        """Every URL the page asked for (itself included), as the network saw them."""
        with self._lock:
            return [
                str(e["params"]["request"]["url"])
                for e in self.events
                if e.get("method") == "Network.requestWillBeSent"
            ]

    def mouse(self, kind: str, x: float, y: float, **extra: Any) -> None:
        """A real input event: ``mouseMoved``, ``mousePressed``, ``mouseWheel`` ..."""
        self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, **extra)

    def screenshot(self, path: Path) -> bytes:
        png = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(png)
        return png

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._out)
        self._reader.join(10)
        self._profile.cleanup()


@contextmanager
def browser(width: int = 1280, height: int = 800, flags: tuple[str, ...] = ()) -> Iterator[Browser]:
    """A headless Chromium for the ``with`` block (``find()`` must have found one);
    ``flags``: more of its command line."""
    executable = find()
    if executable is None:
        raise FileNotFoundError("no Chromium found (install Debian's chromium)")
    it = Browser(executable, width, height, flags)
    try:
        yield it
    finally:
        it.close()
