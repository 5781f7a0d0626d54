"""What the chart marks besides bars: asyncio's warnings on the lane they concern (glyph,
label, tooltip; finished and live), cancels no task called, and lane names that fit."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFontMetrics, QTextDocumentFragment

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow, RunOutcome
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.data import Mark, Trace
from visualizer.views.chart import CANCEL_BY_CALLBACK, WAKE_MARK_Y, GanttView
from visualizer.views.lane_names import NAME_MARGIN
from visualizer.views.timeline_marks import MARK_Y, MAX_LABELS


def _chart(qtbot: Any, trace: Trace) -> GanttView:
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(1400, 700)
    view.show_trace(trace)
    return view


def test_a_warning_is_drawn_on_its_tasks_lane_with_its_words(qtbot: Any) -> None:
    trace = run_scenario(
        find("exception_never_retrieved"), {"handling": "keep"}, clock="virtual"
    ).trace
    view = _chart(qtbot, trace)
    upload = trace.task_by_name("upload")
    marks = view.timeline_marks
    glyph = marks.glyphs["warning"]
    x, y = glyph.getData()
    assert x.tolist() == [pytest.approx(2.0, abs=0.05)]
    assert y.tolist() == [view.lanes[upload.id] - MARK_Y]  # in the gap above upload's bar
    [label] = marks.labels
    assert label.toPlainText().strip() == "Task exception was never retrieved"
    assert label.isVisible()
    # late in the run the label reads leftwards, so a fitted chart does not cut it off
    view.grab()
    rect = label.mapRectToScene(label.boundingRect())
    box = view.getPlotItem().getViewBox().sceneBoundingRect()
    assert box.contains(rect)
    # hovering the glyph tells it all: the traceback of the exception nobody retrieved
    point = view.getPlotItem().getViewBox().mapViewToScene(QPointF(float(x[0]), float(y[0])))
    view._hovered(point)
    tip = QTextDocumentFragment.fromHtml(view.toolTip()).toPlainText()  # (as it reads)
    assert "ConnectionError: connection reset" in tip
    assert tip.startswith("warning at 2.0")


def test_many_marks_keep_their_glyphs_and_drop_their_labels(qtbot: Any) -> None:
    trace = run_scenario(find("create_task_basics"), {}, clock="virtual").trace
    trace.marks = [Mark(i / 100, 0, f"w{i}", "warning") for i in range(MAX_LABELS + 1)]
    view = _chart(qtbot, trace)
    assert len(view.timeline_marks.glyphs["warning"].getData()[0]) == MAX_LABELS + 1
    assert view.timeline_marks.labels == []
    trace.marks = [*trace.marks[:2], Mark(0.5, None, "a note")]  # a note, on the loop's row
    view.show_trace(trace)
    assert [label.toPlainText().strip() for label in view.timeline_marks.labels] == [
        "w0",
        "w1",
        "a note",
    ]
    _, y = view.timeline_marks.glyphs["note"].getData()
    assert y.tolist() == [len(trace.tasks) - MARK_Y]


def test_a_live_run_shows_the_warning_as_it_comes(qapp: Any, window: MainWindow) -> None:
    async def watch() -> tuple[list[Mark], RunOutcome]:
        run = asyncio.ensure_future(
            window.run(find("exception_never_retrieved"), {"handling": "forget"}, "real")
        )
        await asyncio.sleep(1.2)  # upload failed at 0.5 s; the run ends at 2.0 s
        seen = list(window.chart.timeline_marks.marks)
        return seen, await run

    loop = GuiEventLoop(qapp)
    try:
        seen, outcome = loop.run_until_complete(watch())
    finally:
        loop.close()
    upload = outcome.trace.task_by_name("upload")
    [mark] = seen
    assert mark.label == "Task exception was never retrieved" and mark.task == upload.id
    # as upload failed (its 0.5 s sleep, at least: a real clock on a busy machine runs
    # late, never early), and before the run's end: seen live, not at the end
    assert upload.ended is not None and 0.5 <= upload.ended <= mark.t
    assert mark.t - upload.ended < outcome.trace.duration - mark.t
    assert outcome.trace.marks == [mark]


def test_a_timeouts_cancel_is_marked_where_it_lands_not_drawn_from_a_task(qtbot: Any) -> None:
    """``asyncio.timeout`` cancels from a timer callback: a mark where the cancel landed
    (with a short arrow into the bar), and no cancel arrow from any task.  ``main``,
    whose cancel was passed on to ``slow``, is woken by ``slow`` ending: a wake arrow,
    not a cancel arrow from ``slow`` (which would read "slow cancelled main")."""
    trace = run_scenario(find("timeouts"), {"way": "timeout"}, clock="virtual").trace
    view = _chart(qtbot, trace)
    slow = trace.task_by_name("slow")
    x, y = view._marks_shown[CANCEL_BY_CALLBACK]
    assert x.tolist() == [pytest.approx(1.0, abs=0.05)]
    assert y.tolist() == [view.lanes[slow.id] - WAKE_MARK_Y]
    assert view.from_loop[CANCEL_BY_CALLBACK].count() == 1
    assert view.cancels.count() == 0
    assert view.wakes.count() >= 1  # slow's end wakes main


def test_long_lane_names_are_shortened_not_dropped(qtbot: Any) -> None:
    trace = run_scenario(find("create_task_basics"), {}, clock="virtual").trace
    long = "download-2 (saving the report to disk)"
    tasks = list(trace.tasks)  # (records made from the table: copies)
    tasks[1] = dataclasses.replace(tasks[1], name=long)
    trace.tasks = tasks  # (made a table again)
    view = _chart(qtbot, trace)
    names = dict(view.names.shown or [])
    shown = names[int(view.lanes[1])]
    assert shown != long and "…" in shown
    assert shown.startswith("download-2") and shown.endswith("disk)")
    metrics = QFontMetrics(view.names.font)
    assert metrics.horizontalAdvance(shown) <= view.names.width - NAME_MARGIN
    assert names[int(view.lanes[0])] == "main"  # a name that fits is left alone
    # a bigger font: fewer characters fit, and the names are fitted again
    view.set_font_size(20)
    bigger = dict(view.names.shown or [])[int(view.lanes[1])]
    assert QFontMetrics(view.names.font).horizontalAdvance(bigger) <= (
        view.names.width - NAME_MARGIN
    )
