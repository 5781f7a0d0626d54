"""Runs, whatever their kind: one interface for the window and the command line.

A run is a source of trace rows.  Its kinds: a scenario on the window's own loop
(``InLoopRun``), a scenario recorded off the loop on the virtual clock
(``VirtualRun``), a program or scenario in a process of its own, streamed
(``process.ChildRun``), a lecture (``lecture.LectureSession``, turned by the window).
Each has a ``model`` to draw while it is live (None where there is nothing to draw
until it ends), ``stop()``, and ``wait()``, which returns what it left: a
``RunOutcome``.  The window only draws and commands; how a run runs is here.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from visualizer.model.spans import TraceModel
from visualizer.session.interrupts import Interrupts, raise_in_thread
from visualizer.session.runner import MAIN_TASK, Recorder, RunResult, how_it_ended, run_scenario
from visualizer.session.scenarios import Scenario, load_main
from visualizer.session.watchdog import StepInterrupted, StepWatchdog
from visualizer.trace.data import Trace

#: a run's error when the user stopped it
STOPPED: Final = "stopped"
#: seconds the tasks a run left behind get to finish cancelling
LEFTOVER_GRACE: Final = 1.0
#: seconds a virtual-clock run has to end after Stop cancels its tasks, before it is
#: stopped at once (and again, before its thread is interrupted where it is)
STOP_GRACE: Final = 1.0


@dataclass
class RunOutcome:
    """What a run left: its trace, and the error that ended it (one line), if any."""

    trace: Trace
    error: str | None
    traceback: str | None = None


class LiveSource(Protocol):
    """What a live chart reads, a frame at a time."""

    @property
    def model(self) -> TraceModel | None: ...

    @property
    def events(self) -> int:
        """Rows recorded so far (the status line's count)."""
        ...

    def refresh_names(self) -> None:
        """Bring the live tasks' names up to date (a task is named after it is made)."""


def failure(exc: BaseException) -> tuple[str | None, str | None]:
    """One line, and the whole traceback, of what ended a run.  The program's own
    ``sys.exit`` and ``KeyboardInterrupt`` are ends, not failures: said as the command
    line says them ("exit code 3", "interrupted (Ctrl-C)"; nothing for ``sys.exit(0)``),
    with no traceback, whatever the clock."""
    if isinstance(exc, SystemExit | KeyboardInterrupt):
        ended, _code = how_it_ended(exc)
        return (ended.message if ended is not None else None), None
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return f"{type(exc).__name__}: {exc}", text


class RecorderSource:
    """A ``Recorder`` as a live source (in this process: the window's loop, a lecture)."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    @property
    def model(self) -> TraceModel:
        return self.recorder.model

    @property
    def events(self) -> int:
        store = self.recorder.store
        return store.rows + store.task_count

    def refresh_names(self) -> None:
        self.recorder.tracer.record_live_names()


class InLoopRun(RecorderSource):
    """A scenario's ``main`` on the running loop (the window's), traced live."""

    def __init__(self, scenario: Scenario, params: dict[str, Any]) -> None:
        super().__init__(Recorder("real", source=scenario.id))
        # (in the trace, as every runner puts them: a lesson's checks read ``run.params``)
        self.recorder.store.meta.extra["params"] = dict(params)
        self.scenario = scenario
        self.params = params
        self._task: asyncio.Task[Any] | None = None
        self._load_error: BaseException | None = None
        #: interrupts a step that holds the loop (the window's) too long
        self.watchdog = StepWatchdog(self.recorder.tracer)
        #: the run's default executor, as ``asyncio.run`` gives a program one of its own:
        #: the window's loop's is qasync's (QThreads, which ``threading`` names "Dummy-N",
        #: ten of them), so its jobs' rows would be named and pooled unlike on every other
        #: clock ("asyncio_0", "asyncio_1"... a fresh pool numbers from 0 each run)
        self.executor = ThreadPoolExecutor(thread_name_prefix="asyncio")
        self.recorder.tracer.default_executor = self.executor

    def start(self) -> None:
        """Load the scenario and start its main task (a broken file: ``wait`` says so)."""
        try:
            main = load_main(self.scenario)
        except Exception as exc:  # a broken scenario: say so, keep the window
            self._load_error = exc
            return
        loop = asyncio.get_running_loop()
        recorder = self.recorder
        recorder.install(loop)
        context = recorder.tracer.new_context()
        self._task = loop.create_task(main(**self.params), name=MAIN_TASK, context=context)
        self.watchdog.start()

    @property
    def live(self) -> bool:
        return self._task is not None

    def stop(self) -> None:
        """Cancel every task of the run (the trace so far is kept)."""
        if self._task is not None:
            for task in self.recorder.tracer.live_tasks():
                task.cancel()

    async def wait(self) -> RunOutcome:
        recorder = self.recorder
        task = self._task
        if task is None:
            assert self._load_error is not None
            self.executor.shutdown(wait=False)
            return RunOutcome(recorder.finish(), *failure(self._load_error))
        error: str | None = None
        failed: str | None = None
        leaving = False
        try:
            await task
        except asyncio.CancelledError:
            this = asyncio.current_task()
            if not task.cancelled() or (this is not None and this.cancelling()):
                leaving = True
                raise  # the caller itself is being cancelled: not a Stop
            error = STOPPED
        except (Exception, StepInterrupted, SystemExit, KeyboardInterrupt) as exc:
            error, failed = failure(exc)  # (an exit of the program's: not the window's)
        finally:
            try:
                await self._end_leftovers()
            finally:
                self.watchdog.stop()
                # (as asyncio.run, without waiting for jobs still going: the window goes on)
                self.executor.shutdown(wait=False)
                if leaving:  # (no outcome to give, but the loop put back as it was)
                    recorder.finish()
        return RunOutcome(recorder.finish(), error, failed)

    async def _end_leftovers(self) -> None:
        """Tasks the run left behind are cancelled and given a moment to clean up, as
        ``asyncio.run`` does; a task that will not end is left pending in the trace."""
        leftovers = self.recorder.tracer.live_tasks()
        for task in leftovers:
            task.cancel()
        if leftovers:
            await asyncio.wait(leftovers, timeout=LEFTOVER_GRACE)


class VirtualRun:
    """A scenario recorded on the virtual clock (or the ideal one) in a worker thread,
    shown when done.

    Most take milliseconds, but a scenario can run for ever (a server loop: the
    virtual clock skips its idle waits, so it spins at full speed) or spin in a step.
    So it can be stopped, as a run on the window's loop is (``stop``: every task
    cancelled), then at once if it still goes ``STOP_GRACE`` seconds later (its loop
    raises at its next turn), and as a last resort by raising into the thread itself
    (a step that never returns to its loop).  The thread is a daemon: a run blocked
    inside C cannot keep the application from exiting."""

    model = None  #: nothing to draw until it ends
    events = 0

    def __init__(
        self,
        scenario: Scenario,
        params: dict[str, Any],
        clock: Literal["virtual", "ideal"] = "virtual",
    ) -> None:
        self.scenario = scenario
        self.params = params
        self.clock: Literal["virtual", "ideal"] = clock
        #: stops it at once (not entered: a worker thread has no signals of its own)
        self.interrupts = Interrupts()
        self._recorder: Recorder | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    def refresh_names(self) -> None:
        pass

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, *, at_once: bool = False) -> None:
        """Stop the run: its tasks are cancelled (their clean-up runs), and after
        ``STOP_GRACE`` seconds, or ``at_once`` (the window is closing), it is stopped at
        once.  The trace so far is kept."""
        self._stopped = True
        recorder = self._recorder
        if at_once or recorder is None:
            self._stop_now()
            return
        for loop in recorder.loops:
            with contextlib.suppress(RuntimeError):  # (closed meanwhile: it is ending)
                loop.call_soon_threadsafe(self._cancel_all, recorder)
        _later(STOP_GRACE, self._stop_now)

    @staticmethod
    def _cancel_all(recorder: Recorder) -> None:
        for task in recorder.tracer.live_tasks():
            task.cancel()

    def _stop_now(self) -> None:
        if self._thread is not None and not self.running:
            return
        self.interrupts.abandon("Stop")
        _later(STOP_GRACE, self._force)

    def _force(self) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive() and thread.ident is not None:
            raise_in_thread(thread.ident)

    def _started(self, recorder: Recorder) -> None:
        self._recorder = recorder

    async def wait(self) -> RunOutcome:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[RunResult] = loop.create_future()

        def give(result: RunResult) -> None:
            if not done.done():
                done.set_result(result)

        def work() -> None:
            result = run_scenario(
                self.scenario,
                self.params,
                clock=self.clock,
                started=self._started,
                interrupts=self.interrupts,
            )
            with contextlib.suppress(RuntimeError):  # (the window's loop closed: it left)
                loop.call_soon_threadsafe(give, result)

        self._thread = threading.Thread(target=work, name="asyncviz-virtual-run", daemon=True)
        if self._stopped:
            self.interrupts.abandon("Stop")
        self._thread.start()
        result = await done
        error = result.error
        if self._stopped:  # (cancelled, or stopped at once: either way, by Stop)
            return RunOutcome(result.trace, STOPPED)
        return RunOutcome(
            result.trace,
            error.message if error else None,
            (error.traceback or None) if error else None,
        )


def _later(seconds: float, then: Callable[[], None]) -> None:
    """``then()`` on a timer thread: a Stop's next steps must come even when the
    window's loop is closing (the window is being closed)."""
    timer = threading.Timer(seconds, then)
    timer.daemon = True
    timer.start()
