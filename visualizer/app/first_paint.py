"""A widget's first paint, waited for as it happens rather than for a fixed time.

``asyncviz gui`` starts a run, opens a file or checks the window's size once the window
is on the screen: a run started while the window first paints would show the loop busy
painting (true, but not the lesson), and the window manager may still resize a window
it has not yet shown.  A fixed sleep for that (0.3 s, once) was too long on a quick
machine and too short on a loaded one; the first ``QEvent.Paint`` of the chart is the
moment itself.

A window that is never exposed (minimized at once, on a screen that is off, a platform
that draws nothing) never paints: ``FirstPaint.wait`` gives up after ``TIMEOUT`` and the
command goes on, so it never hangs.  Nothing after needs the screen to have painted: a
screenshot renders the widget itself (``QWidget.grab``).

``ASYNCVIZ_STARTUP_REPORT`` set makes the first paint say on stderr how long after the
process's start it came (``bench/startup.py`` reads it): set to the epoch time the
command was spawned (``time.time()``), from then; set to anything else, from the
process's start as the kernel has it (Linux; else nothing is said).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Final

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

#: how long to wait for a first paint at most (seconds): a loaded machine's window paints
#: well within it; a window that is never exposed costs this once
TIMEOUT: Final = 5.0
#: the variable that asks for the start-up report
REPORT_ENV: Final = "ASYNCVIZ_STARTUP_REPORT"


class FirstPaint(QObject):
    """Watches ``widget`` (made before it is shown: its first paint is not missed) until
    it first paints; ``await wait()`` then returns at once."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget
        self._painted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        #: a wait timed out: the widget is not on the screen, and later waits do not wait
        #: again (``asyncviz gui`` waits up to three times: for ``--size``, a run, a file)
        self.gave_up = False
        widget.installEventFilter(self)

    @property
    def done(self) -> bool:
        return self._painted.done()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._painted.done():
            self._painted.set_result(None)
            self._widget.removeEventFilter(self)
            _report()
        return False

    async def wait(self, timeout: float = TIMEOUT) -> bool:
        """Until the first paint: True; False if it did not come within ``timeout``, or
        an earlier wait gave up (then at once: one window never shown costs one timeout,
        not one per wait)."""
        if self.gave_up and not self._painted.done():
            return False
        try:
            await asyncio.wait_for(asyncio.shield(self._painted), timeout)
        except TimeoutError:
            self.gave_up = True
            return False
        return True


#: the start-up report was made (once a process: a comparison's window paints later)
_reported = False


def _report() -> None:
    """``asyncviz: first paint after N ms`` on stderr, if asked for (the module's
    docstring): the process's first paint only."""
    global _reported
    asked = os.environ.get(REPORT_ENV, "")
    if not asked or _reported:
        return
    _reported = True
    since = _since_spawned(asked)
    if since is None:
        since = _since_process_start()
    if since is not None:
        print(f"asyncviz: first paint after {since * 1000:.0f} ms", file=sys.stderr, flush=True)


def _since_spawned(asked: str) -> float | None:
    """Seconds since ``asked``, if it is an epoch time (a number of seconds since 1970 of
    this century: a mere ``1`` is "yes")."""
    with contextlib.suppress(ValueError):
        spawned = float(asked)
        if spawned > 1e9:
            return time.time() - spawned
    return None


def _since_process_start() -> float | None:
    """Seconds since this process started: its start time in ``/proc/self/stat`` (field
    22, in clock ticks since boot) against ``/proc/uptime`` (to a clock tick, 10 ms)."""
    try:
        stat = Path("/proc/self/stat").read_text()
        started = int(stat.rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return uptime - started
