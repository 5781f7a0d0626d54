"""Programs in a process of their own (``ChildRun``), with real child processes: the
tutorial-style files run exactly once and stream what they do; a program that spins,
blocks, exits, crashes or is killed never takes its reader with it, and what it sent
is kept."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import visualizer
from visualizer.session.process import ChildOutcome, ChildRun
from visualizer.session.runner import record_script
from visualizer.trace import schema
from visualizer.trace.data import Trace

WORKERS = textwrap.dedent(
    """
    import asyncio, sys

    async def worker(sem, i):
        async with sem:
            print(f"worker {i} starts")
            await asyncio.sleep(0.2)

    async def main():
        sem = asyncio.Semaphore(2)
        await asyncio.gather(*(asyncio.create_task(worker(sem, i), name=f"w{i}")
                               for i in range(5)))
    """
)

TUTORIALS = {
    "top_level": WORKERS + "\nasyncio.run(main())\n",
    "guarded": WORKERS + "\nif __name__ == '__main__':\n    asyncio.run(main())\n",
    "run_until_complete": WORKERS
    + "\nloop = asyncio.new_event_loop()\nloop.run_until_complete(main())\nloop.close()\n",
    "twice": WORKERS + "\nasyncio.run(main())\nasyncio.run(main())\n",
}


def program(tmp_path: Path, source: str, name: str = "prog.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def run_child(
    path: Path,
    *args: str,
    stop_after: float | None = None,
    make: type[ChildRun] = ChildRun,
    **options: Any,
) -> tuple[ChildOutcome, ChildRun]:
    async def go() -> tuple[ChildOutcome, ChildRun]:
        run = make(path, args, **options)
        await run.start()
        if stop_after is not None:
            await run.hello.wait()
            await asyncio.sleep(stop_after)
            run.stop()
        return await run.wait(), run

    return asyncio.run(go())


def lines(run: ChildRun, stream: str = "stdout") -> list[str]:
    return [line.text for line in run.output if line.stream == stream]


def names(trace: Trace) -> list[str]:
    return [task.name for task in trace.tasks]


@pytest.mark.parametrize("style", sorted(TUTORIALS))
def test_a_tutorial_program_runs_once_and_streams_its_tasks(tmp_path: Path, style: str) -> None:
    outcome, run = run_child(program(tmp_path, TUTORIALS[style]))
    assert outcome.error is None and outcome.returncode == 0, outcome.traceback
    times = 2 if style == "twice" else 1
    assert sorted(lines(run)) == sorted([f"worker {i} starts" for i in range(5)] * times)
    workers = [f"w{i}" for i in range(5)]
    assert [n for n in names(outcome.trace) if n.startswith("w")] == workers * times
    assert len(outcome.trace.tasks) == 6 * times  # (each asyncio.run's main task, and 5)
    trace = outcome.trace
    assert all(t.outcome == "done" for t in trace.tasks)
    # (its time zero is the recording's start: checked on the virtual clock, where times
    # do not stretch with the machine's load, by test_a_streamed_run_draws_what_record_...)
    # each worker waits its turn on the semaphore: 3 rounds of 0.2 s per asyncio.run
    assert trace.duration >= 0.6 * times
    assert trace.meta["clock"] == "real" and trace.meta["exit"]["returncode"] == 0


def test_the_program_gets_its_own_argv_and_output_lines_carry_times(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """
        import asyncio, sys
        async def main():
            print("argv", sys.argv[1:])
            await asyncio.sleep(0.3)
            print("later", file=sys.stderr)
        asyncio.run(main())
        """,
    )
    outcome, run = run_child(path, "-n", "3")
    assert lines(run) == ["argv ['-n', '3']"]
    assert lines(run, "stderr") == ["later"]
    first, later = run.output
    # each line's time on the trace's clock (the same monotonic clock as the program's)
    assert first.t < later.t
    assert later.t >= 0.3 - 0.01
    sleep = [s for s in outcome.trace.spans.start[outcome.trace.spans.state == schema.SUSPENDED]]
    assert later.t >= max(sleep)


#: a program that waits a minute and says so when it is cancelled
CLEANS_UP = """
import asyncio
async def main():
    try:
        await asyncio.sleep(60)
    finally:
        print("cleaned up")
