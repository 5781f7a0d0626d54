"""Every task's state at one instant of a finished trace: what the time cursor shows.

Why an index and a vectorised search: a trace can hold a million spans and a teacher
drags the cursor across it at mouse rate, so one instant must cost far less than a
frame.  ``TimeIndex`` sorts the spans by (task, start) once; after that an instant is
one binary search per task, all tasks in one numpy call (a few ms for 100,000 tasks).

A task's spans tile its life without gaps (``ready`` from its creation, then running,
suspended, ready again, ...; the last ends when the task does), and a span covers the
half-open interval [start, end): at the very instant one span ends and the next begins,
the task is in the next one; at the instant its last span ends, it is done (or failed,
or cancelled).  A task still pending when the recording stopped stays in its last
state from then on: that is the last thing known of it, and the trace ends there.

The resources too (issue 15): each queue, semaphore, lock ... at ``t`` in a few words,
``queue: 2/2 full, 1 waiting`` (``resources_at``, from ``model.resource_states``).

The words are English unless a ``translate(context, text)`` is given (as in
``visualizer.model.details``): the window gives Qt's, and stays the only Qt user.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from visualizer.model.display_text import shown, shown_site
from visualizer.model.lanes import lane_order
from visualizer.model.resource_states import QUEUES, SEMAPHORES, ResourceRow, rows_of, state_words
from visualizer.model.words import QT_TRANSLATE_NOOP, Translate, english
from visualizer.trace import schema
from visualizer.trace.data import OUTCOMES, Trace

# --- a task's state at an instant: the span states first, so a span's state is its code --------
READY: Final = schema.READY
RUNNING: Final = schema.RUNNING
SUSPENDED: Final = schema.SUSPENDED
NOT_CREATED: Final = 3  #: the task does not exist yet
DONE: Final = 4
ERROR: Final = 5
CANCELLED: Final = 6
UNKNOWN: Final = 7  #: between two recorded spans (a trace that lost events)

#: each state's word, indexed by its code (the outcomes are ``schema.OUTCOMES``' words)
STATE_WORDS: Final = (
    QT_TRANSLATE_NOOP("Details", "ready"),
    QT_TRANSLATE_NOOP("Details", "running"),
    QT_TRANSLATE_NOOP("Details", "suspended"),
    QT_TRANSLATE_NOOP("AtTime", "not yet created"),
    QT_TRANSLATE_NOOP("Details", "done"),
    QT_TRANSLATE_NOOP("Details", "error"),
    QT_TRANSLATE_NOOP("Details", "cancelled"),
    QT_TRANSLATE_NOOP("AtTime", "not recorded"),
)
#: the context each word is translated in (the span and outcome words are the details')
_CONTEXT: Final = ("Details",) * 3 + ("AtTime",) + ("Details",) * 3 + ("AtTime",)
_ENDED: Final = {"done": DONE, "error": ERROR, "cancelled": CANCELLED}


@dataclass(frozen=True)
class StatesAt:
    """Every task's state at ``t``, indexed by task id (``trace.tasks[i].id == i``).

    ``span`` is the index (into ``trace.spans``) of the span covering ``t`` (-1 where
    none does: not created yet, or ended); ``awaiting`` the suspension a suspended task
    awaits (index into ``trace.suspensions``), else -1."""

    t: float
    state: npt.NDArray[np.int8]
    span: npt.NDArray[np.int64]
    awaiting: npt.NDArray[np.int32]


@dataclass(frozen=True)
class TaskAt:
    """One row of the list the details panel shows: words, ready to print."""

    task: str  #: its name, as shown (``display_text.shown``)
    state: str
    awaiting: str  #: ``Semaphore.acquire``, or "" when not suspended
    site: str | None  #: the await site (``path:line``) of a suspended task
    code: int  #: the state (one of the codes above), for a colour or a test


@dataclass(frozen=True)
class ResourceAt:
    """One resource at an instant, as the details panel lists it: words, ready to print."""

    name: str  #: as shown (``display_text.shown``)
    kind: str  #: ``Queue``, ``Semaphore``, ``Lock`` ...
    state: str  #: ``2/2 full, 1 waiting`` (``resource_states.state_words``)
    full: bool  #: at its bound: a queue at ``maxsize``, a semaphore with no permit free
    waiting: int  #: tasks waiting on it
    made: bool  #: made by then (else ``state`` says "not yet created")


class TimeIndex:
    """Spans of ``trace`` sorted by (task, start), for ``at(t)`` at mouse rate.

    The search is one ``searchsorted`` of every task at once, on an exact integer key:
    ``task * (n + 1) + rank``, where ``rank`` is a span's start's place among all the
    starts (so "starts at or before t" is "rank below the count of starts <= t").  A
    key of task and start time in one float would lose the microseconds of a long run."""

    def __init__(self, trace: Trace, resources: list[ResourceRow] | None = None) -> None:
        """``resources``: the trace's rows, if the caller keeps them (a live chart's:
        its trace holds only the spans in view, too few to derive them from)."""
        self.trace = trace
        spans = trace.spans
        tasks = len(trace.tasks)
        count = len(spans)
        order = np.lexsort((spans.start, spans.task))
        self._order = order
        self._starts = np.sort(spans.start)  #: every start, in time order
        rank = np.searchsorted(self._starts, spans.start[order], side="left")
        self._key = spans.task[order].astype(np.int64) * (count + 1) + rank
        self._base = np.arange(tasks, dtype=np.int64) * (count + 1)
        #: task k's spans are ``order[first[k]:first[k + 1]]``
        self._first = np.searchsorted(spans.task[order], np.arange(tasks + 1)).astype(np.int64)
        self._created = trace.tasks.created
        self._ended = trace.tasks.ended
        self._outcome = np.array([_ENDED.get(w, UNKNOWN) for w in OUTCOMES], np.int8)[
            trace.tasks.outcome
        ]
        # a span ends where it ends; the last span of a task never ended lasts for good
        end = spans.end[order].copy()
        last = self._first[1:] - 1
        open_ = (self._first[1:] > self._first[:-1]) & np.isnan(self._ended)
        end[last[open_]] = np.inf
        self._end = end
        #: the task ids in the chart's lane order (the order the list reads in)
        self.by_lane = np.argsort(lane_order(trace.tasks), kind="stable")
        #: every instant some task's state changes: a span begins, a task ends
        self.changes = np.unique(
            np.concatenate([self._starts, self._ended[~np.isnan(self._ended)]])
        )
        self._resources: list[ResourceRow] | None = resources
        self._names: list[str] | None = None

    @property
    def resources(self) -> list[ResourceRow]:
        """The trace's resources as rows (``resource_states.rows_of``), made once."""
        if self._resources is None:
            self._resources = rows_of(self.trace)
        return self._resources

    @property
    def names(self) -> list[str]:
        """Every task's name as shown, by id (a resource's holder is named by it)."""
        if self._names is None:
            self._names = [shown(name) for name in self.trace.tasks.names]
        return self._names

    def at(self, t: float) -> StatesAt:
        """Every task's state at ``t`` (any ``t``: before the run, beyond its end)."""
        started = np.searchsorted(self._starts, t, side="right")  # spans begun by t
        # per task, the sorted position of its last span begun by t
        before = np.searchsorted(self._key, self._base + started, side="left") - 1
        has = before >= self._first[:-1]  # (False for every task of a trace with no spans)
        covered = has.copy()
        covered[has] = t < self._end[before[has]]
        tasks = len(has)
        span = np.full(tasks, -1, np.int64)
        span[covered] = self._order[before[covered]]
        spans = self.trace.spans
        state = np.full(tasks, UNKNOWN, np.int8)
        state[covered] = spans.state[span[covered]]
        ended = ~covered & (t >= self._ended)  # (NaN, never ended: False)
        state[ended] = self._outcome[ended]
        not_begun = ~covered & ~has
        state[not_begun & (t < self._created)] = NOT_CREATED
        # created, its first span not begun (never, in a whole trace: it is ready at once)
        state[not_begun & ~ended & (t >= self._created)] = READY
        awaiting = np.full(tasks, -1, np.int32)
        suspended = covered & (state == SUSPENDED)
        awaiting[suspended] = spans.awaiting[span[suspended]]
        return StatesAt(float(t), state, span, awaiting)

    def next_change(self, t: float) -> float | None:
        """The first instant after ``t`` when some task's state changes (None: none)."""
        after = int(np.searchsorted(self.changes, t, side="right"))
        return float(self.changes[after]) if after < len(self.changes) else None

    def previous_change(self, t: float) -> float | None:
        """The last instant before ``t`` when some task's state changed (None: none)."""
        before = int(np.searchsorted(self.changes, t, side="left")) - 1
        return float(self.changes[before]) if before >= 0 else None


