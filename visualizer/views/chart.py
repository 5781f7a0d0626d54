"""The chart widget: the span bars, task lanes with names, outcome markers, a time axis."""

from __future__ import annotations

import bisect
import html
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from visualizer.model.details import span_at, span_of_marker, span_tooltip
from visualizer.model.lanes import lanes_of
from visualizer.model.loop_lanes import (
    ExtraRows,
    busy_intervals,
    job_rows,
    thread_wakes,
    union,
)
from visualizer.model.statistics import run_statistics
from visualizer.model.statistics_text import run_summary
from visualizer.trace import schema
from visualizer.trace.data import OUTCOMES, SpanColumns, TaskColumns, Trace
from visualizer.views.arrows import Arrows
from visualizer.views.bands import Bands
from visualizer.views.bar_labels import BarLabels
from visualizer.views.fit import ChartFit
from visualizer.views.forgotten import ForgottenShade
from visualizer.views.gantt import BAR, LIGHT, Palette, SpanBars
from visualizer.views.lane_names import LaneNames
from visualizer.views.lines import SafeLine
from visualizer.views.live_spans import Columns, LiveSpans
from visualizer.views.resource_lanes import ResourceLanes
from visualizer.views.time_axis import TimeAxis
from visualizer.views.time_cursor import TimeCursor
from visualizer.views.timeline_marks import TimelineMarks, mark_tooltip
from visualizer.views.words import row_name

#: a cancel that no task called (a timeout's timer, a callback): a wake kind of the
#: chart's own, as it is drawn like a timer's wake (a mark, a short arrow), not like a
#: cancel by a task (an arrow from that task)
CANCEL_BY_CALLBACK = len(schema.WAKE_NAMES)
#: wakes that no task caused -> (symbol, colour), drawn where the ready bar begins
WAKE_MARKS = {
    schema.WAKE_TIMER: ("d", "#795548"),
    schema.WAKE_IO: ("p", "#00838f"),
    schema.WAKE_THREAD: ("h", "#ad1457"),
    CANCEL_BY_CALLBACK: ("t", "#8e24aa"),  # (the purple of "cancelled")
}
#: above this many marks of one kind none are drawn (they would hide the bars)
MAX_WAKE_MARKS = 2000
#: a wake's mark sits this far above its lane's centre: in the gap above the bar
WAKE_MARK_Y = 0.5

#: a kind with more marks than this draws only those in view (fewer: all, once)
CULL_FROM = 2000

#: a click this many pixels beside a thin bar still selects it
CLICK_PIXELS = 4

