"""The chart widget: the span bars, task lanes with names, outcome markers, a time axis."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont

from visualizer.model.lanes import lane_order
from visualizer.trace.data import Trace
from visualizer.views.gantt import LIGHT, Palette, SpanBars

#: a fitted chart has room for this many lanes at least
MIN_LANES = 8

#: outcome -> (symbol, colour): each its own glyph, so colour is never the only cue
MARKERS = {
    "created": ("t2", "#5f6368"),
    "done": ("o", "#2e7d32"),
    "error": ("x", "#d32f2f"),
    "cancelled": ("s", "#8e24aa"),
}


class GanttView(pg.PlotWidget):  # type: ignore[misc]
    """One lane per task (named on the left), time along the bottom, in s or ms."""

    def __init__(self, palette: Palette = LIGHT, font_size: int = 11) -> None:
        super().__init__(background=palette.background)
        self.palette = palette
        self.bars = SpanBars(palette)
        self.markers = pg.ScatterPlotItem(pxMode=True, size=9)
        plot = self.getPlotItem()
        plot.addItem(self.bars)
        plot.addItem(self.markers)
        plot.invertY(True)
        plot.setLabel("bottom", "time", units="s")
        plot.showGrid(x=True, y=False, alpha=0.25)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.setMouseEnabled(x=True, y=True)
        self.set_font_size(font_size)
        self.lanes = np.zeros(0, np.int64)

    def set_font_size(self, size: int) -> None:
        font = QFont()
        font.setPointSize(size)
        self.bars.set_font(font)
        for name in ("left", "bottom"):
            axis = self.getPlotItem().getAxis(name)
            # major ticks only: minor grid lines clutter a projected chart and cost
            # about 10 ms a frame (bench/chart.py)
            axis.setStyle(tickFont=font, maxTickLevel=0)
            axis.setTextPen(self.palette.foreground)
            axis.setPen(self.palette.foreground)
        self.getPlotItem().getAxis("left").setWidth(int(size * 13))

    def show_trace(self, trace: Trace, *, fit: bool = True) -> None:
        """Draw ``trace`` (a finished run, or a snapshot of a live one)."""
        self.lanes = lane_order(trace.tasks)
        spans = trace.spans
        lane = self.lanes[spans.task] if len(spans) else np.zeros(0, np.int64)
        self.bars.set_spans(
            lane,
            spans.state,
            spans.start,
            spans.end,
            spans.awaiting,
            [s.label for s in trace.suspensions],
        )
        ticks = sorted((int(self.lanes[t.id]), t.name) for t in trace.tasks)
        self.getPlotItem().getAxis("left").setTicks([ticks, []])
        self._show_markers(trace)
        if fit:
            self.fit(trace)

    def _show_markers(self, trace: Trace) -> None:
        spots = []
        for task in trace.tasks:
            y = float(self.lanes[task.id])
            symbol, colour = MARKERS["created"]
            spots.append({"pos": (task.created, y), "symbol": symbol, "brush": colour, "pen": None})
            if task.ended is not None and task.outcome in MARKERS:
                symbol, colour = MARKERS[task.outcome]
                pen = pg.mkPen(colour, width=2) if symbol == "x" else None
                spots.append(
                    {"pos": (task.ended, y), "symbol": symbol, "brush": colour, "pen": pen}
                )
        self.markers.setData(spots)

    def fit(self, trace: Trace) -> None:
        # room for at least MIN_LANES lanes: two tasks do not become two slabs
        lanes = max(len(trace.tasks), MIN_LANES)
        self.getPlotItem().setXRange(0.0, max(trace.duration, 1e-6), padding=0.02)
        self.getPlotItem().setYRange(-0.6, lanes - 0.4, padding=0)
