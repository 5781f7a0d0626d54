"""A program in a process of its own, traced and streamed: the window's side.

``ChildRun`` starts ``python -m visualizer.session.child``, reads the stream it sends
into a ``StreamMirror`` (whose ``TraceModel`` the window draws live, as it draws an
in-process run), reads the program's stdout and stderr line by line with the time of
each line, and stops the program when asked: politely first (SIGINT, which is what
Ctrl-C sends: ``asyncio.run`` cancels the main task and the program's ``finally``
blocks run), then SIGTERM, then SIGKILL, a grace period apart.  Whatever the program
does, the rows it sent are kept, and ``ChildOutcome`` says how it ended: its exit
code or the signal that killed it, and its last words on stderr.

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
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from visualizer.model.spans import TraceModel
from visualizer.session.receiver import StreamedSource, StreamReceiver
from visualizer.session.sources import STOPPED, RunOutcome
from visualizer.trace.data import Trace
from visualizer.trace.store import TraceStore
from visualizer.trace.wire import End

#: seconds between the signals of a stop: SIGINT (Ctrl-C: ``asyncio.run`` cancels the
#: main task), SIGINT again (Ctrl-C twice: ``KeyboardInterrupt`` wherever the program
#: is, a spinning step included), SIGTERM, SIGKILL
STOP_GRACE: Final = 1.0
#: lines of output kept (a program that floods its stdout must not flood memory)
OUTPUT_LINES: Final = 20_000
#: a line longer than this is cut into pieces of this length
LINE_CHARS: Final = 4000
#: stderr lines kept as "last words" when a program dies
LAST_WORDS: Final = 40
#: seconds the pipes and the stream are still read after the process exited (a
#: grandchild may hold them open for ever)
DRAIN: Final = 1.0
_READ: Final = 1 << 20

Stream = Literal["stdout", "stderr"]


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


def _package_root() -> str:
    """The folder the ``visualizer`` package is in (the child must import it too)."""
    return str(Path(__file__).resolve().parents[2])


class ChildRun(StreamedSource):
    """One program (``kind="program"``) or scenario run in a child process."""

    def __init__(
        self,
        path: str | Path,
        args: Sequence[str] = (),
        *,
        kind: Literal["program", "scenario"] = "program",
        params: Mapping[str, object] | None = None,
        clock: Literal["real", "virtual"] = "real",
        slow: float = 0.1,
        cwd: str | Path | None = None,
        grace: float = STOP_GRACE,
        keep_stream: Path | None = None,
        python: str = sys.executable,
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
        self.process: asyncio.subprocess.Process | None = None
        #: the stream's reader: its mirror store and model (the live chart's)
        self.receiver = StreamReceiver()
        self.output: deque[OutputLine] = deque(maxlen=OUTPUT_LINES)
        self.output_dropped = 0  #: lines no longer kept (the oldest go first)
        #: called with each line as it comes (the window's output pane)
        self.on_output: Callable[[OutputLine], None] | None = None
        self.stopping = False  #: stop() was called
        self._last_words: deque[str] = deque(maxlen=LAST_WORDS)
        self._readers: list[asyncio.Future[None]] = []
        #: lines that came before the stream said when the run began (timed once it did)
        self._early: list[tuple[Stream, list[str], float]] = []
        self._escalation: asyncio.Task[None] | None = None

    # --- starting ----------------------------------------------------------------------
    def command(self, connect: str) -> list[str]:
        """The child's command line."""
        cmd = [self.python, "-m", "visualizer.session.child", "--connect", connect]
        cmd += ["--clock", self.clock, "--slow", repr(self.slow), self.kind, str(self.path)]
        if self.kind == "scenario":
            return [*cmd, json.dumps(self.params)]
        return [*cmd, *self.args]

    async def start(self) -> None:
        """Start the process and the readers (returns at once)."""
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        # the program's output as it is written (a pipe is block-buffered otherwise,
        # and a line would show up seconds late); a crash's Python stack on stderr
        env["PYTHONUNBUFFERED"] = "1"
        env.setdefault("PYTHONFAULTHANDLER", "1")
        root = _package_root()
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        if self.keep_stream is not None:
            self.receiver = StreamReceiver(open(self.keep_stream, "wb"))  # noqa: SIM115
        # the output's pipes are read by threads of their own, not by this loop: each line
        # is timed when it comes, not when the loop (busy painting) gets to it
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.command(f"fd:{theirs.fileno()}"),
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
        loop = asyncio.get_running_loop()
        self._readers = [
            asyncio.ensure_future(self._read_stream(ours)),
            self._pump(loop, out_r, "stdout"),
            self._pump(loop, err_r, "stderr"),
        ]
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
        try:
            await self.receiver.read(reader)
        finally:
            writer.close()

    # --- output ------------------------------------------------------------------------
    def _pump(
        self, loop: asyncio.AbstractEventLoop, fd: int, stream: Stream
    ) -> asyncio.Future[None]:
        """Read a pipe in a thread, line by line, each chunk timed as it comes; the lines
        go to this loop.  The future is done at the pipe's end."""
        done: asyncio.Future[None] = loop.create_future()

        def finished() -> None:
            if not done.done():
                done.set_result(None)

        def pump() -> None:
            partial = b""
            try:
                while data := os.read(fd, _READ):
                    came = time.monotonic()
                    lines = (partial + data).split(b"\n")
                    partial = lines.pop()
                    if len(partial) > LINE_CHARS:  # (no newline for long: show it anyway)
                        lines.append(partial)
                        partial = b""
                    if lines:
                        texts = [line.decode(errors="replace").rstrip("\r") for line in lines]
                        loop.call_soon_threadsafe(self._lines, stream, texts, came)
                if partial:
                    text = partial.decode(errors="replace").rstrip("\r")
                    loop.call_soon_threadsafe(self._lines, stream, [text], time.monotonic())
                loop.call_soon_threadsafe(finished)
            except (OSError, RuntimeError):  # (the loop closed: nobody reads any more)
                pass
            finally:
                os.close(fd)

        threading.Thread(target=pump, name=f"asyncviz-{stream}", daemon=True).start()
        return done

    async def _after_hello(self) -> None:
        await self.receiver.hello.wait()
        self._lines_early()

    def _lines(self, stream: Stream, texts: list[str], came: float) -> None:
        if self.receiver.mirror is None:
            self._early.append((stream, texts, came))
            return
        self._lines_early()
        t = self.receiver.time_of(came)
        for text in texts:
            self._line(stream, text, t)

    def _lines_early(self) -> None:
        early, self._early = self._early, []
        for stream, texts, came in early:
            t = self.receiver.time_of(came)
            for text in texts:
                self._line(stream, text, t)

    def _line(self, stream: Stream, text: str, t: float) -> None:
        for i in range(0, max(len(text), 1), LINE_CHARS):
            line = OutputLine(t, stream, text[i : i + LINE_CHARS])
            if len(self.output) == self.output.maxlen:
                self.output_dropped += 1
            self.output.append(line)
            if stream == "stderr":
                self._last_words.append(line.text)
            if self.on_output is not None:
                self.on_output(line)

    # --- stopping ----------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the program to stop as Ctrl-C does; end it if it will not."""
        if not self.running or self.stopping:
            return
        self.stopping = True
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
        """End the program and everything it started, now (the window is closing)."""
        if self.running:
            self._signal(signal.SIGKILL)

    def _signal(self, sig: signal.Signals) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)  # (its group: start_new_session made it its own)

    # --- the end -----------------------------------------------------------------------
    async def wait(self) -> ChildOutcome:
        """Until the process has ended and what it sent is read: what it left."""
        process = self.process
        if process is None:
            return ChildOutcome(_empty_trace(str(self.path)), "the program did not start")
        returncode = await process.wait()
        self.receiver.ended_at = time.monotonic()
        # what is still in the pipes and the socket; a grandchild may hold them open
        _done, pending = await asyncio.wait(self._readers, timeout=DRAIN)
        for task in pending:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        self._lines_early()
        if self._escalation is not None:
            self._escalation.cancel()
        if self.stopping:  # (and whatever it started: the group goes with it)
            self._signal(signal.SIGKILL)
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
        if mirror.end is None:
            self.receiver.close_running(self.receiver.program_end())
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