#: glyphs (outcomes, wakes) and arrows grow with the type above this size (points): big
#: type for a projector, and glyphs as readable as the words beside them
GLYPH_FONT = 11

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
    #: a click on the event loop's row (under the tasks' lanes): the run's statistics
    loop_clicked = Signal()
    #: the resources' rows came or went (the legend names them only while shown)
    resource_rows_shown = Signal(bool)

    def __init__(self, palette: Palette = LIGHT, font_size: int = 11) -> None:
        time_axis = TimeAxis("bottom")
        super().__init__(background=palette.background, axisItems={"bottom": time_axis})
        #: seconds, with the run's end labelled
        self.time_axis = time_axis
        self.palette = palette
        self.bars = SpanBars(palette)
        self.extra = SpanBars(palette)  # the event loop's row and the executor threads'
        #: what each bar stands for, written in it, over the arrows
        self.bar_labels = BarLabels(self.bars)
        self.extra_labels = BarLabels(self.extra)
        self.bands = Bands()
        self.marks: dict[str | int, pg.ScatterPlotItem] = {}  #: one scatter item per kind
        self._marks_shown: dict[str | int, tuple[np.ndarray, np.ndarray]] = {}
        self.wakes = Arrows(palette.wake)
        self.cancels = Arrows(MARKERS["cancelled"][1])  # who cancelled whom: the marker's colour
        self.creations = Arrows(palette.creation, dashed=True)
        self.from_threads = Arrows(WAKE_MARKS[schema.WAKE_THREAD][1])  # a job woke its task
        #: a short arrow from a timer's or I/O's mark into the bar of the task it woke
        self.from_loop = {
            kind: Arrows(WAKE_MARKS[kind][1])
            for kind in (schema.WAKE_TIMER, schema.WAKE_IO, CANCEL_BY_CALLBACK)
        }
        plot = self.getPlotItem()
        plot.addItem(self.bands)
        plot.addItem(self.bars)
        plot.addItem(self.extra)
        plot.addItem(self.creations)
        plot.addItem(self.wakes)
        plot.addItem(self.cancels)
        plot.addItem(self.from_threads)
        for item in self.from_loop.values():
            plot.addItem(item)
        plot.addItem(self.bar_labels, ignoreBounds=True)
        plot.addItem(self.extra_labels, ignoreBounds=True)
        #: the run's queues, semaphores, locks ... as rows under the others (issue 15)
        self.resources = ResourceLanes(plot, palette)
        plot.invertY(True)
        # before anything is shown: the first second, and room for a few lanes (not
        # pyqtgraph's -0.5..0.5, negative time on an empty chart)
        plot.setXRange(0.0, 1.0, padding=0)
        plot.setYRange(-0.6, MIN_LANES - 0.4, padding=0)
        plot.getAxis("left").setTicks([[], []])  # (lane names come with lanes; no numbers)
        plot.setLabel("bottom", self.tr("time"), units="s")
        plot.showGrid(x=True, y=False, alpha=0.25)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.setMouseEnabled(x=True, y=True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # (a click gives it the keys)
        #: warnings asyncio gave the program (and its notes), labelled on their lanes
        self.timeline_marks = TimelineMarks(plot, QFont())
        #: over a finished run: a line to drag through time, the future dimmed (``moved``)
        self.cursor = TimeCursor(plot, palette)
        #: the lane names' column (charts stacked on one time axis give it a floor, so
        #: the same instant is at the same x in each)
        self.names = LaneNames(plot.getAxis("left"), plot.getViewBox())
        #: fits the view to a run (and again as the chart is resized): ``fit_time``
        self.fitting = ChartFit(plot.getViewBox(), self._line_pixels, self.time_axis.end_overhang)
        self._rows_named = 0  #: the rows under the task lanes, as last named
        self._named: tuple[TaskColumns, list[str], int] | None = None  #: ``_set_ticks``'
        self._resources_on = False  #: the resources' rows were shown, last named
        #: each mark kind's marks, all of them: only those in view are given to its item
        #: (a service's chart has hundreds of thousands; pyqtgraph rebuilds every spot)
        self._marks_drawn: dict[str | int, tuple[np.ndarray, np.ndarray]] = {}
        self.set_font_size(font_size)
        self.lanes = np.zeros(0, np.int64)
        self.rows = 0  #: task lanes plus the loop's and the threads' rows
        self.trace: Trace | None = None
        self._snapshot: Callable[[], Trace | None] | None = None  #: while live: the run so far
        self._selected: tuple[int, float, float] | None = None  #: (task, start, end)
        self._loop_said: tuple[Trace, str] | None = None  #: ``_loop_summary``'s, and of what
        self._points = LiveSpans()
        self.selection = QGraphicsRectItem()
        pen = QPen(QColor(palette.foreground), 2)
        pen.setCosmetic(True)
        self.selection.setPen(pen)
        self.selection.setZValue(10)
        self.selection.hide()
        plot.addItem(self.selection)
        #: more things whose words a hover shows (an insight's badge): each gives them
        #: at a point of the view (x, y, a pixel's size there), or None
        self.hover_sources: list[Callable[[float, float, tuple[float, float]], str | None]] = []
        #: what else a click on the plot may be for (an insight's badge), asked in turn
        #: before a bar is: (x, y, the view's pixel size) -> whether it took the click
        self.click_sources: list[Callable[[float, float, tuple[float, float]], bool]] = []
        self.scene().sigMouseClicked.connect(self._clicked)
        self.scene().sigMouseMoved.connect(self._hovered)
        # live: a "now" line, and the view following it until the user pans or zooms
        self.now_line = SafeLine(angle=90, movable=False)
        self.now_line.setZValue(20)
        self.now_line.hide()
        plot.addItem(self.now_line)
        #: a long run's time before the history kept: shaded, and said in words
        self.forgotten = ForgottenShade(plot, palette)
        self.following = True
        #: while following, keep the run's start in view (the view grows) rather than
        #: slide along with "now": a lecture's short run seen whole (presenter mode)
        self.keep_start = False
        plot.getViewBox().sigRangeChangedManually.connect(self._user_moved)
        plot.getViewBox().sigYRangeChanged.connect(self.names.show_in_view)
        plot.getViewBox().sigRangeChanged.connect(self._cull_marks)
        # (a warning's label is laid out in the view: never cut by its edges)
        plot.getViewBox().sigRangeChanged.connect(self.timeline_marks.place)
        plot.getViewBox().sigResized.connect(self.timeline_marks.place)
        self._font_size = font_size
        self.paint_seconds = 0.0  #: how long the last paint took
        self.paints = 0  #: paints so far
        #: told of each paint, (start, end) on ``time.monotonic``: a run drawn on the
        #: loop it runs on records when the window held that loop
        self.painted: Callable[[float, float], None] | None = None
        self.set_palette(palette)

    def paintEvent(self, event: Any) -> None:
        """Paint, and note how long it took (a live frame's pace counts it)."""
        began = time.monotonic()
        super().paintEvent(event)
        ended = time.monotonic()
        self.paint_seconds = ended - began
        self.paints += 1
        if self.painted is not None:
            self.painted(began, ended)

    def set_palette(self, palette: Palette) -> None:
        """Re-colour everything (light/dark) without touching the data."""
        self.palette = palette
        self.setBackground(palette.background)
        self.bars.set_palette(palette)
        self.extra.set_palette(palette)
        self.resources.set_palette(palette)
        self.wakes.set_colour(palette.wake)
        self.creations.set_colour(palette.creation)
        pen = QPen(QColor(palette.foreground), 2)
        pen.setCosmetic(True)
        self.selection.setPen(pen)
        self.now_line.setPen(pg.mkPen(palette.running, width=2, style=Qt.PenStyle.DashLine))
        self.forgotten.set_palette(palette)
        self.cursor.set_palette(palette)
        self.set_font_size(self._font_size)

    def _user_moved(self, *_: Any) -> None:
        self.following = False  # the user looks elsewhere: stop following (End resumes)

    def show_now(self, now: float | None, rows: int | None = None) -> None:
        """While live: the "now" line at ``now`` and, if following, the view ending there
        (and showing ``rows`` rows, if given: one move of the view, not two)."""
        if now is None:
            self.now_line.hide()
            return
        self.now_line.setValue(now)
        self.now_line.show()
        if self.following:
            view = self.getPlotItem().getViewBox()
            (x0, x1), (y0, y1) = view.viewRange()
            width = max(x1 - x0, 0.5)
            left = max(0.0, now - width * 0.9)
            if self.keep_start:  # (as ``fit`` pads: the start's glyphs and 0 s in view)
                width = max(width, now / 0.9)
                left = -0.02 * width
            lanes = self.fitting.lanes(rows) if rows is not None else (y0, y1)
            view.setRange(xRange=(left, left + width), yRange=lanes, padding=0)

    def keyPressEvent(self, event: Any) -> None:
        """Pan with the keys (the chart has focus once clicked): Left / Right move time
        by a tenth of the view, Up / Down a lane, Page Up / Down a view of lanes."""
        view = self.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = view.viewRange()
        moves = {
            Qt.Key.Key_Left: (-(x1 - x0) / 10, 0.0),
            Qt.Key.Key_Right: ((x1 - x0) / 10, 0.0),
            Qt.Key.Key_Up: (0.0, -1.0),
            Qt.Key.Key_Down: (0.0, 1.0),
            Qt.Key.Key_PageUp: (0.0, -(y1 - y0)),
            Qt.Key.Key_PageDown: (0.0, y1 - y0),
        }
        move = moves.get(Qt.Key(event.key()))
        if move is None:
            super().keyPressEvent(event)
            return
        self.following = False  # the user looks elsewhere (End resumes)
        view.setRange(
            xRange=(x0 + move[0], x1 + move[0]), yRange=(y0 + move[1], y1 + move[1]), padding=0
        )
        event.accept()

    def center_on(self, t: float) -> None:
        """The view's time span, moved to have ``t`` in its middle (and no longer
        following a live run: the user looks at that moment)."""
        self.following = False
        view = self.getPlotItem().getViewBox()
        (x0, x1), _ = view.viewRange()
        half = (x1 - x0) / 2
        view.setXRange(t - half, t + half, padding=0)

    def zoom_time(self, factor: float) -> None:
        """Zoom the time axis about the view's centre (factor < 1: in)."""
        self.getPlotItem().getViewBox().scaleBy(x=factor, y=1)

    def _shown_trace(self) -> Trace | None:
        """The trace drawn; while live, the run so far (asked once a frame, when needed),
        without the tasks made since the last frame: they have no lane yet."""
        if self.trace is None and self._snapshot is not None:
            trace = self._snapshot()
            if trace is None:  # (the run's tasks were renumbered: until the next frame)
                return None
            known = len(self.lanes)
            if len(trace.tasks) > known:
                trace.tasks = trace.tasks.head(known)
                trace.spans = trace.spans.take(trace.spans.task < known)
            self.trace = trace
        return self.trace

    def _clicked(self, event: Any) -> None:
        trace = self._shown_trace()
        if event.button() != Qt.MouseButton.LeftButton or trace is None:
            return
        if self._snapshot is None and self.cursor.place_from_axis(event.scenePos()):
            return  # (a click on the time axis of a finished run: the time cursor there)
        if self._resource_clicked(event.scenePos()):
            return
        self.resources.clear()  # (a click elsewhere: the users of a resource no longer)
        view = self.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        pixel = view.viewPixelSize()
        if any(source(point.x(), point.y(), pixel) for source in self.click_sources):
            return
        index = self._span_under(trace, point)
        self.select_span(index)
        if index is None and self._on_loop_row(point.y()):
            self.loop_clicked.emit()
            return
        self.span_clicked.emit(-1 if index is None else index)

    def _on_loop_row(self, y: float) -> bool:
        """Whether ``y`` is on the event loop's row: the first under the tasks' lanes."""
        return round(y) == len(self.lanes)

    def _loop_summary(self, trace: Trace) -> str:
        """The loop's row's tooltip: the run's busy share and percentiles (one line,
        made once per trace shown: a run of millions of spans takes tens of ms)."""
        if self._loop_said is None or self._loop_said[0] is not trace:
            said = run_summary(run_statistics(trace), QCoreApplication.translate)
            self._loop_said = (trace, said)
        return self._loop_said[1]

    def _resource_clicked(self, position: QPointF) -> bool:
        """A click on a resource's row or its name picks out the tasks that used it (or
        no longer); on the rows' header, it folds or unfolds them."""
        plot = self.getPlotItem()
        view = plot.getViewBox()
        on_names = plot.getAxis("left").sceneBoundingRect().contains(position)
        if not self.resources.lanes or not (
            on_names or view.sceneBoundingRect().contains(position)
        ):
            return False
        what = self.resources.click(view.mapSceneToView(position).y())
        if what == "layout":
            self._resources_relaid()
        return what is not None

    def _marker_at(self, trace: Trace, x: float, y: float) -> int | None:
        """The span of the marker under a click (its glyph, a few pixels around), if any:
        a task's creation, its end, or a wake (``span_of_marker``)."""
        width, height = self.getPlotItem().getViewBox().viewPixelSize()
        if not width or not height:
            return None
        best: tuple[float, str | int, float, float] | None = None
        for kind, (mx, my) in self._marks_shown.items():
            item = self.marks.get(kind)
            if item is None or not item.isVisible() or not len(mx):
                continue
            reach = item.opts["size"] / 2 + CLICK_PIXELS
            distance = np.hypot((mx - x) / width, (my - y) / height)
            nearest = int(np.argmin(distance))
            if distance[nearest] <= reach and (best is None or distance[nearest] < best[0]):
                best = (float(distance[nearest]), kind, float(mx[nearest]), float(my[nearest]))
        if best is None:
            return None
        _, kind, mx_, my_ = best
        # (a wake's mark sits in the gap above its task's bar)
        lane = round(my_ + (WAKE_MARK_Y if isinstance(kind, int) else 0.0))
        tasks = np.flatnonzero(self.lanes == lane)
        if not len(tasks):
            return None
        if kind == CANCEL_BY_CALLBACK:
            kind = schema.WAKE_CANCEL
        return span_of_marker(trace, int(tasks[0]), kind, mx_)

    def _hovered(self, position: Any) -> None:
        """A short tooltip: task, state, what it awaited, how long."""
        plot = self.getPlotItem()
        view = plot.getViewBox()
        inside = view.sceneBoundingRect().contains(position)
        if self.resources.lanes and not inside:  # (a resource's name: what it is)
            on_names = plot.getAxis("left").sceneBoundingRect().contains(position)
            said = self.resources.label_tooltip(view.mapSceneToView(position).y())
            self.setToolTip(as_text(said) if on_names and said else "")
            return
        trace = self._shown_trace() if inside else None
        if trace is None:
            self.setToolTip("")
            return
        point = view.mapSceneToView(position)
        said = self.resources.tooltip(point.x(), point.y())
        if said is not None:
            self.setToolTip(as_text(said))
            return
        for source in self.hover_sources:
            said = source(point.x(), point.y(), view.viewPixelSize())
            if said is not None:
                self.setToolTip(as_text(said))
                return
        mark = self.timeline_marks.mark_at(
            point.x(), point.y(), view.viewPixelSize()
        ) or self.timeline_marks.mark_of_label_at(position)
        if mark is not None:
            self.setToolTip(as_text(mark_tooltip(mark)))
            return
        index = self._span_under(trace, point)
        if index is not None:
            self.setToolTip(as_text(span_tooltip(trace, index, QCoreApplication.translate)))
            return
        if self._on_loop_row(point.y()):
            self.setToolTip(as_text(self._loop_summary(trace)))
            return
        # a job on a thread's row: no task's span, but its label, whole
        whole = self.extra_labels.label_at(point.x(), point.y())
        self.setToolTip("" if whole is None else as_text(whole))

    def _span_under(self, trace: Trace, point: QPointF) -> int | None:
        """The span a marker under ``point`` stands for, else the bar under it."""
        index = self._marker_at(trace, point.x(), point.y())
        if index is None:
            tolerance = CLICK_PIXELS * (self.getPlotItem().getViewBox().viewPixelSize()[0] or 0.0)
            index = span_at(trace, self.lanes, point.x(), round(point.y()), tolerance)
        return index

    def select_span(self, index: int | None) -> None:
        """Outline span ``index`` of the trace shown (None: no selection)."""
        if index is None or self.trace is None:
            self.selection.hide()
            self._selected = None
            return
        spans = self.trace.spans
        self._selected = (
            int(spans.task[index]),
            float(spans.start[index]),
            float(spans.end[index]),
        )
        self._place_selection()

    def _place_selection(self) -> None:
        """The outline on its span's lane (while live a new task can move the lanes)."""
        if self._selected is None:
            return
        task, start, end = self._selected
        lane = float(self.lanes[task])
        self.selection.setRect(QRectF(start, lane - BAR / 2, max(end - start, 1e-9), BAR))
        self.selection.show()

    def _glyph_size(self, kind: str | int) -> int:
        """Pixels of an outcome's glyph (9 at the usual type) or a wake's (7)."""
        base = 9 if isinstance(kind, str) else 7
        return round(base * max(1.0, self._font_size / GLYPH_FONT))

    def set_font_size(self, size: int) -> None:
        self._font_size = size
        for kind, item in self.marks.items():
            item.setSize(self._glyph_size(kind))
        scale = max(1.0, size / GLYPH_FONT)
        for arrows in (self.wakes, self.cancels, self.creations, self.from_threads):
            arrows.set_scale(scale)
        for arrows in self.from_loop.values():
            arrows.set_scale(scale)
        font = QFont()
        font.setPointSize(size)
        self.bar_labels.set_font(font)
        self.extra_labels.set_font(font)
        self.resources.set_font(font)
        self.timeline_marks.set_font(font)
        self.cursor.set_font(font)
        for name in ("left", "bottom"):
            axis = self.getPlotItem().getAxis(name)
            # major ticks only: minor grid lines clutter a projected chart and cost
            # about 10 ms a frame (bench/chart.py)
            axis.setStyle(tickFont=font, maxTickLevel=0)
            axis.setTextPen(self.palette.foreground)
            axis.setPen(self.palette.foreground)
            axis.label.setFont(font)
        self.time_axis.set_fonts(font)  # (its height: the title under the numbers)
        self.names.set_font(font, size)

    def _line_pixels(self) -> float:
        """Pixels of a line of the chart's type (a lane's most height is counted in them)."""
        font = QFont()
        font.setPointSize(self._font_size)
        return QFontMetricsF(font).lineSpacing()

    def show_trace(self, trace: Trace, *, fit: bool = True) -> None:
        """Draw ``trace`` (a finished run, or a snapshot of a live one)."""
        self.trace = trace
        # (the trace's own columns if it has them: a run's, a compact file's; else from
        # the records, 40 ms at 100,000 tasks)
        columns = trace.columns or TaskColumns.of(trace.tasks)
        self.lanes = lanes_of(columns.parent)
        spans = trace.spans
        # (read through an index per state: each span's lane is its task's, int32)
        self.bars.set_spans(
            spans.task,
            spans.state,
            spans.start,
            spans.end,
            spans.awaiting,
            [s.label for s in trace.suspensions],
            lane_of=self.lanes.astype(np.int32),
        )
        first = len(trace.tasks)
        self.names.reset()
        loop_rows = self._show_loop_rows(trace, first)
        self.resources.show_trace(trace, self.rows, self.lanes, columns.names)
        self._set_ticks(columns, loop_rows, first)
        self._show_markers(trace, columns)
        self._show_arrows(trace, columns)
        self.timeline_marks.set_marks(trace.marks, self.lanes, first)
        self.forgotten.show(trace.meta)
        self.cursor.set_end(trace.duration)
        self.time_axis.set_end(trace.duration)
        if fit:
            self.fit(trace)

    def _set_ticks(self, columns: TaskColumns, rows: list[str], first: int) -> None:
        """Name the task lanes and, from lane ``first``, the loop's and threads' rows."""
        self._rows_named = len(rows)
        self._named = (columns, rows, first)
        on = self.resources.lanes > 0
        if on != self._resources_on:
            self._resources_on = on
            self.resource_rows_shown.emit(on)
        names = [row_name(name) for name in rows] + self.resources.labels()
        self.names.set(self.lanes, columns.names, names, first)

    @property
    def all_rows(self) -> int:
        """Every lane: the tasks', the loop's and threads', the resources'."""
        return self.rows + self.resources.lanes

    def show_resource_rows(self, on: bool) -> None:
        """The resources' rows on or off (the View menu's "Resource rows")."""
        if self.resources.set_shown(on):
            self._resources_relaid()

    def _resources_relaid(self) -> None:
        """The resources' lanes changed (on, off, folded): named and fitted again."""
        if self._named is not None:
            self._set_ticks(*self._named)
        self.fitting.refit(self.all_rows)

    def names_width(self) -> int:
        """Pixels of the lane names' column (at the left of the time axis)."""
        return self.names.width

    def set_names_width_floor(self, pixels: int) -> None:
        """The names' column at least ``pixels`` wide (0: as wide as its names need)."""
        self.names.set_floor(pixels)

    def _show_loop_rows(self, trace: Trace, first: int) -> list[str]:
        """Under the tasks: the event loop (busy when a step runs) and each executor
        thread with its jobs; blocked intervals as red bands across all of it."""
        rows = job_rows(trace.jobs, trace.observed)
        busy_start, busy_end = busy_intervals(trace)
        label, labels = rows.label_ids()
        lane, start, end = _loop_row(first, busy_start, busy_end, rows)
        busy = np.broadcast_to(np.int32(-1), busy_start.shape)
        self.extra.set_spans(
            lane,
            np.broadcast_to(np.int8(schema.RUNNING), start.shape),
            start,
            end,
            np.concatenate([busy, label]) if len(label) else busy,
            labels,
        )
        self.rows = first + len(rows.names)
        spans = trace.spans
        woken = (spans.state == schema.READY) & (spans.woken_kind == schema.WAKE_THREAD)
        wakes = thread_wakes(spans.task[woken], spans.start[woken], trace.jobs, rows)
        self._show_thread_wakes(wakes, first)
        self._show_loop_wakes(spans.task, spans.state, spans.start, _shown_kinds(spans))
        self.bands.set_bands(
            [b.start for b in trace.blocked], [b.end for b in trace.blocked], -0.5, self.rows - 0.5
        )
        return rows.names

    # --- live -------------------------------------------------------------------------------
    def begin_live(self, snapshot: Callable[[], Trace | None]) -> None:
        """A live run begins: frames come by ``show_live``; ``snapshot`` gives the trace so
        far when a click or the tooltip needs it (at most once a frame)."""
        self.bars.begin_live()
        self.extra.begin_live()
        # wake marks and wake arrows as points: (woken task, kind, x, x, waker)
        self._points = LiveSpans()
        self._snapshot = snapshot
        self.trace = None
        self.time_axis.set_end(None)  # (no end yet)
        self.fitting.forget()  # (the frames move the view)
        self.lanes = np.zeros(0, np.int64)
        self.selection.hide()
        self._selected = None
        self.resources.begin_live()

    def end_live(self) -> None:
        self._snapshot = None

    def show_live(self, delta: Trace, opened: SpanColumns, *, tasks_changed: bool = True) -> None:
        """A live frame: ``delta`` has every task and the spans closed since the last
        frame, ``opened`` the spans still open; ``tasks_changed`` if a task was made,
        renamed or ended since.  It costs what is new, not what is shown (``live_spans``)."""
        tasks = delta.tasks
        columns = delta.columns if delta.columns is not None else TaskColumns.of(tasks)
        self.forgotten.show(delta.meta)
        if len(tasks) != len(self.lanes):  # (tasks only come: lanes change only then)
            self.lanes = lanes_of(columns.parent)
            tasks_changed = True
            self._place_selection()
        self.trace = None  # a click asks ``snapshot`` for the trace of this frame
        spans = delta.spans
        labels = [s.label for s in delta.suspensions]
        first = len(tasks)
        # The loop's row (busy while a step runs) is drawn with the tasks' lanes, as key
        # 0 (a task's key is its id + 1): one coverage image a frame, not two (1 ms).
        running = spans.state == schema.RUNNING
        busy_start, busy_end = union(spans.start[running], spans.end[running])
        count = len(busy_start)
        busy = Columns.of(
            np.zeros(count), np.full(count, schema.RUNNING), busy_start, busy_end, -np.ones(count)
        )
        self.bars.append_live(Columns.joined([_keyed(spans, spans.task + 1, spans.awaiting), busy]))
        self.bars.set_live(
            np.concatenate([[first], self.lanes]),
            _keyed(opened, opened.task + 1, opened.awaiting),
            labels,
        )
        # the threads' rows: every job, each frame (a few)
        # (the window's frames in view: a long run has many)
        (x0, _), _ = self.getPlotItem().getViewBox().viewRange()
        observed = delta.observed
        rows = job_rows(delta.jobs, observed[bisect.bisect_left(observed, x0, key=_end) :])
        job_label, job_labels = rows.label_ids()
        self.extra.set_live(
            first + np.arange(len(rows.names)),
            Columns.of(
                rows.row,
                np.full(len(rows.row), schema.RUNNING),
                rows.start,
                rows.end,
                job_label,
            ),
            job_labels,
        )
        self.rows = first + len(rows.names)
        relaid = self.resources.show_live(delta, opened, self.rows, self.lanes, columns.names)
        if tasks_changed or len(rows.names) != self._rows_named or relaid:
            self._set_ticks(columns, rows.names, first)
            self._show_task_marks(columns)
            self._set_creation_arrows(columns)
        self.bands.set_bands(
            [b.start for b in delta.blocked], [b.end for b in delta.blocked], -0.5, self.rows - 0.5
        )
        self._points.append(_points(spans))
        self.timeline_marks.set_marks(delta.marks, self.lanes, first)
        self.show_now(delta.duration, self.all_rows)
        view = self.getPlotItem().getViewBox()
        # pyqtgraph moves the view on its next paint, and that move asks for a second
        # paint: a frame cost two.  Move it now.
        view.updateMatrix()
        # the wakes in view: marks, arrows from tasks, arrows from the threads' rows
        (x0, x1), _ = self.getPlotItem().getViewBox().viewRange()
        points = Columns.joined([self._points.window(x0, x1), _points(opened)])
        ready = np.full(len(points), schema.READY)
        self._show_wake_marks(points.key, ready, points.start, points.state)
        self._set_wake_arrows(points.key, ready, points.start, points.state, points.label)
        woken = points.state == schema.WAKE_THREAD
        self._show_thread_wakes(
            thread_wakes(points.key[woken], points.start[woken], delta.jobs, rows), first
        )
        self._show_loop_wakes(points.key, ready, points.start, points.state)

    def _show_loop_wakes(
        self, task: np.ndarray, state: np.ndarray, start: np.ndarray, kind: np.ndarray
    ) -> None:
        """Where a timer or I/O woke a task, a short arrow from the wake's mark (in the
        gap above the task's bar) down into the ready bar it began.  Not from the loop's
        row: those lines crossed every lane between, over the wake arrows of the same
        instant (the woken task releasing the next)."""
        ready = state == schema.READY
        for wake, item in self.from_loop.items():
            which = ready & (kind == wake)
            if which.sum() > MAX_WAKE_MARKS:
                which[:] = False  # as many as the marks (see _show_wake_marks)
            lane = self.lanes[task[which]].astype(np.float64)
            item.set_arrows(start[which], lane - WAKE_MARK_Y - BAR / 2, lane)

    def _show_thread_wakes(self, wakes: list[tuple[float, int, int]], first: int) -> None:
        """Arrows from a job's thread row (rows from ``first``) to the task it woke."""
        self.from_threads.set_arrows(
            [t for t, _, _ in wakes],
            [first + row for _, row, _ in wakes],
            [self.lanes[task] for _, _, task in wakes],
        )

    def _show_arrows(self, trace: Trace, columns: TaskColumns) -> None:
        """Wake arrows (a task's step woke another) and creation arrows (parent to child)."""
        spans = trace.spans
        self._set_wake_arrows(
            spans.task, spans.state, spans.start, spans.woken_kind, spans.woken_task
        )
        self._set_creation_arrows(columns)

    def _set_wake_arrows(
        self,
        task: np.ndarray,
        state: np.ndarray,
        start: np.ndarray,
        kind: np.ndarray,
        waker: np.ndarray,
    ) -> None:
        ready = (state == schema.READY) & (waker >= 0)
        for item, which_kind in (
            (self.wakes, schema.WAKE_TASK),
            (self.cancels, schema.WAKE_CANCEL),
        ):
            which = ready & (kind == which_kind)
            item.set_arrows(start[which], self.lanes[waker[which]], self.lanes[task[which]])

    def _set_creation_arrows(self, columns: TaskColumns) -> None:
        children = np.flatnonzero(columns.parent >= 0)
        self.creations.set_arrows(
            columns.created[children],
            self.lanes[columns.parent[children]],
            self.lanes[children],
        )

    def show_arrows(self, wakes: bool, creations: bool) -> None:
        self.wakes.setVisible(wakes)
        self.cancels.setVisible(wakes)
        self.from_threads.setVisible(wakes)
        for item in self.from_loop.values():
            item.setVisible(wakes)
        self.creations.setVisible(creations)

    def _show_markers(self, trace: Trace, columns: TaskColumns) -> None:
        """Outcome glyphs at each task's creation and end, and marks where a timer, I/O
        or a thread woke a task: one scatter item per kind, fed whole arrays (a Python
        dict per spot made a live frame of 200 tasks cost 40 ms)."""
        self._show_task_marks(columns)
        spans = trace.spans
        self._show_wake_marks(spans.task, spans.state, spans.start, _shown_kinds(spans))

    def _show_task_marks(self, columns: TaskColumns) -> None:
        lane = self.lanes[: len(columns.created)].astype(np.float64)
        self._set_marks("created", columns.created, lane)
        for number, outcome in enumerate(OUTCOMES):
            if outcome != "pending":
                which = columns.outcome == number
                self._set_marks(outcome, columns.ended[which], lane[which])

    def _show_wake_marks(
        self, task: np.ndarray, state: np.ndarray, start: np.ndarray, kind: np.ndarray
    ) -> None:
        for wake in WAKE_MARKS:
            which = (state == schema.READY) & (kind == wake)
            if which.sum() > MAX_WAKE_MARKS:
                which[:] = False  # too many: they would hide the bars
            # in the gap above the bar, where the ready bar begins
            self._set_marks(wake, start[which], self.lanes[task[which]] - WAKE_MARK_Y)

    def _set_marks(self, kind: str | int, x: np.ndarray, y: np.ndarray) -> None:
        """The marks of ``kind``: kept whole, and those in view drawn."""
        shown = self._marks_shown.get(kind)
        if shown is not None and np.array_equal(shown[0], x) and np.array_equal(shown[1], y):
            return
        self._marks_shown[kind] = (np.array(x, np.float64), np.array(y, np.float64))
        self._cull_marks(kinds=(kind,))

    def _cull_marks(self, *_: Any, kinds: tuple[str | int, ...] | None = None) -> None:
        """Give each kind's item the marks in view (and a margin): pyqtgraph rebuilds
        every spot on ``setData`` (80,000 of them: 60 ms), so only a view's worth goes,
        and none when more than ``MAX_WAKE_MARKS`` are in view (a smear over the bars)."""
        (x0, x1), (y0, y1) = self.getPlotItem().getViewBox().viewRange()
        dx = (x1 - x0) * 0.1
        low, high = min(y0, y1) - 1.0, max(y0, y1) + 1.0
        for kind in kinds if kinds is not None else tuple(self._marks_shown):
            x, y = self._marks_shown[kind]
            if len(x) > CULL_FROM:
                inside = (x >= x0 - dx) & (x <= x1 + dx) & (y >= low) & (y <= high)
                x, y = x[inside], y[inside]
                if len(x) > MAX_WAKE_MARKS:  # (as the wakes': they would hide the bars)
                    x, y = x[:0], y[:0]
            drawn = self._marks_drawn.get(kind)
            if drawn is not None and np.array_equal(drawn[0], x) and np.array_equal(drawn[1], y):
                continue  # (pyqtgraph rebuilds every spot on setData: 0.5 ms, each kind)
            self._marks_drawn[kind] = (x, y)
            self._mark_item(kind).setData(x=x, y=y)

    def _mark_item(self, kind: str | int) -> pg.ScatterPlotItem:
        item = self.marks.get(kind)
        if item is None:
            symbol, colour = MARKERS[kind] if isinstance(kind, str) else WAKE_MARKS[kind]
            pen = pg.mkPen(colour, width=2) if symbol == "x" else None
            size = self._glyph_size(kind)
            item = pg.ScatterPlotItem(pxMode=True, size=size, symbol=symbol, brush=colour, pen=pen)
            item.setZValue(5)
            self.getPlotItem().addItem(item)
            self.marks[kind] = item
        return item

    def fit(self, trace: Trace) -> None:
        self.fit_time(trace.duration)

    def fit_time(self, duration: float) -> None:
        """Every lane, and time from 0 to ``duration`` (a live run's so far), with room
        before and after it (``views.fit``)."""
        self.fitting.fit(duration, self.all_rows)


def as_text(text: str) -> str:
    """``text`` for a tooltip, shown as it is: Qt renders a tooltip that looks like HTML
    as HTML, and a task's name or a warning's text is the program's (or a trace file's)."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def _loop_row(
    first: int, busy_start: np.ndarray, busy_end: np.ndarray, rows: ExtraRows
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows' bars from lane ``first``: the loop's busy intervals, then the jobs and
    frames of ``rows`` (``extra_rows`` as columns: its million labels of nothing and
    the copies it joins cost 40 MB at 100,000 tasks).  With no jobs, the intervals as
    they are and one lane for all (a read-only view)."""
    if not len(rows.start):
        return np.broadcast_to(np.int32(first), busy_start.shape), busy_start, busy_end
    lane = np.concatenate([np.zeros(len(busy_start), np.int32), rows.row.astype(np.int32)])
    lane += np.int32(first)
    return lane, np.concatenate([busy_start, rows.start]), np.concatenate([busy_end, rows.end])


def _end(interval: tuple[float, float]) -> float:
    return interval[1]


def _keyed(spans: SpanColumns, key: np.ndarray, label: np.ndarray) -> Columns:
    return Columns.of(key, spans.state, spans.start, spans.end, label)


def _shown_kinds(spans: SpanColumns) -> np.ndarray:
    """The spans' wake kinds as the chart draws them: a cancel no task called is
    ``CANCEL_BY_CALLBACK``."""
    kind = spans.woken_kind
    by_callback = (kind == schema.WAKE_CANCEL) & (spans.woken_task < 0)
    if not by_callback.any():
        return kind
    kind = kind.copy()
    kind[by_callback] = CANCEL_BY_CALLBACK
    return kind


def _points(spans: SpanColumns) -> Columns:
    """The ready spans that begin with a wake worth showing (a mark, or an arrow from
    another task) as points: (woken task, wake kind as drawn, x, x, waker)."""
    kind = _shown_kinds(spans)
    shown = _MARKED[kind] | (
        _ARROWED[kind] & (spans.woken_task >= 0) & (spans.woken_task != spans.task)
    )
    which = (spans.state == schema.READY) & shown
    x = spans.start[which]
    return Columns.of(spans.task[which], kind[which], x, x, spans.woken_task[which])


def _kinds(*kinds: int) -> np.ndarray:
    """A table: ``table[kind]`` is True for these wake kinds, ``CANCEL_BY_CALLBACK``
    included (-1, no wake, the last entry: False)."""
    table = np.zeros(CANCEL_BY_CALLBACK + 2, bool)
    table[list(kinds)] = True
    return table


_MARKED = _kinds(*WAKE_MARKS)
_ARROWED = _kinds(schema.WAKE_TASK, schema.WAKE_CANCEL)
