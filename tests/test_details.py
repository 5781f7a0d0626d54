"""The details panel's words for a clicked span (model level), and what a click selects."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, Qt

from visualizer.model.details import seconds, span_at, span_details
from visualizer.model.lanes import lane_order
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace import schema
from visualizer.trace.data import Trace
from visualizer.views.chart import GanttView


def test_times_read_in_s_ms_and_us() -> None:
    assert [seconds(v) for v in (2.5, 0.0125, 8e-6)] == ["2.500 s", "12.500 ms", "8.0 us"]


def _clicked(scenario: str, task: str, x: float) -> tuple[Trace, int]:
    """``scenario`` on the virtual clock, and the span under a click at ``x`` in the lane
    of the task named ``task``."""
    trace = run_scenario(find(scenario), {}, clock="virtual").trace
    lanes = lane_order(trace.tasks)
    index = span_at(trace, lanes, x, int(lanes[trace.task_by_name(task).id]), tolerance=0.01)
    assert index is not None
    return trace, index


def test_a_cancelled_wait_says_what_and_where_and_who_cancelled() -> None:
    # a click in the worker's lane at 2.2 s: its third sleep, cut short at 2.5 s
    trace, index = _clicked("cancellation", "worker", 2.2)
    worker = trace.task_by_name("worker")
    details = span_details(trace, index)
    fields = dict(details.fields)
    assert fields["state"] == "suspended"
    assert fields["awaiting"] == "sleep(1.0)"
    assert fields["at"].endswith("cancellation.py:" + fields["at"].rsplit(":", 1)[1])
    assert fields["to"].startswith("2.50")  # cut short at 2.5 s (+ real busy time)
    assert fields["outcome"] == "cancelled"
    assert details.stack and "worker" in details.stack[0]
    # the ready span right after it: woken by main's cancel()
    after = np.flatnonzero(
        (trace.spans.task == worker.id)
        & (trace.spans.state == schema.READY)
        & (trace.spans.woken_kind == schema.WAKE_CANCEL)
    )
    assert dict(span_details(trace, int(after[0])).fields)["woken by"] == "cancel() by main (#0)"


def test_a_click_beside_a_thin_step_finds_it_within_the_tolerance() -> None:
    trace = run_scenario(find("gather_basics"), {}, clock="virtual").trace
    lanes = lane_order(trace.tasks)
    task = trace.task_by_name("factorial-C")
    steps = np.flatnonzero((trace.spans.task == task.id) & (trace.spans.state == schema.RUNNING))
    step = int(steps[-1])
    x = float(trace.spans.end[step]) + 0.004  # 4 ms to the right of the last step
    assert span_at(trace, lanes, x, int(lanes[task.id]), tolerance=0.01) == step
    assert span_at(trace, lanes, x, int(lanes[task.id]), tolerance=0.001) is None


def test_the_tooltip_is_one_line() -> None:
    from visualizer.model.details import span_tooltip

    trace, index = _clicked("semaphore_workers", "worker-3", 0.5)
    text = span_tooltip(trace, index)
    # about a second (999.9 ms: it began a few busy microseconds after 0)
    assert re.fullmatch(
        r"worker-3: suspended on Semaphore\.acquire, (99\d\.\d+ ms|1\.0\d\d s)", text
    )


def test_recent_holds_the_spans_a_view_from_since_can_show() -> None:
    """A live frame's trace: every span ending at or after ``since``, nothing else."""
    from tracehelp import run_traced

    from visualizer.session.runner import Recorder
    from visualizer.session.scenarios import load_main

    recorder = Recorder("virtual")
    run = run_traced(load_main(find("cancellation")), recorder=recorder)
    assert run.error is None
    whole = run.trace
    recent = recorder.model.recent(since=2.0)
    rows = set(zip(whole.spans.task.tolist(), whole.spans.start.tolist(), strict=True))
    got = set(zip(recent.spans.task.tolist(), recent.spans.start.tolist(), strict=True))
    spans = whole.spans
    late = spans.end >= 2.0
    expected = set(zip(spans.task[late].tolist(), spans.start[late].tolist(), strict=True))
    assert got == expected
    assert got < rows and len(got) >= 4
    assert [t.name for t in recent.tasks] == [t.name for t in whole.tasks]


def test_clicking_a_marker_selects_what_it_stands_for(qtbot: Any) -> None:
    """A task's end glyph: its last span (how it ended); a timer's mark: the ready span
    that timer began; a creation glyph: the task's first span."""
    trace = run_scenario(find("cancellation"), {}, clock="virtual").trace
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(1000, 500)
    view.show_trace(trace)
    clicked: list[int] = []
    view.span_clicked.connect(clicked.append)
    box = view.getPlotItem().getViewBox()
    spans = trace.spans

    def click(x: float, y: float) -> int:
        where = view.mapFromScene(box.mapViewToScene(QPointF(x, y)))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
        return clicked[-1]

    worker = trace.task_by_name("worker")
    lane = float(view.lanes[worker.id])
    assert worker.ended is not None and worker.outcome == "cancelled"
    last = click(worker.ended, lane)
    assert spans.task[last] == worker.id and spans.end[last] == worker.ended
    assert dict(span_details(trace, last).fields)["outcome"] == "cancelled"
    first = click(worker.created, lane)
    assert spans.task[first] == worker.id and spans.start[first] == worker.created
    timer = np.flatnonzero((spans.task == worker.id) & (spans.woken_kind == schema.WAKE_TIMER))[0]
    got = click(float(spans.start[timer]), lane - 0.5)  # the mark, above the bar
    assert got == timer
    assert dict(span_details(trace, got).fields)["woken by"].startswith("timer")
