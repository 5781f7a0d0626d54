"""The statistics of a big trace (issue 16, point 2): what ``model.statistics`` costs.

Run:  python bench/run_statistics.py [--spans 1000000 3000000] [--runs 5]

Two shapes of trace, each with about ``--spans`` spans:

* ``workers``: ``bench/big_file.py``'s, a main task that makes a worker every 2 us, each
  of which runs, sleeps 1-50 ms and ends (5 spans a task: 200,000 tasks a million spans);
* ``lanes``: 1,000 long-lived tasks, each taking turns ready, running, suspended (a
  server's handlers: few tasks, long lanes).

Reported, the median of ``--runs`` (seconds): ``run_statistics`` (the run's steps and
delays, percentiles and histograms, and the busy share in 60 bins), ``task_table``
(every task's percentiles at once), ``task_statistics`` of one task (what a click on a
bar costs), and ``insights_of`` beside them for scale.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from big_file import PER_TASK
from big_file import synthetic as workers

from visualizer.model.insights import insights_of
from visualizer.model.statistics import run_statistics, task_statistics, task_table
from visualizer.trace import schema
from visualizer.trace.data import SpanColumns, TaskRecord, Trace

LANES = 1000


def lanes(spans: int, seed: int = 0) -> Trace:
    """``LANES`` tasks, each cycling ready -> running -> suspended; steps 5-500 us
    (log-uniform), waits for the loop 1 us-10 ms, suspensions 1-100 ms."""
    rng = np.random.default_rng(seed)
    per = spans // LANES // 3 * 3
    state = np.tile(np.array([schema.READY, schema.RUNNING, schema.SUSPENDED], np.int8), per // 3)
    scale = np.where(state == schema.RUNNING, 5e-6, np.where(state == schema.READY, 1e-6, 1e-3))
    length = scale[None, :] * 10 ** rng.uniform(0, 2, (LANES, per))
    ends = np.cumsum(length, axis=1)
    starts = ends - length
    n = LANES * per
    columns = SpanColumns(
        task=np.repeat(np.arange(LANES, dtype=np.int32), per),
        state=np.tile(state, LANES),
        start=starts.ravel(),
        end=ends.ravel(),
        awaiting=np.full(n, -1, np.int32),
        woken_kind=np.full(n, -1, np.int8),
        woken_task=np.full(n, -1, np.int32),
    )
    tasks = [TaskRecord(k, f"handler-{k}", "handler", None, 0.0, None) for k in range(LANES)]
    return Trace({"duration": float(ends.max()), "clock": "real"}, tasks, columns, [])


def timed(what: Callable[[], Any], runs: int) -> float:
    took = []
    for _ in range(runs):
        began = time.perf_counter()
        what()
        took.append(time.perf_counter() - began)
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, nargs="+", default=[1_000_000, 3_000_000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for spans in args.spans:
        for name, trace in (("workers", workers(spans // PER_TASK)), ("lanes", lanes(spans))):
            task = len(trace.tasks) // 2
            row = {
                "run_statistics": timed(lambda t=trace: run_statistics(t), args.runs),
                "task_table": timed(lambda t=trace: task_table(t), args.runs),
                "task_statistics": timed(lambda t=trace, k=task: task_statistics(t, k), args.runs),
                "insights_of": timed(lambda t=trace: insights_of(t), max(1, args.runs // 2)),
            }
            said = ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in row.items())
            print(f"{name}: {len(trace.spans):,} spans, {len(trace.tasks):,} tasks: {said}")


if __name__ == "__main__":
    main()
