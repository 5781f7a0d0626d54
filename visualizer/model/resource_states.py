"""What each resource was at every moment of the run, and who waited on it: the rows
under the tasks (``views.resource_rows``), the details of a waiting task, the time
cursor and Compare all read it from here (issue 15).

The trace holds *changes* (``trace.resources``: the state after each); a row wants a
*level over time* and the stretches a task waited.  Both are derived here once per
trace, as arrays, so that drawing and hovering are lookups:

* **Level**: what the row draws, one number per change, held until the next one (a
  step function that starts at the resource's creation):

  =========================  =======================================  ===============
  kind                       level                                    out of
  =========================  =======================================  ===============
  Queue, Priority-, Lifo-    items in it                              ``maxsize``
  Semaphore, Bounded-        permits in use (initial minus free)      initial permits
  Lock, Condition            1 while held, else 0 (``holder``: who)   1
  Event                      1 while set, else 0                      1
  Barrier                    tasks waiting in it                      parties
  =========================  =======================================  ===============

  Every primitive starts empty, free, clear or at zero, as asyncio makes them, so the
  level before the first change is 0 (a window that forgot the early history kept
  each resource's last change before the cut: its state there).  A queue without
  ``maxsize`` is drawn out of the most it ever held.
* **Full**: a stretch where the level is at its bound (a queue at ``maxsize``, a
  semaphore with no permit free): where a producer or a worker can only wait.
* **Waits**: a ``wait`` row is written as a task is about to wait on the resource (in
  its step); the wait lasts until that task's suspension that follows ends: until it
  was woken, whoever woke it (given the permit, cancelled or timed out).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from visualizer.model.words import QT_TRANSLATE_NOOP, Translate, english
from visualizer.trace import resources as res
from visualizer.trace import schema
from visualizer.trace.data import Trace
from visualizer.trace.resources import Resource

#: what a waiting task waits for (``wait`` row's detail), for the details panel
WAIT_WORDS = (
    QT_TRANSLATE_NOOP("Resources", "get"),
    QT_TRANSLATE_NOOP("Resources", "put"),
    QT_TRANSLATE_NOOP("Resources", "join"),
)
QUEUES = frozenset({"Queue", "PriorityQueue", "LifoQueue"})
SEMAPHORES = frozenset({"Semaphore", "BoundedSemaphore"})
HELD = frozenset({"Lock", "Condition"})


@dataclass(frozen=True)
class Wait:
    """A task waited on a resource from ``start`` to ``end`` (``what``: ``WAIT_*``)."""

    task: int
    start: float
    end: float
    what: int


@dataclass
class ResourceRow:
    """One resource over the run: its level as a step function, when it was full, who
    waited on it, and the tasks that used it."""

    resource: Resource
    times: npt.NDArray[np.float64]  #: when the level changed (the first: creation)
    levels: npt.NDArray[np.int64]  #: the level from ``times[i]`` until the next
    holders: npt.NDArray[np.int64]  #: Lock/Condition: the holder's task id (-1: none)
    #: a semaphore: its free permits from ``times[i]`` (else as ``levels``)
    free: npt.NDArray[np.int64]
    bound: int  #: the level's most (``maxsize``, permits, parties; 1 for the rest)
    #: the stretches at ``bound`` (queues, semaphores), (n, 2): start, end; apart, in
    #: order; stored column by column (each column a contiguous array: bisected as is)
    full_spans: npt.NDArray[np.float64]
    #: the waits as columns, in the order begun: task, start, end, what (``WAIT_*``)
    wait_task: npt.NDArray[np.int64]
    wait_start: npt.NDArray[np.float64]
    wait_end: npt.NDArray[np.float64]
    wait_what: npt.NDArray[np.int64]
    notifies: list[tuple[float, int | None, int]] = field(default_factory=list)
    #: tasks that changed it or waited on it (and the one that made it)
    users: frozenset[int] = frozenset()
    end: float = 0.0  #: the trace's end: the last level lasts until then

    @property
    def kind(self) -> str:
        return self.resource.kind

    @property
    def name(self) -> str:
        return self.resource.name

    def index_at(self, t: float) -> int:
        """The change in force at ``t`` (-1: before the resource was made)."""
        return bisect.bisect_right(self.times, t) - 1

    def level_at(self, t: float) -> int:
        i = self.index_at(t)
        return int(self.levels[i]) if i >= 0 else 0

    def holder_at(self, t: float) -> int | None:
        i = self.index_at(t)
        holder = int(self.holders[i]) if i >= 0 else -1
        return holder if holder >= 0 else None

    @property
    def full(self) -> list[tuple[float, float]]:
        """The full stretches, as (start, end) pairs (a panel's or a test's)."""
        return [(float(a), float(b)) for a, b in self.full_spans.tolist()]

    @property
    def waits(self) -> list[Wait]:
        """The waits, as records (a few: a panel's or a test's; a frame reads columns)."""
        return [
            Wait(int(task), float(start), float(end), int(what))
            for task, start, end, what in zip(
                self.wait_task, self.wait_start, self.wait_end, self.wait_what, strict=True
            )
        ]

    def waiting_at(self, t: float) -> list[Wait]:
        """The waits in progress at ``t`` (begun at or before it, not yet over)."""
        on = np.flatnonzero((self.wait_start <= t) & (t < self.wait_end))
        return [
            Wait(
                int(self.wait_task[i]),
                float(self.wait_start[i]),
                float(self.wait_end[i]),
                int(self.wait_what[i]),
            )
            for i in on
        ]

    def steps(
        self,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """(start, end, level) of each stretch of one level, up to ``end``."""
        ends = np.append(self.times[1:], max(self.end, float(self.times[-1])))
        return self.times, ends, self.levels


def rows_of(trace: Trace, *, partial: bool = False) -> list[ResourceRow]:
    """Every resource of ``trace`` as a row, in the order they were made.

    ``trace`` holds, for each task that waited, its suspensions from its first wait on
    (a whole trace; ``live_resources``' own).  ``partial``: it holds each task's spans
    from some point on instead (a live view's ``TraceModel.recent``): see
    ``_wait_ends``."""
    if not trace.resources:
        return []
    changes = trace.resource_changes
    end = float(trace.duration)
    wait_end = _wait_ends(trace, end, partial)
    order = np.argsort(changes.resource, kind="stable")
    sorted_ids = changes.resource[order]
    out = []
    for r in trace.resources:
        lo, hi = np.searchsorted(sorted_ids, [r.id, r.id + 1])
        out.append(_row(r, changes, order[lo:hi], wait_end, end))
    return out


def _wait_ends(trace: Trace, end: float, partial: bool) -> npt.NDArray[np.float64]:
    """For every change row, if a ``wait``: when the waiting task's suspension that
    follows it ended (``end`` if none followed: the trace ends with it waiting).

    All at once (a queue-bound run has a wait per round trip): the wait rows and the
    suspended spans sorted together by (task, time, wait first), and each wait takes the
    next suspension in that order if it is the same task's."""
    changes = trace.resource_changes
    out = np.full(len(changes), np.nan)
    waits = np.flatnonzero((changes.op == res.WAIT) & (changes.task >= 0))
    if not len(waits):
        return out
    spans = trace.spans
    if partial:
        # each task's spans from some point on (those ending in a live view): a wait
        # begun before a task's first span there cannot be matched (its own suspension
        # may be gone, and a later one would be taken for it), so it is left out
        most = int(max(spans.task.max(initial=-1), changes.task[waits].max())) + 1
        first = np.full(most, np.inf)
        np.minimum.at(first, spans.task[spans.task >= 0], spans.start[spans.task >= 0])
        waits = waits[changes.t[waits] >= first[changes.task[waits]]]
        if not len(waits):
            return out
    suspended = np.flatnonzero(spans.state == schema.SUSPENDED)
    found = next_suspension(
        changes.task[waits], changes.t[waits], spans.task[suspended], spans.start[suspended]
    )
    stop = spans.end[suspended][np.maximum(found, 0)] if len(suspended) else np.zeros(len(waits))
    out[waits] = np.maximum(np.where(found >= 0, stop, end), changes.t[waits])
    return out


def next_suspension(
    wait_task: npt.NDArray[np.integer],
    wait_t: npt.NDArray[np.float64],
    span_task: npt.NDArray[np.integer],
    span_start: npt.NDArray[np.float64],
) -> npt.NDArray[np.int64]:
    """For each wait (its task, its time), the suspended span that ends it: the first
    of the same task's spans beginning at or after it (an index into the spans; -1:
    none).  All at once: the waits and the spans sorted together by (task, time, wait
    first), and each wait takes the next span in that order if it is its task's."""
    n = len(wait_task)
    task = np.concatenate([wait_task, span_task]).astype(np.int64)
    time = np.concatenate([wait_t, span_start])
    is_span = np.concatenate([np.zeros(n, np.int8), np.ones(len(span_task), np.int8)])
    order = np.lexsort((is_span, time, task))
    # for each place in that order, the place of the next suspension at or after it
    place = np.where(is_span[order] == 1, np.arange(len(order)), len(order))
    next_span = np.minimum.accumulate(place[::-1])[::-1]
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    at = next_span[rank[:n]]
    found = at < len(order)
    chosen = order[np.where(found, at, 0)]
    same = found & (task[chosen] == task[:n])
    return np.where(same, chosen - n, -1).astype(np.int64)


def _row(
    r: Resource,
    changes: res.ResourceChanges,
    rows: npt.NDArray[np.int64],
    wait_end: npt.NDArray[np.float64],
    end: float,
) -> ResourceRow:
    ops = changes.op[rows]
    is_wait = ops == res.WAIT
    is_notify = ops == res.NOTIFY
    state = rows[~is_wait & ~is_notify]
    t = changes.t[state]
    value = changes.value[state]
    levels, holders = levels_of(r, value, changes.detail[state])
    kind = r.kind
    times = np.r_[min(r.created, float(t[0]) if len(t) else r.created), t]
    levels = np.r_[0, levels]
    holders = np.r_[-1, holders]
    free = np.r_[r.capacity or 0, value].astype(np.int64) if kind in SEMAPHORES else levels
    bound = bound_of(r, int(levels.max()))
    full = stretches(np.zeros(0), np.zeros(0))
    if has_full(r):
        ends = np.append(times[1:], max(end, float(times[-1])))
        at = at_bound(r, levels, free, bound)
        full = stretches(times[at], ends[at])
    waits = rows[is_wait]
    waits = waits[~np.isnan(wait_end[waits])]
    notifies = [
        (
            float(changes.t[i]),
            int(changes.task[i]) if changes.task[i] >= 0 else None,
            int(changes.value[i]),
        )
        for i in rows[is_notify]
    ]
    users = {int(x) for x in changes.task[rows] if x >= 0}
    if r.task is not None:
        users.add(r.task)
    return ResourceRow(
        resource=r,
        times=times.astype(np.float64),
        levels=levels,
        holders=holders,
        free=free,
        bound=bound,
        full_spans=full,
        wait_task=changes.task[waits].astype(np.int64),
        wait_start=changes.t[waits].astype(np.float64),
        wait_end=wait_end[waits],
        wait_what=changes.detail[waits].astype(np.int64),
        notifies=notifies,
        users=frozenset(users),
        end=end,
    )


def levels_of(
    r: Resource, value: npt.NDArray[np.int64], detail: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The level and the holder (-1: none) after each of ``r``'s state changes."""
    kind = r.kind
    holders = np.full(len(value), -1, np.int64)
    if kind in QUEUES:
        levels = value
    elif kind in SEMAPHORES:  # (a Semaphore released more than taken: none in use)
        levels = np.maximum((r.capacity or 0) - value, 0)
    elif kind in HELD:
        levels = detail
        holders = value.astype(np.int64)
    else:  # Event: 1 set; Barrier: tasks in it
        levels = value
    return levels.astype(np.int64), holders


def bound_of(r: Resource, most: int) -> int:
    """The level's most: a queue's ``maxsize`` (without one: the ``most`` it held), a
    semaphore's permits, a barrier's parties; 1 for the rest."""
    kind = r.kind
    if kind in QUEUES:
        return r.capacity if r.capacity is not None else max(most, 1)
    if kind in SEMAPHORES or kind == "Barrier":
        return max(r.capacity or 0, 1)
    return 1


def has_full(r: Resource) -> bool:
    """The row marks its full stretches (a bounded queue, a semaphore)."""
    return (r.kind in QUEUES and r.capacity is not None) or r.kind in SEMAPHORES


def at_bound(
    r: Resource,
    levels: npt.NDArray[np.int64],
    free: npt.NDArray[np.int64],
    bound: int,
) -> npt.NDArray[np.bool_]:
    """Which levels are full: a queue at its ``maxsize``, a semaphore with no permit free
    (a Semaphore(0), a signal: from the start)."""
    return free <= 0 if r.kind in SEMAPHORES else levels >= bound


def stretches(
    starts: npt.NDArray[np.float64], stops: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Steps (in order, each ending where or after it starts) as stretches, (n, 2): the
    empty ones left out, the ones that touch (one ends where the next starts) joined."""
    keep = stops > starts
    s, e = starts[keep], stops[keep]
    out = np.empty((0, 2), np.float64, order="F")  # (``full_spans``: by column)
    if len(s):
        firsts = np.flatnonzero(np.r_[True, s[1:] != e[:-1]])
        lasts = np.r_[firsts[1:] - 1, len(s) - 1]
        out = np.empty((len(firsts), 2), np.float64, order="F")
        out[:, 0], out[:, 1] = s[firsts], e[lasts]
    return out


# --- words ---------------------------------------------------------------------------
def state_words(
    row: ResourceRow, t: float, names: list[str], translate: Translate = english
) -> str:
    """The resource at ``t`` in a few words: ``2/2 full``, ``0 of 2 free``, ``held by
    worker-1``, ``set``, ``1 of 3 arrived``; and how many tasks wait, if any."""
    level = row.level_at(t)
    kind = row.kind
    if kind in QUEUES:
        if row.resource.capacity is None:
            text = translate("Resources", "{size} items").format(size=level)
        elif level >= row.bound:
            text = translate("Resources", "{size}/{most} full").format(size=level, most=row.bound)
        else:
            text = translate("Resources", "{size}/{most}").format(size=level, most=row.bound)
    elif kind in SEMAPHORES:
        permits = row.resource.capacity or 0
        i = row.index_at(t)
        free = int(row.free[i]) if i >= 0 else permits
        text = (
            translate("Resources", "{free} of {permits} free").format(free=free, permits=permits)
            if permits
            else translate("Resources", "{free} free").format(free=free)  # (a Semaphore(0))
        )
    elif kind in HELD:
        holder = row.holder_at(t)
        if level == 0:
            text = translate("Resources", "free")
        elif holder is None:
            text = translate("Resources", "held")
        else:
            text = translate("Resources", "held by {task}").format(task=_name(names, holder))
    elif kind == "Event":
        text = translate("Resources", "set") if level else translate("Resources", "clear")
    else:  # Barrier
        text = translate("Resources", "{count} of {parties} arrived").format(
            count=level, parties=row.bound
        )
    waiting = len(row.waiting_at(t))
    if waiting:
        text = translate("Resources", "{state}, {count} waiting").format(state=text, count=waiting)
    return text


def waiting_for(
    rows: list[ResourceRow], task: int, t: float, names: list[str], translate: Translate = english
) -> str | None:
    """What a task suspended at ``t`` waits on, if a resource: ``queue (2/2 full)``."""
    for row in rows:
        for w in row.waiting_at(t):
            if w.task == task:
                return translate("Resources", "{resource} ({state})").format(
                    resource=row.name, state=state_words(row, t, names, translate)
                )
    return None


def _name(names: list[str], task: int) -> str:
    return names[task] if 0 <= task < len(names) else f"#{task}"
