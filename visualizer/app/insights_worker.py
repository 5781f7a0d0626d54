"""Working out a big trace's insights off the window's thread (issue 18).

``insights_of`` reads every span: on a 100,000-task run (2.2 million spans) it takes
1.7 s, and in the window's thread that was 1.7 s of a window that neither painted nor
answered, right after the chart was drawn (``bench/big_window.py``).  A trace of more
than ``IN_LINE_SPANS`` spans is worked out in a thread instead; the chart is shown at
once, the pane says it is still looking, and the list comes when found.  A small trace
(almost every run) is worked out in line, as before: what it costs (under 0.1 s) is
less than a thread's round trip through the window's loop, and the pane is never seen
"looking".

Why a thread and not a process (as the loader has, ``visualizer.model.background``):
the trace is in this process already, and sending 70 MB of columns to another would
cost more than the work.  The work is numpy passes and short Python loops, so the
window's thread gets the interpreter back every few milliseconds (``sys.getswitchinterval``)
and keeps painting, more slowly, meanwhile.  Nothing in it touches Qt but
``QCoreApplication.translate``, which Qt documents as thread-safe; the trace is read,
never written (a finished run's, or a file's: nobody changes it once shown).

A result that comes after something else was shown (another trace, a run begun) is
dropped: each job has a number, and only the latest one's result is delivered.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from visualizer.model.insights import Insight, insights_of
from visualizer.trace.data import Trace

#: a trace of at most this many spans has its insights worked out in the window's thread
#: (about 0.75 us a span: 0.075 s)
IN_LINE_SPANS: Final = 100_000


class InsightsWorker(QObject):
    """``start(trace)``: its insights go to ``found`` (at once for a small trace, else
    from a thread, through the window's loop); ``forget()``: whatever is being worked
    out is no longer wanted."""

    _done = Signal(object, int)  # (the insights, the job they belong to)

    def __init__(self, parent: QObject, found: Callable[[Trace, list[Insight]], None]) -> None:
        super().__init__(parent)
        self._found = found
        self._job = 0  #: the latest job (an older one's result is dropped)
        self._trace: Trace | None = None  #: the latest job's trace, while worked out
        self._done.connect(self._deliver)

    @property
    def busy(self) -> bool:
        """Whether insights are being worked out (the pane says so meanwhile)."""
        return self._trace is not None

    def start(self, trace: Trace) -> None:
        self._job += 1
        if len(trace.spans) <= IN_LINE_SPANS:
            self._trace = None
            self._found(trace, insights_of(trace, translate=QCoreApplication.translate))
            return
        self._trace = trace
        # (begun once the window's loop is back: after the chart's first frame, which
        # the thread would slow down, and whose memory would add to the thread's)
        QTimer.singleShot(0, self, functools.partial(self._begin, trace, self._job))

    def _begin(self, trace: Trace, job: int) -> None:
        if job != self._job:
            return  # (something else was shown meanwhile)
        threading.Thread(
            target=self._work, args=(trace, job), name="asyncviz-insights", daemon=True
        ).start()

    def forget(self) -> None:
        self._job += 1
        self._trace = None

    def _work(self, trace: Trace, job: int) -> None:
        """In the thread: the insights, sent to the window's thread (a failure is sent
        as no insights: the pane must not wait for ever, and the chart is not at fault)."""
        found: list[Insight] = []
        try:
            found = insights_of(trace, translate=QCoreApplication.translate)
        finally:
            with contextlib.suppress(RuntimeError):  # (the window closed: nobody to tell)
                self._done.emit(found, job)

    def _deliver(self, found: list[Insight], job: int) -> None:
        trace = self._trace
        if job != self._job or trace is None:
            return  # (something else is shown now)
        self._trace = None
        self._found(trace, found)
