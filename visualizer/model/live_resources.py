"""The resources' rows of the run on screen, derived only when something new came
(issue 15): the chart's rows under the tasks (``views.resource_rows``) and the details
of a waiting task read them from here.

A finished trace's rows are derived once (``RowsCache``: again only for another trace,
or one whose resources or changes grew).  A live run's come frame by frame
(``LiveRows``), and are kept equal to ``rows_of`` of the run so far at every frame
(its changes, its spans closed and open, its end) at the cost of what is new: a
queue-bound run changes its queue at every step, so a derivation of every change at
each frame grew with the run (a 6 s run at 200,000 steps a second: 12 ms a derivation,
and 1.5 s a frame for the waits that were still going), and the frames went with it.

A frame gives the trace's resources and every change so far, but only the spans
closed since the last frame; each row takes in the changes new since the last frame
(appended to its columns: a level, a holder, free permits each; a wait, a notify),
and its full stretches grow by the steps whose end is now known (every step but the
last, which lasts until the run's end and is put back and taken again at each frame).
A wait lasts until the suspension of its task that follows it ends (``rows_of``): a
wait whose end is not known yet (its suspension is still going, or it has not begun)
is matched again at each frame, against the suspended spans kept and those open now,
until its suspension has ended.  The suspended spans of the tasks that ever waited on
a resource are kept as they come (no other task's: a run without resources keeps
nothing and pays nothing), and let go once they began before the last change taken
in: the changes come in the order they happened, so every wait to come begins later
(a streamed run's batches may bring a wait's row a frame after the spans, but never
before an earlier change's).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import numpy.typing as npt

from visualizer.model.resource_states import (
    SEMAPHORES,
    ResourceRow,
    at_bound,
    bound_of,
    has_full,
    levels_of,
    next_suspension,
    rows_of,
    stretches,
)
from visualizer.trace import schema
from visualizer.trace.data import SpanColumns, Trace
from visualizer.trace.resources import NOTIFY, WAIT, Resource, ResourceChanges


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
        self.derivations = 0  #: frames that brought something new to the rows (tests)
        self.reset()

    def reset(self) -> None:
        """A new run (or its history moved on): nothing known."""
        self.rows = []
        self._live: list[_LiveRow] = []
        self._seen = 0  #: changes taken in
        self._waiter = np.zeros(0, bool)  #: task id -> it waited on a resource
        #: those tasks' suspended spans that a wait to come may end with: task, start, end
        self._kept: tuple[npt.NDArray[np.int64], Any, Any] = (
            np.zeros(0, np.int64),
            np.zeros(0),
            np.zeros(0),
        )
        #: the time of the last change taken in: the changes come in the order they
        #: happened, so a wait to come begins no earlier
        self._last = -np.inf

    def frame(self, delta: Trace, opened: SpanColumns) -> bool:
        """A live frame (``delta``: every resource and change so far, the spans closed
        since the last frame; ``opened``: the spans open now).  True if the rows' number
        or users changed (their names and lanes may differ), False if only what they
        draw did."""
        if not delta.resources:
            if not self.rows:
                return False
            self.reset()
            return True
        changes = delta.resource_changes
        if len(changes) < self._seen:  # (cut: a history let go of its start)
            self.reset()
        relaid = len(delta.resources) > len(self._live)
        for r in delta.resources[len(self._live) :]:
            self._live.append(_LiveRow(r))
        self.rows = [live.row for live in self._live]
        new = self._take_changes(changes, len(self._live))
        relaid |= any(live.users_grew for live in self._live)
        kept = self._keep(delta.spans)
        if new or kept:
            self.derivations += 1
        now = float(delta.duration)
        self._end_waits(opened, now)
        # (a span begun before the last change can end no wait to come: let go)
        task, start, end = self._kept
        if len(start) and start.min() < self._last:
            later = start >= self._last
            self._kept = (task[later], start[later], end[later])
        for live in self._live:
            live.reach(now)
        return relaid

    # --- the changes ----------------------------------------------------------------------
    def _take_changes(self, changes: ResourceChanges, known: int) -> bool:
        """The changes new since the last frame, each to its row; True if any."""
        n = len(changes)
        resource = changes.resource
        for live in self._live:
            live.users_grew = False
        if n <= self._seen:
            return False
        new = slice(self._seen, n)
        ids = resource[new]
        beyond = np.flatnonzero(ids >= known)
        if len(beyond):  # (a change comes once its resource does: never, but not lost)
            n = self._seen + int(beyond[0])
            new, ids = slice(self._seen, n), ids[: int(beyond[0])]
            if n == self._seen:
                return False
        self._last = float(changes.t[n - 1])
        task = changes.task[new]
        waiting = task[(changes.op[new] == WAIT) & (task >= 0)]
        if len(waiting):
            most = int(waiting.max()) + 1
            if most > len(self._waiter):
                grown = np.zeros(most, bool)
                grown[: len(self._waiter)] = self._waiter
                self._waiter = grown
            self._waiter[waiting] = True
        order = np.argsort(ids, kind="stable") + self._seen
        order = order[ids[order - self._seen] >= 0]  # (none of a resource not recorded)
        if not len(order):
            self._seen = n
            return True
        sorted_ids = resource[order]
        bounds = np.concatenate(
            ([0], np.flatnonzero(sorted_ids[1:] != sorted_ids[:-1]) + 1, [len(sorted_ids)])
        )
        for lo, hi in itertools.pairwise(bounds.tolist()):
            self._live[int(sorted_ids[lo])].take(changes, order[lo:hi])
        self._seen = n
        return True

    # --- the waits' ends ------------------------------------------------------------------
    def _mine(self, spans: SpanColumns) -> npt.NDArray[np.bool_]:
        """The suspended spans of the tasks that waited on a resource."""
        task = spans.task
        known = (task >= 0) & (task < len(self._waiter))
        mine: npt.NDArray[np.bool_] = (spans.state == schema.SUSPENDED) & known
        mine[known] &= self._waiter[task[known]]
        return mine

    def _keep(self, spans: SpanColumns) -> bool:
        """The waiters' suspended spans closed since the last frame, kept; True if any."""
        if not len(spans) or not self._waiter.any():
            return False
        mine = self._mine(spans)
        if not mine.any():
            return False
        task, start, end = self._kept
        self._kept = (
            np.concatenate([task, spans.task[mine].astype(np.int64)]),
            np.concatenate([start, spans.start[mine].astype(np.float64)]),
            np.concatenate([end, spans.end[mine].astype(np.float64)]),
        )
        return True

    def _end_waits(self, opened: SpanColumns, now: float) -> None:
        """The ends of the waits not known at the last frame: each its task's first
        suspended span beginning at or after it (``rows_of``), among the spans kept and
        those open now.  (A span let go began before a change taken in earlier, so
        before every wait not known then, or ended one.)  One that ended with a closed
        span is known for good; one with an open span, or none yet, lasts until then or
        ``now`` for now."""
        pending = [(i, live) for i, live in enumerate(self._live) if len(live.open)]
        if not pending:
            return
        owner = np.concatenate([np.full(len(live.open), i) for i, live in pending])
        which = np.concatenate([live.open for _, live in pending])
        task = np.concatenate([live.wait_task.view()[live.open] for _, live in pending])
        t = np.concatenate([live.wait_start.view()[live.open] for _, live in pending])
        mine = self._mine(opened) if len(opened) else np.zeros(0, bool)
        kept_task, kept_start, kept_end = self._kept
        s_task = np.concatenate([kept_task, opened.task[mine].astype(np.int64)])
        s_start = np.concatenate([kept_start, opened.start[mine].astype(np.float64)])
        s_end = np.concatenate([kept_end, opened.end[mine].astype(np.float64)])
        closed = len(kept_task)
        found = next_suspension(task, t, s_task, s_start)
        stop = s_end[np.maximum(found, 0)] if len(s_end) else np.zeros(len(found))
        end = np.maximum(np.where(found >= 0, stop, now), t)
        known = (found >= 0) & (found < closed)
        for i, live in pending:
            of = owner == i
            live.wait_end.view()[which[of]] = end[of]
            live.open = which[of][~known[of]]


