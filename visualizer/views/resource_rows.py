"""The resources' rows under the tasks (issue 15): a queue's items, a semaphore's permits
in use, who holds a lock, whether an event is set, a barrier's count, over the run.

Each row is a resource's ``ResourceRow`` (``model.resource_states``), drawn on the task
lanes' time axis, one lane tall:

* a *body* whose height is the resource's bound (a queue's ``maxsize``, a semaphore's
  permits, a barrier's parties) on a faint track from the moment it was made: the
  level fills it from the bottom (``2`` of a ``Queue(2)``: all of it);
* a red *full* band over the body where the level is at its bound (a queue full, no
  permit free): there a producer or a worker can only wait;
* a Lock's or a Condition's body is filled while held, the holder's name on it
  (shortened as a bar's label is, ``bar_labels.LabelFits``); an Event's while set, a
  thin line along the bottom while clear;
* a tick above the body where a task begins to wait on it, a Condition's notifies as
  ticks through it (in the colour of "ready": a notify makes its waiters ready);
* a level out of a few (``MOST_UNITS``) is cut into units by thin lines of the
  background's colour: a ``Queue(2)`` full is two blocks, one item one block.

As the span bars are, the item is painted with one ``drawRects`` per colour, of only
what is in view, each step at least a pixel wide; more steps than pixel columns are
reduced to a column each (its highest level, then the level it ends at), so a busy
queue's row costs its width in pixels, not its changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from visualizer.model.display_text import shown
from visualizer.model.resource_states import HELD, ResourceRow
from visualizer.views.bar_labels import PAD, PLATE, LabelFits
from visualizer.views.gantt import DARK, LIGHT, PRESENTER, Palette
from visualizer.views.guard import painted

FloatArray = npt.NDArray[np.float64]

#: a row's parts, from its lane's centre (lanes grow downwards): the full band, the
#: wait ticks (through the band to the body), the body, the notify ticks
BAND = (-0.46, -0.33)
TICK = (-0.46, -0.28)
BODY = (-0.28, 0.34)
NOTIFY = (-0.28, 0.44)
#: pixels: a wait's tick, a notify's, an event's line while clear, a unit's line
TICK_PIXELS = 2.0
NOTIFY_PIXELS = 3.0
LINE_PIXELS = 3.0
UNIT_PIXELS = 1.0
#: a level out of at most this many is drawn in units (a line between each): the two
#: items of a ``Queue(2)`` are two blocks, not a bar to measure
MOST_UNITS = 12
#: above the arrows, as the bar labels are
ROWS_Z = 3


@dataclass(frozen=True)
class RowColours:
    """A theme's colours for the resource rows (apart from the task states' blue,
    orange and grey, and from the red of a blocked loop's band only in strength)."""

    track: str  #: the body's empty part (the row's bound)
    fill: str  #: the level (and a held lock, a set event)
    full: str  #: the full band
    tick: str  #: a task begins to wait
    notify: str  #: a Condition's notify
    text: str  #: a holder's name on the fill
    edge: str | None = None  #: an outline around the body (a projector's)


ROW_COLOURS = {
    LIGHT: RowColours("#e9ecf0", "#00796b", "#d32f2f", "#202124", LIGHT.ready, "#ffffff"),
    DARK: RowColours("#262a30", "#2bb3a3", "#ff5f57", "#e8eaed", DARK.ready, "#0b0c0e"),
    PRESENTER: RowColours(
        "#e3e6ea", "#006b5e", "#e00000", "#000000", PRESENTER.ready, "#ffffff", "#000000"
    ),
}


def row_colours(palette: Palette) -> RowColours:
    """The rows' colours in ``palette``'s theme (another palette: the light theme's, its
    background and foreground kept)."""
    found = ROW_COLOURS.get(palette)
    if found is not None:
        return found
    light = ROW_COLOURS[LIGHT]
    return RowColours(
        palette.grid, light.fill, light.full, palette.foreground, palette.ready, "#fff"
    )


