"""Lecture mode (issue 5): a scenario on a loop of its own, paced, paused and stepped.

Real scenarios on a real ``LectureEventLoop``, driven as the window drives it; the
window's part with pytest-qt.  Speed is measured as a ratio of wall times within one
test, never against a wall-clock limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import sys
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from tracehelp import shape

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.instrument import notices
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
    """Driven as the window drives it, a turn every 0.1 s of screen time (given, not
    measured: a busy machine makes the turns late, not the lecture fast), the same
    2.0 s of the scenario's time takes four times fewer turns at speed 8 than at 2."""
    scenario = find("sequential_vs_concurrent")
    turns: dict[float, int] = {}
    traces: dict[float, Trace] = {}
    for speed in (2.0, 8.0):
        session = LectureSession(load_main(scenario), None, speed=speed)
        turns[speed] = 0
        while not session.done:
            session.advance(0.1)
            turns[speed] += 1
            assert turns[speed] < 1000, "the lecture never ended"
        assert session.trace is not None
        traces[speed] = session.trace
    assert traces[2.0].duration == pytest.approx(2.0, abs=0.05)
    assert traces[8.0].duration == pytest.approx(2.0, abs=0.05)
    # 2.0 s at 2x is 1.0 s of screen, 10 turns (and one to end); at 8x 0.25 s, 3 turns (a
    # step's busy time is the scenario's too, so a turn or so less on a busy machine)
    assert 9 <= turns[2.0] <= 12 and 2 <= turns[8.0] <= 5
    assert turns[2.0] >= 2 * turns[8.0]
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
        # paused, the chart still answers: a click on worker-3's bar shows its details
        chart = window.chart
        view = chart.getPlotItem().getViewBox()
        lane = float(chart.lanes[3])  # (worker-3: task 3, waiting on the Semaphore)
        point = chart.mapFromScene(view.mapViewToScene(QPointF(0.5, lane)))
        QTest.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=point)
        shown = window.details.details
        assert shown is not None
        fields = dict(shown.fields)
        assert fields["awaiting"] == "Semaphore.acquire" and fields["task"].startswith("worker-3")
        window.lecture.step()  # one task step, and still paused
        assert session.steps == steps + 1 and session.paused
        window.lecture.toggle_pause()
        outcome = await run
        await window.lesson_checks.finished()  # (the lesson's checks, in their process)
        return outcome

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


def test_a_change_of_speed_mid_run_takes_effect_at_once_without_a_jump() -> None:
    session = session_of("sequential_vs_concurrent", mode="sequential")
    session.advance(0.0)  # (main starts, and sleeps 1.0 s)
    marks = [session.now]
    for speed in (1.0, 4.0, 0.5):
        session.speed = speed
        for _ in range(3):
            before = session.now
            session.advance(0.05)
            # the scenario's time moved by 0.05 s of wall x the speed now, no more
            assert session.now - before == pytest.approx(0.05 * speed, abs=0.003)
        marks.append(session.now)
    assert marks[-1] - marks[0] == pytest.approx(0.15 * (1.0 + 4.0 + 0.5), abs=0.01)


def test_threads_work_for_real_time_in_a_lecture() -> None:
    """While a job runs in a thread the scenario's time passes at 1x, for real: the
    jobs last as long as on any clock, and the ticker keeps ticking meanwhile."""
    session = run_lecture(load_main(find("executor_jobs")), speed=8.0)
    trace = session.trace
    assert trace is not None and session.error is None
    lengths = sorted(job.end - job.start for job in trace.jobs if job.func == "crunch")
    assert lengths == [pytest.approx(0.4, abs=0.1), pytest.approx(0.6, abs=0.1)]
    virtual = run_scenario(find("executor_jobs"), clock="virtual").trace
    assert trace.duration == pytest.approx(virtual.duration, abs=0.15)
    assert [t.name for t in trace.tasks] == [t.name for t in virtual.tasks]


async def _stubborn() -> None:
    async def never_ends() -> None:
        while True:
            with contextlib.suppress(asyncio.CancelledError):  # (it will not be cancelled)
                await asyncio.sleep(10)

    await asyncio.create_task(never_ends(), name="stubborn")


def test_stop_ends_a_run_whose_task_ignores_cancel() -> None:
    session = LectureSession(_stubborn)
    _OPEN.append(session)
    session.advance(0.1)
    session.stop()
    assert session.done and session.stopped and session.trace is not None
    assert session.trace.task_by_name("stubborn").outcome == "pending"


async def _exits() -> None:
    await asyncio.sleep(0.2)
    raise SystemExit(3)


def test_a_scenario_calling_sys_exit_ends_its_run_not_the_window() -> None:
    session = run_lecture(_exits, speed=4.0)
    assert session.done and isinstance(session.error, SystemExit)
    assert session.trace is not None and session.trace.duration == pytest.approx(0.2, abs=0.05)
    assert not notices._HUB.listening  # (the recording let go of the warning hooks)


async def _with_a_generator(events: list[str]) -> None:
    async def ticks() -> AsyncIterator[int]:
        try:
            for i in range(10):
                await asyncio.sleep(0.1)
                yield i
        finally:
            events.append("generator closed")

    async for i in ticks():
        if i == 1:
            break  # (the generator is left open: asyncio closes it at the end)
    events.append("main done")


def test_the_end_closes_async_generators_and_the_loop() -> None:
    events: list[str] = []
    session = run_lecture(_with_a_generator, {"events": events}, speed=8.0)
    assert events[-1] == "generator closed" and "main done" in events
    assert session.loop.is_closed()


def test_debug_mode_leaves_nothing_behind() -> None:
    run_lecture(load_main(find("debug_mode")), speed=8.0)
    assert sys.get_coroutine_origin_tracking_depth() == 0


def test_the_windows_own_warnings_between_turns_are_not_the_programs() -> None:
    session = session_of("semaphore_workers")
    session.advance(0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("the window's own", UserWarning, stacklevel=1)  # between two turns
    logging.getLogger("asyncio").warning("the window's own log line")
    session.stop()
    assert session.trace is not None and session.trace.marks == []
