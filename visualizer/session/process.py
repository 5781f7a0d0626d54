"""A program in a process of its own, traced and streamed: the window's side.

``ChildRun`` starts ``visualizer.session.child`` in a process of its own (``python -c
BOOTSTRAP``, which finds this package without touching the environment the program and
whatever it starts inherit), reads the stream it sends into a ``StreamMirror`` (whose
``TraceModel`` the window draws live, as it draws an in-process run), reads the
program's stdout and stderr line by line with the time of each line
(``output_pipes.PipeReader``: one thread for both pipes, so that their lines keep their
order; a program that floods them costs bounded memory, the oldest lines dropped and
counted), and stops the program and
whatever it started (its process group) when asked: politely first (SIGINT, which is
what Ctrl-C sends: ``asyncio.run`` cancels the main task and the program's ``finally``
blocks run), then SIGTERM, then SIGKILL, a grace period apart.  Whatever the program
does, the rows it sent are kept, and ``ChildOutcome`` says how it ended: its exit
code or the signal that killed it, and its last words on stderr.  A program that died
with no last word (killed, crashed, ``os._exit``) has a warning at its run's end, on
the loop's row: how it ended, and that what it did after its last batch is not known.

Runs on any asyncio loop (the window's, or ``asyncio.run`` in a test); no Qt here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from visualizer.model.spans import TraceModel
from visualizer.session.lecture_child import RemoteLecture
from visualizer.session.output_pipes import Backlog, Chunk, PipeReader, Stream
from visualizer.session.receiver import StreamedSource, StreamReceiver
from visualizer.session.sources import STOPPED, RunOutcome
from visualizer.trace.data import Trace
from visualizer.trace.store import TraceStore
from visualizer.trace.wire import End, LectureState

#: seconds between the signals of a stop: SIGINT (Ctrl-C: ``asyncio.run`` cancels the
#: main task), SIGINT again (Ctrl-C twice: ``KeyboardInterrupt`` wherever the program
#: is, a spinning step included), SIGTERM, SIGKILL
STOP_GRACE: Final = 1.0
#: lines of output kept (a program that floods its stdout must not flood memory); also
#: the most lines waiting for the loop, and the most waiting to be timed
OUTPUT_LINES: Final = 20_000
#: stderr lines kept as "last words" when a program dies: enough for faulthandler's report
#: of a crash, whose top line says what happened, above a stack of every thread (the
#: program's, and ours: the streamer's, the stack sampler's: 6 lines each)
LAST_WORDS: Final = 100
#: seconds the pipes and the stream are still read after the process exited (a
#: grandchild may hold them open for ever)
DRAIN: Final = 1.0


@dataclass(frozen=True)
class OutputLine:
    """A line the program wrote, and when (seconds on the trace's clock)."""

    t: float
    stream: Stream
    text: str


@dataclass
class ChildOutcome(RunOutcome):
    """How a program in its own process ended, with everything it sent (``error``: one
    line, what went wrong, or None; ``traceback``: its traceback or last words)."""

    returncode: int | None = None  #: the exit code, or -N for signal N (None: never started)
    last_words: list[str] = field(default_factory=list)
    stream_error: str | None = None  #: the stream was malformed (the rows before are kept)
    stopped: bool = False  #: the user stopped it

    @property
    def how(self) -> str:
        """How the process ended, in words: "exit code 0", "killed by SIGKILL", ..."""
        return describe_exit(self.returncode)


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "did not start"
    if returncode >= 0:
        return f"exit code {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"signal {-returncode}"
    words = {
        "SIGKILL": "killed by SIGKILL (stopped, or the out-of-memory killer)",
        "SIGSEGV": "crashed: segmentation fault (SIGSEGV)",
        "SIGABRT": "crashed: aborted (SIGABRT)",
        "SIGBUS": "crashed: bus error (SIGBUS)",
        "SIGFPE": "crashed: arithmetic error (SIGFPE)",
        "SIGTERM": "terminated (SIGTERM)",
        "SIGINT": "interrupted (SIGINT)",
    }
    return words.get(name, f"killed by {name}")


def death_label(returncode: int, *, stopped: bool = False) -> str:
    """How a program that sent no last word (no ``End``) ended, in a few words: the
    label of the warning at its run's end.  ``stopped``: the window stopped it."""
    if returncode >= 0:  # (it exited, yet its recording never said goodbye)
        return f"exit code {returncode} (no last word: os._exit?)"
    how = describe_exit(returncode)
    if returncode == -signal.SIGKILL:
        how = "killed by SIGKILL"
    return f"stopped: {how}" if stopped else how


def end_error(
    end: End, *, stopped: bool, exit_code: int, last_words: str | None = None
) -> tuple[str | None, str | None]:
    """What a stream's ``End`` says went wrong: (one line or None, the traceback or
    None).  ``stopped``: the window asked the program to stop (an interrupt is then a
    Stop, not a Ctrl-C); ``exit_code``: the program's, as the window knows it;
    ``last_words``: the traceback when the ``End`` has none (its stderr's last lines)."""
    if end.message and end.error_kind != "interrupted":
        return end.message, end.traceback or last_words or None
    if end.error_kind == "interrupted":
        return (STOPPED if stopped else "interrupted (Ctrl-C)"), None
    if exit_code != 0:
        return describe_exit(exit_code), None
    return None, None


def package_root() -> str:
    """The folder the ``visualizer`` package is in (the child must import it too)."""
    return str(Path(__file__).resolve().parents[2])


def bootstrap(root: str, module: str = "visualizer.session.child") -> str:
    """The child's ``python -c`` code: ``module``'s ``main`` with the arguments after
    it, the package found in ``root``.  Its folder goes on the child's ``sys.path`` (if
    it is not there: an installed package's is site-packages), after ``sys.path[0]``
    (the program's folder once it runs), where ``PYTHONPATH`` would put it, but not in
    ``PYTHONPATH``: the program and the processes it starts inherit the window's
    environment as it is.  (A program's run, and a lesson's checks: ``check_runner``.)"""
    return (
        f"import sys; root = {root!r}; root in sys.path or sys.path.insert(1, root); "
        f"from {module} import main; sys.exit(main(sys.argv[1:]))"
    )


class ChildRun(StreamedSource):
    """One program (``kind="program"``) or scenario run in a child process."""

    def __init__(
        self,
        path: str | Path,
        args: Sequence[str] = (),
        *,
        kind: Literal["program", "scenario"] = "program",
        params: Mapping[str, object] | None = None,
        clock: Literal["real", "virtual", "ideal"] = "real",
        slow: float = 0.1,
        cwd: str | Path | None = None,
        grace: float = STOP_GRACE,
        keep_stream: Path | None = None,
        python: str = sys.executable,
        lecture: float | None = None,
        pause_at: float | None = None,
    ) -> None:
        self.path = Path(path)
        self.args = list(args)
        self.kind = kind
        self.params = dict(params or {})
        self.clock = clock
        self.slow = slow
        self.cwd = cwd
        self.grace = grace
        self.keep_stream = keep_stream
        self.python = python
        #: run as a lecture at this speed (the window paces, pauses and steps it)
        self.lecture = lecture
        self.pause_at = pause_at  #: (a lecture) where it pauses by itself
        self._writer: asyncio.StreamWriter | None = None  #: commands to the program
        self.process: asyncio.subprocess.Process | None = None
        #: the stream's reader: its mirror store and model (the live chart's)
        self.receiver = StreamReceiver()
        self.receiver.on_batch = self._lines_early
        self.output: deque[OutputLine] = deque(maxlen=OUTPUT_LINES)
        self.output_dropped = 0  #: lines no longer kept (the oldest go first)
        #: called with each line as it comes (the window's output pane)
        self.on_output: Callable[[OutputLine], None] | None = None
        self.stopping = False  #: stop() was called
        self._last_words: deque[str] = deque(maxlen=LAST_WORDS)
        self._readers: list[asyncio.Future[None]] = []
        self._pumping: asyncio.Future[None] | None = None  #: done when the pipes are read
        #: the pipes' reader: a thread of its own, so each line is timed when it comes,
        #: not when this loop (busy painting) gets to it
        self._pipes = PipeReader(OUTPUT_LINES, self._take_output)
        #: lines whose time is not known yet (the stream has not said when the run began,
        #: or on a virtual clock no batch came since): timed once it is
        self._early = Backlog(OUTPUT_LINES)
        self._escalation: asyncio.Task[None] | None = None
        #: the program's process group (its pid: ``start_new_session``), signalled
        #: whether or not the program itself is still there (None: not ours to signal)
        self._group: int | None = None

    # --- starting ----------------------------------------------------------------------
    def command_line(self, connect: str) -> list[str]:
        """The child's command line (``python -c BOOTSTRAP ARGS``: ``bootstrap``; the same
        ``ARGS`` as ``python -m visualizer.session.child ARGS``)."""
        cmd = [self.python, "-c", bootstrap(package_root()), "--connect", connect]
        cmd += ["--clock", self.clock, "--slow", repr(self.slow)]
        if self.lecture is not None:
            cmd += ["--lecture", repr(self.lecture)]
            if self.pause_at is not None:
                cmd += ["--pause-at", repr(self.pause_at)]
        cmd += [self.kind, str(self.path)]
        if self.kind == "scenario":
            return [*cmd, json.dumps(self.params)]
        return [*cmd, *self.args]

    async def start(self) -> None:
        """Start the process and the readers (returns at once)."""
        ours, theirs = socket.socketpair()
        # the window's environment as it is (the package is found by the command line's
        # bootstrap, not by a PYTHONPATH every process the program starts would inherit),
        # but: the program's output as it is written (a pipe is block-buffered otherwise,
        # and a line would show up seconds late); a crash's Python stack on stderr
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        env.setdefault("PYTHONFAULTHANDLER", "1")
        if self.keep_stream is not None:
            history = self.receiver.history  # (as the window set it)
            self.receiver = StreamReceiver(open(self.keep_stream, "wb"))  # noqa: SIM115
            self.receiver.on_batch = self._lines_early
            self.receiver.history = history
        # the output's pipes are read by a thread of their own, not by this loop: each line
        # is timed when it comes, not when the loop (busy painting) gets to it
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.command_line(f"fd:{theirs.fileno()}"),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out_w,
                stderr=err_w,
                pass_fds=(theirs.fileno(),),
                cwd=self.cwd,
                env=env,
                # its own process group: Stop signals the program and whatever it started,
                # as Ctrl-C in a terminal does; the window's own group is left alone
                start_new_session=True,
            )
        except BaseException:
            ours.close()
            os.close(out_r)
            os.close(err_r)
            self.receiver.close()
            raise
        finally:
            theirs.close()
            os.close(out_w)
            os.close(err_w)
        self._group = self.process.pid
        loop = asyncio.get_running_loop()
        self._pumping = self._pipes.start(loop, {"stdout": out_r, "stderr": err_r})
        self._readers = [asyncio.ensure_future(self._read_stream(ours)), self._pumping]
        self._readers.append(asyncio.ensure_future(self._after_hello()))

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    # --- the stream --------------------------------------------------------------------
    async def _read_stream(self, sock: socket.socket) -> None:
        try:
            reader, writer = await asyncio.open_unix_connection(sock=sock)
        except OSError:
            sock.close()
            self.receiver.close()
            return
        self._writer = writer
        try:
            await self.receiver.read(reader)
        finally:
            self._writer = None
            writer.close()

    def command(self, line: str) -> bool:
        """Send the program a command (a lecture's ``pause``, ``step``, ...); False if
        the connection is gone."""
        writer = self._writer
        if writer is None or writer.is_closing():
            return False
        writer.write(line.encode("ascii", "replace") + b"\n")
        return True

    def remote_lecture(self, speed: float) -> RemoteLecture:
        """The lecture bar's handle on this program's lecture (``lecture=`` given)."""

        def state() -> tuple[LectureState | None, int, float]:
            mirror = self.receiver.mirror
            if mirror is None:
                return None, 0, 0.0
            return mirror.lecture, mirror.batches, mirror.store.origin

        return RemoteLecture(self.command, state, speed=speed)

    # --- output ------------------------------------------------------------------------
    async def _after_hello(self) -> None:
        await self.receiver.hello.wait()
        self._lines_early()

    def _take_output(self, chunks: deque[Chunk], dropped: int) -> None:
        """The lines the reader read, in their order, each chunk with the time it was
        read (our clock): timed once the program's time then is known (at once on the
        real clock; else at the next batch)."""
        self.output_dropped += dropped + self._early.add(chunks)
        self._lines_early()

    def _lines_early(self, *, all_of_them: bool = False) -> None:
        """The lines waiting whose time is known now (``all_of_them``: the run is over)."""
        receiver = self.receiver
        early = self._early
        while early.chunks:
            came = early.chunks[0].came
            if not all_of_them and not receiver.can_time(came):
                return
            chunk = early.popleft()
            t = receiver.time_of(came)
            for text in chunk.texts:
                self._line(chunk.stream, text, t)

    def _line(self, stream: Stream, text: str, t: float) -> None:
        """One line (a piece of ``output_pipes.LINE_CHARS`` at most)."""
        line = OutputLine(t, stream, text)
        if len(self.output) == self.output.maxlen:
            self.output_dropped += 1
        self.output.append(line)
        if stream == "stderr":
            self._last_words.append(text)
        if self.on_output is not None:
            self.on_output(line)

    # --- stopping ----------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the program to stop as Ctrl-C does; end it if it will not."""
        if not self.running or self.stopping:
            return
        self.stopping = True
        if self.lecture is not None:  # (a paused lecture must run on for the cancel)
            self.command("finish")
        self._signal(signal.SIGINT)
        self._escalation = asyncio.ensure_future(self._escalate())

    async def _escalate(self) -> None:
        process = self.process
        assert process is not None
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(process.wait()), self.grace)
                return
            self._signal(sig)

    def kill(self) -> None:
        """End the program and everything it started, now (the window is closing): its
        process group, even if the program itself has ended."""
        self._signal(signal.SIGKILL)

    def _signal(self, sig: signal.Signals) -> None:
        """Signal the program's process group (start_new_session made it its own): the
        program and whatever it started, whether or not the program is still there."""
        if self._group is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._group, sig)  # (ESRCH: nobody is left in it)

    # --- the end -----------------------------------------------------------------------
    async def wait(self) -> ChildOutcome:
        """Until the process has ended and what it sent is read: what it left."""
        process = self.process
        if process is None:
            return ChildOutcome(_empty_trace(str(self.path)), "the program did not start")
        returncode = await process.wait()
        self.receiver.ended_at = time.monotonic()
        if self.stopping:  # whatever it started goes with it (and lets go of the pipes)
            self._signal(signal.SIGKILL)
        # what is still in the pipes and the socket; a grandchild may hold them open
        _done, pending = await asyncio.wait(self._readers, timeout=DRAIN)
        self._pipes.stop()
        if self._pumping in pending:  # (it stops at once: let it hand in its last lines)
            await asyncio.wait({self._pumping}, timeout=DRAIN)
        for task in pending:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        self._pipes.take()  # (what the reader read last)
        self._lines_early(all_of_them=True)
        if self._escalation is not None:
            self._escalation.cancel()
        # the run is over: its group is no longer ours to signal (its id, once nobody is
        # left in it, may be another group's)
        self._group = None
        return self._outcome(returncode)

    def _outcome(self, returncode: int) -> ChildOutcome:
        mirror, model = self.mirror, self.model
        last_words = list(self._last_words)
        if mirror is None or model is None:
            return ChildOutcome(
                _empty_trace(str(self.path)),
                f"{self.path.name}: {describe_exit(returncode)} before it could be traced",
                "\n".join(last_words) or None,
                returncode,
                last_words,
                self.stream_error,
                self.stopping,
            )
        if mirror.end is None:  # (no last word: the mark at its end says what is not known)
            label = death_label(returncode, stopped=self.stopping)
            if self.stream_error is not None:
                label = f"its stream was malformed; {describe_exit(returncode)}"
            self.receiver.close_running(self.receiver.program_end(), label, last_words)
        end = mirror.end
        error: str | None = None
        traceback: str | None = None
        if self.stream_error is not None:
            error = f"the stream was malformed: {self.stream_error}"
        elif end is not None:
            error, traceback = end_error(
                end,
                stopped=self.stopping,
                exit_code=returncode,
                last_words="\n".join(last_words) or None,
            )
        else:
            error = describe_exit(returncode)
            if self.stopping and returncode in (-signal.SIGTERM, -signal.SIGKILL):
                error = f"stopped: {error}"
            traceback = "\n".join(last_words) or None
        how = {"returncode": returncode, "how": describe_exit(returncode)}
        trace = model.snapshot({"exit": how})
        return ChildOutcome(
            trace, error, traceback, returncode, last_words, self.stream_error, self.stopping
        )


def _empty_trace(source: str) -> Trace:
    store = TraceStore()
    store.meta.source = source
    store.finished_at = store.origin
    return TraceModel(store).snapshot()
