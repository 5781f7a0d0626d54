"""The rows under the task lanes: the event loop (busy or idle), and each executor thread
with its jobs.  Plain columns, so the chart only draws them."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from visualizer.trace import schema
from visualizer.trace.data import JobRecord, Trace

LOOP_LANE = "event loop"
#: the row of the window's live frames, when it drew the run on the run's own loop
#: (``Trace.observed``): right under the loop's row
WINDOW_ROW = "window drawing"
#: a row of a thread's jobs is named ``THREAD_ROW + thread name``
THREAD_ROW = "thread "
#: the jobs of a process pool (the tracer's ``Job.thread`` for them): they run in other
#: processes, several at once, so they get as many rows as overlap, ``process pool N``
PROCESS_POOL = "process pool"
#: the jobs of another executor that runs them out of sight (``executor ClassName``):
#: rows as for a process pool
EXECUTOR_ROW = "executor "
#: ``busy_intervals`` joins the running spans about this many at a time (a stretch of
#: time each): their temporaries a few MB, not 50
BUSY_PIECE = 1 << 17
#: ... cut where a histogram of this many bins of their starts says
BUSY_BINS = 4096


@dataclass
class ExtraRows:
    """Bars in rows numbered from 0 (the loop), then one row per executor thread."""

    names: list[str] = field(default_factory=list)
    #: thread wakes drawn as arrows: (time, row of the job's thread, task woken)
    thread_wakes: list[tuple[float, int, int]] = field(default_factory=list)
    row: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    start: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    end: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    label: list[str | None] = field(default_factory=list)
    #: each job's row (parallel to the jobs given; -1: not drawn, it has not ended)
    job_row: list[int] = field(default_factory=list)

    def label_ids(self) -> tuple[npt.NDArray[np.int32], list[str]]:
        """Each bar's label as its index in the distinct labels, sorted (-1: none), in
        passes at C speed: the loop's row of a 100,000-task run has a million bars, none
        labelled, and comprehensions over them cost 0.1 s of opening it."""
        labels = sorted(text for text in dict.fromkeys(self.label) if text is not None)
        index: dict[str | None, int] = {text: i for i, text in enumerate(labels)}
        index[None] = -1
        ids = np.fromiter(map(index.__getitem__, self.label), np.int32, len(self.label))
        return ids, labels


def busy_intervals(trace: Trace) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """When the loop ran a task's step: the union of every running span (an eager task's
    first step runs inside its creator's, so steps may nest).

    A stretch of time at a time (``BUSY_PIECE`` running spans or so each): the union of
    a million running spans at once made 50 MB of temporaries (their starts and ends
    copied, the sort's order, the copies in its order, the running maximum), the peak
    of opening a 100,000-task run in the window (issue 18).  Each stretch's union is
    written into the result as it is made, and the stretches joined where an interval
    runs over into the next: the same intervals as at once."""
    spans = trace.spans
    running = spans.state == schema.RUNNING
    count = int(np.count_nonzero(running))
    if count <= BUSY_PIECE:
        return union(spans.start[running], spans.end[running])
    # (a stretch's bounds: the running spans' own times, a block at a time: ``where=``
    # took 30 ms a pass)
    blocks = range(0, len(running), BUSY_PIECE)
    t0, t1 = np.inf, -np.inf
    for i in blocks:
        block = _running_starts(spans.start, running, i)
        if len(block):
            t0, t1 = min(t0, float(block.min())), max(t1, float(block.max()))
    if not (np.isfinite(t0) and np.isfinite(t1)) or t1 <= t0:
        return union(spans.start[running], spans.end[running])
    # stretches of about as many spans each (a run's steps bunch up in time): cut where
    # a fine histogram of the starts says (made a block at a time: ``np.histogram``
    # with weights copied them all)
    counts = np.zeros(BUSY_BINS, np.int64)
    scale = BUSY_BINS / (t1 - t0)
    for i in blocks:
        block = _running_starts(spans.start, running, i)
        bins = np.minimum(((block - t0) * scale).astype(np.int64), BUSY_BINS - 1)
        counts += np.bincount(bins, minlength=BUSY_BINS)
    reached = np.cumsum(counts)
    cuts = np.searchsorted(reached, np.arange(BUSY_PIECE, count, BUSY_PIECE), "right")
    cuts = np.unique(cuts[cuts < BUSY_BINS - 1])
    bounds = np.concatenate([[t0], t0 + (cuts + 1) / scale, [np.inf]])
    # (the last stretch has the latest start too)
    out_start, out_reach = np.empty(count), np.empty(count)
    made = 0
    which = np.empty(len(running), bool)
    for lo, hi in pairwise(bounds.tolist()):
        np.greater_equal(spans.start, lo, out=which)
        which &= spans.start < hi
        which &= running
        start, end = union(spans.start[which], spans.end[which])
        out_start[made : made + len(start)] = start
        out_reach[made : made + len(end)] = end
        made += len(start)
    start, reach = out_start[:made], out_reach[:made]
    np.maximum.accumulate(reach, out=reach)  # (an interval may run over the next stretch)
    return _joined(start, reach)


def _running_starts(
    start: npt.NDArray[np.float64], running: npt.NDArray[np.bool_], i: int
) -> npt.NDArray[np.float64]:
    """The starts of the running spans of the block of spans from ``i``."""
    return start[i : i + BUSY_PIECE][running[i : i + BUSY_PIECE]]


def union(
    start: npt.NDArray[np.float64], end: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The union of intervals, as sorted disjoint intervals."""
    if not len(start):
        return start, end
    order = np.argsort(start, kind="stable")
    start, reach = start[order], end[order]
    del order
    np.maximum.accumulate(reach, out=reach)
    return _joined(start, reach)


def _joined(
    start: npt.NDArray[np.float64], reach: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Intervals sorted by start, with the running maximum of their ends (``reach``),
    joined where one begins before the ones so far end: a joined interval ends where
    its last one's reach is (in a run of a million steps most join nothing: then
    these arrays as they are)."""
    cut = np.flatnonzero(start[1:] > reach[:-1])  # (the last of each joined interval)
    if len(cut) == len(start) - 1:
        return start, reach
    firsts = np.concatenate([[0], cut + 1])
    return start[firsts], np.concatenate([reach[cut], reach[-1:]])


def covered_before(
    start: npt.NDArray[np.float64], end: npt.NDArray[np.float64], at: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """For each time in ``at``, how much of the sorted disjoint intervals (a ``union``'s)
    lies before it, from 0: the intervals wholly before it, and the part of the one it
    falls in.  The difference of two readings is an interval's share of the union."""
    start, end = np.maximum(start, 0.0), np.maximum(end, 0.0)
    before = np.concatenate([[0.0], np.cumsum(end - start)])
    k = np.searchsorted(end, at, side="right")  # (intervals ended by then)
    inside = np.zeros(len(at))
    within = k < len(start)
    kk = k[within]
    inside[within] = np.maximum(at[within] - start[kk], 0.0)
    return before[k] + inside


def extra_rows(trace: Trace) -> ExtraRows:
    rows = job_rows(trace.jobs, trace.observed)
    busy_start, busy_end = busy_intervals(trace)
    rows.row = np.concatenate([np.zeros(len(busy_start), np.int64), rows.row])
    rows.start = np.concatenate([busy_start, rows.start])
    rows.end = np.concatenate([busy_end, rows.end])
    busy: list[str | None] = [None] * len(busy_start)
    rows.label = busy + rows.label
    spans = trace.spans
    woken = (spans.state == schema.READY) & (spans.woken_kind == schema.WAKE_THREAD)
    rows.thread_wakes = thread_wakes(spans.task[woken], spans.start[woken], trace.jobs, rows)
    return rows


def job_rows(jobs: list[JobRecord], observed: list[tuple[float, float]] | None = None) -> ExtraRows:
    """The loop's row (empty here), the window's frames if it drew the run on the run's
    loop (``observed``), and a row per executor thread with its jobs.  A thread runs one
    job at a time; a process pool's jobs overlap (each bar runs from submission to
    result), so each goes on the first of its rows free by then."""
    rows = ExtraRows(names=[LOOP_LANE])
    frames = observed or []
    if frames:
        rows.names.append(WINDOW_ROW)
    threads: dict[str, int] = {}
    pools: dict[str, list[tuple[float, int]]] = {}  #: a pool's rows: (free from, row)
    job_row: list[int] = []
    job_start: list[float] = []
    job_end: list[float] = []
    labels: list[str | None] = []
    for job in jobs:
        if not np.isfinite(job.start) or not np.isfinite(job.end):
            rows.job_row.append(-1)
            continue  # a job that never started (or is still running, in a snapshot)
        name = job.thread or "worker thread"
        if name == PROCESS_POOL or name.startswith(EXECUTOR_ROW):
            row = _free_slot(pools.setdefault(name, []), name, rows.names, job.start, job.end)
        else:
            if name not in threads:
                threads[name] = len(rows.names)
                rows.names.append(THREAD_ROW + name)
            row = threads[name]
        rows.job_row.append(row)
        job_row.append(row)
        job_start.append(job.start)
        job_end.append(job.end)
        labels.append(job.func)
    rows.row = np.array([1] * len(frames) + job_row, np.int64)
    rows.start = np.array([a for a, _ in frames] + job_start, np.float64)
    rows.end = np.array([b for _, b in frames] + job_end, np.float64)
    unlabelled: list[str | None] = [None] * len(frames)
    rows.label = unlabelled + labels
    return rows


def _free_slot(
    slots: list[tuple[float, int]], pool: str, names: list[str], start: float, end: float
) -> int:
    """A pool's first row free at ``start`` (a new one, ``POOL N``, if none is)."""
    for i, (free, row) in enumerate(slots):
        if free <= start:
            slots[i] = (end, row)
            return row
    row = len(names)
    names.append(f"{pool} {len(slots) + 1}")
    slots.append((end, row))
    return row


def thread_wakes(
    task: npt.NDArray[np.int32],
    woke: npt.NDArray[np.float64],
    jobs: list[JobRecord],
    rows: ExtraRows,
) -> list[tuple[float, int, int]]:
    """Each wake by a thread (``task`` made ready at ``woke``) matched with the job that
    woke it: the latest job the woken task submitted that ended by then (its future
    completes from that thread)."""
    by_task: dict[int, list[tuple[float, int]]] = {}
    for job, row in zip(jobs, rows.job_row, strict=True):
        if job.task is not None and row > 0:
            by_task.setdefault(job.task, []).append((job.end, row))
    wakes = []
    for tid, at in zip(task.tolist(), woke.tolist(), strict=True):
        ended = [(end, row) for end, row in by_task.get(tid, []) if end <= at + 1e-9]
        if ended:
            wakes.append((at, max(ended)[1], tid))
    return wakes
