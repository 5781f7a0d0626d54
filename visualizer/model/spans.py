"""From store rows to spans: each task's life tiled into ready / running / suspended.

The model reads the store through a cursor (row counts), so a live view can call
``update()`` at frame rate and pay only for what is new.  Per task it keeps the
end of the last step and how that step ended; a step row then yields:

* ``suspended`` from the previous step's end to the wake that ended it (when the
  previous step suspended),
* ``ready`` from that wake (or the creation, or the previous end after a bare
  yield) to the step's start, carrying ``woken_by``,
* ``running`` for the step itself.

The open state after a task's last step (still suspended, or ready and waiting
for the loop) is not a span yet; ``snapshot(now)`` closes it at ``now``.

The wake that ended a suspension is the task's latest wake at or before the step's
start that no earlier such step took, so a wake recorded during a step (a task
cancelling itself) is kept for the next step, where it belongs.

Why numpy and not a loop over events: a live view updates at frame rate while a
busy program records 200,000 events a second; a Python loop over them cost 4 us an
event, a frame's whole budget at 30 frames per second (``bench/live_gui.py``).  Each
update works on the new block of rows at once.  The rule above, one event at a time,
is ``tests/model_reference.py``: the tests hold this model to it span for span.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.trace.data import (
    BlockedRecord,
    JobRecord,
    SpanColumns,
    TaskRecord,
    Trace,
)
from visualizer.trace.schema import (
    END_CANCELLED,
    END_DONE,
    END_ERROR,
    END_READY,
    READY,
    RUNNING,
    SUSPENDED,
    WAKE_CANCEL,
    WAKE_CREATED,
    WAKE_TASK,
)
from visualizer.trace.store import TraceStore

_OUTCOME = {END_DONE: "done", END_ERROR: "error", END_CANCELLED: "cancelled"}
_NO_CODE: Final = -100  #: ``prev_code`` before a task's second step


class _Grown:
    """Numpy columns that grow by doubling: appends cost O(new rows), and a view of
    the rows so far stays valid (and unchanged) whatever is appended later."""

    def __init__(self, **dtypes: Any) -> None:
        self.length = 0
        self.columns = {name: np.zeros(64, dtype) for name, dtype in dtypes.items()}

    def extend(self, **values: npt.NDArray[Any]) -> None:
        n = len(next(iter(values.values())))
        need = self.length + n
        for name, column in self.columns.items():
            if need > len(column):
                grown = np.zeros(max(need, 2 * len(column)), column.dtype)
                grown[: self.length] = column[: self.length]
                self.columns[name] = column = grown
            column[self.length : need] = values[name]
        self.length = need

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self.columns[name][: self.length]


def _tail(column: Any, dtype: Any, begin: int, end: int) -> npt.NDArray[Any]:
    """Rows ``begin:end`` of a store column, copied: a view would pin the ``array``'s
    buffer and the writer's next append would fail."""
    if end <= begin:
        return np.zeros(0, dtype)
    size = np.dtype(dtype).itemsize
    return np.frombuffer(column, dtype, count=end - begin, offset=begin * size).copy()


