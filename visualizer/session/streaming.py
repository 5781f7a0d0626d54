"""Send a recording to a window as it grows: the program's side of a live stream.

A ``Streamer`` is a thread beside the traced program.  Every ``period`` seconds it
makes a batch of what the store gained (``mirror.BatchMaker``) and sends it; an empty
batch is a heartbeat, so the window knows the program is alive (and, when a step
holds the loop, which task's step and since when).  The program's loop thread does
nothing for it: tokio-console's rule, the producer never blocks.  If the window reads
slowly, only this thread waits, and the next batch is simply bigger; the rows wait
in the store meanwhile, where they were going anyway.  If the window goes away, the
streamer stops sending and the program goes on.

The stream format is ``visualizer.trace.wire`` (``docs/stream-format.md``).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Final, Protocol

from visualizer.instrument.tracer import Tracer
from visualizer.trace.mirror import BatchMaker, end_message
from visualizer.trace.schema import WAKE_TASK, waker_task
from visualizer.trace.store import TraceStore
from visualizer.trace.wire import MAGIC, End, frame

log = logging.getLogger(__name__)

#: seconds between batches: 20 a second, under the 30 frames a second the window
#: draws, so a frame rarely waits for data (and a heartbeat rarely lags)
PERIOD: Final = 0.05
#: live tasks' names are read this often (seconds): a task is named just after it is
#: made (``create_task(name=...)``), and rarely renamed
NAMES_EVERY: Final = 0.25


class Sink(Protocol):
    """Where the frames go: a socket's ``sendall``, a file's ``write``."""

    def __call__(self, data: bytes, /) -> object: ...


def live_names(tracer: Tracer) -> list[tuple[int, str]]:
    """(task id, name) of the run's live tasks, read from another thread: only reads
    (a copy of the id table, each task's name), so the loop thread is never disturbed."""
    names = []
    for ref in list(tracer._ids.values()):  # (one C-level copy under the GIL)
        task = ref()
        if task is not None:
            names.append((ref.tid, task.get_name()))
    return names


class Streamer:
    """Streams ``store`` (recorded by ``tracer``) to ``sink`` from a thread of its own."""

    def __init__(
        self,
        store: TraceStore,
        tracer: Tracer | None,
        sink: Sink,
        *,
        clock: Callable[[], float],
        period: float = PERIOD,
        argv: list[str] | None = None,
    ) -> None:
        self.store = store
        self.tracer = tracer
        self._sink = sink
        self._clock = clock
        self.period = period
        self._maker = BatchMaker(store)
        self._argv = list(sys.argv if argv is None else argv)
        self._stop = threading.Event()
        self._lock = threading.Lock()  #: one sender at a time (the thread, or close)
        self._thread = threading.Thread(target=self._run, name="asyncviz-streamer", daemon=True)
        self.broken: BaseException | None = None  #: why sending stopped, if it did
        self.sent_bytes = 0
        self._names_read = 0.0

    def start(self) -> None:
        self._send(MAGIC + frame(self._maker.hello(pid=os.getpid(), argv=self._argv)))
        self._thread.start()

    def close(self, end: End | None = None, **how: object) -> None:
        """The run is over: stop the thread, send what is left, then ``End`` (made from
        ``how``, see ``mirror.end_message``, unless given)."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join()
        self._flush(final=True)
        if end is None:
            end = end_message(self.store, **how)  # type: ignore[arg-type]
        self._send(frame(end))

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self._flush(final=False)
            if self.broken is not None:
                return

    def _flush(self, *, final: bool) -> None:
        """Batches until nothing is left behind (one, a heartbeat, if nothing is new)."""
        while self.broken is None:
            now = self._clock()
            names: list[tuple[int, str]] = []
            tracer = self.tracer
            if tracer is not None and (final or now - self._names_read >= NAMES_EVERY):
                names = live_names(tracer)
                self._names_read = now
            running, since = self._long_step()
            try:
                batch = self._maker.batch(now, names, running=running, running_since=since)
            except Exception as exc:  # a bug of ours: stop streaming, never the program
                log.exception("asyncviz: the streamer failed; the program goes on")
                self.broken = exc
                return
            self._send(frame(batch))
            if not self._maker.behind:
                return

    def _long_step(self) -> tuple[int, float | None]:
        """The task whose step is running now, and when that step began."""
        tracer = self.tracer
        if tracer is None or not tracer.enabled:
            return -1, None
        rec = tracer._rec
        waker, t0 = rec.waker, rec.step_t0  # (two reads: the step may end in between)
        if waker & 7 != WAKE_TASK or waker != rec.waker:
            return -1, None
        return waker_task(waker), t0

    def _send(self, data: bytes) -> None:
        if self.broken is not None:
            return
        with self._lock:
            try:
                self._sink(data)
                self.sent_bytes += len(data)
            except (OSError, ValueError) as exc:  # the window went away: the program goes on
                self.broken = exc


def socket_sink(sock: socket.socket) -> Sink:
    """Frames into a connected socket (blocking: only the streamer's thread waits)."""
    sock.setblocking(True)
    return sock.sendall


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll ``predicate`` for up to ``timeout`` seconds (for a close that must not hang)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True
