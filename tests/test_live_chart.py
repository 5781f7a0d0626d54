"""The live chart: spans appended frame by frame must draw what the finished run draws.

A live frame gives the chart only what is new (``GanttView.show_live``): the spans closed
since the last frame and the ones still open.  These tests replay real recorded runs into
a growing store, frame by frame, and hold the live picture to the finished one: the same
pixels where bars are drawn one by one, and the right colour in every long span where a
busy view is drawn as an image kept up to date (``LiveCoverage``).  The numpy pieces are
checked against the plain computation they stand for.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage
from tracehelp import GrowingStore, recorded_store

from visualizer.model.spans import TraceModel
from visualizer.session.scenarios import find
from visualizer.trace import schema
from visualizer.trace.data import SpanColumns, TaskRecord, Trace
from visualizer.views import gantt
from visualizer.views.chart import GanttView
from visualizer.views.coverage import coverage
from visualizer.views.live_spans import Columns, LiveCoverage, LiveSpans, add_coverage


# --- the numpy pieces ------------------------------------------------------------------------
def random_spans(rng: np.random.Generator, n: int, t0: float, t1: float, keys: int) -> Columns:
    start = rng.uniform(t0, t1, n)
    end = start + rng.choice([0.0, 0.01, 0.3, 3.0], n) * rng.uniform(0, 1, n)
    return Columns.of(rng.integers(0, keys, n), rng.integers(0, 3, n), start, end, np.arange(n))


@pytest.mark.parametrize("expand", [10**9, 0])
def test_added_coverage_is_the_plain_coverage(expand: int, monkeypatch: Any) -> None:
    """Both ways of adding long spans (cell by cell, or a difference array per row)."""
    from visualizer.views import live_spans

    monkeypatch.setattr(live_spans, "EXPAND_CELLS", expand)
    rng = np.random.default_rng(1)
    for _ in range(30):
        spans = random_spans(rng, int(rng.integers(1, 300)), -5.0, 45.0, 7)
        grid = np.zeros((3, 7, 37), np.float32)
        add_coverage(grid, spans, 0.0, 1.0)
        for state in range(3):
            mine = spans.state == state
            expected = coverage(
                spans.key[mine], spans.start[mine], spans.end[mine], 0.0, 1.0, 37, 7
            )
            assert np.allclose(grid[state], expected.reshape(7, 37), atol=1e-4)


def test_a_window_holds_every_span_reaching_into_it() -> None:
    rng = np.random.default_rng(2)
    live, frames = LiveSpans(), []
    for frame in range(100):  # each frame's spans end within it; some began long before
        spans = random_spans(rng, int(rng.integers(0, 400)), frame * 0.1 - 1.0, frame * 0.1, 9)
        live.append(spans)
        frames.append(spans)
    every = Columns.joined(frames)
    for x0, x1 in [(0.0, 1.0), (5.0, 5.5), (-2.0, 20.0), (9.9, 10.5), (3.0, 3.0)]:
        inside = (every.end >= x0) & (every.start <= x1)
        got = live.window(x0, x1)
        assert sorted(got.label.tolist()) == sorted(every.label[inside].tolist())
        assert live.at_most(x0, x1) >= int(inside.sum())


def test_coverage_kept_up_frame_by_frame_is_the_coverage_of_everything() -> None:
    """Spans added as they come, the grid sliding right with the view (following), give
    the picture a grid built from all the spans at once."""
    rng = np.random.default_rng(3)
    px, cols = 0.01, 200
    live = LiveSpans()
    kept: LiveCoverage | None = None
    colours = np.arange(100, dtype=np.uint32) * 7919
    slides = 0
    for frame in range(150):
        now = (frame + 1) * 0.05
        spans = random_spans(rng, 300, now - 0.05, now, 5)
        spans.end = np.minimum(spans.end, now)
        live.append(spans)
        c0 = int(np.floor(max(now - cols * px * 0.9, 0.0) / px))
        before = kept.c0 if kept is not None else None
        if kept is None or not kept.holds(px, c0, c0 + cols - 1):
            kept = LiveCoverage(px, c0, 2 * cols, 5)
            kept.add(live.window(c0 * px, (c0 + 2 * cols) * px))
            kept.reach = live.last
        else:
            slides += kept.c0 != before
            kept.add(spans)
        fresh = LiveCoverage(px, c0, cols, 5)
        fresh.add(live.window(c0 * px, (c0 + cols) * px))
        keys = np.array([4, 0, -1, 2, 1, 3])
        assert np.array_equal(
            kept.image(keys, c0, cols, colours), fresh.image(keys, c0, cols, colours)
        )
    assert slides >= 2  # it did slide, and kept the picture


# --- the chart, live -----------------------------------------------------------------------------
def play_live(view: GanttView, scenario: str, frames: int, **params: Any) -> TraceModel:
    """Replay ``scenario``'s recorded run into ``view`` as live frames; then fit the view
    to the whole run (as a user would zoom out) and draw one more frame."""
    full = recorded_store(find(scenario), params or None)
    growing = GrowingStore(full)
    model = TraceModel(growing.store)
    view.begin_live(lambda: model.recent(0.0))
    end = (full.finished_at or full.origin) - full.origin
    drawn = 0
    for cut in [*np.linspace(0.0, end, frames), np.inf]:
        growing.up_to(cut)
        delta = model.since(drawn)
        drawn = model.span_count
        view.show_live(delta, model.open_spans(delta.duration))
    view.following = False
    view.fit(model.snapshot())
    delta = model.since(drawn)  # (nothing new: the marks and arrows of the new view)
    view.show_live(delta, model.open_spans(delta.duration))
    return model


def grab(view: GanttView) -> QImage:
    view.show_now(None)
    return view.grab().toImage()


@pytest.mark.parametrize("scenario", ["semaphore_workers", "cancellation", "executor_jobs"])
def test_a_live_chart_draws_what_the_finished_chart_draws(qtbot: Any, scenario: str) -> None:
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(1000, 500)
    model = play_live(view, scenario, frames=12)
    trace = model.snapshot()
    assert view.bars._live is not None
    held = view.bars._live.window(-np.inf, np.inf)  # (key 0: the loop's row; a task: id + 1)
    assert int((held.key > 0).sum()) == len(trace.spans)
    live = grab(view)
    view.show_trace(trace, fit=False)
    assert view.time_axis.end == trace.duration  # (a finished run's end is labelled...)
    view.time_axis.set_end(None)  # (...the one thing a live chart cannot draw yet)
    finished = grab(view)
    assert live.size() == finished.size()
    assert live == finished


@pytest.mark.parametrize("live", [True, False])
def test_a_busy_chart_is_an_image_of_the_right_colours(
    qtbot: Any, monkeypatch: Any, live: bool
) -> None:
    """Past ``IMAGE_ABOVE`` bars in view a frame draws a coverage image (live: kept up to
    date; finished: from the pyramid): in every long span the pixel has its state's
    colour."""
    monkeypatch.setattr(gantt, "IMAGE_ABOVE", 0)
    monkeypatch.setattr(gantt, "LIVE_IMAGE_ABOVE", 0)
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(1000, 500)
    model = play_live(view, "semaphore_workers", frames=20)
    trace = model.snapshot()
    if not live:
        view.show_trace(trace, fit=False)
        assert view.bars._pyramid is not None
    view.show_arrows(wakes=False, creations=False)  # (they cross the bars)
    view.getPlotItem().showGrid(x=False)  # (so does a grid line: one at 0.5 s, a span's middle)
    view.bar_labels.setVisible(False)  # (their words sit on the bars: a label's pixel,
    # not the image's, was read on a busy run)
    image = grab(view)
    assert view.bars.drew_image  # (not bars)
    box = view.getPlotItem().getViewBox()
    spans = trace.spans
    pixel = box.viewPixelSize()[0]
    long = np.flatnonzero(spans.end - spans.start > 12 * pixel)
    assert len(long) > 5
    for i in long.tolist():
        # mid-span (clear of the arrows and marks at its ends), near the bar's top
        # edge (clear of a label, centred in the bar)
        middle = (spans.start[i] + spans.end[i]) / 2
        top = float(view.lanes[spans.task[i]]) - gantt.BAR / 2 + 0.08
        at = view.mapFromScene(box.mapViewToScene(QPointF(middle, top)))
        colour = QColor(image.pixel(at.x(), at.y()))
        expected = QColor(view.palette.state(int(spans.state[i])))
        assert colour.name() == expected.name(), (i, schema.STATE_NAMES[spans.state[i]])


def test_a_click_while_live_shows_the_span_under_it(qtbot: Any) -> None:
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(1000, 500)
    model = play_live(view, "cancellation", frames=6)
    clicked: list[int] = []
    view.span_clicked.connect(clicked.append)
    worker = next(t for t in model.snapshot().tasks if t.name == "worker")
    box = view.getPlotItem().getViewBox()
    where = view.mapFromScene(box.mapViewToScene(QPointF(1.5, float(view.lanes[worker.id]))))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert clicked and clicked[0] >= 0
    trace = view.trace
    assert trace is not None
    index = clicked[0]
    assert trace.spans.task[index] == worker.id
    assert trace.spans.state[index] == schema.SUSPENDED
    assert trace.spans.start[index] <= 1.5 <= trace.spans.end[index]


@pytest.mark.paint_fails
def test_a_failing_paint_is_logged_and_the_window_goes_on(
    qtbot: Any, monkeypatch: Any, caplog: Any
) -> None:
    """An exception in an item's paint must not reach Qt (PySide can crash on it): the
    item skips the frame, the failure is logged once, the rest of the chart is drawn."""
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(600, 300)
    play_live(view, "cancellation", frames=4)

    def broken(*_: Any) -> None:
        raise ValueError("a bug in a paint")

    monkeypatch.setattr(gantt.SpanBars, "_paint_live", broken)
    with caplog.at_level("ERROR", logger="asyncviz.views"):
        for _ in range(3):
            image = grab(view)
    assert image.width() == 600
    failures = [r for r in caplog.records if "painting" in r.getMessage()]
    assert len(failures) == 2  # once per item (the task lanes, the loop's row), not per frame
    assert view.wakes.drawn >= 0 and view.now_line is not None


def test_arrows_out_of_view_draw_nothing_and_fail_nothing(qtbot: Any, caplog: Any) -> None:
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.wakes.set_arrows([0.5, 0.5, 0.7], [0, 0, 1], [2, 3, 3])
    view.getPlotItem().setYRange(-0.6, 4, padding=0)
    with caplog.at_level("ERROR", logger="asyncviz.views"):
        view.getPlotItem().setXRange(2.0, 3.0, padding=0)  # none in view
        grab(view)
        assert view.wakes.drawn == 0
        view.getPlotItem().setXRange(0.0, 1.0, padding=0)
        grab(view)
        assert view.wakes.drawn == 3  # (the two from lane 0 share their line, not heads)
    assert not [r for r in caplog.records if "painting" in r.getMessage()]


def test_a_grid_that_would_outgrow_its_cells_says_so() -> None:
    from visualizer.views.live_spans import GRID_CELLS

    grid = LiveCoverage(0.001, 0, 1000, 4)
    few = Columns.of([3], [1], [0.0005], [0.0006], [-1])
    assert grid.add(few) and grid.rows >= 4
    too_many = Columns.of([GRID_CELLS // 1000 + 1], [1], [0.0005], [0.0006], [-1])
    assert not grid.add(too_many)  # the chart then draws from the spans


def test_the_pyramid_keeps_the_runs_last_columns() -> None:
    """Halving an odd number of columns pairs the last one with an empty one: the run's
    end stays in every level (found by review: the coarser levels dropped it)."""
    from visualizer.views.coverage import Pyramid, StateBars

    lanes = 3
    bars = {
        state: StateBars(np.arange(lanes), np.zeros(lanes), np.full(lanes, 1.0), np.full(lanes, -1))
        for state in (schema.RUNNING,)
    }
    pyramid = Pyramid(bars, 0.0, 1.0, lanes)
    assert len(pyramid.images) > 3
    for level in pyramid.images:
        assert (level[:, -1] > 0).all()  # the last column shows the running bars


def test_a_click_between_frames_ignores_tasks_without_a_lane(qtbot: Any) -> None:
    """The model may hold tasks the chart has not drawn yet (made since the last frame):
    a click or a tooltip must not look them up (found by review: IndexError)."""
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(600, 300)
    model = play_live(view, "cancellation", frames=4)
    full = model.snapshot()
    view.lanes = view.lanes[:1]  # as if only the first task had a lane yet
    view.trace = None
    view._snapshot = lambda: full
    trace = view._shown_trace()
    assert trace is not None and len(trace.tasks) == 1
    assert set(trace.spans.task.tolist()) == {0}


def test_the_selection_follows_its_span_when_lanes_move(qtbot: Any) -> None:
    def frame(parents: list[int | None]) -> Trace:
        tasks = [TaskRecord(i, f"t{i}", "coro", p, 0.0, None) for i, p in enumerate(parents)]
        spans = SpanColumns.empty()
        return Trace({"duration": 1.0}, tasks, spans, [])

    view = GanttView()
    qtbot.addWidget(view)
    view.begin_live(lambda: frame([None, 0, None]))
    view.show_live(frame([None, 0, None]), SpanColumns.empty())
    view._selected = (2, 0.2, 0.4)  # task 2 (a root task), in lane 2
    view._place_selection()
    assert view.selection.rect().center().y() == pytest.approx(2.0)
    # a child of task 0 comes: it takes lane 2, task 2 moves down to lane 3
    view.show_live(frame([None, 0, None, 0]), SpanColumns.empty())
    assert view.lanes[2] == 3
    assert view.selection.rect().center().y() == pytest.approx(3.0)
