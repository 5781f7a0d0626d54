"""asyncio's and Python's warnings to a recorded program become marks on its lanes.

Real programs on real traced loops: the warnings are the ones asyncio and CPython
really give (a task freed with its exception unretrieved, a coroutine garbage before
it was awaited, debug mode's slow-step warning), and each must land on the lane of
the task it concerns, at the moment it was made, without being taken from stderr.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

from visualizer.instrument import notices as notices_module
from visualizer.session.runner import Recorder, record_script, run_scenario
from visualizer.session.scenarios import discover
from visualizer.trace.data import Mark, Trace
from visualizer.trace.schema import RUNNING

ROOT = Path(__file__).resolve().parent.parent


def run_program(tmp_path: Path, body: str, **params: object) -> Trace:
    """Run ``body`` (a scenario file's text) as the app runs a scenario."""
    path = tmp_path / "program.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    scenario = next(s for s in discover([str(tmp_path)])[0] if s.id == "program")
    result = run_scenario(scenario, params or None, clock="virtual")
    assert result.error is None, result.error
    return result.trace


def warnings_of(trace: Trace) -> list[Mark]:
    return [m for m in trace.marks if m.kind == "warning"]


def lane(trace: Trace, mark: Mark) -> str | None:
    return None if mark.task is None else trace.tasks[mark.task].name


UNRETRIEVED = """
import asyncio

async def flaky():
    await asyncio.sleep(0.5)
    raise ValueError("boom")

async def main():
    asyncio.create_task(flaky(), name="flaky")
    await asyncio.sleep(1.0)
"""


def test_an_unretrieved_exception_is_marked_on_its_task_when_freed(tmp_path: Path) -> None:
    trace = run_program(tmp_path, UNRETRIEVED)
    [mark] = warnings_of(trace)
    assert mark.label == "Task exception was never retrieved"
    assert lane(trace, mark) == "flaky"
    flaky = trace.task_by_name("flaky")
    assert flaky.outcome == "error" and flaky.ended is not None
    # freed as it ended (nothing referred to it): the warning comes at that moment
    assert mark.t == pytest.approx(flaky.ended, abs=0.05)
    # the full report: the traceback, with the program's frame, and no frame of ours
    assert "ValueError: boom" in mark.detail
    assert 'program.py", line 6, in flaky' in mark.detail
    assert "visualizer" not in mark.detail


def test_a_coroutine_never_awaited_is_marked_on_the_task_that_dropped_it(tmp_path: Path) -> None:
    trace = run_program(
        tmp_path,
        """
        import asyncio

        async def save():
            await asyncio.sleep(0.1)

        async def worker():
            await asyncio.sleep(0.3)
            save()
            await asyncio.sleep(0.3)

        async def main():
            await asyncio.create_task(worker(), name="worker")
        """,
    )
    [mark] = warnings_of(trace)
    assert mark.label == "RuntimeWarning: coroutine 'save' was never awaited"
    assert lane(trace, mark) == "worker"
    assert mark.t == pytest.approx(0.3, abs=0.05)


def test_a_rerun_is_warned_again(tmp_path: Path) -> None:
    """Python shows a warning once per place and remembers it for the process: a second
    recording must still show it.  (The place is in a module a run does not reload.)"""
    (tmp_path / "reports.py").write_text(
        textwrap.dedent(
            """
            import asyncio

            async def save():
                await asyncio.sleep(0.1)

            def forget_to_await():
                save()
            """
        ),
        encoding="utf-8",
    )
    body = """
    import asyncio
    import reports

    async def main():
        reports.forget_to_await()
        await asyncio.sleep(0.1)
    """
    sys.path.insert(0, str(tmp_path))
    try:
        first = run_program(tmp_path, body)
        second = run_program(tmp_path, body)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("reports", None)
    expected = ["RuntimeWarning: coroutine 'save' was never awaited"]
    assert [m.label for m in warnings_of(first)] == expected
    assert [m.label for m in warnings_of(second)] == expected


def test_a_slow_step_in_debug_mode_is_marked_on_its_task(tmp_path: Path) -> None:
    body = """
    import asyncio
    import time

    async def resize():
        await asyncio.sleep(0.2)
        time.sleep(0.15)
        await asyncio.sleep(0.1)

    async def main(debug: bool = True):
        asyncio.get_running_loop().set_debug(debug)
        await asyncio.create_task(resize(), name="resize")
    """
    trace = run_program(tmp_path, body)
    [mark] = warnings_of(trace)
    # How much longer than 0.15 s the step took depends on how busy the machine is;
    # that it took at least that long, and when the warning came, do not.
    took = re.match(r"Executing Task 'resize' took (\d+\.\d+) seconds", mark.label)
    assert took, mark.label
    assert float(took.group(1)) >= 0.15
    assert lane(trace, mark) == "resize"
    [blocked] = trace.blocked
    # asyncio warns once the step has returned, before the task's next step runs
    resize = trace.task_by_name("resize").id
    ran = trace.spans.for_task(resize)
    later_steps = ran.start[(ran.state == RUNNING) & (ran.start > blocked.end)]
    assert blocked.end <= mark.t < later_steps.min()
    assert "name='resize'" in mark.detail  # asyncio's own text, whole
    # without debug mode asyncio does not time its steps: no warning, the band stays
    quiet = run_program(tmp_path, body, debug=False)
    assert warnings_of(quiet) == [] and len(quiet.blocked) == 1


def test_everything_is_put_back_after_a_recording(tmp_path: Path) -> None:
    showwarning = warnings.showwarning
    handlers = list(logging.getLogger("asyncio").handlers)
    loop = asyncio.new_event_loop()
    try:
        recorder = Recorder("virtual")
        recorder.install(loop)
        assert "call_exception_handler" in loop.__dict__
        recorder.finish()
        assert "call_exception_handler" not in loop.__dict__
        assert warnings.showwarning is showwarning
        assert logging.getLogger("asyncio").handlers == handlers
    finally:
        loop.close()


def test_only_the_recording_threads_warnings_are_its_own() -> None:
    """A virtual-clock run records in a worker thread while the GUI goes on: what the
    GUI's thread is warned about is not the program's."""
    recorder = Recorder("virtual")
    loop = asyncio.new_event_loop()
    started, release = threading.Event(), threading.Event()

    def record() -> None:
        recorder.install(loop)
        started.set()
        release.wait(5)

    thread = threading.Thread(target=record)
    thread.start()
    try:
        started.wait(5)
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("the GUI's own", UserWarning, stacklevel=1)
        logging.getLogger("asyncio").warning("the GUI's own log line")
    finally:
        release.set()
        thread.join()
        trace = recorder.finish()
        loop.close()
    assert trace.marks == []


def test_too_many_warnings_are_counted_not_kept(tmp_path: Path) -> None:
    trace = run_program(
        tmp_path,
        f"""
        import asyncio
        import logging

        async def main():
            for i in range({notices_module.MAX_WARNINGS + 25}):
                logging.getLogger("asyncio").warning("warning %d", i)
            await asyncio.sleep(0)
        """,
    )
    assert len(warnings_of(trace)) == notices_module.MAX_WARNINGS
    assert trace.meta["dropped_warnings"] == 25


def test_a_failing_listener_is_switched_off_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: object, task: object) -> int | None:
        raise RuntimeError("listener bug")

    monkeypatch.setattr("visualizer.instrument.tracer.Tracer.task_id", broken)
    trace = run_program(tmp_path, UNRETRIEVED)
    assert warnings_of(trace) == []
    assert trace.task_by_name("flaky").outcome == "error"  # the trace itself is whole
    assert trace.duration == pytest.approx(1.0, abs=0.5)
    assert "noting a warning failed" in caplog.text