class _Grow:
    """A column (or ``width`` of them) that grows at its end, its room doubled when
    full; ``view()``: what it holds (a view: rows appended later leave one handed out
    as it was)."""

    def __init__(self, dtype: Any, first: Any = (), width: int = 0) -> None:
        # (column by column, if ``width``: each column of a view is a contiguous array)
        self._data: npt.NDArray[Any] = np.empty((16, width) if width else 16, dtype, order="F")
        self.n = 0
        self.extend(first)

    def extend(self, values: Any) -> None:
        values = np.asarray(values, self._data.dtype)
        if not len(values):
            return
        need = self.n + len(values)
        if need > len(self._data):
            rows = max(need, 2 * len(self._data))
            grown = np.empty((rows, *self._data.shape[1:]), self._data.dtype, order="F")
            grown[: self.n] = self._data[: self.n]
            self._data = grown
        self._data[self.n : need] = values
        self.n = need

    def view(self) -> npt.NDArray[Any]:
        return self._data[: self.n]


class _LiveRow:
    """One resource's row (``row``), kept up to date change by change."""

    def __init__(self, r: Resource) -> None:
        self.resource = r
        self.semaphore = r.kind in SEMAPHORES
        self.marks_full = has_full(r)
        # the steps: when each level began (the first: creation, at level 0)
        self.times = _Grow(np.float64, [r.created])
        self.levels = _Grow(np.int64, [0])
        self.holders = _Grow(np.int64, [-1])
        self.free = _Grow(np.int64, [r.capacity or 0]) if self.semaphore else self.levels
        self.most = 0  #: the highest level (a queue without ``maxsize`` is drawn out of it)
        # the full stretches of the steps whose end is known (all but the last: ``closed``
        # of them), then perhaps the last step's, to the run's end (``reach``)
        self.full = _Grow(np.float64, width=2)
        self.closed = 0
        self.full_closed = 0  #: the stretches of the closed steps
        self.joined: float | None = None  #: the last step joined the last stretch: its end
        self.wait_task = _Grow(np.int64)
        self.wait_start = _Grow(np.float64)
        self.wait_end = _Grow(np.float64)
        self.wait_what = _Grow(np.int64)
        #: the waits whose end is not known yet (indices)
        self.open: npt.NDArray[np.int64] = np.zeros(0, np.int64)
        self.users: set[int] = set() if r.task is None else {r.task}
        self.user = np.zeros(16, bool)  #: task id -> it is one of ``users`` (but the maker)
        self.users_grew = False
        self.row = ResourceRow(
            resource=r,
            times=self.times.view(),
            levels=self.levels.view(),
            holders=self.holders.view(),
            free=self.free.view(),
            bound=bound_of(r, 0),
            full_spans=self.full.view(),
            wait_task=self.wait_task.view(),
            wait_start=self.wait_start.view(),
            wait_end=self.wait_end.view(),
            wait_what=self.wait_what.view(),
            users=frozenset(self.users),
            end=r.created,
        )

    def take(self, changes: ResourceChanges, rows: npt.NDArray[np.int64]) -> None:
        """Its changes ``rows`` (in the order they happened), new since the last frame."""
        r, row = self.resource, self.row
        ops = changes.op[rows]
        is_wait = ops == WAIT
        is_notify = ops == NOTIFY
        state = rows[~is_wait & ~is_notify]
        if len(state):
            t = changes.t[state]
            value = changes.value[state]
            levels, holders = levels_of(r, value, changes.detail[state])
            if self.times.n == 1:  # (the first: made no later than it)
                self.times.view()[0] = min(r.created, float(t[0]))
            self.times.extend(t)
            self.levels.extend(levels)
            self.holders.extend(holders)
            if self.semaphore:
                self.free.extend(value)
            self.most = max(self.most, int(levels.max()))
            row.times, row.levels, row.holders = (
                self.times.view(),
                self.levels.view(),
                self.holders.view(),
            )
            row.free = self.free.view()
            row.bound = bound_of(r, self.most)
        waits = rows[is_wait]
        waits = waits[changes.task[waits] >= 0]
        if len(waits):
            first = self.wait_task.n
            self.wait_task.extend(changes.task[waits])
            self.wait_start.extend(changes.t[waits])
            self.wait_end.extend(changes.t[waits])  # (until found: ``_end_waits``)
            self.wait_what.extend(changes.detail[waits])
            self.open = np.concatenate([self.open, np.arange(first, self.wait_task.n)])
            row.wait_task, row.wait_start = self.wait_task.view(), self.wait_start.view()
            row.wait_end, row.wait_what = self.wait_end.view(), self.wait_what.view()
        for i in rows[is_notify]:
            task = int(changes.task[i])
            row.notifies.append(
                (float(changes.t[i]), task if task >= 0 else None, int(changes.value[i]))
            )
        by = changes.task[rows]
        by = by[by >= 0]
        if len(by) and int(by.max()) >= len(self.user):
            grown = np.zeros(max(int(by.max()) + 1, 2 * len(self.user)), bool)
            grown[: len(self.user)] = self.user
            self.user = grown
        if len(by) and not self.user[by].all():
            self.user[by] = True
            self.users.update(int(x) for x in np.unique(by))
            row.users = frozenset(self.users)
            self.users_grew = True

    def reach(self, now: float) -> None:
        """The run's end is ``now``: the steps closed since the last frame give their
        full stretches, the last lasts until ``now``."""
        self.row.end = now
        if not self.marks_full:
            return
        full = self.full
        m = self.times.n
        if (
            self.joined is None
            and full.n == self.full_closed
            and self.closed == m - 1
            and not self._last_full()
        ):
            return  # (nothing new, and the last step is not full: nothing to draw to now)
        # the last step's stretch put back, the steps closed since taken in
        if self.joined is not None:
            full.view()[-1, 1] = self.joined
            self.joined = None
        full.n = self.full_closed
        if self.closed < m - 1:
            a, z = self.closed, m - 1
            times = self.times.view()
            at = at_bound(
                self.resource,
                self.levels.view()[a:z],
                self.free.view()[a:z],
                self.row.bound,
            )
            new = stretches(times[a:z][at], times[a + 1 : z + 1][at])
            if len(new) and full.n and full.view()[-1, 1] == new[0, 0]:
                full.view()[-1, 1] = new[0, 1]
                new = new[1:]
            full.extend(new)
            self.closed, self.full_closed = z, full.n
        # the last step, until ``now``
        if self._last_full():
            start = float(self.times.view()[-1])
            stop = max(now, start)
            if full.n and full.view()[-1, 1] == start:
                self.joined = float(full.view()[-1, 1])
                full.view()[-1, 1] = stop
            elif stop > start:
                full.extend([(start, stop)])
        self.row.full_spans = full.view()

    def _last_full(self) -> bool:
        at: bool = at_bound(
            self.resource,
            self.levels.view()[-1:],
            self.free.view()[-1:],
            self.row.bound,
        )[0]
        return at
