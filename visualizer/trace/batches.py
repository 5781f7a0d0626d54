"""A store, streamed: the program's side, batches made from its growing ``TraceStore``.

``BatchMaker`` runs in the traced program, on a thread of its own: it reads what the
store gained since its last batch, never taking a lock the loop thread takes, so the
program never waits for it (the one thing it writes is what ``store.sync()`` does: the
compiled recorder's staged rows moved into the columns, in one C call under the GIL).
Reading from another thread is safe because the store is append-only and every read is
one C-level copy under the GIL (a slice of an ``array``, a list, a dict): a table's
columns are appended one after another, so the shortest column says how many rows are
whole, and tables are read in the order their rows refer to each other (steps before the
tasks and suspensions they name, tasks before the strings theirs name), so everything a
row refers to is read too.  Nothing here exports an array's buffer: the program's next
append would then fail.  Rows the window has may be let go (``let_go``): the program's
memory then stays bounded however long it runs.

The window's side, which checks and applies the batches, is ``visualizer.trace.mirror``.
"""

from __future__ import annotations

import itertools
import math
import operator
import sys
from array import array
from collections.abc import Iterable
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.trace import resources as res
from visualizer.trace.store import Job, TaskEnd, TraceStore
from visualizer.trace.wire import (
    VERSION,
    Batch,
    ChangeRows,
    End,
    Hello,
    JobRow,
    LectureState,
    NameRows,
    ResourceRows,
    StepRows,
    TaskRows,
    WakeRows,
)

#: rows of one table in one batch, at most: a batch stays about a megabyte
BATCH_ROWS: Final = 50_000
_LITTLE: Final = sys.byteorder == "little"


def _bytes(column: array[Any], begin: int, end: int) -> bytes:
    """Rows ``begin:end`` of a column as little-endian bytes (one C-level copy)."""
    part = column[begin:end]
    if not _LITTLE:  # pragma: no cover - no big-endian machine here
        part.byteswap()
    return part.tobytes()


def _rows_of(columns: tuple[array[Any], ...], begin: int, end: int) -> list[bytes]:
    """Rows ``begin:end`` of each of a table's columns, as little-endian bytes."""
    return [_bytes(column, begin, end) for column in columns]


