"""Send a recording to a window as it grows: the program's side of a live stream.

A ``Streamer`` is a thread beside the traced program.  Every ``period`` seconds it
makes a batch of what the store gained (``batches.BatchMaker``) and sends it; an empty
batch is a heartbeat, so the window knows the program is alive (and, when a step
holds the loop, which task's step and since when).  The program's loop thread does
nothing for it: tokio-console's rule, the producer never blocks.  If the window reads
slowly, only this thread waits, and the next batch is simply bigger; the rows wait
in the store meanwhile, where they were going anyway.

Where the frames go is a ``Connection``:

- ``FixedConnection``: made before the run (the socketpair a window's child inherits,
  a file, a list in a test).  If the window goes away, the streamer stops sending for
  good and the program goes on.
- ``ReconnectingConnection``: ``HOST:PORT`` of a window that listens
  (``visualizer.session.listen``), for a program started elsewhere.  The program runs
  whether or not a window is there: only this thread tries to connect, at most once a
  second, with a short timeout.  Each new connection begins a new stream: the token
  line, ``MAGIC``, a fresh ``Hello`` and batches from a fresh ``BatchMaker``, so a
  window that connects late (or a second window after the first closed) gets the whole
  history from the start: the store still holds it.  A failed send only disconnects,
  and the thread goes back to trying.

Nothing is dropped while no window is connected, so a ``Batch`` has no count of rows
"missed while disconnected": every row is in the store, and the next window gets it.
The store itself is the bounded buffer (``TraceStore.capacity``): past it, rows are
dropped and counted (``TraceStore.dropped``, ``truncated_at``), and every batch says
so, whichever window reads it.

A program that runs for hours streams for hours: the window's own child lets go of the
rows it sent (``let_go``, ``LET_GO_ROWS`` at a time), so its memory stays bounded.  A
reconnecting stream keeps them, for the next window, and so does any other (a test's
or a tool's, which may read the store after the run).

The window may send commands back over the same socket: ASCII lines.  ``stop`` asks
the program to stop as Ctrl-C does (``interrupt_program``); other lines are ignored.
A command never raises into the program.

The stream format is ``visualizer.trace.wire`` (``docs/stream-format.md``, its
"Connections" section for the token line and the commands).
"""

from __future__ import annotations

import _thread
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Final

from visualizer.instrument.tracer import Tracer
from visualizer.session.connections import (
    DEFAULT_ADDRESS,
    DEFAULT_HOST,
    DEFAULT_PORT,
    TOKEN_ENV,
    Connection,
    FixedConnection,
    ReconnectingConnection,
    Sink,
    parse_address,
    take_token,
)
from visualizer.trace.batches import BatchMaker, end_message
from visualizer.trace.schema import WAKE_TASK, waker_task
from visualizer.trace.store import TraceStore
from visualizer.trace.wire import MAGIC, End, LectureState, frame

__all__ = [
    "COMMANDS",
    "DEFAULT_ADDRESS",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "PERIOD",
    "TOKEN_ENV",
    "Connection",
    "FixedConnection",
    "ReconnectingConnection",
    "Sink",
    "Streamer",
    "interrupt_program",
    "live_names",
    "parse_address",
    "take_token",
]

log = logging.getLogger(__name__)

#: seconds between batches: 20 a second, under the 30 frames a second the window
#: draws, so a frame rarely waits for data (and a heartbeat rarely lags)
PERIOD: Final = 0.05
#: rows sent (steps and wakes) a fixed connection's program lets go of at a time: about
#: 20 MB kept at most, and a let-go (a memmove of the rows not sent yet) now and then
LET_GO_ROWS: Final = 1_000_000
#: live tasks' names are read this often (seconds): a task is named just after it is
#: made (``create_task(name=...)``), and rarely renamed
NAMES_EVERY: Final = 0.25
#: seconds between two tries to reach a window that is not there (or went away)
RETRY: Final = 1.0
#: seconds one try to connect may take (a window on this machine answers at once)
CONNECT_TIMEOUT: Final = 1.0
#: seconds a program that is ending waits, at most, for a reconnecting stream's last
#: words to go out (a window that reads slowly, or not at all, cannot hold it longer)
LINGER: Final = 5.0
#: a command line from the window longer than this is garbage, and dropped
COMMAND_BYTES: Final = 256


