"""The resources (issue 15) where a run is read rather than drawn: Compare's figures and
sentences, the time cursor's list, and a lecture's trace and details.

Real scenarios on the ideal clock (exact times: each step takes a nanosecond), the
expected figures worked out by hand from the recorded changes; the window's parts with
pytest-qt.  Nothing here measures wall time.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.model.at_time import NOT_CREATED, STATE_WORDS, TimeIndex, resources_at
from visualizer.model.compare import (
    ResourceFigures,
    compare,
    matched_resources,
    resource_figures,
)
from visualizer.model.resource_states import rows_of
from visualizer.session.lecture import LectureSession
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import bind_params, find, load_main
from visualizer.trace import schema
from visualizer.trace.data import Trace
from visualizer.views.compare import CompareView, comparison_sentences, figures_rows


@functools.cache
def lesson(name: str, **params: object) -> Trace:
    """``name`` with every parameter bound (as the window runs it), on the ideal clock."""
    scenario = find(name)
    raw = {key: str(value) for key, value in params.items()}
    result = run_scenario(scenario, bind_params(scenario, raw), clock="ideal")
    assert result.error is None, result.error
    return result.trace


def backpressure(maxsize: int) -> Trace:
    return lesson("queue_backpressure", maxsize=maxsize)


def by_hand(trace: Trace, name: str) -> tuple[float, float, float, float]:
    """The queue ``name``'s time full, the time it is measured over, and the time the
    producer waited for room and ``main`` for ``join``: a plain walk over its changes
    (a put or a get leaves ``value`` items in it; the last state lasts to the end)."""
    queue = next(r for r in trace.resources if r.name == name)
    changes = trace.resource_changes.of(queue.id)
    first = changes[0][0]
    states = [(t, size) for t, _task, op, size, _ in changes if op not in ("wait", "notify")]
    full = 0.0
    for (t, size), (after, _) in zip(states, [*states[1:], (trace.duration, 0)], strict=True):
        if size == queue.capacity:
            full += after - t
    # a wait lasts from its row to the end of the waiting task's next suspended span
    spans = trace.spans
    waited = {1: 0.0, 2: 0.0}  # put, join
    for t, task, op, _value, what in changes:
        if op != "wait" or what not in waited:
            continue
        mine = (spans.task == task) & (spans.state == schema.SUSPENDED) & (spans.start >= t)
        waited[what] += float(spans.end[mine].min()) - t
    return full, trace.duration - first, waited[1], waited[2]


# --- Compare: the figures (no Qt) ---------------------------------------------------------


@pytest.mark.parametrize("maxsize", [2, 4, 10])
def test_the_time_full_is_what_the_changes_say(maxsize: int) -> None:
    trace = backpressure(maxsize)
    [queue] = resource_figures(trace)
    full, measured, put, join = by_hand(trace, "queue")
    assert (queue.name, queue.kind, queue.capacity) == ("queue", "Queue", maxsize)
    assert queue.measured == measured
    assert queue.full == pytest.approx(full, rel=1e-12, abs=1e-15)
    assert queue.full_share == pytest.approx(full / measured, rel=1e-12, abs=1e-15)
    assert queue.waited_for[1:] == pytest.approx((put, join), rel=1e-12)
    # the story, in round numbers: six items, 0.5 s of work each, the producer ready at
    # once; the queue is full from the put that fills it until the consumer's next get
    assert measured == pytest.approx(3.0, abs=1e-6)
    expected_full = {2: 2.0, 4: 1.0, 10: 0.0}[maxsize]  # (items - maxsize) x 0.5 s
    assert queue.full == pytest.approx(expected_full, abs=1e-6)
    # the producer waits for room as long as the queue is full, main for join from then
    assert put == pytest.approx(max(6 - maxsize - 1, 0) * 0.5, abs=1e-6)
    assert queue.waited == pytest.approx(sum(queue.waited_for), rel=1e-12)
    assert queue.most_waiting == 1  # (producer, then main: one after the other)


def test_compare_two_maxsizes() -> None:
    a, b = backpressure(2), backpressure(10)
    c = compare(a, b)
    [(qa, qb)] = c.resources
    assert (qa.capacity, qb.capacity) == (2, 10)
    assert qa.full_share == pytest.approx(by_hand(a, "queue")[0] / by_hand(a, "queue")[1])
    assert qa.full_share == pytest.approx(2 / 3, abs=1e-6)
    assert qb.full_share == 0.0
    # the same total time (the consumer's pace), but not alike: the queue tells them apart
    assert c.same_time and not c.alike
    said = comparison_sentences(c)
    assert said[0] == "maxsize=2 and maxsize=10 took the same time: 3.00 s."
    assert "queue was full 67% of the time with maxsize=2, 0% with maxsize=10." in said
    assert (
        "Time tasks spent waiting on queue: 3.00 s (put 1.50 s, join 1.50 s) with maxsize=2,"
        " 3.00 s (join 3.00 s) with maxsize=10." in said
    )
    assert not any(s.startswith("Most tasks waiting on queue") for s in said)  # (1 and 1)
    rows = {what: (va, vb) for what, va, vb in figures_rows(c)}
    assert rows["queue: time full (share)"] == ("67% (2.00 s)", "0% (0 s)")
    assert rows["queue: most tasks waiting at once"] == ("1", "1")
    assert rows["queue: time tasks waited"] == ("3.00 s", "3.00 s")


def test_a_semaphore_full_in_both_and_its_waits() -> None:
    c = compare(lesson("semaphore_workers", limit=1), lesson("semaphore_workers", limit=3))
    [(sa, sb)] = c.resources
    assert (sa.name, sa.kind) == ("sem", "Semaphore")
    # six workers of 1 s: the permits are all taken until the last wave ends
    assert sa.full_share == pytest.approx(1.0, abs=1e-6)
    assert sb.full_share == pytest.approx(1.0, abs=1e-6)
    # under Semaphore(1) five wait at first, for 1, 2, 3, 4, 5 s; under (3) three, 1 s
    assert (sa.most_waiting, sb.most_waiting) == (5, 3)
    assert sa.waited == pytest.approx(15.0, abs=1e-6)
    assert sb.waited == pytest.approx(3.0, abs=1e-6)
    said = comparison_sentences(c)
    assert "sem was full 100% of the time in both." in said
    assert "Time tasks spent waiting on sem: 15.0 s with limit=1, 3.00 s with limit=3." in said
    assert "Most tasks waiting on sem at once: 5 with limit=1, 3 with limit=3." in said


def test_a_queue_without_maxsize_is_never_full() -> None:
    c = compare(backpressure(0), backpressure(2))
    [(qa, qb)] = c.resources
    assert qa.full is None and qa.full_share is None and qb.full_share is not None
    said = comparison_sentences(c)
    assert "queue was full 67% of the time with maxsize=2; with maxsize=0 it had no bound." in said
    rows = {what: (va, vb) for what, va, vb in figures_rows(c)}
    assert rows["queue: time full (share)"] == ("-", "67% (2.00 s)")


def test_a_run_with_no_resources_adds_nothing() -> None:
    a = lesson("sequential_vs_concurrent", mode="sequential")
    b = lesson("sequential_vs_concurrent", mode="concurrent")
    assert not a.resources and not b.resources
    assert resource_figures(a) == []
    c = compare(a, b)
    assert c.resources == ()
    assert len(figures_rows(c)) == 6  # (the run's figures only)
    assert not any("full" in s or "waiting on" in s for s in comparison_sentences(c))
    # one run with a queue, one without: nothing in both, nothing said of it
    c = compare(a, backpressure(2))
    assert c.resources == () and len(figures_rows(c)) == 6


def test_resources_are_matched_by_name_and_kind_in_the_order_made() -> None:
    def made(name: str, kind: str, waited: float) -> ResourceFigures:
        return ResourceFigures(name, kind, None, 1.0, None, 0, 0.0, waited)

    a = [
        made("q", "Queue", 1),
        made("q", "Queue", 2),
        made("lock", "Lock", 3),
        made("x", "Event", 4),
    ]
    b = [made("lock", "Lock", 5), made("q", "Queue", 6), made("x", "Lock", 7)]
    pairs = matched_resources(a, b)
    assert [(x.waited, y.waited) for x, y in pairs] == [(1, 6), (3, 5)]


def test_the_view_says_it(qtbot: Any) -> None:
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show_runs(backpressure(2), backpressure(10))
    text = view.summary.text()
    assert "queue was full 67% of the time with maxsize=2, 0% with maxsize=10." in text
    assert "queue: time full (share)" in text and "67% (2.00 s)" in text


# --- the time cursor ----------------------------------------------------------------------


def test_each_resource_at_an_instant() -> None:
    trace = backpressure(2)
    index = TimeIndex(trace)
    assert [row.name for row in index.resources] == ["queue"]

    def at(t: float) -> tuple[str, str, bool, int]:
        [queue] = resources_at(index.resources, t, index.names)
        return queue.name, queue.state, queue.full, queue.waiting

    # before main made it (its first step, 2 ns in): not there yet
    made = trace.resources[0].created
    assert at(made / 2) == ("queue", STATE_WORDS[NOT_CREATED], False, 0)
    # two items in it, the producer waiting to put a third (the consumer on its first)
    assert at(0.25) == ("queue", "2/2 full, 1 waiting", True, 1)
    assert at(1.25) == ("queue", "2/2 full, 1 waiting", True, 1)
    # the producer done, main waits for join; the consumer takes one every 0.5 s
    assert at(1.75) == ("queue", "2/2 full, 1 waiting", True, 1)
    assert at(2.25) == ("queue", "1/2, 1 waiting", False, 1)
    assert at(2.75) == ("queue", "0/2, 1 waiting", False, 1)
    assert at(trace.duration) == ("queue", "0/2", False, 0)  # (every wait over)
    # at the very put that fills it: full from that instant on ([start, end), as a span)
    queue = index.resources[0]
    filled = float(queue.full[1][0])
    assert at(filled)[2] and not at(float(np.nextafter(filled, 0)))[2]


def test_a_semaphore_and_a_limit() -> None:
    trace = lesson("semaphore_workers", limit=3)
    index = TimeIndex(trace)
    [sem] = resources_at(index.resources, 0.5, index.names)
    assert (sem.name, sem.kind, sem.state, sem.full) == (
        "sem",
        "Semaphore",
        "0 of 3 free, 3 waiting",
        True,
    )
    [sem] = resources_at(index.resources, 1.5, index.names)
    assert (sem.state, sem.full) == ("0 of 3 free", True)  # (the second wave: none waits)
    assert resources_at(index.resources, 0.5, index.names, limit=0) == []
    assert resources_at(rows_of(lesson("gather_basics")), 0.5, []) == []  # (none made)


def test_the_window_lists_them_at_the_cursor(qapp: Any, window: MainWindow) -> None:
    loop = GuiEventLoop(qapp)
    scenario = find("queue_backpressure")
    try:
        outcome = loop.run_until_complete(window.run(scenario, {}, "ideal"))
    finally:
        loop.close()
    assert outcome.trace.resources
    window.show_time_cursor(True, at=0.25)
    said = [(r.name, r.state) for r in window.details.resources]
    assert said == [("queue", "2/2 full, 1 waiting")]
    text = window.details.toPlainText()
    assert "queue Queue" in text and "2/2 full, 1 waiting" in text
    assert text.index("2/2 full") < text.index("producer")  # (above the tasks)
    window.show_time_cursor(True, at=2.25)
    assert [r.state for r in window.details.resources] == ["1/2, 1 waiting"]
    window.show_time_cursor(False)
    assert window.details.resources == []


# --- lecture mode ------------------------------------------------------------------------


def test_a_lectures_trace_holds_the_queue_and_its_changes() -> None:
    """A scenario's lecture records in this process (``LectureSession``'s own
    ``Recorder``, not the child process's stream): its trace carries the resources,
    changed as in any other run."""
    session = LectureSession(load_main(find("queue_backpressure")), None, source="lecture")
    try:
        while session.step():
            pass
    finally:
        session.stop()
    trace = session.trace
    assert trace is not None and trace.meta["lecture"] is True
    [queue] = trace.resources
    assert (queue.name, queue.kind, queue.capacity) == ("queue", "Queue", 2)
    reference = backpressure(2)

    def story(t: Trace) -> list[tuple[int | None, str, int, int]]:
        return [
            (task, op, value, detail) for _t, task, op, value, detail in t.resource_changes.of(0)
        ]

    assert story(trace) == story(reference)
    [row] = rows_of(trace)
    assert row.full and len(row.waits) == len(rows_of(reference)[0].waits)


def test_a_lecture_in_the_window_says_what_waits_on_the_queue(
    qapp: Any, window: MainWindow
) -> None:
    """Paused mid-lecture, a click on the producer's wait says what it waits for; at the
    end, the time cursor lists the queue."""
    window.lecture.set_speed(20.0)
    window.pause_at = 0.25

    async def watch() -> Any:
        run = asyncio.ensure_future(window.run(find("queue_backpressure"), {}, "lecture"))
        while window.lecture.session is None or not window.lecture.session.paused:
            await asyncio.sleep(0.01)
        chart = window.chart
        while len(chart.lanes) < 3:  # (paused before a frame was drawn: the next one)
            await asyncio.sleep(0.01)
        view = chart.getPlotItem().getViewBox()
        lane = float(chart.lanes[2])  # (the producer: task 2, suspended on Queue.put)
        point = chart.mapFromScene(view.mapViewToScene(QPointF(0.2, lane)))
        QTest.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=point)
        shown = window.details.details
        assert shown is not None
        fields = dict(shown.fields)
        assert fields["task"].startswith("producer") and fields["awaiting"] == "Queue.put"
        assert fields["waiting for"] == "queue (2/2 full, 1 waiting)"
        window.lecture.toggle_pause()
        return await run

    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(watch())
    finally:
        loop.close()
        window.pause_at = None
    assert outcome.error is None and outcome.trace.resources
    window.show_time_cursor(True, at=0.25)
    assert [(r.name, r.state) for r in window.details.resources] == [
        ("queue", "2/2 full, 1 waiting")
    ]
