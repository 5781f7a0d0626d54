"""The window at 100,000 lanes (issue 18, point 1): what opening a big trace does
differently, and that the picture stays exactly the same.

- the coverage pyramid is built over the lanes its bars use (the loop's rows under
  100,000 task lanes: two lanes, not 100,002), in small blocks, and a frame colours only
  the cells it shows: the same pixels as before, checked against the pyramid built the
  old way (one block, from lane 0);
- bars already in (lane, start) order are not sorted again, and bars that are not are;
- a big trace's insights not from a file are worked out in a thread (``insights_worker``;
  a file's in a child process: ``test_insights_child``): the pane
  says it is looking, the list comes through the window's loop, and a result that
  comes after another trace was shown is dropped.

Real widgets and real threads (offscreen Qt); the thread's result is waited for with
``qtbot.waitUntil``, never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tracehelp import run_traced

from visualizer.app import insights_worker
from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.model.files import load_any
from visualizer.model.insights import insights_of
from visualizer.session.scenarios import find
from visualizer.session.sources import RunOutcome
from visualizer.trace import schema
from visualizer.views import coverage
from visualizer.views.coverage import Pyramid, StateBars
from visualizer.views.gantt import SpanBars


def _bars(lanes: int, per_lane: int, seed: int = 3, first: int = 0) -> dict[int, StateBars]:
    """Each lane a tiling of ready / running / suspended steps of random lengths."""
    rng = np.random.default_rng(seed)
    length = rng.exponential(1e-3, lanes * per_lane)
    ends = np.cumsum(length.reshape(lanes, per_lane), axis=1).ravel()
    starts = ends - length
    lane = np.repeat(np.arange(lanes), per_lane) + first
    state = np.tile(np.array([0, 1, 2]), lanes * per_lane // 3 + 1)[: lanes * per_lane]
    return {
        s: StateBars(lane[state == s], starts[state == s], ends[state == s], -np.ones(1, np.int64))
        for s in range(len(schema.STATE_NAMES))
    }


def test_the_pyramid_in_small_blocks_is_the_pyramid_in_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Blocks of a few lanes (their temporaries in the cache) give every level's every
    cell exactly as one block of every lane did."""
    bars = _bars(50, 60)
    t1 = max(float(b.end.max()) for b in bars.values())
    monkeypatch.setattr(coverage, "PYRAMID_BLOCK", 1 << 30)
    whole = Pyramid(bars, 0.0, t1, 50)
    monkeypatch.setattr(coverage, "PYRAMID_BLOCK", 1)  # (a lane at a time)
    blocks = Pyramid(bars, 0.0, t1, 50)
    assert len(whole.images) == len(blocks.images) > 3
    for a, b in zip(whole.images, blocks.images, strict=True):
        assert a.shape == b.shape and np.array_equal(a, b)
        assert a.any()


def test_a_pyramid_of_lanes_far_down_holds_only_those_lanes() -> None:
    """The loop's rows under 100,000 task lanes: a pyramid of their two lanes (it was
    of every lane above them too: a second and 50 MB), whose frames are the same pixels
    as those of the same bars in lanes 0 and 1."""
    far, near = _bars(2, 9000, first=100_000), _bars(2, 9000)
    t1 = max(float(b.end.max()) for b in far.values())
    down = Pyramid(far, 0.0, t1, 2, 100_000)
    top = Pyramid(near, 0.0, t1, 2)
    assert down.lanes == 2 and all(image.shape[0] == 2 for image in down.images)
    colours = np.arange(256, dtype=np.uint32) * 7 + 1
    px = t1 / 300
    for first, lanes, step in ((0, 2, 1), (-3, 8, 1), (-4, 4, 2), (1, 1, 1)):
        seen = down.image(-px, px, 320, 100_000 + first, lanes, colours, step=step)
        assert seen is not None
        expected = top.image(-px, px, 320, first, lanes, colours, step=step)
        assert expected is not None and np.array_equal(seen, expected)
        assert seen.any() or first == -4
    # the chart's bars: the loop's row far under the tasks gets a pyramid of its lane
    chart_bars = SpanBars()
    lane = np.full(20_000, 100_000)
    start = np.arange(20_000) * 1e-3
    chart_bars.set_spans(lane, np.ones(20_000), start, start + 5e-4, -np.ones(20_000), [])
    assert chart_bars._pyramid is not None and chart_bars._pyramid.lanes == 1


