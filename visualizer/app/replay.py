"""Play from here: a finished run replayed from the time cursor, at the lecture's speed.

Nothing is run again: the trace already says what every task did at every instant,
so a replay only moves the cursor, in the GUI loop's own time (a ``QTimer``: it never
blocks, and the window paints between ticks).  The speed is read at every tick, so
the lecture bar's Slower / Faster act at once, as in a live lecture.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

#: cursor moves a second while playing: smooth to the eye, cheap for the window
TICKS_PER_SECOND = 30


class Replay(QObject):
    """Moves a time from ``start`` to ``end`` at ``speed()`` trace seconds per wall
    second.  ``moved`` carries each new time; ``playing`` says when it starts and stops
    (paused, or at the end).  ``follow(t)``: the cursor was moved meanwhile (dragged):
    go on from there."""

    moved = Signal(float)
    playing = Signal(bool)

    def __init__(self, speed: Callable[[], float], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.speed = speed
        self.t = 0.0  #: where the replay is (trace seconds)
        self.end = 0.0
        self._last = 0.0  #: the wall time of the last tick
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1000 // TICKS_PER_SECOND)
        self._timer.timeout.connect(self._tick)

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def play(self, start: float, end: float) -> None:
        """From ``start`` on (from the beginning if ``start`` is already the end)."""
        self.end = end
        self.t = 0.0 if start >= end else max(start, 0.0)
        self._last = time.perf_counter()
        self.moved.emit(self.t)  # (from the start again: there at once)
        if not self._timer.isActive():
            self._timer.start()
            self.playing.emit(True)

    def pause(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.playing.emit(False)

    def follow(self, t: float) -> None:
        """The cursor is at ``t`` now (moved by hand, or by this replay): go on from it."""
        self.t = t

    def _tick(self) -> None:
        now = time.perf_counter()
        self.t = min(self.t + (now - self._last) * self.speed(), self.end)
        self._last = now
        self.moved.emit(self.t)
        if self.t >= self.end:
            self.pause()
