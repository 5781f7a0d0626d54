"""The ideal clock: steps take no time, ``time.sleep`` in a step takes exactly its time, idle
waits are skipped; so a program that waits only on itself draws the same picture, to the
last bit, every run, however busy the machine (issue 14, point 9)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.instrument import ideal
from visualizer.session.runner import record_script, run_scenario
from visualizer.session.scenarios import find
from visualizer.trace import schema
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import TraceFormatError, load, save

#: the issue's program: two children of a TaskGroup whose timers fall due together but
#: for the busy work of their steps (``a`` also blocks the loop: ``time.sleep``); which
#: fires first decides whether ``b`` fails or is cancelled.  On the virtual clock the
#: gap is the steps' busy time, whatever the machine made it; on the ideal clock it is
#: the few nanoseconds of clock readings between them, the same in every run.
TASKGROUP = textwrap.dedent(
    """
    import asyncio
    import time


    def busy(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass


    async def a() -> None:
        busy(0.02)
        time.sleep(0.15)  # blocks the loop: on every clock
        await asyncio.sleep(0.2)
        raise ValueError("a failed")


    async def b() -> None:
        busy(0.02)
        await asyncio.sleep(0.2)
        busy(0.02)
        raise KeyError("b failed too")


    async def main() -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(a(), name="a")
            group.create_task(b(), name="b")


    asyncio.run(main())
    """
)


#: the ideal clock's readings tick by a nanosecond (``clock.TICK``): so many of them
NS = 1e-6


@pytest.fixture
def program(tmp_path: Path) -> Path:
    path = tmp_path / "taskgroup.py"
    path.write_text(TASKGROUP)
    return path


@pytest.fixture
def cpu_load() -> Iterator[None]:
    """The machine made busy beside the run: a thread spinning in this process (it takes
    the GIL from the loop's steps) and a process spinning on its own."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            pass

    spinner = threading.Thread(target=spin, name="spinner", daemon=True)
    spinner.start()
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        stop.set()
        hog.kill()
        hog.wait()
        spinner.join()


def _record(program: Path, clock: str, tmp_path: Path, n: int) -> tuple[Trace, str]:
    result = record_script(program, clock=clock)  # type: ignore[arg-type]
    assert result.error is not None and "TaskGroup" in result.error.message
    path = tmp_path / f"{clock}-{n}.json"
    save(result.trace, path)
    return result.trace, path.read_text()


def _steps(trace: Trace, name: str) -> list[tuple[float, float]]:
    task = trace.task_by_name(name).id
    spans = trace.spans
    running = (spans.task == task) & (spans.state == schema.RUNNING)
    return list(zip(spans.start[running].tolist(), spans.end[running].tolist(), strict=True))


def _flat(pairs: list[tuple[float, float]]) -> list[float]:
    return [t for pair in pairs for t in pair]


def test_the_same_program_draws_the_same_picture_every_run(
    program: Path, tmp_path: Path, cpu_load: None
) -> None:
    """Five runs under CPU load (``cpu_load``), the same file to the byte: the order, the
    outcomes, the exact times."""
    first, text = _record(program, "ideal", tmp_path, 0)
    for n in range(1, 5):
        assert _record(program, "ideal", tmp_path, n)[1] == text, f"run {n} differs"
    assert first.meta["clock"] == "ideal"
    outcomes = {t.name: t.outcome for t in first.tasks}
    assert outcomes == {"Task-1": "error", "a": "error", "b": "cancelled"}
    # 0.15 s of blocking, then the 0.2 s sleeps (and a nanosecond a clock reading)
    assert first.duration == pytest.approx(0.35, abs=NS)
    # a step takes no time, but time.sleep takes exactly its time, and blocks the loop
    assert _flat(_steps(first, "a")) == pytest.approx([0.0, 0.15, 0.35, 0.35], abs=NS)
    assert _flat(_steps(first, "b")) == pytest.approx([0.15, 0.15, 0.35, 0.35], abs=NS)
    assert _flat([(b.start, b.end) for b in first.blocked]) == pytest.approx([0.0, 0.15], abs=NS)


def test_on_the_virtual_clock_the_busy_time_shows(program: Path, tmp_path: Path) -> None:
    """The same program on the virtual clock: each busy step lasts at least its work, so
    ``b``'s timer falls due after ``a``'s, and ``b`` is cancelled (a lower bound on the
    steps' time: more load only widens it)."""
    trace, _ = _record(program, "virtual", tmp_path, 0)
    assert {t.name: t.outcome for t in trace.tasks}["b"] == "cancelled"
    (a_start, a_end), *_ = _steps(trace, "a")
    assert a_end - a_start >= 0.17  # busy 0.02 + blocked 0.15
    assert trace.duration >= 0.37


def test_a_thread_sleeps_for_real_and_time_sleep_is_put_back(tmp_path: Path) -> None:
    """``time.sleep`` moves the clock only on the loop's thread: a job's sleep in the
    executor is real (the loop waits for it, and the clock runs while it does); invalid
    sleeps fail as they always do; the real ``time.sleep`` is back after the run."""
    script = tmp_path / "jobs.py"
    script.write_text(
        textwrap.dedent(
            """
            import asyncio
            import time

            async def main() -> None:
                await asyncio.to_thread(time.sleep, 0.05)
                try:
                    time.sleep(-1)
                except ValueError:
                    print("refused")
                time.sleep(0.25)

            asyncio.run(main())
            """
        )
    )
    real_sleep = time.sleep
    result = record_script(script, clock="ideal")
    assert result.error is None
    assert time.sleep is real_sleep and ideal._running == {}
    trace = result.trace
    (job,) = trace.jobs
    assert job.thread == "asyncio_0" and job.end is not None and job.end - job.start > 0
    (step,) = [s for s in _steps(trace, "Task-1") if s[1] - s[0] > NS]
    assert step[1] - step[0] == pytest.approx(0.25, abs=NS)


def test_ideal_is_chosen_and_named_wherever_the_clock_is(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    """The window's clock menu, its status line (every clock is named there), the trace
    file (``meta.clock``), and the command line's ``--clock``."""
    window.set_clock_mode("ideal")
    assert window.clock_mode() == "ideal"
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find("taskgroup_failure"), {}, "ideal"))
    finally:
        loop.close()
    assert outcome.trace.meta["clock"] == "ideal"
    assert "(ideal clock)" in window.status.text()
    saved = tmp_path / "ideal.json"
    save(outcome.trace, saved)
    assert load(saved).meta["clock"] == "ideal"
    reference = run_scenario(find("taskgroup_failure"), {}, clock="ideal").trace
    assert outcome.trace.duration == reference.duration
    assert [t.outcome for t in outcome.trace.tasks] == [t.outcome for t in reference.tasks]
    loop = GuiEventLoop(qapp)
    try:
        loop.run_until_complete(window.run(find("taskgroup_failure"), {}, "real"))
    finally:
        loop.close()
    assert "(real clock)" in window.status.text()
    # a clock the format does not know is refused, with the ones it does
    text = json.loads(saved.read_text())
    text["meta"]["clock"] = "sundial"
    saved.write_text(json.dumps(text))
    with pytest.raises(TraceFormatError, match='"ideal"'):
        load(saved)
    out = tmp_path / "cli.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "visualizer",
            *("run", "taskgroup_failure", "--clock", "ideal"),
            *("--trace", str(out)),
        ],
        check=False,
        capture_output=True,
        timeout=120,
    )
    assert load(out).meta["clock"] == "ideal"


def test_a_program_streamed_from_its_own_process_runs_on_the_ideal_clock(
    qapp: Any, window: MainWindow, program: Path
) -> None:
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find(program), {}, "ideal"))
    finally:
        loop.close()
    recorded = record_script(program, clock="ideal").trace
    assert outcome.trace.meta["clock"] == "ideal"
    assert outcome.trace.duration == recorded.duration == pytest.approx(0.35, abs=NS)
    assert [(t.name, t.outcome) for t in outcome.trace.tasks] == [
        (t.name, t.outcome) for t in recorded.tasks
    ]


def test_an_asyncio_sleep_in_a_thread_of_its_own_loop_is_untouched() -> None:
    """Another loop's thread (not on the ideal clock) sleeps for real, even while a run on
    the ideal clock has ``time.sleep`` replaced."""
    with ideal.sleeping_ideally():
        assert time.sleep is ideal.sleep
        began = time.monotonic()
        asyncio.run(asyncio.to_thread(time.sleep, 0.01))
        time.sleep(0.01)
        assert time.monotonic() - began >= 0.02