def states_at(trace: Trace, t: float) -> StatesAt:
    """Every task's state at ``t`` (for one instant; ``TimeIndex`` for many)."""
    return TimeIndex(trace).at(t)


def task_rows(
    trace: Trace,
    states: StatesAt,
    translate: Translate = english,
    *,
    order: npt.NDArray[np.int64] | None = None,
    limit: int | None = None,
) -> list[TaskAt]:
    """The tasks in the chart's lane order (``order``: ``TimeIndex.by_lane``, else made
    here), the first ``limit`` of them, each with its state at ``states.t`` in words
    and, if suspended, what it awaits and where."""
    if order is None:
        order = np.argsort(lane_order(trace.tasks), kind="stable")
    rows = []
    for task in order[:limit].tolist():
        code = int(states.state[task])
        awaiting = int(states.awaiting[task])
        suspension = trace.suspensions[awaiting] if awaiting >= 0 else None
        rows.append(
            TaskAt(
                task=shown(trace.tasks[task].name),
                state=translate(_CONTEXT[code], STATE_WORDS[code]),
                awaiting=shown(suspension.label) if suspension else "",
                site=shown_site(suspension.site) if suspension else None,
                code=code,
            )
        )
    return rows


def resources_at(
    rows: list[ResourceRow],
    t: float,
    names: list[str],
    translate: Translate = english,
    *,
    limit: int | None = None,
) -> list[ResourceAt]:
    """Each resource (``rows``: ``TimeIndex.resources``, in the order they were made; the
    first ``limit``) at ``t``: ``queue``, ``2/2 full, 1 waiting``.  ``names``: the tasks'
    names by id (``TimeIndex.names``), for a lock's holder.  One not made by ``t`` is
    "not yet created", as a task is."""
    out = []
    for row in rows[:limit]:
        name = shown(row.name)
        if t < min(row.resource.created, float(row.times[0])):
            state = translate(_CONTEXT[NOT_CREATED], STATE_WORDS[NOT_CREATED])
            out.append(ResourceAt(name, row.kind, state, False, 0, False))
            continue
        bounded = (row.kind in QUEUES and row.resource.capacity is not None) or (
            row.kind in SEMAPHORES
        )
        out.append(
            ResourceAt(
                name=name,
                kind=row.kind,
                state=state_words(row, t, names, translate),
                full=bounded and row.level_at(t) >= row.bound,
                waiting=len(row.waiting_at(t)),
                made=True,
            )
        )
    return out


