"""A program's stdout and stderr, read line by line as they come, each line timed.

One thread reads both pipes of a child process (``select``), so their lines keep their
order; it never waits for the window's loop (a program is never slowed by a busy
window), and what the loop has not taken yet is bounded (a program that floods its
output costs bounded memory, the oldest lines dropped and counted).  While it reads,
the interpreter's switch interval is lowered (``GilHandOff``), so a line is stamped
within about half a millisecond of its write, not 5 ms, however busy the window's main
thread is.  ``process.ChildRun`` uses it; no Qt here.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import selectors
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

Stream = Literal["stdout", "stderr"]

#: a line longer than this is cut into pieces of this length
LINE_CHARS: Final = 4000
_READ: Final = 1 << 20
#: seconds: the interpreter's switch interval while a program's output is read (see
#: ``GilHandOff``)
SWITCH_INTERVAL: Final = 0.0005


class GilHandOff:
    """The interpreter's switch interval, lowered while a program's output is read.

    A thread that wants the GIL while another holds it waits for the switch interval
    (5 ms by default) before it asks the holder to let go.  The window's main thread
    holds the GIL for long stretches (painting the chart is Python), so the thread that
    reads the program's pipes, woken by a line, waited up to 5 ms before it could stamp
    the line: every line came about 5 ms late.  At 0.5 ms it comes within about half a
    millisecond.  The cost is nothing while the reader sleeps in ``select`` (the
    interval only matters to a thread waiting for the GIL), and more frequent hand-offs
    between the window's other busy threads, if any.

    Several programs may run at once (several ``ChildRun``s): the first reader to start
    lowers the interval, the last to end puts the old one back (they are counted under a
    lock).  An interval already lower is left as it is; one set by someone else while
    ours was in force is overwritten when the last reader ends."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.readers = 0  #: readers running
        #: the interval before the first one started, if it was lowered (None: it was not)
        self._saved: float | None = None
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            if self.readers == 0:
                current = sys.getswitchinterval()
                if current > self.interval:
                    self._saved = current
                    sys.setswitchinterval(self.interval)
            self.readers += 1

    def release(self) -> None:
        with self._lock:
            self.readers -= 1
            if self.readers == 0 and self._saved is not None:
                sys.setswitchinterval(self._saved)
                self._saved = None


_HAND_OFF: Final = GilHandOff(SWITCH_INTERVAL)
#: which pipe's lines come first when both had something in one wakeup
_FIRST: Final[dict[Stream, int]] = {"stdout": 0, "stderr": 1}


def _decode(line: bytes) -> str:
    return line.decode(errors="replace").rstrip("\r")


def _texts(lines: Iterable[bytes]) -> list[str]:
    """The lines as they are shown: decoded, and cut in pieces of ``LINE_CHARS``."""
    texts = [_decode(line) for line in lines]
    if not texts or max(map(len, texts)) <= LINE_CHARS:
        return texts
    return [
        text[i : i + LINE_CHARS] for text in texts for i in range(0, max(len(text), 1), LINE_CHARS)
    ]


@dataclass
class Chunk:
    """Lines of one pipe, read together at ``came`` (our monotonic clock)."""

    stream: Stream
    texts: list[str]
    came: float


