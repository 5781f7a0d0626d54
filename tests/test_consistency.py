"""The same program, the same picture, wherever it runs: its executor's rows are named
alike on every clock, its tasks are numbered alike in the window and on the command line,
and a trace opened from a file shows its own scenario, never the one selected before."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.session.runner import record_script, run_scenario
from visualizer.session.scenarios import discover, find
from visualizer.session.sources import RunOutcome
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import save

ROOT = Path(__file__).resolve().parent.parent

#: two jobs that wait for each other (a barrier): both are in the pool at once, so a
#: fresh pool runs them in two threads whatever the machine's load
TWO_JOBS = textwrap.dedent(
    '''
    """Two jobs at once"""
    import asyncio
    import threading

    BARRIER = threading.Barrier(2)


    def job() -> None:
        BARRIER.wait(timeout=60)


    async def main() -> None:
        loop = asyncio.get_running_loop()
        await asyncio.gather(asyncio.to_thread(job), loop.run_in_executor(None, job))


    if __name__ == "__main__":
        asyncio.run(main())
    '''
)

#: tasks with asyncio's default names ("Task-N")
UNNAMED = textwrap.dedent(
    '''
    """Unnamed tasks"""
    import asyncio


    async def child(i: int) -> None:
        await asyncio.sleep(0.01 * i)


    async def main() -> None:
        await asyncio.gather(*(child(i) for i in range(3)))
        await asyncio.create_task(child(5))


    if __name__ == "__main__":
        asyncio.run(main())
    '''
)


def _window(qtbot: Any, folder: Path) -> MainWindow:
    window = MainWindow(discover([folder])[0])
    qtbot.addWidget(window)
    return window


def _in_window(qapp: Any, window: MainWindow, scenario: str, clock: str, **options: Any) -> Trace:
    loop = GuiEventLoop(qapp)
    try:
        outcome: RunOutcome = loop.run_until_complete(
            window.run(window.scenarios[scenario], {}, clock, **options)
        )
    finally:
        loop.close()
    assert outcome.error is None, outcome.traceback
    return outcome.trace


def _cli(tmp_path: Path, *args: str) -> list[str]:
    """The task names of a trace made by ``asyncviz ARGS --trace ...`` (a process of its own)."""
    out = tmp_path / "cli.json"
    subprocess.run(
        [sys.executable, "-m", "visualizer", *args, "--trace", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return [task["name"] for task in json.loads(out.read_text())["tasks"]]


def _burn_task_numbers() -> None:
    """Tasks outside any run take numbers from asyncio's counter (as a window's do)."""

    async def unnamed() -> None:
        await asyncio.gather(*(asyncio.sleep(0) for _ in range(5)))

    asyncio.run(unnamed())


# --- executor rows ---------------------------------------------------------------------
def test_executor_rows_are_named_alike_on_every_clock(
    qapp: Any, qtbot: Any, tmp_path: Path
) -> None:
    """On the window's own loop the default executor was qasync's QThreads, which
    ``threading`` names "Dummy-N", counting on from run to run; every other clock's is
    asyncio's pool ("asyncio_0"...).  A run on the window's loop now has a pool of its own."""
    (tmp_path / "two_jobs.py").write_text(TWO_JOBS)
    window = _window(qtbot, tmp_path)
    rows = {
        f"{clock} #{n}": sorted(
            job.thread for job in _in_window(qapp, window, "two_jobs", clock).jobs
        )
        for clock in ("real", "virtual", "lecture")
        for n in (1, 2)
    }
    recorded = run_scenario(window.scenarios["two_jobs"], {}, clock="virtual").trace
    rows["record"] = sorted(job.thread for job in recorded.jobs)
    assert all(names == ["asyncio_0", "asyncio_1"] for names in rows.values()), rows


# --- task numbers ----------------------------------------------------------------------
def test_tasks_are_numbered_alike_in_the_window_and_on_the_command_line(
    qapp: Any, qtbot: Any, tmp_path: Path
) -> None:
    (tmp_path / "unnamed.py").write_text(UNNAMED)
    _burn_task_numbers()
    window = _window(qtbot, tmp_path)
    as_scenario = ["main", "Task-1", "Task-2", "Task-3", "Task-4"]
    for clock in ("real", "virtual", "lecture", "real", "virtual"):  # (each after the last)
        names = [t.name for t in _in_window(qapp, window, "unnamed", clock).tasks]
        assert names == as_scenario, clock
    streamed = _in_window(qapp, window, "unnamed", "virtual", own_process=True)
    assert [t.name for t in streamed.tasks] == as_scenario
    assert _cli(tmp_path, "run", str(tmp_path / "unnamed.py")) == as_scenario
    # as a program: asyncio.run's own main task is the first unnamed one
    as_program = ["Task-1", "Task-2", "Task-3", "Task-4", "Task-5"]
    assert _cli(tmp_path, "record", str(tmp_path / "unnamed.py")) == as_program
    _burn_task_numbers()
    recorded = record_script(tmp_path / "unnamed.py", clock="virtual").trace
    assert [t.name for t in recorded.tasks] == as_program


def test_the_program_itself_sees_the_numbers_the_chart_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The task is renamed, not only its lane: the program's ``get_name()`` (its logs, its
    output) says what the chart says, and what it says when run alone; a name of its own
    that looks like a default one is its own, kept."""
    script = tmp_path / "prog.py"
    script.write_text(
        textwrap.dedent(
            """
            import asyncio

            async def child() -> None:
                print(asyncio.current_task().get_name())

            async def main() -> None:
                print(asyncio.current_task().get_name())
                await asyncio.create_task(child())
                await asyncio.create_task(child(), name="Task-1")  # (its own name)
                await asyncio.create_task(child())

            asyncio.run(main())
            """
        )
    )
    _burn_task_numbers()
    capsys.readouterr()
    result = record_script(script, clock="virtual")
    assert result.error is None
    # what a fresh process names them (3.11's C tasks take a number even when named:
    # the last one is Task-4 there, Task-3 on later versions)
    alone = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert alone[:3] == ["Task-1", "Task-2", "Task-1"]
    assert [t.name for t in result.trace.tasks] == alone
    assert capsys.readouterr().out.split() == alone