asyncio.run(main())
"""


def test_stop_asks_as_ctrl_c_does_and_the_program_cleans_up(tmp_path: Path) -> None:
    path = program(tmp_path, CLEANS_UP)
    outcome, run = run_child(path, stop_after=0.3)
    assert outcome.stopped and outcome.error == "stopped"
    assert outcome.returncode == 130  # (KeyboardInterrupt, after main was cancelled)
    assert lines(run) == ["cleaned up"]
    (main,) = outcome.trace.tasks
    assert main.outcome == "cancelled"


def test_stop_asks_politely_even_when_the_window_ignores_ctrl_c(tmp_path: Path) -> None:
    """A window started in the background of a script ignores SIGINT, and its children
    inherit that: the program gets Python's handler back, so Stop still asks it (found
    when the suite ran in a background job: every polite stop became a SIGTERM)."""
    path = program(tmp_path, CLEANS_UP)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        outcome, run = run_child(path, stop_after=0.3)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert outcome.stopped and outcome.error == "stopped"
    assert outcome.returncode == 130
    assert lines(run) == ["cleaned up"]


def test_a_program_that_spins_is_interrupted_and_its_step_drawn_running(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """
        import asyncio
        async def main():
            await asyncio.sleep(0.2)
            print("spinning", flush=True)
            while True:
                pass
        asyncio.run(main())
        """,
    )
    outcome, run = run_child(path, stop_after=0.5, grace=0.5)
    assert outcome.stopped
    assert lines(run) == ["spinning"]
    trace = outcome.trace
    running = trace.spans.take(trace.spans.state == schema.RUNNING)
    longest = int(np.argmax(running.end - running.start))
    # the spinning step: from its start at 0.2 s to the second Ctrl-C, a grace after
    # Stop, which came 0.5 s after the stream began
    assert running.start[longest] == pytest.approx(0.2, abs=0.15)
    assert running.end[longest] - running.start[longest] >= 0.5 + 0.5 - 0.2 - 0.05
    assert trace.tasks[0].outcome == "error"  # (KeyboardInterrupt, raised in the loop)


#: a process the program starts that ignores Ctrl-C and SIGTERM: only SIGKILL ends it
HELPER = (
    "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN);"
    " signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(600)"
)


def starts_a_helper(pid_file: Path, then: str) -> str:
    """A program that starts ``HELPER``, waits until it ignores the signals, writes its
    pid to ``pid_file`` and does ``then``."""
    return f"""
import asyncio, os, subprocess, sys
async def main():
    helper = subprocess.Popen([sys.executable, "-c", {HELPER!r}], stdout=subprocess.PIPE)
    assert helper.stdout.readline() == b"up\\n"
    with open({str(pid_file) + ".tmp"!r}, "w") as f:
        f.write(str(helper.pid))
    os.replace({str(pid_file) + ".tmp"!r}, {str(pid_file)!r})
    {then}
asyncio.run(main())
"""


def ended(pid: int) -> bool:
    """The process has ended (a zombie counts: an orphan's may be left unreaped here)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def ends_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not ended(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.parametrize("how", ["stop", "kill after the program ended"])
def test_what_the_program_started_goes_with_it(tmp_path: Path, how: str) -> None:
    """Stop (the program ends at the first Ctrl-C, its helper ignores it), and the
    window closing once the program has ended but its helper is still there: the
    program's process group is killed either way."""
    pid_file = tmp_path / "helper.pid"
    then = "await asyncio.sleep(60)" if how == "stop" else "pass"
    path = program(tmp_path, starts_a_helper(pid_file, then))

    async def go() -> ChildOutcome:
        run = ChildRun(path, grace=0.5)
        await run.start()
        deadline = time.monotonic() + 60  # (a safeguard)
        while not pid_file.exists() and run.running and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert pid_file.exists(), [line.text for line in run.output]
        if how == "stop":
            run.stop()
        else:
            assert run.process is not None
            await run.process.wait()
            run.kill()
        return await run.wait()

    try:
        outcome = asyncio.run(go())
        assert outcome.returncode == (130 if how == "stop" else 0), outcome.traceback
        assert ends_within(int(pid_file.read_text()), 10)
    finally:
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


@pytest.mark.parametrize("pythonpath", ["/nowhere/asyncviz-test", None])
def test_the_program_inherits_the_window_s_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pythonpath: str | None
) -> None:
    """Nothing added to PYTHONPATH (the child finds the package by its command line):
    the program and what it starts see the window's, as ``python prog.py`` would; its
    output is unbuffered (that one is set, so that lines come as they are written)."""
    if pythonpath is None:
        monkeypatch.delenv("PYTHONPATH", raising=False)
    else:
        monkeypatch.setenv("PYTHONPATH", pythonpath)
    path = program(
        tmp_path,
        """
        import os, subprocess, sys
        print(repr(os.environ.get("PYTHONPATH")))
        code = "import os; print(repr(os.environ.get('PYTHONPATH')))"
        print(subprocess.check_output([sys.executable, "-c", code], text=True).strip())
        print(repr(os.environ.get("PYTHONUNBUFFERED")))
        print(sys.path[0])
        """,
    )
    outcome, run = run_child(path)
    assert outcome.returncode == 0, outcome.traceback
    assert lines(run) == [repr(pythonpath), repr(pythonpath), "'1'", str(tmp_path.resolve())]


