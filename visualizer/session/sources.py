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
import traceback
from dataclasses import dataclass
from typing import Any, Final, Protocol

from visualizer.model.spans import TraceModel
from visualizer.session.runner import MAIN_TASK, Recorder, RunResult, run_scenario
from visualizer.session.scenarios import Scenario, load_main
from visualizer.session.watchdog import StepInterrupted, StepWatchdog
from visualizer.trace.data import Trace

#: a run's error when the user stopped it
STOPPED: Final = "stopped"
#: seconds the tasks a run left behind get to finish cancelling
LEFTOVER_GRACE: Final = 1.0


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


def failure(exc: BaseException) -> tuple[str, str]:
    """One line, and the whole traceback, of what ended a run."""
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
        self.scenario = scenario
        self.params = params
        self._task: asyncio.Task[Any] | None = None
        self._load_error: BaseException | None = None
        #: interrupts a step that holds the loop (the window's) too long
        self.watchdog = StepWatchdog(self.recorder.tracer)

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
        except (Exception, StepInterrupted) as exc:
            error, failed = failure(exc)
        finally:
            try:
                await self._end_leftovers()
            finally:
                self.watchdog.stop()
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
    """A scenario recorded on the virtual clock in a worker thread, shown when done."""

    model = None  #: nothing to draw until it ends (it takes milliseconds)
    events = 0

    def __init__(self, scenario: Scenario, params: dict[str, Any]) -> None:
        self.scenario = scenario
        self.params = params

    def refresh_names(self) -> None:
        pass

    def stop(self) -> None:
        pass  # (a thread cannot be interrupted; a virtual run takes milliseconds)

    async def wait(self) -> RunOutcome:
        result: RunResult = await asyncio.to_thread(
            run_scenario, self.scenario, self.params, clock="virtual"
        )
        error = result.error
        return RunOutcome(
            result.trace,
            error.message if error else None,
            (error.traceback or None) if error else None,
        )
