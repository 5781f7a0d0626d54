"""The resources' rows of the run on screen, derived only when something new came
(issue 15): the chart's rows under the tasks (``views.resource_rows``) and the details
of a waiting task read them from here.

A finished trace's rows are derived once (``RowsCache``: again only for another trace,
or one whose resources or changes grew).  A live run's come frame by frame
(``LiveRows``): a frame gives the trace's resources and every change so far, but only
the spans closed since the last frame; a wait lasts until the suspension of its task
that follows it ends, so the suspended spans of the tasks that ever waited on a
resource are kept as they come (no other task's: a run without resources keeps
nothing and pays nothing).  The rows are derived again when the resources, their
changes or those spans grew; between, only the run's end moves on (the last level, a
full stretch and the waits still open reach "now").

A derivation costs the changes kept (a service's queue over five minutes of history:
a million of them, about a second); one that took over ``SLOW`` seconds is not done
again before ``SLOW_SHARE`` times as long has passed, so a busy run's rows lag a few
seconds rather than its frames.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from visualizer.model.resource_states import QUEUES, SEMAPHORES, ResourceRow, rows_of
from visualizer.trace import schema
from visualizer.trace.data import SpanColumns, Trace
from visualizer.trace.resources import WAIT

#: a derivation over this many seconds is not repeated at once ...
SLOW = 0.02
#: ... but after this many times its cost
SLOW_SHARE = 20.0


class RowsCache:
    """A finished trace's rows, derived once per trace (and again if it grew)."""

    def __init__(self) -> None:
        self.rows: list[ResourceRow] = []
        self._trace: Trace | None = None
        self._key = (0, 0)

    def of(self, trace: Trace) -> bool:
        """The rows of ``trace``; True if they are not the ones of the last call."""
        key = (len(trace.resources), len(trace.resource_changes))
        if trace is self._trace and key == self._key:
            return False
        had = bool(self.rows)
        self._trace, self._key = trace, key
        self.rows = rows_of(trace) if trace.resources else []
        return had or bool(self.rows)

    def forget(self) -> None:
        self.rows, self._trace, self._key = [], None, (0, 0)


class LiveRows:
    """A live run's rows, kept up to date frame by frame (``frame``)."""

    def __init__(self) -> None:
        self.rows: list[ResourceRow] = []
        self.derivations = 0  #: how many times the rows were derived (tests)
        self.reset()

    def reset(self) -> None:
        """A new run (or its history moved on): nothing known."""
        self.rows = []
        self._key = (0, 0, 0)
        self._seen = 0  #: changes looked at for the tasks that wait
        self._waiter = np.zeros(0, bool)  #: task id -> it waited on a resource
        self._task: list[npt.NDArray[np.int32]] = []  #: those tasks' suspended spans
        self._start: list[npt.NDArray[np.float64]] = []
        self._end: list[npt.NDArray[np.float64]] = []
        self._kept = 0
        self._end_at = 0.0  #: the run's end the rows reach
        #: per row, the waits open at the end (their indices)
        self._open: list[npt.NDArray[np.intp]] = []
        self._not_before = 0.0  #: a slow derivation: not again before this (perf_counter)

    def frame(self, delta: Trace, opened: SpanColumns) -> bool:
        """A live frame (``delta``: every resource and change so far, the spans closed
        since the last frame; ``opened``: the spans open now).  True if the rows were
        derived again (their number, names or users may differ)."""
        if not delta.resources:
            if not self.rows:
                return False
            self.reset()
            return True
        changes = delta.resource_changes
        if len(changes) < self._seen:  # (cut: a history let go of its start)
            self.reset()
        self._note_waiters(delta)
        self._keep(delta.spans)
        now = delta.duration
        key = (len(delta.resources), len(changes), self._kept)
        if key == self._key or time.perf_counter() < self._not_before:
            self._reach(now)
            return False
        began = time.perf_counter()
        self._derive(delta, opened, now)
        self._key = key
        cost = time.perf_counter() - began
        self._not_before = began + SLOW_SHARE * cost if cost > SLOW else 0.0
        return True

    def _note_waiters(self, delta: Trace) -> None:
        changes = delta.resource_changes
        n = len(changes)
        if n <= self._seen:
            return
        new = slice(self._seen, n)
        task = changes.task[new]
        waiting = task[(changes.op[new] == WAIT) & (task >= 0)]
        self._seen = n
        if not len(waiting):
            return
        most = int(waiting.max()) + 1
        if most > len(self._waiter):
            self._waiter = np.concatenate([self._waiter, np.zeros(most - len(self._waiter), bool)])
        self._waiter[waiting] = True

    def _mine(self, spans: SpanColumns) -> npt.NDArray[np.bool_]:
        """The suspended spans of the tasks that waited on a resource."""
        task = spans.task
        known = (task >= 0) & (task < len(self._waiter))
        mine: npt.NDArray[np.bool_] = (spans.state == schema.SUSPENDED) & known
        mine[known] &= self._waiter[task[known]]
        return mine

    def _keep(self, spans: SpanColumns) -> None:
        if not len(spans) or not self._waiter.any():
            return
        mine = self._mine(spans)
        if mine.any():
            self._task.append(spans.task[mine].astype(np.int32))
            self._start.append(spans.start[mine].astype(np.float64))
            self._end.append(spans.end[mine].astype(np.float64))
            self._kept += int(mine.sum())

    def _derive(self, delta: Trace, opened: SpanColumns, now: float) -> None:
        self.derivations += 1
        mine = self._mine(opened) if len(opened) else np.zeros(0, bool)
        task = np.concatenate([*self._task, opened.task[mine].astype(np.int32)])
        start = np.concatenate([*self._start, opened.start[mine].astype(np.float64)])
        end = np.concatenate([*self._end, opened.end[mine].astype(np.float64)])
        n = len(task)
        spans = SpanColumns(
            task=task,
            state=np.full(n, schema.SUSPENDED, np.int8),
            start=start,
            end=end,
            awaiting=np.full(n, -1, np.int32),
            woken_kind=np.full(n, -1, np.int8),
            woken_task=np.full(n, -1, np.int32),
        )
        trace = Trace(
            meta={"duration": now},
            tasks=[],
            spans=spans,
            suspensions=[],
            resources=delta.resources,
            resource_changes=delta.resource_changes,
        )
        self.rows = rows_of(trace)
        self._end_at = now
        self._open = [np.flatnonzero(row.wait_end >= now) for row in self.rows]

    def _reach(self, now: float) -> None:
        """The rows' end moved on to ``now``: the last level, a full stretch that lasts
        until the end and the waits still going last until then too."""
        old = self._end_at
        if now <= old:
            return
        self._end_at = now
        for row, still in zip(self.rows, self._open, strict=True):
            row.end = now
            if _has_full(row) and row.levels[-1] >= row.bound:
                if row.full and row.full[-1][1] == old:
                    row.full[-1] = (row.full[-1][0], now)
                else:  # (full from the very end on)
                    row.full.append((max(float(row.times[-1]), old), now))
            ends = row.wait_end
            ends[still[ends[still] == old]] = now


def _has_full(row: ResourceRow) -> bool:
    """The row marks its full stretches (a bounded queue, a semaphore)."""
    kind = row.kind
    return (kind in QUEUES and row.resource.capacity is not None) or kind in SEMAPHORES
