"""The trace store: append-only columns, cheap to write on the loop thread.

Why columns of ``array.array`` and not a list of event objects: a Python tuple
per event costs about 2.4 us (mostly garbage collection) against about 0.6 us
for an append to a typed array, and 20 bytes per step instead of hundreds.
The tables are described in ``visualizer.trace.schema``.

Everything here is append-only except three per-task fields filled in when the
task ends (``task_name``, ``task_error``), so a reader keeps a cursor (row
counts) and reads only what is new.  The instrument is the only writer on the
loop thread; executor threads write only ``jobs`` and do it under ``lock``.

A writer may stage rows and append them a block at a time (the compiled recorder,
``visualizer.instrument.recorder``): it registers with ``add_syncer``, and every reader
calls ``sync()`` first, so what it reads is complete up to that moment.

The store is bounded: past ``capacity`` rows (steps + wakes) it stops
recording, remembers when (``truncated_at``) and counts every row it dropped,
so a run that floods the recorder loses the tail, never the run or the head.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

DEFAULT_CAPACITY: Final = 50_000_000
#: marks of one kind kept a run, at most (``TraceStore.add_mark``)
MAX_MARKS: Final = 1000
#: the observer's busy intervals kept a run, at most (an hour of frames at 35 a second)
MAX_OBSERVED: Final = 130_000


@dataclass(frozen=True)
class Suspension:
    """What a task awaited at one suspension, found by walking its await chain.

    ``label`` names the primitive a person wrote (``sleep(1.0)``, ``Queue.get``),
    ``site`` is the innermost user-code frame as ``path:line`` (None if the task
    runs no user code), ``stack`` the whole await chain, outermost first, as
    ``qualname (path:line)`` strings.
    """

    label: str
    site: str | None
    stack: tuple[str, ...]


@dataclass
class Job:
    """An executor job (``run_in_executor`` / ``to_thread``). Times are raw clock values."""

    id: int
    func: str
    task: int
    submitted: float
    thread: str = ""
    start: float = float("nan")
    end: float = float("nan")
    error: str | None = None


@dataclass(frozen=True)
class Blocked:
    """A step or callback that held the loop for at least the threshold."""

    task: int
    start: float
    end: float
    what: str


@dataclass(frozen=True)
class TaskError:
    type: str
    message: str
    traceback: str


@dataclass
class TraceMeta:
    clock: str = "real"
    source: str = ""
    loop: str = ""
    extra: dict[str, object] = field(default_factory=dict)


class TraceStore:
    """Columnar, append-only record of one traced run."""

    def __init__(self, *, capacity: int = DEFAULT_CAPACITY, origin: float = 0.0) -> None:
        self.capacity = capacity
        self.origin = origin  #: clock reading at which the run started
        #: a step at least this long held the loop: the model lists it as blocked
        #: (callbacks are checked as they run and written to ``blocked``)
        self.slow_threshold = 0.1
        self.finished_at: float | None = None  #: clock reading at which the run ended
        self.meta = TraceMeta()
        self.lock = threading.Lock()  #: guards ``jobs`` (written from executor threads)

        # tasks: row index == task id
        self.task_parent = array("i")
        self.task_created = array("d")
        self.task_coro = array("i")  # string id
        self.task_site = array("i")  # string id or -1
        self.task_name = array("i")  # string id; refreshed when the task ends
        self.task_error: dict[int, TaskError] = {}

        # steps (schema.py)
        self.step_task = array("i")
        self.step_start = array("d")
        self.step_dur = array("f")
        self.step_code = array("i")

        # wakes (schema.py)
        self.wake_task = array("i")
        self.wake_t = array("d")
        self.wake_waker = array("i")

        self.suspensions: list[Suspension] = []
        self.strings: list[str] = []
        self._string_ids: dict[str, int] = {}

        self.jobs: list[Job] = []
        self.blocked: list[Blocked] = []
        #: (t, task or -1, label, kind, detail): see ``data.Mark``; ``add_mark`` adds
        self.marks: list[tuple[float, int, str, str, str]] = []
        self._marks_of: dict[str, int] = {}  #: marks kept, per kind
        #: when the observer (the window that draws this run live, on the same loop) held
        #: the loop: its frames' start and end, raw clock readings (``add_observed``)
        self.observed_start = array("d")
        self.observed_end = array("d")

        self.dropped = 0  #: rows not recorded because the store was full
        self.truncated_at: float | None = None  #: clock reading of the first drop
        self._syncers: list[Callable[[], None]] = []

    # --- staged writers ------------------------------------------------------------
    def add_syncer(self, sync: Callable[[], None]) -> None:
        """``sync`` appends a writer's staged rows; ``sync()`` calls it before any read."""
        self._syncers.append(sync)

    def sync(self) -> None:
        """Make every staged row visible in the columns. Readers call this first."""
        for sync in self._syncers:
            sync()

    # --- writing -------------------------------------------------------------------
    def add_mark(self, t: float, task: int, label: str, kind: str, detail: str = "") -> None:
        """A mark, if fewer than ``MAX_MARKS`` of its kind were kept (a program can warn
        or mark in a loop): the rest are counted in ``meta["dropped_<kind>s"]``."""
        kept = self._marks_of.get(kind, 0)
        if kept >= MAX_MARKS:
            key = f"dropped_{kind}s"
            dropped = self.meta.extra.get(key, 0)
            self.meta.extra[key] = (dropped if isinstance(dropped, int) else 0) + 1
            return
        self._marks_of[kind] = kept + 1
        self.marks.append((t, task, label, kind, detail))

    def add_observed(self, start: float, end: float) -> None:
        """The observer held the run's loop from ``start`` to ``end`` (a live frame of the
        window, on the loop the program runs on): drawn on the chart, so that a timer
        the program saw late is never left unexplained.  At most ``MAX_OBSERVED``; the
        rest are counted in ``meta["dropped_observed"]``."""
        if len(self.observed_start) >= MAX_OBSERVED:
            dropped = self.meta.extra.get("dropped_observed", 0)
            self.meta.extra["dropped_observed"] = (dropped if isinstance(dropped, int) else 0) + 1
            return
        self.observed_start.append(start)
        self.observed_end.append(end)

    def string_id(self, text: str) -> int | None:
        """The id of ``text`` if the table has it (nothing is added)."""
        return self._string_ids.get(text)

    def intern(self, text: str) -> int:
        """Return the id of ``text`` in the string table, adding it once."""
        sid = self._string_ids.get(text)
        if sid is None:
            sid = len(self.strings)
            self.strings.append(text)
            self._string_ids[text] = sid
        return sid

    def add_suspension(self, suspension: Suspension) -> int:
        self.suspensions.append(suspension)
        return len(self.suspensions) - 1

    @property
    def rows(self) -> int:
        """Rows in the two hot tables: what ``capacity`` bounds."""
        self.sync()
        return len(self.step_task) + len(self.wake_task)

    def full(self, now: float) -> bool:
        """True (and counts one drop) if no more rows fit. Called by writers."""
        self.sync()
        if len(self.step_task) + len(self.wake_task) < self.capacity:
            return False
        if self.truncated_at is None:
            self.truncated_at = now
        self.dropped += 1
        return True

    def add_task(self, parent: int, created: float, coro: int, site: int) -> int:
        """A new task row; ``coro`` and ``site`` are string ids (``site`` may be -1)."""
        tid = len(self.task_parent)
        self.task_parent.append(parent)
        self.task_created.append(created)
        self.task_coro.append(coro)
        self.task_site.append(site)
        self.task_name.append(-1)
        return tid

    # --- reading -------------------------------------------------------------------
    @property
    def task_count(self) -> int:
        return len(self.task_parent)

    def string(self, sid: int) -> str | None:
        return self.strings[sid] if sid >= 0 else None

    def nbytes(self) -> int:
        """Bytes held by the hot tables' buffers (allocated, not just used)."""
        self.sync()
        total = 0
        for column in (
            self.task_parent,
            self.task_created,
            self.task_coro,
            self.task_site,
            self.task_name,
            self.step_task,
            self.step_start,
            self.step_dur,
            self.step_code,
            self.wake_task,
            self.wake_t,
            self.wake_waker,
        ):
            total += column.buffer_info()[1] * column.itemsize
        return total
