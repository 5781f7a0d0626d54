"""A store, streamed: the window's side, the batches of a stream applied to a store.

``StreamMirror`` runs in the window: it checks every row a batch brings (indices in
range, times finite, lists continuing where the last one stopped) and only then
appends it to its own store, which the ``TraceModel`` reads like any other.  String
ids are renumbered: the window adds names of its own to the same table, so the
program's string ids are mapped to the mirror's as they arrive.  So are task ids, once
the window forgets (``keep_tasks``, for a service that runs for hours): the store then
holds only the tasks kept, numbered from 0, and ``_local`` maps the program's id of each
task to the store's (-1: forgotten; every forgotten task had ended, so a step that names
one is refused as a step of a task that had ended, and a wake, name or error of one is
let go).  The resources' rows (issue 15) are checked as a trace file's are
(``resource_file``: what the window saves, it can open again) and mapped alike: their
string ids, and the tasks they name (a lock's holder too); resources keep the program's
ids (none is ever forgotten), and their changes are counted from the run's first, as
steps are (``ResourceTable.forget_before`` lets old ones go with the window's history).

The program's side, which makes the batches, is ``visualizer.trace.batches``.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.trace import resources as res
from visualizer.trace import schema
from visualizer.trace.coherence import MAX_SECONDS
from visualizer.trace.stack_samples import StackSample, row_is_sane
from visualizer.trace.store import Blocked, Job, Suspension, TaskError, TraceStore
from visualizer.trace.wire import (
    Batch,
    ChangeRows,
    End,
    Hello,
    JobRow,
    LectureState,
    ResourceRows,
    StepRows,
    StreamFormatError,
    TaskRows,
    WakeRows,
)

#: (seconds) a time a hair before another is taken as not before it
_SLACK: Final = 1e-6
#: ``[kind, op]``: a change a resource of this kind can make (any can be waited on)
_OPS_OF: Final = np.array(
    [
        [op == res.WAIT or op in res.OPS_OF_KIND[kind] for op in range(len(res.OPS))]
        for kind in res.KINDS
    ]
)
#: the trace meta's own keys: a stream's extras never replace them
_CORE_META: Final = frozenset(
    {"clock", "source", "loop", "duration", "dropped_events", "truncated_at", "stream", "exit"}
)


def _column(data: bytes, dtype: str, rows: int, what: str) -> npt.NDArray[Any]:
    """A received column: ``rows`` values of ``dtype`` (little-endian), or an error."""
    kind = np.dtype(dtype).newbyteorder("<")
    if len(data) != rows * kind.itemsize:
        raise StreamFormatError(
            f"{what}: {len(data)} bytes for {rows} rows of {kind.itemsize} bytes each"
        )
    return np.frombuffer(data, kind).astype(dtype)


def _rows(data: bytes, itemsize: int, what: str) -> int:
    if len(data) % itemsize:
        raise StreamFormatError(f"{what}: {len(data)} bytes is not a whole number of rows")
    return len(data) // itemsize


def _finite(values: npt.NDArray[np.floating[Any]], what: str) -> None:
    if len(values) and not np.isfinite(values).all():
        raise StreamFormatError(f"{what}: a time that is not a finite number")


def _of_the_run(values: npt.NDArray[np.floating[Any]], origin: float, what: str) -> None:
    """Clock readings of the run: finite, none before its start, none past
    ``MAX_SECONDS`` after it (a reading of ``1e134`` made the model's run that long)."""
    _finite(values, what)
    if len(values) and (
        float(values.min()) < origin - _SLACK or float(values.max()) > origin + MAX_SECONDS
    ):
        raise StreamFormatError(f"{what}: a time before the run began, or past any run")


def _a_time(value: float, origin: float) -> bool:
    """``value`` is a clock reading the run can have (as ``_of_the_run``)."""
    return math.isfinite(value) and origin - _SLACK <= value <= origin + MAX_SECONDS


def _in_order(*times: float) -> bool:
    """The times that are known (not NaN) come one after another (a job submitted, then
    started, then ended; a blocked step's start, then its end), give or take the slack of
    clocks read on different threads."""
    known = [t for t in times if not math.isnan(t)]
    return all(a <= b + _SLACK for a, b in itertools.pairwise(known))


def _in_range(values: npt.NDArray[Any], low: int, high: int, what: str) -> None:
    """Every value in ``low <= v < high``."""
    if len(values) and (int(values.min()) < low or int(values.max()) >= high):
        bad = values[(values < low) | (values >= high)][0]
        raise StreamFormatError(f"{what}: {int(bad)} is out of range ({low} to {high - 1})")


def _after_its_task(
    task: npt.NDArray[Any],
    t: npt.NDArray[np.float64],
    made: npt.NDArray[np.float64],
    what: str,
) -> None:
    """No task (the store's ids; -1: none, or forgotten) named before it was made (the
    run shown would leave it out: a task made after the run's end has no lane)."""
    named = task >= 0
    if named.any() and (made[task[named]] > t[named] + _SLACK).any():
        raise StreamFormatError(f"{what} by a task before it was made")


def _sane(
    kind: npt.NDArray[Any],
    op: npt.NDArray[Any],
    value: npt.NDArray[Any],
    detail: npt.NDArray[Any],
    capacity: npt.NDArray[Any],
    n_tasks: int,
    where: str,
    first: int,
) -> None:
    """Each change leaves its resource in a state its kind can be in (as a trace file's
    are checked, ``resource_file._sane``: what the window saves, it can open again)."""
    wait = op == res.WAIT
    queue = np.isin(kind, list(res.QUEUES)) & ~wait
    semaphore = np.isin(kind, list(res.SEMAPHORES)) & ~wait
    held = res.holders(kind, op)
    event = (kind == res.EVENT) & ~wait
    count = ~(wait | queue | semaphore | held | event)
    bounded = (capacity >= 0) & (value > capacity)
    for bad, field, says in (
        (wait & ~np.isin(detail, (0, 1, 2)), "detail", "a wait is for 0, 1 or 2"),
        (queue & (value < 0), "value", "a queue's size is never negative"),
        (queue & bounded, "value", "more than the queue's maxsize"),
        (queue & (detail < 0), "detail", "unfinished tasks are never negative"),
        (semaphore & (value < 0), "value", "free permits are never negative"),
        (
            semaphore & (kind == res.KIND_CODE["BoundedSemaphore"]) & bounded,
            "value",
            "over the bound",
        ),
        (held & ((value < -1) | (value >= n_tasks)), "value", "a holder is a task id or -1"),
        (held & ~np.isin(detail, (0, 1)), "detail", "locked is 0 or 1"),
        (event & ~np.isin(value, (0, 1)), "value", "an event is 0 or 1"),
        (count & (value < 0), "value", "a count is never negative"),
    ):
        if bad.any():
            raise StreamFormatError(
                f"{where}.{field}: {says} (change {first + int(np.argmax(bad))})"
            )


class _Ids:
    """A growing column of ids (numpy, doubling): a mirror maps every one of the
    program's tasks and strings, a million an hour for a service, and copying the whole
    map at each batch cost the window more than the batch."""

    def __init__(self) -> None:
        self._data = np.zeros(1024, np.int32)
        self.length = 0

    def __len__(self) -> int:
        return self.length

    @property
    def ids(self) -> npt.NDArray[np.int32]:
        """The ids so far (a view: valid until the next ``with_more``)."""
        return self._data[: self.length]

    def with_more(self, values: npt.NDArray[Any]) -> npt.NDArray[np.int32]:
        """The ids so far and ``values`` after them (not kept until ``keep``)."""
        need = self.length + len(values)
        if need > len(self._data):
            grown = np.zeros(max(need, 2 * len(self._data)), np.int32)
            grown[: self.length] = self._data[: self.length]
            self._data = grown
        self._data[self.length : need] = values
        return self._data[:need]

    def keep(self, length: int) -> None:
        """The first ``length`` ids are kept (those ``with_more`` wrote included)."""
        self.length = length

    def replace(self, ids: npt.NDArray[Any]) -> None:
        self._data[: self.length] = ids


class StreamMirror:
    """A ``TraceStore`` that grows as a stream's batches are applied (in the window)."""

    def __init__(self, hello: Hello, *, capacity: int | None = None) -> None:
        if not (math.isfinite(hello.origin) and abs(hello.origin) <= MAX_SECONDS):
            raise StreamFormatError("hello: the origin is not a clock reading")
        kwargs: dict[str, Any] = {} if capacity is None else {"capacity": capacity}
        self.store = store = TraceStore(origin=hello.origin, **kwargs)
        self.hello = hello
        store.meta.clock = hello.clock if hello.clock in schema.CLOCKS else "real"
        store.meta.source = hello.source
        store.meta.loop = hello.loop
        store.meta.extra.update({k: v for k, v in hello.extra.items() if k not in _CORE_META})
        store.slow_threshold = hello.slow if hello.slow > 0 else 0.1
        self._sids = _Ids()  #: the program's string id -> the mirror's
        #: the program's task id -> the store's (-1: forgotten); the identity until then
        self._local = _Ids()
        self.now = hello.origin  #: the program's clock at its last batch
        #: the task whose step held the loop at the last batch (the store's id), or -1
        self.running = -1
        self.running_since: float | None = None
        #: a program run as a lecture: where it is (paused, speed, its time), as last said
        self.lecture: LectureState | None = None
        self.end: End | None = None
        self.batches = 0
        self.dropped_rows = 0  #: rows this mirror could not keep (its store was full)
        self._steps_dropped = 0  #: (rows of each table the stream sent and the store has not)
        self._wakes_dropped = 0
        self._blocked_seen = 0  #: blocked steps and marks the stream sent so far
        self._marks_seen = 0
        self._stack_samples_seen = 0
        #: per task: its final name came (a live name no longer applies)
        self._named = np.zeros(0, np.bool_)
        self._ended = np.zeros(0, np.bool_)  #: per task: a step ended it
        #: per task: when its last step so far ended (its next cannot begin before)
        self._last_end = np.zeros(0, np.float64)
        self._job_index: dict[int, int] = {}  #: job id -> its index in ``store.jobs``
        #: the latest moment the rows so far name (the run cannot end before it)
        self._latest = hello.origin
        self._next_latest = hello.origin
        #: the latest moment the resources' rows name (recorded past a full store too:
        #: the run ends after them, but they say nothing of when it filled)
        self._latest_change = hello.origin
        self._next_latest_change = hello.origin
        self._stream_cut: float | None = None  #: when the program's store filled up
        #: the resources so far (never forgotten: ids are the program's): their kinds,
        #: capacities (-1: none) and when each was made; the last change's time
        self._res_kind = np.zeros(0, np.int8)
        self._res_capacity = np.zeros(0, np.int64)
        self._res_created = np.zeros(0, np.float64)
        self._change_t = -math.inf

    def apply(self, message: Batch | End) -> None:
        """Check ``message`` whole, then append what it brings; a bad one changes nothing."""
        if isinstance(message, End):
            if not math.isfinite(message.finished_at):
                raise StreamFormatError("end: the end time is not a finite number")
            if not _a_time(message.finished_at, self.store.origin):
                raise StreamFormatError("end: the end time is not a time of the run")
            if message.finished_at < max(self._latest, self._latest_change):
                raise StreamFormatError("end: the run ends before its last recorded moment")
            self.end = message
            self.store.finished_at = max(message.finished_at, self.store.origin)
            return
        checked = self._check(message)
        self._append(message, *checked)
        self.batches += 1

    # --- checks: nothing is written until the whole batch passed -------------------------
    def _check(self, batch: Batch) -> tuple[Any, ...]:
        store = self.store
        if not math.isfinite(batch.now):
            raise StreamFormatError(f"batch {batch.seq}: now is not a finite number")
        if not _a_time(batch.now, store.origin):
            raise StreamFormatError(f"batch {batch.seq}: now is not a time of the run")
        if batch.strings and batch.strings_first != len(self._sids):
            raise StreamFormatError(
                f"batch {batch.seq}: strings from {batch.strings_first}, expected {len(self._sids)}"
            )
        n_strings = len(self._sids) + len(batch.strings)
        n_susp = len(store.suspensions) + len(batch.suspensions)
        if batch.suspensions and batch.suspensions_first != len(store.suspensions):
            raise StreamFormatError(
                f"batch {batch.seq}: suspensions from {batch.suspensions_first}, expected"
                f" {len(store.suspensions)}"
            )
        tasks = None
        if batch.tasks is not None:
            tasks = self._check_tasks(batch.tasks, n_strings, batch.seq)
        # the store's id of each of the program's tasks, those of this batch too
        local = self._locals(len(tasks[0]) if tasks is not None else 0)
        n_tasks = len(local)  # (the program's tasks: its ids are checked against it)
        steps = None
        if batch.steps is not None:
            new_created = tasks[1] if tasks is not None else None
            steps = self._check_steps(batch.steps, local, n_susp, batch.seq, new_created)
        wakes = None
        if batch.wakes is not None:
            wakes = self._check_wakes(batch.wakes, local, batch.seq)
        resources = changes = None
        if batch.resources is not None or batch.resource_changes is not None:
            # (when each task was made, by the store's ids: none is named before it was)
            made = self._created(
                tasks[1] if tasks is not None else None,
                store.task_count + (len(tasks[0]) if tasks is not None else 0),
            )
            if batch.resources is not None:
                resources = self._check_resources(
                    batch.resources, local, made, n_strings, batch.seq
                )
            if batch.resource_changes is not None:
                changes = self._check_changes(
                    batch.resource_changes, local, made, resources, batch.seq
                )
        where = f"batch {batch.seq}"
        names = None
        if batch.names is not None:
            n = _rows(batch.names.task, 4, f"{where}: names")
            names = (
                _column(batch.names.task, "i4", n, f"{where}: names.task"),
                _column(batch.names.name, "i4", n, f"{where}: names.name"),
            )
            _in_range(names[0], 0, n_tasks, f"{where}: names.task")
            _in_range(names[1], 0, n_strings, f"{where}: names.name")
            kept = local[names[0]] >= 0  # (a forgotten task's name: let go)
            names = (local[names[0]][kept], names[1][kept])
        for tid, _name in batch.live_names:
            if not 0 <= tid < n_tasks:
                raise StreamFormatError(f"{where}: live name of task {tid}: no such task")
        for tid, *_ in batch.errors:
            if not 0 <= tid < n_tasks:
                raise StreamFormatError(f"{where}: error of task {tid}: no such task")
        for tid, cancelling, _unheld in batch.ends:
            if not 0 <= tid < n_tasks or cancelling < 0:
                raise StreamFormatError(f"{where}: end of task {tid} is malformed")
        for job in batch.jobs:
            origin = store.origin  # (start and end are NaN until they happen)
            if not (
                -1 <= job.task < n_tasks
                and _a_time(job.submitted, origin)
                and all(math.isnan(t) or _a_time(t, origin) for t in (job.start, job.end))
                and _in_order(job.submitted, job.start, job.end)
            ):
                raise StreamFormatError(f"{where}: job {job.id} is malformed")
        if batch.blocked and batch.blocked_first != self._blocked_seen:
            raise StreamFormatError(f"{where}: blocked steps do not continue")
        for tid, start, end, _what in batch.blocked:
            if not (
                -1 <= tid < n_tasks
                and _a_time(start, store.origin)
                and _a_time(end, store.origin)
                and _in_order(start, end)
            ):
                raise StreamFormatError(f"{where}: a blocked step is malformed")
        if batch.stack_samples and batch.stack_samples_first != self._stack_samples_seen:
            raise StreamFormatError(f"{where}: stack samples do not continue")
        for row in batch.stack_samples:
            if not (
                row_is_sane(row, n_tasks)
                and _a_time(row[1], store.origin)
                and _a_time(row[2], store.origin)
            ):
                raise StreamFormatError(f"{where}: a stack sample is malformed")
        if batch.marks and batch.marks_first != self._marks_seen:
            raise StreamFormatError(f"{where}: marks do not continue")
        for t, tid, *_ in batch.marks:
            if not (-1 <= tid < n_tasks and _a_time(t, store.origin)):
                raise StreamFormatError(f"{where}: a mark is malformed")
        if batch.running >= n_tasks or batch.running < -1:
            raise StreamFormatError(f"{where}: running task {batch.running}: no such task")
        if batch.dropped < 0:
            raise StreamFormatError(f"{where}: a negative count of dropped rows")
        # the run's end and the moment the store filled come after every row: the model
        # cuts the run there, and a task made later would have spans but no lane
        latest = self._latest
        if steps is not None and len(steps[1]):
            latest = max(latest, float((steps[1] + steps[2].astype(np.float64)).max()))
        if wakes is not None and len(wakes[1]):
            latest = max(latest, float(wakes[1].max()))
        cut = batch.truncated_at if batch.truncated_at is not None else self._stream_cut
        if cut is not None and (not math.isfinite(cut) or cut < latest):
            raise StreamFormatError(f"{where}: rows recorded after the store was full")
        self._next_latest = latest
        # (a resource's changes, a job's times, a blocked step, a mark, a stack sample are
        # recorded past a full store too: the run ends after them, but they may come
        # after the moment it filled)
        latest = self._latest_change
        if resources is not None and len(resources[1]):
            latest = max(latest, float(resources[1][-1]))
        if changes is not None and len(changes[1]):
            latest = max(latest, float(changes[1][-1]))
        times = [t for job in batch.jobs for t in (job.submitted, job.start, job.end)]
        times += [end for _tid, _start, end, _what in batch.blocked]
        times += [t for t, *_ in batch.marks]
        times += [t for row in batch.stack_samples for t in (row[1], row[2])]
        known = [t for t in times if not math.isnan(t)]  # (a job's NaN: not yet)
        if known:
            latest = max(latest, max(known))
        self._next_latest_change = latest
        return tasks, steps, wakes, names, local, resources, changes

    def _check_tasks(self, rows: TaskRows, n_strings: int, seq: int) -> tuple[Any, ...]:
        where = f"batch {seq}: tasks"
        if rows.first != len(self._local):
            raise StreamFormatError(f"{where} from {rows.first}, expected {len(self._local)}")
        n = _rows(rows.parent, 4, where)
        parent = _column(rows.parent, "i4", n, f"{where}.parent")
        created = _column(rows.created, "f8", n, f"{where}.created")
        coro = _column(rows.coro, "i4", n, f"{where}.coro")
        site = _column(rows.site, "i4", n, f"{where}.site")
        ids = np.arange(rows.first, rows.first + n)
        if len(parent) and ((parent < -1).any() or (parent >= ids).any()):
            raise StreamFormatError(f"{where}.parent: a parent made after its child")
        _of_the_run(created, self.store.origin, f"{where}.created")
        _in_range(coro, 0, n_strings, f"{where}.coro")
        _in_range(site, -1, n_strings, f"{where}.site")
        return parent, created, coro, site

    def _check_steps(
        self,
        rows: StepRows,
        local: npt.NDArray[np.int32],
        n_susp: int,
        seq: int,
        new_created: npt.NDArray[np.float64] | None,
    ) -> tuple[npt.NDArray[Any], ...]:
        """The step rows, checked; their tasks as the store's ids."""
        where = f"batch {seq}: steps"
        n_tasks = len(local)
        store = self.store
        if rows.first != len(store.step_task) + store.steps_forgotten + self._steps_dropped:
            raise StreamFormatError(f"{where} from {rows.first}: rows are missing")
        n = _rows(rows.task, 4, where)
        task = _column(rows.task, "i4", n, f"{where}.task")
        start = _column(rows.start, "f8", n, f"{where}.start")
        dur = _column(rows.dur, "f4", n, f"{where}.dur")
        code = _column(rows.code, "i4", n, f"{where}.code")
        _in_range(task, 0, n_tasks, f"{where}.task")
        _in_range(code, schema.END_CANCELLED, n_susp, f"{where}.code")
        _of_the_run(start, store.origin, f"{where}.start")
        _finite(dur, f"{where}.dur")
        if len(dur) and (dur < 0).any():
            raise StreamFormatError(f"{where}.dur: a negative duration")
        _of_the_run(start + dur.astype(np.float64), store.origin, f"{where}.dur")
        if not len(task):
            return task, start, dur, code
        task = local[task]
        if (task < 0).any():  # (forgotten: it had ended before the window's history)
            raise StreamFormatError(f"{where}: a step of a task that had ended")
        # a task's steps come after it was made, and none after the step it ended in
        n_tasks = store.task_count + (len(new_created) if new_created is not None else 0)
        created = self._created(new_created, n_tasks)
        if (created[task] > start + _SLACK).any():
            raise StreamFormatError(f"{where}: a step before its task was made")
        ended = self._ended_of(n_tasks)
        rows_at = np.arange(n)
        first_end = np.full(n_tasks, n, np.int64)
        ends = code <= schema.END_DONE
        np.minimum.at(first_end, task[ends], rows_at[ends])
        if (ended[task] | (rows_at > first_end[task])).any():
            raise StreamFormatError(f"{where}: a step of a task that had ended")
        # a task's steps one after another: none begins before the one before it ended
        # (a clock read out of order would draw a span that ends before it begins)
        # (a duration is a float32: its rounding, up to about 1e-7 of it, is allowed)
        order = np.lexsort((rows_at, task))
        by_task, begins = task[order], start[order]
        lasted = dur[order].astype(np.float64)
        finishes, slack = begins + lasted, _SLACK + lasted * 1e-6
        same = by_task[1:] == by_task[:-1]
        first = np.ones(n, np.bool_)
        first[1:] = ~same
        previous = self._last_end_of(n_tasks)[by_task[first]]
        if (same & (begins[1:] < finishes[:-1] - slack[:-1])).any() or (
            begins[first] < previous
        ).any():
            raise StreamFormatError(f"{where}: a step before the task's previous one ended")
        return task, start, dur, code

    def _check_resources(
        self,
        rows: ResourceRows,
        local: npt.NDArray[np.int32],
        made: npt.NDArray[np.float64],
        n_strings: int,
        seq: int,
    ) -> tuple[npt.NDArray[Any], ...]:
        """The resource rows, checked; their tasks as the store's ids (-1: forgotten)."""
        where = f"batch {seq}: resources"
        known = len(self._res_kind)
        if rows.first != known:
            raise StreamFormatError(f"{where} from {rows.first}, expected {known}")
        n = _rows(rows.kind, 1, where)
        kind = _column(rows.kind, "i1", n, f"{where}.kind")
        created = _column(rows.created, "f8", n, f"{where}.created")
        task = _column(rows.task, "i4", n, f"{where}.task")
        site = _column(rows.site, "i4", n, f"{where}.site")
        name = _column(rows.name, "i4", n, f"{where}.name")
        capacity = _column(rows.capacity, "i8", n, f"{where}.capacity")
        _in_range(kind, 0, len(res.KINDS), f"{where}.kind")
        _of_the_run(created, self.store.origin, f"{where}.created")
        last = float(self._res_created[-1]) if known else -math.inf
        if len(created) and (created[0] < last or (np.diff(created) < 0).any()):
            raise StreamFormatError(f"{where}.created: not in the order they were made")
        _in_range(task, -1, len(local), f"{where}.task")
        _in_range(site, -1, n_strings, f"{where}.site")
        _in_range(name, 0, n_strings, f"{where}.name")
        _in_range(capacity, -1, res.BIG + 1, f"{where}.capacity")
        task = np.where(task >= 0, local[np.maximum(task, 0)], -1)
        _after_its_task(task, created, made, f"{where}.task: a resource made")
        return kind, created, task, site, name, capacity

    def _check_changes(
        self,
        rows: ChangeRows,
        local: npt.NDArray[np.int32],
        made: npt.NDArray[np.float64],
        new: tuple[npt.NDArray[Any], ...] | None,
        seq: int,
    ) -> tuple[npt.NDArray[Any], ...]:
        """The change rows, checked (as a trace file's are: ``resource_file``); their
        tasks, and a lock's holder, as the store's ids (-1: forgotten)."""
        where = f"batch {seq}: resource_changes"
        table = self.store.resources
        if rows.first != len(table.c_res) + table.changes_forgotten:
            raise StreamFormatError(f"{where} from {rows.first}: rows are missing")
        n = _rows(rows.resource, 4, where)
        rid = _column(rows.resource, "i4", n, f"{where}.resource")
        t = _column(rows.t, "f8", n, f"{where}.t")
        task = _column(rows.task, "i4", n, f"{where}.task")
        op = _column(rows.op, "i1", n, f"{where}.op")
        value = _column(rows.value, "i8", n, f"{where}.value")
        detail = _column(rows.detail, "i8", n, f"{where}.detail")
        kinds, capacities, created = self._res_kind, self._res_capacity, self._res_created
        if new is not None:
            kinds = np.concatenate([kinds, new[0]])
            created = np.concatenate([created, new[1]])
            capacities = np.concatenate([capacities, new[5]])
        _in_range(rid, 0, len(kinds), f"{where}.resource")
        _of_the_run(t, self.store.origin, f"{where}.t")
        if len(t) and (t[0] < self._change_t or (np.diff(t) < 0).any()):
            raise StreamFormatError(f"{where}.t: not in the order they happened")
        if (t < created[rid] - _SLACK).any():
            raise StreamFormatError(f"{where}.t: a change before its resource was made")
        n_tasks = len(local)
        _in_range(task, -1, n_tasks, f"{where}.task")
        _in_range(op, 0, len(res.OPS), f"{where}.op")
        kind = kinds[rid]
        if not _OPS_OF[kind, op].all():
            bad = int(np.argmin(_OPS_OF[kind, op]))
            raise StreamFormatError(
                f"{where}.op: {res.OPS[op[bad]]} is not a change of resource {rid[bad]}"
                f" (a {res.KINDS[kind[bad]]}; change {rows.first + bad})"
            )
        _in_range(value, -res.BIG, res.BIG + 1, f"{where}.value")
        _in_range(detail, -res.BIG, res.BIG + 1, f"{where}.detail")
        _sane(kind, op, value, detail, capacities[rid], n_tasks, where, rows.first)
        held = res.holders(kind, op)
        value = value.copy()
        value[held] = np.where(value[held] >= 0, local[np.maximum(value[held], 0)], -1)
        task = np.where(task >= 0, local[np.maximum(task, 0)], -1)
        _after_its_task(task, t, made, f"{where}.task: a change made")
        _after_its_task(value[held], t[held], made, f"{where}.value: a lock held")
        return rid, t, task, op, value, detail

    def _last_end_of(self, n_tasks: int) -> npt.NDArray[np.float64]:
        """Per task: the earliest its next step may begin, from the last step applied so
        far (its end, less the rounding allowed; -inf: none yet)."""
        last = np.full(n_tasks, -np.inf)
        last[: len(self._last_end)] = self._last_end[:n_tasks]
        return last

    def _check_wakes(
        self, rows: WakeRows, local: npt.NDArray[np.int32], seq: int
    ) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any], int]:
        """The wake rows, checked, as the store's ids (with ``sent``, how many came:
        a wake of a forgotten task is let go, a forgotten waker is none known)."""
        where = f"batch {seq}: wakes"
        n_tasks = len(local)
        store = self.store
        if rows.first != len(store.wake_task) + store.wakes_forgotten + self._wakes_dropped:
            raise StreamFormatError(f"{where} from {rows.first}: rows are missing")
        n = _rows(rows.task, 4, where)
        task = _column(rows.task, "i4", n, f"{where}.task")
        t = _column(rows.t, "f8", n, f"{where}.t")
        waker = _column(rows.waker, "i4", n, f"{where}.waker")
        _in_range(task, 0, n_tasks, f"{where}.task")
        _of_the_run(t, store.origin, f"{where}.t")
        _in_range(waker & 7, 0, len(schema.WAKE_NAMES), f"{where}.waker kind")
        _in_range((waker >> 3) - 1, -1, n_tasks, f"{where}.waker task")
        sent = len(task)
        if len(task):
            by = (waker >> 3) - 1
            by = np.where(by >= 0, local[np.maximum(by, 0)], -1)
            waker = ((by + 1) << 3 | (waker & 7)).astype(np.int32)
            task = local[task]
            kept = task >= 0
            task, t, waker = task[kept], t[kept], waker[kept]
        return task, t, waker, sent

    def _created(
        self, new_created: npt.NDArray[np.float64] | None, n_tasks: int
    ) -> npt.NDArray[np.float64]:
        """When each task was made (those of this batch too)."""
        store = self.store
        known = np.frombuffer(store.task_created[: store.task_count].tobytes(), np.float64)
        parts = [known] if new_created is None else [known, new_created]
        return np.concatenate(parts)[:n_tasks]

    def _locals(self, new: int) -> npt.NDArray[np.int32]:
        """The store's id of each of the program's tasks, with ``new`` more to come."""
        first = self.store.task_count
        return self._local.with_more(np.arange(first, first + new))

    def _ended_of(self, n_tasks: int) -> npt.NDArray[np.bool_]:
        """Per task: a step ended it (in the batches applied so far)."""
        ended = np.zeros(n_tasks, np.bool_)
        ended[: len(self._ended)] = self._ended[:n_tasks]
        return ended

    def ended(self, task: int) -> bool:
        """A step ended ``task`` (its coroutine returned, raised or was cancelled)."""
        return 0 <= task < len(self._ended) and bool(self._ended[task])

    # --- appending -----------------------------------------------------------------------
    def _append(
        self,
        batch: Batch,
        tasks: Any,
        steps: Any,
        wakes: Any,
        names: Any,
        local: npt.NDArray[np.int32],
        resources: Any,
        changes: Any,
    ) -> None:
        store = self.store
        self._local.keep(len(local))
        if batch.strings:  # (each of its own: a task's name can go with the task)
            first = len(store.strings)
            store.strings.extend(batch.strings)
            self._sids.with_more(np.arange(first, len(store.strings)))
            self._sids.keep(len(self._sids) + len(batch.strings))
        for label, site, stack in batch.suspensions:
            store.add_suspension(Suspension(label, site, tuple(stack)))
        if tasks is not None:
            parent, created, coro, site = tasks
            sids = self._sids.ids
            parent = np.where(parent >= 0, local[np.maximum(parent, 0)], -1)
            store.task_parent.frombytes(parent.astype(np.int32).tobytes())
            store.task_created.frombytes(created.astype(np.float64).tobytes())
            store.task_coro.frombytes(sids[coro].astype(np.int32).tobytes())
            mapped = np.where(site >= 0, sids[np.maximum(site, 0)], -1)
            store.task_site.frombytes(mapped.astype(np.int32).tobytes())
            store.task_name.frombytes(np.full(len(parent), -1, np.int32).tobytes())
        room = store.capacity - (len(store.step_task) + len(store.wake_task))
        if steps is not None:
            task, start, dur, code = steps
            keep = max(0, min(len(task), room))
            store.step_task.frombytes(task[:keep].astype(np.int32).tobytes())
            store.step_start.frombytes(start[:keep].astype(np.float64).tobytes())
            store.step_dur.frombytes(dur[:keep].astype(np.float32).tobytes())
            store.step_code.frombytes(code[:keep].astype(np.int32).tobytes())
            self._ended = self._ended_of(store.task_count)
            self._ended[task[code <= schema.END_DONE]] = True
            self._last_end = self._last_end_of(store.task_count)
            lasted = dur.astype(np.float64)
            np.maximum.at(self._last_end, task, start + lasted - _SLACK - lasted * 1e-6)
            room -= keep
            self._drop(len(task) - keep, float(start[keep]) if keep < len(task) else 0.0)
            self._steps_dropped += len(task) - keep
        if wakes is not None:
            task, t, waker, sent = wakes
            keep = max(0, min(len(task), room))
            store.wake_task.frombytes(task[:keep].astype(np.int32).tobytes())
            store.wake_t.frombytes(t[:keep].astype(np.float64).tobytes())
            store.wake_waker.frombytes(waker[:keep].astype(np.int32).tobytes())
            self._drop(len(task) - keep, float(t[keep]) if keep < len(task) else 0.0)
            # (rows as the program numbers them: a forgotten task's wake is not kept, and
            # not counted as dropped either)
            self._wakes_dropped += sent - keep
        if resources is not None:
            self._append_resources(*resources)
        if changes is not None:
            rid, t, task, op, value, detail = changes
            table = store.resources
            table.c_t.frombytes(t.astype(np.float64).tobytes())
            table.c_task.frombytes(task.astype(np.int32).tobytes())
            table.c_op.frombytes(op.astype(np.int8).tobytes())
            table.c_value.frombytes(value.astype(np.int64).tobytes())
            table.c_detail.frombytes(detail.astype(np.int64).tobytes())
            table.c_res.frombytes(rid.astype(np.int32).tobytes())  # (last, as the program's)
            if len(t):
                self._change_t = float(t[-1])
        if len(self._named) < store.task_count:
            grown = np.zeros(store.task_count, np.bool_)
            grown[: len(self._named)] = self._named
            self._named = grown

        def to_local(tid: int) -> int:  # (-1: none, or forgotten)
            return int(local[tid]) if tid >= 0 else -1

        for tid, name in batch.live_names:
            tid = to_local(tid)
            if tid >= 0 and not self._named[tid]:
                was = store.task_name[tid]
                store.set_name(tid, name)
                if store.task_name[tid] != was:
                    store.release([was])  # (a live name of its own, gone by)
        if names is not None:  # (after the live ones: the final name wins)
            task, sid = names
            column = np.frombuffer(store.task_name, np.int32)  # (a view: set in place)
            store.release(column[task][~self._named[task]].tolist())  # (live names, gone by)
            column[task] = self._sids.ids[sid]
            del column  # (let go of the array's buffer: it must grow again)
            self._named[task] = True
        for tid, type_, message, traceback in batch.errors:
            if (tid := to_local(tid)) >= 0:
                store.task_error[tid] = TaskError(type_, message, traceback)
        for tid, cancelling, unheld in batch.ends:
            if (tid := to_local(tid)) >= 0:
                store.note_end(tid, cancelling, unheld)
        for job in batch.jobs:
            self._job(job, to_local(job.task))
        for tid, start, end, what in batch.blocked:
            store.blocked.append(Blocked(to_local(tid), start, end, what))
        self._blocked_seen += len(batch.blocked)
        for row in batch.stack_samples:
            sample = StackSample.of_row(row)
            if sample.task < 0 or (tid := to_local(sample.task)) >= 0:  # (let go: with it)
                store.stack_samples.append(sample if sample.task < 0 else sample.renamed(tid))
        self._stack_samples_seen += len(batch.stack_samples)
        for t, tid, label, kind, detail in batch.marks:
            store.add_mark(t, to_local(tid), label, kind, detail)
        self._marks_seen += len(batch.marks)
        store.dropped = batch.dropped + self.dropped_rows
        if batch.truncated_at is not None:
            self._stream_cut = batch.truncated_at
            if store.truncated_at is None or batch.truncated_at < store.truncated_at:
                store.truncated_at = batch.truncated_at
        store.meta.extra.update(
            {
                k: v
                for k, v in batch.extra.items()
                if k.startswith("dropped_") and isinstance(v, int) and v >= 0
            }
        )
        if batch.loop is not None:
            store.meta.loop = batch.loop
        self._latest = self._next_latest
        self._latest_change = self._next_latest_change
        # (never before a row it holds: a batch that says its clock read earlier than
        # its own rows, a hostile or broken one, would end the chart before them)
        self.now = max(self.now, batch.now, self._latest, self._latest_change)
        self.running = to_local(batch.running)  # (a forgotten task's step: not drawn)
        self.running_since = batch.running_since
        since = batch.running_since
        if since is not None and not (
            math.isfinite(since) and store.origin - _SLACK <= since <= batch.now + _SLACK
        ):  # (a step whose start is unknown: not drawn as held)
            self.running, self.running_since = -1, None
        if batch.lecture is not None and math.isfinite(batch.lecture.now):
            self.lecture = batch.lecture

    def _append_resources(
        self,
        kind: npt.NDArray[Any],
        created: npt.NDArray[Any],
        task: npt.NDArray[Any],
        site: npt.NDArray[Any],
        name: npt.NDArray[Any],
        capacity: npt.NDArray[Any],
    ) -> None:
        table = self.store.resources
        sids = self._sids.ids  # (this batch's strings are mapped by now)
        table.created.frombytes(created.astype(np.float64).tobytes())
        table.task.frombytes(task.astype(np.int32).tobytes())
        mapped = np.where(site >= 0, sids[np.maximum(site, 0)], -1)
        table.site.frombytes(mapped.astype(np.int32).tobytes())
        table.name.frombytes(sids[name].astype(np.int32).tobytes())
        table.capacity.frombytes(capacity.astype(np.int64).tobytes())
        table.kind.frombytes(kind.astype(np.int8).tobytes())  # (last, as the program's)
        self._res_kind = np.concatenate([self._res_kind, kind.astype(np.int8)])
        self._res_capacity = np.concatenate([self._res_capacity, capacity.astype(np.int64)])
        self._res_created = np.concatenate([self._res_created, created.astype(np.float64)])

    # --- forgetting ------------------------------------------------------------------------
    def keep_tasks(self, keep: npt.NDArray[np.int64], cut: float) -> npt.NDArray[np.int64]:
        """The window forgets: every step and wake row goes (its model has read them all:
        the caller sees to it), and every task but ``keep`` (the store's ids, ascending),
        the rest renumbered from 0; jobs and blocked steps that ended before ``cut`` (the
        program's clock) go too.  Batches that come later are mapped to the new ids.
        Returns the new id of each old one (-1: forgotten)."""
        store = self.store
        ended = self._ended_of(store.task_count)
        named = np.zeros(store.task_count, np.bool_)
        named[: len(self._named)] = self._named[: store.task_count]
        store.forget_read_rows()
        # the names of the tasks that go, with them (each is a string of the task's own)
        gone = np.ones(store.task_count, np.bool_)
        gone[keep] = False
        names = np.frombuffer(store.task_name, np.int32)[gone].tolist()
        new_of = store.keep_tasks(keep, cut)  # (a dropped task's marks are named first)
        store.release(names)
        local = self._local.ids
        if len(new_of):
            self._local.replace(np.where(local >= 0, new_of[np.maximum(local, 0)], -1))
        else:
            self._local.replace(np.full(len(local), -1, np.int32))
        self._ended = ended[keep]
        self._last_end = self._last_end_of(len(ended))[keep]
        self._named = named[keep]
        if self.running >= 0:
            self.running = int(new_of[self.running])
        with store.lock:
            self._job_index = {job.id: i for i, job in enumerate(store.jobs)}
        return new_of

    def _drop(self, count: int, t: float) -> None:
        if count <= 0:
            return
        if self.store.truncated_at is None:
            self.store.truncated_at = t
        self.dropped_rows += count

    def _job(self, row: JobRow, task: int) -> None:
        """A job, new or again (its task as the store's id)."""
        store = self.store
        index = self._job_index.get(row.id)
        job = Job(row.id, row.func, task, row.submitted, row.thread, row.start, row.end, row.error)
        with store.lock:
            if index is None:
                self._job_index[row.id] = len(store.jobs)
                store.jobs.append(job)
            else:
                store.jobs[index] = job

    def finish(self, at: float | None = None) -> None:
        """The stream is over (``End`` came, or the connection died): the run ends at
        its ``End``'s time, else at ``at`` (the last moment known), else the last batch."""
        store = self.store
        if store.finished_at is None:
            end = at if at is not None else self.now
            # (never before a row it holds: the run is cut there)
            store.finished_at = max(end, store.origin, self._latest, self._latest_change)
