"""The Gantt chart: one lane per task, a bar per span, coloured by state.

Drawing follows pyqtgraph's ``BarGraphItem`` at its fastest and goes further: one item
paints every span, with **one ``drawRects`` per state colour**, and only what is
visible.  Each paint selects the spans inside the view (per state, the spans are kept
sorted by lane then start), merges, per lane, spans closer than a pixel into one bar
(at a zoomed-out view a lane of 100,000 steps is a few hundred bars), and gives every
bar at least one pixel, so a 10 us step stays visible at any zoom.

The chart knows nothing of where spans come from: ``set_spans`` takes columns (the
model's ``SpanColumns`` with a lane per task) and the labels of suspensions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from visualizer.trace import schema

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: bar height as a fraction of a lane
BAR: float = 0.64
#: at most this many labels are drawn in one frame (they are text: the dear part)
MAX_LABELS = 1500
#: above this many visible bars a frame is drawn as a coverage image (a pixel per lane
#: and time column) instead of one rectangle per bar
IMAGE_ABOVE = 40_000
#: in a coverage image, ready and running time counts this many times suspended time
BRIEF_WEIGHT = 4.0
#: a coverage image pixel's opacity: how much of its column is covered, in this many steps
OPACITY_STEPS = 8
#: the coverage pyramid's finest level: at most this many time columns ...
PYRAMID_COLUMNS = 4096
#: ... and at most this many (lane, column) cells per state
PYRAMID_CELLS = 2_000_000


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
THEMES = {"light": LIGHT, "dark": DARK}


class _Pyramid:
    """What a zoomed-out frame shows, precomputed once per ``set_spans``: for a few time
    resolutions, an 8-bit image of (lane, time column) cells, each the index of a
    (state, opacity) colour (``_shade``).  A frame then only picks, for each pixel
    column, the level column under it (at the coarsest level whose columns are no wider
    than a pixel) instead of reading a million spans.  Level 0 has up to
    ``PYRAMID_COLUMNS`` columns over the data's time range (fewer with many lanes, to
    bound memory); each next level halves them, averaging the coverage of pairs."""

    def __init__(self, bars: dict[int, _StateBars], t0: float, t1: float, lanes: int) -> None:
        self.t0 = t0
        self.lanes = lanes
        cols = int(min(PYRAMID_COLUMNS, max(256, PYRAMID_CELLS // max(lanes, 1))))
        self.images: list[npt.NDArray[np.uint8]] = []
        self.widths: list[float] = []
        width = max(t1 - t0, 1e-12) / cols
        level = np.zeros((len(schema.STATE_NAMES), lanes, cols), np.float32)
        for state, b in bars.items():
            level[state] = _coverage(b.lane, b.start, b.end, t0, width, cols, lanes).reshape(
                lanes, cols
            )
        while True:
            self.images.append(_shade(level))
            self.widths.append(width)
            if level.shape[2] < 64:
                break
            even = level.shape[2] - level.shape[2] % 2
            level = ((level[:, :, 0:even:2] + level[:, :, 1:even:2]) / 2).astype(np.float32)
            width *= 2

    def image(
        self,
        x0: float,
        px: float,
        cols: int,
        first: int,
        lanes: int,
        *,
        finest_if_coarser: bool = False,
    ) -> npt.NDArray[np.uint8] | None:
        """The (lanes, cols) index image for pixel columns of width ``px`` from ``x0``, or
        None if even level 0 is coarser than a pixel (zoomed in: draw the bars), unless
        ``finest_if_coarser``: then level 0, its columns a few pixels wide."""
        k = -1
        for i, width in enumerate(self.widths):
            if width <= px:
                k = i
        if k < 0:
            if not finest_if_coarser:
                return None
            k = 0
        level, width = self.images[k], self.widths[k]
        centres = (x0 + (np.arange(cols) + 0.5) * px - self.t0) / width
        inside = (centres >= 0) & (centres < level.shape[1])
        index = np.clip(centres.astype(np.int64), 0, level.shape[1] - 1)
        out = np.zeros((lanes, cols), np.uint8)  # index 0: fully transparent
        top = max(first, 0)
        rows = level[top : top + lanes - (top - first)]
        if len(rows):
            out[top - first : top - first + len(rows)] = np.where(inside, rows[:, index], 0)
        return out


def _shade(covered: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8]:
    """(states, ...) coverage -> colour-table indices: the state that fills most of each
    cell, ready and running time counted ``BRIEF_WEIGHT`` times (a step is short but is
    what happened: a lane busy a quarter of the time shows as running), with an opacity
    step for how much of the cell is covered at all (a task created mid-cell is faint)."""
    ready = covered[schema.READY] * BRIEF_WEIGHT
    running = covered[schema.RUNNING] * BRIEF_WEIGHT
    suspended = covered[schema.SUSPENDED]
    winner = np.where(
        running >= ready,
        np.where(running >= suspended, schema.RUNNING, schema.SUSPENDED),
        np.where(ready >= suspended, schema.READY, schema.SUSPENDED),
    ).astype(np.uint8)
    total = covered[schema.READY] + covered[schema.RUNNING] + suspended
    # any coverage at all shows, however faint: a lone step is never dropped
    shade = np.ceil(np.clip(total, 0.0, 1.0) * OPACITY_STEPS).astype(np.uint8)
    return np.asarray(winner * (OPACITY_STEPS + 1) + shade, np.uint8)


@dataclass
class _StateBars:
    """One state's spans, sorted by (lane, start): what one ``drawRects`` paints."""

    lane: IntArray
    start: FloatArray
    end: FloatArray
    label: IntArray  #: index into the chart's labels, or -1
    first: float = 0.0  #: earliest start
    last: float = 0.0  #: latest end


