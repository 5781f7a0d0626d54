"""The resources' rows under the tasks (issue 15): a row per queue, semaphore, lock and
event, drawn as the model's levels say, named, hovered, clicked, toggled, remembered,
live, opened from a file, exported; the details of a task waiting on one say so.
Recorded on the ideal clock: exact times."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from test_legend_export import _svg_text
from test_live_chart import play_live
from tracehelp import queue_sem_lock_event, run_traced

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.settings import restore_window, saved
from visualizer.app.window import MainWindow
from visualizer.model.resource_states import ResourceRow, rows_of
from visualizer.session.scenarios import discover, find
from visualizer.trace import schema
from visualizer.trace.data import Trace
from visualizer.views.chart import GanttView
from visualizer.views.resource_rows import BODY


async def _no_resources() -> None:
    await asyncio.gather(asyncio.sleep(0.1), asyncio.sleep(0.2))


def _recorded(program: Any = queue_sem_lock_event) -> Trace:
    run = run_traced(program, clock="ideal")
    assert run.error is None
    return run.trace


def _chart(qtbot: Any, trace: Trace) -> GanttView:
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    view.show_trace(trace)
    return view


def _lane_of(view: GanttView, name: str) -> int:
    lanes = [lane for lane, text in view.names.ticks if text.startswith(f"{name}  ")]
    assert len(lanes) == 1, view.names.ticks
    return lanes[0]


def _row(view: GanttView, name: str) -> ResourceRow:
    return next(row for row in view.resources.rows if row.name == name)


def test_a_row_per_resource_in_the_order_made_and_none_without(qtbot: Any) -> None:
    trace = _recorded()
    view = _chart(qtbot, trace)
    names = [text for _, text in view.names.ticks]
    first = view.rows  # (under the tasks and the event loop's row)
    assert names[first:] == [
        "\u25be resources (4)",
        "queue  Queue(2)",
        "sem  Semaphore(2)",
        "lock  Lock",
        "ev  Event",
    ]
    assert view.all_rows == view.rows + 5
    # the view fitted to every lane, the resources' too
    (_, _), (_, bottom) = view.getPlotItem().getViewBox().viewRange()
    assert bottom >= view.all_rows - 0.6
    plain = _chart(qtbot, _recorded(_no_resources))
    assert plain.resources.lanes == 0 and plain.all_rows == plain.rows
    assert not any("resources" in text for _, text in plain.names.ticks)
    assert not plain.resources.item.isVisible()


def test_a_queue_row_draws_the_model_level_steps(qtbot: Any) -> None:
    trace = _recorded()
    view = _chart(qtbot, trace)
    view.grab()  # (paints)
    item = view.resources.item
    queue = _row(view, "queue")
    expected = rows_of(trace)[0]
    assert queue.name == expected.name and np.array_equal(queue.levels, expected.levels)
    lane = _lane_of(view, "queue")
    rects = item.drawn_levels[0]
    px = item.pixelWidth()
    starts, ends, levels = queue.steps()
    held = (levels > 0) & (ends > starts)
    assert len(rects) == int(held.sum()) > 3
    # each stretch from its start, a pixel's gap at most before the next, as tall as its
    # share of maxsize, standing on the row's bottom
    assert np.allclose(rects[:, 0], starts[held])
    right = np.maximum(ends[held], starts[held] + px)
    assert np.all(np.abs(rects[:, 0] + rects[:, 2] - right) <= px * 1.01)
    body = BODY[1] - BODY[0]
    assert np.allclose(rects[:, 3], body * levels[held] / queue.bound)
    assert np.allclose(rects[:, 1] + rects[:, 3], lane + BODY[1])
    # the full band over the full stretches (back to back, a few ns apart: one band),
    # from the first one's start to the last one's end, over the body
    assert len(queue.full) >= 3
    band = item.drawn_full[0]
    assert band[0, 0] == queue.full[0][0]
    assert band[-1, 0] + band[-1, 2] == pytest.approx(queue.full[-1][1], abs=px)
    covered = sum(w for w in band[:, 2])
    assert covered == pytest.approx(sum(b - a for a, b in queue.full), abs=len(band) * px)
    assert np.all(band[:, 1] + band[:, 3] <= lane + BODY[0])
    # the lock's holders named on its bar
    assert [text for _, _, text in item.drawn_labels] == ["w0", "w1", "w2", "w3"]


def test_hovering_a_row_says_its_state_and_who_waits(qtbot: Any) -> None:
    view = _chart(qtbot, _recorded())
    box = view.getPlotItem().getViewBox()

    def hover(name: str, t: float) -> str:
        view._hovered(box.mapViewToScene(QPointF(t, _lane_of(view, name))))
        return view.toolTip()

    said = hover("queue", 0.05)
    assert "queue  Queue(2)" in said
    assert "at 0.050 s: 2/2 full, 1 waiting" in said
    assert "waiting: producer" in said
    assert "at 0.070 s: held by w1, 1 waiting" in hover("lock", 0.07)
    assert "waiting: w2" in hover("lock", 0.07)
    said = hover("ev", 0.45)
    assert "clear, 4 waiting" in said and "waiting: w0, w1, w2, w3" in said
    assert "at 0.510 s: set" in hover("ev", 0.51)


def _click(qtbot: Any, view: GanttView, x_scene: float, lane: float) -> None:
    box = view.getPlotItem().getViewBox()
    scene = QPointF(x_scene, box.mapViewToScene(QPointF(0.0, lane)).y())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(scene))


def test_clicking_a_resource_picks_out_exactly_its_users(qtbot: Any) -> None:
    trace = _recorded()
    view = _chart(qtbot, trace)
    names = [t.name for t in trace.tasks]
    axis = view.getPlotItem().getAxis("left").sceneBoundingRect()
    lane = _lane_of(view, "lock")
    _click(qtbot, view, axis.center().x(), lane)  # on its name
    lock = _row(view, "lock")
    users = sorted(names[t] for t in view.resources.picked_tasks())
    # the workers took it; Task-1 made it
    assert users == sorted(names[t] for t in lock.users) == ["Task-1", "w0", "w1", "w2", "w3"]
    lanes = sorted([int(view.lanes[t]) for t in lock.users] + [lane])
    assert view.resources.highlight.lanes.tolist() == lanes
    view.grab()
    assert view.resources.highlight.drawn == len(lanes)
    # again: cleared
    _click(qtbot, view, axis.center().x(), lane)
    assert view.resources.picked_tasks() == [] and not len(view.resources.highlight.lanes)
    # the row itself picks them out too; a click elsewhere clears them
    inside = view.getPlotItem().getViewBox().sceneBoundingRect().center().x()
    _click(qtbot, view, inside, _lane_of(view, "queue"))
    queue = _row(view, "queue")
    assert view.resources.picked_tasks() == sorted(queue.users)
    assert sorted(names[t] for t in queue.users) == ["Task-1", "consumer", "producer"]
    _click(qtbot, view, inside, int(view.lanes[names.index("w2")]))
    assert not len(view.resources.highlight.lanes)


def test_the_header_folds_the_rows(qtbot: Any) -> None:
    view = _chart(qtbot, _recorded())
    header = view.rows
    axis = view.getPlotItem().getAxis("left").sceneBoundingRect()
    _click(qtbot, view, axis.center().x(), header)
    assert view.resources.collapsed and view.resources.lanes == 1
    assert [text for _, text in view.names.ticks][header:] == ["\u25b8 resources (4)"]
    _click(qtbot, view, axis.center().x(), header)
    assert view.resources.lanes == 5


def _run(qapp: Any, window: MainWindow, scenario: str, clock: str = "ideal") -> Trace:
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find(scenario), {}, clock))
    finally:
        loop.close()
    assert outcome.error is None
    return outcome.trace


def test_the_toggle_hides_and_shows_them_and_is_remembered(
    qapp: Any, window: MainWindow, qtbot: Any
) -> None:
    _run(qapp, window, "queue_backpressure")
    chart = window.chart
    assert window.resource_rows_action.isChecked() and chart.resources.lanes == 2
    assert "in&nbsp;use" in window.legend.text()
    window.resource_rows_action.setChecked(False)
    assert chart.resources.lanes == 0 and not chart.resources.item.isVisible()
    assert not any("Queue(2)" in text for _, text in chart.names.ticks)
    assert "in&nbsp;use" not in window.legend.text()  # (its legend goes with it)
    window.close()  # saves
    assert saved("resource_rows", True, bool) is False
    scenarios, _ = discover()
    again = MainWindow(scenarios)
    qtbot.addWidget(again)
    restore_window(again)
    assert not again.resource_rows_action.isChecked()
    assert again.chart.resources.shown is False
    again.resource_rows_action.setChecked(True)
    again.close()  # (on again, for the tests after this one)
    assert saved("resource_rows", False, bool) is True
    window.resource_rows_action.setChecked(True)
    assert any(text == "queue  Queue(2)" for _, text in chart.names.ticks)


def test_the_details_of_a_put_waiting_on_a_full_queue(
    qapp: Any, window: MainWindow, qtbot: Any
) -> None:
    trace = _run(qapp, window, "queue_backpressure")
    chart = window.chart
    producer = trace.task_by_name("producer").id
    spans = trace.spans
    puts = [
        i
        for i in range(len(spans))
        if spans.task[i] == producer
        and spans.state[i] == schema.SUSPENDED
        and trace.suspensions[spans.awaiting[i]].label == "Queue.put"
    ]
    index = max(puts, key=lambda i: spans.end[i] - spans.start[i])  # (0.5 s: the work)
    middle = (spans.start[index] + spans.end[index]) / 2
    box = chart.getPlotItem().getViewBox()
    scene = box.mapViewToScene(QPointF(middle, float(chart.lanes[producer])))
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.mapFromScene(scene))
    details = window.details.details
    assert details is not None
    fields = dict(details.fields)
    assert fields["awaiting"] == "Queue.put"
    assert fields["waiting for"] == "queue (2/2 full, 1 waiting)"
    assert "waiting for" in window.details.toPlainText()


def test_a_live_run_grows_its_rows_deriving_only_on_change(qtbot: Any) -> None:
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(1000, 600)
    model = play_live(view, "queue_backpressure", frames=30)
    live = view.resources
    assert live.lanes == 2 and [row.name for row in live.rows] == ["queue"]
    # derived when something changed, not each of the 32 frames
    assert 0 < live._live.derivations < 20
    final = rows_of(model.snapshot())[0]
    row = live.rows[0]
    assert np.array_equal(row.levels, final.levels) and np.allclose(row.times, final.times)
    assert np.allclose(np.array(row.full), np.array(final.full))
    assert [(w.task, w.what) for w in row.waits] == [(w.task, w.what) for w in final.waits]
    assert [w.end for w in row.waits] == pytest.approx([w.end for w in final.waits])
    # a run without resources keeps none and derives nothing
    plain = GanttView()
    qtbot.addWidget(plain)
    play_live(plain, "gather_basics", frames=10)
    assert plain.resources.lanes == 0 and plain.resources._live.derivations == 0


def test_an_opened_trace_shows_them_and_the_export_has_them(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    _run(qapp, window, "lock_race")
    window.save_trace(tmp_path / "lock.json")
    _run(qapp, window, "gather_basics")
    assert window.chart.resources.lanes == 0
    assert window.open_trace(tmp_path / "lock.json")
    assert [text for _, text in window.chart.names.ticks][-1] == "lock  Lock"
    window.export_chart(tmp_path / "chart.svg", "svg")
    words = _svg_text(tmp_path / "chart.svg")
    assert "lock  Lock" in words and "in use" in words
    window.resource_rows_action.setChecked(False)
    window.export_chart(tmp_path / "without.svg", "svg")
    words = _svg_text(tmp_path / "without.svg")
    assert "in use" not in words and "Lock" not in words
    window.resource_rows_action.setChecked(True)


def test_a_busy_row_costs_its_width_in_pixels_not_its_changes(qtbot: Any) -> None:
    """100,000 puts and gets in view: a few rectangles per pixel column, each column's
    highest level kept (a brief full stays in sight), the full bands joined."""
    from visualizer.trace.data import SpanColumns, TaskRecord
    from visualizer.trace.resources import GET, PUT, Resource, ResourceChanges

    n = 100_000
    t = np.linspace(0.001, 10.0, n)
    op = np.where(np.arange(n) % 2 == 0, PUT, GET).astype(np.int8)
    size = np.where(op == PUT, 1, 0) + (np.arange(n) % 1000 == 0)  # (now and then full)
    trace = Trace(
        meta={"duration": 10.0},
        tasks=[TaskRecord(0, "main", "main", None, 0.0, None)],
        spans=SpanColumns.empty(),
        suspensions=[],
        resources=[Resource(0, "Queue", "jobs", 0.0, 0, None, 2)],
        resource_changes=ResourceChanges(
            resource=np.zeros(n, np.int32),
            t=t,
            task=np.zeros(n, np.int32),
            op=op,
            value=size.astype(np.int64),
            detail=np.zeros(n, np.int64),
        ),
    )
    view = _chart(qtbot, trace)
    view.grab()
    item = view.resources.item
    columns = view.getPlotItem().getViewBox().width()
    assert 0 < item.drawn["fill"] <= 2 * columns + 2
    assert 0 < item.drawn["full"] <= columns
    # the highest level of each column: the brief fulls show as full-height columns
    full_height = BODY[1] - BODY[0]
    assert np.isclose(item.drawn_levels[0][:, 3], full_height).sum() >= 50


async def _barrier_and_unbounded_queue() -> None:
    barrier = asyncio.Barrier(3)
    backlog: asyncio.Queue[int] = asyncio.Queue()

    async def party(delay: float) -> None:
        await asyncio.sleep(delay)
        await barrier.wait()

    for i in range(4):
        backlog.put_nowait(i)
    await asyncio.gather(party(0.1), party(0.2), party(0.3))
    while not backlog.empty():
        backlog.get_nowait()
        await asyncio.sleep(0.1)


def test_a_barrier_fills_by_its_parties_and_an_unbounded_queue_by_its_most(
    qtbot: Any,
) -> None:
    trace = _recorded(_barrier_and_unbounded_queue)
    view = _chart(qtbot, trace)
    view.grab()
    names = [text for _, text in view.names.ticks][view.rows :]
    assert names[1:] == ["barrier  Barrier(3)", "backlog  Queue"]
    item = view.resources.item
    body = BODY[1] - BODY[0]
    barrier, backlog = _row(view, "barrier"), _row(view, "backlog")
    px = item.pixelWidth()

    def lasting(index: int) -> list[float]:  # (the heights of steps wider than a pixel)
        rects = item.drawn_levels[index]
        return rects[rects[:, 2] > 2 * px, 3].tolist()

    # the barrier: 1 then 2 of 3 arrived (0.1 .. 0.3); the third fills it and all three
    # leave at that instant (steps of no time, drawn a pixel wide)
    assert barrier.levels.tolist() == [0, 1, 2, 3, 2, 1, 0]
    assert lasting(0) == pytest.approx([body / 3, 2 * body / 3])
    assert barrier.bound == 3 and not barrier.full and not len(item.drawn_full.get(0, []))
    # the unbounded queue: drawn out of the most it held (4), never "full"; four items
    # put at 0, one taken every 0.1 s from 0.3
    assert backlog.bound == 4 and backlog.full == []
    assert lasting(1) == pytest.approx([body * k / 4 for k in (4, 3, 2, 1)])


async def _every_kind_busy() -> None:
    """Every kind of resource, busy: a bounded queue full and empty by turns (and
    joined), an unbounded one, semaphores (one of no permits), a lock, an event, a condition's
    notifies, a barrier, and waits that end by a cancel and by a timeout."""
    queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize=3)
    loose: asyncio.Queue[int] = asyncio.Queue()
    sem = asyncio.Semaphore(2)
    signal = asyncio.Semaphore(0)
    lock = asyncio.Lock()
    ev = asyncio.Event()
    cond = asyncio.Condition()
    barrier = asyncio.Barrier(3)

    async def producer(k: int) -> None:
        for i in range(30):
            await queue.put(i)
            loose.put_nowait(i)
            if i % 7 == k:
                await asyncio.sleep(0.01)

    async def consumer() -> None:
        while (item := await queue.get()) is not None:
            async with sem:
                await asyncio.sleep(0.003 * (item % 3))
            async with lock:
                await asyncio.sleep(0)
            queue.task_done()  # (often while full: a full stretch of several steps)
        queue.task_done()

    async def waiter() -> None:
        await ev.wait()
        async with cond:
            await cond.wait()
        await barrier.wait()

    async def never() -> None:
        await signal.acquire()

    producers = [asyncio.create_task(producer(k), name=f"producer-{k}") for k in range(3)]
    consumers = [asyncio.create_task(consumer(), name=f"consumer-{k}") for k in range(4)]
    waiters = [asyncio.create_task(waiter(), name=f"waiter-{k}") for k in range(3)]
    stuck = asyncio.create_task(never(), name="stuck")
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(signal.acquire(), 0.05)
    await asyncio.gather(*producers)
    for _ in consumers:
        await queue.put(None)
    await queue.join()
    await asyncio.gather(*consumers)
    ev.set()
    await asyncio.sleep(0.01)
    for _ in range(3):
        async with cond:
            cond.notify(1)
        await asyncio.sleep(0.005)
    await asyncio.gather(*waiters)
    while not loose.empty():
        loose.get_nowait()
    await asyncio.sleep(0.02)
    stuck.cancel()
    await asyncio.sleep(0.01)


def _same_rows(live: list[ResourceRow], whole: list[ResourceRow]) -> None:
    """Equal, to the bit: every column, every stretch, every wait, the users, the end."""
    assert [row.resource for row in live] == [row.resource for row in whole]
    for mine, theirs in zip(live, whole, strict=True):
        name = mine.name
        for column in (
            "times", "levels", "holders", "free", "full_spans",
            "wait_task", "wait_start", "wait_end", "wait_what",
        ):  # fmt: skip
            a, b = getattr(mine, column), getattr(theirs, column)
            assert a.dtype == b.dtype and np.array_equal(a, b), (name, column, a, b)
        assert mine.bound == theirs.bound, name
        assert mine.notifies == theirs.notifies, name
        assert mine.users == theirs.users, name
        assert mine.end == theirs.end, name


@pytest.mark.parametrize("frames", [3, 25, 400, 0])  # (0: a frame after every change)
@pytest.mark.parametrize(
    "source", ["every kind", "queue_backpressure", "semaphore_workers", "event_and_condition"]
)
def test_live_rows_after_each_frame_are_rows_of_the_run_so_far(source: str, frames: int) -> None:
    """The live rows take in only what is new at each frame (the changes, the waiters'
    spans closed since), and are then what ``rows_of`` makes of the whole run so far:
    frames far apart, frame after frame, a frame at every change, and one where nothing
    came."""
    from tracehelp import GrowingStore, recorded_store

    from visualizer.model.live_resources import LiveRows
    from visualizer.model.spans import TraceModel

    if source == "every kind":
        run = run_traced(_every_kind_busy)
        assert run.error is None
        full = run.recorder.store
    else:
        full = recorded_store(find(source))
    growing = GrowingStore(full)
    model = TraceModel(growing.store)
    live = LiveRows()
    end = (full.finished_at or full.origin) - full.origin
    cuts = np.sort(np.random.default_rng(frames).uniform(0.0, end, frames))
    if not frames:
        cuts = np.unique(np.frombuffer(full.resources.c_t, np.float64)) - full.origin
    drawn = kept = 0
    for cut in [*cuts, cuts[-1], np.inf]:  # (the second last: a frame with nothing new)
        growing.up_to(cut)
        delta = model.since(drawn)
        drawn = model.span_count
        live.frame(delta, model.open_spans(delta.duration))
        _same_rows(live.rows, rows_of(model.snapshot()))
        kept = max(kept, len(live._kept[0]))
    # the waiters' spans kept are the few a wait to come may end with, not the run's
    assert kept <= 10
    whole = rows_of(model.snapshot())
    assert len(whole) == (8 if source == "every kind" else len(whole)) and whole
    assert sum(len(row.wait_task) for row in whole) > 0


def test_live_rows_when_the_changes_come_a_frame_after_the_spans() -> None:
    """A streamed run's batches may bring a wait's row a frame after the suspension that
    ends it (the change rows, the most numerous, are cut first): the wait then ends with
    that suspension, kept from the frame before."""
    from visualizer.model.live_resources import LiveRows
    from visualizer.trace.data import SpanColumns
    from visualizer.trace.resources import GET, PUT, WAIT, Resource, ResourceChanges

    def spans(*rows: tuple[int, float, float]) -> SpanColumns:
        n = len(rows)
        return SpanColumns(
            task=np.full(n, 1, np.int32),
            state=np.array([state for state, _, _ in rows], np.int8),
            start=np.array([start for _, start, _ in rows]),
            end=np.array([end for _, _, end in rows]),
            awaiting=np.full(n, -1, np.int32),
            woken_kind=np.full(n, -1, np.int8),
            woken_task=np.full(n, -1, np.int32),
        )

    def trace(changes: int, closed: SpanColumns, now: float) -> Trace:
        rows = [(0.5, 1, PUT, 1), (1.0, 1, WAIT, 1), (1.9, 1, WAIT, 1), (2.6, 2, GET, 0)]
        rows = rows[:changes]
        return Trace(
            meta={"duration": now},
            tasks=[],
            spans=closed,
            suspensions=[],
            resources=[Resource(0, "Queue", "q", 0.0, 0, None, 1)],
            resource_changes=ResourceChanges(
                resource=np.zeros(len(rows), np.int32),
                t=np.array([t for t, _, _, _ in rows]),
                task=np.array([task for _, task, _, _ in rows], np.int32),
                op=np.array([op for _, _, op, _ in rows], np.int8),
                value=np.array([value for _, _, _, value in rows], np.int64),
                detail=np.array([1 if op == WAIT else 0 for _, _, op, _ in rows], np.int64),
            ),
        )

    S, R = schema.SUSPENDED, schema.RUNNING
    live = LiveRows()
    # (now, change rows so far, spans closed since, spans open)
    frames = [
        (1.2, 2, spans((R, 0.4, 1.0)), spans((S, 1.0, 1.2))),
        (2.55, 2, spans((S, 1.0, 1.5), (R, 1.5, 2.0), (S, 2.0, 2.5)), spans((R, 2.5, 2.55))),
        (3.0, 4, spans((R, 2.5, 2.6)), spans((S, 2.6, 3.0))),  # (the wait at 1.9 comes)
    ]
    for now, changes, closed, opened in frames:
        live.frame(trace(changes, closed, now), opened)
    everything = [closed for _, _, closed, _ in frames] + [frames[-1][3]]
    whole = SpanColumns(
        *(np.concatenate([getattr(s, f) for s in everything]) for f in SpanColumns.__annotations__)
    )
    _same_rows(live.rows, rows_of(trace(4, whole, 3.0)))
    assert live.rows[0].wait_end.tolist() == [1.5, 2.5]  # (not the suspension from 2.6)
