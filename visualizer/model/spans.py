"""From store rows to spans: each task's life tiled into ready / running / suspended.

The model reads the store through a cursor (row counts), so a live view can call
``update()`` at frame rate and pay only for what is new: each update turns the new
block of step rows into spans by the rule in ``visualizer.model.derive`` (in numpy, or
in C where built), which keeps, per task, the end of the last step and how it ended.

The open state after a task's last step (still suspended, or ready and waiting
for the loop) is not a span yet: ``open_spans(now)`` gives it, as spans closed at
``now``.  The rule, one event at a time, is ``tests/model_reference.py``: the tests
hold this model to it span for span.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from visualizer.model.derive import (
    FIELDS,
    Grown,
    add_tasks,
    derive,
    renumbered,
    span_table,
    spans_open_at,
    store_tail,
    task_table,
    wake_table,
)
from visualizer.model.history import Forgotten, summarise
from visualizer.model.task_columns import ModelTasks
from visualizer.trace.data import (
    BlockedRecord,
    JobRecord,
    Mark,
    SpanColumns,
    TaskTable,
    Trace,
)
from visualizer.trace.resources import Resource, ResourceChanges, change_rows, resource_of
from visualizer.trace.store import TraceStore


class TraceModel:
    """Derives spans from a ``TraceStore`` incrementally. Never draws, never imports Qt."""

    def __init__(self, store: TraceStore, clock: Callable[[], float] | None = None) -> None:
        self.store = store
        #: the run's clock, if time between facts is to be shown passing (a lecture:
        #: a sleep's bar grows as the scenario's time goes on, and stops when paused)
        self.clock = clock
        self._origin = store.origin
        #: the last ``_resources`` made, and the table's lengths it was made at
        self._resources_key: tuple[int, int, int] | None = None
        self._resources_made: tuple[list[Any], Any] = ([], None)
        #: the store's resources and changes read so far (``_read_resources``)
        self._resources_read: list[Resource] = []
        self._changes_read: Grown | None = None
        self._forgotten_read = 0  #: the store's changes let go of, when they were read
        self._steps_seen = 0
        self._wakes_seen = 0
        self._spans = span_table()
        # where each update's spans begin, and the latest end up to that update's spans
        self._block_first: list[int] = []
        self._reach = np.zeros(0)
        self._tasks = task_table()  # (index == task id)
        self._pending = wake_table()
        #: steps that held the loop (``store.slow_threshold``): task, start, end
        self._slow: list[tuple[int, float, float]] = []
        #: the tasks' fields a trace gives that the derivation's table has not
        self._task_fields = ModelTasks(store)
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
            store_tail(store.wake_task, np.int32, seen_wakes, n_wakes),
            store_tail(store.wake_t, np.float64, seen_wakes, n_wakes) - self._origin,
            store_tail(store.wake_waker, np.int32, seen_wakes, n_wakes),
        )
        pending = self._pending
        wake_task = np.concatenate([pending["task"], new_wakes[0]])
        wake_t = np.concatenate([pending["t"], new_wakes[1]])
        wake_waker = np.concatenate([pending["waker"], new_wakes[2]])
        taken = np.zeros(len(wake_task), np.bool_)
        n_steps = len(store.step_task)
        begin = self._steps_seen - store.steps_forgotten
        if n_steps > begin:
            task = store_tail(store.step_task, np.int32, begin, n_steps)
            start = store_tail(store.step_start, np.float64, begin, n_steps) - self._origin
            dur = store_tail(store.step_dur, np.float32, begin, n_steps)
            code = store_tail(store.step_code, np.int32, begin, n_steps)
            end = start + dur.astype(np.float64)
            taken = derive(
                (task, start, end, code), (wake_task, wake_t, wake_waker), self._tasks, self._spans
            )
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
        self._pending = wake_table()
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
        add_tasks(
            tasks,
            store_tail(store.task_created, np.float64, old, n) - self._origin,
            store_tail(store.task_parent, np.int32, old, n),
        )

    # --- forgetting (``visualizer.model.history``) ----------------------------------------
    @property
    def task_version(self) -> int:
        """Counts changes to the tasks (new, renamed, ended): a live view redraws what
        depends on them only when it moved."""
        return self._task_fields.version

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
        tasks = self._task_table(self.now(), every=True)  # (up to date, as the store is)
        # (the store lets the changes before the cut go and renumbers their tasks: its
        # resources are read again from the start)
        self._resources_key, self._changes_read = None, None
        new_of = np.full(self._tasks.length + 1, -1, np.int64)  # (the last: -1 stays -1)
        new_of[keep] = np.arange(len(keep))
        old = self._spans["end"] < cut
        # what goes, summarised: per task kept, and in all for the tasks dropped
        earlier = summarise(self.forgotten, tasks, self.closed_spans().take(old), keep, cut)
        # what stays, renumbered
        self._spans, self._tasks, self._pending = renumbered(
            self._spans, self._tasks, self._pending, keep, new_of, ~old
        )
        spans = self._spans
        self._block_first = [0] if spans.length else []
        self._reach = np.array([spans["end"].max()]) if spans.length else np.zeros(0)
        self._slow = [
            (int(new_of[tid]), start, end) for tid, start, end in self._slow if end >= cut
        ]
        self._task_fields.keep(tasks, keep, new_of, earlier)
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
        return spans_open_at(self._tasks, self._pending, self._known_tasks(now), now)

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
        return SpanColumns(*(self._spans[name][first:] for name in FIELDS))

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
        trace.observed = list(trace.observed)  # (the model's own, growing: as it is now)
        return trace

    def _trace(
        self, now: float, spans: SpanColumns, meta: dict[str, object] | None = None
    ) -> Trace:
        store = self.store
        trace_meta = self.meta(now)
        if meta:
            trace_meta.update(meta)
        return Trace(
            meta=trace_meta,
            tasks=self._task_table(now),
            spans=spans,
            suspensions=list(store.suspensions),
            jobs=self._jobs(now),
            blocked=self._blocked(),
            marks=[
                Mark(t - self._origin, tid if tid >= 0 else None, label, kind, detail)
                for t, tid, label, kind, detail in store.marks
            ],
            observed=self._observed_so_far(),
            stack_samples=[s.moved(self._origin) for s in list(store.stack_samples)],
            **self._resources(),
        )

    def _resources(self) -> dict[str, Any]:
        """The run's resources and their changes so far (``trace.resources``)."""
        store = self.store
        table = store.resources
        if not len(table):
            return {}
        # (a live chart asks at every frame: made again only when a row was added)
        key = (len(table), len(table.c_res), table.changes_forgotten)
        if self._resources_key != key:
            found, changes = self._read_resources()
            if store.truncated_at is not None:  # (nothing after it is in the trace)
                found, changes = _until(found, changes, store.truncated_at - self._origin)
            self._resources_key, self._resources_made = key, (found, changes)
        found, changes = self._resources_made
        return {"resources": list(found), "resource_changes": changes}

    def _read_resources(self) -> tuple[list[Resource], ResourceChanges]:
        """The store's resources and changes (``resources.of_store``), at the cost of
        the rows added since the last call: a live frame asks at every frame, and a
        queue-bound run changes its queue at every step (copying every change at each
        frame cost 8 ms a frame 12 s into a run of 240,000 changes a second)."""
        table, origin = self.store.resources, self._origin
        read = self._changes_read
        if (
            read is None
            or read.length > len(table.c_res)
            or table.changes_forgotten != self._forgotten_read
        ):
            self._resources_read, self._forgotten_read = [], table.changes_forgotten
            read = self._changes_read = Grown(
                resource=np.int32, t=np.float64, task=np.int32, op=np.int8,
                value=np.int64, detail=np.int64,
            )  # fmt: skip
        found = self._resources_read
        found.extend(
            resource_of(table, self.store.strings, origin, rid)
            for rid in range(len(found), len(table))
        )
        if len(table.c_res) > read.length:
            read.extend(**change_rows(table, origin, read.length, len(table.c_res)))
        return list(found), ResourceChanges(**{name: read[name] for name in read.columns})

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
            starts = store_tail(store.observed_start, np.float64, len(seen), n) - self._origin
            ends = store_tail(store.observed_end, np.float64, len(seen), n) - self._origin
            seen.extend(zip(starts.tolist(), ends.tolist(), strict=True))
        return seen

    def _task_table(self, now: float, every: bool = False) -> TaskTable:
        """The tasks that exist by ``now`` (``every``: all read) as a table
        (``task_columns``: no Python statement per task)."""
        known = self._tasks.length if every else self._known_tasks(now)
        return self._task_fields.table(self._tasks, known)

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


def _fields(spans: SpanColumns) -> list[npt.NDArray[Any]]:
    return [getattr(spans, name) for name in FIELDS]


def _until(
    found: list[Resource], changes: ResourceChanges, end: float
) -> tuple[list[Resource], ResourceChanges]:
    """The resources made and the changes made up to ``end``: a full store stopped
    recording tasks there, and a trace promises nothing after it was recorded."""
    kept = [r for r in found if r.created <= end]  # (made in order: ids stay 0..n-1)
    rows = changes.t <= end
    return kept, ResourceChanges(
        *(getattr(changes, f)[rows] for f in ("resource", "t", "task", "op", "value", "detail"))
    )


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
