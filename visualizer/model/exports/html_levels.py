"""The overview levels an HTML page draws when it is zoomed out past its exact spans.

Why levels at all: a page of 2 million spans cannot embed them all (30 bytes a span
is 60 MB before base64) nor draw them each frame, and zoomed out a pixel holds
hundreds of spans anyway.  So, as the window's coverage pyramid does
(``views.coverage``), the page carries small images of (lane group, time column)
cells, each the index of a (state, opacity) colour, and a frame picks for each pixel
the cell under it.  Unlike the window's, these group lanes too (a page zoomed out on
100,000 lanes has some 700 pixel rows) and are built once, in Python, so the page
only reads them; the model may not import the views, so the few lines of coverage
arithmetic are written here again, for cells of several lanes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from visualizer.trace import schema

#: ready and running time counts this many times suspended time in a cell: a step is
#: short, but it is what happened (a lane busy a quarter of the time shows as running)
BRIEF_WEIGHT = 4.0
#: a cell's opacity, in this many steps (a task made mid-cell is faint)
OPACITY_STEPS = 8
#: a level's rows at most (its lanes grouped by a power of two until under this) ...
MAX_ROWS = 8192
#: ... and at least (coarser is of no use to a frame)
MIN_ROWS = 64
#: (rows x columns) of a group's finest time level, about
LEVEL_CELLS = 1 << 20
#: time columns of a group's finest level: at least, at most
MIN_COLUMNS, MAX_COLUMNS = 256, 4096
#: each group's levels halve the columns down to this many
COARSEST_COLUMNS = 64


@dataclass(frozen=True)
class Level:
    """``cells[row, column]``: 0 for nothing, else ``1 + state * OPACITY_STEPS + (opacity
    - 1)``, for lanes ``row * group .. row * group + group - 1`` and the time
    ``t0 + column * width`` to ``t0 + (column + 1) * width``."""

    group: int
    width: float
    cells: npt.NDArray[np.uint8]


def levels(
    lane: npt.NDArray[np.int64],
    state: npt.NDArray[np.int8],
    start: npt.NDArray[np.float64],
    end: npt.NDArray[np.float64],
    lanes: int,
    t0: float,
    t1: float,
) -> list[Level]:
    """Every level of spans in ``lanes`` lanes over ``t0 .. t1``: for each lane group
    (1, 2, 4 ... lanes a row, from the first with at most ``MAX_ROWS`` rows to the last
    with ``MIN_ROWS``), the finest columns, then each half as many."""
    out: list[Level] = []
    if lanes <= 0 or not len(start):
        return out
    group = 1
    while -(-lanes // group) > MAX_ROWS:
        group *= 2
    span = max(t1 - t0, 1e-12)
    while True:
        rows = -(-lanes // group)
        cols = int(min(MAX_COLUMNS, max(MIN_COLUMNS, LEVEL_CELLS // rows)))
        width = span / cols
        cover = np.stack(
            [
                _grid(lane[mine] // group, start[mine], end[mine], t0, width, rows, cols)
                for mine in (state == s for s in range(len(schema.STATE_NAMES)))
            ]
        ) / float(group)
        while True:
            out.append(Level(group, width, shade(cover)))
            if cover.shape[2] // 2 < COARSEST_COLUMNS:
                break
            if cover.shape[2] % 2:
                cover = np.concatenate([cover, np.zeros_like(cover[:, :, :1])], axis=2)
            cover = (cover[:, :, 0::2] + cover[:, :, 1::2]) / 2
            width *= 2
        if rows <= MIN_ROWS:
            return out
        group *= 2


def _grid(
    row: npt.NDArray[np.int64],
    start: npt.NDArray[np.float64],
    end: npt.NDArray[np.float64],
    t0: float,
    width: float,
    rows: int,
    cols: int,
) -> npt.NDArray[np.float64]:
    """How much of each (row, column) cell the spans cover, in columns (0 .. lanes of
    the row), in O(spans + cells): a span within one column adds its length there; a
    longer one its head and tail, and 1 to each column between (a running sum of
    +1 where it begins and -1 where it ends)."""
    size = rows * cols
    a = np.clip((start - t0) / width, 0.0, cols)
    b = np.clip((end - t0) / width, 0.0, cols)
    first = np.minimum(a.astype(np.int64), cols - 1)
    last = np.minimum(b.astype(np.int64), cols - 1)
    base = row.astype(np.int64) * cols
    same = first == last
    cells = np.bincount(base[same] + first[same], weights=(b - a)[same], minlength=size)
    cells = cells.astype(np.float64)
    apart = ~same
    if apart.any():
        base, first, last = base[apart], first[apart], last[apart]
        cells += np.bincount(base + first, weights=first + 1 - a[apart], minlength=size)
        cells += np.bincount(base + last, weights=b[apart] - last, minlength=size)
        inner = np.bincount(base + first + 1, minlength=size + 1)[:size]
        inner -= np.bincount(base + last, minlength=size + 1)[:size]
        cells += np.cumsum(inner)
    return np.asarray(cells[:size], np.float64).reshape(rows, cols)


def shade(cover: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
    """(states, rows, columns) coverage -> cell codes (see ``Level``): the state that
    fills most of the cell, ready and running counted ``BRIEF_WEIGHT`` times, ties to
    running, then ready; opaque as much as the cell is covered at all (any coverage
    shows, however little: a lone step is never lost)."""
    weight = np.array([BRIEF_WEIGHT, BRIEF_WEIGHT, 1.0])[:, None, None]
    order = (schema.RUNNING, schema.READY, schema.SUSPENDED)  # (argmax: the first)
    winner = np.asarray(order, np.uint8)[np.argmax((cover * weight)[list(order)], axis=0)]
    total = np.minimum(cover.sum(axis=0), 1.0)
    opacity = np.ceil(np.round(total * OPACITY_STEPS, 6)).astype(np.uint8)
    return np.where(opacity > 0, 1 + winner * OPACITY_STEPS + opacity - 1, 0).astype(np.uint8)
