"""Headless run drivers: trace a scenario, or any asyncio script, into a ``Trace``.

A ``Recorder`` owns one clock, one store and one tracer, and makes instrumented
loops on demand, so the same recording covers a scenario run through
``asyncio.Runner`` and a script that calls ``asyncio.run`` (or
``new_event_loop().run_until_complete``) itself, possibly more than once.

Whatever the program does (raise, exit, be interrupted) the recorder keeps what
was recorded: ``RunResult.trace`` is always there, and ``RunResult.error`` says
what went wrong.  The driver and the clock are separate objects so the GUI
(issue 3) and a steppable lecture loop (issue 5) can reuse them.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import runpy
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from visualizer.instrument.clock import Clock, IdealClock, LectureClock, RealClock, VirtualClock
from visualizer.instrument.ideal import sleeping_ideally
from visualizer.instrument.loop import TracingEventLoop, TracingPolicy, adopt_clock, set_policy
from visualizer.instrument.notices import Notices
from visualizer.instrument.tracer import RUN, Tracer
from visualizer.model.spans import TraceModel
from visualizer.session.foreign_loops import every_loop_adopted, loop_name
from visualizer.session.interrupts import EXIT_CTRL_C, EXIT_SIGTERM, Interrupts, Terminated
from visualizer.session.scenarios import Scenario, load_main
from visualizer.trace.data import SpanColumns, TaskTable, Trace
from visualizer.trace.store import DEFAULT_CAPACITY, TraceStore

ClockKind = Literal["virtual", "real", "ideal"]

#: the name of a scenario's main task (the one running its ``main()``)
MAIN_TASK = "main"


@dataclass
class RunError:
    """What stopped a run early: a one-line message and the full traceback."""

    kind: Literal["exception", "exit", "interrupted", "load"]
    message: str
    traceback: str = ""


@dataclass
class RunResult:
    trace: Trace
    error: RunError | None
    exit_code: int
    wall_seconds: float
    tracer_failure: str | None = None
    #: how the run was stopped at once, and the tasks it left (``Interrupts.report``)
    stopped: str = ""
    #: loops the program ran that could not be traced, and why (``Recorder.untraced``)
    untraced: list[str] = field(default_factory=list)

    @property
    def nothing_traced(self) -> str:
        """Why the trace is empty, if no loop at all was traced (else "")."""
        if self.trace.meta.get("loop"):
            return ""
        if self.untraced:
            return "; ".join(self.untraced)
        return "the program made no asyncio event loop"


_CLOCKS: dict[str, Callable[[], Clock]] = {
    "real": RealClock,
    "virtual": VirtualClock,
    "ideal": IdealClock,
}


class Recorder:
    """One traced recording: clock + store + tracer, and loops made for it."""

    def __init__(
        self,
        clock: ClockKind | LectureClock = "virtual",
        *,
        source: str = "",
        capacity: int = DEFAULT_CAPACITY,
        slow_callback_duration: float = 0.1,
        make_loop: Callable[[Any], asyncio.AbstractEventLoop] | None = None,
        interrupts: Interrupts | None = None,
    ) -> None:
        #: makes the loops (given the clock): a lecture's turn themselves at its pace
        self._make_loop = make_loop
        #: how the run answers Ctrl-C and SIGTERM (None: as Python would, untraced)
        self.interrupts = interrupts
        self.clock: Clock
        if isinstance(clock, LectureClock):
            # a lecture's times are a virtual clock's (idle waits paced, not real; busy
            # time real): the file says so, and that it was a lecture
            self.clock, kind = clock, "virtual"
        else:
            self.clock, kind = _CLOCKS[clock](), clock
        #: what the recording changes in the process while it goes (``time.sleep`` on the
        #: ideal clock), undone by ``finish``
        self._patches = contextlib.ExitStack()
        if isinstance(self.clock, IdealClock):
            self._patches.enter_context(sleeping_ideally())
        self.store = TraceStore(capacity=capacity, origin=self.clock.time())
        self.store.meta.clock = kind
        if isinstance(clock, LectureClock):
            self.store.meta.extra["lecture"] = True
        self.store.meta.source = source
        self.store.meta.extra["python"] = sys.version.split()[0]
        self.tracer = Tracer(
            self.store, self.clock.time, slow_callback_duration=slow_callback_duration
        )
        self.model = TraceModel(self.store)
        #: asyncio's and Python's warnings to the program, as marks on the chart
        self.notices = Notices(self.store, self.clock.time, self.tracer)
        self.loops: list[asyncio.AbstractEventLoop] = []
        #: loops the program ran that could not be traced, and why
        self.untraced: list[str] = []

    def new_loop(self) -> asyncio.AbstractEventLoop:
        """A loop on our clock with the tracer installed (a ``loop_factory``)."""
        loop = (
            TracingEventLoop(self.clock) if self._make_loop is None else self._make_loop(self.clock)
        )
        self.install(loop)
        return loop

    def adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        """A loop the program made its own way (``foreign_loops``): put on the run's clock
        and recorded, or, if it cannot be, named in ``untraced`` with the reason."""
        if any(loop is mine for mine in self.loops):
            return
        why = adopt_clock(loop, self.clock)
        if why is not None:
            self.untraced.append(why)
            return
        self.install(loop)

    def foreign(self, loop: object) -> None:
        """The program ran a loop that is not an asyncio ``BaseEventLoop``."""
        self.untraced.append(
            f"{loop_name(loop)} is not an asyncio BaseEventLoop (asyncviz traces those:"
            " asyncio's own loops and their subclasses)"
        )

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Record ``loop``'s tasks, and the warnings asyncio and Python give them, from
        this thread."""
        if any(loop is mine for mine in self.loops):
            return
        self.tracer.install(loop)
        self.notices.install(loop)
        if self.interrupts is not None:
            self.interrupts.watch(loop)
        self.loops.append(loop)
        self.store.meta.loop = f"{type(loop).__module__}.{type(loop).__qualname__}"

    def finish(self, *, snapshot: bool = True) -> Trace:
        """The recording ends: the trace.  Garbage is collected first, while the warnings
        are still heard: a task or coroutine caught in a reference cycle is reported when
        it is collected, which a plain run would do later or at exit, and the report
        belongs to this run (at its end: the collection's time is not the program's).
        ``snapshot=False``: the store is all that is wanted (a streamed run's window
        derives the spans itself), and the trace returned holds only the meta: deriving
        2 M spans would hold the program's last word back for most of a second."""
        try:
            self.tracer.finish()
            if self.loops:
                end = self.store.finished_at or self.clock.time()
                self.notices.clock = lambda: end  # (what the collection reports, at the end)
                self.notices.closing = True  # (the run's tasks only: not other garbage)
                gc.collect()
        finally:
            self.notices.close()
            self.tracer.uninstall()
            self._patches.close()
        if not snapshot:
            return Trace(dict(self.model.meta()), TaskTable.empty(), SpanColumns.empty(), [])
        return self.model.snapshot()

    @contextlib.contextmanager
    def as_default_loop(self) -> Iterator[None]:
        """Make ``asyncio.run`` / ``new_event_loop`` build our loops, in this context, and
        trace any other loop the program makes its own way (``foreign_loops``)."""
        old = set_policy(TracingPolicy(self.new_loop))
        token = self.tracer.bind_current_context()
        try:
            with every_loop_adopted(self.adopt, self.foreign):
                yield
        finally:
            RUN.reset(token)
            set_policy(old)


