"""Clocks for a traced run: the loop's real monotonic time, a virtual one, or an ideal one.

The virtual clock skips idle waits: when the loop has nothing ready and nothing
in flight (no executor job, no I/O watcher) it would sleep until the next timer,
and instead the clock jumps there.  Busy time (a step's own work, a blocking
``time.sleep``) still passes for real, so ``sleep(2)`` is 2.0 s in the trace, a
blocking step shows its true length, and a minute of sleeps records in well
under a second.  The ideal clock takes busy time out too (``IdealClock``).  One clock
object can serve several loops in turn (a script that
calls ``asyncio.run`` twice) so their times share one axis.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Final

_monotonic: Final = time.monotonic
_get_ident: Final = threading.get_ident

#: seconds between two readings of the ideal clock on its loop's thread
TICK: Final = 1e-9


class RealClock:
    """The stock loops' clock (``time.monotonic``)."""

    kind: Final = "real"

    #: ``time.monotonic`` itself: the tracer reads it twice per step, and a Python
    #: function around it would cost more than the read (docs/performance.md)
    time: Final = staticmethod(_monotonic)

    def advance(self, seconds: float) -> None:  # pragma: no cover - never called
        raise RuntimeError("a real clock cannot skip time")


class VirtualClock:
    """Monotonic time plus the idle time skipped so far."""

    kind: Final = "virtual"

    def __init__(self) -> None:
        self.skipped = 0.0  #: seconds of idle waiting skipped so far

    def time(self) -> float:
        return _monotonic() + self.skipped

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self.skipped += seconds


class IdealClock:
    """The virtual clock without the busy time: a run the same to the last bit every time.

    On the virtual clock a step's own work passes for real, so a busy machine (or a
    slower one) moves timers past each other: the same program can end differently.  On
    this one a step takes no time at all, and time moves only by what the program says:

    * an idle wait is skipped (the clock jumps to the next timer), as on the virtual clock;
    * ``time.sleep(x)`` on the loop's thread, while it runs, advances it by exactly ``x``
      and does not sleep (``visualizer.instrument.ideal``): a lesson on blocking the loop
      still shows the block, ``x`` long;
    * a wait for the world outside the loop (an executor job, a thread of the program's,
      a socket) passes for real, as on the virtual clock, since only the world knows when
      it ends: while the loop waits for it the clock runs (``waiting``), and stands still
      again once the loop has work.  So a job's thread is timed by the loop's waits: the
      part of a job that overlaps the loop's steps takes no time, a ``time.sleep`` in a
      thread is real, and a run with jobs or I/O is reproducible only as far as they are.

    Standing still is not quite still: each reading on the loop's thread is a nanosecond
    (``TICK``) after the one before, as on an infinitely fast machine whose clock still
    ticks.  So events keep their order in time (a wake before the step it wakes, a step
    after the one before it), which the model reads the picture from; a tie would leave it
    guessing.  It starts at 0 (not at ``time.monotonic()``), and the loop's readings are
    as many in every run: its times are the same floats in every run."""

    kind: Final = "ideal"

    def __init__(self) -> None:
        #: (the time, or the time when the loop began to wait; the monotonic time it
        #: began to wait, or None): one tuple, swapped whole, for a thread's reading
        self._state: tuple[float, float | None] = (0.0, None)
        #: the thread running a loop on this clock now (its readings tick), or None
        self.thread: int | None = None
        #: told of each ``time.sleep(x)`` that moved it, with its caller's frame (the
        #: tracer samples the stack there: ``instrument.stacks``), or None
        self.slept: Callable[[float, FrameType | None], None] | None = None

    def time(self) -> float:
        now, since = self._state
        if since is not None:
            return now + (_monotonic() - since)
        if _get_ident() == self.thread:
            self._state = (now + TICK, None)  # (only this thread writes while it runs)
        return now

    def peek(self) -> float:
        """The time, without a tick: a reading that does not count as one (the number
        of the loop's readings decides its times)."""
        now, since = self._state
        return now if since is None else now + (_monotonic() - since)

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            now, since = self._state
            self._state = (now + seconds, since)

    def start(self) -> None:
        """The loop waits for the world: time passes for real."""
        now, since = self._state
        if since is None:
            self._state = (now, _monotonic())

    def stop(self) -> None:
        """The loop has work: time stands still."""
        now, since = self._state
        if since is not None:
            self._state = (now + (_monotonic() - since), None)


class LectureClock:
    """A clock the lecture driver moves (``visualizer.session.lecture``): it stands still
    while the scenario is not being run (paused, or between two turns of the GUI), runs
    for real while it is (a step's own work keeps its true length), and jumps when the
    driver says the wait is over (``advance``), at the pace the teacher chose."""

    kind: Final = "lecture"

    def __init__(self) -> None:
        self._offset = 0.0  #: time() = monotonic() + offset, while running
        self._frozen: float | None = _monotonic()  #: time() while stopped

    def time(self) -> float:
        frozen = self._frozen
        return _monotonic() + self._offset if frozen is None else frozen

    @property
    def running(self) -> bool:
        return self._frozen is None

    def start(self) -> None:
        """Let time run (the scenario is being run now)."""
        if self._frozen is not None:
            self._offset = self._frozen - _monotonic()
            self._frozen = None

    def stop(self) -> None:
        """Stop time (the scenario is not being run)."""
        if self._frozen is None:
            self._frozen = _monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            if self._frozen is None:
                self._offset += seconds
            else:
                self._frozen += seconds


Clock = RealClock | VirtualClock | IdealClock | LectureClock
