"""Working out a big trace's insights off the window's thread, or out of its process
(issue 18).

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

A big trace opened from a file (File > Open, ``asyncviz gui FILE``) has its insights
worked out in a process of its own instead (``insights_child``), which reads the file
itself: the thread's working data and temporaries (~165 MB at 100,000 tasks) came on
top of the window's, and made its peak 6 times the trace's columns, not 3.  A thread
waits for the child's answer; the child is killed when its answer is no longer wanted
(``forget``: another trace shown, a run begun, the window closed).  A child that fails
or dies is said as such (``found``'s ``failed``), and the window goes on without the
insights.  A trace that is not a file's (a run just recorded, a live run's end, a
shared scenario's) keeps the thread: the file is the only way to the child that costs
the window nothing.

A result that comes after something else was shown (another trace, a run begun) is
dropped: each job has a number, and only the latest one's result is delivered.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from visualizer.app.insights_child import Child, ChildFailed
from visualizer.model.insights import Insight, insights_of
from visualizer.trace.data import Trace

#: a trace of at most this many spans has its insights worked out in the window's thread
#: (about 0.75 us a span: 0.075 s)
IN_LINE_SPANS: Final = 100_000


#: ``found(trace, insights, failed)``: ``failed`` says why there are none (None: found)
Found = Callable[[Trace, list[Insight], str | None], None]


class InsightsWorker(QObject):
    """``start(trace, file)``: its insights go to ``found`` (at once for a small trace,
    else from a thread or a child process, through the window's loop); ``forget()``:
    whatever is being worked out is no longer wanted."""

    _done = Signal(object, object, int)  # (the insights, why none, the job they belong to)

    def __init__(self, parent: QObject, found: Found) -> None:
        super().__init__(parent)
        self._found = found
        self._job = 0  #: the latest job (an older one's result is dropped)
        self._trace: Trace | None = None  #: the latest job's trace, while worked out
        #: the latest job's child process, while it works (None: none, or a thread)
        self.child: Child | None = None
        self._done.connect(self._deliver)

    @property
    def busy(self) -> bool:
        """Whether insights are being worked out (the pane says so meanwhile)."""
        return self._trace is not None

    def start(self, trace: Trace, file: str | Path | None = None, language: str = "en") -> None:
        """Work out ``trace``'s insights; ``file``: the file it was read from, where a
        child reads it again (its insights in ``language``'s words)."""
        self.forget()
        if len(trace.spans) <= IN_LINE_SPANS:
            self._trace = None
            found = insights_of(trace, translate=QCoreApplication.translate)
            self._found(trace, found, None)
            return
        self._trace = trace
        if file is not None:  # (the child at once: the window's frames do not slow it)
            self.child = child = Child(file, language)
            threading.Thread(
                target=self._ask,
                args=(child, trace, self._job),
                name="asyncviz-insights",
                daemon=True,
            ).start()
            return
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
        child, self.child = self.child, None
        if child is not None:
            child.stop()

    def _work(self, trace: Trace, job: int) -> None:
        """In the thread: the insights, sent to the window's thread (a failure is sent
        as no insights: the pane must not wait for ever, and the chart is not at fault)."""
        found: list[Insight] = []
        failed: str | None = self.tr("an error came up while looking (said on stderr)")
        try:
            found = insights_of(trace, translate=QCoreApplication.translate)
            failed = None
        finally:
            self._tell(found, failed, job)

    def _ask(self, child: Child, trace: Trace, job: int) -> None:
        """In a thread: the child's answer, sent to the window's thread.  A file that
        no longer holds the trace shown (changed since it was opened: other counts)
        has the insights worked out here, in this thread, as a trace with no file."""
        found: list[Insight] = []
        failed: str | None = None
        try:
            spans, tasks, found = child.answer()
            if (spans, tasks) != (len(trace.spans), len(trace.tasks)) and job == self._job:
                self._work(trace, job)
                return
        except ChildFailed as exc:
            failed = self._why(exc)
        self._tell(found, failed, job)

    def _why(self, exc: ChildFailed) -> str:
        """What went wrong with the child, in the window's words (its own, English, from
        the file's reader or its last words, after)."""
        if exc.code is None:
            return str(exc)
        if exc.code < 0:
            said = self.tr("their process was stopped (signal {signal})")
            said = said.format(signal=-exc.code)
        else:
            said = self.tr("their process failed (exit code {code})").format(code=exc.code)
        return f"{said}: {exc}" if str(exc) else said

    def _tell(self, found: list[Insight], failed: str | None, job: int) -> None:
        with contextlib.suppress(RuntimeError):  # (the window closed: nobody to tell)
            self._done.emit(found, failed, job)

    def _deliver(self, found: list[Insight], failed: str | None, job: int) -> None:
        trace = self._trace
        if job != self._job or trace is None:
            return  # (something else is shown now)
        self._trace, self.child = None, None
        self._found(trace, found, failed)
