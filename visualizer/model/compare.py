"""Two runs side by side: the figures of each, and what tells them apart.

A comparison answers a teacher's question ("why is B faster?") with a handful of
numbers per run, all read from the trace:

- **total time**: the run's duration;
- **most tasks waiting at once**: the most tasks suspended at the same instant on a
  wait that the *outside world* ended: a timer (``sleep``, a timeout), I/O, or a thread
  (an executor job).  This is asyncio's concurrency: only one task ever runs at a
  time, so a run is faster when its *waits overlap*.  Waits on other tasks (``await
  task``, ``gather``, a Lock, a Semaphore, a Queue) do not count: six workers queued
  on ``Semaphore(1)`` are not six things happening at once, they are one happening
  and five waiting their turn.  What ended a wait is recorded (the wake's kind), so the
  count is a fact of the run, not a guess from labels; a wait that never ended (the
  run stopped, the task was cancelled) is not counted;
- **most tasks alive at once**: created and not yet ended, whatever they do;
- **time ready**: the sum of every task's ready spans (waiting for the loop to run
  it), and its share of all the tasks' time (ready + running + suspended);
- **loop busy**: how long the loop ran task steps (the union of running spans);
- **tasks**: how many the run made.

And for each queue, semaphore, lock ... the two runs both made (issue 15; matched by
name and kind, ``matched_resources``), from ``model.resource_states``:

- **full**: the share of the time it was at its bound (a queue at ``maxsize``, a
  semaphore with no permit free): where a producer or a worker could only wait.  A
  share of the time *from the resource's first change to the trace's end* (not of
  the whole run): before its first use a resource tells nothing, and a window that
  forgot the early history kept each resource's last change before the cut (its state
  there), so the share is of the stretch whose state is known.  None for the kinds
  never full (a lock, an event, a condition, a barrier, a queue with no ``maxsize``);
- **most tasks waiting on it at once**: its waits (``resource_states.Wait``: from
  the moment a task began to wait on it until it was woken) that overlap at one
  instant;
- **time waited on it**: the lengths of its waits, summed, and split by what for
  (get or acquire, put, join: a queue's producers wait for room, its consumers for an
  item, a ``join`` for the last ``task_done``).

Numbers only: the window says them in the user's language (``views.compare``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from visualizer.model.loop_lanes import busy_intervals
from visualizer.model.resource_states import QUEUES, SEMAPHORES, ResourceRow, rows_of
from visualizer.model.summary import summarize
from visualizer.trace import schema
from visualizer.trace.data import Trace

#: the wakes that end a wait on the outside world: its waits are what overlaps
OUTSIDE_WAKES = (schema.WAKE_TIMER, schema.WAKE_IO, schema.WAKE_THREAD)
#: two total times within this fraction of the longer are "the same time": a virtual
#: run's busy time is real, so a run twice never takes exactly the same time
SAME_TIME = 0.01
#: a share of the tasks' time spent ready under this is "hardly any"
HARDLY_READY = 0.01
#: two shares of the time a resource was full this close are "as full" (a point: what
#: the window's whole percents cannot tell apart)
SAME_SHARE = 0.01


@dataclass(frozen=True)
class RunFigures:
    """One run's figures (seconds, counts); see the module's docstring."""

    duration: float
    tasks: int
    most_waiting: int  #: most tasks waiting at once on a timer, I/O or a thread
    most_waiting_at: float  #: the first instant the most were waiting (0.0 if none)
    most_alive: int  #: most tasks created and not yet ended, at once
    ready: float  #: the tasks' ready time, summed
    task_time: float  #: the tasks' whole time (ready + running + suspended), summed
    loop_busy: float  #: how long the loop ran task steps

    @property
    def ready_share(self) -> float:
        """The tasks' ready time as a fraction of all their time."""
        return self.ready / self.task_time if self.task_time > 0 else 0.0

    @property
    def busy_share(self) -> float:
        """The loop's busy time as a fraction of the run's."""
        return self.loop_busy / self.duration if self.duration > 0 else 0.0