class ModuleRun(ChildRun):
    """A ``ChildRun`` whose child is ``python -m visualizer.session.child``."""

    def command_line(self, connect: str) -> list[str]:
        python, dash_c, _bootstrap, *args = super().command_line(connect)
        assert dash_c == "-c"
        return [python, "-m", "visualizer.session.child", *args]


def test_the_child_runs_as_a_module_too(tmp_path: Path) -> None:
    """``python -m visualizer.session.child ARGS`` takes the arguments that follow
    ``ChildRun``'s bootstrap."""
    path = program(
        tmp_path,
        """
        import asyncio, sys
        async def main():
            print("argv", sys.argv[1:])
        asyncio.run(main())
        """,
    )
    root = Path(visualizer.__file__).resolve().parents[1]
    outcome, run = run_child(path, "-n", "3", make=ModuleRun, cwd=root)
    assert outcome.returncode == 0, outcome.traceback
    assert lines(run) == ["argv ['-n', '3']"]
    assert names(outcome.trace) == ["Task-1"]


def test_a_program_that_ignores_every_signal_but_kill_is_killed(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """
        import asyncio, signal, time
        async def main():
            await asyncio.sleep(0.1)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print("deaf", flush=True)
            time.sleep(60)
        asyncio.run(main())
        """,
    )
    outcome, run = run_child(path, stop_after=0.4, grace=0.2)
    assert outcome.returncode == -signal.SIGKILL
    assert outcome.error is not None and "SIGKILL" in outcome.error
    assert lines(run) == ["deaf"]
    (main,) = outcome.trace.tasks
    assert main.outcome == "pending"
    # blocked in time.sleep since 0.1 s: drawn running up to the kill
    spans = outcome.trace.spans
    assert spans.state[-1] in (schema.RUNNING, schema.READY)
    assert outcome.trace.duration >= 0.4 + 3 * 0.2 - 0.05


@pytest.mark.parametrize(
    ("source", "returncode", "says"),
    [
        ("import os\nos._exit(7)", 7, "exit code 7"),
        ("import ctypes\nctypes.string_at(0)", -signal.SIGSEGV, "segmentation fault"),
        ("raise RuntimeError('mid-run')", 1, "RuntimeError: mid-run"),
        ("import sys\nsys.exit(4)", 4, "exit code 4"),
    ],
)
def test_a_program_that_dies_mid_run_keeps_what_it_sent(
    tmp_path: Path, source: str, returncode: int, says: str
) -> None:
    body = textwrap.indent(source, "    ")
    path = program(
        tmp_path,
        "import asyncio\n"
        "async def helper():\n    await asyncio.sleep(10)\n"
        "async def main():\n"
        "    asyncio.create_task(helper(), name='helper')\n"
        "    await asyncio.sleep(0.3)\n"
        "    print('about to die', flush=True)\n" + body + "\nasyncio.run(main())\n",
    )
    outcome, run = run_child(path)
    assert outcome.returncode == returncode
    assert outcome.error is not None and says in outcome.error
    assert names(outcome.trace) == ["Task-1", "helper"]
    assert outcome.trace.duration >= 0.3
    assert lines(run) == ["about to die"]
    if returncode == -signal.SIGSEGV:
        assert any("Fatal Python error" in w for w in outcome.last_words)