def state_counts(states: StatesAt, translate: Translate = english) -> str:
    """``2 running, 1 ready, 3 suspended, 1 done``: how many tasks are in each state
    (the states no task is in left out)."""
    counts = np.bincount(states.state.astype(np.int64), minlength=len(STATE_WORDS))
    order = (RUNNING, READY, SUSPENDED, DONE, ERROR, CANCELLED, NOT_CREATED, UNKNOWN)
    return ", ".join(
        translate("AtTime", "{count} {state}").format(
            count=int(counts[code]), state=translate(_CONTEXT[code], STATE_WORDS[code])
        )
        for code in order
        if counts[code]
    )


def waiting_lines(trace: Trace, states: StatesAt, path: str) -> dict[int, list[str]]:
    """``line -> task names``: the lines of the file ``path`` that tasks are suspended
    on at ``states.t`` (what ``SourceView.mark_waiting`` marks)."""
    lines: dict[int, list[str]] = {}
    prefix = f"{path}:"
    for task in np.flatnonzero(states.awaiting >= 0).tolist():
        site = trace.suspensions[int(states.awaiting[task])].site
        if site and site.startswith(prefix) and site[len(prefix) :].isdigit():
            lines.setdefault(int(site[len(prefix) :]), []).append(shown(trace.tasks[task].name))
    return lines


def busiest_file(trace: Trace, states: StatesAt) -> str | None:
    """The file most suspended tasks wait in at ``states.t`` (None: no task waits on a
    line of code): the file to show when the one shown has none of them."""
    files: Counter[str] = Counter()
    for awaiting in states.awaiting[states.awaiting >= 0].tolist():
        site = trace.suspensions[awaiting].site
        if site and ":" in site:
            files[site.rpartition(":")[0]] += 1
    return files.most_common(1)[0][0] if files else None


def describe_time(t: float, duration: float, translate: Translate = english) -> str:
    """The status line's words for the cursor: ``cursor at 1.500 s of 3.003 s``."""
    return translate("AtTime", "cursor at {t} s of {duration} s").format(
        t=f"{t:.3f}", duration=f"{duration:.3f}"
    )