def _gather(column: array[Any], ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    """``column[i]`` for each of ``ids`` (ascending), never through a view of the
    column's buffer (the program's next append would then fail): ids close together
    (100,000 tasks alive at once) as one copy of the rows they span, ids far apart (a
    service's few live tasks among millions) one by one, in one C-level call."""
    if not len(ids):
        return np.zeros(0, np.int32)
    low, high = int(ids[0]), int(ids[-1]) + 1
    if len(ids) * 16 >= high - low:
        return np.frombuffer(column[low:high].tobytes(), np.int32)[ids - low]
    got = operator.itemgetter(*ids.tolist())(column)
    return np.array(got if len(ids) > 1 else [got], np.int32)


def _little(values: npt.NDArray[Any]) -> bytes:
    """A numpy column as little-endian bytes."""
    return values.astype(values.dtype.newbyteorder("<")).tobytes()


class BatchMaker:
    """What a store gained since the last batch (see the module's docstring)."""

    def __init__(self, store: TraceStore) -> None:
        self.store = store
        self._seq = 0
        self._tasks = 0
        self._steps = 0
        self._wakes = 0
        self._strings = 0
        self._suspensions = 0
        self._blocked = 0
        self._marks = 0
        self._stack_samples = 0
        #: tasks not named yet (a task is named once, as it ends: ``TraceStore.set_name``),
        #: and the first task not looked at yet: only these are read at each batch
        self._unnamed = np.zeros(0, np.int64)
        self._named_upto = 0
        self._names_sent: list[int] = []  #: name strings sent since the last ``let_go``
        self._live_names: dict[int, str] = {}
        self._errors: set[int] = set()
        self._ends: set[int] = set()  #: tasks whose ``store.task_end`` was sent
        self._ends_read = 0  #: entries of ``store.task_end`` read so far
        self._ends_waiting: list[tuple[int, TaskEnd]] = []  #: read, their task not sent yet
        self._jobs: dict[int, JobRow] = {}  #: each job as last sent
        self._jobs_seen: list[Job] = []  #: the store's jobs read so far
        self._jobs_open: list[Job] = []  #: those not ended when last read (sent again)
        self._extra: dict[str, Any] = {}
        self._loop = store.meta.loop
        #: resource rows sent (never let go: ids are the run's), their kinds, and the
        #: change rows sent (counted from the store's first row; ``let_go``)
        self._resources = 0
        self._kinds = np.zeros(0, np.int8)
        self._changes = 0
        self._capped = False  #: the last batch left resource rows over (``BATCH_ROWS``)

    def hello(self, *, pid: int = 0, argv: Iterable[str] = ()) -> Hello:
        store = self.store
        return Hello(
            version=VERSION,
            origin=store.origin,
            clock=store.meta.clock,
            source=store.meta.source,
            pid=pid,
            argv=list(argv),
            loop=store.meta.loop,
            slow=store.slow_threshold,
            extra=dict(store.meta.extra),
        )

    def _new_ends(self, store: TraceStore) -> list[tuple[int, TaskEnd]]:
        """The entries of ``store.task_end`` not read yet, and those waiting for their
        task to be sent: only the new ones are read (``task_end_order``, sliced at once
        under the GIL while the loop's thread may add more: a program that drops a task
        per request adds one each, and reading them all at every batch, on the program's
        own process, would cost it more each time)."""
        order = store.task_end_order
        if len(order) < self._ends_read:  # (fewer: renumbered; read them all again)
            self._ends_read = 0
        new = order[self._ends_read :]
        self._ends_read += len(new)
        facts = store.task_end
        return [*self._ends_waiting, *((t, facts[t]) for t in new if t in facts)]

    def batch(
        self,
        now: float,
        live_names: Iterable[tuple[int, str]] = (),
        *,
        running: int = -1,
        running_since: float | None = None,
        lecture: LectureState | None = None,
        mono: float | None = None,
    ) -> Batch:
        """The next batch: at most ``BATCH_ROWS`` rows of each table (``more`` says
        whether rows are left over for the next one at once)."""
        store = self.store
        store.sync()
        # lists that refer to tasks first, then the tables in the order rows refer to
        # each other: steps and wakes, then tasks, then names, then the strings and
        # suspensions all of these name.  No lock: the loop thread takes ``store.lock``
        # to add a job, and must never wait for this thread (a slice of a list is one
        # step under the GIL; a job's fields, set by its thread, are read as they are,
        # and a job is sent again while it has not ended)
        new_jobs = store.jobs[len(self._jobs_seen) :]
        self._jobs_seen.extend(new_jobs)
        jobs = [
            JobRow(j.id, j.func, j.task, j.submitted, j.thread, j.start, j.end, j.error)
            for j in (*self._jobs_open, *new_jobs)
        ]
        blocked = store.blocked[self._blocked :]
        samples = store.stack_samples[self._stack_samples :]
        marks = store.marks[self._marks :]
        errors = list(store.task_error.items()) if len(store.task_error) > len(self._errors) else []
        ends = self._new_ends(store)
        wakes_end = min(len(store.wake_task), len(store.wake_t), len(store.wake_waker))
        wakes_end = min(wakes_end, self._wakes + BATCH_ROWS)
        steps_end = min(
            len(store.step_task), len(store.step_start), len(store.step_dur), len(store.step_code)
        )
        steps_end = min(steps_end, self._steps + BATCH_ROWS)
        # the changes before the resources they name, both before the tasks they name
        table = store.resources
        changes_end = min(*(len(c) for c in table.change_columns), self._changes + BATCH_ROWS)
        resource_columns = (table.kind, table.created, table.task, table.site, table.name)
        resources_end = min(
            *(len(c) for c in resource_columns), len(table.capacity), self._resources + BATCH_ROWS
        )
        self._capped = (
            changes_end == self._changes + BATCH_ROWS
            or resources_end == self._resources + BATCH_ROWS
        )
        tasks_end = min(
            len(store.task_parent),
            len(store.task_created),
            len(store.task_coro),
            len(store.task_site),
            len(store.task_name),
            self._tasks + BATCH_ROWS,
        )
        # (rows that name a task not sent yet wait for the batch that sends it)
        steps_end = self._rows_naming_sent(store.step_task, None, self._steps, steps_end, tasks_end)
        wakes_end = self._rows_naming_sent(
            store.wake_task, store.wake_waker, self._wakes, wakes_end, tasks_end
        )
        resource_rows, change_rows = self._resource_rows(resources_end, changes_end, tasks_end)
        blocked = list(itertools.takewhile(lambda b: b.task < tasks_end, blocked))
        samples = list(itertools.takewhile(lambda s: s.task < tasks_end, samples))
        marks = list(itertools.takewhile(lambda m: m[1] < tasks_end, marks))
        looked_at = np.concatenate([self._unnamed, np.arange(self._named_upto, tasks_end)])
        names = _gather(store.task_name, looked_at)
        strings_end = len(store.strings)
        suspensions_end = len(store.suspensions)

        batch = Batch(
            seq=self._seq,
            now=now,
            running=running,
            running_since=running_since,
            lecture=lecture,
            mono=mono,
        )
        self._seq += 1
        # (rows are numbered from the run's first: those let go count, ``let_go``)
        if wakes_end > self._wakes:
            wake_columns = (store.wake_task, store.wake_t, store.wake_waker)
            batch.wakes = WakeRows(
                store.wakes_forgotten + self._wakes,
                *_rows_of(wake_columns, self._wakes, wakes_end),
            )
            self._wakes = wakes_end
        if steps_end > self._steps:
            step_columns = (store.step_task, store.step_start, store.step_dur, store.step_code)
            batch.steps = StepRows(
                store.steps_forgotten + self._steps,
                *_rows_of(step_columns, self._steps, steps_end),
            )
            self._steps = steps_end
        if tasks_end > self._tasks:
            task_columns = (store.task_parent, store.task_created, store.task_coro, store.task_site)
            batch.tasks = TaskRows(self._tasks, *_rows_of(task_columns, self._tasks, tasks_end))
            self._tasks = tasks_end
        named = names >= 0
        if named.any():
            batch.names = NameRows(
                _little(looked_at[named].astype(np.int32)), _little(names[named].astype(np.int32))
            )
            self._names_sent.extend(names[named].tolist())
            for tid in looked_at[named].tolist():  # (their live names are done with)
                self._live_names.pop(tid, None)
        self._unnamed = looked_at[~named]
        self._named_upto = max(self._named_upto, tasks_end)
        if live_names:  # (the live names that changed: a few, as a rule)
            unnamed = set(self._unnamed.tolist())
            for tid, name in live_names:
                if tid in unnamed and self._live_names.get(tid) != name:
                    self._live_names[tid] = name
                    batch.live_names.append((tid, name))
        if strings_end > self._strings:
            batch.strings_first = self._strings
            batch.strings = store.strings[self._strings : strings_end]
            self._strings = strings_end
        if suspensions_end > self._suspensions:
            batch.suspensions_first = self._suspensions
            batch.suspensions = [
                (s.label, s.site, list(s.stack))
                for s in store.suspensions[self._suspensions : suspensions_end]
            ]
            self._suspensions = suspensions_end
        for tid, error in errors:
            if tid not in self._errors and tid < tasks_end:
                self._errors.add(tid)
                batch.errors.append((tid, error.type, error.message, error.traceback))
        for tid, end in ends:
            if tid not in self._ends and tid < tasks_end:
                self._ends.add(tid)
                batch.ends.append((tid, end.cancelling, end.unheld))
        # (a task not sent yet: its end's facts wait for it)
        self._ends_waiting = [(t, e) for t, e in ends if t not in self._ends and t >= tasks_end]
        for job in jobs:
            if self._jobs.get(job.id) != job and job.task < tasks_end:
                self._jobs[job.id] = job
                batch.jobs.append(job)
        self._jobs_open = [j for j in (*self._jobs_open, *new_jobs) if math.isnan(j.end)]
        if blocked:
            batch.blocked_first = self._blocked
            batch.blocked = [(b.task, b.start, b.end, b.what) for b in blocked]
            self._blocked += len(blocked)
        if samples:
            batch.stack_samples_first = self._stack_samples
            batch.stack_samples = [sample.row() for sample in samples]
            self._stack_samples += len(samples)
        if marks:
            batch.marks_first = self._marks
            batch.marks = list(marks)
            self._marks += len(marks)
        batch.resources, batch.resource_changes = resource_rows, change_rows
        batch.dropped = store.dropped
        batch.truncated_at = store.truncated_at
        if store.meta.loop != self._loop:
            batch.loop = self._loop = store.meta.loop
        for key, value in list(store.meta.extra.items()):
            if key.startswith("dropped_") and self._extra.get(key) != value:
                self._extra[key] = value
                batch.extra[key] = value
        return batch

    def _resource_rows(
        self, resources_end: int, changes_end: int, tasks_end: int
    ) -> tuple[ResourceRows | None, ChangeRows | None]:
        """The resource and change rows up to these ends that name only tasks below
        ``tasks_end`` (and resources sent; the rest wait for a later batch), as columns."""
        table = self.store.resources
        resources = None
        begin = self._resources
        if resources_end > begin:
            task = np.frombuffer(table.task[begin:resources_end].tobytes(), np.int32)
            late = task >= tasks_end
            resources_end = begin + int(np.argmax(late)) if late.any() else resources_end
        if resources_end > begin:
            columns = (table.kind, table.created, table.task, table.site, table.name)
            resources = ResourceRows(
                begin, *_rows_of((*columns, table.capacity), begin, resources_end)
            )
            kinds = np.frombuffer(resources.kind, np.int8)
            self._kinds = np.concatenate([self._kinds, kinds])
            self._resources = resources_end
        changes = None
        begin = self._changes
        if changes_end > begin:
            rows = [
                np.frombuffer(c[begin:changes_end].tobytes(), c.typecode)
                for c in table.change_columns
            ]
            rid, _t, task, op, value, _detail = rows
            late = (rid >= self._resources) | (task >= tasks_end)
            known = (rid >= 0) & ~late
            kind = np.full(len(rid), -1, np.int8)  # (a lock's holder is a task too)
            kind[known] = self._kinds[rid[known]]
            late |= res.holders(kind, op) & (value >= tasks_end)
            n = int(np.argmax(late)) if late.any() else len(rid)
            if n:
                changes = ChangeRows(
                    table.changes_forgotten + begin, *(_little(c[:n]) for c in rows)
                )
                self._changes = begin + n
        return resources, changes

    @staticmethod
    def _rows_naming_sent(
        task: array[Any], waker: array[Any] | None, begin: int, end: int, tasks_end: int
    ) -> int:
        """The end of the rows from ``begin`` that name only tasks below ``tasks_end``
        (the rows after the first that names another wait for a later batch)."""
        if end <= begin:
            return end
        named = np.frombuffer(task[begin:end].tobytes(), np.int32) >= tasks_end
        if waker is not None:
            packed = np.frombuffer(waker[begin:end].tobytes(), np.int32)
            named |= (packed >> 3) - 1 >= tasks_end
        return begin + int(np.argmax(named)) if named.any() else end

    def let_go(self, at_least: int) -> int:
        """If at least ``at_least`` step, wake and resource change rows were sent, let go
        of them in the store (``TraceStore.let_go``, ``ResourceTable.let_go``: the
        program's memory stays bounded however long it runs) and return how many step
        and wake rows went (what the store's capacity counts); else 0.  The names sent
        go at once.  Only for a stream that is the run's one reader: a window that
        connected later could not get them."""
        if self._names_sent:  # (names sent: strings of their tasks' own, done with here)
            self.store.release(self._names_sent)
            self._names_sent = []
        steps, wakes, changes = self._steps, self._wakes, self._changes
        if steps + wakes + changes < at_least:
            return 0
        self.store.let_go(steps, wakes)
        self.store.resources.let_go(changes)
        self._steps -= steps
        self._wakes -= wakes
        self._changes -= changes
        return steps + wakes

    @property
    def behind(self) -> bool:
        """Rows are left that did not fit the last batch."""
        store = self.store
        return (
            len(store.step_code) > self._steps
            or len(store.wake_waker) > self._wakes
            or len(store.task_name) > self._tasks
            or self._capped
        )


def end_message(
    store: TraceStore,
    *,
    exit_code: int = 0,
    error_kind: str | None = None,
    message: str | None = None,
    traceback: str = "",
    tracer_failure: str | None = None,
) -> End:
    finished = store.finished_at if store.finished_at is not None else store.origin
    return End(finished, exit_code, error_kind, message, traceback, tracer_failure)