def test_a_program_that_fails_at_import_says_why(tmp_path: Path) -> None:
    path = program(tmp_path, "import asyncio\nraise RuntimeError('at import')\n")
    outcome, _ = run_child(path)
    assert outcome.returncode == 1
    assert outcome.error == "RuntimeError: at import"
    assert outcome.traceback is not None and "line 2" in outcome.traceback
    assert outcome.trace.tasks == []


def test_a_program_killed_from_outside_is_said_to_be(tmp_path: Path) -> None:
    """As the out-of-memory killer does: SIGKILL, no last word."""
    path = program(
        tmp_path,
        """
        import asyncio, os
        async def main():
            print(os.getpid(), flush=True)
            await asyncio.sleep(60)
        asyncio.run(main())
        """,
    )

    async def go() -> ChildOutcome:
        run = ChildRun(path)
        await run.start()
        while not run.output or run.mirror is None or not run.mirror.store.task_count:
            await asyncio.sleep(0.01)
        os.kill(int(run.output[0].text), signal.SIGKILL)
        return await run.wait()

    outcome = asyncio.run(go())
    assert outcome.returncode == -signal.SIGKILL
    assert outcome.error is not None and "out-of-memory" in outcome.error
    assert names(outcome.trace) == ["Task-1"]
    # the mark at its end says how it ended; it said no last words
    deaths = [m for m in outcome.trace.marks if m.kind == "warning" and m.task is None]
    assert [m.label for m in deaths] == ["killed by SIGKILL"]
    assert "last words" not in deaths[0].detail


def test_a_flood_of_output_is_kept_bounded_and_never_stalls_the_program(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """
        import asyncio
        async def main():
            for i in range(60_000):
                print("line", i)
            await asyncio.sleep(0)
        # (never in debug mode, even under PYTHONASYNCIODEBUG=1: it would add a line of
        # its own to stderr, "Executing <Task ...> took", if the flood was slow)
        asyncio.run(main(), debug=False)
        """,
    )
    outcome, run = run_child(path)
    assert outcome.returncode == 0
    assert len(run.output) + run.output_dropped == 60_000
    assert run.output[-1].text == "line 59999"


def test_a_streamed_run_draws_what_record_records(tmp_path: Path) -> None:
    """The same program, recorded in this process with ``record`` and streamed from its
    own: the same tasks, the same spans in the same states waiting on the same things,
    at the same virtual times (sleeps are exact there; steps take real microseconds)."""
    path = program(tmp_path, TUTORIALS["guarded"])
    recorded = record_script(path, clock="virtual").trace
    outcome, _ = run_child(path, clock="virtual")
    streamed = outcome.trace
    # the same names, asyncio's Task-N too: a run numbers its tasks from 1 whatever ran
    # in its process before (here, the tests before this one)
    assert names(streamed)[0] == "Task-1" and names(streamed) == names(recorded)
    for a, b in ((streamed, recorded),):
        assert [len(a.spans)] == [len(b.spans)]
        assert np.array_equal(a.spans.task, b.spans.task)
        assert np.array_equal(a.spans.state, b.spans.state)
        assert np.array_equal(a.spans.woken_kind, b.spans.woken_kind)
        assert np.array_equal(a.spans.woken_task, b.spans.woken_task)
        labels = [a.suspensions[i].label if i >= 0 else None for i in a.spans.awaiting]
        assert labels == [b.suspensions[i].label if i >= 0 else None for i in b.spans.awaiting]
        assert np.allclose(a.spans.start, b.spans.start, atol=0.02)
        assert np.allclose(a.spans.end, b.spans.end, atol=0.02)


def test_a_scenario_runs_in_its_own_process_with_its_parameters() -> None:
    from visualizer.session.scenarios import find

    scenario = find("semaphore_workers")
    outcome, _ = run_child(
        scenario.path, kind="scenario", params={"workers": 3, "limit": 3}, clock="virtual"
    )
    assert outcome.error is None, outcome.traceback
    assert outcome.trace.meta["params"] == {"workers": 3, "limit": 3}  # (as given)
    assert outcome.trace.duration == pytest.approx(1.0, abs=0.05)
    assert sys.executable
