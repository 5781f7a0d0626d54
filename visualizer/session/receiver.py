"""The window's end of a stream: bytes in, a growing store and its model out.

Shared by every streamed run (a child process, an attached program): it decodes the
frames (``wire.FrameDecoder``), applies them to a ``StreamMirror``, and gives the live
chart a ``TraceModel`` over the mirror's store, with a clock so that time passes on the
chart while the program runs even when nothing happens.  A malformed stream stops the
reading, keeps what came before, and says why (``error``).  A program that runs for
hours is kept to a moving window of history (``history``, ``visualizer.model.history``).
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections.abc import Callable, Sequence
from typing import IO, Final

from visualizer.model import history
from visualizer.model.history import DEFAULT_HISTORY
from visualizer.model.spans import TraceModel
from visualizer.trace.mirror import StreamMirror
from visualizer.trace.wire import Batch, End, FrameDecoder, Hello, StreamFormatError

#: seconds: a program whose real clock reads this far from ours at its first batch runs
#: on another machine's clock (an attached program): its times are ours, shifted
CLOCK_SKEW: Final = 2.0
#: lines of a program's last words on stderr that the mark of its unexplained end shows
MARK_LAST_WORDS: Final = 20
#: where a crash's report begins (faulthandler's, a traceback's): its top says the most
_REPORT_STARTS: Final = ("Fatal Python error", "Traceback (most recent call last)")
#: batches' (our clock, the program's) pairs kept to time output lines by (the lines
#: are timed as they come: only the recent pairs are ever asked)
MONOS_KEPT: Final = 5_000


class StreamReceiver:
    """Feeds a stream, as its bytes come, into a mirror store and its model."""

    def __init__(self, keep: IO[bytes] | None = None) -> None:
        self.decoder = FrameDecoder()
        self.mirror: StreamMirror | None = None
        self.model: TraceModel | None = None
        self.hello = asyncio.Event()  #: set when the hello came, or it never will
        self.error: str | None = None  #: the stream was malformed, and why
        self.ended_at: float | None = None  #: our clock when the program was seen to end
        self._keep = keep  #: where the raw stream is saved (it opens as a trace)
        self._closed = False  #: no more bytes will come
        self._offset = 0.0  #: the program's clock minus ours, at the last batch
        #: the program's real clock is ours (None: no batch yet, assumed so)
        self._same_clock: bool | None = None
        #: (our monotonic clock, the program's) at each batch: a virtual or a lecture's
        #: clock runs at its own pace, and a line of output is timed between two of them
        self._monos: list[float] = []
        self._nows: list[float] = []
        #: called after each batch (output waiting for the program's time is timed then)
        self.on_batch: Callable[[], None] | None = None
        #: (seconds) the history kept for drawing, the rest summarised and let go
        #: (``visualizer.model.history``); None: everything is kept
        self.history: float | None = DEFAULT_HISTORY

    def feed(self, data: bytes) -> bool:
        """Take ``data``; False once the stream is over (its end came, or it was bad)."""
        if self._keep is not None:
            self._keep.write(data)
        try:
            for message in self.decoder.feed(data):
                self._apply(message)
                if isinstance(message, End):
                    return False
        except StreamFormatError as exc:
            self.error = str(exc)
            return False
        return True

    def close(self) -> None:
        """No more bytes will come."""
        self._closed = True
        self.hello.set()
        if self._keep is not None:
            self._keep.close()
            self._keep = None

    async def read(self, reader: asyncio.StreamReader, size: int = 1 << 20) -> None:
        """Read ``reader`` to its end (or the stream's)."""
        try:
            while data := await reader.read(size):
                if not self.feed(data):
                    return
        except OSError:
            pass
        finally:
            self.close()

    def _apply(self, message: Hello | Batch | End) -> None:
        if isinstance(message, Hello):
            self.mirror = StreamMirror(message)
            self.model = TraceModel(self.mirror.store, clock=self.now)
            self.hello.set()
            return
        assert self.mirror is not None  # (the decoder sees to it: a hello comes first)
        self.mirror.apply(message)
        if self.history is not None and self.model is not None:
            cut = history.due(self.model, self.history)
            if cut is not None:
                history.forget_history(self.mirror, self.model, cut)
        if isinstance(message, Batch):
            ours = time.monotonic()
            if self._same_clock is None:
                self._same_clock = abs(message.now - ours) < CLOCK_SKEW
            self._offset = message.now - ours
            mono = message.mono if message.mono is not None else ours
            if math.isfinite(mono) and (not self._monos or mono >= self._monos[-1]):
                self._monos.append(mono)
                self._nows.append(message.now)
                if len(self._monos) > 2 * MONOS_KEPT:  # (a line is timed by recent ones)
                    del self._monos[:-MONOS_KEPT], self._nows[:-MONOS_KEPT]
            if self.on_batch is not None:
                self.on_batch()

    @property
    def real_clock(self) -> bool:
        """The program's clock is this process's monotonic clock (a program on this
        machine, on the real clock)."""
        return self._on_real_clock and self._same_clock is not False

    @property
    def _on_real_clock(self) -> bool:
        return self.mirror is not None and self.mirror.store.meta.clock == "real"

    def now(self) -> float:
        """The program's clock now, as the model reads it: while the program runs, time
        passes on the chart even when nothing happens (a sleep's bar grows)."""
        mirror = self.mirror
        if mirror is None:
            return time.monotonic()
        if self.ended_at is not None or mirror.end is not None:
            return mirror.now
        if self.real_clock:
            return time.monotonic()  # (the program's clock is this one: CLOCK_MONOTONIC)
        if self._on_real_clock:  # (another machine's: it runs as ours does, shifted)
            return max(mirror.now, time.monotonic() + self._offset)
        return mirror.now

    def can_time(self, moment: float) -> bool:
        """``time_of(moment)`` is known: the program's clock is ours, or a batch made at or
        after ``moment`` came, or no more will."""
        if self.mirror is None:
            return False
        if self.real_clock or not self.hello.is_set() or self.mirror.end is not None:
            return True
        return (bool(self._monos) and self._monos[-1] >= moment) or self._closed

    def time_of(self, moment: float) -> float:
        """``moment`` (a reading of our monotonic clock) in seconds since the run's start
        (0 before the hello said when that was).  On a virtual or a lecture's clock, the
        program's time at the first batch made at or after ``moment``: such a clock
        stands still or jumps while the program waits, and runs only during its steps, so
        a line written in a step is written at (or just before) that time; within one
        batch of the program's running time at most (a lecture's come every 10 ms)."""
        mirror = self.mirror
        if mirror is None:
            return 0.0
        origin = mirror.store.origin
        if self.real_clock:
            return max(0.0, moment - origin)
        monos, nows = self._monos, self._nows
        if not monos:
            return 0.0
        i = min(bisect.bisect_left(monos, moment), len(monos) - 1)
        return max(0.0, nows[i] - origin)

    @property
    def events(self) -> int:
        """Rows received so far (those the window forgot too)."""
        if self.mirror is None or self.model is None:
            return 0
        store = self.mirror.store
        kept = store.rows + store.task_count
        return kept + store.steps_forgotten + store.wakes_forgotten + self.model.forgotten.tasks

    def held(self, at_least: float = 0.5) -> tuple[int, float] | None:
        """(task id, seconds) if one task's step has held the program's loop for at least
        ``at_least`` seconds (by the last batch), else None."""
        mirror = self.mirror
        if mirror is None or mirror.running < 0 or mirror.running_since is None:
            return None
        seconds = self.now() - mirror.running_since
        return (mirror.running, seconds) if seconds >= at_least else None

    def close_running(
        self,
        end: float,
        how: str | None = None,
        last_words: Sequence[str] = (),
        *,
        ended: str = "The program's process ended",
    ) -> None:
        """The program died with no last word: the run ends at ``end`` (on the program's
        clock), and a step that was holding the loop then is recorded as running up to that
        moment (it was: nothing else could run).

        ``how``: how it ended, in a few words (``"crashed: segmentation fault (SIGSEGV)"``):
        a warning on the loop's row at the run's end says so, and that what its tasks did
        between its last batch and ``end`` is not known; ``last_words``, its stderr's last
        lines, are in the warning's detail (``MARK_LAST_WORDS`` of them at most).
        ``ended``: what was seen to end, the detail's first words.  None: no warning."""
        mirror = self.mirror
        if mirror is None or mirror.end is not None:
            return
        store = mirror.store
        if (
            mirror.running >= 0
            and mirror.running_since is not None
            and not mirror.ended(mirror.running)  # (its last step already came)
        ):
            start = min(mirror.running_since, end)
            store.step_task.append(mirror.running)
            store.step_start.append(start)
            store.step_dur.append(end - start)
            store.step_code.append(-1)  # (END_READY: it never got to say how it ended)
        mirror.finish(at=end)
        if how is None:
            return
        at = store.finished_at if store.finished_at is not None else end
        detail = (
            f"{ended} at {at - store.origin:.3f} s. Its last news came at"
            f" {mirror.now - store.origin:.3f} s: what its tasks did after that is not known."
        )
        shown = shown_last_words(last_words)
        if shown:
            detail += "\n\nIts last words on stderr:\n" + "\n".join(shown)
        store.add_mark(at, -1, how, "warning", detail)

    def program_end(self) -> float:
        """When the program was seen to end, on its clock: our clock on the real clock (the
        same one), else its last batch."""
        mirror = self.mirror
        assert mirror is not None
        if self._on_real_clock and self.ended_at is not None:
            shift = 0.0 if self.real_clock else self._offset
            return max(mirror.now, self.ended_at + shift)
        return mirror.now


def shown_last_words(lines: Sequence[str], limit: int = MARK_LAST_WORDS) -> list[str]:
    """At most ``limit`` of a program's last lines on stderr, to show: from the top of
    the last crash report among them (faulthandler's ``Fatal Python error``, a traceback:
    where it crashed is at its top), else the last ones; a line says how many more."""
    lines = list(lines)
    starts = [i for i, line in enumerate(lines) if line.startswith(_REPORT_STARTS)]
    begin = starts[-1] if starts else max(0, len(lines) - limit)
    shown = lines[begin : begin + limit]
    more = len(lines) - begin - len(shown)
    while shown and not shown[-1].strip():
        shown.pop()
    if more:
        shown.append(f"[... {more} more lines]")
    return shown


class StreamedSource:
    """A live source whose rows come in a stream (a child process, an attached program):
    what the window reads of it is its ``receiver``'s."""

    receiver: StreamReceiver

    @property
    def model(self) -> TraceModel | None:
        return self.receiver.model

    @property
    def mirror(self) -> StreamMirror | None:
        return self.receiver.mirror

    @property
    def hello(self) -> asyncio.Event:
        """Set when the stream's hello came, or it never will."""
        return self.receiver.hello

    @property
    def stream_error(self) -> str | None:
        return self.receiver.error

    @property
    def events(self) -> int:
        return self.receiver.events

    def refresh_names(self) -> None:
        pass  # (the program sends its tasks' names with its batches)

    def held(self, at_least: float = 0.5) -> tuple[int, float] | None:
        """(task id, seconds) if a step has held the program's loop that long."""
        return self.receiver.held(at_least)