def interrupt_program(sig: signal.Signals = signal.SIGINT) -> None:
    """Stop the program as Ctrl-C does: SIGINT to its main thread (``asyncio.run``
    cancels the main task; a second one raises ``KeyboardInterrupt`` wherever the
    program is), or as SIGTERM does (``session.interrupts``: at once).  A real signal,
    not ``_thread.interrupt_main``: that one only sets a flag, which a loop asleep in
    ``select`` would not see until its timer is due."""
    main = threading.main_thread()
    if hasattr(signal, "pthread_kill") and main.ident is not None and main.is_alive():
        signal.pthread_kill(main.ident, sig)
    else:  # pragma: no cover - Windows
        _thread.interrupt_main()


def _stop(_line: str) -> None:
    interrupt_program()


#: the commands a window may send (lines of ASCII), by their first word; each is given
#: the whole line (a command may take arguments: ``speed 2``); any other is ignored
COMMANDS: Final[Mapping[str, Callable[[str], None]]] = {"stop": _stop}


def live_names(tracer: Tracer, sent: dict[int, str]) -> list[tuple[int, str]]:
    """(task id, name) of the run's live tasks whose name is not the one in ``sent``
    (which it updates), read from another thread: only reads (a copy of the id table, each
    task's name), so the loop thread is never disturbed.  Only what changed makes a
    tuple: 100,000 live tasks' names each time would make the garbage collector scan the
    program's whole heap (bench/stream.py: 2.7x the cost of ``record``, from 1.07x)."""
    changed = []
    refs = list(tracer._ids.values())  # (one C-level copy under the GIL)
    for ref in refs:
        task = ref()
        if task is None:
            continue
        name = task.get_name()
        known = sent.get(ref.tid)
        if known is not name and known != name:
            sent[ref.tid] = name
            changed.append((ref.tid, name))
    if len(sent) > 2 * len(refs) + 1000:  # (forget the tasks that ended)
        alive = {ref.tid for ref in refs}
        for tid in [tid for tid in sent if tid not in alive]:
            del sent[tid]
    return changed


