"""The trace store: append-only columns, cheap to write on the loop thread.

Why columns of ``array.array`` and not a list of event objects: a Python tuple
per event costs about 2.4 us (mostly garbage collection) against about 0.6 us
for an append to a typed array, and 20 bytes per step instead of hundreds.
The tables are described in ``visualizer.trace.schema``.

Everything here is append-only except the per-task fields filled in when the
task ends (``task_name``, ``task_error``, ``task_end``), so a reader keeps a cursor (row
counts) and reads only what is new.  The instrument is the only writer on the
loop thread; executor threads write only ``jobs`` and do it under ``lock``.

A writer may stage rows and append them a block at a time (the compiled recorder,
``visualizer.instrument.recorder``): it registers with ``add_syncer``, and every reader
calls ``sync()`` first, so what it reads is complete up to that moment.

The store is bounded: past ``capacity`` rows (steps + wakes) it stops
recording, remembers when (``truncated_at``) and counts every row it dropped,
so a run that floods the recorder loses the tail, never the run or the head.

A store that feeds a window for an hour forgets instead (``forget_read_rows``,
``keep_tasks``): once every reader has read its step and wake rows, they are let go,
and tasks that ended before the window's history are dropped and the rest renumbered.
Only a window's mirror of a stream does this (``visualizer.model.forget``); a
recording keeps every row.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from visualizer.trace.resources import ResourceTable

if TYPE_CHECKING:
    from visualizer.trace.stack_samples import StackSample

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


@dataclass(frozen=True)
class TaskEnd:
    """What a task's end showed beyond its outcome (``TraceStore.note_end``): asyncio
    keeps neither, and both are gone a moment later.

    ``cancelling``: the cancel requests still pending (``task.cancelling()``, 3.11+) when
    it ended done or failed, or when the run ended while it was pending: a cancel it
    caught and went on from (``asyncio.timeout``, ``wait_for`` and ``TaskGroup`` withdraw
    the ones they make, with ``uncancel()``).  ``unheld``: it ended done or failed and
    nothing but the loop referred to it: no task awaited it, nothing gathered it, kept
    it or was to be called back when it ended (fire and forget)."""

    cancelling: int = 0
    unheld: bool = False


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
        #: the few tasks whose end showed more than their outcome (``note_end``)
        self.task_end: dict[int, TaskEnd] = {}
        #: their task ids in the order they came (appended once each, after the entry):
        #: a reader on another thread slices what is new, at once, under the GIL
        self.task_end_order: list[int] = []

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

        #: the run's queues, locks, events ... and their changes (``trace.resources``)
        self.resources = ResourceTable()

        self.jobs: list[Job] = []
        self.blocked: list[Blocked] = []
        #: the loop thread's stack while a step held the loop (``trace.stack_samples``),
        #: appended by the tracer's sampling thread
        self.stack_samples: list[StackSample] = []
        #: (t, task or -1, label, kind, detail): see ``data.Mark``; ``add_mark`` adds
        self.marks: list[tuple[float, int, str, str, str]] = []
        self._marks_of: dict[str, int] = {}  #: marks kept, per kind
        #: when the observer (the window that draws this run live, on the same loop) held
        #: the loop: its frames' start and end, raw clock readings (``add_observed``)
        self.observed_start = array("d")
        self.observed_end = array("d")

        #: step and wake rows let go once read (``forget_read_rows``): a reader's cursor
        #: into the tables is then ``len(column)`` plus these
        self.steps_forgotten = 0
        self.wakes_forgotten = 0
        #: clock reading of the latest moment a forgotten row named (None: none was)
        self.forgotten_until: float | None = None
        #: held while rows are let go, and while they are counted (``steps_recorded``):
        #: a streamer's thread lets go, the loop thread counts; microseconds either way
        self._letting_go = threading.Lock()

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

    def mend(self) -> None:
        """Cut a row torn in two: a KeyboardInterrupt landing between the appends of one
        row (a task's, a step's, a wake's) leaves its first columns one longer than the
        rest, and every later row would be misaligned.  Rows are appended at the end, so
        the torn one is the last: each table is cut to its shortest column."""
        tables = (
            (self.task_parent, self.task_created, self.task_coro, self.task_site, self.task_name),
            (self.step_task, self.step_start, self.step_dur, self.step_code),
            (self.wake_task, self.wake_t, self.wake_waker),
        )
        for columns in tables:
            whole = min(len(column) for column in columns)
            for column in columns:
                del column[whole:]
        self.resources.mend()

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

    def add_string(self, text: str) -> int:
        """A string of its own (not shared, so it can be let go: ``release``); its id."""
        self.strings.append(text)
        return len(self.strings) - 1

    def set_name(self, tid: int, name: str) -> None:
        """Task ``tid`` is called ``name`` now.  A name is a string of the task's own, not
        interned: a service names a million tasks an hour ("Task-1234567"), and a shared
        string is kept for good, while a task's own goes with it (``release``).  The same
        name again adds nothing."""
        sid = self.task_name[tid]
        if sid >= 0 and self.strings[sid] == name:
            return
        self.task_name[tid] = self.add_string(name)

    def note_end(self, tid: int, cancelling: int, unheld: bool) -> None:
        """Task ``tid`` ended (or the run did) with ``cancelling`` cancel requests pending,
        nobody holding it if ``unheld`` (``TaskEnd``); a writer calls this only then."""
        known = tid in self.task_end
        self.task_end[tid] = TaskEnd(int(cancelling), bool(unheld))
        if not known:
            self.task_end_order.append(tid)

    def release(self, sids: Iterable[int]) -> None:
        """Let go of the texts of these strings of their own (a task's name, once sent
        to the window or once the window forgot the task): their ids stay, empty."""
        strings = self.strings
        for sid in sids:
            if sid >= 0:
                strings[sid] = ""

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
        # (once full, full for good: rows after the first drop would contradict the
        # trace's promise that nothing after ``truncated_at`` was recorded, though
        # rows let go later make room)
        if self.truncated_at is None and len(self.step_task) + len(self.wake_task) < self.capacity:
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

    # --- forgetting (a window's mirror of a long stream) -------------------------------
    def forget_read_rows(self) -> None:
        """Let go of every step and wake row: each reader has read them (the caller
        sees to it).  The count of each is kept, and the latest moment they named."""
        self.sync()
        latest = [self.forgotten_until] if self.forgotten_until is not None else []
        if self.step_start:  # (the last row: as ``TraceModel.now`` reads the run's end)
            latest.append(self.step_start[-1] + self.step_dur[-1])
        if self.wake_t:
            latest.append(self.wake_t[-1])
        if latest:
            self.forgotten_until = max(latest)
        self.let_go(len(self.step_task), len(self.wake_task))

    def let_go(self, steps: int, wakes: int) -> None:
        """Let go of the first ``steps`` step rows and ``wakes`` wake rows (every reader
        has read them).  Safe beside a writer on another thread: each column loses its
        first rows in one C-level operation, so rows stay aligned across columns however
        the writer's appends fall in between (it only appends, after row ``steps``); the
        writer never waits for it.  A reader of the last row must allow for the rows
        being gone (``IndexError``); ``steps_recorded`` counts under the same lock."""
        with self._letting_go:
            for column in (self.step_task, self.step_start, self.step_dur, self.step_code):
                del column[:steps]
            for column in (self.wake_task, self.wake_t, self.wake_waker):
                del column[:wakes]
            self.steps_forgotten += steps
            self.wakes_forgotten += wakes

    @property
    def steps_recorded(self) -> int:
        """Step rows recorded so far, those let go included (never a count taken while
        rows were being let go: a lecture's Step waits for this to grow)."""
        with self._letting_go:
            return self.steps_forgotten + len(self.step_task)

    def keep_tasks(
        self, keep: Sequence[int] | npt.NDArray[np.int64], cut: float
    ) -> npt.NDArray[np.int64]:
        """Keep only the tasks ``keep`` (ids, ascending), renumbered ``0..len(keep)-1``,
        and the jobs, blocked steps and stack samples ending at or after ``cut`` (a clock reading).

        Call it with no step or wake rows left (``forget_read_rows``): rows name tasks
        by id.  A parent or a job's task that is not kept becomes -1 (none known); a
        mark's too, its label then naming the task.  Returns the new id of each old one
        (-1: not kept)."""
        self.sync()
        if self.step_task or self.wake_task:
            raise ValueError("keep_tasks: step or wake rows are left (forget_read_rows first)")
        keep_ids = np.asarray(keep, np.int64)
        new_of = np.full(self.task_count, -1, np.int64)
        new_of[keep_ids] = np.arange(len(keep_ids))

        def renamed(tid: int) -> int:
            return int(new_of[tid]) if 0 <= tid < len(new_of) else -1

        named = np.frombuffer(self.task_name, np.int32).copy()  # (before the renumbering)

        def gone(tid: int, label: str) -> str:
            """A dropped task's mark, on the loop's row now: its label names the task."""
            sid = int(named[tid]) if 0 <= tid < len(named) else -1
            return f"{label} ({self.strings[sid] if sid >= 0 else 'a task let go'})"

        for column in self.task_columns:
            kept = np.frombuffer(column, column.typecode)[keep_ids]  # (a copy)
            if column is self.task_parent:
                kept = np.where(kept >= 0, new_of[np.maximum(kept, 0)], -1).astype(np.int32)
            del column[:]  # (in place: a writer may hold the column)
            column.frombytes(kept.tobytes())
        self.task_error = {
            renamed(tid): error for tid, error in self.task_error.items() if new_of[tid] >= 0
        }
        self.task_end = {
            renamed(tid): end for tid, end in self.task_end.items() if new_of[tid] >= 0
        }
        self.task_end_order = list(self.task_end)
        with self.lock:
            jobs = [
                job
                for job in self.jobs
                if not job.end < cut  # (nan: not ended, kept)
            ]
            for job in jobs:
                job.task = renamed(job.task)
            self.jobs = jobs
        self.resources.renumber_tasks(new_of)
        self.resources.forget_before(cut)
        self.blocked = [
            Blocked(renamed(b.task), b.start, b.end, b.what) for b in self.blocked if b.end >= cut
        ]
        self.stack_samples = [  # (a sample of a task let go goes with it)
            s.renamed(renamed(s.task))
            for s in self.stack_samples
            if s.t >= cut and (s.task < 0 or renamed(s.task) >= 0)
        ]
        self.marks = [
            (t, renamed(tid), label if renamed(tid) >= 0 or tid < 0 else gone(tid, label), kind, d)
            for t, tid, label, kind, d in self.marks
        ]
        return new_of

    # --- reading -------------------------------------------------------------------
    @property
    def task_count(self) -> int:
        return len(self.task_parent)

    @property
    def task_columns(self) -> tuple[array[int], array[float], array[int], array[int], array[int]]:
        """The tasks table's columns: parent, created, coro, site, name."""
        return (self.task_parent, self.task_created, self.task_coro, self.task_site, self.task_name)

    def string(self, sid: int) -> str | None:
        return self.strings[sid] if sid >= 0 else None

    def nbytes(self) -> int:
        """Bytes held by the hot tables' buffers (allocated, not just used)."""
        self.sync()
        total = 0
        for column in (
            *self.task_columns,
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