def kind_text(row: ResourceRow) -> str:
    """``Queue(2)``, ``Semaphore(3)``, ``Lock``: the kind and its bound, as made."""
    capacity = row.resource.capacity
    if capacity is None or row.kind in HELD or row.kind == "Event":
        return row.kind
    return f"{row.kind}({capacity})"


def row_label(row: ResourceRow) -> str:
    """The row's name at the left, as a lane's: ``queue  Queue(2)``."""
    return f"{shown(row.name)}  {kind_text(row)}"


@dataclass
class _Row:
    """A row's arrays, taken at ``set_rows`` (and again as a live run's grow: ``moved_on``)."""

    row: ResourceRow
    lane: int
    full: FloatArray  #: (n, 2) start, end
    waits: FloatArray  #: when a task began to wait
    notifies: FloatArray


class ResourceRowsItem(pg.GraphicsObject):  # type: ignore[misc]
    """Every resource row of the chart, painted per colour, culled to the view."""

    def __init__(self, palette: Palette = LIGHT) -> None:
        super().__init__()
        self._palette = palette
        self._colours = row_colours(palette)
        self._rows: list[_Row] = []
        self._header: int | None = None  #: the header's lane: a rule across the view
        self._names: list[str] = []  #: each task's name (a holder's), by id
        self._fits = LabelFits(QFont())
        self._rects = internals.PrimitiveArray(QRectF, 4)
        self._bounds = QRectF()
        self.setZValue(ROWS_Z)
        #: what the last paint drew (tests): rectangles per colour, each row's level and
        #: full band rectangles (x, y, width, height), and the holders' names
        self.drawn: dict[str, int] = {}
        self.drawn_levels: dict[int, FloatArray] = {}
        self.drawn_full: dict[int, FloatArray] = {}
        self.drawn_labels: list[tuple[int, float, str]] = []

    # --- data ---------------------------------------------------------------------------
    def set_rows(
        self, rows: list[ResourceRow], lanes: list[int], names: list[str], header: int | None
    ) -> None:
        """Draw ``rows[i]`` in lane ``lanes[i]``, and the rows' header in lane ``header``
        (None: no header, no rows drawn)."""
        self.prepareGeometryChange()
        self._header = header
        self._rows = [
            _Row(
                row,
                lane,
                row.full_spans,
                row.wait_start,
                np.array([t for t, _, _ in row.notifies], np.float64),
            )
            for row, lane in zip(rows, lanes, strict=True)
        ]
        self._names = names
        self._update_bounds()

    def set_names(self, names: list[str]) -> None:
        """The tasks' names now (a holder's label; drawn at the next paint)."""
        self._names = names

    def moved_on(self) -> None:
        """The rows grew (a live run): their steps, full stretches, waits and notifies
        as they are now, their lanes as they were."""
        for kept in self._rows:
            row = kept.row
            kept.full, kept.waits = row.full_spans, row.wait_start
            if len(row.notifies) != len(kept.notifies):
                new = [t for t, _, _ in row.notifies[len(kept.notifies) :]]
                kept.notifies = np.r_[kept.notifies, np.array(new, np.float64)]
        self._update_bounds()

    def _update_bounds(self) -> None:
        rows = self._rows
        if self._header is not None:  # (the rule goes across the view: any width)
            bottom = max([r.lane for r in rows], default=self._header) + 0.5
            top = self._header - 0.5
            bounds = QRectF(-1e12, top, 2e12, bottom - top)
        else:
            bounds = QRectF()
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = bounds
        self.update()

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self._colours = row_colours(palette)
        self.update()

    def set_font(self, font: QFont) -> None:
        self._fits = LabelFits(font)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    # --- painting -----------------------------------------------------------------------
    @painted
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        self.drawn, self.drawn_levels, self.drawn_full, self.drawn_labels = {}, {}, {}, []
        view = self.viewRect()
        px, py = self.pixelWidth() or 0.0, self.pixelHeight() or 0.0
        if view is None or px <= 0 or py <= 0 or self._header is None:
            return
        x0, x1 = view.left(), view.right()
        parts: dict[str, list[FloatArray]] = {
            name: []
            for name in ("rule", "track", "fill", "units", "line", "full", "tick", "notify")
        }
        parts["rule"].append(np.array([[x0, self._header - py / 2, x1 - x0, py]]))
        held: list[tuple[FloatArray, npt.NDArray[np.int64]]] = []
        for index, kept in enumerate(self._rows):
            if not view.top() - 1 <= kept.lane <= view.bottom() + 1:
                continue
            self._row_parts(index, kept, x0, x1, px, py, parts, held)
        colours = self._colours
        brushes = {
            "rule": self._palette.creation,
            "track": colours.track,
            "fill": colours.fill,
            "units": self._palette.background,
            "line": colours.fill,
            "full": colours.full,
            "tick": colours.tick,
            "notify": colours.notify,
        }
        painter.setPen(Qt.PenStyle.NoPen)
        for name, pieces in parts.items():
            rects = np.concatenate(pieces) if pieces else np.zeros((0, 4))
            self.drawn[name] = len(rects)
            if not len(rects):
                continue
            painter.setBrush(pg.mkBrush(brushes[name]))
            self._draw(painter, rects)
            if name == "track" and colours.edge is not None:
                pen = QPen(QColor(colours.edge), 1.5)
                pen.setCosmetic(True)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                self._draw(painter, rects)
                painter.setPen(Qt.PenStyle.NoPen)
        if held:
            self._paint_holders(painter, held, px, py)

    def _draw(self, painter: QPainter, rects: FloatArray) -> None:
        self._rects.resize(len(rects))
        self._rects.ndarray()[:] = rects
        painter.drawRects(*self._rects.drawargs())

    def _row_parts(
        self,
        index: int,
        kept: _Row,
        x0: float,
        x1: float,
        px: float,
        py: float,
        parts: dict[str, list[FloatArray]],
        held: list[tuple[FloatArray, npt.NDArray[np.int64]]],
    ) -> None:
        """One row's rectangles in view, by colour."""
        row, lane = kept.row, kept.lane
        end = max(row.end, float(row.times[-1]))
        made = float(row.times[0])
        top, bottom = lane + BODY[0], lane + BODY[1]
        left, right = max(made, x0 - px), min(end, x1 + px)
        if right > left:
            parts["track"].append(np.array([[left, top, right - left, bottom - top]]))
            units = row.bound
            if 2 <= units <= MOST_UNITS and row.kind not in HELD and row.kind != "Event":
                ys = bottom - (bottom - top) * np.arange(1, units) / units
                lines = np.empty((units - 1, 4))
                lines[:, 0], lines[:, 2] = left, right - left
                lines[:, 1], lines[:, 3] = ys - UNIT_PIXELS * py / 2, UNIT_PIXELS * py
                parts["units"].append(lines)
        # the steps in view (``row.steps()``, without copying a busy row's every step)
        times = row.times
        a = max(int(np.searchsorted(times, x0, side="right")) - 1, 0)
        z = int(np.searchsorted(times, x1, side="right"))
        reduced = z - a > 2 * max((x1 - x0) / px, 1.0)
        if reduced:
            s, e, lv, holders = _per_column(row, a, z, end, x0, px)
        else:
            s = times[a:z]
            e = np.append(times[a + 1 : z + 1], end) if z >= len(times) else times[a + 1 : z + 1]
            lv, holders = row.levels[a:z], row.holders[a:z]
        kind = row.kind
        if kind == "Event":  # a thin line along the bottom while clear
            clear = (lv == 0) & (e > s)
            n = int(clear.sum())
            if n:
                line = np.empty((n, 4))
                line[:, 0], line[:, 2] = s[clear], np.maximum(e[clear] - s[clear], px)
                line[:, 1], line[:, 3] = bottom - LINE_PIXELS * py, LINE_PIXELS * py
                parts["line"].append(line)
        on = (lv > 0) & (e > s)
        if on.any():
            s_on, e_on = s[on], np.maximum(e[on], s[on] + px)
            # a pixel's gap before a stretch that begins where a wide one ends (the
            # lock passed from one task to the next, a get and a put at one instant)
            if len(s_on) > 1:
                joined = np.r_[np.isclose(s_on[1:], e_on[:-1], rtol=0, atol=px / 2), False]
                e_on = np.where(joined & (e_on - s_on > 3 * px), e_on - px, e_on)
            if kind in HELD or kind == "Event":
                height = np.full(len(s_on), bottom - top)
            else:
                share = np.minimum(lv[on], row.bound) / max(row.bound, 1)
                height = (bottom - top) * share
            rects = np.stack([s_on, bottom - height, e_on - s_on, height], axis=1)
            parts["fill"].append(rects)
            self.drawn_levels[index] = rects
            if kind in HELD and not reduced:
                held.append((rects, holders[on]))
        if len(kept.full):
            lo = int(np.searchsorted(kept.full[:, 1], x0, side="left"))
            hi = int(np.searchsorted(kept.full[:, 0], x1, side="right"))
            if hi - lo > 2 * max((x1 - x0) / px, 1.0):
                full = _full_columns(kept.full, lo, hi, x0, x1, px)
            else:
                full = _merge_close(kept.full[lo : max(lo, hi)], px)
            if len(full):
                width = np.maximum(full[:, 1] - full[:, 0], px)
                band = np.stack(
                    [full[:, 0], np.full(len(full), lane + BAND[0]), width,
                     np.full(len(full), BAND[1] - BAND[0])],
                    axis=1,
                )  # fmt: skip
                parts["full"].append(band)
                self.drawn_full[index] = band
        for name, times, (y0, y1), pixels in (
            ("tick", kept.waits, TICK, TICK_PIXELS),
            ("notify", kept.notifies, NOTIFY, NOTIFY_PIXELS),
        ):
            # (in the order they came: sorted)
            lo = int(np.searchsorted(times, x0 - px, side="left"))
            hi = int(np.searchsorted(times, x1 + px, side="right"))
            inside = times[lo:hi]
            if len(inside) > 1:  # (one tick per pixel column)
                inside = x0 + (_columns_holding(inside, x0, px) + 0.5) * px
            if len(inside):
                ticks = np.empty((len(inside), 4))
                ticks[:, 0] = inside - pixels * px / 2
                ticks[:, 1], ticks[:, 2], ticks[:, 3] = lane + y0, pixels * px, y1 - y0
                parts[name].append(ticks)

    def _paint_holders(
        self,
        painter: QPainter,
        held: list[tuple[FloatArray, npt.NDArray[np.int64]]],
        px: float,
        py: float,
    ) -> None:
        """The holder's name on each held stretch wide enough for a few characters."""
        fits = self._fits
        height = QFontMetricsF(fits.font).height()
        if (BODY[1] - BODY[0]) / py < height:
            return  # rows too thin for text
        fits.update(self._names)
        if not len(fits.texts):
            return
        to_device = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        painter.setPen(QPen(QColor(self._colours.text)))
        for rects, holders in held:
            for (x, y, w, h), holder in zip(rects.tolist(), holders.tolist(), strict=True):
                if not 0 <= holder < len(fits.texts):
                    continue
                room = w / px - PAD
                if room < fits.least[holder]:
                    continue
                text, width, condensed = fits.fitted(holder, room)
                cx = (x + w / 2) * to_device.m11() + to_device.dx()
                cy = (y + h / 2) * to_device.m22() + to_device.dy()
                across = min(width + 2 * PLATE, room + PAD)
                painter.setFont(fits.condensed if condensed else fits.font)
                plate = QRectF(cx - across / 2, cy - height / 2, across, height)
                painter.drawText(plate, Qt.AlignmentFlag.AlignCenter, text)
                self.drawn_labels.append((round(y + h / 2), x, text))
        painter.restore()


