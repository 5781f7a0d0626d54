"""The time cursor (issue 5): what does one cursor position cost on a big trace?

Run:  python bench/scrub.py [--spans 1000000]

1. Model: ``TimeIndex.at(t)`` (every task's state at t) on a trace of ``--spans`` spans
   shaped three ways (one task, 1,000 tasks, 100,000 tasks), at 200 instants; and the
   one-off cost of building the index.  The rows are shuffled: a trace need not be sorted.
2. Window (offscreen): ``show_time_cursor(at=t)`` end to end for 1,000 tasks (the model,
   the details panel's list, the source marks, the status line; the chart's line and veil
   move, and one paint), the cost of one step of a drag.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from visualizer.model.at_time import TimeIndex
from visualizer.trace import schema
from visualizer.trace.data import SpanColumns, TaskRecord, Trace
from visualizer.trace.store import Suspension


def synthetic(tasks: int, per_task: int) -> Trace:
    """``tasks`` tasks, each ready / running / suspended in turn, ``per_task`` spans long."""
    rng = np.random.default_rng(0)
    count = tasks * per_task
    lengths = rng.exponential(1e-3, count).reshape(tasks, per_task)
    created = np.arange(tasks) * 1e-6
    end = np.cumsum(lengths, axis=1) + created[:, None]
    start = np.concatenate([created[:, None], end[:, :-1]], axis=1)
    state = np.tile(np.arange(per_task) % 3, tasks).astype(np.int8)
    spans = SpanColumns(
        task=np.repeat(np.arange(tasks, dtype=np.int32), per_task),
        state=state,
        start=start.ravel(),
        end=end.ravel(),
        awaiting=np.where(state == schema.SUSPENDED, 0, -1).astype(np.int32),
        woken_kind=np.full(count, -1, np.int8),
        woken_task=np.full(count, -1, np.int32),
    ).take(rng.permutation(count))
    records = [
        TaskRecord(k, f"task-{k}", "work", None, float(created[k]), None, float(end[k, -1]), "done")
        for k in range(tasks)
    ]
    suspension = Suspension("sleep(0.001)", f"{__file__}:40", ())
    return Trace({"duration": float(end.max())}, records, spans, [suspension])


def model(total: int) -> None:
    for tasks in (1, 1000, 100_000):
        trace = synthetic(tasks, total // tasks)
        began = time.perf_counter()
        index = TimeIndex(trace)
        built = time.perf_counter() - began
        costs = []
        for t in np.linspace(0.0, trace.duration, 200):
            began = time.perf_counter()
            index.at(float(t))
            costs.append(time.perf_counter() - began)
        print(
            f"model  {tasks:>7,} tasks x {total // tasks:>9,} spans: index {built * 1e3:6.0f} ms"
            f" once; at(t) median {statistics.median(costs) * 1e3:6.2f} ms,"
            f" max {max(costs) * 1e3:6.2f} ms"
        )


def window(total: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from visualizer.app.window import MainWindow
    from visualizer.session.scenarios import discover

    app = QApplication.instance() or QApplication([])
    main = MainWindow(discover()[0])
    main.resize(1600, 900)
    main.show()
    trace = synthetic(1000, total // 1000)
    main.trace = trace
    main.chart.show_trace(trace)
    main.show_time_cursor(True, at=0.0)  # (the index is built here, once)
    app.processEvents()
    costs = []
    for t in np.linspace(0.0, trace.duration, 60):
        began = time.perf_counter()
        main.show_time_cursor(True, at=float(t))
        main.chart.repaint()
        costs.append(time.perf_counter() - began)
    print(
        f"window   1,000 tasks x {total // 1000:>9,} spans: a cursor move (list, marks,"
        f" one paint) median {statistics.median(costs) * 1e3:6.1f} ms,"
        f" max {max(costs) * 1e3:6.1f} ms"
    )
    main.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    args = parser.parse_args()
    model(args.spans)
    window(args.spans)
