"""A live run's spans, appended frame by frame, and their coverage image kept up to date.

Why not ``SpanBars.set_spans`` every frame: a busy program adds 400,000 spans a second,
and sorting everything in view and building the coverage pyramid again cost a frame
hundreds of milliseconds (``bench/live_gui.py``).  Here a frame pays for what is new:

* ``LiveSpans`` keeps each frame's spans as they came, with their time bounds, so a
  view skips whole frames it does not reach into.
* ``LiveCoverage`` is the zoomed-out picture: per (row, pixel column) how much of it
  each state covers, at the pixel width of the view.  New spans are added into it as
  they come; only a zoom, a jump or a pan to the left rebuilds it from the spans.
  Rows are keys (task ids), not lanes, so a new task sliding the lanes below it costs
  nothing: the image gathers the rows in lane order when it is drawn.

No Qt here: arrays in, arrays out.  The arrows and marks of a live chart use
``LiveSpans`` too, as zero-length spans (``start == end``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from visualizer.trace import schema
from visualizer.views.coverage import column_edges, shade

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: a coverage grid holds at most this many (row, column) cells per state
GRID_CELLS: Final = 4_000_000
#: middle cells of long spans expanded one by one up to this many, else per row at once
EXPAND_CELLS: Final = 200_000

STATES: Final = len(schema.STATE_NAMES)


@dataclass
class Columns:
    """Spans as columns: ``key`` (a task id, or a row), ``state``, ``start``, ``end`` and
    ``label`` (an index into the chart's labels, or -1; for arrows, the other end)."""

    key: IntArray
    state: IntArray
    start: FloatArray
    end: FloatArray
    label: IntArray

    def __len__(self) -> int:
        return len(self.key)

    def take(self, index: npt.NDArray[np.int64] | npt.NDArray[np.bool_] | slice) -> Columns:
        return Columns(
            self.key[index],
            self.state[index],
            self.start[index],
            self.end[index],
            self.label[index],
        )

    @classmethod
    def of(
        cls,
        key: npt.ArrayLike,
        state: npt.ArrayLike,
        start: npt.ArrayLike,
        end: npt.ArrayLike,
        label: npt.ArrayLike,
    ) -> Columns:
        return cls(
            np.asarray(key, np.int64),
            np.asarray(state, np.int64),
            np.asarray(start, np.float64),
            np.asarray(end, np.float64),
            np.asarray(label, np.int64),
        )

    @classmethod
    def empty(cls) -> Columns:
        return cls.of([], [], [], [], [])

    @classmethod
    def joined(cls, parts: list[Columns]) -> Columns:
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        return cls(*(np.concatenate([getattr(p, name) for p in parts]) for name in _NAMES))


_NAMES: Final = ("key", "state", "start", "end", "label")


class LiveSpans:
    """Spans appended as a run goes; what a view shows, found without a full scan.

    Each frame's spans are kept as they came, with their earliest start and latest end:
    a frame's spans end within that frame (a step, the ready span before it, the wait
    a wake ended), so a view skips whole frames by those bounds, at numpy speed."""

    def __init__(self) -> None:
        self._chunks: list[Columns] = []
        self._first = np.zeros(0)  #: per chunk: earliest start
        self._last = np.zeros(0)  #: per chunk: latest end
        self._sizes = np.zeros(0, np.int64)
        self._widest = np.zeros(0)  #: per chunk: its longest span with a label (-inf: none)
        self.count = 0  #: spans appended so far
        self.first = np.inf  #: earliest start so far
        self.last = -np.inf  #: latest end so far
        self.top_key = -1  #: the largest key so far

    def append(self, spans: Columns) -> None:
        if not len(spans):
            return
        first, last = float(spans.start.min()), float(spans.end.max())
        self.count += len(spans)
        self.first = min(self.first, first)
        self.last = max(self.last, last)
        self.top_key = max(self.top_key, int(spans.key.max()))
        self._chunks.append(spans)
        self._first = np.append(self._first, first)
        self._last = np.append(self._last, last)
        self._sizes = np.append(self._sizes, len(spans))
        labelled = spans.label >= 0
        lengths = (spans.end - spans.start)[labelled]
        self._widest = np.append(self._widest, lengths.max() if len(lengths) else -np.inf)

    def _touching(self, x0: float, x1: float) -> npt.NDArray[np.int64]:
        return np.flatnonzero((self._last >= x0) & (self._first <= x1))

    def window(self, x0: float, x1: float) -> Columns:
        """Every span that reaches into ``[x0, x1]``."""
        parts = []
        for i in self._touching(x0, x1).tolist():
            spans = self._chunks[i]
            if self._first[i] >= x0 and self._last[i] <= x1:
                parts.append(spans)
            else:
                parts.append(spans.take((spans.end >= x0) & (spans.start <= x1)))
        return Columns.joined(parts)

    def labelled(self, x0: float, x1: float, wider: float = 0.0) -> Columns:
        """The spans with a label that reach into ``[x0, x1]`` and last ``wider`` or
        more: a label needs room, and a busy run zoomed out has millions of spans in
        view, few of them wide (the frames with none are skipped whole)."""
        parts = []
        touching = (self._last >= x0) & (self._first <= x1) & (self._widest >= wider)
        for i in np.flatnonzero(touching).tolist():
            spans = self._chunks[i]
            keep = (spans.label >= 0) & (spans.end - spans.start >= wider)
            if self._first[i] < x0 or self._last[i] > x1:
                keep &= (spans.end >= x0) & (spans.start <= x1)
            parts.append(spans.take(keep))
        return Columns.joined(parts)

    def at_most(self, x0: float, x1: float) -> int:
        """An upper bound on ``len(window(x0, x1))``, from the frames' bounds only."""
        return int(self._sizes[self._touching(x0, x1)].sum())


class LiveCoverage:
    """How much of each (row, column) each state covers, columns ``px`` wide and aligned
    to multiples of ``px`` (column ``c`` is ``[c * px, (c + 1) * px)``), for columns
    ``c0 .. c0 + cols - 1``; and the colour of each cell (``shade``), worked out again
    only where spans were added since (a busy frame adds to the last few columns).
    ``reach`` is the latest end added: columns after it hold nothing yet, so the grid
    can slide right over them without a rebuild."""

    def __init__(self, px: float, c0: int, cols: int, rows: int) -> None:
        self.px = px
        self.c0 = c0
        self.cols = cols
        self.grid = np.zeros((STATES, rows, cols), np.float32)
        self.pixels = np.zeros((rows, cols), np.uint32)  #: each cell's colour
        self._colours: npt.NDArray[np.uint32] | None = None  #: the colours they were made in
        self._dirty = (cols, 0)  #: columns [lo, hi) to colour again
        self.reach = -np.inf

    @property
    def rows(self) -> int:
        return int(self.grid.shape[1])

    def holds(self, px: float, c0: int, c1: int) -> bool:
        """Does it hold columns ``c0 .. c1`` at this pixel width (after sliding, if it
        may)?  Slides if it may."""
        if abs(px / self.px - 1.0) > 1e-6:
            return False
        if c0 >= self.c0 and c1 < self.c0 + self.cols:
            return True
        if c0 < self.c0 or c1 >= c0 + self.cols:
            return False  # a pan to the left, or a wider view
        if (self.reach - 1e-12) / self.px >= self.c0 + self.cols - 1:
            return False  # spans were cut at the right edge: the new columns lack them
        shift = min(c0 - self.c0, self.cols)
        grid = np.zeros_like(self.grid)
        grid[:, :, : self.cols - shift] = self.grid[:, :, shift:]
        pixels = np.zeros_like(self.pixels)
        pixels[:, : self.cols - shift] = self.pixels[:, shift:]
        self.grid, self.pixels, self.c0 = grid, pixels, c0
        lo, hi = self._dirty
        self._dirty = (max(lo - shift, 0), max(hi - shift, 0))
        return True

    def add(self, spans: Columns) -> bool:
        """Add spans' coverage (their keys are rows; more rows are made as needed).
        False, and nothing added, if the rows they need would pass ``GRID_CELLS``: the
        caller then draws from the spans (a run that keeps making tasks outgrows a grid)."""
        if not len(spans):
            return True
        if spans.key.max() >= self.rows:
            if (int(spans.key.max()) + 1) * self.cols > GRID_CELLS:
                return False
            rows = min(max(int(spans.key.max()) + 1, 2 * self.rows), GRID_CELLS // self.cols)
            grown = np.zeros((STATES, rows, self.cols), np.float32)
            grown[:, : self.rows] = self.grid
            pixels = np.zeros((rows, self.cols), np.uint32)
            pixels[: self.rows] = self.pixels
            self.grid, self.pixels = grown, pixels
        self.reach = max(self.reach, float(spans.end.max()))
        x0 = self.c0 * self.px
        add_coverage(self.grid, spans, x0, self.px)
        lo = int(np.clip(np.floor((spans.start.min() - x0) / self.px), 0, self.cols))
        hi = int(np.clip(np.floor((spans.end.max() - x0) / self.px) + 1, 0, self.cols))
        old_lo, old_hi = self._dirty
        self._dirty = (min(lo, old_lo), max(hi, old_hi))
        return True

    def image(
        self, keys: IntArray, c0: int, cols: int, colours: npt.NDArray[np.uint32]
    ) -> npt.NDArray[np.uint32]:
        """The (len(keys), cols) pixels of columns ``c0 ..`` for rows ``keys`` (-1: an
        empty row), colour index ``i`` painted ``colours[i]``."""
        lo, hi = self._dirty
        if colours is not self._colours:  # a new palette: every cell again
            lo, hi = 0, self.cols
            self._colours = colours
        if lo < hi:
            self.pixels[:, lo:hi] = colours[shade(self.grid[:, :, lo:hi])]
            self._dirty = (self.cols, 0)
        at = c0 - self.c0
        valid = (keys >= 0) & (keys < self.rows)
        out = np.take(self.pixels[:, at : at + cols], np.where(valid, keys, 0), axis=0)
        out[~valid] = colours[0]
        return out


def add_coverage(grid: npt.NDArray[np.float32], spans: Columns, x0: float, px: float) -> None:
    """Add to ``grid[state, key, column]`` how much of each column (``px`` wide from
    ``x0``) each span covers: a part-column at each end, whole columns between."""
    cols = grid.shape[2]
    a, b = column_edges(spans.start, spans.end, x0, px, cols)
    # (a span outside the columns is clipped to an empty one at an edge: it adds 0)
    ca = np.minimum(a.astype(np.int64), cols - 1)
    cb = np.minimum(b.astype(np.int64), cols - 1)
    if not grid.flags.c_contiguous:
        raise ValueError("coverage is added in place: the grid must be C-contiguous")
    base = (spans.state * grid.shape[1] + spans.key) * cols
    flat = grid.reshape(-1)
    one = ca == cb
    # (weights of the grid's own type: ``add.at`` casting float64 costs 25x)
    np.add.at(flat, base[one] + ca[one], (b - a)[one].astype(np.float32))
    many = ~one
    np.add.at(flat, base[many] + ca[many], ((ca + 1) - a)[many].astype(np.float32))
    np.add.at(flat, base[many] + cb[many], (b - cb)[many].astype(np.float32))
    inner = np.maximum(cb - ca - 1, 0)
    total = int(inner.sum())
    if not total:
        return
    if total <= EXPAND_CELLS:
        which = np.flatnonzero(inner)
        counts = inner[which]
        starts = base[which] + ca[which] + 1
        # each span's run of whole columns, one index per cell
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        np.add.at(flat, np.repeat(starts, counts) + offsets, np.float32(1.0))
        return
    # many long spans: a difference array per row, summed along the columns
    rows = grid.shape[0] * grid.shape[1]
    diff = np.zeros(rows * (cols + 1), np.float32)
    row = (base // cols)[inner > 0]
    np.add.at(diff, row * (cols + 1) + ca[inner > 0] + 1, np.float32(1.0))
    np.add.at(diff, row * (cols + 1) + cb[inner > 0], np.float32(-1.0))
    grid += np.cumsum(diff.reshape(rows, cols + 1), axis=1)[:, :cols].reshape(grid.shape)
