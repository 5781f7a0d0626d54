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

Wakes are queued per task and a step consumes the wakes that happened at or
before its start, so a wake recorded during a step (a task cancelling itself)
is kept for the next step, where it belongs.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.trace import schema
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


@dataclass
class _TaskState:
    created: float
    last_start: float = math.nan
    last_end: float = math.nan  #: nan until the first step
    last_code: int = END_READY
    prev_code: int = -100  #: the code before last_code
    cancel_code: int = -1  #: the suspension a cancel wake ended: where CancelledError landed
    ended: bool = False
    wakes: deque[tuple[float, int]] = field(default_factory=deque)


class TraceModel:
    """Derives spans from a ``TraceStore`` incrementally. Never draws, never imports Qt."""

    def __init__(self, store: TraceStore) -> None:
        self.store = store
        self._origin = store.origin
        self._steps_seen = 0
        self._wakes_seen = 0
        self._states: list[_TaskState] = []
        self._task = array("i")
        self._state = array("b")
        self._start = array("d")
        self._end = array("d")
        self._awaiting = array("i")
        self._wkind = array("b")
        self._wtask = array("i")

    # --- incremental derivation -------------------------------------------------------
    def update(self) -> int:
        """Read what the store gained since the last call; return the new span count."""
        store = self.store
        store.sync()
        before = len(self._task)
        origin = self._origin
        states = self._states
        for tid in range(len(states), store.task_count):
            states.append(_TaskState(created=store.task_created[tid] - origin))

        n_wakes = len(store.wake_task)
        wake_task, wake_t, wake_waker = store.wake_task, store.wake_t, store.wake_waker
        for i in range(self._wakes_seen, n_wakes):
            states[wake_task[i]].wakes.append((wake_t[i] - origin, wake_waker[i]))
        self._wakes_seen = n_wakes

        n_steps = len(store.step_task)
        step_task, step_start = store.step_task, store.step_start
        step_dur, step_code = store.step_dur, store.step_code
        parents = store.task_parent
        add = self._add
        for i in range(self._steps_seen, n_steps):
            tid = step_task[i]
            st = states[tid]
            start = step_start[i] - origin
            end = start + step_dur[i]
            code = step_code[i]
            if math.isnan(st.last_end):  # first step: ready since creation
                add(tid, READY, st.created, start, -1, WAKE_CREATED, parents[tid])
            elif st.last_code == END_READY:  # after a bare yield: ready at once, by itself
                add(tid, READY, st.last_end, start, -1, WAKE_TASK, tid)
            else:
                kind, waker, woke = self._take_wake(st, start)
                if kind == WAKE_CANCEL:
                    st.cancel_code = st.last_code
                add(tid, SUSPENDED, st.last_end, woke, st.last_code, -1, -1)
                add(tid, READY, woke, start, -1, kind, waker)
            add(tid, RUNNING, start, end, -1, -1, -1)
            st.prev_code, st.last_code = st.last_code, code
            st.last_start, st.last_end = start, end
            if code < END_READY:
                st.ended = True
        self._steps_seen = n_steps
        return len(self._task) - before

    @staticmethod
    def _take_wake(st: _TaskState, start: float) -> tuple[int, int, float]:
        """The wake that made this step's task ready: (kind, waker task, time)."""
        found: tuple[float, int] | None = None
        wakes = st.wakes
        while wakes and wakes[0][0] <= start:
            found = wakes.popleft()
        if found is None:  # not recorded (store full): ready from the suspension's end
            return -1, -1, st.last_end
        t, packed = found
        return schema.waker_kind(packed), schema.waker_task(packed), max(t, st.last_end)

    def _add(
        self, tid: int, state: int, start: float, end: float, awaiting: int, kind: int, waker: int
    ) -> None:
        self._task.append(tid)
        self._state.append(state)
        self._start.append(start)
        self._end.append(end)
        self._awaiting.append(awaiting)
        self._wkind.append(kind)
        self._wtask.append(waker)

    # --- views of the current state -----------------------------------------------------
    @property
    def span_count(self) -> int:
        return len(self._task)

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
        """The spans still open at ``now``: each unfinished task's current state."""
        rows: list[tuple[int, int, float, float, int, int, int]] = []
        parents = self.store.task_parent
        for tid, st in enumerate(self._states[: self._known_tasks(now)]):
            if st.ended:
                continue
            if math.isnan(st.last_end):
                rows.append((tid, READY, st.created, now, -1, WAKE_CREATED, parents[tid]))
            elif st.last_code == END_READY:
                rows.append((tid, READY, st.last_end, now, -1, WAKE_TASK, tid))
            elif st.wakes:
                t, packed = st.wakes[-1]
                t = min(max(t, st.last_end), now)
                rows.append((tid, SUSPENDED, st.last_end, t, st.last_code, -1, -1))
                kind, waker = schema.waker_kind(packed), schema.waker_task(packed)
                rows.append((tid, READY, t, now, -1, kind, waker))
            else:
                rows.append(
                    (tid, SUSPENDED, st.last_end, max(now, st.last_end), st.last_code, -1, -1)
                )
        return _columns_from_rows(rows)

    def _known_tasks(self, now: float) -> int:
        """Tasks that exist by ``now``: after a truncation the store still counts
        tasks made later (their rows were dropped), and those are not in the trace."""
        n = len(self._states)
        while n and self._states[n - 1].created > now:
            n -= 1
        return n

    def closed_spans(self) -> SpanColumns:
        """The spans derived so far (zero-copy views of the model's buffers)."""
        return SpanColumns(
            task=np.frombuffer(self._task, np.int32) if self._task else np.zeros(0, np.int32),
            state=np.frombuffer(self._state, np.int8) if self._state else np.zeros(0, np.int8),
            start=np.frombuffer(self._start, np.float64) if self._start else np.zeros(0),
            end=np.frombuffer(self._end, np.float64) if self._end else np.zeros(0),
            awaiting=np.frombuffer(self._awaiting, np.int32)
            if self._awaiting
            else np.zeros(0, np.int32),
            woken_kind=np.frombuffer(self._wkind, np.int8) if self._wkind else np.zeros(0, np.int8),
            woken_task=np.frombuffer(self._wtask, np.int32)
            if self._wtask
            else np.zeros(0, np.int32),
        )

    # --- what a live view needs -----------------------------------------------------------
    def recent(self, since: float) -> Trace:
        """A Trace of the spans a view starting at ``since`` can show: those still open and
        those ending at or after it (in no particular order), with every task.  A live chart
        redraws this at frame rate; a full ``snapshot`` (every span, sorted) is for the end."""
        self.update()
        now = self.now()
        closed = self.closed_spans()
        spans = _joined(closed, self.open_spans(now), closed.end >= since)
        return self._trace(now, spans)

    # --- a complete Trace ---------------------------------------------------------------
    def snapshot(self, meta: dict[str, object] | None = None) -> Trace:
        """Everything so far as a ``Trace``: open spans closed at ``now()``."""
        self.update()
        now = self.now()
        spans = _joined(self.closed_spans(), self.open_spans(now))
        order = np.lexsort((spans.start, spans.task))
        return self._trace(now, SpanColumns(*(column[order] for column in _fields(spans))), meta)

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
        store = self.store
        records = []
        for tid, st in enumerate(self._states[: self._known_tasks(now)]):
            name_id = store.task_name[tid]
            record = TaskRecord(
                id=tid,
                name=store.strings[name_id] if name_id >= 0 else f"task-{tid}",
                coro=store.strings[store.task_coro[tid]],
                parent=store.task_parent[tid] if store.task_parent[tid] >= 0 else None,
                created=st.created,
                created_at=store.string(store.task_site[tid]),
            )
            if st.ended:
                record.ended = st.last_end
                record.outcome = _OUTCOME[st.last_code]
                error = store.task_error.get(tid)
                if error is not None:
                    record.error = f"{error.type}: {error.message}" if error.message else error.type
                    record.traceback = error.traceback
                if st.last_code == END_CANCELLED:
                    # where the CancelledError was thrown in: the suspension a cancel
                    # wake ended, else (cancelled while ready) the last suspension
                    landed = st.cancel_code if st.cancel_code >= 0 else st.prev_code
                    if landed >= 0:
                        record.cancelled_at = store.suspensions[landed].site
            records.append(record)
        return records

    def _blocked(self) -> list[BlockedRecord]:
        """Steps that held the loop at least the threshold, and callbacks that did."""
        store = self.store
        store.sync()
        origin = self._origin
        records = [
            BlockedRecord(b.task if b.task >= 0 else None, b.start - origin, b.end - origin, b.what)
            for b in store.blocked
        ]
        if store.step_dur:
            dur = np.frombuffer(store.step_dur, np.float32)
            for i in np.flatnonzero(dur >= store.slow_threshold).tolist():
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


def _columns_from_rows(rows: list[tuple[int, int, float, float, int, int, int]]) -> SpanColumns:
    if not rows:
        return SpanColumns.empty()
    cols = list(zip(*rows, strict=True))
    return SpanColumns(
        task=np.array(cols[0], np.int32),
        state=np.array(cols[1], np.int8),
        start=np.array(cols[2], np.float64),
        end=np.array(cols[3], np.float64),
        awaiting=np.array(cols[4], np.int32),
        woken_kind=np.array(cols[5], np.int8),
        woken_task=np.array(cols[6], np.int32),
    )


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