def _describe_exception(exc: BaseException) -> RunError:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    message = f"{type(exc).__qualname__}: {exc}" if str(exc) else type(exc).__qualname__
    return RunError("exception", message, text)


def run_scenario(
    scenario: Scenario,
    params: Mapping[str, object] | None = None,
    *,
    clock: ClockKind | LectureClock = "virtual",
    capacity: int = DEFAULT_CAPACITY,
    slow_callback_duration: float = 0.1,
    started: Callable[[Recorder], None] | None = None,
    snapshot: bool = True,
    make_loop: Callable[[Any], asyncio.AbstractEventLoop] | None = None,
    interrupts: Interrupts | None = None,
) -> RunResult:
    """Run ``scenario.main(**params)`` on a traced loop, as ``asyncio.run`` would
    (Ctrl-C included: the first cancels the main task).

    ``started`` is called with the recorder before the scenario runs (a streamer
    starts sending it to a window: ``visualizer.session.child``); ``interrupts`` (entered
    by the caller, around the save too) answers Ctrl-C and SIGTERM."""
    wall = time.perf_counter()
    recorder = Recorder(
        clock,
        source=scenario.id,
        capacity=capacity,
        slow_callback_duration=slow_callback_duration,
        make_loop=make_loop,
        interrupts=interrupts,
    )
    recorder.store.meta.extra["params"] = dict(params or {})
    if started is not None:
        started(recorder)
    error: RunError | None = None
    try:
        main = load_main(scenario)
    except BaseException as exc:  # a broken scenario file: report it, with what we have
        error = _describe_exception(exc)
        error.kind = "load"
        if interrupts is not None:
            interrupts.program_ended()
        return RunResult(recorder.finish(), error, 1, time.perf_counter() - wall)
    exit_code = 0
    runner = asyncio.Runner(loop_factory=recorder.new_loop)
    try:
        # as Runner.run, with the task named: the lane reads "main", as the explanation does
        loop = runner.get_loop()
        context = recorder.tracer.new_context()
        task = loop.create_task(main(**(params or {})), name=MAIN_TASK, context=context)
        with _ctrl_c_cancels(task) as interrupted:
            try:
                loop.run_until_complete(task)
            except asyncio.CancelledError:
                if interrupted and task.uncancel() == 0:
                    raise KeyboardInterrupt from None  # (as Runner.run: Ctrl-C, not a cancel)
                raise
    except BaseException as exc:
        error, exit_code = how_it_ended(exc)
    finally:
        # (the clean-up runs the program's code: it can be interrupted, or stopped at once)
        try:
            runner.close()
        except BaseException as exc:
            if error is None:
                error, exit_code = how_it_ended(exc)
        if interrupts is not None:
            interrupts.program_ended()
    return _result(recorder, error, exit_code, wall, snapshot)


