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
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.model.history import Forgotten, per_task
from visualizer.trace.data import (
    BlockedRecord,
    JobRecord,
    Mark,
    SpanColumns,
    TaskColumns,
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


def _load_compiled() -> ModuleType | None:
    """``_derive.c``, the derivation's loop in C, if it was built and not switched off
    (``ASYNCVIZ_PURE_PYTHON=1``, as for the tracer): the numpy code is the fallback."""
    if os.environ.get("ASYNCVIZ_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:
        from visualizer.model import _derive
    except ImportError:
        return None
    return _derive


#: the compiled derivation, or None (the numpy one runs)
compiled: ModuleType | None = _load_compiled()
_TASK_COLUMNS: Final = (
    "created",
    "parent",
    "last_start",
    "last_end",
    "last_code",
    "prev_code",
    "cancel_code",
    "ended",
)
_NO_CODE: Final = -100  #: ``prev_code`` before a task's second step


class _Grown:
    """Numpy columns that grow by doubling: appends cost O(new rows), and a view of
    the rows so far stays valid (and unchanged) whatever is appended later."""

    def __init__(self, **dtypes: Any) -> None:
        self.length = 0
        self.columns = {name: np.zeros(64, dtype) for name, dtype in dtypes.items()}

    def extend(self, **values: npt.NDArray[Any]) -> None:
        rows = self.reserve(len(next(iter(values.values()))))
        for name, target in rows.items():
            target[:] = values[name]

    def reserve(self, n: int) -> dict[str, npt.NDArray[Any]]:
        """Add ``n`` rows and return them (views), to be written in place."""
        need = self.length + n
        for name, column in self.columns.items():
            if need > len(column):
                grown = np.zeros(max(need, 2 * len(column)), column.dtype)
                grown[: self.length] = column[: self.length]
                self.columns[name] = grown
        rows = {name: column[self.length : need] for name, column in self.columns.items()}
        self.length = need
        return rows

    def trim(self, n: int) -> None:
        """Drop the last ``n`` rows (reserved and not written)."""
        self.length -= n

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

    def __init__(self, store: TraceStore, clock: Callable[[], float] | None = None) -> None:
        self.store = store
        #: the run's clock, if time between facts is to be shown passing (a lecture:
        #: a sleep's bar grows as the scenario's time goes on, and stops when paused)
        self.clock = clock
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
        )
        # wakes not yet taken by a step, in the order recorded
        self._pending = _Grown(task=np.int32, t=np.float64, waker=np.int32)
        #: steps that held the loop (``store.slow_threshold``): task, start, end
        self._slow: list[tuple[int, float, float]] = []
        self._records: list[TaskRecord] = []
        self._names: list[str] = []  #: each record's name (``TaskColumns.names``)
        #: counts changes to the task records (new, renamed, ended): a live view redraws
        #: what depends on them only when it moved
        self.task_version = 0
        self._record_names = np.zeros(0, np.int32)
        self._record_ended = np.zeros(0, np.bool_)
        self._observed: list[tuple[float, float]] = []
        #: what was let go of a long run (``visualizer.model.history``); ``generation``
        #: counts the times: a live view that drew spans by index starts again then
        self.forgotten = Forgotten()
        self.generation = 0

    # --- incremental derivation -------------------------------------------------------
    def update(self) -> int:
        """Read what the store gained since the last call; return the new span count."""
        store = self.store
        store.sync()
        before = self._spans.length
        self._new_tasks()
        # (the cursors count every row; a store may have let go of rows read: the ones
        # left begin after those)
        if store.steps_forgotten > self._steps_seen or store.wakes_forgotten > self._wakes_seen:
            raise RuntimeError("the store let go of rows this model had not read")
        seen_wakes = self._wakes_seen - store.wakes_forgotten
        n_wakes = len(store.wake_task)
        new_wakes = (
            _tail(store.wake_task, np.int32, seen_wakes, n_wakes),
            _tail(store.wake_t, np.float64, seen_wakes, n_wakes) - self._origin,
            _tail(store.wake_waker, np.int32, seen_wakes, n_wakes),
        )
        pending = self._pending
        wake_task = np.concatenate([pending["task"], new_wakes[0]])
        wake_t = np.concatenate([pending["t"], new_wakes[1]])
        wake_waker = np.concatenate([pending["waker"], new_wakes[2]])
        taken = np.zeros(len(wake_task), np.bool_)
        n_steps = len(store.step_task)
        begin = self._steps_seen - store.steps_forgotten
        if n_steps > begin:
            task = _tail(store.step_task, np.int32, begin, n_steps)
            start = _tail(store.step_start, np.float64, begin, n_steps) - self._origin
            dur = _tail(store.step_dur, np.float32, begin, n_steps)
            code = _tail(store.step_code, np.int32, begin, n_steps)
            end = start + dur.astype(np.float64)
            if compiled is not None:
                steps = len(task)
                out = self._spans.reserve(3 * steps)
                try:
                    written = compiled.derive(
                        (task, start, end, code),
                        (wake_task, wake_t, wake_waker),
                        tuple(self._tasks[name] for name in _TASK_COLUMNS),
                        tuple(out[name] for name in _FIELDS),
                        taken,
                    )
                except BaseException:
                    self._spans.trim(3 * steps)  # (nothing written, nothing read)
                    raise
                self._spans.trim(3 * steps - written)
            else:
                taken = self._derive(task, start, end, code, wake_task, wake_t, wake_waker)
            self._steps_seen = store.steps_forgotten + n_steps
            slow = dur >= store.slow_threshold
            if slow.any():
                self._slow.extend(
                    zip(task[slow].tolist(), start[slow].tolist(), end[slow].tolist(), strict=True)
                )
        # keep the wakes no step has taken (a step takes its queue's head: the wakes at
        # or before its start, when it runs), of tasks still going
        keep = ~taken & ~self._tasks["ended"][wake_task]
        self._wakes_seen = store.wakes_forgotten + n_wakes
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
    ) -> npt.NDArray[np.bool_]:
        """Spans for a block of step rows, given every wake not yet taken; returns which
        of those wakes the steps took.

        A step after a suspension takes its task's latest wake at or before its start,
        unless an earlier such step of the task in this block took it: wakes and steps
        are compared as (task, time) pairs, complex numbers ``task + time * 1j``, which
        numpy orders lexicographically, so one ``searchsorted`` finds every step's wake
        exactly (a task's wakes come in time order, so sorting by task alone sorts them).
        """
        tasks = self._tasks
        # the steps per task, in the order they ran (a stable sort by task alone)
        order = _by_task(task)
        tid = task[order]
        n = len(order)
        first_here = np.empty(n, bool)
        first_here[:1] = True
        np.not_equal(tid[1:], tid[:-1], out=first_here[1:])
        prev = np.empty(n, np.int64)  # the step before, in step rows (first: itself)
        prev[0] = order[0]
        prev[1:] = order[:-1]
        prev_end = np.where(first_here, tasks["last_end"][tid], end[prev])
        prev_code = np.where(first_here, tasks["last_code"][tid], code[prev])
        first_step = np.isnan(prev_end)
        bare = ~first_step & (prev_code == END_READY)
        woken = ~first_step & ~bare  # after a suspension: takes a wake
        step_start = start[order]

        # each woken step's latest wake at or before its start, if no earlier woken
        # step of its task took that one
        wake_order = _by_task(wake_task)
        keys = wake_task[wake_order] + 1j * wake_t[wake_order]
        latest = np.searchsorted(keys, tid + 1j * step_start, side="right") - 1
        owner = np.append(wake_task[wake_order], -1)  # (-1: the padding past the wakes)
        mine = owner[latest] == tid  # (latest == -1 reads the padding)
        latest = np.where(woken & mine, latest, -1)
        # the latest wake an earlier woken step of the same task found (-1: none)
        taken = np.where(woken, latest, -1)
        group = np.maximum.accumulate(np.where(first_here, np.arange(n), 0))
        reach = np.maximum.accumulate(np.where(woken, np.arange(n), -1))
        before = np.empty(n, np.int64)
        before[:1] = -1
        before[1:] = reach[:-1]
        taken_before = np.where(before >= group, taken[np.maximum(before, 0)], -1)
        found = woken & (latest >= 0) & (latest > taken_before)
        row = np.append(wake_order, 0)[np.where(found, latest, len(wake_order))]
        packed = np.append(wake_waker, 0)[row]
        kind = np.where(found, packed & 7, -1)
        waker = np.where(found, (packed >> 3) - 1, -1)
        woke = np.where(found, np.maximum(np.append(wake_t, 0.0)[row], prev_end), prev_end)

        ready_start = np.where(first_step, tasks["created"][tid], np.where(bare, prev_end, woke))
        ready_kind = np.where(first_step, WAKE_CREATED, np.where(bare, WAKE_TASK, kind))
        ready_waker = np.where(first_step, tasks["parent"][tid], np.where(bare, tid, waker))

        # in step-row order, each step's spans: the suspension it ended (if any), the
        # ready span, the step itself; written straight to their places
        back = np.empty(n, np.int64)
        back[order] = np.arange(n)  # step row -> its place in the per-task order
        has_wait = woken[back]
        waits = int(has_wait.sum())
        wait_at: slice | npt.NDArray[np.int64]
        ready_at: slice | npt.NDArray[np.int64]
        run_at: slice | npt.NDArray[np.int64]
        if waits in (0, n):  # every step alike: strided places (a third of the time)
            size = 3 if waits else 2
            wait_at, ready_at, run_at = (
                slice(0, None, 3),
                slice(size - 2, None, size),
                slice(size - 1, None, size),
            )
        else:
            ready = np.cumsum(has_wait, dtype=np.int64) + 2 * np.arange(n)
            wait_at, ready_at, run_at = (ready - 1)[has_wait], ready, ready + 1
        out = self._spans.reserve(2 * n + waits)
        by_row = tid[back]
        for column, values in (
            ("task", (by_row[has_wait], by_row, by_row)),
            ("state", (SUSPENDED, READY, RUNNING)),
            ("start", (prev_end[back][has_wait], ready_start[back], start)),
            ("end", (woke[back][has_wait], start, end)),
            ("awaiting", (prev_code[back][has_wait], -1, -1)),
            ("woken_kind", (-1, ready_kind[back], -1)),
            ("woken_task", (-1, ready_waker[back], -1)),
        ):
            target = out[column]
            if waits:
                target[wait_at] = values[0]
            target[ready_at], target[run_at] = values[1], values[2]

        # what each task carries to its next step
        last_here = np.empty(n, bool)
        last_here[-1:] = True
        np.not_equal(tid[1:], tid[:-1], out=last_here[:-1])
        lt, lr = tid[last_here], order[last_here]
        columns = tasks.columns
        columns["prev_code"][lt] = prev_code[last_here]
        columns["last_code"][lt] = code[lr]
        columns["last_start"][lt] = start[lr]
        columns["last_end"][lt] = end[lr]
        columns["ended"][task[code < END_READY]] = True
        cancelled = np.flatnonzero(found & (kind == WAKE_CANCEL))
        if len(cancelled):  # the last such step of each task sets it
            final = np.empty(len(cancelled), bool)
            final[-1] = True
            final[:-1] = tid[cancelled][1:] != tid[cancelled][:-1]
            columns["cancel_code"][tid[cancelled][final]] = prev_code[cancelled][final]
        # a step took every wake of its task's queue up to the one it found: per task,
        # the sorted wakes up to the furthest one a step reached
        reached = np.full(tasks.length, -1, np.int64)
        np.maximum.at(reached, tid[latest >= 0], latest[latest >= 0])
        took = np.empty(len(wake_task), np.bool_)
        took[wake_order] = np.arange(len(wake_task)) <= reached[wake_task[wake_order]]
        return took

    # --- forgetting (``visualizer.model.history``) ----------------------------------------
    @property
    def task_count(self) -> int:
        """Tasks read so far (those the model forgot not counted)."""
        return self._tasks.length

    def task_ends(self) -> npt.NDArray[np.float64]:
        """When each task that ended ended (a copy, in no particular order)."""
        tasks = self._tasks
        ends: npt.NDArray[np.float64] = tasks["last_end"][tasks["ended"]]
        return ends

    def tasks_kept_at(self, cut: float) -> npt.NDArray[np.int64]:
        """The tasks a history from ``cut`` on shows: all but those that ended before it."""
        self.update()
        tasks = self._tasks
        return np.flatnonzero(~(tasks["ended"] & (tasks["last_end"] < cut)))

    def forget(self, cut: float, keep: npt.NDArray[np.int64]) -> None:
        """Let go of the spans ending before ``cut`` and of every task but ``keep``
        (ascending ids), the rest renumbered from 0; summarise what went.  Only through
        ``history.forget_history``: the store must forget the same tasks, and every row
        the model read, before the next ``update``."""
        self.update()
        self._task_records(self.now())  # (up to date, read from the store as it is)
        records = self._records
        n = self._tasks.length
        new_of = np.full(n + 1, -1, np.int64)  # (the last: -1 stays -1)
        new_of[keep] = np.arange(len(keep))
        spans = {name: self._spans[name] for name in _FIELDS}
        old = spans["end"] < cut
        gone = new_of[:n] < 0
        # what goes, summarised: per task kept, and in all for the tasks dropped
        earlier = per_task(
            spans["task"][old], spans["state"][old], (spans["end"] - spans["start"])[old], n
        )
        forgotten = self.forgotten
        forgotten.before = max(forgotten.before, cut)
        forgotten.spans += int(old.sum())
        forgotten.steps += int(earlier[:, 0].sum())
        forgotten.count(
            [records[tid].coro for tid in np.flatnonzero(gone).tolist()],
            [records[tid].outcome for tid in np.flatnonzero(gone).tolist()],
        )
        for tid in keep[earlier[keep, 0] + earlier[keep, 1:].sum(axis=1) > 0].tolist():
            record = records[tid]
            steps, running, ready, suspended = earlier[tid].tolist()
            was = record.earlier or (0, 0.0, 0.0, 0.0)
            record.earlier = (
                was[0] + int(steps),
                was[1] + running,
                was[2] + ready,
                was[3] + suspended,
            )
        # what stays, renumbered
        kept_spans = _Grown(**{name: self._spans.columns[name].dtype for name in _FIELDS})
        stay = ~old
        kept_spans.extend(
            **{name: spans[name][stay] for name in _FIELDS}
            | {
                "task": new_of[spans["task"][stay]],
                "woken_task": new_of[spans["woken_task"][stay]],
            }
        )
        self._spans = kept_spans
        self._block_first = [0] if kept_spans.length else []
        self._reach = np.array([kept_spans["end"].max()]) if kept_spans.length else np.zeros(0)
        tasks = _Grown(**{name: column.dtype for name, column in self._tasks.columns.items()})
        tasks.extend(**{name: self._tasks[name][keep] for name in self._tasks.columns})
        tasks.columns["parent"][: tasks.length] = new_of[tasks["parent"]]
        self._tasks = tasks
        pending = self._pending
        by = (pending["waker"] >> 3) - 1
        still = new_of[pending["task"]] >= 0
        self._pending = _Grown(task=np.int32, t=np.float64, waker=np.int32)
        self._pending.extend(
            task=new_of[pending["task"][still]],
            t=pending["t"][still],
            waker=(new_of[by[still]] + 1) << 3 | (pending["waker"][still] & 7),
        )
        self._slow = [
            (int(new_of[tid]), start, end) for tid, start, end in self._slow if end >= cut
        ]
        self._records = [records[tid] for tid in keep.tolist()]
        self._names = [self._names[tid] for tid in keep.tolist()]
        for new, record in enumerate(self._records):
            record.id = new
            if record.parent is not None:
                parent = int(new_of[record.parent])
                if parent < 0:
                    record.parent_gone = records[record.parent].name
                record.parent = parent if parent >= 0 else None
        self._record_names = self._record_names[keep]
        self._record_ended = self._record_ended[keep]
        self.task_version += 1
        self.generation += 1

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
            if store.forgotten_until is not None:
                end = max(end, store.forgotten_until)
            if self.clock is not None:
                end = max(end, self.clock())
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

    def since(self, first: int) -> Trace:
        """Every task, and the spans closed from span ``first`` on: what a live view adds
        to what it has (the open spans are ``open_spans(trace.duration)``)."""
        self.update()
        return self._trace(self.now(), self.closed_spans(first))

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
        trace = self._trace(now, spans.take(order), meta)
        # the records are the model's own, kept up to date for live frames: a snapshot
        # keeps them as they are now
        trace.tasks = [copy.copy(record) for record in trace.tasks]
        trace.observed = list(trace.observed)
        return trace

    def _trace(
        self, now: float, spans: SpanColumns, meta: dict[str, object] | None = None
    ) -> Trace:
        store = self.store
        trace_meta = self.meta(now)
        if meta:
            trace_meta.update(meta)
        records = self._task_records(now)
        return Trace(
            meta=trace_meta,
            tasks=records,
            columns=self._task_columns(len(records)),
            spans=spans,
            suspensions=list(store.suspensions),
            jobs=self._jobs(now),
            blocked=self._blocked(),
            marks=[
                Mark(t - self._origin, tid if tid >= 0 else None, label, kind, detail)
                for t, tid, label, kind, detail in store.marks
            ],
            observed=self._observed_so_far(),
        )

    def meta(self, now: float | None = None) -> dict[str, object]:
        """A trace's ``meta``: the clock, the source, the duration up to ``now`` (the
        run's so far, if not given), the rows dropped, and the store's extras."""
        store = self.store
        trace_meta: dict[str, object] = dict(store.meta.extra)  # (the core keys win)
        trace_meta.update(
            clock=store.meta.clock,
            source=store.meta.source,
            loop=store.meta.loop,
            duration=self.now() if now is None else now,
            dropped_events=store.dropped,
        )
        if store.truncated_at is not None:
            trace_meta["truncated_at"] = store.truncated_at - self._origin
        if self.generation:
            trace_meta["forgotten"] = self.forgotten.as_meta()
        return trace_meta

    def _observed_so_far(self) -> list[tuple[float, float]]:
        """The observer's intervals, relative (kept between calls: a live frame pays only
        for the new ones; the list is the model's, a snapshot copies it)."""
        store, seen = self.store, self._observed
        n = min(len(store.observed_start), len(store.observed_end))
        if n > len(seen):
            starts = _tail(store.observed_start, np.float64, len(seen), n) - self._origin
            ends = _tail(store.observed_end, np.float64, len(seen), n) - self._origin
            seen.extend(zip(starts.tolist(), ends.tolist(), strict=True))
        return seen

    def _task_records(self, now: float) -> list[TaskRecord]:
        """One record per task, kept between calls: a live frame pays only for the tasks
        that are new, renamed or ended since the last."""
        store = self.store
        records = self._records
        tasks = self._tasks
        self._names.extend([""] * (tasks.length - len(records)))
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
        renamed = np.flatnonzero(names != known).tolist()
        for tid in renamed:
            name_id = int(names[tid])
            records[tid].name = store.strings[name_id] if name_id >= 0 else f"task-{tid}"
            self._names[tid] = records[tid].name
        self._record_names = names
        ended = tasks["ended"][:count]
        was = np.concatenate([self._record_ended, np.zeros(count - len(self._record_ended), bool)])
        newly_ended = np.flatnonzero(ended & ~was).tolist()
        for tid in newly_ended:
            self._ended(records[tid])
        if renamed or newly_ended:
            self.task_version += 1
        self._record_ended = ended.copy()
        return records[: self._known_tasks(now)]

    def _task_columns(self, known: int) -> TaskColumns:
        """The first ``known`` tasks as columns (as their records say, from the arrays)."""
        tasks = self._tasks
        code = tasks["last_code"][:known]
        ended = tasks["ended"][:known]
        outcome = np.zeros(known, np.int8)
        for number, end in ((1, END_DONE), (2, END_ERROR), (3, END_CANCELLED)):
            outcome[ended & (code == end)] = number
        return TaskColumns(
            created=tasks["created"][:known].copy(),
            parent=tasks["parent"][:known].astype(np.int64),
            ended=np.where(ended, tasks["last_end"][:known], np.nan),
            outcome=outcome,
            names=self._names[:known],
        )

    def _ended(self, record: TaskRecord) -> None:
        tasks = self._tasks
        tid = record.id
        code = int(tasks["last_code"][tid])
        record.ended = float(tasks["last_end"][tid])
        record.outcome = _OUTCOME.get(code, "pending")  # (a step after its end: pending)
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
        for tid, start, end in self._slow:
            name = store.task_name[tid]
            what = store.strings[name] if name >= 0 else f"task-{tid}"
            records.append(BlockedRecord(tid, start, end, what))
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


def _by_task(task: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
    """The stable order sorting by task: numpy's radix sort (its stable sort of 16-bit
    keys), 16 bits at a time, is five times as fast as sorting 32-bit keys."""
    keys = task.astype(np.uint32)
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    if len(keys) and int(keys.max()) > 0xFFFF:
        order = order[np.argsort((keys[order] >> 16).astype(np.uint16), kind="stable")]
    return order


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
