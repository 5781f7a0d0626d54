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


Clock = RealClock | VirtualClock