class SpanBars(pg.GraphicsObject):  # type: ignore[misc]
    """Every span of the chart, painted per state colour, culled and merged per pixel."""

    def __init__(self, palette: Palette = LIGHT) -> None:
        super().__init__()
        self._palette = palette
        self._bars: dict[int, _StateBars] = {}
        self._pyramid: _Pyramid | None = None
        self._labels: list[str] = []
        self._bounds = QRectF()
        self._rects = internals.PrimitiveArray(QRectF, 4)
        self._font = QFont()
        self._widths = np.zeros(1)
        self._widths_key: tuple[str, int] | None = None
        self.drawn: dict[int, int] = {}  #: bars drawn per state in the last paint (tests)

    # --- data ---------------------------------------------------------------------------
    def set_spans(
        self,
        lane: npt.ArrayLike,
        state: npt.ArrayLike,
        start: npt.ArrayLike,
        end: npt.ArrayLike,
        label: npt.ArrayLike,
        labels: list[str],
    ) -> None:
        """Replace the spans: columns of equal length; ``label`` indexes ``labels`` or -1."""
        lanes = np.asarray(lane, np.int64)
        states = np.asarray(state, np.int8)
        starts = np.asarray(start, np.float64)
        ends = np.asarray(end, np.float64)
        label_ids = np.asarray(label, np.int64)
        self.prepareGeometryChange()
        self._labels = labels
        self._bars = {}
        for value in range(len(schema.STATE_NAMES)):
            mask = states == value
            order = np.lexsort((starts[mask], lanes[mask]))
            bars = _StateBars(
                lanes[mask][order], starts[mask][order], ends[mask][order], label_ids[mask][order]
            )
            if len(bars.start):
                bars.first, bars.last = float(bars.start.min()), float(bars.end.max())
            self._bars[value] = bars
        self._pyramid = None
        if len(starts) > IMAGE_ABOVE:
            t0, t1 = float(starts.min()), float(ends.max())
            self._pyramid = _Pyramid(self._bars, t0, t1, int(lanes.max()) + 1)
        if len(starts):
            self._bounds = QRectF(
                float(starts.min()),
                -0.5,
                float(max(ends.max() - starts.min(), 1e-9)),
                float(lanes.max() + 1),
            )
        else:
            self._bounds = QRectF()
        self.update()

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self.update()

    def set_font(self, font: QFont) -> None:
        self._font = QFont(font)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def span_count(self) -> int:
        return sum(len(b.start) for b in self._bars.values())

    def spans_of(self, state: int) -> _StateBars:
        return self._bars[state]

    # --- painting -----------------------------------------------------------------------------
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        view = self.viewRect()
        if view is None or not self._bars:
            return
        px = self.pixelWidth() or 0.0
        x0, x1 = view.left(), view.right()
        y0, y1 = view.top(), view.bottom()
        visible = {state: _visible(bars, x0, x1, y0, y1) for state, bars in self._bars.items()}
        self.drawn = {}
        if px > 0 and sum(len(v[0]) for v in visible.values()) > IMAGE_ABOVE:
            self._paint_coverage(painter, visible, x0, x1, y0, y1, px)
        else:
            self._paint_bars(painter, visible, px)
        # labels: what a suspended bar awaits; what a job ran (rows of the loop's threads)
        for state in (schema.SUSPENDED, schema.RUNNING):
            shown = visible.get(state)
            if shown is not None and px > 0 and len(shown[3]) and bool((shown[3] >= 0).any()):
                colour = self._palette.label if state == schema.SUSPENDED else "#ffffff"
                self._paint_labels(painter, *shown, px, colour)

    def _paint_bars(
        self,
        painter: QPainter,
        visible: dict[int, tuple[IntArray, FloatArray, FloatArray, IntArray]],
        px: float,
    ) -> None:
        """A rectangle per bar (narrow ones merged), one ``drawRects`` per state."""
        for state, (lane, start, end, label) in visible.items():
            lane, start, end, label = _merge_subpixel(lane, start, end, label, px)
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

    def _paint_coverage(
        self,
        painter: QPainter,
        visible: dict[int, tuple[IntArray, FloatArray, FloatArray, IntArray]],
        x0: float,
        x1: float,
        y0: float,
        y1: float,
        px: float,
    ) -> None:
        """More bars than pixels: one image, a pixel per lane and time column, coloured
        as ``_shade`` says (from the pyramid when the zoom allows)."""
        first = max(int(np.floor(y0)), 0)
        last = int(np.ceil(y1))
        # more lanes than pixel rows: every step-th lane (the image has no more rows
        # than the screen shows)
        step = max(1, int(np.ceil(self.pixelHeight() or 1.0)))
        if step > 1:
            visible = {state: _every(columns, first, step) for state, columns in visible.items()}
            first, last = first // step, last // step
        lanes = max(last - first + 1, 1)
        cols = max(int(np.ceil((x1 - x0) / px)), 1)
        pyramid = self._pyramid if step == 1 else None
        # more lanes than the pyramid's finest columns allow for the direct way: use the
        # finest level anyway (columns a few pixels wide) rather than a huge image
        huge = lanes * cols > PYRAMID_CELLS
        image = (
            pyramid.image(x0, px, cols, first, lanes, finest_if_coarser=huge)
            if pyramid is not None
            else None
        )
        if image is None:  # finer than the pyramid: from the spans themselves
            covered = np.zeros((len(schema.STATE_NAMES), lanes * cols), np.float32)
            for state, (lane, start, end, _label) in visible.items():
                covered[state] = _coverage(lane - first, start, end, x0, px, cols, lanes)
            image = _shade(covered).reshape(lanes, cols)
        for state, (_lane, start, _end, _label) in visible.items():
            self.drawn[state] = len(start)
        # 32-bit premultiplied pixels: what the raster engine draws without converting
        image = np.ascontiguousarray(self._premultiplied()[image])
        qimage = QImage(
            image.data, cols, lanes, cols * 4, QImage.Format.Format_ARGB32_Premultiplied
        )
        target = QRectF(x0, first * step - 0.5, cols * px, lanes * step)
        painter.drawImage(target, qimage)
        if step > 1:
            return  # lanes thinner than a pixel: no gaps to draw
        # the gaps between lanes, as the bars have them
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pg.mkBrush(self._palette.background))
        self._rects.resize(lanes)
        memory = self._rects.ndarray()
        memory[:, 0] = x0
        memory[:, 1] = np.arange(first, first + lanes) + BAR / 2
        memory[:, 2] = cols * px
        memory[:, 3] = 1 - BAR
        painter.drawRects(*self._rects.drawargs())
        del image  # (kept alive until drawn: the QImage only borrows it)

    def _premultiplied(self) -> npt.NDArray[np.uint32]:
        """Colour-table index -> premultiplied ARGB32 pixel, for this palette."""
        table = []
        for state in range(len(schema.STATE_NAMES)):
            colour = QColor(self._palette.state(state))
            rgb = (colour.red(), colour.green(), colour.blue())
            for step in range(OPACITY_STEPS + 1):
                alpha = step / OPACITY_STEPS
                r, g, b = (round(c * alpha) for c in rgb)
                table.append((round(255 * alpha) << 24) | (r << 16) | (g << 8) | b)
        return np.array(table, np.uint32)

    def _paint_labels(
        self,
        painter: QPainter,
        lane: IntArray,
        start: FloatArray,
        end: FloatArray,
        label: IntArray,
        px: float,
        colour: str,
    ) -> None:
        """The label inside each bar wide enough to hold it (``awaiting`` of a suspended
        bar, the function of an executor job).

        Which bars can hold their label is decided with numpy (text widths measured once
        per label); only those few are drawn one by one."""
        if not len(start):
            return
        metrics = QFontMetricsF(self._font)
        lane_px = BAR / (self.pixelHeight() or 1.0)
        if lane_px < metrics.height():
            return  # lanes too thin for text: no label fits anywhere
        widths = self._label_widths(metrics)
        room = (end - start) / px
        fits = (label >= 0) & (room >= widths[np.maximum(label, 0)] + 8)
        chosen = np.flatnonzero(fits)[:MAX_LABELS]
        if not len(chosen):
            return
        to_device = painter.worldTransform()
        shown = to_device.mapRect(self.viewRect())  # a label sits in the bar's visible part
        painter.save()
        painter.resetTransform()
        painter.setFont(self._font)
        painter.setPen(QPen(QColor(colour)))
        for i in chosen.tolist():
            y = float(lane[i])
            corner, other = QPointF(start[i], y - BAR / 2), QPointF(end[i], y + BAR / 2)
            bar = to_device.mapRect(QRectF(corner, other))
            if bar.height() < metrics.height():
                break  # lanes too thin for text: none fits
            rect = bar.intersected(shown)
            text = self._labels[int(label[i])]
            if rect.height() < metrics.height() or rect.width() < widths[label[i]] + 8:
                continue
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def _label_widths(self, metrics: QFontMetricsF) -> FloatArray:
        key = (self._font.toString(), len(self._labels))
        if self._widths_key != key:
            self._widths = np.array(
                [metrics.horizontalAdvance(text) for text in self._labels] or [0.0], np.float64
            )
            self._widths_key = key
        return self._widths


def _every(
    columns: tuple[IntArray, FloatArray, FloatArray, IntArray], first: int, step: int
) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
    """The bars of every ``step``-th lane (from ``first``), their lanes renumbered
    ``lane // step`` (one image row per sampled lane)."""
    lane, start, end, label = columns
    keep = (lane - first) % step == 0
    return lane[keep] // step, start[keep], end[keep], label[keep]


def _coverage(
    lane: IntArray, start: FloatArray, end: FloatArray, x0: float, px: float, cols: int, lanes: int
) -> FloatArray:
    """How much of each (lane, pixel column) the bars cover, 0..1, flattened lane-major.

    In O(bars): a bar inside one column adds its length there; a longer one adds its
    head and tail to their columns and 1 to every column between (a difference array).
    """
    size = lanes * cols
    inside = (lane >= 0) & (lane < lanes)
    lane, start, end = lane[inside], start[inside], end[inside]
    a = np.clip((start - x0) / px, 0.0, cols)
    b = np.clip((end - x0) / px, 0.0, cols)
    ca = np.minimum(a.astype(np.int64), cols - 1)
    cb = np.minimum(b.astype(np.int64), cols - 1)
    row = lane.astype(np.int64) * cols
    one = ca == cb
    # (float64 always: bincount of nothing would give integers)
    out = np.bincount(row[one] + ca[one], weights=(b - a)[one], minlength=size).astype(np.float64)
    many = ~one
    if many.any():
        ra, rb, fa, fb = row[many], row[many], ca[many], cb[many]
        out += np.bincount(ra + fa, weights=(fa + 1) - a[many], minlength=size)
        out += np.bincount(rb + fb, weights=b[many] - fb, minlength=size)
        between = np.bincount(ra + fa + 1, minlength=size + 1)[:size]
        between -= np.bincount(rb + fb, minlength=size + 1)[:size]
        out += np.cumsum(between)
    return np.asarray(out[:size], np.float64)


def _visible(
    bars: _StateBars, x0: float, x1: float, y0: float, y1: float
) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
    lo = np.searchsorted(bars.lane, np.floor(y0), side="left")
    hi = np.searchsorted(bars.lane, np.ceil(y1), side="right")
    lane, start, end, label = (
        bars.lane[lo:hi],
        bars.start[lo:hi],
        bars.end[lo:hi],
        bars.label[lo:hi],
    )
    if len(start) and bars.first >= x0 and bars.last <= x1:
        return lane, start, end, label  # all of it in view: no copies
    mask = (end >= x0) & (start <= x1)
    return lane[mask], start[mask], end[mask], label[mask]


def _merge_subpixel(
    lane: IntArray, start: FloatArray, end: FloatArray, label: IntArray, px: float
) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
    """Per lane, join *narrow* bars (under a pixel) less than a pixel apart.

    The input is sorted by lane, start.  Only bars too narrow to see one by one are
    joined: two wide bars of the same state (suspended on a Semaphore, then on a sleep)
    stay two bars, with the step between them drawn, however thin.  A bar begins a new
    run when its lane changes, when it or the bar before it is wide, or when it starts
    more than a pixel after the run so far ends.  A merged run keeps its label only if
    every bar in it had that label: a bar never shows a label it does not stand for.
    """
    if len(start) < 2 or px <= 0:
        return lane, start, end, label
    narrow = (end - start) < px
    new = np.empty(len(start), bool)
    new[0] = True
    new[1:] = (lane[1:] != lane[:-1]) | ~narrow[1:] | ~narrow[:-1]
    # within a stretch of narrow bars, also a gap of more than a pixel starts a run
    # (a running maximum of the ends, offset per lane so it restarts at each lane)
    base = start.min()
    offset = lane.astype(np.float64) * (float(end.max() - base) + 1.0) * 4
    reach = np.maximum.accumulate(end - base + offset)
    new[1:] |= start[1:] - base + offset[1:] > reach[:-1] + px
    firsts = np.flatnonzero(new)
    if len(firsts) == len(start):
        return lane, start, end, label
    run_end = np.maximum.reduceat(end, firsts)
    same = np.minimum.reduceat(label, firsts) == np.maximum.reduceat(label, firsts)
    return lane[firsts], start[firsts], run_end, np.where(same, label[firsts], -1)
