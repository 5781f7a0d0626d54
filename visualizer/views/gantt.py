"""The Gantt chart: one lane per task, a bar per span, coloured by state.

Drawing follows pyqtgraph's ``BarGraphItem`` at its fastest and goes further: one item
paints every span, with **one ``drawRects`` per state colour**, and only what is
visible.  Each paint selects the spans inside the view (per state, the spans are kept
sorted by lane then start), merges, per lane, spans closer than a pixel into one bar
(at a zoomed-out view a lane of 100,000 steps is a few hundred bars), and gives every
bar at least one pixel, so a 10 us step stays visible at any zoom.

The chart knows nothing of where spans come from: ``set_spans`` takes columns (the
model's ``SpanColumns`` with a lane per task) and the labels of suspensions.  The labels
are drawn by an item of their own (``bar_labels.BarLabels``), over the arrows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from visualizer.trace import schema
from visualizer.views.bar_index import IndexedBars, state_index
from visualizer.views.coverage import (
    OPACITY_STEPS,
    PYRAMID_CELLS,
    Bars,
    Pyramid,
    StateBars,
    count_in_view,
    coverage,
    every_lane,
    in_view,
    merge_subpixel,
    shade,
)
from visualizer.views.guard import painted
from visualizer.views.live_spans import GRID_CELLS, Columns, LiveCoverage, LiveSpans, add_coverage

FloatArray = npt.NDArray[np.float64]
#: lanes and labels: int32 for a finished trace (100,000 lanes: 4 bytes a bar, not 8)
IntArray = npt.NDArray[np.signedinteger[Any]]

#: bar height as a fraction of a lane
BAR: float = 0.64
#: while live, the image above this many bars: a frame has about 15 ms for everything,
#: and 12,000 bars took 7-8 of them
LIVE_IMAGE_ABOVE = 4_000
#: an overview of more lanes than pixel rows may use pyramid columns this many pixels wide
COARSEST_PIXELS = 4
#: above this many visible bars a frame is drawn as a coverage image (a pixel per lane
#: and time column) instead of one rectangle per bar: measured at 790 x 795 pixels, 10,000
#: bars paint in 6 ms and 40,000 in 25 ms, the image in 3-5 ms whatever it shows
IMAGE_ABOVE = 12_000


@dataclass(frozen=True)
class Palette:
    """Colours of one theme. Chosen to stay apart on a projector and for common colour
    blindness (blue / orange / grey: not red against green)."""

    background: str
    foreground: str
    ready: str
    running: str
    suspended: str
    label: str
    grid: str
    wake: str
    creation: str
    #: an outline around each bar wide enough for one (``EDGE_MIN_PIXELS``), and its
    #: width in pixels: a bar's edge survives a projector that washes its colour out
    edge: str | None = None
    edge_width: float = 0.0

    def state(self, state: int) -> str:
        return (self.ready, self.running, self.suspended)[state]


LIGHT = Palette(
    background="#ffffff",
    foreground="#202124",
    ready="#f29e38",
    running="#1f6fd1",
    suspended="#c9ced6",
    label="#1b1e23",
    grid="#e6e8eb",
    wake="#263238",
    creation="#8a939c",
)
DARK = Palette(
    background="#15171a",
    foreground="#e8eaed",
    ready="#f5a742",
    running="#4c9aff",
    suspended="#4a5059",
    label="#f1f3f4",
    grid="#2a2e33",
    wake="#e8eaed",
    creation="#9aa0a6",
)
#: for a projector (presenter mode): pure white and near-black, strongly saturated
#: state colours far apart in lightness too (dark blue, bright orange, mid grey: told
#: apart in grey scale and by the colour-blind), and thick dark edges on every bar
PRESENTER = Palette(
    background="#ffffff",
    foreground="#000000",
    ready="#ff8800",
    running="#0036c7",
    suspended="#9099a6",
    label="#000000",
    grid="#b0b4ba",
    wake="#000000",
    creation="#4a4f55",
    edge="#000000",
    edge_width=2.0,
)
THEMES = {"light": LIGHT, "dark": DARK, "presenter": PRESENTER}
#: a bar at least this many pixels wide gets the palette's edge (a thinner one would
#: be all edge: a step's blue would turn black)
EDGE_MIN_PIXELS = 6


class SpanBars(pg.GraphicsObject):  # type: ignore[misc]
    """Every span of the chart, painted per state colour, culled and merged per pixel."""

    def __init__(self, palette: Palette = LIGHT) -> None:
        super().__init__()
        self._palette = palette
        self._bars: dict[int, Bars] = {}
        self._labelled: dict[int, Bars] = {}  #: the bars with a label, per state
        self._pyramid: Pyramid | None = None
        self._labels: list[str] = []
        self._bounds = QRectF()
        self._rects = internals.PrimitiveArray(QRectF, 4)
        #: the item that draws these bars' labels, over the arrows (``BarLabels``): told
        #: when the bars change
        self.overlay: pg.GraphicsObject | None = None
        self.drawn: dict[int, int] = {}  #: bars drawn per state in the last paint (tests)
        self.drew_image = False  #: the last paint drew a coverage image, not bars (tests)
        self._tables: dict[Palette, npt.NDArray[np.uint32]] = {}
        # live (``begin_live``): spans keyed by task (or row), a lane per key
        self._live: LiveSpans | None = None
        self._open = Columns.empty()
        self._grid: LiveCoverage | None = None
        self._lane_of = np.zeros(0, np.int64)

    # --- data ---------------------------------------------------------------------------
    def set_spans(
        self,
        lane: npt.ArrayLike,
        state: npt.ArrayLike,
        start: npt.ArrayLike,
        end: npt.ArrayLike,
        label: npt.ArrayLike,
        labels: list[str],
        lane_of: IntArray | None = None,
    ) -> None:
        """Replace the spans: columns of equal length; ``label`` indexes ``labels`` or -1.
        With ``lane_of``, ``lane`` is each span's key (its task) and ``lane_of[key]`` its
        lane: the bars are then read from these columns through an index, not copied
        (``bar_index``; the columns must not change while shown: a trace's)."""
        if lane_of is not None:
            self._set_indexed(lane, state, start, end, label, labels, lane_of)
            return
        # (int32: a bar's lane and label in 4 bytes each, 2 million bars' in 17 MB less)
        lanes = np.asarray(lane, np.int32)
        states = np.asarray(state, np.int8)
        starts = np.asarray(start, np.float64)
        ends = np.asarray(end, np.float64)
        label_ids = np.asarray(label, np.int32)
        self.prepareGeometryChange()
        self._labels = labels
        self._live = None
        self._grid = None
        self._bars = {}
        self._labelled = {}
        for value in range(len(schema.STATE_NAMES)):
            mask = states == value
            if mask.all():  # (the loop's row: all running; its columns, not a copy of them)
                lane_of, start_of, end_of, label_of = lanes, starts, ends, label_ids
            else:
                lane_of, start_of = lanes[mask], starts[mask]
                end_of, label_of = ends[mask], label_ids[mask]
            if (label_of < 0).all():  # (no label: one -1 for them all, not 4 bytes a bar)
                label_of = _unlabelled(len(label_of))
            if _sorted(lane_of, start_of):  # (a file's spans, a lane per task: as they come)
                bars = StateBars(lane_of, start_of, end_of, label_of)
            else:
                order = np.lexsort((start_of, lane_of))
                bars = StateBars(lane_of[order], start_of[order], end_of[order], label_of[order])
            if len(bars.start):
                bars.first, bars.last = float(bars.start.min()), float(bars.end.max())
            self._bars[value] = bars
            named = bars.label >= 0
            if named.any():
                self._labelled[value] = StateBars(
                    bars.lane[named],
                    bars.start[named],
                    bars.end[named],
                    bars.label[named],
                    float(bars.start[named].min()),
                    float(bars.end[named].max()),
                )
        self._pyramid = None
        if len(starts) > IMAGE_ABOVE:
            low, high = int(lanes.min()), int(lanes.max())
            if Pyramid.fits(high - low + 1):
                t0, t1 = float(starts.min()), float(ends.max())
                self._pyramid = Pyramid(self._bars, t0, t1, high - low + 1, low)
        if len(starts):
            self._bounds = QRectF(
                float(starts.min()),
                -0.5,
                float(max(ends.max() - starts.min(), 1e-9)),
                float(lanes.max() + 1),
            )
        else:
            self._bounds = QRectF()
        self._changed(geometry=True)

    def _set_indexed(
        self,
        key: npt.ArrayLike,
        state: npt.ArrayLike,
        start: npt.ArrayLike,
        end: npt.ArrayLike,
        label: npt.ArrayLike,
        labels: list[str],
        lane_of: IntArray,
    ) -> None:
        """``set_spans`` through an index per state (4 bytes a bar, not 20)."""
        keys, states = np.asarray(key), np.asarray(state, np.int8)
        starts, ends = np.asarray(start, np.float64), np.asarray(end, np.float64)
        label_ids = np.asarray(label)
        lanes = np.asarray(lane_of, np.int32)
        self.prepareGeometryChange()
        self._labels, self._live, self._grid = labels, None, None
        self._bars, self._labelled = {}, {}
        counts = np.zeros(len(lanes) and int(lanes.max()) + 1, np.int64)  # (bars a lane)
        for value in range(len(schema.STATE_NAMES)):
            index = state_index(lanes, keys, states, value, starts)
            named = label_ids[index] >= 0 if len(index) else np.zeros(0, bool)
            some = bool(named.any())
            bars = IndexedBars.of(index, lanes, keys, starts, ends, label_ids if some else None)
            self._bars[value] = bars
            counts += np.diff(bars.offsets)
            if some:
                self._labelled[value] = bars if named.all() else bars.subset(named)
        self._pyramid = None
        used = np.flatnonzero(counts)
        if len(starts) > IMAGE_ABOVE and len(used):
            low, high = int(used[0]), int(used[-1])
            if Pyramid.fits(high - low + 1):
                t0, t1 = float(starts.min()), float(ends.max())
                self._pyramid = Pyramid(self._bars, t0, t1, high - low + 1, low)
        self._bounds = QRectF()
        if len(starts):
            first = float(starts.min())
            height = float(used[-1] + 1) if len(used) else 0.0
            self._bounds = QRectF(first, -0.5, float(max(ends.max() - first, 1e-9)), height)
        self._changed(geometry=True)

    # --- live data ----------------------------------------------------------------------
    def begin_live(self) -> None:
        """A live run begins: spans will come by ``append_live``, a frame at a time."""
        self.prepareGeometryChange()
        self._bars, self._pyramid, self._labelled = {}, None, {}
        self._live = LiveSpans()
        self._open = Columns.empty()
        self._grid = None
        self._lane_of = np.zeros(0, np.int64)
        self._bounds = QRectF()
        self._changed(geometry=True)

    def append_live(self, spans: Columns) -> None:
        """Spans that closed since the last frame (``key``: a task id, or a row)."""
        if self._live is None:
            return
        self._live.append(spans)
        if self._grid is not None and not self._grid.add(spans):
            self._grid = None  # outgrown: the next paint draws from the spans

    def set_live(self, lane_of: IntArray, opened: Columns, labels: list[str]) -> None:
        """This frame's lane of each key, the spans still open, and the labels."""
        live = self._live
        if live is None:
            return
        self._lane_of, self._open, self._labels = lane_of, opened, labels
        first = min(live.first, float(opened.start.min()) if len(opened) else np.inf)
        last = max(live.last, float(opened.end.max()) if len(opened) else -np.inf)
        bounds = QRectF()
        if np.isfinite(first) and len(lane_of):
            bounds = QRectF(first, -0.5, max(last - first, 1e-9), float(lane_of.max() + 1))
        moved = bounds != self._bounds
        if moved:
            self.prepareGeometryChange()
            self._bounds = bounds
        self._changed(geometry=moved)

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self._changed(geometry=False)

    def current_palette(self) -> Palette:
        return self._palette

    def _changed(self, *, geometry: bool) -> None:
        """Repaint these bars, and their labels (whose item has these bars' bounds)."""
        self.update()
        if self.overlay is not None:
            if geometry:
                self.overlay.prepareGeometryChange()
            self.overlay.update()

    def label_texts(self) -> list[str]:
        """The labels' texts, as the trace has them (``label`` columns index this)."""
        return self._labels

    def labelled_in_view(
        self, x0: float, x1: float, y0: float, y1: float, wider: float = 0.0
    ) -> dict[int, tuple[IntArray, FloatArray, FloatArray, IntArray]]:
        """The bars with a label in view, per state (suspended: what they await; running:
        an executor job's function), sorted by lane then start (while live, only those
        lasting ``wider`` or more: the narrower ones have no room for a label)."""
        if self._live is not None:
            return self._live_visible(x0, x1, y0, y1, labelled=True, wider=wider)
        return {state: in_view(bars, x0, x1, y0, y1) for state, bars in self._labelled.items()}

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def span_count(self) -> int:
        return sum(len(b) for b in self._bars.values())

    def spans_of(self, state: int) -> Bars:
        return self._bars[state]

    # --- painting -----------------------------------------------------------------------------
    @painted
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        view = self.viewRect()
        if view is None or (not self._bars and self._live is None):
            return
        px = self.pixelWidth() or 0.0
        x0, x1 = view.left(), view.right()
        y0, y1 = view.top(), view.bottom()
        self.drawn = {}
        self.drew_image = False
        if self._live is not None:
            self._paint_live(painter, x0, x1, y0, y1, px)
            return
        # (zoomed out, the bars in view counted from their lanes' bounds: an image is
        # drawn, from the pyramid, and no bar read)
        counts = {s: count_in_view(bars, x0, x1, y0, y1) for s, bars in self._bars.items()}
        known = all(n is not None for n in counts.values())
        if px > 0 and known and sum(n or 0 for n in counts.values()) > IMAGE_ABOVE:
            self._paint_coverage(painter, self._visible, x0, x1, y0, y1, px)
            return
        visible = self._visible(x0, x1, y0, y1)
        if px > 0 and sum(len(v[0]) for v in visible.values()) > IMAGE_ABOVE:
            self._paint_coverage(painter, lambda *_: visible, x0, x1, y0, y1, px)
        else:
            self._paint_bars(painter, visible, px)

    def _visible(
        self, x0: float, x1: float, y0: float, y1: float
    ) -> dict[int, tuple[IntArray, FloatArray, FloatArray, IntArray]]:
        """The bars in view, per state."""
        return {state: in_view(bars, x0, x1, y0, y1) for state, bars in self._bars.items()}

    def _paint_live(
        self, painter: QPainter, x0: float, x1: float, y0: float, y1: float, px: float
    ) -> None:
        """A live frame: bars if few are in view, else the coverage image kept up to
        date as spans come (``LiveCoverage``), plus the spans still open."""
        live = self._live
        assert live is not None
        if px <= 0 or live.at_most(x0, x1) + len(self._open) <= LIVE_IMAGE_ABOVE:
            visible = self._live_visible(x0, x1, y0, y1)
            self._paint_bars(painter, visible, px)
            return
        # the image covers this item's lanes in view only (the loop's rows are two or three)
        mine = self._lane_of[self._lane_of >= 0]
        if not len(mine):
            return
        first = max(int(np.floor(y0)), int(mine.min()), 0)
        last = min(int(np.ceil(y1)), int(mine.max()))
        if last < first:
            return
        step = max(1, int(np.ceil(self.pixelHeight() or 1.0)))
        first -= first % step  # (sampled lanes stay the same ones as the view scrolls)
        lanes = np.arange(first, last + 1, step)
        key_of_lane = np.full(int(max(self._lane_of.max(initial=-1), lanes[-1])) + 1, -1)
        known = self._lane_of >= 0
        key_of_lane[self._lane_of[known]] = np.flatnonzero(known)
        keys = key_of_lane[lanes]
        c0 = int(np.floor(x0 / px))
        cols = max(int(np.ceil(x1 / px)) - c0, 1)
        grid = self._grid
        if grid is None or not grid.holds(px, c0, c0 + cols - 1):
            width = 2 * cols + 16
            rows = live.top_key + 1
            grid = None
            if rows * width <= GRID_CELLS:
                grid = LiveCoverage(px, c0, width, rows)
                if grid.add(live.window(c0 * px, (c0 + width) * px)):
                    grid.reach = live.last
                else:
                    grid = None
            self._grid = grid
        colours = self._premultiplied()
        if grid is not None:
            image = grid.image(keys, c0, cols, colours)
        else:  # more tasks than a grid may hold: from the spans in view
            covered = np.zeros((len(schema.STATE_NAMES), len(lanes), cols), np.float32)
            self._add_rows(covered, live.window(x0, x1), key_of_lane, first, step, c0 * px, px)
            image = colours[shade(covered)]
        self._draw_image(painter, image, c0 * px, px, first // step, step)
        self.drawn = {-1: int(image.size)}
        # the spans still open (one per live task), as bars over the image: what each
        # task is doing now, at full strength
        opened = self._live_visible(x0, x1, y0, y1, spans=self._open)
        self._paint_bars(painter, opened, px)

    def _add_rows(
        self,
        covered: npt.NDArray[np.float32],
        spans: Columns,
        key_of_lane: IntArray,
        first: int,
        step: int,
        x0: float,
        px: float,
    ) -> None:
        """Add ``spans``' coverage to the image rows of their lanes (every ``step``-th
        lane from ``first``)."""
        if not len(spans):
            return
        lane = self._lane_of[spans.key]
        row = (lane - first) // step
        keep = (lane >= first) & ((lane - first) % step == 0) & (row < covered.shape[1])
        if keep.any():
            mine = spans.take(keep)
            mine.key = row[keep]
            add_coverage(covered, mine, x0, px)

    def _live_visible(
        self,
        x0: float,
        x1: float,
        y0: float,
        y1: float,
        *,
        labelled: bool = False,
        spans: Columns | None = None,
        wider: float = 0.0,
    ) -> dict[int, tuple[IntArray, FloatArray, FloatArray, IntArray]]:
        """The live spans in view (and the open ones; or only ``spans``) per state,
        sorted by lane and start, as ``in_view`` gives them for a finished run (only
        those with a label if ``labelled``, lasting ``wider`` or more)."""
        if spans is None:
            live = self._live
            if live is None:
                kept = Columns.empty()
            else:
                kept = live.labelled(x0, x1, wider) if labelled else live.window(x0, x1)
            spans = Columns.joined([kept, self._open])
        spans = spans.take((spans.end >= x0) & (spans.start <= x1))
        if labelled:
            spans = spans.take((spans.label >= 0) & (spans.end - spans.start >= wider))
        lane = self._lane_of[spans.key] if len(spans) else np.zeros(0, np.int64)
        keep = (lane >= np.floor(y0)) & (lane <= np.ceil(y1))
        out = {}
        for state in range(len(schema.STATE_NAMES)):
            mask = keep & (spans.state == state)
            order = np.lexsort((spans.start[mask], lane[mask]))
            out[state] = (
                lane[mask][order],
                spans.start[mask][order],
                spans.end[mask][order],
                spans.label[mask][order],
            )
        return out

    def _paint_bars(
        self,
        painter: QPainter,
        visible: dict[int, tuple[IntArray, FloatArray, FloatArray, IntArray]],
        px: float,
    ) -> None:
        """A rectangle per bar (narrow ones merged), one ``drawRects`` per state."""
        for state, (lane, start, end, label) in visible.items():
            lane, start, end, label = merge_subpixel(lane, start, end, label, px)
            # every bar at least a pixel wide; a step two, so a wake-up between two
            # waits stays visible at any zoom
            end = np.maximum(end, start + px * (2 if state == schema.RUNNING else 1))
            n = len(start)
            self.drawn[state] = n
            if n == 0:
                continue
            self._rects.resize(n)
            memory = self._rects.ndarray()
            memory[:, 0] = start
            memory[:, 1] = lane - BAR / 2
            memory[:, 2] = end - start
            memory[:, 3] = BAR
            painter.setBrush(pg.mkBrush(self._palette.state(state)))
            # waits back to back (a Semaphore, then a sleep) keep an edge between them
            edge = QPen(QColor(self._palette.background), 0)
            painter.setPen(edge if state == schema.SUSPENDED else Qt.PenStyle.NoPen)
            painter.drawRects(*self._rects.drawargs())
            if self._palette.edge is not None and px > 0:
                self._paint_edges(painter, lane, start, end, px)

    def _paint_edges(
        self, painter: QPainter, lane: IntArray, start: FloatArray, end: FloatArray, px: float
    ) -> None:
        """The palette's outline around each bar wide enough for one."""
        wide = (end - start) >= EDGE_MIN_PIXELS * px
        n = int(np.count_nonzero(wide))
        if n == 0:
            return
        self._rects.resize(n)
        memory = self._rects.ndarray()
        memory[:, 0] = start[wide]
        memory[:, 1] = lane[wide] - BAR / 2
        memory[:, 2] = end[wide] - start[wide]
        memory[:, 3] = BAR
        pen = QPen(QColor(self._palette.edge), self._palette.edge_width)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRects(*self._rects.drawargs())

    def _paint_coverage(
        self,
        painter: QPainter,
        in_sight: Callable[
            [float, float, float, float],
            dict[int, tuple[IntArray, FloatArray, FloatArray, IntArray]],
        ],
        x0: float,
        x1: float,
        y0: float,
        y1: float,
        px: float,
    ) -> None:
        """More bars than pixels: one image, a pixel per lane and time column, coloured
        as ``shade`` says (from the pyramid when the zoom allows; ``in_sight`` gives the
        bars in view, read only when it does not)."""
        first = max(int(np.floor(y0)), 0)
        last = int(np.ceil(y1))
        # more lanes than pixel rows: every step-th lane (the image has no more rows
        # than the screen shows)
        step = max(1, int(np.ceil(self.pixelHeight() or 1.0)))
        first, last = first // step, last // step  # (image rows: every step-th lane)
        lanes = max(last - first + 1, 1)
        cols = max(int(np.ceil((x1 - x0) / px)), 1)
        # more lanes than the pyramid's finest columns allow for the direct way, or more
        # lanes than pixel rows (an overview): the finest level anyway (its columns a
        # few pixels wide) rather than a huge image or every span read again
        pyramid = self._pyramid
        coarse_ok = lanes * cols > PYRAMID_CELLS or (
            step > 1 and pyramid is not None and pyramid.widths[0] <= COARSEST_PIXELS * px
        )
        image = (
            self._pyramid.image(
                x0,
                px,
                cols,
                first * step,
                lanes,
                self._premultiplied(),
                step=step,
                finest_if_coarser=coarse_ok,
            )
            if self._pyramid is not None
            else None
        )
        if image is None:  # finer than the pyramid: from the spans themselves
            visible = in_sight(x0, x1, y0, y1)
            if step > 1:
                visible = {
                    state: every_lane(columns, first * step, step)
                    for state, columns in visible.items()
                }
            covered = np.zeros((len(schema.STATE_NAMES), lanes * cols), np.float32)
            for state, (lane, start, end, _label) in visible.items():
                covered[state] = coverage(lane - first, start, end, x0, px, cols, lanes)
            image = self._premultiplied()[shade(covered).reshape(lanes, cols)]
            for state, (_lane, start, _end, _label) in visible.items():
                self.drawn[state] = len(start)
        else:  # (the bars in view, counted: from the lanes' bounds if they tell)
            counts = {s: count_in_view(bars, x0, x1, y0, y1) for s, bars in self._bars.items()}
            if any(n is None for n in counts.values()):
                counts = {s: len(v[1]) for s, v in in_sight(x0, x1, y0, y1).items()}
            self.drawn = {s: n or 0 for s, n in counts.items()}
        self._draw_image(painter, image, x0, px, first, step)

    def _draw_image(
        self,
        painter: QPainter,
        image: npt.NDArray[np.uint8] | npt.NDArray[np.uint32],
        x0: float,
        px: float,
        first: int,
        step: int,
    ) -> None:
        """Draw a (rows, cols) image of colour indices (or of pixels): column j at
        ``x0 + j * px``, row i at lane ``(first + i) * step``; then the gaps between
        lanes, as bars have them."""
        self.drew_image = True
        lanes, cols = image.shape
        # 32-bit premultiplied pixels: what the raster engine draws without converting
        pixels = np.ascontiguousarray(
            image if image.dtype == np.uint32 else self._premultiplied()[image]
        )
        qimage = QImage(
            pixels.data, cols, lanes, cols * 4, QImage.Format.Format_ARGB32_Premultiplied
        )
        target = QRectF(x0, first * step - 0.5, cols * px, lanes * step)
        # (no smoothing: a cell is a pixel column; smoothing made each draw 0.8 ms)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.drawImage(target, qimage)
        del pixels  # (kept alive until drawn: the QImage only borrows it)
        if step > 1 or (self.pixelHeight() or 1.0) > 1 / 3:
            return  # lanes under 3 pixels: gaps under a pixel, not worth a frame's 1 ms
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pg.mkBrush(self._palette.background))
        self._rects.resize(lanes)
        memory = self._rects.ndarray()
        memory[:, 0] = x0
        memory[:, 1] = np.arange(first, first + lanes) + BAR / 2
        memory[:, 2] = cols * px
        memory[:, 3] = 1 - BAR
        painter.drawRects(*self._rects.drawargs())

    def _premultiplied(self) -> npt.NDArray[np.uint32]:
        """Colour-table index -> premultiplied ARGB32 pixel, for this palette."""
        cached = self._tables.get(self._palette)
        if cached is not None:
            return cached
        table = []
        for state in range(len(schema.STATE_NAMES)):
            colour = QColor(self._palette.state(state))
            rgb = (colour.red(), colour.green(), colour.blue())
            for step in range(OPACITY_STEPS + 1):
                alpha = step / OPACITY_STEPS
                r, g, b = (round(c * alpha) for c in rgb)
                table.append((round(255 * alpha) << 24) | (r << 16) | (g << 8) | b)
        self._tables[self._palette] = np.array(table, np.uint32)
        return self._tables[self._palette]


def _unlabelled(count: int) -> IntArray:
    """``count`` bars' labels, none: a read-only view of one -1 (a task's running and ready
    spans have no label: 2 million of them were 8 MB of the chart at 100,000 tasks, and
    the loop's row's million 4 MB more, issue 18).  Only read: sliced, masked, compared."""
    return np.broadcast_to(np.int32(-1), (count,))


def _sorted(lane: IntArray, start: FloatArray) -> bool:
    """Whether the bars are in (lane, start) order already: a trace's spans come by task
    and time, and when lanes follow the tasks' ids (no task made by one made after it)
    sorting 2 million of them again cost 0.3 s of opening a file."""
    if len(lane) < 2:
        return True
    step = np.diff(lane)
    return bool((step >= 0).all() and ((step > 0) | (np.diff(start) >= 0)).all())
