"""The rows under the task lanes: the event loop (busy or idle), and each executor thread
with its jobs.  Plain columns, so the chart only draws them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from visualizer.trace import schema
from visualizer.trace.data import Trace

LOOP_LANE = "event loop"


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


def busy_intervals(trace: Trace) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """When the loop ran a task's step: the union of every running span (an eager task's
    first step runs inside its creator's, so steps may nest)."""
    spans = trace.spans
    running = spans.state == schema.RUNNING
    start, end = spans.start[running], spans.end[running]
    if not len(start):
        return start, end
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    reach = np.maximum.accumulate(end)
    new = np.empty(len(start), bool)
    new[0] = True
    new[1:] = start[1:] > reach[:-1]
    firsts = np.flatnonzero(new)
    return start[firsts], np.maximum.reduceat(end, firsts)


def extra_rows(trace: Trace) -> ExtraRows:
    rows = ExtraRows(names=[LOOP_LANE])
    busy_start, busy_end = busy_intervals(trace)
    threads: dict[str, int] = {}
    job_rows, job_start, job_end, labels = [], [], [], []
    for job in trace.jobs:
        if not np.isfinite(job.start) or not np.isfinite(job.end):
            continue  # a job that never started (or is still running, in a snapshot)
        name = job.thread or "worker thread"
        if name not in threads:
            threads[name] = len(rows.names)
            rows.names.append(f"thread {name}")
        job_rows.append(threads[name])
        job_start.append(job.start)
        job_end.append(job.end)
        labels.append(job.func)
    rows.row = np.concatenate([np.zeros(len(busy_start), np.int64), np.array(job_rows, np.int64)])
    rows.start = np.concatenate([busy_start, np.array(job_start, np.float64)])
    rows.end = np.concatenate([busy_end, np.array(job_end, np.float64)])
    rows.label = [None] * len(busy_start) + labels
    rows.thread_wakes = _thread_wakes(trace, threads)
    return rows


def _thread_wakes(trace: Trace, threads: dict[str, int]) -> list[tuple[float, int, int]]:
    """Each ready span a thread woke, matched with the job that woke it: the latest job
    the woken task submitted that ended by then (its future completes from that thread)."""
    spans = trace.spans
    which = np.flatnonzero((spans.state == schema.READY) & (spans.woken_kind == schema.WAKE_THREAD))
    by_task: dict[int, list[tuple[float, int]]] = {}
    for job in trace.jobs:
        if job.task is not None and np.isfinite(job.end) and (job.thread or "") in threads:
            by_task.setdefault(job.task, []).append((job.end, threads[job.thread]))
    wakes = []
    for i in which.tolist():
        task, woke = int(spans.task[i]), float(spans.start[i])
        ended = [(end, row) for end, row in by_task.get(task, []) if end <= woke + 1e-9]
        if ended:
            wakes.append((woke, max(ended)[1], task))
    return wakes
