"""A progress line on stderr while ``asyncviz run`` / ``record`` traces a long program.

A run that prints nothing for a minute looks hung; one line, redrawn in place about
once a second (``\\r``), says it is alive and what it has done: the time since it
began, the tasks made, the events recorded (task steps and wakes, read from the
recorder's store).  It appears only after the first second (a quick run stays as
quiet as before) and only when stderr is a terminal: a pipe, a file or a test's
captured output never sees it.

The program writes to the same terminal, from this process (``record_script`` runs it
here), so while the line is up ``sys.stdout`` and ``sys.stderr`` are wrapped: before
anything the program (or asyncviz) writes through them, the line is wiped, and it is
drawn again at the next tick, under what was written.  The line is wiped for good
when the run ends, before asyncviz says how it ended.  Only terminals are wrapped; the
wrappers pass everything else (``fileno``, ``buffer``, ``isatty``...) to the stream.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, TextIO

if TYPE_CHECKING:
    from visualizer.session.runner import Recorder
    from visualizer.trace.store import TraceStore

#: seconds before the line first appears, and between two updates
EVERY: Final = 1.0
#: wipes the terminal's line: back to its start, then erase to its end
WIPE: Final = "\r\x1b[K"


def wanted(stream: TextIO) -> bool:
    """A progress line on ``stream``: a terminal that understands ``\\r`` and erasing."""
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError, OSError):  # (closed, or no such method)
        return False
    return terminal and os.environ.get("TERM", "") != "dumb"


def describe(elapsed: float, tasks: int, events: int) -> str:
    """The line's text (without the ``asyncviz:`` prefix)."""
    plural = "" if tasks == 1 else "s"
    return f"running {elapsed:.0f} s: {tasks:,} task{plural}, {events:,} events recorded"


def counts(store: TraceStore) -> tuple[int, int]:
    """Tasks made and events (steps and wakes) recorded, those let go included.  Read
    from another thread, as a stream's batch maker does (``trace.batches``)."""
    store.sync()
    events = store.steps_forgotten + len(store.step_task)
    events += store.wakes_forgotten + len(store.wake_task)
    return store.task_count, events


class _Wiping:
    """``stream`` whose writes first wipe the progress line (everything else is its)."""

    def __init__(self, stream: TextIO, progress: Progress) -> None:
        self._stream = stream
        self._progress = progress

    def write(self, text: str) -> int:
        self._progress.wipe()
        return self._stream.write(text)

    def writelines(self, lines: Iterable[str]) -> None:
        self._progress.wipe()
        self._stream.writelines(lines)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class Progress:
    """The progress line of one run: ``with Progress() as progress:``, then pass
    ``progress.started`` to ``run_scenario`` / ``record_script`` (it gets the recorder).
    Off (does nothing) unless stderr is a terminal, or ``on`` says otherwise."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        on: bool | None = None,
        every: float = EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.on = wanted(self.stream) if on is None else on
        self.every = every
        self._clock = clock
        self._began = 0.0  #: when the run began (``__enter__``)
        self._store: TraceStore | None = None
        self._shown = False  #: the line is on the terminal now
        self._lock = threading.Lock()  #: one writer of the line at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._wrapped: list[tuple[str, TextIO, _Wiping]] = []

    def __enter__(self) -> Progress:
        self._began = self._clock()
        if self.on:
            for name in ("stdout", "stderr"):
                stream: TextIO = getattr(sys, name)
                if stream is self.stream or wanted(stream):  # (a pipe cannot show the line)
                    wrapper = _Wiping(stream, self)
                    self._wrapped.append((name, stream, wrapper))
                    setattr(sys, name, wrapper)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def started(self, recorder: Recorder) -> None:
        """The run's recorder exists: count from its store, from now on."""
        self._store = recorder.store
        if self.on and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="asyncviz-progress", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.draw()

    def draw(self) -> None:
        """Draw the line again, with the counts now."""
        store = self._store
        if store is None:
            return
        tasks, events = counts(store)
        text = f"asyncviz: {describe(self._clock() - self._began, tasks, events)}"
        width = _width(self.stream)
        if width is not None and len(text) >= width:
            text = text[: max(width - 1, 0)]  # (a line that wraps cannot be redrawn)
        with self._lock:
            if self._stop.is_set():
                return
            self.stream.write(WIPE + text)
            self.stream.flush()
            self._shown = True

    def wipe(self) -> None:
        """Wipe the line, if it is up (before anyone else writes to the terminal)."""
        if not self._shown:
            return
        with self._lock:
            if self._shown:
                self._shown = False
                self.stream.write(WIPE)
                self.stream.flush()

    def close(self) -> None:
        """The run is over: no more updates, the line wiped, the streams as they were."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self.wipe()
        for name, stream, wrapper in reversed(self._wrapped):
            if getattr(sys, name) is wrapper:  # (the program may have put its own there)
                setattr(sys, name, stream)
        self._wrapped.clear()


def _width(stream: TextIO) -> int | None:
    """The terminal's width in columns, if it says."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, ValueError, OSError):
        return None
