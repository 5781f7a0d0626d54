"""Spans to pixels, without Qt: which bars are in view, merging bars narrower than a pixel,
and the coverage image a zoomed-out chart draws instead of bars (a pixel per lane and time
column, coloured by the state that fills it).  ``SpanBars`` paints what these compute; the
live chart (``live_spans``) feeds them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from visualizer.trace import schema
from visualizer.views.bar_index import IndexedBars

FloatArray = npt.NDArray[np.float64]
#: lanes and labels: int32 for a finished trace (100,000 lanes: 4 bytes a bar, not 8)
IntArray = npt.NDArray[np.signedinteger[Any]]

#: in a coverage image, ready and running time counts this many times suspended time
BRIEF_WEIGHT = 4.0
#: a coverage image pixel's opacity: how much of its column is covered, in this many steps
OPACITY_STEPS = 8
#: the coverage pyramid's finest level: at most this many time columns ...
PYRAMID_COLUMNS = 4096
#: ... and at most this many (lane, column) cells per state
PYRAMID_CELLS = 2_000_000
#: ... but never fewer than this many columns (coarser is no use to a frame) ...
PYRAMID_MIN_COLUMNS = 256
#: ... so no pyramid past this many level-0 cells (131,072 lanes): its images, and the
#: colours a frame makes of a level, grow with the lanes (1 GB at 1,000,000)
PYRAMID_MAX_CELLS = 1 << 25
#: (lane, column) cells built at a time: the float temporaries of a block (2 MB each) stay
#: in the cache and in memory the process has already touched; blocks of 2 million cells
#: (16 MB temporaries, fresh pages each) made a window's first big trace's pyramid 3
#: times as slow (1.2 s at 100,000 lanes, issue 18, ``bench/big_window.py``)
PYRAMID_BLOCK = 1 << 18


class Pyramid:
    """What a zoomed-out frame shows, precomputed once per ``set_spans``: for a few time
    resolutions, an 8-bit image of (lane, time column) cells, each the index of a
    (state, opacity) colour (``shade``).  A frame then only picks, for each pixel
    column, the level column under it (at the coarsest level whose columns are no wider
    than a pixel) instead of reading a million spans.  Level 0 has up to
    ``PYRAMID_COLUMNS`` columns over the data's time range (fewer with many lanes, to
    bound memory); each next level halves them, averaging the coverage of pairs."""

    def __init__(
        self, bars: dict[int, Bars], t0: float, t1: float, lanes: int, first: int = 0
    ) -> None:
        """Of ``lanes`` lanes from lane ``first`` (the loop's rows under 100,000 task
        lanes are two: a pyramid of every lane above them cost a second and 50 MB)."""
        self.t0 = t0
        self.lanes = lanes
        self.first = first
        cols = int(min(PYRAMID_COLUMNS, max(PYRAMID_MIN_COLUMNS, PYRAMID_CELLS // max(lanes, 1))))
        self.widths: list[float] = []
        width = max(t1 - t0, 1e-12) / cols
        # the levels' widths: halved until under 64 columns (an odd last column pairs
        # with an empty one)
        sizes = [cols]
        while sizes[-1] >= 64:
            sizes.append((sizes[-1] + 1) // 2)
        self.widths = [width * 2**k for k in range(len(sizes))]
        self._sizes = sizes
        self._bars = bars  # (the chart keeps them: no copy)
        #: the levels made so far: the finest only, until a frame wants a coarser one
        #: (the run under 256 pixels wide); all of them were 48 MB at 100,000 lanes,
        #: the finest 26 (issue 18)
        self._images = self._build(1)

    @property
    def images(self) -> list[npt.NDArray[np.uint8]]:
        """Every level's image, finest first (made now if not yet)."""
        return self._level_images(len(self._sizes))

    def _level_images(self, levels: int) -> list[npt.NDArray[np.uint8]]:
        """The images of the finest ``levels`` levels at least: all made again from the
        bars, the first time a coarser one is wanted (the same cells as at once)."""
        if len(self._images) < levels:
            self._images = self._build(len(self._sizes))
        return self._images

    def _build(self, levels: int) -> list[npt.NDArray[np.uint8]]:
        """The finest ``levels`` levels' images, from the bars."""
        bars, first, cols, width = self._bars, self.first, self._sizes[0], self.widths[0]
        lanes = self.lanes
        images = [np.zeros((lanes, size), np.uint8) for size in self._sizes[:levels]]
        # A block of lanes at a time: every level's cell depends on its own lane only,
        # and the whole float level 0 (plus coverage's float64 temporaries) cost 1 GB at
        # 100,000 lanes, 9 GB at 1,000,000 (issue 13, ``bench/big_file.py``)
        block = max(PYRAMID_BLOCK // cols, 1)
        for lo in range(0, lanes, block):
            hi = min(lo + block, lanes)
            level = np.zeros((len(schema.STATE_NAMES), hi - lo, cols), np.float32)
            for state, b in bars.items():
                a, z = b.bounds(first + lo, first + hi)
                # (a block's bars a few at a time: the loop's row is one lane of a
                # million bars, and coverage's temporaries of them all cost 80 MB)
                covered = np.zeros((hi - lo) * cols)
                for i in range(a, max(z, a + 1), PYRAMID_BLOCK):
                    lane, start, end, _ = b.take(i, min(i + PYRAMID_BLOCK, z))
                    lane = lane - (first + lo)
                    covered += coverage(lane, start, end, self.t0, width, cols, hi - lo)
                level[state] = covered.reshape(hi - lo, cols)
            for k in range(levels):
                images[k][lo:hi] = shade(level)
                if k + 1 < levels:
                    if level.shape[2] % 2:
                        level = np.concatenate([level, np.zeros_like(level[:, :, :1])], axis=2)
                    level = ((level[:, :, 0::2] + level[:, :, 1::2]) / 2).astype(np.float32)
        return images

    @staticmethod
    def fits(lanes: int) -> bool:
        """A pyramid of ``lanes`` lanes stays within ``PYRAMID_MAX_CELLS``: past that a
        zoomed-out frame reads the spans of the lanes it samples instead."""
        return lanes * PYRAMID_MIN_COLUMNS <= PYRAMID_MAX_CELLS

    def image(
        self,
        x0: float,
        px: float,
        cols: int,
        first: int,
        lanes: int,
        colours: npt.NDArray[np.uint32],
        *,
        step: int = 1,
        finest_if_coarser: bool = False,
    ) -> npt.NDArray[np.uint32] | None:
        """The (lanes, cols) pixels for columns of width ``px`` from ``x0`` (colour index
        ``i`` painted ``colours[i]``) of the lanes ``first``, ``first + step``, ...; or
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
        width = self.widths[k]
        level = self._level_images(k + 1)[k]
        centres = (x0 + (np.arange(cols) + 0.5) * px - self.t0) / width
        # the pixel columns over the data: a range (the columns left and right stay empty)
        inside = np.flatnonzero((centres >= 0) & (centres < level.shape[1]))
        out = np.zeros((lanes, cols), np.uint32)
        first -= self.first  # (the image's rows begin at the pyramid's first lane)
        skip = max(-(first // step), 0)  # image rows above the pyramid's lanes stay empty
        rows = level[first + skip * step : first + lanes * step : step]
        if len(rows) and len(inside):
            lo, hi = int(inside[0]), int(inside[-1]) + 1
            # (the cells shown, then their colours: colouring a whole level of 100,000
            # lanes once cost 0.25 s and 100 MB, a frame's cells about a millisecond)
            cells = np.take(rows, centres[lo:hi].astype(np.int64), axis=1)
            out[skip : skip + len(rows), lo:hi] = colours[cells]
        return out


def shade(covered: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8]:
    """(states, ...) coverage -> colour-table indices: the state that fills most of each
    cell, ready and running time counted ``BRIEF_WEIGHT`` times (a step is short but is
    what happened: a lane busy a quarter of the time shows as running), with an opacity
    step for how much of the cell is covered at all (a task created mid-cell is faint)."""
    # (a frame shades a few hundred thousand cells: uint8 and float32 only, few passes)
    ready, running, suspended = (
        np.asarray(covered[state], np.float32)
        for state in (schema.READY, schema.RUNNING, schema.SUSPENDED)
    )
    brief_ready = ready * np.float32(BRIEF_WEIGHT)
    brief_running = running * np.float32(BRIEF_WEIGHT)
    # the most, ties to running, then ready
    running_wins = (brief_running >= brief_ready) & (brief_running >= suspended)
    ready_wins = (brief_ready >= suspended) & ~running_wins
    # (byte arithmetic on the masks: a masked assignment costs 15 times as much)
    step = OPACITY_STEPS + 1
    out = np.full(ready.shape, schema.SUSPENDED * step, np.uint8)
    out -= ready_wins.view(np.uint8) * np.uint8((schema.SUSPENDED - schema.READY) * step)
    out -= running_wins.view(np.uint8) * np.uint8((schema.SUSPENDED - schema.RUNNING) * step)
    total = ready + running
    total += suspended
    # any coverage at all shows, however faint: a lone step is never dropped
    np.minimum(total, np.float32(1.0), out=total)
    total *= np.float32(OPACITY_STEPS)
    np.ceil(total, out=total)
    opacity = np.maximum(total, 0).astype(np.uint8)
    out += opacity
    out *= opacity != 0  # nothing there: colour 0, whichever state "won"
    return out


@dataclass
class StateBars:
    """One state's spans, sorted by (lane, start): what one ``drawRects`` paints."""

    lane: IntArray
    start: FloatArray
    end: FloatArray
    label: IntArray  #: index into the chart's labels, or -1
    first: float = 0.0  #: earliest start
    last: float = 0.0  #: latest end

    def __len__(self) -> int:
        return len(self.start)

    def bounds(self, lo: int, hi: int) -> tuple[int, int]:
        """The bars of lanes ``lo`` to ``hi`` (excluded): positions ``a`` to ``z``."""
        # (keys of the lanes' own type: a float or int key made numpy convert the whole
        # column, 0.25 ms a call at a million spans, where the search costs microseconds)
        info = np.iinfo(self.lane.dtype)
        keys = np.array([min(max(lo, info.min), info.max), min(hi, info.max)], self.lane.dtype)
        a, z = np.searchsorted(self.lane, keys)
        return int(a), int(z)

    def take(self, a: int, z: int) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
        """Bars ``a`` to ``z`` (excluded) as columns (views): lane, start, end, label."""
        return self.lane[a:z], self.start[a:z], self.end[a:z], self.label[a:z]


#: a state's bars: copied out in (lane, start) order, or read through an index
Bars = StateBars | IndexedBars


def every_lane(
    columns: tuple[IntArray, FloatArray, FloatArray, IntArray], first: int, step: int
) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
    """The bars of every ``step``-th lane (from ``first``), their lanes renumbered
    ``lane // step`` (one image row per sampled lane)."""
    lane, start, end, label = columns
    keep = (lane - first) % step == 0
    return lane[keep] // step, start[keep], end[keep], label[keep]


def column_edges(
    start: FloatArray, end: FloatArray, x0: float, px: float, cols: int
) -> tuple[FloatArray, FloatArray]:
    """Where spans begin and end in columns ``px`` wide from ``x0`` (clipped to
    ``0 .. cols``), rounded to a billionth of a column: a span ending on a column's edge
    must not leak 1e-13 of itself into the next column, where it would show as a faint
    pixel that nothing covers."""
    a = np.round(np.clip((start - x0) / px, 0.0, cols), 9)
    b = np.round(np.clip((end - x0) / px, 0.0, cols), 9)
    return np.asarray(a, np.float64), np.asarray(b, np.float64)


def coverage(
    lane: IntArray, start: FloatArray, end: FloatArray, x0: float, px: float, cols: int, lanes: int
) -> FloatArray:
    """How much of each (lane, pixel column) the bars cover, 0..1, flattened lane-major.

    In O(bars): a bar inside one column adds its length there; a longer one adds its
    head and tail to their columns and 1 to every column between (a difference array).
    """
    size = lanes * cols
    inside = (lane >= 0) & (lane < lanes)
    if not inside.all():
        lane, start, end = lane[inside], start[inside], end[inside]
    a, b = column_edges(start, end, x0, px, cols)
    ca = np.minimum(a.astype(np.int64), cols - 1)
    cb = np.minimum(b.astype(np.int64), cols - 1)
    row = lane.astype(np.int64) * cols
    one = ca == cb
    if one.all():  # (every bar inside a column: one pass over the cells)
        return np.bincount(row + ca, weights=b - a, minlength=size).astype(np.float64)
    many = ~one
    ra, fa, fb = row[many], ca[many], cb[many]
    # the bars inside a column, and the longer ones' heads and tails: one bincount (a
    # pass over the cells each; a pyramid of 100,000 lanes makes 25 million of them)
    cells = np.concatenate([row[one] + ca[one], ra + fa, ra + fb])
    weights = np.concatenate([(b - a)[one], (fa + 1) - a[many], b[many] - fb])
    out = np.bincount(cells, weights=weights, minlength=size)
    # 1 in every column between a head and a tail: +1 after the head, -1 at the tail
    edges = np.concatenate([ra + fa + 1, ra + fb])
    signs = np.concatenate([np.ones(len(ra)), -np.ones(len(ra))])
    out += np.cumsum(np.bincount(edges, weights=signs, minlength=size + 1)[:size])
    return np.asarray(out[:size], np.float64)


def _lanes(bars: Bars, y0: float, y1: float) -> tuple[int, int]:
    """The positions of the bars of the lanes from ``y0`` to ``y1`` (partly) in view."""
    return bars.bounds(int(np.floor(y0)), int(np.ceil(y1)) + 1)


def count_in_view(bars: Bars, x0: float, x1: float, y0: float, y1: float) -> int | None:
    """How many bars ``in_view`` gives, if the lanes' bounds say without reading them
    (all of the time in view: a zoomed-out frame), else None."""
    if not len(bars):
        return 0
    if bars.first >= x0 and bars.last <= x1:
        a, z = _lanes(bars, y0, y1)
        return z - a
    return None


def in_view(
    bars: Bars, x0: float, x1: float, y0: float, y1: float
) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
    lane, start, end, label = bars.take(*_lanes(bars, y0, y1))
    if len(start) and bars.first >= x0 and bars.last <= x1:
        return lane, start, end, label  # all of it in view: no copies
    mask = (end >= x0) & (start <= x1)
    return lane[mask], start[mask], end[mask], label[mask]


def merge_subpixel(
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