@dataclass(frozen=True)
class ResourceFigures:
    """One resource of a run: how long it was full, how many tasks waited on it at once
    and how long they waited (see the module's docstring)."""

    name: str
    kind: str
    capacity: int | None  #: maxsize, permits, parties (None: none)
    measured: float  #: seconds from its first change to the trace's end (the shares')
    full: float | None  #: seconds at its bound (None: a kind that is never full)
    most_waiting: int  #: most tasks waiting on it at once
    most_waiting_at: float  #: the first instant the most were waiting (0.0 if none)
    waited: float  #: every wait on it, summed (seconds)
    #: of which waiting to get (or acquire, or a lock's, event's ... wait), to put, to join
    waited_for: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def full_share(self) -> float | None:
        """The time full as a fraction of ``measured`` (None: never full, by its kind)."""
        if self.full is None:
            return None
        return self.full / self.measured if self.measured > 0 else 0.0

    def alike(self, other: ResourceFigures) -> bool:
        """Nothing worth telling apart: as many waiting at once, full as long a share
        (give or take ``SAME_SHARE``), waited on as long (give or take ``SAME_TIME``)."""
        mine, theirs = self.full_share, other.full_share
        return (
            self.most_waiting == other.most_waiting
            and (mine is None) == (theirs is None)
            and abs((mine or 0.0) - (theirs or 0.0)) < SAME_SHARE
            and abs(self.waited - other.waited) <= SAME_TIME * max(self.waited, other.waited)
        )


@dataclass(frozen=True)
class Comparison:
    """Run A (shown first) against run B."""

    a: RunFigures
    b: RunFigures
    #: what tells the runs apart, one text each (``mode=sequential``), or None: the
    #: same scenario with the same parameters (or nothing to tell them apart by)
    names: tuple[str, str] | None
    #: the resources both runs made, A's and B's figures, in the order A made them
    resources: tuple[tuple[ResourceFigures, ResourceFigures], ...] = ()

    @property
    def saved(self) -> float:
        """Seconds B took less than A (negative: more)."""
        return self.a.duration - self.b.duration

    @property
    def same_time(self) -> bool:
        """The two took the same time, give or take ``SAME_TIME`` of the longer."""
        longer = max(self.a.duration, self.b.duration)
        return abs(self.saved) <= SAME_TIME * longer

    @property
    def percent(self) -> float:
        """How much less (or more) time B took, in percent of A's."""
        return abs(self.saved) / self.a.duration * 100 if self.a.duration > 0 else 0.0

    @property
    def hardly_ready(self) -> bool:
        """Neither run's tasks spent a noticeable share of their time ready."""
        return max(self.a.ready_share, self.b.ready_share) < HARDLY_READY

    @property
    def alike(self) -> bool:
        """Nothing worth telling apart: the same time, overlap and number of tasks, and
        the resources both made alike (a queue full 67% of the time in one run and never
        in the other is a difference, whatever the times)."""
        return (
            self.same_time
            and self.a.most_waiting == self.b.most_waiting
            and self.a.tasks == self.b.tasks
            and all(a.alike(b) for a, b in self.resources)
        )


def figures(trace: Trace) -> RunFigures:
    """``trace``'s figures (see the module's docstring)."""
    per_task = summarize(trace)
    ready = sum(s.ready for s in per_task)
    task_time = sum(s.ready + s.running + s.suspended for s in per_task)
    busy_start, busy_end = busy_intervals(trace)
    start, end = outside_waits(trace)
    most_waiting, at = most_at_once(start, end)
    created = trace.tasks.created
    ended = np.where(np.isnan(trace.tasks.ended), trace.duration, trace.tasks.ended)
    most_alive, _ = most_at_once(created, ended)
    return RunFigures(
        duration=trace.duration,
        tasks=len(trace.tasks),
        most_waiting=most_waiting,
        most_waiting_at=at,
        most_alive=most_alive,
        ready=float(ready),
        task_time=float(task_time),
        loop_busy=float((busy_end - busy_start).sum()),
    )