class TraceModel:
    """Derives spans from a ``TraceStore`` incrementally. Never draws, never imports Qt."""

    def __init__(self, store: TraceStore) -> None:
        self.store = store
        self._origin = store.origin
        self._steps_seen = 0
        self._wakes_seen = 0
        self._spans = _Grown(
            task=np.int32,
            state=np.int8,
            start=np.float64,
            end=np.float64,
            awaiting=np.int32,
            woken_kind=np.int8,
            woken_task=np.int32,
        )
        # where each update's spans begin, and the latest end up to that update's spans
        self._block_first: list[int] = []
        self._reach = np.zeros(0)
        # per task (index == task id)
        self._tasks = _Grown(
            created=np.float64,
            parent=np.int32,
            last_start=np.float64,
            last_end=np.float64,  #: nan until the first step
            last_code=np.int32,
            prev_code=np.int32,  #: the code before last_code
            cancel_code=np.int32,  #: the suspension a cancel wake ended: where it landed
            ended=np.bool_,
            taken_until=np.float64,  #: wakes up to here were taken by a step
        )
        # wakes not yet taken by a step, in the order recorded
        self._pending = _Grown(task=np.int32, t=np.float64, waker=np.int32)
        self._slow: list[int] = []  #: steps that held the loop (``store.slow_threshold``)
        self._records: list[TaskRecord] = []
        self._record_names = np.zeros(0, np.int32)
        self._record_ended = np.zeros(0, np.bool_)

    # --- incremental derivation -------------------------------------------------------
    def update(self) -> int:
        """Read what the store gained since the last call; return the new span count."""
        store = self.store
        store.sync()
        before = self._spans.length
        self._new_tasks()
        n_wakes = len(store.wake_task)
        new_wakes = (
            _tail(store.wake_task, np.int32, self._wakes_seen, n_wakes),
            _tail(store.wake_t, np.float64, self._wakes_seen, n_wakes) - self._origin,
            _tail(store.wake_waker, np.int32, self._wakes_seen, n_wakes),
        )
        self._wakes_seen = n_wakes
        pending = self._pending
        wake_task = np.concatenate([pending["task"], new_wakes[0]])
        wake_t = np.concatenate([pending["t"], new_wakes[1]])
        wake_waker = np.concatenate([pending["waker"], new_wakes[2]])
        n_steps = len(store.step_task)
        if n_steps > self._steps_seen:
            begin = self._steps_seen
            task = _tail(store.step_task, np.int32, begin, n_steps)
            start = _tail(store.step_start, np.float64, begin, n_steps) - self._origin
            dur = _tail(store.step_dur, np.float32, begin, n_steps)
            code = _tail(store.step_code, np.int32, begin, n_steps)
            self._steps_seen = n_steps
            self._derive(
                task, start, start + dur.astype(np.float64), code, wake_task, wake_t, wake_waker
            )
            slow = np.flatnonzero(dur >= store.slow_threshold)
            self._slow.extend((slow + begin).tolist())
        # keep the wakes no step has taken, of tasks still going
        tasks = self._tasks
        keep = (wake_t > tasks["taken_until"][wake_task]) & ~tasks["ended"][wake_task]
        self._pending = _Grown(task=np.int32, t=np.float64, waker=np.int32)
        self._pending.extend(task=wake_task[keep], t=wake_t[keep], waker=wake_waker[keep])
        added = self._spans.length - before
        if added:
            latest = float(self._spans["end"][before:].max())
            reach = max(latest, float(self._reach[-1])) if len(self._reach) else latest
            self._block_first.append(before)
            self._reach = np.append(self._reach, reach)
        return added

    def _new_tasks(self) -> None:
        store = self.store
        tasks = self._tasks
        old, n = tasks.length, store.task_count
        if n <= old:
            return
        count = n - old
        tasks.extend(
            created=_tail(store.task_created, np.float64, old, n) - self._origin,
            parent=_tail(store.task_parent, np.int32, old, n),
            last_start=np.full(count, np.nan),
            last_end=np.full(count, np.nan),
            last_code=np.full(count, END_READY, np.int32),
            prev_code=np.full(count, _NO_CODE, np.int32),
            cancel_code=np.full(count, -1, np.int32),
            ended=np.zeros(count, np.bool_),
            taken_until=np.full(count, -np.inf),
        )

    def _derive(
        self,
        task: npt.NDArray[np.int32],
        start: npt.NDArray[np.float64],
        end: npt.NDArray[np.float64],
        code: npt.NDArray[np.int32],
        wake_task: npt.NDArray[np.int32],
        wake_t: npt.NDArray[np.float64],
        wake_waker: npt.NDArray[np.int32],
    ) -> None:
        """Spans for a block of step rows, given every wake not yet taken.

        Wakes and steps go into one sequence ordered by (task, time), a wake before a
        step at the same time (a step takes wakes at or before its start) and rows in
        the order recorded otherwise.  In it, a step that follows a suspension takes
        the nearest wake before it, unless an earlier such step of its task comes in
        between (that one took it)."""
        tasks = self._tasks
        n_wakes, n_steps = len(wake_task), len(task)
        is_step = np.concatenate([np.zeros(n_wakes, np.int8), np.ones(n_steps, np.int8)])
        seq_task = np.concatenate([wake_task, task])
        order = np.lexsort((is_step, np.concatenate([wake_t, start]), seq_task))
        seq_task, is_step = seq_task[order], is_step[order].astype(bool)
        size = len(order)
        position = np.arange(size)
        group = np.empty(size, bool)  # first of its task in the sequence
        group[:1] = True
        group[1:] = seq_task[1:] != seq_task[:-1]
        group_first = np.maximum.accumulate(np.where(group, position, 0))
        last_wake = np.maximum.accumulate(np.where(is_step, -1, position))

        # the steps, per task in time order: what came before each
        at = np.flatnonzero(is_step)  # sequence positions of the steps
        row = order[at] - n_wakes  # their step rows
        tid = task[row]
        first_here = np.empty(len(at), bool)
        first_here[:1] = True
        first_here[1:] = tid[1:] != tid[:-1]
        prev_row = np.concatenate([[0], row[:-1]])
        prev_end = np.where(first_here, tasks["last_end"][tid], end[prev_row])
        prev_code = np.where(first_here, tasks["last_code"][tid], code[prev_row])
        first_step = np.isnan(prev_end)
        bare = ~first_step & (prev_code == END_READY)
        woken = ~first_step & ~bare  # after a suspension: takes a wake

        # the nearest wake before each step, unless a suspension step of its task took it
        taken_at = np.maximum.accumulate(np.where(woken, at, -1))
        taken_before = np.concatenate([[-1], taken_at[:-1]])
        wake_at = last_wake[at]
        found = woken & (wake_at >= group_first[at]) & (wake_at > taken_before)
        # (a step that found none reads the padding row past the wakes)
        wake_row = np.where(found, order[np.maximum(wake_at, 0)], n_wakes)
        packed = np.append(wake_waker, 0)[wake_row]
        kind = np.where(found, packed & 7, -1)
        waker = np.where(found, (packed >> 3) - 1, -1)
        woke = np.where(found, np.maximum(np.append(wake_t, 0.0)[wake_row], prev_end), prev_end)

        parents = tasks["parent"][tid]
        ready_start = np.where(first_step, tasks["created"][tid], np.where(bare, prev_end, woke))
        ready_kind = np.where(first_step, WAKE_CREATED, np.where(bare, WAKE_TASK, kind))
        ready_waker = np.where(first_step, parents, np.where(bare, tid, waker))

        # three span slots per step, in step-row order: suspended (if any), ready, running
        n = len(at)
        back = np.empty(n, np.int64)
        back[row] = np.arange(n)  # step row -> its place in the per-task order
        keep = _slots(woken[back], np.ones(n, bool), np.ones(n, bool))
        minus = np.full(n, -1)
        by_row = tid[back]
        self._spans.extend(
            task=_slots(by_row, by_row, by_row)[keep],
            state=_slots(np.full(n, SUSPENDED), np.full(n, READY), np.full(n, RUNNING))[keep],
            start=_slots(prev_end[back], ready_start[back], start)[keep],
            end=_slots(woke[back], start, end)[keep],
            awaiting=_slots(prev_code[back], minus, minus)[keep],
            woken_kind=_slots(minus, ready_kind[back], minus)[keep],
            woken_task=_slots(minus, ready_waker[back], minus)[keep],
        )

        # what each task carries to its next step
        last_here = np.empty(n, bool)
        last_here[-1:] = True
        last_here[:-1] = tid[1:] != tid[:-1]
        lt, lr = tid[last_here], row[last_here]
        columns = tasks.columns
        columns["prev_code"][lt] = prev_code[last_here]
        columns["last_code"][lt] = code[lr]
        columns["last_start"][lt] = start[lr]
        columns["last_end"][lt] = end[lr]
        columns["ended"][tid[code[row] < END_READY]] = True
        for mask, name, value in (
            (woken, "taken_until", start[row]),
            (found & (kind == WAKE_CANCEL), "cancel_code", prev_code),
        ):
            # the last such step of each task sets it
            which = np.flatnonzero(mask)
            if len(which):
                final = np.empty(len(which), bool)
                final[-1] = True
                final[:-1] = tid[which][1:] != tid[which][:-1]
                columns[name][tid[which][final]] = value[which][final]

    # --- views of the current state -----------------------------------------------------
    @property
    def span_count(self) -> int:
        return self._spans.length

    def now(self) -> float:
        """Seconds since the run started up to the last fact recorded (or the run's end)."""
        store = self.store
        store.sync()
        if store.finished_at is not None:
            end = store.finished_at
        else:
            end = store.origin
            if store.step_start:
                end = max(end, store.step_start[-1] + store.step_dur[-1])
            if store.wake_t:
                end = max(end, store.wake_t[-1])
            if store.task_created:
                end = max(end, store.task_created[-1])
        if store.truncated_at is not None:
            end = min(end, store.truncated_at)
        return end - self._origin

    def open_spans(self, now: float) -> SpanColumns:
        """The spans still open at ``now``: each unfinished task's current state (ready
        since its creation or its bare yield; suspended, and ready since a wake if one
        came), two slots per task, in task order."""
        known = self._known_tasks(now)
        tasks = self._tasks
        tid = np.arange(known)
        last_end, code = tasks["last_end"][:known], tasks["last_code"][:known]
        alive = ~tasks["ended"][:known]
        first = alive & np.isnan(last_end)
        bare = alive & ~first & (code == END_READY)
        runnable = first | bare
        # the latest wake no step has taken yet, per task
        latest = np.full(known, -1)
        pending = self._pending
        mine = pending["task"] < known
        np.maximum.at(latest, pending["task"][mine], np.flatnonzero(mine))
        woken = alive & ~runnable & (latest >= 0)
        packed = np.append(pending["waker"], 0)[latest]
        woke = np.minimum(np.maximum(np.append(pending["t"], 0.0)[latest], last_end), now)
        kind = np.where(woken, packed & 7, -1)
        waker = np.where(woken, (packed >> 3) - 1, -1)
        minus = np.full(known, -1)
        keep = _slots(alive, woken)
        return SpanColumns(
            task=_slots(tid, tid)[keep].astype(np.int32),
            state=_slots(np.where(runnable, READY, SUSPENDED), np.full(known, READY))[keep].astype(
                np.int8
            ),
            start=_slots(np.where(first, tasks["created"][:known], last_end), woke)[keep],
            end=_slots(
                np.where(runnable, now, np.where(woken, woke, np.maximum(now, last_end))),
                np.full(known, now),
            )[keep],
            awaiting=_slots(np.where(runnable, -1, code), minus)[keep].astype(np.int32),
            woken_kind=_slots(np.where(first, WAKE_CREATED, np.where(bare, WAKE_TASK, -1)), kind)[
                keep
            ].astype(np.int8),
            woken_task=_slots(
                np.where(first, tasks["parent"][:known], np.where(bare, tid, -1)), waker
            )[keep].astype(np.int32),
        )

    def _known_tasks(self, now: float) -> int:
        """Tasks that exist by ``now``: after a truncation the store still counts
        tasks made later (their rows were dropped), and those are not in the trace."""
        created = self._tasks["created"]
        n = len(created)
        while n and created[n - 1] > now:
            n -= 1
        return n

    def closed_spans(self, first: int = 0) -> SpanColumns:
        """The spans derived so far, from span ``first`` on (views, not copies: later
        updates leave them as they are)."""
        return SpanColumns(*(self._spans[name][first:] for name in _FIELDS))

    # --- what a live view needs -----------------------------------------------------------
    def recent(self, since: float) -> Trace:
        """A Trace of the spans a view starting at ``since`` can show: those still open and
        those ending at or after it (in no particular order), with every task.  A live chart
        redraws this at frame rate; a full ``snapshot`` (every span, sorted) is for the end."""
        self.update()
        now = self.now()
        closed = self.closed_spans(self._first_ending_after(since))
        spans = _joined(closed, self.open_spans(now), closed.end >= since)
        return self._trace(now, spans)

    def _first_ending_after(self, since: float) -> int:
        """A span index before which every span ends before ``since``: whole update
        blocks are skipped by their latest end (a running maximum, so bisectable)."""
        reach = self._reach
        index = int(np.searchsorted(reach, since, side="left")) if len(reach) else 0
        return self._block_first[index] if index < len(self._block_first) else self.span_count

    # --- a complete Trace ---------------------------------------------------------------
    def snapshot(self, meta: dict[str, object] | None = None) -> Trace:
        """Everything so far as a ``Trace``: open spans closed at ``now()``."""
        self.update()
        now = self.now()
        spans = _joined(self.closed_spans(), self.open_spans(now))
        order = np.lexsort((spans.start, spans.task))
        trace = self._trace(now, SpanColumns(*(column[order] for column in _fields(spans))), meta)
        # the records are the model's own, kept up to date for live frames: a snapshot
        # keeps them as they are now
        trace.tasks = [copy.copy(record) for record in trace.tasks]
        return trace

    def _trace(
        self, now: float, spans: SpanColumns, meta: dict[str, object] | None = None
    ) -> Trace:
        store = self.store
        trace_meta: dict[str, object] = {
            "clock": store.meta.clock,
            "source": store.meta.source,
            "loop": store.meta.loop,
            "duration": now,
            "dropped_events": store.dropped,
        }
        if store.truncated_at is not None:
            trace_meta["truncated_at"] = store.truncated_at - self._origin
        trace_meta.update(store.meta.extra)
        if meta:
            trace_meta.update(meta)
        return Trace(
            meta=trace_meta,
            tasks=self._task_records(now),
            spans=spans,
            suspensions=list(store.suspensions),
            jobs=self._jobs(now),
            blocked=self._blocked(),
            marks=[
                (t - self._origin, tid if tid >= 0 else None, label)
                for t, tid, label in store.marks
            ],
        )

    def _task_records(self, now: float) -> list[TaskRecord]:
        """One record per task, kept between calls: a live frame pays only for the tasks
        that are new, renamed or ended since the last."""
        store = self.store
        records = self._records
        tasks = self._tasks
        for tid in range(len(records), tasks.length):
            parent = int(tasks["parent"][tid])
            records.append(
                TaskRecord(
                    id=tid,
                    name="",
                    coro=store.strings[store.task_coro[tid]],
                    parent=parent if parent >= 0 else None,
                    created=float(tasks["created"][tid]),
                    created_at=store.string(store.task_site[tid]),
                )
            )
        count = len(records)
        names = _tail(store.task_name, np.int32, 0, count)
        known = np.concatenate(
            [self._record_names, np.full(count - len(self._record_names), -2, np.int32)]
        )
        for tid in np.flatnonzero(names != known).tolist():
            name_id = int(names[tid])
            records[tid].name = store.strings[name_id] if name_id >= 0 else f"task-{tid}"
        self._record_names = names
        ended = tasks["ended"][:count]
        was = np.concatenate([self._record_ended, np.zeros(count - len(self._record_ended), bool)])
        for tid in np.flatnonzero(ended & ~was).tolist():
            self._ended(records[tid])
        self._record_ended = ended.copy()
        return records[: self._known_tasks(now)]

    def _ended(self, record: TaskRecord) -> None:
        tasks = self._tasks
        tid = record.id
        code = int(tasks["last_code"][tid])
        record.ended = float(tasks["last_end"][tid])
        record.outcome = _OUTCOME[code]
        error = self.store.task_error.get(tid)
        if error is not None:
            record.error = f"{error.type}: {error.message}" if error.message else error.type
            record.traceback = error.traceback
        if code == END_CANCELLED:
            # where the CancelledError was thrown in: the suspension a cancel wake
            # ended, else (cancelled while ready) the last suspension
            cancel = int(tasks["cancel_code"][tid])
            landed = cancel if cancel >= 0 else int(tasks["prev_code"][tid])
            if landed >= 0:
                record.cancelled_at = self.store.suspensions[landed].site

    def _blocked(self) -> list[BlockedRecord]:
        """Steps that held the loop at least the threshold, and callbacks that did."""
        store = self.store
        origin = self._origin
        records = [
            BlockedRecord(b.task if b.task >= 0 else None, b.start - origin, b.end - origin, b.what)
            for b in store.blocked
        ]
        for i in self._slow:
            tid = store.step_task[i]
            start = store.step_start[i] - origin
            name = store.task_name[tid]
            what = store.strings[name] if name >= 0 else f"task-{tid}"
            records.append(BlockedRecord(tid, start, start + store.step_dur[i], what))
        records.sort(key=lambda b: b.start)
        return records

    def _jobs(self, now: float) -> list[JobRecord]:
        origin = self._origin
        with self.store.lock:
            jobs = list(self.store.jobs)
        out = []
        for job in jobs:
            start = job.start if not math.isnan(job.start) else job.submitted
            end = job.end if not math.isnan(job.end) else now + origin
            out.append(
                JobRecord(
                    thread=job.thread or "?",
                    func=job.func,
                    task=job.task if job.task >= 0 else None,
                    start=start - origin,
                    end=end - origin,
                    submitted=job.submitted - origin,
                    error=job.error,
                )
            )
        return out


def _slots(*per_task: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Interleave equal-length columns: row i of each, then row i + 1 of each..."""
    return np.stack(per_task, axis=1).reshape(-1)


_FIELDS: Final = ("task", "state", "start", "end", "awaiting", "woken_kind", "woken_task")


def _fields(spans: SpanColumns) -> list[npt.NDArray[Any]]:
    return [getattr(spans, name) for name in _FIELDS]


def _joined(
    closed: SpanColumns, opened: SpanColumns, keep: npt.NDArray[np.bool_] | None = None
) -> SpanColumns:
    """Closed spans (those ``keep`` selects, or all) followed by the open ones."""
    return SpanColumns(
        *(
            np.concatenate([a if keep is None else a[keep], b])
            for a, b in zip(_fields(closed), _fields(opened), strict=True)
        )
    )
