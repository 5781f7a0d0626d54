"""Lecture mode (issue 5): a scenario on a loop of its own, paced, paused and stepped.

Real scenarios on a real ``LectureEventLoop``, driven as the window drives it; the
window's part with pytest-qt.  Speed is measured as a ratio of wall times within one
test, never against a wall-clock limit.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from tracehelp import shape

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.session.lecture import LectureSession, run_lecture
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find, load_main
from visualizer.trace import schema
from visualizer.trace.data import Trace

_OPEN: list[LectureSession] = []


@pytest.fixture(autouse=True)
def _sessions_end() -> Iterator[None]:
    """A session a test leaves unfinished is stopped: its recording lets go of the loop
    and of the process-wide warning hooks."""
    yield
    while _OPEN:
        _OPEN.pop().stop()


def session_of(name: str, **params: object) -> LectureSession:
    session = LectureSession(load_main(find(name)), params or None, source=name)
    _OPEN.append(session)
    return session


def running_spans(session: LectureSession) -> int:
    return int(np.count_nonzero(session.recorder.model.since(0).spans.state == schema.RUNNING))


def same_story(a: Trace, b: Trace) -> bool:
    """Same tasks, and each task's spans the same: states, labels, sites, wake causes."""
    names = [t.name for t in a.tasks]
    return names == [t.name for t in b.tasks] and all(
        shape(a, t.id) == shape(b, t.id) for t in a.tasks
    )


@pytest.mark.parametrize("name", ["semaphore_workers", "cancellation", "queue_backpressure"])
def test_a_step_runs_exactly_one_task_step(name: str) -> None:
    session = session_of(name)
    steps = 0
    while session.step():
        steps += 1
        assert session.steps == steps  # one task step more, each time
        assert session.paused is False  # (stepping is not pausing: the window pauses)
    finished = session.trace
    assert finished is not None
    # the whole run, step by step, tells the same story as a run on the virtual clock
    assert same_story(finished, run_scenario(find(name), clock="virtual").trace)
    assert int(np.count_nonzero(finished.spans.state == schema.RUNNING)) == session.steps


def test_the_chart_grows_by_one_running_span_a_step() -> None:
    session = session_of("gather_basics")
    before = running_spans(session)
    for _ in range(5):
        session.step()
        after = running_spans(session)
        assert after == before + 1
        before = after


def test_a_callback_step_runs_one_callback() -> None:
    """A step of one callback: a task's step, or a timer or wake-up callback (which ends
    no task step): the steps never jump by more than one."""
    session = session_of("semaphore_workers", workers=3, limit=1)
    counts = [session.steps]
    while session.step_callback():
        counts.append(session.steps)
    assert all(b - a in (0, 1) for a, b in itertools.pairwise(counts))
    assert 0 in {b - a for a, b in itertools.pairwise(counts)}  # a bare callback


def test_speed_scales_wall_time_not_the_traces_time() -> None:
    scenario = find("sequential_vs_concurrent")
    walls: dict[float, float] = {}
    traces: dict[float, Trace] = {}
    for speed in (2.0, 8.0):
        began = time.perf_counter()
        session = run_lecture(load_main(scenario), speed=speed)
        walls[speed] = time.perf_counter() - began
        assert session.trace is not None
        traces[speed] = session.trace
    # the same 2.0 s of the scenario's time, four times faster on screen
    assert traces[2.0].duration == pytest.approx(2.0, abs=0.05)
    assert traces[8.0].duration == pytest.approx(2.0, abs=0.05)
    assert 2.5 < walls[2.0] / walls[8.0] < 5.0
    assert same_story(traces[2.0], traces[8.0])


def test_paused_the_scenarios_time_stands_still() -> None:
    session = session_of("semaphore_workers")
    session.advance(0.0)
    session.run_to(0.5)
    while not session.paused:
        session.advance(0.05)
    assert session.now == pytest.approx(0.5, abs=0.01)
    steps, now = session.steps, session.now
    for _ in range(20):  # the window keeps turning: nothing moves
        session.advance(0.1)
    assert (session.steps, session.now) == (steps, now)
    session.paused = False
    while session.now < 1.2:
        session.advance(0.1)
    assert session.steps > steps


def test_the_same_scenario_gives_the_same_trace() -> None:
    first = run_lecture(load_main(find("lock_race")), {"locked": True}, speed=16.0).trace
    second = run_lecture(load_main(find("lock_race")), {"locked": True}, speed=16.0).trace
    assert first is not None and second is not None
    assert same_story(first, second)
    np.testing.assert_allclose(first.spans.start, second.spans.start, atol=0.02)


def test_a_failing_scenario_keeps_its_trace_and_says_why() -> None:
    session = run_lecture(load_main(find("task_exception")), speed=20.0)
    assert session.error is None  # (task_exception handles its error)
    failing = run_lecture(load_main(find("taskgroup_failure")), speed=20.0)
    assert failing.trace is not None
    assert failing.trace.task_by_name("broken").outcome == "error"


def test_stop_ends_the_run_and_keeps_what_was_recorded() -> None:
    session = session_of("cancellation")
    while session.now < 1.2:
        session.advance(0.1)
    session.stop()
    assert session.done and session.stopped
    trace = session.trace
    # stopped at 1.2 s: the worker's cleanup (its finally's sleep(0.5)) still ran
    assert trace is not None and trace.duration == pytest.approx(1.7, abs=0.15)
    assert trace.task_by_name("worker").outcome == "cancelled"


def test_the_window_runs_a_lecture_and_repaints_while_paused(qapp: Any, window: MainWindow) -> None:
    window.lecture.set_speed(4.0)
    window.pause_at = 0.75
    paints: list[int] = []

    async def watch() -> Any:
        run = asyncio.ensure_future(window.run(find("semaphore_workers"), {}, "lecture"))
        while window.lecture.session is None or not window.lecture.session.paused:
            await asyncio.sleep(0.01)
        session = window.lecture.session
        assert "paused at 0.750 s" in window.lecture.describe()
        steps = session.steps
        for _ in range(5):  # paused: the trace stands still, the window goes on painting
            before = window.chart.paints
            window.chart.update()
            await asyncio.sleep(0.05)
            paints.append(window.chart.paints - before)
        assert session.steps == steps and session.now == pytest.approx(0.75, abs=0.01)
        window.lecture.step()  # one task step, and still paused
        assert session.steps == steps + 1 and session.paused
        window.lecture.toggle_pause()
        return await run

    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(watch())
    finally:
        loop.close()
        window.pause_at = None
    assert outcome.error is None
    assert all(count >= 1 for count in paints)
    assert outcome.trace.duration == pytest.approx(3.0, abs=0.05)
    assert outcome.trace.meta["clock"] == "virtual" and outcome.trace.meta["lecture"] is True
    assert window.lecture.session is None and not window.lecture.step_action.isEnabled()