class Backlog:
    """Chunks of lines in their order, at most ``limit`` lines: beyond, the oldest go."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: deque[Chunk] = deque()
        self.lines = 0  #: lines in ``chunks``

    def add(self, chunks: Iterable[Chunk]) -> int:
        """Add these (the newest); the lines dropped to stay within the limit."""
        for chunk in chunks:
            self.chunks.append(chunk)
            self.lines += len(chunk.texts)
        dropped = 0
        while self.lines > self.limit:
            oldest = self.chunks[0]
            n = min(len(oldest.texts), self.lines - self.limit)
            if n == len(oldest.texts):
                self.chunks.popleft()
            else:
                del oldest.texts[:n]
            self.lines -= n
            dropped += n
        return dropped

    def popleft(self) -> Chunk:
        chunk = self.chunks.popleft()
        self.lines -= len(chunk.texts)
        return chunk

    def take(self) -> deque[Chunk]:
        """Every chunk, oldest first; the backlog is then empty."""
        chunks, self.chunks, self.lines = self.chunks, deque(), 0
        return chunks


class Inbox:
    """The lines the pipes' reader thread read, waiting for the loop.

    The reader never waits for the loop (a program is never slowed by a busy window),
    and the loop is never sent more than it can keep: the lines wait here, at most
    ``limit`` of them (beyond, the oldest are dropped and counted), and one call at a
    time is pending on the loop to take them all.  (Posting each chunk to the loop
    queued every line a flooding program wrote in the loop's ready queue: memory
    without bound.)"""

    def __init__(self, limit: int) -> None:
        self._lock = threading.Lock()
        self._backlog = Backlog(limit)
        self._dropped = 0
        self._pending = False  #: a call to take them is on its way to the loop

    def put(self, chunks: Iterable[Chunk]) -> bool:
        """(The reader's thread) add lines: True if the loop must be called to take them
        (no call is pending)."""
        with self._lock:
            self._dropped += self._backlog.add(chunks)
            if self._pending:
                return False
            self._pending = True
            return True

    def take(self) -> tuple[deque[Chunk], int]:
        """(The loop) every chunk waiting, oldest first, and how many lines were dropped
        since the last take."""
        with self._lock:
            dropped, self._dropped = self._dropped, 0
            self._pending = False
            return self._backlog.take(), dropped


class PipeReader:
    """Reads a child's pipes in a thread of its own; its lines go to ``on_lines`` on the
    loop (the chunks, oldest first, and how many lines were dropped since the last)."""

    def __init__(self, limit: int, on_lines: Callable[[deque[Chunk], int], None]) -> None:
        self.on_lines = on_lines
        #: lines read, on their way from the reader thread to the loop
        self._inbox = Inbox(limit)
        self._wake = -1  #: closing it stops the reader (a pipe's write end)

    def start(
        self, loop: asyncio.AbstractEventLoop, pipes: Mapping[Stream, int]
    ) -> asyncio.Future[None]:
        """Read the pipes in one thread, line by line, timed as they come; the lines go to
        ``loop`` (``on_lines``).  The future is done once every pipe ended (or the reader was
        stopped: ``stop``) and the reader let go of everything it held.

        One thread waits on both pipes (``select``) and reads whichever is ready, so a
        line that came after another, in a later wakeup, is stamped after it and shown
        after it.  (Two threads, one per pipe, each racing for the GIL, stamped and sent
        lines out of order: a crash's stdout after the fault handler's stderr.)  The
        lines of one wakeup are stamped together, once they are read, stdout's first:
        the true order of two writes that land in the same wakeup cannot be known from
        the pipes."""
        done: asyncio.Future[None] = loop.create_future()
        wake_r, self._wake = os.pipe()

        def finished() -> None:
            if not done.done():
                done.set_result(None)

        def pump() -> None:
            try:
                self._read(loop, pipes, wake_r)
            except (OSError, RuntimeError):  # (the loop closed: nobody reads any more)
                pass
            finally:
                for fd in (*pipes.values(), wake_r):
                    with contextlib.suppress(OSError):
                        os.close(fd)
                _HAND_OFF.release()
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(finished)

        _HAND_OFF.acquire()
        try:
            threading.Thread(target=pump, name="asyncviz-output", daemon=True).start()
        except BaseException:
            _HAND_OFF.release()
            for fd in (*pipes.values(), wake_r):
                os.close(fd)
            raise
        return done

    def _read(
        self, loop: asyncio.AbstractEventLoop, pipes: Mapping[Stream, int], wake: int
    ) -> None:
        """The reader thread's work (see ``start``): until every pipe ended, or ``wake``
        is readable (its write end was closed: stop).  The lines go to the inbox (never
        waiting for the loop), and the loop is called to take them if no call is on its
        way already."""
        partial: dict[Stream, bytes] = {stream: b"" for stream in pipes}
        with selectors.DefaultSelector() as selector:
            for stream, fd in pipes.items():
                selector.register(fd, selectors.EVENT_READ, stream)
            selector.register(wake, selectors.EVENT_READ, None)
            stop = False
            while partial and not stop:
                ready: list[Stream] = []
                for key, _events in selector.select():
                    if key.data is None:
                        stop = True
                    else:
                        ready.append(key.data)
                ready.sort(key=_FIRST.__getitem__)
                read = [(stream, os.read(pipes[stream], _READ)) for stream in ready]
                came = time.monotonic()  # (after the reads: every byte read came before it)
                chunks: list[Chunk] = []
                for stream, data in read:
                    if not data:  # (its end: what is left of its last line is a line)
                        selector.unregister(pipes[stream])
                        rest = partial.pop(stream)
                        if rest:
                            chunks.append(Chunk(stream, _texts([rest]), came))
                        continue
                    lines = (partial[stream] + data).split(b"\n")
                    rest = lines.pop()
                    if len(rest) > LINE_CHARS:  # (no newline for long: show it anyway)
                        lines.append(rest)
                        rest = b""
                    partial[stream] = rest
                    if lines:
                        chunks.append(Chunk(stream, _texts(lines), came))
                if stop:  # (stopped: what is left of the last lines are lines)
                    chunks += [
                        Chunk(stream, _texts([rest]), came)
                        for stream, rest in partial.items()
                        if rest
                    ]
                if chunks and self._inbox.put(chunks):
                    loop.call_soon_threadsafe(self.take)

    def stop(self) -> None:
        """Stop reading the pipes (a grandchild may hold them open for ever)."""
        if self._wake >= 0:
            os.close(self._wake)
            self._wake = -1

    def take(self) -> None:
        """(The loop) every line waiting, to ``on_lines`` (called by the reader when lines
        came; and by the owner once the reader ended, for its last ones)."""
        chunks, dropped = self._inbox.take()
        self.on_lines(chunks, dropped)
