"""Plain programs in the window: run in their own process, streamed, drawn live, their
output in a pane; a program that crashes or will not stop never takes the window down."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import find
from visualizer.session.sources import RunOutcome
from visualizer.trace import schema
from visualizer.trace.fileformat import load

ROOT = Path(__file__).resolve().parent.parent

WORKERS = textwrap.dedent(
    """
    \"\"\"Five workers, two at a time\"\"\"
    import asyncio, sys

    async def worker(sem, i):
        async with sem:
            print(f"worker {i} starts")
            await asyncio.sleep(0.2)
        print(f"worker {i} done", file=sys.stderr)

    async def main():
        sem = asyncio.Semaphore(2)
        await asyncio.gather(*(asyncio.create_task(worker(sem, i), name=f"w{i}")
                               for i in range(5)))

    asyncio.run(main())
    """
)


def write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "prog.py"
    path.write_text(source)
    return path


def run_in(
    qapp: Any, window: MainWindow, path: Path, stop_after: float | None = None, **options: Any
) -> RunOutcome:
    loop = GuiEventLoop(qapp)

    async def go() -> RunOutcome:
        running = asyncio.ensure_future(window.run(find(path), {}, "real", **options))
        if stop_after is not None:
            while window.frames.source is None and not running.done():
                await asyncio.sleep(0.01)
            await asyncio.sleep(stop_after)
            window.stop()
        outcome = await running
        await asyncio.sleep(0.05)
        return outcome

    try:
        return loop.run_until_complete(go())
    finally:
        loop.close()


def test_a_plain_program_runs_in_its_own_process_and_is_drawn(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    path = write(tmp_path, WORKERS)
    outcome = run_in(qapp, window, path)
    assert outcome.error is None
    trace = outcome.trace
    assert [t.name for t in trace.tasks] == ["Task-1", "w0", "w1", "w2", "w3", "w4"]
    assert window.chart.bars.span_count() == len(trace.spans)
    # its output, each line once, with its time; stderr's too
    pane = window.output
    assert pane.isVisible() and pane.lines_shown == 10
    text = pane.toPlainText().splitlines()
    assert sum("worker 0 starts" in line for line in text) == 1
    assert all(line.strip().split(" s ")[0].replace(".", "").isdigit() for line in text)
    # the window names what it shows: the program's own text and source
    assert window.source.path == path.resolve()
    assert "Five workers" in window.about.text()


def test_clicking_an_output_line_moves_the_chart_to_its_moment(
    qapp: Any, window: MainWindow, tmp_path: Path, qtbot: Any
) -> None:
    path = write(tmp_path, WORKERS)
    outcome = run_in(qapp, window, path)
    pane = window.output
    # "worker 4 starts": printed when w4 got the semaphore, in the third round
    line = next(
        i for i, text in enumerate(pane.toPlainText().splitlines()) if "worker 4 st" in text
    )
    t = pane.time_of_line(line)
    assert t is not None and 0.4 - 0.01 <= t < outcome.trace.duration
    window.chart.zoom_time(0.1)
    pane.verticalScrollBar().setValue(pane.verticalScrollBar().maximum())
    block = pane.document().findBlockByNumber(line)
    rect = pane.blockBoundingGeometry(block).translated(pane.contentOffset())
    qtbot.mouseClick(
        pane.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(40, int(rect.center().y()))
    )
    (x0, x1), _ = window.chart.getPlotItem().getViewBox().viewRange()
    assert (x0 + x1) / 2 == pytest.approx(t, abs=1e-6)
    assert window.chart.cursor.isVisible() and window.chart.cursor.value() == pytest.approx(t)


def test_a_program_that_crashes_mid_run_leaves_the_window_and_its_trace(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        textwrap.dedent(
            """
            import asyncio, ctypes
            async def helper():
                await asyncio.sleep(10)
            async def main():
                asyncio.create_task(helper(), name="helper")
                await asyncio.sleep(0.3)
                print("about to crash", flush=True)
                ctypes.string_at(0)
            asyncio.run(main())
            """
        ),
    )
    outcome = run_in(qapp, window, path)
    assert outcome.error is not None and "segmentation fault" in outcome.error
    assert [t.name for t in outcome.trace.tasks] == ["Task-1", "helper"]
    assert window.chart.trace is outcome.trace
    assert "segmentation fault" in window.status.text()
    # the details say what happened, with its last words (Python's fault handler)
    assert "Fatal Python error" in window.details.toPlainText()
    assert "about to crash" in window.output.toPlainText()
    # and the window goes on: the next run works
    again = run_in(qapp, window, write(tmp_path, WORKERS))
    assert again.error is None


def test_stop_ends_a_program_that_spins(qapp: Any, window: MainWindow, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "import asyncio\nasync def main():\n    await asyncio.sleep(0.1)\n"
        "    while True:\n        pass\nasyncio.run(main())\n",
    )
    outcome = run_in(qapp, window, path, stop_after=0.3)
    assert outcome.error == "stopped"
    assert len(outcome.trace.tasks) == 1
    running = outcome.trace.spans.take(outcome.trace.spans.state == schema.RUNNING)
    assert (running.end - running.start).max() >= 0.3


def test_a_scenario_in_its_own_process_when_asked(qapp: Any, window: MainWindow) -> None:
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(
            window.run(find("gather_basics"), {}, "virtual", own_process=True)
        )
    finally:
        loop.close()
    assert outcome.error is None
    assert outcome.trace.meta["exit"]["returncode"] == 0  # (it came from a child process)
    assert outcome.trace.meta["clock"] == "virtual"


def test_gui_flags_stop_a_program_that_hangs_and_save_what_it_did(tmp_path: Path) -> None:
    """``--stop-after``: the hang case run from a script, judged by the trace and the exit
    code (the program's own, as the window saw it)."""
    path = write(
        tmp_path,
        "import asyncio\nasync def main():\n    print('up', flush=True)\n"
        "    await asyncio.sleep(3600)\nasyncio.run(main())\n",
    )
    saved = tmp_path / "hang.json"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "visualizer.cli",
            "gui",
            str(path),
            "--autorun",
            "--stop-after",
            "0.5",
            "--exit-when-done",
            "--save-trace",
            str(saved),
            "--size",
            "900x600",
        ],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert out.returncode == 1, out.stderr[-2000:]  # (it was stopped: not a clean end)
    assert "stopped" in out.stderr
    trace = load(saved)
    (main,) = trace.tasks
    assert main.outcome == "cancelled"
    assert trace.duration >= 0.5
    assert json.loads(json.dumps(trace.meta["exit"]))["returncode"] == 130