def test_bars_in_order_are_kept_and_bars_out_of_order_sorted() -> None:
    """A trace's spans come by task and time: kept as they are. Shuffled, or on lanes
    that do not follow the tasks (a child's lane before its parent's later siblings'),
    they are sorted: the bars of each state the same either way."""
    rng = np.random.default_rng(5)
    n = 3000
    lane = np.repeat(np.arange(100), n // 100)
    start = np.tile(np.arange(n // 100, dtype=np.float64), 100) + rng.uniform(0, 0.5, n)
    state = rng.integers(0, 3, n)
    label = rng.integers(-1, 2, n)
    ordered, shuffled = SpanBars(), SpanBars()
    ordered.set_spans(lane, state, start, start + 0.25, label, ["a", "b"])
    mix = rng.permutation(n)
    shuffled.set_spans(lane[mix], state[mix], start[mix], start[mix] + 0.25, label[mix], ["a", "b"])
    for s in range(3):
        a, b = ordered.spans_of(s), shuffled.spans_of(s)
        key = np.lexsort((b.start, b.lane))
        assert np.array_equal(key, np.arange(len(key)))  # (sorted by lane, then start)
        for column in ("lane", "start", "end", "label"):
            assert np.array_equal(getattr(a, column), getattr(b, column))
    # equal lanes, starts out of order within one: sorted too
    bars = SpanBars()
    bars.set_spans([0, 0, 1], [1, 1, 1], [2.0, 1.0, 0.0], [2.5, 1.5, 0.5], [-1, -1, -1], [])
    assert bars.spans_of(1).start.tolist() == [1.0, 2.0, 0.0]


def _run(qapp: Any, window: MainWindow, scenario: str) -> RunOutcome:
    loop = GuiEventLoop(qapp)
    try:
        outcome: RunOutcome = loop.run_until_complete(window.run(find(scenario), {}, "virtual"))
    finally:
        loop.close()
    return outcome


def test_a_big_traces_insights_come_from_a_thread(
    qapp: Any, window: MainWindow, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shown, a trace over ``IN_LINE_SPANS`` spans that is not a file's (a file's:
    ``test_insights_child``) is drawn at once and the pane says it is looking; its
    insights come, the same as worked out in line; one that comes after another trace
    was shown is dropped."""
    outcome = _run(qapp, window, "exception_never_retrieved")
    saved = tmp_path / "run.json"
    window.save_trace(saved)
    expected = insights_of(outcome.trace)
    monkeypatch.setattr(insights_worker, "IN_LINE_SPANS", 0)  # (this small one: "big")
    pane = window.insights
    gate = threading.Event()  # (a real thread, held until the test has seen it busy)
    worked = insights_worker.insights_of

    def held(trace: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is not threading.main_thread():
            gate.wait()
        return worked(trace, **kwargs)

    monkeypatch.setattr(insights_worker, "insights_of", held)
    window._show_opened(load_any(saved))  # (as a shared scenario's is: no file)
    assert window.chart.trace is window.trace  # (drawn without waiting for the insights)
    assert pane.worker.child is None  # (a thread's)
    assert pane.worker.busy and pane.insights == [] and pane.counts.text() == ""
    assert pane.list.item(0).text().startswith("Looking for what went wrong")
    gate.set()
    qtbot.waitUntil(lambda: not pane.worker.busy, timeout=20_000)
    assert [(x.kind, x.tasks, x.start) for x in pane.insights] == [
        (x.kind, x.tasks, x.start) for x in expected
    ]
    assert pane.counts.text() == "1 error"
    # another trace shown before the first's insights came: only the second's listed
    gate.clear()
    first = window.trace
    assert first is not None
    window._show_opened(load_any(saved))
    second = window.trace
    assert first is not second and pane.worker.busy
    qtbot.waitUntil(lambda: not _threads_done())  # (its thread begun, held at the gate)
    monkeypatch.setattr(insights_worker, "IN_LINE_SPANS", 10**9)  # (now in line)
    window._show_opened(first)  # (the first trace again, its insights in line)
    assert not pane.worker.busy and pane.trace is first and len(pane.insights) == 1
    shown = pane.insights
    gate.set()  # (the second's thread ends now: its result must be dropped)
    qtbot.waitUntil(_threads_done, timeout=20_000)
    qapp.processEvents()  # (its result, queued to the window's thread, delivered)
    assert pane.insights is shown and pane.trace is first


def _threads_done() -> bool:
    return not any(t.name == "asyncviz-insights" for t in threading.enumerate())


def test_insights_of_spans_in_order_or_not_are_the_same(qapp: Any, window: MainWindow) -> None:
    """``Lanes`` reads a trace's spans as they are when they come by task and time (no
    copy of 2 million), and sorts them when they do not: the same insights either way."""
    from visualizer.model.insights.core import Lanes

    trace = _run(qapp, window, "blocking_call").trace
    in_order = Lanes(trace)
    assert in_order.spans is trace.spans  # (a run's spans come in order: not copied)
    expected = insights_of(trace)
    assert expected
    mixed = np.random.default_rng(7).permutation(len(trace.spans))
    trace.spans = trace.spans.take(mixed)
    assert Lanes(trace).spans is not trace.spans
    found = insights_of(trace)
    assert [(x.kind, x.tasks, x.start, x.finding) for x in found] == [
        (x.kind, x.tasks, x.start, x.finding) for x in expected
    ]


def test_the_loop_rows_labels_as_ids() -> None:
    """The loop's row's bars (a million, none labelled) and the jobs' labels: each an
    index in the sorted distinct labels, -1 for none."""
    from visualizer.model.loop_lanes import ExtraRows

    rows = ExtraRows(label=[None, "sleep", None, "fetch", "sleep"])
    ids, labels = rows.label_ids()
    assert labels == ["fetch", "sleep"] and ids.tolist() == [-1, 1, -1, 0, 1]
    assert ExtraRows().label_ids()[0].tolist() == []


def test_a_lane_of_many_bars_is_built_a_few_bars_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The loop's row: one lane of a million bars, its coverage summed over pieces of
    ``PYRAMID_BLOCK`` bars (their temporaries 80 MB at once): the same cells."""
    bars = _bars(1, 5000)
    t1 = max(float(b.end.max()) for b in bars.values())
    monkeypatch.setattr(coverage, "PYRAMID_BLOCK", 1 << 30)
    whole = Pyramid(bars, 0.0, t1, 1)
    monkeypatch.setattr(coverage, "PYRAMID_BLOCK", 100)  # (17 pieces of each state's bars)
    pieces = Pyramid(bars, 0.0, t1, 1)
    for a, b in zip(whole.images, pieces.images, strict=True):
        assert np.array_equal(a, b) and a.any()


def test_the_status_line_counts_tasks_with_separators(window: MainWindow) -> None:
    """A big run's count is read from a projector: "1,200 tasks", not "1200 tasks"."""

    async def main() -> None:
        await asyncio.gather(*(asyncio.sleep(0.01) for _ in range(1199)))

    trace = run_traced(main).trace
    window._show_opened(trace)
    assert " 1,200 tasks " in f" {window.status.text()} "