@contextlib.contextmanager
def _ctrl_c_cancels(task: asyncio.Task[Any]) -> Iterator[list[bool]]:
    """As ``asyncio.Runner.run`` does: while ``task`` runs, the first Ctrl-C cancels it
    (and the list yielded becomes true), a second raises ``KeyboardInterrupt``.  Only in
    the main thread, and only where Ctrl-C has Python's default handler."""
    interrupted: list[bool] = []
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield interrupted
        return
    loop = task.get_loop()

    def on_sigint(_number: int, _frame: Any) -> None:
        if not interrupted and not task.done():
            interrupted.append(True)
            task.cancel()
            loop.call_soon_threadsafe(lambda: None)  # (wake a loop asleep in select)
            return
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield interrupted
    finally:
        if signal.getsignal(signal.SIGINT) is on_sigint:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def record_script(
    path: str | Path,
    args: Sequence[str] = (),
    *,
    clock: ClockKind | LectureClock = "real",
    capacity: int = DEFAULT_CAPACITY,
    slow_callback_duration: float = 0.1,
    on_exception: Callable[[BaseException], None] | None = None,
    started: Callable[[Recorder], None] | None = None,
    make_loop: Callable[[Any], asyncio.AbstractEventLoop] | None = None,
    snapshot: bool = True,
    interrupts: Interrupts | None = None,
) -> RunResult:
    """Run ``python path args...`` in this process, tracing every asyncio loop it makes.

    The script sees its own ``sys.argv`` and ``sys.path[0]``, runs as
    ``__main__``, and its stdout is untouched.  An uncaught exception is passed
    to ``on_exception`` (the CLI prints it as Python would) and gives exit code 1.
    ``started`` is called with the recorder before the script runs; ``make_loop`` makes
    its loops, given the clock (a lecture's: ``lecture_child.PacedLoop``); with
    ``snapshot=False`` the result's trace holds only the meta (``Recorder.finish``);
    ``interrupts`` (entered by the caller, around the save too) answers Ctrl-C and
    SIGTERM.
    """
    wall = time.perf_counter()
    path = Path(path)
    recorder = Recorder(
        clock,
        source=str(path),
        capacity=capacity,
        slow_callback_duration=slow_callback_duration,
        make_loop=make_loop,
        interrupts=interrupts,
    )
    if started is not None:
        started(recorder)
    error: RunError | None = None
    exit_code = 0
    saved_argv, saved_path0 = sys.argv[:], sys.path[0] if sys.path else None
    sys.argv = [str(path), *args]
    script_dir = str(path.resolve().parent)
    if sys.path:
        sys.path[0] = script_dir
    else:  # pragma: no cover
        sys.path.insert(0, script_dir)
    try:
        with recorder.as_default_loop():
            runpy.run_path(str(path), run_name="__main__")
    except BaseException as exc:
        error, exit_code = how_it_ended(exc)
        if error is not None and error.kind in ("exception", "load") and on_exception:
            on_exception(exc)
    finally:
        sys.argv = saved_argv
        if saved_path0 is not None:
            sys.path[0] = saved_path0
        for loop in recorder.loops:
            if not loop.is_closed() and not loop.is_running():
                with contextlib.suppress(Exception):
                    loop.close()
        if interrupts is not None:
            interrupts.program_ended()
    return _result(recorder, error, exit_code, wall, snapshot)


def how_it_ended(exc: BaseException) -> tuple[RunError | None, int]:
    """What a program's escaping exception means: the error to report, the exit code."""
    if isinstance(exc, KeyboardInterrupt):
        return RunError("interrupted", "interrupted (Ctrl-C)"), EXIT_CTRL_C
    if isinstance(exc, Terminated):
        return RunError("interrupted", "terminated (SIGTERM)"), EXIT_SIGTERM
    if isinstance(exc, SystemExit):
        code = _exit_code(exc)
        return (RunError("exit", f"exit code {code}") if code else None), code
    error = _describe_exception(exc)
    if isinstance(exc, SyntaxError | FileNotFoundError | IsADirectoryError):
        error.kind = "load"
    return error, 1


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _result(
    recorder: Recorder,
    error: RunError | None,
    exit_code: int,
    wall: float,
    snapshot: bool = True,
) -> RunResult:
    trace = recorder.finish(snapshot=snapshot)
    failure = recorder.tracer.failure
    return RunResult(
        trace=trace,
        error=error,
        exit_code=exit_code,
        wall_seconds=time.perf_counter() - wall,
        tracer_failure=None if failure is None else f"{type(failure).__name__}: {failure}",
        stopped="" if recorder.interrupts is None else recorder.interrupts.report(),
        untraced=list(recorder.untraced),
    )