class Streamer:
    """Streams ``store`` (recorded by ``tracer``) to ``sink`` from a thread of its own.

    ``sink`` is a ``Connection``, or a plain sink (a ``FixedConnection`` of it).
    ``commands`` are what the window may ask, by a line's first word (``COMMANDS``:
    ``stop``); ``other_commands``, if given, gets every other line (stripped).  Both are
    called on the streamer's thread, and what they raise is logged, never raised."""

    def __init__(
        self,
        store: TraceStore,
        tracer: Tracer | None,
        sink: Sink | Connection,
        *,
        clock: Callable[[], float],
        period: float = PERIOD,
        argv: list[str] | None = None,
        commands: Mapping[str, Callable[[str], None]] = COMMANDS,
        other_commands: Callable[[str], None] | None = None,
        linger: float | None = None,
        lecture: Callable[[], LectureState] | None = None,
        let_go: bool = False,
        on_lost: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.store = store
        #: called (on the streamer's thread) if a fixed connection breaks while the run
        #: goes on: a window's own program is stopped when its window is gone
        self.on_lost = on_lost
        #: a program run as a lecture: where it is (paused, speed, its time), each batch
        self.lecture = lecture
        self.tracer = tracer
        self.connection = sink if isinstance(sink, Connection) else FixedConnection(sink)
        #: the rows sent are let go in the program (``LET_GO_ROWS`` at a time): only for a
        #: run whose one reader is this stream (the window's child), over a fixed
        #: connection (a reconnecting stream gives a later window the whole history)
        self.let_go = let_go and not self.connection.reconnects
        self._clock = clock
        self.period = period
        self.commands = commands
        self.other_commands = other_commands
        #: seconds ``close`` waits at most for the last words (None: as long as it takes;
        #: a reconnecting stream's default is ``LINGER``)
        self.linger = linger if linger is not None or not self.connection.reconnects else LINGER
        self._maker = BatchMaker(store)
        self._argv = list(sys.argv if argv is None else argv)
        self._stop = threading.Event()
        self._lock = threading.Lock()  #: one sender at a time (the thread, or close)
        self._thread = threading.Thread(target=self._run, name="asyncviz-streamer", daemon=True)
        self.broken: BaseException | None = None  #: why sending stopped for good, if it did
        self.disconnected: BaseException | None = None  #: why the last connection ended
        self.connections = 0  #: streams begun (a hello each)
        self.sent_bytes = 0
        self._names_read = -math.inf
        self._names_sent: dict[int, str] = {}  #: live names this stream has sent
        self._tried = -math.inf  #: when the last try to connect began (monotonic)
        self._command_bytes = bytearray()

    def start(self) -> None:
        if self.connection.connected:
            self._begin()
        self._thread.start()

    def close(self, end: End | None = None, **how: object) -> None:
        """The run is over: stop the thread, send what is left, then ``End`` (made from
        ``how``, see ``batches.end_message``, unless given).  A reconnecting stream that
        is not connected tries once more (a quick program still reaches a listening
        window), then gives up; its last words take at most ``linger`` seconds."""
        deadline = None if self.linger is None else time.monotonic() + self.linger
        self._stop.set()
        thread = self._thread
        if thread.is_alive() and threading.current_thread() is not thread:
            thread.join(self.linger)
            if thread.is_alive():  # stuck sending to a window that does not read
                self.connection.abort()
                thread.join(1.0)
                self.disconnected = TimeoutError("the window did not take the stream's end")
                return
        connection = self.connection
        if self.broken is not None:
            return
        if not connection.connected and connection.reconnects:
            self._connect(min(CONNECT_TIMEOUT, self._left(deadline)))
        if not connection.connected:
            return
        connection.deadline(None if deadline is None else max(self._left(deadline), 0.01))
        self._flush(final=True)
        if end is None:
            end = end_message(self.store, **how)  # type: ignore[arg-type]
        sent = self._send(frame(end))
        if sent and isinstance(connection, ReconnectingConnection):
            connection.disconnect(goodbye=min(1.0, max(self._left(deadline), 0.01)))

    @staticmethod
    def _left(deadline: float | None) -> float:
        return math.inf if deadline is None else deadline - time.monotonic()

    # --- the thread --------------------------------------------------------------------
    def _run(self) -> None:
        if self.connection.reconnects:
            self._turn()  # (the first try at once, not a period later)
        while not self._stop.wait(self.period):
            self._turn()
            if self.broken is not None:
                return

    def _turn(self) -> None:
        connection = self.connection
        try:
            if not connection.connected:
                if not connection.reconnects:
                    return
                if time.monotonic() - self._tried < RETRY:
                    return
                if not self._connect(CONNECT_TIMEOUT):
                    return
            self._read_commands()
            if connection.connected:
                self._flush(final=False)
        except Exception as exc:  # a bug of ours: stop streaming, never the program
            log.exception("asyncviz: the streamer failed; the program goes on")
            self.broken = exc

    def _connect(self, timeout: float) -> bool:
        """Try once; on success, a new stream begins (the whole history again)."""
        self._tried = time.monotonic()
        if timeout <= 0 or (self._stop.is_set() and threading.current_thread() is self._thread):
            return False  # (the thread is ending: ``close`` makes the last try)
        if not self.connection.connect(timeout):
            return False
        self._begin()
        return self.connection.connected

    def _begin(self) -> None:
        """A new stream: the magic, a hello, batches from the first row."""
        self._maker = BatchMaker(self.store)
        self._command_bytes.clear()
        self._names_read = -math.inf
        self._names_sent = {}
        hello = self._maker.hello(pid=os.getpid(), argv=self._argv)
        if self._send(MAGIC + frame(hello)):
            self.connections += 1

    def _read_commands(self) -> None:
        connection = self.connection
        try:
            data = connection.receive()
        except (OSError, ValueError) as exc:
            self._lost(exc)
            return
        if data is None:
            self._lost(ConnectionResetError("the window closed the connection"))
            return
        if not data:
            return
        pending = self._command_bytes
        pending += data
        *lines, rest = bytes(pending).split(b"\n")
        pending[:] = rest if len(rest) <= COMMAND_BYTES else b""
        for line in lines:
            self._command(line.strip().decode("ascii", "replace"))

    def _command(self, line: str) -> None:
        if not line:
            return
        action = self.commands.get(line.split(maxsplit=1)[0], self.other_commands)
        if action is None:
            log.debug("asyncviz: the window sent an unknown command %r", line[:40])
            return
        try:
            action(line)
        except Exception:  # (a command never raises into the program)
            log.exception("asyncviz: the window's command %r failed", line[:40])

    def _flush(self, *, final: bool) -> None:
        """Batches until nothing is left behind (one, a heartbeat, if nothing is new)."""
        while self.broken is None and self.connection.connected:
            now = self._clock()
            names: list[tuple[int, str]] = []
            tracer = self.tracer
            if tracer is not None and (final or now - self._names_read >= NAMES_EVERY):
                names = live_names(tracer, self._names_sent)
                self._names_read = now
            running, since = self._long_step()
            try:
                batch = self._maker.batch(
                    now,
                    names,
                    running=running,
                    running_since=since,
                    lecture=self.lecture() if self.lecture is not None else None,
                    mono=time.monotonic(),
                )
            except Exception as exc:  # a bug of ours: stop streaming, never the program
                log.exception("asyncviz: the streamer failed; the program goes on")
                self.broken = exc
                return
            if not self._send(frame(batch)):
                return
            if self.let_go:
                self._let_go()
            if not self._maker.behind:
                return

    def _let_go(self) -> None:
        """Rows the window has (sent to the one stream there will be) need not stay in
        the program: past ``LET_GO_ROWS`` they go, and the recorder's count of room
        grows as much (it never fills up, however long the program runs)."""
        gone = self._maker.let_go(LET_GO_ROWS)
        tracer = self.tracer
        if gone and tracer is not None:
            tracer._rec.room += gone  # (a row's miscount, if the loop wrote meanwhile)

    def _long_step(self) -> tuple[int, float | None]:
        """The task whose step is running now, and when that step began."""
        step = None if self.tracer is None else self.tracer.running_step()
        if step is None or step[0] & 7 != WAKE_TASK:
            return -1, None
        return waker_task(step[0]), step[1]

    def _send(self, data: bytes) -> bool:
        if self.broken is not None or not self.connection.connected:
            return False
        with self._lock:
            try:
                self.connection.send(data)
            except (OSError, ValueError) as exc:  # the window went away: the program goes on
                self._lost(exc)
                return False
            self.sent_bytes += len(data)
            return True

    def _lost(self, exc: BaseException) -> None:
        """The window went away: try again later, or (a fixed connection) stop for good,
        and say so (``on_lost``) if the run is still going."""
        self.disconnected = exc
        self.connection.disconnect()
        if not self.connection.reconnects:
            first = self.broken is None
            self.broken = exc
            if first and self.on_lost is not None and not self._stop.is_set():
                try:
                    self.on_lost(exc)
                except Exception:  # (never raised into the program)
                    log.exception("asyncviz: on_lost failed")
