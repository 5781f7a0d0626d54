"""``visualizer.mark("label")``: a program's own pin on its timeline (issue 5).

Real programs on real traced loops.  A mark lands in the recording whose run made it,
at the moment it was made, on the lane of the task that made it (the loop's row from a
callback); untraced, it does nothing at all.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from typing import Any

import pytest
from tracehelp import of_state, run_traced, trace_of

from visualizer import mark
from visualizer.instrument.tracer import MAX_NOTES
from visualizer.session.runner import Recorder, run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.data import Mark, Trace
from visualizer.views.chart import GanttView


def notes(trace: Trace) -> list[tuple[str | None, str, float]]:
    """(lane's task name or None for the loop's row, label, t) of each note; the run's
    first task is called "main" (``run_traced`` leaves it unnamed)."""
    names = ["main", *(t.name for t in trace.tasks[1:])]
    return [
        (None if m.task is None else names[m.task], m.label, m.t)
        for m in trace.marks
        if m.kind == "note"
    ]


def running_at(trace: Trace, name: str, t: float) -> bool:
    which: int | str = 0 if name == "main" else name
    return any(s.start <= t <= s.end for s in of_state(trace, which, "running"))


async def _two_workers() -> None:
    async def worker(delay: float) -> None:
        await asyncio.sleep(delay)
        mark(f"woke after {delay}")

    mark("start")
    await asyncio.gather(
        asyncio.create_task(worker(0.5), name="w-0.5"),
        asyncio.create_task(worker(1.25), name="w-1.25"),
    )
    mark("end")


def test_a_traced_mark_is_at_its_time_on_its_tasks_lane() -> None:
    trace = trace_of(_two_workers)
    assert [(lane, label) for lane, label, _ in notes(trace)] == [
        ("main", "start"),
        ("w-0.5", "woke after 0.5"),
        ("w-1.25", "woke after 1.25"),
        ("main", "end"),
    ]
    times = {label: t for _, label, t in notes(trace)}
    assert times["start"] == pytest.approx(0.0, abs=0.01)
    assert times["woke after 0.5"] == pytest.approx(0.5, abs=0.01)
    assert times["woke after 1.25"] == pytest.approx(1.25, abs=0.01)
    assert times["end"] == pytest.approx(1.25, abs=0.01)
    # each inside a running span of its own lane: the step that called mark()
    for lane, label, t in notes(trace):
        assert lane is not None and running_at(trace, lane, t), label
    assert trace.marks[0].detail == ""


def test_the_cancellation_lesson_pins_main_cancelling() -> None:
    result = run_scenario(find("cancellation"), clock="virtual")
    trace = result.trace
    [(lane, label, t)] = notes(trace)
    assert (lane, label) == ("main", "task.cancel()")
    assert t == pytest.approx(2.5, abs=0.02)
    assert running_at(trace, "main", t)
    # the worker is woken by that very cancel, at that instant
    cancel = next(s for s in of_state(trace, "worker", "ready") if s.woken_by == ("cancel", 0))
    assert cancel.start == pytest.approx(t, abs=0.005)


@pytest.mark.parametrize(
    ("mode", "lanes"),
    [("sequential", ["main", "main"]), ("concurrent", ["say-hello", "say-world"])],
)
def test_each_print_of_sequential_vs_concurrent_is_pinned(mode: str, lanes: list[str]) -> None:
    trace = run_scenario(find("sequential_vs_concurrent"), {"mode": mode}).trace
    found = notes(trace)
    assert [(lane, label) for lane, label, _ in found] == list(
        zip(lanes, ["hello", "world"], strict=True)
    )
    ends = (1.0, 3.0) if mode == "sequential" else (1.0, 2.0)
    assert [t for _, _, t in found] == pytest.approx(ends, abs=0.02)


def test_untraced_mark_does_nothing(capfd: Any) -> None:
    # a recording alive in this process: an untraced program's marks are not its
    recorder = Recorder("virtual")

    async def plain() -> str:
        mark("not traced")
        await asyncio.sleep(0)
        asyncio.get_running_loop().call_soon(mark, "nor this")
        await asyncio.sleep(0)
        return "ran"

    assert asyncio.run(plain()) == "ran"
    mark("outside any loop")
    assert recorder.finish().marks == []
    assert capfd.readouterr().err == ""


def test_importing_mark_loads_no_tracer_and_no_qt() -> None:
    """A scenario imports ``mark``: run as a plain script it must load nothing heavy."""
    code = (
        "import sys, asyncio\n"
        "from visualizer import mark\n"
        "async def main():\n"
        "    mark('x')\n"
        "asyncio.run(main())\n"
        "heavy = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'numpy',"
        " 'visualizer.instrument', 'visualizer.trace'))]\n"
        "print(heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_two_recordings_at_once_each_get_their_own_marks() -> None:
    """A virtual run in a worker thread and a real one on this thread, both recording
    while the other marks: each mark goes to the run that made it."""
    # (a timeout: a run that failed before its barrier must not hang the other)
    both_started = threading.Barrier(2, timeout=60)
    midway = threading.Barrier(2, timeout=60)

    def program(name: str) -> Any:
        async def main() -> None:
            mark(f"{name} 1")
            await asyncio.to_thread(both_started.wait)
            mark(f"{name} 2")
            await asyncio.to_thread(midway.wait)
            mark(f"{name} 3")

        return main

    runs: dict[str, Any] = {}

    def in_thread() -> None:
        runs["virtual"] = run_traced(program("virtual"), clock="virtual")

    thread = threading.Thread(target=in_thread)
    thread.start()
    runs["real"] = run_traced(program("real"), clock="real")
    thread.join()
    assert [run.error for run in runs.values()] == [None, None]
    results: dict[str, Trace] = {name: run.trace for name, run in runs.items()}
    for name, trace in results.items():
        assert [(lane, label) for lane, label, _ in notes(trace)] == [
            ("main", f"{name} 1"),
            ("main", f"{name} 2"),
            ("main", f"{name} 3"),
        ]
    assert results["virtual"].meta["clock"] == "virtual"
    assert results["real"].meta["clock"] == "real"


def test_a_mark_from_a_callback_or_a_thread_is_on_the_loops_row() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        called = loop.create_future()

        def callback() -> None:
            mark("from a callback")
            called.set_result(None)

        loop.call_later(0.25, callback)
        await called
        await asyncio.to_thread(mark, "from a thread")
        mark("from main")

    trace = trace_of(main)
    assert [(lane, label) for lane, label, _ in notes(trace)] == [
        (None, "from a callback"),
        (None, "from a thread"),
        ("main", "from main"),
    ]
    assert notes(trace)[0][2] == pytest.approx(0.25, abs=0.01)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager tasks are 3.12+")
def test_a_mark_in_an_eager_tasks_first_step_is_on_its_lane() -> None:
    """An eager task's first step runs inside ``create_task``, before the tracer has
    registered the task: the mark is still on its own lane, not its parent's."""

    async def eager_child() -> None:
        mark("first step, eagerly")
        await asyncio.sleep(0.5)
        mark("second step")

    async def main() -> None:
        asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]
        await asyncio.create_task(eager_child(), name="eager")

    trace = trace_of(main)
    assert [(lane, label) for lane, label, _ in notes(trace)] == [
        ("eager", "first step, eagerly"),
        ("eager", "second step"),
    ]


def test_a_program_marking_in_a_loop_keeps_a_bounded_number() -> None:
    async def main() -> None:
        for i in range(MAX_NOTES + 5):
            mark(f"n{i}")

    trace = trace_of(main)
    assert len(notes(trace)) == MAX_NOTES
    assert trace.meta["dropped_notes"] == 5


def test_the_chart_draws_a_note_with_its_label(qtbot: Any) -> None:
    trace = run_scenario(find("cancellation"), clock="virtual").trace
    view = GanttView()
    qtbot.addWidget(view)
    view.show_trace(trace)
    xs, ys = view.timeline_marks.glyphs["note"].getData()
    assert xs.tolist() == pytest.approx([trace.marks[0].t])
    main_lane = int(view.lanes[trace.task_by_name("main").id])
    assert ys.tolist() == pytest.approx([main_lane - 0.5])
    assert [label.toPlainText().strip() for label in view.timeline_marks.labels] == [
        "task.cancel()"
    ]
    assert trace.marks == [Mark(trace.marks[0].t, 0, "task.cancel()", "note", "")]