# --- opening a trace -------------------------------------------------------------------
def _saved(tmp_path: Path, trace: Trace, name: str) -> Path:
    path = tmp_path / name
    save(trace, path)
    return path


def test_an_opened_trace_shows_its_own_scenario(window: MainWindow, tmp_path: Path) -> None:
    window.select("gather_basics")
    assert window.source.path == find("gather_basics").path
    trace = run_scenario(find("semaphore_workers"), {"workers": 3}, clock="virtual").trace
    assert window.open_trace(_saved(tmp_path, trace, "sem.json"))
    assert window.selected() == find("semaphore_workers")
    assert window.source.path == find("semaphore_workers").path
    title, _text = find("semaphore_workers").text("en")
    assert title in window.about.text()
    assert window.params.values()["workers"] == "3"  # (the trace's parameters)
    assert window.source.run_folder is None  # (its sites elsewhere are still asked for)


def test_an_opened_trace_of_another_file_asks_before_showing_it(
    window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    window.select("semaphore_workers")
    assert window.params.values()  # (its parameters, shown)
    window.select("gather_basics")
    window.params.set_scenario(find("semaphore_workers"))  # (a form left showing some)
    script = tmp_path / "prog.py"
    script.write_text(UNNAMED)
    trace = record_script(script, clock="virtual").trace
    asked: list[str] = []
    window.source.asks.connect(asked.append)
    assert window.open_trace(_saved(tmp_path, trace, "prog.json"))
    assert window.browser.selectedItems() == []
    assert "gather_basics" not in window.about.text() and str(script) in window.about.text()
    assert window.source.path is None and window.source.toPlainText() == ""
    assert window.params.values() == {}  # (gather_basics' would say it ran with them)
    assert asked == [f"{script}:1"]  # (a file the window did not run: the user is asked)
    # a trace that names nothing the window knows: both panes cleared, nothing asked
    window.select("gather_basics")
    trace.meta["source"] = "no_such_scenario"
    assert window.open_trace(_saved(tmp_path, trace, "other.json"))
    assert window.browser.selectedItems() == [] and window.source.path is None
    assert "no_such_scenario" in window.about.text() and asked == [f"{script}:1"]


def test_a_file_the_user_agreed_to_is_shown_when_its_trace_opens(
    window: MainWindow, tmp_path: Path
) -> None:
    script = tmp_path / "prog.py"
    script.write_text(UNNAMED)
    trace = record_script(script, clock="virtual").trace
    window.source.agree(script)
    assert window.open_trace(_saved(tmp_path, trace, "prog.json"))
    assert window.source.path == script