def _full_columns(
    full: FloatArray, lo: int, hi: int, x0: float, x1: float, px: float
) -> FloatArray:
    """More full stretches (``full[lo:hi]``, in order and apart) than pixel columns:
    the runs of columns that one touches, each from its first stretch's start to its
    last's end (as ``_merge_close`` joins those under a pixel apart; found by
    bisection at the columns' edges: it costs the columns, not the stretches)."""
    starts, ends = full[lo:hi, 0], full[lo:hi, 1]
    # (the first and the last may reach far out of view: alone in the columns beyond)
    c0 = max(int(np.floor((starts[0] - x0) / px)), -2)
    c1 = min(int(np.floor((ends[-1] - x0) / px)), int(np.ceil((x1 - x0) / px)) + 2)
    edges = x0 + np.arange(c0, c1 + 2) * px
    # per column: the stretches begun before its right edge, ended before its left one
    begun = np.searchsorted(starts, edges[1:], side="left")
    ended = np.searchsorted(ends, edges[:-1], side="left")
    touched = begun > ended
    change = np.diff(touched.astype(np.int8), prepend=0, append=0)
    first_col, last_col = np.flatnonzero(change == 1), np.flatnonzero(change == -1) - 1
    return np.stack([starts[ended[first_col]], ends[begun[last_col] - 1]], axis=1)


