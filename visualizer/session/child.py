"""The traced program's process: run one program (or scenario) and stream it to a window.

``python -m visualizer.session.child --connect fd:N program PATH [ARGS...]`` (``ChildRun``
starts the same with ``python -c``, which puts this package on ``sys.path`` without
changing the program's environment) runs
``PATH`` exactly as ``python PATH ARGS...`` would (as ``__main__``, with its own
``sys.argv``), with the tracer installed on every loop it makes, and streams the
recording over the connection as it grows (``streaming.Streamer``).  Its stdout and
stderr are the program's, untouched: the window reads them from the process's pipes.

Why a process of its own: a program may spin, block in C, call ``os._exit``, crash
the interpreter or be killed; none of it can reach the window, which keeps every
row it was sent.  And ``asyncio.run`` cannot run inside the window's own loop.

The exit code is the program's (1 for an uncaught exception, 130 for Ctrl-C, its
``sys.exit`` code); 3 means this launcher was called wrongly.

A program started elsewhere is traced by the same code: ``run_program`` (which
``python -m visualizer.attach`` calls, with a reconnecting connection to a window that
may or may not listen), or ``stream()``, one line at the top of the program itself.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import logging
import signal
import socket
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from visualizer.instrument.clock import LectureClock
from visualizer.instrument.loop import TracingPolicy
from visualizer.session.interrupts import Interrupts
from visualizer.session.lecture_child import LectureControls, PacedLoop
from visualizer.session.runner import (
    ClockKind,
    Recorder,
    RunError,
    RunResult,
    how_it_ended,
    record_script,
    run_scenario,
)
from visualizer.session.scenarios import ScenarioError, find
from visualizer.session.streaming import (
    DEFAULT_ADDRESS,
    PERIOD,
    TOKEN_ENV,
    Connection,
    FixedConnection,
    ReconnectingConnection,
    Streamer,
    interrupt_program,
    parse_address,
    take_token,
)
from visualizer.trace.batches import end_message
from visualizer.trace.store import TraceStore
from visualizer.trace.wire import End

__all__ = ["TOKEN_ENV", "USAGE_EXIT", "connect", "main", "run_program", "stream", "traced"]

log = logging.getLogger(__name__)

#: seconds between batches in a lecture (else ``streaming.PERIOD``)
LECTURE_PERIOD: Final = 0.01
#: this launcher was called wrongly (the program never ran)
USAGE_EXIT: Final = 3
#: set while this process streams a recording (a launcher's, or ``stream()``'s): a
#: ``visualizer.stream()`` in a program already traced does nothing
_STREAMING: Final = threading.Event()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m visualizer.session.child")
    p.add_argument("--connect", required=True, help="fd:N (an inherited socket) or HOST:PORT")
    p.add_argument("--clock", choices=("real", "virtual", "ideal"), default="real")
    p.add_argument("--slow", type=float, default=0.1)
    p.add_argument(
        "--lecture",
        type=float,
        metavar="SPEED",
        help="a lecture at this speed (the window slows, pauses and steps it over the connection)",
    )
    p.add_argument("--pause-at", type=float, metavar="SECONDS", help="(a lecture) pause there")
    p.add_argument("kind", choices=("program", "scenario"))
    p.add_argument("path", type=Path)
    p.add_argument("args", nargs=argparse.REMAINDER)
    return p


def connect(where: str) -> socket.socket:
    """The connection to the window: an inherited socket (``fd:N``) or ``HOST:PORT``."""
    if where.startswith("fd:"):
        return socket.socket(fileno=int(where[3:]))
    sock = socket.create_connection(parse_address(where), timeout=10)
    sock.sendall(take_token().encode() + b"\n")
    return sock


def _steps(store: TraceStore) -> int:
    """Task steps recorded so far (a lecture's Step waits for one more)."""
    store.sync()
    return store.steps_recorded


def _end(
    store: TraceStore, error: RunError | None, exit_code: int, tracer_failure: str | None
) -> End:
    """The stream's last word: how the run ended."""
    return end_message(
        store,
        exit_code=exit_code,
        error_kind=error.kind if error else None,
        message=error.message if error else None,
        traceback=error.traceback if error else "",
        tracer_failure=tracer_failure,
    )


@dataclass(frozen=True)
class Lecture:
    """A lecture's start: its speed, and where it pauses by itself."""

    speed: float = 1.0
    pause_at: float | None = None


def traced(
    run: Callable[[Callable[[Recorder], None], Callable[[Any], PacedLoop] | None], RunResult],
    connection: Connection,
    argv: Sequence[str],
    lecture: Lecture | None = None,
) -> RunResult:
    """``run(started, make_loop)`` (``record_script`` or ``run_scenario`` with
    ``started=`` and ``make_loop=``) with a streamer beside it sending to ``connection``;
    the stream ends with how it ended.  In a ``lecture`` the program's loops are
    ``PacedLoop``s, turned at the pace the window's commands set."""
    streamers: list[Streamer] = []
    controls: list[LectureControls] = []

    def make_loop(clock: Any) -> PacedLoop:
        return PacedLoop(clock, controls[0])

    def started(recorder: Recorder) -> None:
        state = None
        if lecture is not None:
            store = recorder.store
            assert isinstance(recorder.clock, LectureClock)
            controls.append(
                LectureControls(
                    recorder.clock,
                    store.origin,
                    steps=lambda: _steps(store),
                    speed=lecture.speed,
                    pause_at=lecture.pause_at,
                )
            )
            state = controls[0].state
        streamer = Streamer(
            recorder.store,
            recorder.tracer,
            connection,
            clock=recorder.clock.time,
            argv=list(argv),
            other_commands=controls[0].command if controls else None,
            lecture=state,
            # (a lecture's clock jumps: its output is timed by the batch after each line,
            # so batches come often; a lecture is slow by nature, and they cost little)
            period=LECTURE_PERIOD if lecture is not None else PERIOD,
            let_go=True,  # (the window is the run's one reader: the program stays small)
            # (the window is gone, a crash or a kill: its program goes with it, as it
            # does when the window is closed; the trace has no reader left)
            on_lost=lambda _exc: interrupt_program(signal.SIGTERM),
        )
        streamer.start()
        streamers.append(streamer)

    _STREAMING.set()
    result = run(started, make_loop if lecture is not None else None)
    for streamer in streamers:
        streamer.close(_end(streamer.store, result.error, result.exit_code, result.tracer_failure))
    return result


def run_program(
    path: Path,
    args: Sequence[str],
    connection: Connection,
    *,
    clock: ClockKind = "real",
    slow: float = 0.1,
    lecture: Lecture | None = None,
    interrupts: Interrupts | None = None,
) -> int:
    """Run ``python PATH ARGS...`` in this process (once, as ``__main__``), traced and
    streamed to ``connection`` (as a ``lecture``, if given): the program's exit code.
    ``interrupts``, if given, answers Ctrl-C and SIGTERM (``session.interrupts``)."""
    result = traced(
        lambda started, make_loop: record_script(
            path,
            args,
            clock=LectureClock() if lecture is not None else clock,
            slow_callback_duration=slow,
            on_exception=traceback.print_exception,
            started=started,
            make_loop=make_loop,
            snapshot=False,  # (the window derives the spans: the End goes out at once)
            interrupts=interrupts,
        ),
        connection,
        [str(path), *args],
        lecture,
    )
    if result.stopped:
        print(f"asyncviz: {result.stopped}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    return result.exit_code


def ctrl_c_works() -> None:
    """Ctrl-C (SIGINT) stops the program, as in a terminal, even when the process was
    started with it ignored: a window (or a launcher) started in the background of a
    script ignores SIGINT, and its children inherit that, so ``asyncio.run`` would not
    take it, and Stop could not ask the program to stop, only kill it."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    ctrl_c_works()
    try:
        sock = connect(args.connect)
    except (OSError, ValueError) as exc:
        print(f"asyncviz: cannot reach the window ({args.connect}): {exc}", file=sys.stderr)
        return USAGE_EXIT
    connection = FixedConnection.of_socket(sock)
    lecture = None if args.lecture is None else Lecture(args.lecture, args.pause_at)
    # Ctrl-C and SIGTERM (a window's Stop sends both) end the run with its End sent
    with Interrupts() as interrupts:
        try:
            code = _run_here(args, connection, lecture, interrupts)
        finally:
            sock.close()
        return interrupts.leave(code)  # (stopped at once: its threads may never end)


def _run_here(
    args: argparse.Namespace,
    connection: Connection,
    lecture: Lecture | None,
    interrupts: Interrupts,
) -> int:
    """The program or scenario ``args`` name, traced and streamed: its exit code."""
    if args.kind == "program":
        return run_program(
            args.path,
            args.args,
            connection,
            clock=args.clock,
            slow=args.slow,
            lecture=lecture,
            interrupts=interrupts,
        )
    try:
        scenario = find(args.path)
        params = json.loads(args.args[0]) if args.args else {}
    except (ScenarioError, ValueError) as exc:
        print(f"asyncviz: {exc}", file=sys.stderr)
        return USAGE_EXIT
    result = traced(
        lambda started, make_loop: run_scenario(
            scenario,
            params,
            clock=LectureClock() if lecture is not None else args.clock,
            slow_callback_duration=args.slow,
            started=started,
            snapshot=False,
            make_loop=make_loop,
            interrupts=interrupts,
        ),
        connection,
        [str(args.path), *args.args],
        lecture,
    )
    if result.error is not None and result.error.traceback:
        sys.stderr.write(result.error.traceback)
    if result.stopped:
        print(f"asyncviz: {result.stopped}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    return result.exit_code


# --- one line in the program ------------------------------------------------------------
def stream(address: str = DEFAULT_ADDRESS, *, clock: ClockKind = "real", slow: float = 0.1) -> None:
    """Trace this program from now on and send it to a window listening at ``address``
    (``asyncviz gui --listen``), whether or not one is there yet: one line at the top,
    before ``asyncio.run(...)``.  The token, if the window asks for one, comes from the
    environment (``ASYNCVIZ_TOKEN``).  A second call, or a call in a program already
    traced (``python -m visualizer.attach``, a window's own process, ``asyncviz
    record``), does nothing.

    Every asyncio loop the program makes from now on is traced (a loop policy); at
    exit, the recording ends and the window is told how: an uncaught exception, Ctrl-C
    or a window's Stop (``KeyboardInterrupt``), or a normal end.  (``sys.exit(n)``
    does not reach the program's exception hook: it ends as a normal end.)"""
    if _STREAMING.is_set() or _traced_already():
        return
    host, port = parse_address(address)
    _STREAMING.set()
    source = sys.argv[0] if sys.argv and sys.argv[0] else "<program>"
    recorder = Recorder(clock, source=source, slow_callback_duration=slow)
    policy = contextlib.ExitStack()
    policy.enter_context(recorder.as_default_loop())
    streamer = Streamer(
        recorder.store,
        recorder.tracer,
        ReconnectingConnection(host, port, take_token()),
        clock=recorder.clock.time,
    )
    streamer.start()
    seen: list[BaseException] = []
    previous = sys.excepthook

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        seen.append(value)  # (how the program ended, for the window: read at exit)
        previous(kind, value, tb)

    sys.excepthook = excepthook
    atexit.register(_at_exit, recorder, policy, streamer, seen)


def _traced_already() -> bool:
    """Loops are made traced already (``asyncviz record PROGRAM``, in this process)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # (3.14 deprecates policies)
        return isinstance(asyncio.get_event_loop_policy(), TracingPolicy)


def _at_exit(
    recorder: Recorder,
    policy: contextlib.ExitStack,
    streamer: Streamer,
    seen: list[BaseException],
) -> None:
    """The program is exiting: the recording ends, and the window gets its ``End``."""
    try:
        with contextlib.suppress(Exception):
            policy.close()
        error, exit_code = how_it_ended(seen[-1]) if seen else (None, 0)
        recorder.finish()
        failure = recorder.tracer.failure
        tracer_failure = None if failure is None else f"{type(failure).__name__}: {failure}"
        streamer.close(_end(recorder.store, error, exit_code, tracer_failure))
    except Exception:  # (never a traceback of ours at the program's exit)
        log.exception("asyncviz: the recording could not be ended")


if __name__ == "__main__":
    sys.exit(main())
