"""The GUI's asyncio loop: qasync's, with asyncio's own scheduling put back.

The window and the traced program share one loop, so the loop must not distort the
program it shows.  qasync's ``QEventLoop`` does, in two ways (measured in the shared
notes and ``bench/gui_loop.py``):

* **Coarse timers.** Every ``call_later`` is ``QObject.startTimer(int(ms))`` on Qt's
  default *coarse* timers, which may fire up to 5% late or early: ``sleep(0.5)`` lands
  about 25 ms off, and the chart would draw that error as the program's.
* **One Qt timer per callback.** ``call_soon`` is ``call_later(0)``: every task step is
  its own Qt timer event, about 8 us a step at 1,000 ready tasks and 56 us at 100,000
  (asyncio's loop: 1-2 us).

``GuiEventLoop`` keeps qasync for what it does well (running inside ``app.exec()``,
socket notifiers, the executor) and schedules the way ``BaseEventLoop._run_once`` does:

* ``call_soon`` is asyncio's own: it appends to the ``_ready`` deque.  (So the tracer's
  compiled hook sees a stock loop and takes its fast path here too.)
* timers are asyncio ``TimerHandle``s in the ``_scheduled`` heap;
* one *iteration* moves the due timers to ``_ready`` and runs the callbacks that were
  ready when it began, like ``_run_once``; then Qt gets its turn (events, painting);
* before Qt blocks waiting for events (``QAbstractEventDispatcher.aboutToBlock``), the
  loop arms what it needs: a zero-delay timer if callbacks are ready, else one
  ``Qt.PreciseTimer`` for the whole milliseconds to the earliest timer, then zero-delay
  wake-ups for the last fraction of a millisecond: a timer is never early, and late by
  tens of microseconds when the loop is idle (``bench/gui_loop.py``).

``call_soon_threadsafe`` appends (a deque append is atomic) and wakes the loop through a
queued Qt signal; qasync's version also dropped the callback's ``context``.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import sys
import threading
from asyncio.base_events import _format_handle  # type: ignore[attr-defined]
from asyncio.log import logger as asyncio_log
from collections.abc import Callable
from typing import Any

import qasync
from PySide6.QtCore import (
    QAbstractEventDispatcher,
    QCoreApplication,
    QObject,
    Qt,
    QTimer,
    Signal,
)

from visualizer.instrument.loop import move_due_timers
from visualizer.instrument.tracer import RUN


class _Wakeup(QObject):
    """Emitted from any thread; delivered (queued) on the loop's thread."""

    wake = Signal()


class GuiEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync's event loop with asyncio's ready queue and precise timers (see module doc)."""

    #: where this loop runs ready callbacks (the tracer's creation-site walk stops there)
    _asyncviz_dispatch = ("_iterate", "_run_debug")

    # asyncio's own scheduling, not qasync's call_later(0)-per-callback
    call_soon = asyncio.BaseEventLoop.call_soon
    call_later = asyncio.BaseEventLoop.call_later

    def __init__(self, app: Any = None, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._soon = QTimer()
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)
        self._soon.timeout.connect(self._iterate)
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._iterate)
        self._timer_for: float | None = None  #: the deadline ``_timer`` is armed for
        self._wakeup = _Wakeup()
        self._wakeup.wake.connect(self._arm, Qt.ConnectionType.QueuedConnection)
        self._dispatcher = QAbstractEventDispatcher.instance()
        if self._dispatcher is not None:
            self._dispatcher.aboutToBlock.connect(self._arm)

    # --- scheduling -----------------------------------------------------------------------
    def call_at(
        self,
        when: float,
        callback: Callable[..., Any],
        *args: Any,
        context: Any = None,
    ) -> asyncio.TimerHandle:
        handle = asyncio.BaseEventLoop.call_at(self, when, callback, *args, context=context)
        if self._timer_for is None or when < self._timer_for:
            self._arm()
        return handle

    def call_soon_threadsafe(
        self, callback: Callable[..., Any], *args: Any, context: Any = None
    ) -> asyncio.Handle:
        self._check_closed()
        handle: asyncio.Handle = self._call_soon(callback, args, context)
        if handle._source_traceback:  # type: ignore[attr-defined]
            del handle._source_traceback[-1]  # type: ignore[attr-defined]
        self._wakeup.wake.emit()
        return handle

    def _arm(self) -> None:
        """Before Qt waits: a zero timer if callbacks are ready, else the earliest timer's."""
        if not self.is_running() or self.is_closed():
            return
        if self._ready:  # type: ignore[attr-defined]
            if not self._soon.isActive():
                self._soon.start()
            return
        scheduled: list[asyncio.TimerHandle] = self._scheduled  # type: ignore[attr-defined]
        while scheduled and scheduled[0]._cancelled:  # type: ignore[attr-defined]
            dropped = heapq.heappop(scheduled)
            dropped._scheduled = False  # type: ignore[attr-defined]
            self._timer_cancelled_count -= 1  # type: ignore[attr-defined]
        if not scheduled:
            if self._timer.isActive():
                self._timer.stop()
            self._timer_for = None
            return
        when = scheduled[0].when()
        if self._timer_for == when and self._timer.isActive():
            return
        # Qt's timers count whole milliseconds and its glib dispatcher rounds its wait up
        # again: rounding up here too left timers up to 2 ms late.  So wait the whole
        # milliseconds, then go round with zero-delay wake-ups for the rest (under 1 ms,
        # Qt's events served in between); a timer still never runs early.
        remaining = (when - self.time()) * 1000
        if remaining < 1:
            self._soon.start()
            return
        self._timer.start(math.floor(remaining))
        self._timer_for = when

    def _iterate(self) -> None:
        """One iteration, as ``BaseEventLoop._run_once`` after its select."""
        self._timer_for = None
        if not self.is_running() or self.is_closed():
            return
        ready = self._ready  # type: ignore[attr-defined]
        move_due_timers(self, at_end_too=True)
        ntodo = len(ready)
        debug = self._debug  # type: ignore[attr-defined]
        for _ in range(ntodo):
            handle = ready.popleft()
            if handle._cancelled:
                continue
            try:
                if debug:
                    self._run_debug(handle)
                else:
                    handle._run()
            except (SystemExit, KeyboardInterrupt) as exc:
                self._program_exit(handle, exc)
        handle = None  # (as _run_once: do not keep the last one alive)
        self._arm()

    def _program_exit(self, handle: asyncio.Handle, exc: BaseException) -> None:
        """``sys.exit()`` or ``KeyboardInterrupt`` from a traced program's callback.
        asyncio lets both escape a task's step (after making them the task's outcome),
        to end ``asyncio.run``: here they would end the window.  A program run on this
        loop is the window's guest: its exit ends its run (whoever awaits the task gets
        it), never the window.  Anything else (the window's own code) goes on up."""
        context = handle._context  # type: ignore[attr-defined]
        if context is None or context.get(RUN, None) is None:
            raise exc
        owner = getattr(handle._callback, "__self__", None)  # type: ignore[attr-defined]
        if not isinstance(owner, asyncio.Task):  # (a plain callback: no task to keep it)
            self.call_exception_handler(
                {"message": f"{type(exc).__name__} in a callback of the program", "exception": exc}
            )

    def _run_debug(self, handle: asyncio.Handle) -> None:
        """As ``_run_once`` in debug mode: note the handle, warn about a slow callback."""
        self._current_handle: asyncio.Handle | None = handle
        t0 = self.time()
        try:
            handle._run()  # type: ignore[attr-defined]
            dt = self.time() - t0
            if dt >= self.slow_callback_duration:
                asyncio_log.warning("Executing %s took %.3f seconds", _format_handle(handle), dt)
        finally:
            self._current_handle = None

    # --- running ----------------------------------------------------------------------------
    def _before_run_forever(self) -> None:
        """What ``BaseEventLoop.run_forever`` sets up and qasync does not: the loop's thread
        (debug checks) and the async generator hooks (so ``shutdown_asyncgens`` works)."""
        super()._before_run_forever()
        self._thread_id: int | None = threading.get_ident()
        self._old_agen_hooks = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(
            firstiter=self._asyncgen_firstiter_hook,  # type: ignore[attr-defined]
            finalizer=self._asyncgen_finalizer_hook,  # type: ignore[attr-defined]
        )
        QTimer.singleShot(0, self._arm)  # exec() has not started yet: arm once it does

    def _after_run_forever(self) -> None:
        self._thread_id = None
        hooks = getattr(self, "_old_agen_hooks", None)
        if hooks is not None:
            sys.set_asyncgen_hooks(*hooks)
        super()._after_run_forever()

    def close(self) -> None:
        if self.is_running():
            raise RuntimeError("Cannot close a running event loop")
        if not self.is_closed():
            try:
                if self._dispatcher is not None:
                    self._dispatcher.aboutToBlock.disconnect(self._arm)
                self._soon.stop()
                self._timer.stop()
            except RuntimeError:  # closed at exit, after Qt deleted its side: nothing to undo
                pass
        try:
            super().close()
        except RuntimeError:
            if QCoreApplication.instance() is not None:
                raise  # (at exit, with Qt gone, qasync's own close cannot disconnect)
