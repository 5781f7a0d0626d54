"""The chart's time axis: the run's end labelled, and room for its title under the ticks.

pyqtgraph's axis labels ticks at round values only, and hides a label that would stick
out past the axis's end: a run of 1.003 s fitted tight showed "0.8" as its last number,
and nothing said where the run ended (issue 14).  Here the end of a finished run is a
tick of its own, labelled to the millisecond ("1.003"), and the round ticks too close
to it to be read beside it are left out.

The axis's height is measured from its fonts (tick labels, then the title under them):
pyqtgraph counts the title at 0.8 of its height and never measures it again when its
font grows, so at a projector's 20 points "time (s)" sat on the numbers.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF

#: the end's label keeps this many pixels of gap (at least) to the round ticks' labels
END_GAP = 16
#: pixels between the tick labels and the title under them
TITLE_GAP = 4
#: pyqtgraph draws the title this many pixels below where its item's box says
TITLE_NUDGE = 5


class TimeAxis(pg.AxisItem):  # type: ignore[misc]
    """A bottom axis of seconds that labels the run's end (``set_end``)."""

    def __init__(self, orientation: str = "bottom", **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        #: the end of the run shown (seconds), labelled; None: a live run (no end yet)
        self.end: float | None = None
        self._font = QFont()

    def set_end(self, end: float | None) -> None:
        """Label ``end`` (the run's duration), or nothing (None) while a run is live."""
        if end != self.end:
            self.end = end
            self.picture = None
            self.update()

    def set_fonts(self, font: QFont) -> None:
        """Tick labels and the title in ``font``; the axis as tall as both need."""
        self._font = QFont(font)
        self.setStyle(tickFont=font)
        self.label.setFont(font)
        self._updateHeight()
        self.resizeEvent()  # (the title placed again, at the axis's new height)

    def _updateHeight(self) -> None:
        """The axis as tall as ``needed_height`` (pyqtgraph asks again whenever the
        title is shown, hidden or written anew)."""
        if getattr(self, "_font", None) is None or not self.isVisible():
            super()._updateHeight()  # (pyqtgraph's own __init__ asks before ours ran)
            return
        height = self.needed_height()
        self.setMaximumHeight(height)
        self.setMinimumHeight(height)
        self.picture = None

    def needed_height(self) -> int:
        """Pixels for the ticks, their labels, and the title under them (pyqtgraph puts
        the title's item ``TITLE_NUDGE`` pixels past the axis's bottom: its text has a
        margin of its own)."""
        ticks = max(0, self.style["tickLength"]) + self.style["tickTextOffset"][1]
        ticks += QFontMetricsF(self._font).height()
        if not self.label.isVisible():
            return math.ceil(ticks)
        title = self.label.boundingRect().height()
        return math.ceil(ticks + TITLE_GAP + title - TITLE_NUDGE)

    def end_overhang(self) -> float:
        """Pixels the end's label reaches past the end (half its width) and a gap: the
        room a fitted view leaves after the run's end, so the label is drawn (pyqtgraph
        drops a label that sticks out of the axis)."""
        if self.end is None:
            return 0.0
        text = self._end_text(self._spacing_guess())
        return QFontMetricsF(self._font).horizontalAdvance(text) / 2 + END_GAP / 2

    def _spacing_guess(self) -> float:
        """The round ticks' spacing for the end's label, before any are laid out: a
        tenth of the end, to a power of ten (the label's width is all this is for)."""
        end = abs(self.end or 0.0) or 1.0
        return float(10 ** math.floor(math.log10(end / 10)))

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        """pyqtgraph's round ticks, and the run's end as one more major tick when it is
        in view (the round ones whose labels its label would touch are left out)."""
        levels: list[Any] = super().tickValues(minVal, maxVal, size)
        end = self.end
        low, high = sorted((minVal, maxVal))
        if end is None or not levels or not low <= end <= high or high <= low:
            return levels
        pixels = max(size, 1.0) / (high - low)
        metrics = QFontMetricsF(self._font)
        spacing, major = levels[0]
        scale = self.autoSIPrefixScale * self.scale
        own = metrics.horizontalAdvance(self._end_text(spacing, scale))
        texts = super().tickStrings(major, scale, spacing)
        widest = max((metrics.horizontalAdvance(text) for text in texts), default=0.0)
        apart = (own + widest) / 2 + END_GAP  # (pixels between two labels' centres)
        kept = [value for value in major if abs(value - end) * pixels >= apart]
        return [(spacing, [*kept, end]), *levels[1:]]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """The round ticks as pyqtgraph writes them; the end to the millisecond."""
        strings: list[str] = super().tickStrings(values, scale, spacing)
        if self.end is None:
            return strings
        return [
            self._end_text(spacing, scale) if value == self.end else text
            for value, text in zip(values, strings, strict=True)
        ]

    def _end_text(self, spacing: float, scale: float | None = None) -> str:
        """The end's label: four significant digits at least, and never fewer decimals
        than the round ticks have ("1.003", "12.50", "300.4" in ms)."""
        assert self.end is not None
        scale = self.autoSIPrefixScale * self.scale if scale is None else scale
        value = self.end * scale
        places = max(0, math.ceil(-math.log10(spacing * scale))) if spacing > 0 else 0
        digits = len(str(int(abs(value))))
        return f"{value:.{max(places, 4 - digits)}f}"
