"""The statistics in the window (issue 16, point 3): a click on a task's bar shows its
steps and waits under the span's details; a click on the event loop's row shows the
whole run's, and its tooltip says them in a line.  A real window, a real run (the
ideal clock: the numbers are exact), real clicks."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, Qt

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.model.details import seconds
from visualizer.model.statistics import run_statistics, task_statistics
from visualizer.session.scenarios import find
from visualizer.trace.data import Trace


def ran(qapp: Any, window: MainWindow, scenario: str) -> Trace:
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find(scenario), {}, "ideal"))
    finally:
        loop.close()
    return outcome.trace


def click(window: MainWindow, qtbot: Any, x: float, y: float) -> None:
    chart = window.chart
    scene = chart.getPlotItem().getViewBox().mapViewToScene(QPointF(x, y))
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.mapFromScene(scene))


def test_a_tasks_bar_shows_its_steps_and_waits(qapp: Any, window: MainWindow, qtbot: Any) -> None:
    trace = ran(qapp, window, "blocking_call")
    worker = trace.task_by_name("worker")
    click(window, qtbot, 0.5, float(window.chart.lanes[worker.id]))  # (its time.sleep(0.5))
    details = window.details.details
    assert details is not None and dict(details.fields)["task"] == f"worker (#{worker.id})"
    assert dict(details.fields)["state"] == "running"
    text = window.details.toPlainText()
    assert "the task's steps and waits" in text
    # three steps: the one that blocked, 500 ms, and two that took no time
    assert "Steps (running): 3, 500.000 ms in all" in text
    assert "p50 0.0 us     p90 500.000 ms" in text and "max 500.000 ms" in text
    [line] = [line for line in text.splitlines() if "500 ms-1 s" in line]
    assert line.endswith("1  p90-max")
    mine = task_statistics(trace, worker.id)
    assert f"Scheduled (ready, waiting for the loop): {mine.scheduled.count}, " in text


def test_the_loops_row_shows_the_whole_runs_statistics(
    qapp: Any, window: MainWindow, qtbot: Any
) -> None:
    trace = ran(qapp, window, "blocking_call")
    chart = window.chart
    loop_row = float(len(chart.lanes))  # (the first row under the tasks' lanes)
    click(window, qtbot, trace.duration / 2, loop_row)
    assert window.details.details is None and not chart.selection.isVisible()
    run = run_statistics(trace)
    text = window.details.toPlainText()
    assert text.startswith("The event loop, over the whole run")
    assert f"The loop was busy {run.busy.overall:.0%} of the run" in text
    assert f"Steps (running): {run.steps.count}, " in text
    assert f"p99 {seconds(run.scheduled.p99)}" in text
    # the tooltip over the row: the same, in a line
    view = chart.getPlotItem().getViewBox()
    chart._hovered(view.mapViewToScene(QPointF(trace.duration / 2, loop_row)))
    assert f"event loop: busy {run.busy.overall:.0%} of the run" in chart.toolTip()
    # a click on a task's bar after it: that span's details again
    worker = trace.task_by_name("worker")
    click(window, qtbot, 0.5, float(chart.lanes[worker.id]))
    assert window.details.details is not None
    assert "The event loop, over the whole run" not in window.details.toPlainText()