def test_a_plain_program_as_a_lecture_pauses_steps_and_resumes(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    """The program's own loop, in its own process, turned at the lecture's pace: paused
    at 0.3 s of its time, one step on, then to its end; its trace is the program's time."""
    path = write(tmp_path, WORKERS)
    loop = GuiEventLoop(qapp)
    seen: dict[str, Any] = {}

    async def go() -> RunOutcome:
        window.pause_at = 0.3
        window.lecture.set_speed(4.0)
        running = asyncio.ensure_future(window.run(find(path), {}, "lecture"))
        while window.lecture.session is None or not window.lecture.session.paused:
            assert not running.done()
            await asyncio.sleep(0.01)
        lecture = window.lecture.session
        seen["paused at"] = lecture.now
        await asyncio.sleep(0.3)
        seen["still"] = lecture.now  # (paused: the program's time stands still)
        seen["status"] = window.status.text()
        window.lecture.step()  # (runs to the end of the next task step)
        while lecture.now <= seen["paused at"]:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        seen["stepped to"] = lecture.now
        seen["paused after the step"] = lecture.paused
        window.lecture.toggle_pause()
        return await running

    try:
        outcome = loop.run_until_complete(go())
    finally:
        window.pause_at = None
        loop.close()
    assert outcome.error is None
    # (a lecture's steps take their real busy time, longer on a busy machine: so each
    # moment is asserted between the events around it, not to the millisecond)
    assert 0.3 - 0.02 <= seen["paused at"] < 0.4
    assert seen["still"] == pytest.approx(seen["paused at"], abs=0.005)
    assert "lecture 4x, paused at 0.3" in seen["status"]
    # worker 2 and 3 got the semaphore at 0.2 and sleep to 0.4: the next step is at 0.4
    # (and ends after its busy time, before the round after it, at 0.6)
    assert 0.4 - 0.02 <= seen["stepped to"] < 0.6
    assert seen["paused after the step"] is True
    trace = outcome.trace
    assert trace.meta["lecture"] is True and trace.meta["clock"] == "virtual"
    assert 0.6 - 0.03 <= trace.duration < 0.8  # (three rounds of 0.2 s)
    assert window.lecture.session is None
