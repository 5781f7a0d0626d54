"""Clocks for a traced run: the loop's real monotonic time, or a virtual one.

The virtual clock skips idle waits: when the loop has nothing ready and nothing
in flight (no executor job, no I/O watcher) it would sleep until the next timer,
and instead the clock jumps there.  Busy time (a step's own work, a blocking
``time.sleep``) still passes for real, so ``sleep(2)`` is 2.0 s in the trace, a
blocking step shows its true length, and a minute of sleeps records in well
under a second.  One clock object can serve several loops in turn (a script that
calls ``asyncio.run`` twice) so their times share one axis.
"""

from __future__ import annotations

import time
from typing import Final

_monotonic: Final = time.monotonic


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


Clock = RealClock | VirtualClock | LectureClock
