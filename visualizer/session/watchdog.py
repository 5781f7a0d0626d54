"""A step that holds the window's own loop too long is interrupted, not left to freeze it.

A scenario run on the window's loop (the real clock's default) shares the loop with the
window: a step that spins (``while True: pass``) or blocks (``time.sleep(60)``) freezes
the window with it, and nothing on the loop can stop it.  ``StepWatchdog`` is a thread
that reads, every ``POLL`` seconds, which task's step is running and since when (the
tracer's ``running_step``); when one step has held the loop
for ``limit`` seconds, it sends the loop's thread a signal whose handler raises
``StepInterrupted`` into that step, at its next bytecode (a blocking system call such as
``time.sleep`` is interrupted too); when the step is in the tracer's code just then, at
the next look (an exception in the tracer would switch the tracing off and leave the
step running).  The handler checks that the same step is still
running: a signal that arrives after the step ended does nothing.

``StepInterrupted`` is a ``BaseException``, so ``except Exception`` in the spinning code
does not swallow it; asyncio ends the task with it as its exception (only
``KeyboardInterrupt`` and ``SystemExit`` escape a task's step), and the chart shows the
step, the red band of a blocked loop, and the task's error.  A call that blocks inside C
without returning to Python cannot be interrupted this way; the watchdog says so
(``stuck``) and the window can only wait.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any, Final

from visualizer.instrument.tracer import Tracer
from visualizer.trace.schema import WAKE_TASK, waker_task

log = logging.getLogger(__name__)

#: a step holding the window's loop this long (seconds) is interrupted
LIMIT: Final = 3.0
#: how often the watchdog looks (seconds)
POLL: Final = 0.1
#: the signal it sends the loop's thread (not SIGINT: Ctrl-C stays the user's)
SIGNAL: Final = signal.SIGUSR2


class StepInterrupted(BaseException):
    """Raised into a step that held the window's loop too long."""


class StepWatchdog:
    """Watches ``tracer``'s steps on the loop of the thread that starts it."""

    def __init__(self, tracer: Tracer, limit: float | None = None) -> None:
        self.tracer = tracer
        self.limit = LIMIT if limit is None else limit
        self.interrupted: list[tuple[int, float]] = []  #: (task id, seconds held) each time
        self.stuck = False  #: a step did not return to Python after its interrupt
        self._target: tuple[int, float] | None = None  #: (waker, step_t0) to interrupt
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._previous: Any = None
        self._main = threading.get_ident()

    def start(self) -> bool:
        """Start watching (False where it cannot: not on the main thread)."""
        if threading.current_thread() is not threading.main_thread():
            return False
        self._main = threading.get_ident()
        self._previous = signal.signal(SIGNAL, self._handler)
        self._thread = threading.Thread(target=self._watch, name="asyncviz-watchdog", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            signal.signal(SIGNAL, self._previous)

    def _running(self) -> tuple[int, float] | None:
        """(packed waker, start) of the run's task step running now, or None."""
        step = self.tracer.running_step()
        return step if step is not None and step[0] & 7 == WAKE_TASK else None

    def _watch(self) -> None:
        clock = self.tracer.clock
        while not self._stop.wait(POLL):
            step = self._running()
            if step is None or clock() - step[1] < self.limit:
                continue
            if step == self._target:  # (interrupted already, and still not back)
                self.stuck = True
                continue
            self._target = step
            self.interrupted.append((waker_task(step[0]), clock() - step[1]))
            signal.pthread_kill(self._main, SIGNAL)

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        step = self._running()
        if step is None or step != self._target:
            return
        if frame is None or _ours(frame.f_code.co_filename):
            # the step is in the tracer's code just now (making a task, say): there an
            # exception would end the tracing, not the step.  The next look (POLL
            # later) signals again; a step spends most of its time elsewhere
            self._target = None
            self.interrupted.pop()
            return
        held = self.tracer.clock() - step[1]
        raise StepInterrupted(
            f"this step held the event loop (the window's) for {held:.1f} s:"
            f" asyncviz interrupted it after {self.limit:g} s"
        )


#: where a ``StepInterrupted`` must never land: the tracer's code (it catches every
#: exception, switches itself off and goes on).  Anywhere else (the step's own code,
#: asyncio's, a library's) it goes up through the step's frames and ends its task.
_NOT_THERE: Final = str(Path(__file__).resolve().parents[1] / "instrument")


def _ours(filename: str) -> bool:
    """``filename`` is the tracer's (the frame a signal landed in)."""
    return filename.startswith(_NOT_THERE)