def test_the_warning_still_reaches_stderr(tmp_path: Path) -> None:
    """Hearing the asyncio logger must not silence it: with no logging configured
    Python prints the record itself (``logging.lastResort``), and so must a recorded
    run."""
    script = tmp_path / "unretrieved.py"
    script.write_text(UNRETRIEVED + "\nasyncio.run(main())\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "visualizer.cli", "record", "--clock", "virtual", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "Task exception was never retrieved" in out.stderr
    assert "ValueError: boom" in out.stderr


def test_record_script_notes_warnings_too(tmp_path: Path) -> None:
    script = tmp_path / "unretrieved.py"
    script.write_text(UNRETRIEVED + "\nasyncio.run(main())\n", encoding="utf-8")
    result = record_script(script, clock="virtual")
    [mark] = warnings_of(result.trace)
    assert lane(result.trace, mark) == "flaky"


def test_a_task_freed_by_the_final_collection_is_reported_at_the_runs_end(
    tmp_path: Path,
) -> None:
    """A failed task caught in a reference cycle is freed only by a collection; the
    recording collects as it ends, so the report is the run's, stamped at its end.

    The collector stays off until the recording has ended (the test turns it back on):
    turned on at main's end, an automatic collection came before the recording's own
    whenever the objects made while it was off passed its threshold, which depended on
    what earlier tests had left (in debug mode, after the tracing tests: 0.5016 s, not
    the end's 0.5025 s)."""
    try:
        trace = run_program(
            tmp_path,
            """
            import asyncio
            import gc

            async def flaky():
                await asyncio.sleep(0.2)
                raise ValueError("boom")

            async def main():
                gc.disable()  # (on again once the recording has collected: the test)
                box = {}
                box["task"] = asyncio.create_task(flaky(), name="flaky")
                box["self"] = box  # a cycle: only the collector frees the task
                del box
                await asyncio.sleep(0.5)
            """,
        )
    finally:
        gc.enable()
    [mark] = warnings_of(trace)
    assert lane(trace, mark) == "flaky"
    assert mark.t == pytest.approx(trace.duration, abs=1e-9)


def test_overlapping_recordings_put_everything_back_in_any_order() -> None:
    """The doors are process-wide: held while any recording listens, given back by the
    last, whichever finishes first."""
    showwarnmsg = warnings._showwarnmsg  # type: ignore[attr-defined]
    handlers = list(logging.getLogger("asyncio").handlers)
    for first_done in ("a", "b"):
        a, b = Recorder("virtual"), Recorder("virtual")
        loop_a, loop_b = a.new_loop(), b.new_loop()
        try:
            assert warnings._showwarnmsg is not showwarnmsg  # type: ignore[attr-defined]
            (a if first_done == "a" else b).finish()
            assert warnings._showwarnmsg is not showwarnmsg  # (the other still listens)
            (b if first_done == "a" else a).finish()
            assert warnings._showwarnmsg is showwarnmsg  # type: ignore[attr-defined]
            assert logging.getLogger("asyncio").handlers == handlers
        finally:
            loop_a.close()
            loop_b.close()


def test_a_loops_own_exception_handler_attribute_is_kept(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    seen: list[str] = []

    def own(context: dict[str, object]) -> None:
        seen.append(str(context["message"]))

    loop.call_exception_handler = own  # type: ignore[method-assign]
    try:
        recorder = Recorder("virtual")
        recorder.install(loop)
        loop.call_exception_handler({"message": "heard"})
        recorder.finish()
        assert loop.call_exception_handler is own
        assert seen == ["heard"]  # the program's own handler still ran
    finally:
        loop.close()


def test_a_log_line_is_printed_once_however_many_recordings_listen(tmp_path: Path) -> None:
    script = tmp_path / "two.py"
    script.write_text(
        textwrap.dedent(
            """
            import logging
            from visualizer.session.runner import Recorder

            a = Recorder("virtual"); loop_a = a.new_loop()
            logging.getLogger("asyncio").warning("one listening")
            b = Recorder("virtual"); loop_b = b.new_loop()
            logging.getLogger("asyncio").warning("two listening")
            b.finish(); a.finish(); loop_a.close(); loop_b.close()
            logging.getLogger("asyncio").warning("none listening")
            """
        ),
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    lines = out.stderr.splitlines()
    for text in ("one listening", "two listening", "none listening"):
        assert lines.count(text) == 1, out.stderr


def test_a_report_freed_by_another_threads_collection_is_still_the_runs(tmp_path: Path) -> None:
    """A virtual run records in a worker thread; the GUI's thread may be the one whose
    collection frees the run's failed task.  The report is the run's all the same."""
    body = """
    import asyncio
    import threading

    async def flaky():
        await asyncio.sleep(0.1)
        raise ValueError("boom")

    async def main(collected):
        box = {}
        box["task"] = asyncio.create_task(flaky(), name="flaky")
        box["self"] = box  # a cycle: only a collection frees the task
        del box
        await asyncio.sleep(0.3)
        collected.wait(10)  # the other thread collects meanwhile
        await asyncio.sleep(0.1)
    """
    program: dict[str, Any] = {}
    exec(compile(textwrap.dedent(body), str(tmp_path / "program.py"), "exec"), program)
    collected = threading.Event()
    out: dict[str, Trace] = {}

    def record() -> None:
        recorder = Recorder("virtual")
        with asyncio.Runner(loop_factory=recorder.new_loop) as runner:
            runner.run(program["main"](collected), context=recorder.tracer.new_context())
        out["trace"] = recorder.finish()

    gc.disable()
    try:
        thread = threading.Thread(target=record)
        thread.start()
        time.sleep(0.2)
        gc.collect()  # this thread's collection frees the run's task
        collected.set()
        thread.join(30)
    finally:
        gc.enable()
    trace = out["trace"]
    # (in debug mode, PYTHONASYNCIODEBUG=1 or -X dev, asyncio also warns that the step
    # waiting for the collection was slow: a warning of its own, on main's lane)
    slow = [m for m in warnings_of(trace) if m.label.startswith("Executing ")]
    assert all(m.task is not None and trace.tasks[m.task].coro == "main" for m in slow)
    [mark] = [m for m in warnings_of(trace) if m not in slow]
    assert mark.label == "Task exception was never retrieved" and lane(trace, mark) == "flaky"


def test_other_codes_garbage_is_not_the_runs(tmp_path: Path) -> None:
    """The recording ends with a collection of the whole process: what it frees of the
    GUI's own (a coroutine it never awaited) is not the program's warning."""

    async def gui_refresh() -> None:
        pass

    gc.disable()
    try:
        box: dict[str, object] = {"coro": gui_refresh()}
        box["self"] = box  # the GUI's garbage, in a cycle
        del box
        trace = run_program(
            tmp_path,
            """
            import asyncio

            async def main():
                await asyncio.sleep(0.1)
            """,
        )
    finally:
        gc.enable()
    assert warnings_of(trace) == []


def test_a_warning_the_program_catches_itself_is_not_marked(tmp_path: Path) -> None:
    trace = run_program(
        tmp_path,
        """
        import asyncio
        import warnings

        async def main():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                warnings.warn("handled here", UserWarning, stacklevel=1)
            assert len(caught) == 1
            await asyncio.sleep(0)
            warnings.warn("shown", UserWarning, stacklevel=1)
        """,
    )
    assert [m.label for m in warnings_of(trace)] == ["UserWarning: shown"]


def test_a_slow_step_is_marked_on_its_own_task_among_namesakes(tmp_path: Path) -> None:
    trace = run_program(
        tmp_path,
        """
        import asyncio
        import time

        async def work(n):
            await asyncio.sleep(0.1 * n)
            if n == 2:
                time.sleep(0.15)
            await asyncio.sleep(0.5)

        async def main():
            asyncio.get_running_loop().set_debug(True)
            await asyncio.gather(
                *(asyncio.create_task(work(n), name="worker") for n in (1, 2, 3))
            )
        """,
    )
    [band] = trace.blocked
    [mark] = warnings_of(trace)
    assert mark.task == band.task == 2  # the second of three tasks all called "worker"
