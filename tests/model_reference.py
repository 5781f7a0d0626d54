"""The span derivation as it was first written: one event at a time, in plain Python.

It is the specification the vectorised ``TraceModel`` must match span for span
(``test_model_vectorised.py``), kept here and not in the package: the package has one
derivation.  Its ``_add`` appends in the order a reader expects: per step, the
suspension it ended, the ready span, the step itself.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from visualizer.trace import schema
from visualizer.trace.data import SpanColumns
from visualizer.trace.schema import (
    END_READY,
    READY,
    RUNNING,
    SUSPENDED,
    WAKE_CANCEL,
    WAKE_CREATED,
    WAKE_TASK,
)
from visualizer.trace.store import TraceStore


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


class ReferenceModel:
    """Spans from a store, one event at a time (the reference)."""

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