def outside_waits(
    trace: Trace,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The suspended spans a timer, I/O or a thread ended (the next span of the same
    task is ready, woken so): their starts and ends."""
    spans = trace.spans
    if not len(spans):
        return np.zeros(0), np.zeros(0)
    order = np.lexsort((spans.start, spans.task))  # by task, then by time
    task, state = spans.task[order], spans.state[order]
    kind = spans.woken_kind[order]
    follows = task[1:] == task[:-1]  # span i+1 comes right after span i, same task
    woken_from_outside = (state[1:] == schema.READY) & np.isin(kind[1:], OUTSIDE_WAKES)
    which = np.zeros(len(order), bool)
    which[:-1] = (state[:-1] == schema.SUSPENDED) & follows & woken_from_outside
    return spans.start[order][which], spans.end[order][which]


def most_at_once(start: npt.NDArray[np.float64], end: npt.NDArray[np.float64]) -> tuple[int, float]:
    """The most intervals ``[start, end)`` that hold at one instant, and the first
    instant they do.  One that ends when another begins does not overlap it."""
    if not len(start):
        return 0, 0.0
    times = np.concatenate([start, end])
    steps = np.concatenate([np.ones(len(start), np.int64), -np.ones(len(end), np.int64)])
    order = np.lexsort((steps, times))  # at equal times, ends (-1) before starts (+1)
    held = np.cumsum(steps[order])
    peak = int(np.argmax(held))
    return int(held[peak]), float(times[order][peak])


def resource_figures(trace: Trace, rows: list[ResourceRow] | None = None) -> list[ResourceFigures]:
    """The figures of each resource of ``trace``, in the order they were made (``rows``:
    its ``resource_states.rows_of``, if the caller has them)."""
    if not trace.resources:
        return []
    if rows is None:
        rows = rows_of(trace)
    changes = trace.resource_changes
    # each resource's first change (the changes are in the order they happened)
    ids, first_row = np.unique(changes.resource, return_index=True)
    first = dict(zip(ids.tolist(), changes.t[first_row].tolist(), strict=True))
    end = float(trace.duration)
    out = []
    for row in rows:
        r = row.resource
        since = first.get(r.id, end)
        measured = max(end - since, 0.0)
        full: float | None = None
        if (r.kind in QUEUES and r.capacity is not None) or r.kind in SEMAPHORES:
            full = sum(
                (max(min(stop, end) - max(start, since), 0.0) for start, stop in row.full), 0.0
            )
        starts, ends = row.wait_start, row.wait_end
        most, at = most_at_once(starts, ends)
        what = np.where((row.wait_what >= 0) & (row.wait_what < 3), row.wait_what, 0)
        waited_for = np.bincount(what, weights=ends - starts, minlength=3).tolist()
        out.append(
            ResourceFigures(
                name=r.name,
                kind=r.kind,
                capacity=r.capacity,
                measured=measured,
                full=full,
                most_waiting=most,
                most_waiting_at=at,
                waited=float((ends - starts).sum()),
                waited_for=(waited_for[0], waited_for[1], waited_for[2]),
            )
        )
    return out


def matched_resources(
    a: list[ResourceFigures], b: list[ResourceFigures]
) -> tuple[tuple[ResourceFigures, ResourceFigures], ...]:
    """The resources both runs made, paired: by name and kind, and among those of one
    name and kind (a queue made in a loop) by the order they were made; in A's order."""
    of_b: dict[tuple[str, str], list[ResourceFigures]] = {}
    for figures_b in b:
        of_b.setdefault((figures_b.name, figures_b.kind), []).append(figures_b)
    seen: dict[tuple[str, str], int] = {}
    pairs = []
    for figures_a in a:
        key = (figures_a.name, figures_a.kind)
        nth = seen[key] = seen.get(key, -1) + 1
        same = of_b.get(key, [])
        if nth < len(same):
            pairs.append((figures_a, same[nth]))
    return tuple(pairs)


def compare(a: Trace, b: Trace) -> Comparison:
    """Run ``a`` against run ``b``."""
    return Comparison(
        figures(a),
        figures(b),
        names_apart(a.meta, b.meta),
        matched_resources(resource_figures(a), resource_figures(b)),
    )


def params_text(params: dict[str, Any]) -> str:
    """``mode=sequential, limit=3``: a run's parameters as a person types them."""
    return ", ".join(f"{name}={value}" for name, value in params.items())


def names_apart(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, str] | None:
    """What tells two runs apart, from their traces' ``meta``: the parameters that
    differ (the same scenario), or the scenarios (with their parameters); None when
    nothing does (the sentences then say A and B)."""
    source_a, source_b = str(a.get("source", "")), str(b.get("source", ""))
    params_a, params_b = dict(a.get("params") or {}), dict(b.get("params") or {})
    if source_a != source_b:
        if not source_a or not source_b:
            return None  # (a run with no name: A and B say it better than a blank)
        return _named(source_a, params_a), _named(source_b, params_b)
    # (a parameter only one run names was the other's default, value unknown: not told)
    differ = [n for n in params_a if n in params_b and params_a[n] != params_b[n]]
    if not differ:
        return None
    return (
        params_text({n: params_a[n] for n in differ}),
        params_text({n: params_b[n] for n in differ}),
    )


def _named(source: str, params: dict[str, Any]) -> str:
    return f"{source} ({params_text(params)})" if params else source


def short_seconds(value: float) -> str:
    """Three significant figures, as a projector's reader takes them in: ``3.00 s``,
    ``12.3 ms``, ``45.6 us`` (0 is ``0 s``)."""
    magnitude = abs(value)
    if magnitude == 0:
        return "0 s"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
        if magnitude >= scale or unit == "us":
            scaled = value / scale
            digits = 2 if abs(scaled) < 10 else 1 if abs(scaled) < 100 else 0
            return f"{scaled:.{digits}f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover
