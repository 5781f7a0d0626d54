"""The chart's memory at 100,000 tasks (issue 18, point 1): what it no longer keeps, and
that the picture stays exactly the same.

- a finished trace's bars are read from its own span columns through an index per
  state (``bar_index``), not copied out per state: the same bars, in the same order, as
  the copies, whether the spans come in lane order or not, and the same pixels;
- the coverage pyramid makes its coarser levels when a frame first wants one: the same
  cells as made at once;
- the loop's row (the union of every running span) is made a stretch of time at a
  time: the same intervals as at once, steps nested across stretches included.

Real widgets (offscreen Qt) and real pictures compared pixel for pixel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
import pytest

from visualizer.model import loop_lanes
from visualizer.model.loop_lanes import busy_intervals, union
from visualizer.trace import schema
from visualizer.trace.data import SpanColumns, Trace
from visualizer.trace.tasks import TaskTable
from visualizer.views.bar_index import IndexedBars
from visualizer.views.coverage import Pyramid, StateBars
from visualizer.views.gantt import SpanBars


def _spans(tasks: int, per_task: int, seed: int = 7) -> tuple[np.ndarray, ...]:
    """Each task a tiling of ready / running / suspended steps, by task and time (as a
    trace has them); some suspended ones labelled."""
    rng = np.random.default_rng(seed)
    length = rng.exponential(1e-3, tasks * per_task)
    ends = np.cumsum(length.reshape(tasks, per_task), axis=1).ravel()
    starts = ends - length
    task = np.repeat(np.arange(tasks, dtype=np.int32), per_task)
    state = rng.integers(0, 3, tasks * per_task).astype(np.int8)
    label = np.where(state == schema.SUSPENDED, rng.integers(-1, 3, len(state)), -1)
    return task, state, starts, ends, label.astype(np.int32)


def _pair(lane_of: np.ndarray, columns: tuple[np.ndarray, ...]) -> tuple[SpanBars, SpanBars]:
    """The same spans as copies (each span's lane given) and through the index."""
    task, state, start, end, label = columns
    copied, indexed = SpanBars(), SpanBars()
    copied.set_spans(lane_of[task], state, start, end, label, ["a", "b", "c"])
    indexed.set_spans(task, state, start, end, label, ["a", "b", "c"], lane_of=lane_of)
    return copied, indexed


@pytest.mark.parametrize("order", ["tasks", "shuffled", "lanes apart from tasks"])
def test_bars_through_the_index_are_the_bars_copied(order: str) -> None:
    """Per state, the same lanes, starts, ends and labels in the same (lane, start)
    order; the labelled ones too; and the same bars in any lanes' range."""
    columns = _spans(300, 12)
    lane_of = np.arange(300, dtype=np.int32)
    if order == "shuffled":
        mix = np.random.default_rng(1).permutation(len(columns[0]))
        columns = tuple(c[mix] for c in columns)
    if order == "lanes apart from tasks":  # (a child's lane under its parent's)
        lane_of = np.random.default_rng(2).permutation(300).astype(np.int32)
    copied, indexed = _pair(lane_of, columns)
    for state in range(len(schema.STATE_NAMES)):
        a, b = copied.spans_of(state), indexed.spans_of(state)
        assert isinstance(a, StateBars) and isinstance(b, IndexedBars)
        assert len(b.index) == len(a.start) and b.index.dtype == np.int32
        for column in ("lane", "start", "end", "label"):
            assert np.array_equal(getattr(a, column), getattr(b, column)), column
        assert (a.first, a.last) == (b.first, b.last)
        for lo, hi in ((0, 300), (5, 6), (-3, 2), (299, 400), (40, 41), (10, 120)):
            assert a.bounds(lo, hi)[1] - a.bounds(lo, hi)[0] == np.subtract(*b.bounds(lo, hi)[::-1])
            for x, y in zip(a.take(*a.bounds(lo, hi)), b.take(*b.bounds(lo, hi)), strict=True):
                assert np.array_equal(x, y)
    labelled = copied.labelled_in_view(0.0, 1.0, 0, 300)
    assert labelled.keys() == indexed.labelled_in_view(0.0, 1.0, 0, 300).keys() == {2}
    for x, y in zip(labelled[2], indexed.labelled_in_view(0.0, 1.0, 0, 300)[2], strict=True):
        assert np.array_equal(x, y)
    assert copied.boundingRect() == indexed.boundingRect()


def _picture(qtbot: Any, bars: SpanBars, x: tuple[float, float], y: tuple[float, float]) -> Any:
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(640, 400)
    plot.getPlotItem().addItem(bars)
    plot.getPlotItem().invertY(True)
    plot.getPlotItem().getViewBox().setRange(xRange=x, yRange=y, padding=0)
    plot.show()
    qtbot.waitExposed(plot)
    return plot.grab().toImage()


def test_the_pictures_through_the_index_are_the_pictures_copied(qtbot: Any) -> None:
    """Zoomed out (an image from the pyramid, no bar read), a part of the time (an image
    from the bars), zoomed in (bars): the same pixels, and the same bars counted."""
    columns = _spans(2000, 60)
    lane_of = np.arange(2000, dtype=np.int32)
    t1 = float(columns[3].max())
    views = [((0.0, t1), (-0.6, 1999.6)), ((t1 / 3, t1 / 2), (0, 900)), ((0.0, t1 / 8), (10, 50))]
    drew = []
    for x, y in views:
        copied, indexed = _pair(lane_of, columns)
        before = _picture(qtbot, copied, x, y)
        after = _picture(qtbot, indexed, x, y)
        assert before == after
        assert copied.drawn == indexed.drawn and sum(indexed.drawn.values()) > 0
        assert copied.drew_image == indexed.drew_image
        drew.append(indexed.drew_image)
    assert drew == [True, True, False] and indexed._pyramid is not None


def test_the_pyramids_coarser_levels_are_made_when_first_wanted() -> None:
    """Made with the finest level only; a frame that wants a coarser one makes them,
    the same cells as a pyramid made whole."""
    task, state, start, end, _ = _spans(200, 30)
    bars: dict[int, StateBars | IndexedBars] = {
        s: StateBars(task[state == s], start[state == s], end[state == s], -np.ones(1, np.int32))
        for s in range(len(schema.STATE_NAMES))
    }
    t1 = float(end.max())
    lazy, whole = Pyramid(bars, 0.0, t1, 200), Pyramid(bars, 0.0, t1, 200)
    assert len(whole.images) > 3  # (every level, made now)
    assert len(lazy._images) == 1
    colours = np.arange(256, dtype=np.uint32) * 7 + 1
    fine = lazy.image(0.0, lazy.widths[0] * 1.5, 300, 0, 200, colours)  # (level 0's)
    assert len(lazy._images) == 1 and fine is not None
    coarse = lazy.image(0.0, t1 / 40, 40, 0, 200, colours)
    assert len(lazy._images) == len(whole.images)
    expected = whole.image(0.0, t1 / 40, 40, 0, 200, colours)
    assert coarse is not None and expected is not None and np.array_equal(coarse, expected)
    for a, b in zip(lazy.images, whole.images, strict=True):
        assert np.array_equal(a, b)


def _trace(start: np.ndarray, end: np.ndarray) -> Trace:
    n = len(start)
    spans = SpanColumns(
        task=np.zeros(n, np.int32),
        state=np.full(n, schema.RUNNING, np.int8),
        start=start,
        end=end,
        awaiting=np.full(n, -1, np.int32),
        woken_kind=np.full(n, -1, np.int8),
        woken_task=np.full(n, -1, np.int32),
    )
    return Trace(meta={}, tasks=TaskTable.empty(), spans=spans, suspensions=[])


@pytest.mark.parametrize("seed", range(6))
def test_the_loops_row_in_stretches_is_the_union_at_once(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Stretches of a few spans each: the same intervals as the union of all at once,
    with steps that nest (an eager task's first step) and run over into the next
    stretches, and starts bunched in time."""
    rng = np.random.default_rng(seed)
    n = 3000
    start = np.round(np.concatenate([rng.random(n // 2), 0.9 + rng.random(n // 2) / 50]), 4)
    end = start + np.round(rng.choice([1e-4, 3e-3, 0.2], n, p=[0.8, 0.19, 0.01]), 4)
    expected = union(start.copy(), end.copy())
    monkeypatch.setattr(loop_lanes, "BUSY_PIECE", 37)
    got = busy_intervals(_trace(start, end))
    assert len(got[0]) > 10
    assert np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1])
    # and the union itself: every interval disjoint, sorted, covering every span
    s, e = got
    assert (s[1:] > e[:-1]).all()
    k = np.searchsorted(s, start, side="right") - 1
    assert (s[k] <= start).all() and (end <= e[k]).all()
