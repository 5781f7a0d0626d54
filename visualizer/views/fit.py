"""A run fitted to the chart: time with room before and after it, lanes as tall as the
chart's height allows up to a readable most; and kept so as the chart is resized.

Issue 14: a fitted chart held room for eight lanes whatever its height, so three lanes
left half of it blank, and at 2% of margin the end of a run (a timer's mark, cancel
arrows, end glyphs, the last tick's label) was squeezed against the right edge.  Now a
lane takes the height it can, up to ``MAX_LANE_LINES`` lines of the chart's type (three
lanes are not 230-pixel slabs: what is left stays blank below them, where the next
lanes of a live run come), and the time axis keeps ``TIME_MARGIN`` of the run before it
and after it, more if the end's label needs it.

The view is fitted again when the chart is resized (a pane hidden, the window made
bigger), unless the user moved it since: what they look at stays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

#: room before a run's start and after its end, as a share of the run
TIME_MARGIN = 0.05
#: ... and at most this share after its end (a narrow chart gives its end's label less)
MAX_AFTER = 0.08
#: a lane (its bar and the gap to the next) is at most this many lines of the chart's
#: type tall: at 11 points about 140 pixels (a bar of 90), at a projector's 20 about 250
MAX_LANE_LINES = 8.0
#: the fitted view begins this far above the first lane (its wake marks sit above it)
TOP = -0.6


def time_range(duration: float, width: float, overhang: float) -> tuple[float, float]:
    """The view's time for a run of ``duration`` in ``width`` pixels: ``TIME_MARGIN``
    before and after, and ``overhang`` pixels after the end (its label) if that is no
    more than ``MAX_AFTER`` of the run."""
    span = max(duration, 1e-6)
    before = TIME_MARGIN * span
    after = TIME_MARGIN * span
    if width > 2 * overhang > 0:  # after = overhang pixels of (span + before + after)
        after = max(after, overhang * (span + before) / (width - overhang))
        after = min(after, MAX_AFTER * span)
    return -before, span + after


def lane_room(rows: int, height: float, line: float) -> float:
    """How many lanes a fitted view holds: every row, and room enough that no lane is
    taller than ``MAX_LANE_LINES`` lines of ``line`` pixels."""
    most = MAX_LANE_LINES * max(line, 1.0)
    return max(float(rows), 1.0, height / most)


class ChartFit:
    """Fits ``view`` (a pyqtgraph ViewBox) to a run, and again when it is resized."""

    def __init__(self, view: Any, line: Callable[[], float], overhang: Callable[[], float]) -> None:
        self.view = view
        self._line = line  #: pixels of a line of the chart's type
        self._overhang = overhang  #: pixels the end's label needs after the end
        self._fitted: tuple[float, int] | None = None  #: (duration, rows) fitted last
        self._range: np.ndarray | None = None  #: the view's range as fitted
        view.sigResized.connect(self._resized)

    def lanes(self, rows: int) -> tuple[float, float]:
        """The fitted view's lanes (its y range) for ``rows`` rows at its height now."""
        room = lane_room(rows, self.view.height(), self._line())
        return TOP, TOP + room

    def fit(self, duration: float, rows: int) -> None:
        """Time from before 0 to after ``duration``, every one of ``rows`` lanes."""
        x_range = time_range(duration, self.view.width(), self._overhang())
        self.view.setRange(xRange=x_range, yRange=self.lanes(rows), padding=0)
        self._fitted = (duration, rows)
        self._range = np.array(self.view.viewRange(), np.float64)

    def refit(self, rows: int) -> None:
        """Fitted, and the lanes grew or shrank: fitted again to ``rows`` lanes."""
        if self._fitted is not None:
            self.fit(self._fitted[0], rows)

    def forget(self) -> None:
        """The view is no longer the fitted one (a live run moves it itself)."""
        self._fitted = None

    def _resized(self, *_: Any) -> None:
        if self._fitted is None or self._range is None:
            return
        if not np.allclose(np.array(self.view.viewRange(), np.float64), self._range):
            self._fitted = None  # (the user moved it: it stays as they left it)
            return
        self.fit(*self._fitted)
