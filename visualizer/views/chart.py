"""The chart widget: the span bars, task lanes with names, outcome markers, a time axis."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from visualizer.model.details import span_at, span_tooltip
from visualizer.model.lanes import lane_order
from visualizer.model.loop_lanes import extra_rows
from visualizer.trace import schema
from visualizer.trace.data import Trace
from visualizer.views.arrows import Arrows
from visualizer.views.bands import Bands
from visualizer.views.gantt import BAR, LIGHT, Palette, SpanBars

#: wakes that no task caused -> (symbol, colour), drawn where the ready bar begins
WAKE_MARKS = {
    schema.WAKE_TIMER: ("d", "#795548"),
    schema.WAKE_IO: ("p", "#00838f"),
    schema.WAKE_THREAD: ("h", "#ad1457"),
}
#: above this many marks of one kind none are drawn (they would hide the bars)
MAX_WAKE_MARKS = 2000

#: a click this many pixels beside a thin bar still selects it
CLICK_PIXELS = 4

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
    """One lane per task (named on the left), time along the bottom, in s or ms.

    Clicking a bar selects its span (outlined) and emits ``span_clicked`` with the
    span's index in the trace shown; a click on nothing emits -1."""

    span_clicked = Signal(int)

    def __init__(self, palette: Palette = LIGHT, font_size: int = 11) -> None:
        super().__init__(background=palette.background)
        self.palette = palette
        self.bars = SpanBars(palette)
        self.extra = SpanBars(palette)  # the event loop's row and the executor threads'
        self.bands = Bands()
        self.marks: dict[str | int, pg.ScatterPlotItem] = {}  #: one scatter item per kind
        self.wakes = Arrows(palette.wake)
        self.cancels = Arrows(MARKERS["cancelled"][1])  # who cancelled whom: the marker's colour
        self.creations = Arrows(palette.creation, dashed=True)
        self.from_threads = Arrows(WAKE_MARKS[schema.WAKE_THREAD][1])  # a job woke its task
        plot = self.getPlotItem()
        plot.addItem(self.bands)
        plot.addItem(self.bars)
        plot.addItem(self.extra)
        plot.addItem(self.creations)
        plot.addItem(self.wakes)
        plot.addItem(self.cancels)
        plot.addItem(self.from_threads)
        plot.invertY(True)
        plot.setLabel("bottom", "time", units="s")
        plot.showGrid(x=True, y=False, alpha=0.25)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.setMouseEnabled(x=True, y=True)
        self.set_font_size(font_size)
        self.lanes = np.zeros(0, np.int64)
        self.rows = 0  #: task lanes plus the loop's and the threads' rows
        self._ticks: list[tuple[int, str]] = []
        self._shown_ticks: list[tuple[int, str]] | None = None
        self.trace: Trace | None = None
        self.selection = QGraphicsRectItem()
        pen = QPen(QColor(palette.foreground), 2)
        pen.setCosmetic(True)
        self.selection.setPen(pen)
        self.selection.setZValue(10)
        self.selection.hide()
        plot.addItem(self.selection)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.scene().sigMouseMoved.connect(self._hovered)
        # live: a "now" line, and the view following it until the user pans or zooms
        self.now_line = pg.InfiniteLine(angle=90, movable=False)
        self.now_line.setZValue(20)
        self.now_line.hide()
        plot.addItem(self.now_line)
        self.following = True
        plot.getViewBox().sigRangeChangedManually.connect(self._user_moved)
        plot.getViewBox().sigYRangeChanged.connect(self._name_lanes)
        self._font_size = font_size
        self.set_palette(palette)

    def set_palette(self, palette: Palette) -> None:
        """Re-colour everything (light/dark) without touching the data."""
        self.palette = palette
        self.setBackground(palette.background)
        self.bars.set_palette(palette)
        self.extra.set_palette(palette)
        self.wakes.set_colour(palette.wake)
        self.creations.set_colour(palette.creation)
        pen = QPen(QColor(palette.foreground), 2)
        pen.setCosmetic(True)
        self.selection.setPen(pen)
        self.now_line.setPen(pg.mkPen(palette.running, width=2, style=Qt.PenStyle.DashLine))
        self.set_font_size(self._font_size)

    def _name_lanes(self, *_: Any) -> None:
        """Name the lanes in view, as many as fit: with thousands of lanes in view every
        name would be drawn on top of the others (2.3 s a frame at 10,000)."""
        view = self.getPlotItem().getViewBox()
        (_, _), (y0, y1) = view.viewRange()
        top, bottom = max(int(np.floor(min(y0, y1))), 0), int(np.ceil(max(y0, y1)))
        pixels = max(view.height(), 1.0) / max(bottom - top, 1)
        step = max(1, int(np.ceil(self._font_size * 1.6 / pixels)))
        shown = [(lane, name) for lane, name in self._ticks if top <= lane <= bottom]
        shown = [tick for tick in shown if tick[0] % step == 0] if step > 1 else shown
        if shown != self._shown_ticks:
            self._shown_ticks = shown
            self.getPlotItem().getAxis("left").setTicks([shown, []])

    def _user_moved(self, *_: Any) -> None:
        self.following = False  # the user looks elsewhere: stop following (End resumes)

    def show_now(self, now: float | None) -> None:
        """While live: the "now" line at ``now`` and, if following, the view ending there."""
        if now is None:
            self.now_line.hide()
            return
        self.now_line.setValue(now)
        self.now_line.show()
        if self.following:
            view = self.getPlotItem().getViewBox()
            (x0, x1), _ = view.viewRange()
            width = max(x1 - x0, 0.5)
            left = max(0.0, now - width * 0.9)
            view.setXRange(left, left + width, padding=0)

    def zoom_time(self, factor: float) -> None:
        """Zoom the time axis about the view's centre (factor < 1: in)."""
        self.getPlotItem().getViewBox().scaleBy(x=factor, y=1)

    def _clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.trace is None:
            return
        view = self.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        tolerance = CLICK_PIXELS * (view.viewPixelSize()[0] or 0.0)
        index = span_at(self.trace, self.lanes, point.x(), round(point.y()), tolerance)
        self.select_span(index)
        self.span_clicked.emit(-1 if index is None else index)

    def _hovered(self, position: Any) -> None:
        """A short tooltip: task, state, what it awaited, how long."""
        view = self.getPlotItem().getViewBox()
        if self.trace is None or not view.sceneBoundingRect().contains(position):
            self.setToolTip("")
            return
        point = view.mapSceneToView(position)
        tolerance = CLICK_PIXELS * (view.viewPixelSize()[0] or 0.0)
        index = span_at(self.trace, self.lanes, point.x(), round(point.y()), tolerance)
        self.setToolTip("" if index is None else span_tooltip(self.trace, index))

    def select_span(self, index: int | None) -> None:
        """Outline span ``index`` of the trace shown (None: no selection)."""
        if index is None or self.trace is None:
            self.selection.hide()
            return
        spans = self.trace.spans
        lane = float(self.lanes[spans.task[index]])
        start, end = float(spans.start[index]), float(spans.end[index])
        self.selection.setRect(QRectF(start, lane - BAR / 2, max(end - start, 1e-9), BAR))
        self.selection.show()

    def set_font_size(self, size: int) -> None:
        self._font_size = size
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
            axis.label.setFont(font)
        self.getPlotItem().getAxis("left").setWidth(int(size * 13))

    def show_trace(self, trace: Trace, *, fit: bool = True) -> None:
        """Draw ``trace`` (a finished run, or a snapshot of a live one)."""
        self.trace = trace
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
        ticks += self._show_loop_rows(trace)
        if ticks != self._ticks:  # (re-laying out the lane names costs a frame's time)
            self._ticks = ticks
            self._shown_ticks = None
            self._name_lanes()
        self._show_markers(trace)
        self._show_arrows(trace)
        if fit:
            self.fit(trace)

    def _show_loop_rows(self, trace: Trace) -> list[tuple[int, str]]:
        """Under the tasks: the event loop (busy when a step runs) and each executor
        thread with its jobs; blocked intervals as red bands across all of it."""
        first = len(trace.tasks)
        rows = extra_rows(trace)
        labels = sorted({text for text in rows.label if text is not None})
        index = {text: i for i, text in enumerate(labels)}
        self.extra.set_spans(
            first + rows.row,
            np.full(len(rows.start), schema.RUNNING, np.int8),
            rows.start,
            rows.end,
            [-1 if text is None else index[text] for text in rows.label],
            labels,
        )
        self.rows = first + len(rows.names)
        self.from_threads.set_arrows(
            [t for t, _, _ in rows.thread_wakes],
            [first + row for _, row, _ in rows.thread_wakes],
            [self.lanes[task] for _, _, task in rows.thread_wakes],
        )
        self.bands.set_bands(
            [b.start for b in trace.blocked], [b.end for b in trace.blocked], -0.5, self.rows - 0.5
        )
        return [(first + i, name) for i, name in enumerate(rows.names)]

    def _show_arrows(self, trace: Trace) -> None:
        """Wake arrows (a task's step woke another) and creation arrows (parent to child)."""
        spans = trace.spans
        ready = (spans.state == schema.READY) & (spans.woken_task >= 0)
        for item, kind in ((self.wakes, schema.WAKE_TASK), (self.cancels, schema.WAKE_CANCEL)):
            which = ready & (spans.woken_kind == kind)
            item.set_arrows(
                spans.start[which],
                self.lanes[spans.woken_task[which]],
                self.lanes[spans.task[which]],
            )
        children = [t for t in trace.tasks if t.parent is not None]
        self.creations.set_arrows(
            [t.created for t in children],
            [self.lanes[t.parent] for t in children],
            [self.lanes[t.id] for t in children],
        )

    def show_arrows(self, wakes: bool, creations: bool) -> None:
        self.wakes.setVisible(wakes)
        self.cancels.setVisible(wakes)
        self.from_threads.setVisible(wakes)
        self.creations.setVisible(creations)

    def _show_markers(self, trace: Trace) -> None:
        """Outcome glyphs at each task's creation and end, and marks where a timer, I/O
        or a thread woke a task: one scatter item per kind, fed whole arrays (a Python
        dict per spot made a live frame of 200 tasks cost 40 ms)."""
        tasks = trace.tasks
        lane = np.array([self.lanes[t.id] for t in tasks], np.float64)
        created = np.array([t.created for t in tasks], np.float64)
        self._set_marks("created", created, lane)
        for outcome in ("done", "error", "cancelled"):
            ended = [(t.ended, self.lanes[t.id]) for t in tasks if t.outcome == outcome]
            x, y = (
                (np.array(c, np.float64) for c in zip(*ended, strict=True))
                if ended
                else (
                    np.zeros(0),
                    np.zeros(0),
                )
            )
            self._set_marks(outcome, x, y)
        spans = trace.spans
        for kind in WAKE_MARKS:
            which = (spans.state == schema.READY) & (spans.woken_kind == kind)
            if which.sum() > MAX_WAKE_MARKS:
                which[:] = False  # too many: they would hide the bars
            # on the bar's upper edge, where the ready bar begins
            self._set_marks(kind, spans.start[which], self.lanes[spans.task[which]] - 0.5 * BAR)

    def _set_marks(self, kind: str | int, x: np.ndarray, y: np.ndarray) -> None:
        item = self.marks.get(kind)
        if item is None:
            symbol, colour = MARKERS[kind] if isinstance(kind, str) else WAKE_MARKS[kind]
            pen = pg.mkPen(colour, width=2) if symbol == "x" else None
            size = 9 if isinstance(kind, str) else 7
            item = pg.ScatterPlotItem(pxMode=True, size=size, symbol=symbol, brush=colour, pen=pen)
            item.setZValue(5)
            self.getPlotItem().addItem(item)
            self.marks[kind] = item
        item.setData(x=x, y=y)

    def fit(self, trace: Trace) -> None:
        # room for at least MIN_LANES lanes: two tasks do not become two slabs
        lanes = max(self.rows, MIN_LANES)
        self.getPlotItem().setXRange(0.0, max(trace.duration, 1e-6), padding=0.02)
        self.getPlotItem().setYRange(-0.6, lanes - 0.4, padding=0)
