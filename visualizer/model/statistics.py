"""Statistics of a run (issue 16, point 2): how long the steps ran (poll time, in
tokio-console's words) and how long ready tasks waited for the loop (scheduled time), per
task and for the whole run, as percentiles and a small histogram; and the loop's busy
share over time.  Without Qt: read from a ``Trace``'s span columns, in numpy.

Here, not in ``model.insights``: the numbers are facts, not findings.  The details of a
task or of the loop's row show them whether or not anything went wrong, and an insight
(``long-scheduling-delay``) quotes them; ``model.details`` imports this module, and the
insights import ``model.details``.

What is counted:

* a **step** is a running span (``schema.RUNNING``), its length the step's time.  An
  eager task's first step runs inside its creator's: both are steps of their tasks;
  the loop's busy time counts the time once.
* a **scheduled delay** is a ready span (``schema.READY``) that a step ended: the time
  from the wake (or creation, or a bare yield) to the step.  A ready span that is its
  task's last in the trace had not ended when the trace did (a live run's snapshot, or a
  loop stopped with the task ready): its length is only a lower bound, so it is left
  out of the percentiles and counted apart, ``waiting`` (how many, and the longest so
  far): a task ready now is a fact a live view must not hide, but not a sample.
* the loop is **busy** while a step runs, or a callback the trace lists as blocked
  (``trace.blocked``'s task-less records: the recorder lists those that ran 0.1 s or
  longer; shorter callbacks are not known, and count as idle).  The window's own frames
  drawn on the run's loop (``trace.observed``) are not the program's work: not counted.

Percentiles are by **nearest rank**: the p-th percentile of n values is the smallest
value that at least p% of them do not exceed, the ``ceil(p * n / 100)``-th in order.  It
is always a time that occurred (a step of exactly that length ran), never a blend of
two, so a teacher can point at it, and a test can state it exactly; HdrHistogram, behind
tokio-console's percentiles, reports the same rank (to its buckets' precision).

The histogram's buckets are fixed: 1, 2 and 5 of each decade from 1 us to 10 s, with
one bucket under 1 us (the ideal clock's steps take no time at all) and one from 10 s
up.  Fixed, so that a task's histogram and the run's, or two runs', line up; log-spaced,
because a run's times span six decades (a 5 us step, a 2 s blocking call), where linear
buckets would put everything but the outlier in the first; 1-2-5, a ruler's steps,
because the edges then read as round numbers (``2-5 ms``), which tokio-console's
sparkline, its edges the min and max, does not give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.model.loop_lanes import covered_before, union
from visualizer.trace import schema
from visualizer.trace.data import SpanColumns, Trace

FloatArray = npt.NDArray[np.float64]

#: the percentiles reported (whole numbers: the rank is computed in integers, exactly)
PERCENTILES: Final = (50, 90, 99)

#: the buckets' edges (seconds): 1, 2, 5 per decade, 1 us to 10 s.  Bucket 0 is under the
#: first edge, bucket i from edge i-1 to edge i, the last from the last edge up.
EDGES: Final = np.array([m * 10.0**e for e in range(-6, 1) for m in (1, 2, 5)] + [10.0])

#: a time this close under an edge (relative) counts as reaching it: span lengths pass
#: through float32 (the store's step durations: ``0.1`` is kept as ``0.099999994``), and a
#: step of 100 ms belongs with 100 ms, not under it
_SLACK: Final = 1e-6
_BOUNDS: Final = EDGES * (1.0 - _SLACK)

#: bins of the loop's busy share over the run, unless asked otherwise
BINS: Final = 60


@dataclass(frozen=True)
class Distribution:
    """How long some spans lasted: how many, their sum, the percentiles (``PERCENTILES``,
    by nearest rank) and the longest, in seconds (nan: none), and how many fell in each
    bucket of ``EDGES`` (``len(EDGES) + 1`` counts)."""

    count: int
    total: float
    p50: float
    p90: float
    p99: float
    max: float
    buckets: tuple[int, ...]

    def percentile(self, p: int) -> float:
        """One of ``PERCENTILES``."""
        return {50: self.p50, 90: self.p90, 99: self.p99, 100: self.max}[p]


@dataclass(frozen=True)
class Waiting:
    """The ready spans the trace ended in (``count``), and the longest one's length so far
    (0: none)."""

    count: int
    longest: float


@dataclass(frozen=True)
class Busy:
    """The loop's busy share: in each of ``len(share)`` equal bins from 0 to ``end`` (the
    trace's end), the fraction of the bin it spent running steps or blocked callbacks;
    ``steps`` and ``callbacks`` its seconds in each (a callback's time inside a step is
    the step's), ``overall`` the busy fraction of the whole run."""

    end: float
    share: FloatArray
    steps: float
    callbacks: float
    overall: float


@dataclass(frozen=True)
class TaskStatistics:
    """A task's steps and scheduled delays, and whether it was ready when the trace ended."""

    task: int
    steps: Distribution
    scheduled: Distribution
    waiting: Waiting


@dataclass(frozen=True)
class RunStatistics:
    """The whole run's steps and scheduled delays (every task's together), the tasks
    ready when it ended, and the loop's busy share over time."""

    steps: Distribution
    scheduled: Distribution
    waiting: Waiting
    busy: Busy


# --- the whole run -------------------------------------------------------------------------
def run_statistics(trace: Trace, bins: int = BINS) -> RunStatistics:
    """The statistics of the whole run: its steps, its scheduled delays, the loop's busy
    share in ``bins`` equal bins (see the module's docstring for what is counted)."""
    spans = trace.spans
    length = spans.end - spans.start
    state = spans.state
    still = open_ready(spans)
    return RunStatistics(
        steps=distribution(length[state == schema.RUNNING]),
        scheduled=distribution(length[(state == schema.READY) & ~still]),
        waiting=_waiting(length[still]),
        busy=busy_share(trace, bins),
    )


def run_scheduled(trace: Trace) -> Distribution:
    """The scheduled delays of the whole run alone (an insight quotes them)."""
    spans = trace.spans
    ready = (spans.state == schema.READY) & ~open_ready(spans)
    # (the ready spans' lengths only: every span's made 18 MB more of the window's peak
    # while a 100,000-task run's insights were worked out, issue 18)
    return distribution(spans.end[ready] - spans.start[ready])


def open_ready(spans: SpanColumns) -> npt.NDArray[np.bool_]:
    """The ready spans the trace ended in: each one its task's last, by start, ties in
    the trace's order (a span starts where the one before it ended, and on the ideal
    clock a step and the bare yield after it are both at one instant).  Linear: the
    latest start of each task, then the last span at it (no sort of a million spans)."""
    n = len(spans)
    out = np.zeros(n, np.bool_)
    if not n:
        return out
    task: npt.NDArray[np.signedinteger[Any]] = spans.task
    low = int(task.min())
    if low != 0:  # (ids from 0 up; a foreign file may hold any: a copy then, not always)
        task = task.astype(np.int64) - low
    size = int(task.max()) + 1
    latest = np.full(size, -np.inf)
    np.maximum.at(latest, task, spans.start)
    at_latest = np.flatnonzero(spans.start == latest[task])
    last = np.full(size, -1, np.int64)
    np.maximum.at(last, task[at_latest], at_latest)
    last = last[last >= 0]
    out[last] = spans.state[last] == schema.READY
    return out


def _waiting(lengths: FloatArray) -> Waiting:
    return Waiting(len(lengths), float(lengths.max()) if len(lengths) else 0.0)


def distribution(lengths: FloatArray) -> Distribution:
    """The ``Distribution`` of some lengths (seconds)."""
    n = len(lengths)
    buckets = tuple(np.bincount(bucket_of(lengths), minlength=len(EDGES) + 1).tolist())
    if not n:
        nan = float("nan")
        return Distribution(0, 0.0, nan, nan, nan, nan, buckets)
    ordered = np.sort(lengths)
    p50, p90, p99 = (float(ordered[_rank(p, n) - 1]) for p in PERCENTILES)
    return Distribution(n, float(lengths.sum()), p50, p90, p99, float(ordered[-1]), buckets)


def _rank(p: int, n: int) -> int:
    """The nearest rank of the ``p``-th percentile of ``n`` values, 1 to n (integers:
    ``ceil(0.99 * 100)`` in floats is 100, not 99)."""
    return max(1, (p * n + 99) // 100)


def bucket_of(lengths: FloatArray) -> npt.NDArray[np.int64]:
    """The bucket of each length (0: under ``EDGES[0]``; i: from ``EDGES[i-1]`` to
    ``EDGES[i]``; ``len(EDGES)``: from the last edge up)."""
    return np.searchsorted(_BOUNDS, lengths, side="right").astype(np.int64)


# --- the loop's busy share ---------------------------------------------------------------------
def busy_share(trace: Trace, bins: int = BINS) -> Busy:
    """The loop's busy share in ``bins`` equal bins of the run, and over all of it."""
    end = max(trace.duration, 0.0)
    spans = trace.spans
    running = spans.state == schema.RUNNING
    step_start, step_end = union(spans.start[running], spans.end[running])
    callbacks = [b for b in trace.blocked if b.task is None]
    cb_start = np.array([b.start for b in callbacks], np.float64)
    cb_end = np.array([b.end for b in callbacks], np.float64)
    busy_start, busy_end = union(
        np.concatenate([step_start, cb_start]), np.concatenate([step_end, cb_end])
    )
    edges = np.linspace(0.0, end, bins + 1)
    covered = np.diff(covered_before(busy_start, busy_end, edges))
    width = end / bins if bins else 0.0
    share = covered / width if width > 0 else np.zeros(bins)
    steps = float(covered_before(step_start, step_end, np.array([end]))[0])
    everything = float(covered_before(busy_start, busy_end, np.array([end]))[0])
    return Busy(
        end=end,
        share=np.clip(share, 0.0, 1.0),
        steps=steps,
        callbacks=everything - steps,
        overall=everything / end if end > 0 else 0.0,
    )


# --- one task ----------------------------------------------------------------------------------
def task_statistics(trace: Trace, task: int) -> TaskStatistics:
    """The statistics of one task: a pass over the task column, then its own spans only
    (a click's cost on a run of millions of spans)."""
    spans = trace.spans
    mine = np.flatnonzero(spans.task == task)
    state = spans.state[mine]
    length = spans.end[mine] - spans.start[mine]
    is_open = np.zeros(len(mine), np.bool_)
    if len(mine):
        starts = spans.start[mine]
        last = int(np.flatnonzero(starts == starts.max())[-1])
        is_open[last] = state[last] == schema.READY
    return TaskStatistics(
        task=task,
        steps=distribution(length[state == schema.RUNNING]),
        scheduled=distribution(length[(state == schema.READY) & ~is_open]),
        waiting=_waiting(length[is_open]),
    )


@dataclass(frozen=True)
class TaskTable:
    """Every task's statistics as columns (index: task id): a step's and a scheduled
    delay's count, total, percentiles and longest (nan: none), for a list of all tasks
    (the command line's, a sortable table's) without a Python loop over them."""

    steps: dict[str, npt.NDArray[np.float64]]
    scheduled: dict[str, npt.NDArray[np.float64]]


def task_table(trace: Trace) -> TaskTable:
    """Each task's statistics at once: its spans sorted by (task, length) once, then
    each percentile is an index per task."""
    spans = trace.spans
    size = max(len(trace.tasks), int(spans.task.max()) + 1 if len(spans) else 0)
    length = spans.end - spans.start
    still = open_ready(spans)
    running = spans.state == schema.RUNNING
    ready = (spans.state == schema.READY) & ~still
    return TaskTable(
        steps=_columns(spans.task[running], length[running], size),
        scheduled=_columns(spans.task[ready], length[ready], size),
    )


def _columns(
    task: npt.NDArray[np.int32], length: FloatArray, size: int
) -> dict[str, npt.NDArray[np.float64]]:
    order = np.lexsort((length, task))
    ordered = length[order]
    count = np.bincount(task, minlength=size)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    some = count > 0
    out: dict[str, npt.NDArray[np.float64]] = {
        "count": count.astype(np.float64),
        "total": np.bincount(task, weights=length, minlength=size).astype(np.float64),
    }
    for name, p in (*((f"p{p}", p) for p in PERCENTILES), ("max", 100)):
        column = np.full(size, np.nan)
        rank = np.maximum((p * count + 99) // 100, 1)
        column[some] = ordered[(first + rank - 1)[some]]
        out[name] = column
    return out