def _merge_close(full: FloatArray, px: float) -> FloatArray:
    """Stretches (sorted, apart) less than a pixel apart, joined: a busy queue full a
    thousand times in a pixel column is one band there, not a thousand."""
    if len(full) < 2:
        return full
    new = np.r_[True, full[1:, 0] > full[:-1, 1] + px]
    if new.all():
        return full
    firsts = np.flatnonzero(new)
    lasts = np.r_[firsts[1:] - 1, len(full) - 1]
    return np.stack([full[firsts, 0], full[lasts, 1]], axis=1)


def _column_firsts(
    times: FloatArray, x0: float, px: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Sorted ``times``: the pixel columns (column ``c``: from ``x0 + c * px``) that
    hold some, and the first of them in each; found by bisection at the columns'
    edges, so it costs the columns, not the times (a busy row has a million)."""
    if not len(times):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # (the first may begin far to the left, a step or a stretch in force at ``x0``: it
    # is one column's, two to the left, alone there as the rest are in view)
    c0 = max(int(np.floor((times[0] - x0) / px)), -2)
    c1 = int(np.floor((times[-1] - x0) / px))
    edges = x0 + np.arange(c0 + 1, c1 + 1) * px  # (between the columns)
    starts = np.concatenate([[0], np.searchsorted(times, edges, side="left")])
    holding = np.flatnonzero(np.diff(starts, append=len(times)) > 0)
    return c0 + holding, starts[holding]


def _columns_holding(times: FloatArray, x0: float, px: float) -> FloatArray:
    """The pixel columns that hold some of ``times`` (sorted)."""
    columns, _ = _column_firsts(times, x0, px)
    return columns.astype(np.float64)


def _per_column(
    row: ResourceRow, a: int, z: int, end: float, x0: float, px: float
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """More steps than pixel columns (steps ``a`` to ``z`` of ``row``): per column the
    steps starting in it become two, its highest level over the column and the level
    its last step holds until the next column's first step (a brief peak stays in
    sight, a long level stays as long).  Its cost: the columns, and one pass in C
    for the peaks."""
    times = row.times
    lv, holders = row.levels[a:z], row.holders[a:z]
    s = times[a:z]
    column, firsts = _column_firsts(s, x0, px)
    lasts = np.append(firsts[1:] - 1, len(s) - 1)
    peak = np.maximum.reduceat(lv, firsts)
    left = x0 + column * px
    middle = left + px
    after = a + lasts + 1  # (the step after each column's last: its end)
    tail_end = np.where(after < len(times), times[np.minimum(after, len(times) - 1)], end)
    n = len(firsts)
    out_s = np.empty(2 * n)
    out_e = np.empty(2 * n)
    out_l = np.empty(2 * n, np.int64)
    out_h = np.empty(2 * n, np.int64)
    out_s[0::2], out_e[0::2], out_l[0::2], out_h[0::2] = left, middle, peak, holders[lasts]
    out_s[1::2], out_e[1::2], out_l[1::2], out_h[1::2] = middle, tail_end, lv[lasts], holders[lasts]
    keep = out_e > out_s
    return out_s[keep], out_e[keep], out_l[keep], out_h[keep]
