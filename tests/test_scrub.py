"""The time cursor in the window (issue 5, replay and scrubbing), with pytest-qt.

Real scenarios run in the window on the virtual clock; the cursor is put at several
instants and the window is checked against the reference (each task's spans read one
by one, ``at_time_reference``): the details panel's list, the dimmed future, the lines
marked in the source view, the status line.  Play from here is measured as a ratio of
the cursor's advance to speed x wall time, never against a wall-clock limit.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from at_time_reference import reference_rows
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from tracehelp import short_site, text_site

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import find
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import save

#: instants worth a look in each scenario (seconds), the end, and past it
INSTANTS = {
    "semaphore_workers": (0.0, 0.5, 1.5, 2.5, 1.0),
    "cancellation": (0.5, 1.5, 2.75, 2.5),
    "taskgroup_failure": (0.25, 0.75, 1.0),
}


def run_in(qapp: Any, window: MainWindow, name: str) -> Trace:
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find(name), {}, "virtual"))
    finally:
        loop.close()
    return outcome.trace


def shown_rows(window: MainWindow) -> dict[str, tuple[str, str | None, str | None]]:
    """The details panel's list, as reference rows."""
    states = window.details.states
    assert states is not None
    return {row.task: (row.state, row.awaiting or None, short_site(row.site)) for row in states}


@pytest.mark.parametrize("name", sorted(INSTANTS))
def test_the_cursor_shows_every_tasks_state_at_t(qapp: Any, window: MainWindow, name: str) -> None:
    trace = run_in(qapp, window, name)
    for t in (*INSTANTS[name], trace.duration):
        window.show_time_cursor(True, at=t)
        assert window.chart.cursor.value() == pytest.approx(t)
        assert shown_rows(window) == reference_rows(trace, t), t
        text = window.details.toPlainText()
        for record in trace.tasks:
            assert record.name in text
        assert f"At {t:.3f} s" in text
        assert window.cursor_status.text() == f"cursor at {t:.3f} s of {trace.duration:.3f} s"


def test_the_future_is_dimmed_and_the_past_is_not(
    qapp: Any, window: MainWindow, qtbot: Any
) -> None:
    trace = run_in(qapp, window, "semaphore_workers")
    chart = window.chart
    lane = float(chart.lanes[trace.task_by_name("worker-5").id])
    view = chart.getPlotItem().getViewBox()

    def colour_at(x: float) -> QColor:
        image = chart.grab().toImage()
        where = chart.mapFromScene(view.mapViewToScene(QPointF(x, lane)))
        return image.pixelColor(where.x(), where.y())

    # worker-5 waits on the semaphore until 2.0 s: a grey bar at 1.0 s and at 1.8 s
    before = colour_at(1.0), colour_at(1.8)
    window.show_time_cursor(True, at=1.4)
    region = chart.cursor.veil.getRegion()
    assert region == pytest.approx((1.4, trace.duration))
    assert chart.cursor.veil.isVisible() and chart.cursor.line.isVisible()
    past, future = colour_at(1.0), colour_at(1.8)
    assert past == before[0]  # the past as it was
    background = QColor(chart.palette.background)
    # the future a good step nearer the background (dimmed, still there)
    assert distance(future, background) < 0.6 * distance(before[1], background)
    assert distance(future, background) > 0
    window.set_theme("dark")
    assert chart.cursor.veil.brush.color().name() == QColor(chart.palette.background).name()
    window.set_theme("light")
    window.show_time_cursor(False)
    assert not chart.cursor.veil.isVisible() and not chart.cursor.line.isVisible()
    assert colour_at(1.8) == before[1]
    assert window.details.states is None and window.cursor_status.text() == ""


def distance(a: QColor, b: QColor) -> int:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())


def test_the_source_marks_the_lines_tasks_wait_on(qapp: Any, window: MainWindow) -> None:
    trace = run_in(qapp, window, "semaphore_workers")
    path = find("semaphore_workers").path

    def line(text: str) -> int:
        return int(text_site(path, text).rpartition(":")[2])

    window.show_time_cursor(True, at=1.5)
    assert window.source.path == path
    assert window.source.waiting == {
        line("await asyncio.gather(*tasks)"): ["main"],
        line("await asyncio.sleep(work)"): ["worker-3", "worker-4"],
        line("async with sem:"): ["worker-5", "worker-6"],
    }
    window.show_time_cursor(True, at=2.5)
    assert window.source.waiting == {
        line("await asyncio.gather(*tasks)"): ["main"],
        line("await asyncio.sleep(work)"): ["worker-5", "worker-6"],
    }
    window.show_time_cursor(True, at=trace.duration)
    assert window.source.waiting == {}  # everybody done: nobody waits anywhere


def test_a_click_on_the_time_axis_puts_the_cursor_there(
    qapp: Any, window: MainWindow, qtbot: Any
) -> None:
    trace = run_in(qapp, window, "cancellation")
    chart = window.chart
    assert not chart.cursor.isVisible() and not window.cursor_action.isChecked()
    axis = chart.getPlotItem().getAxis("bottom")
    view = chart.getPlotItem().getViewBox()
    # a click on the bars is a bar's (its details), not the cursor's
    bar = chart.mapFromScene(view.mapViewToScene(QPointF(1.5, 1.0)))
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=bar)
    assert not chart.cursor.isVisible() and window.details.details is not None
    x = view.mapViewToScene(QPointF(2.75, 0.0)).x()
    strip = axis.parentItem().mapRectToScene(axis.geometry())  # (the ticks and numbers)
    scene = QPointF(x, strip.center().y())
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.mapFromScene(scene))
    assert chart.cursor.isVisible() and window.cursor_action.isChecked()
    t = chart.cursor.value()
    assert t == pytest.approx(2.75, abs=2 * view.viewPixelSize()[0])
    assert shown_rows(window) == reference_rows(trace, t)
    assert shown_rows(window)["worker"][:2] == ("suspended", "sleep(0.5)")  # cleaning up


def test_stepping_the_cursor_from_change_to_change(qapp: Any, window: MainWindow) -> None:
    trace = run_in(qapp, window, "semaphore_workers")
    window.show_time_cursor(True, at=0.5)
    window.step_cursor(+1)  # the first thing after 0.5 s: a sleep of the first two ends
    t = window.chart.cursor.value()
    starts = trace.spans.start
    assert t == starts[starts > 0.5].min()
    assert shown_rows(window) == reference_rows(trace, t)
    assert "ready" in {state for state, _, _ in shown_rows(window).values()}
    window.step_cursor(-1)
    assert window.chart.cursor.value() == starts[starts < t].max()


def test_play_from_here_moves_at_the_lecture_speed_and_stops_at_the_end(
    qapp: Any, window: MainWindow, qtbot: Any
) -> None:
    trace = run_in(qapp, window, "semaphore_workers")
    cursor = window.chart.cursor
    window.lecture.set_speed(2.0)
    window.show_time_cursor(True, at=0.25)
    began = time.perf_counter()
    window.play_from_here()
    assert window.replay.is_playing() and window.play_action.isChecked()
    qtbot.wait(400)
    wall = time.perf_counter() - began
    moved = cursor.value() - 0.25
    # at most speed x wall: never ahead (a busy machine makes its ticks late, so how far
    # behind is the machine's business, not the replay's), and it did move
    assert 0 < moved <= 2.0 * wall * 1.05
    # the list follows the cursor, and the future stays dimmed behind it
    assert shown_rows(window) == reference_rows(trace, cursor.value())
    assert cursor.veil.getRegion() == pytest.approx((cursor.value(), trace.duration))
    window.play_from_here()  # (the same action: Pause)
    assert not window.replay.is_playing() and not window.play_action.isChecked()
    paused = cursor.value()
    qtbot.wait(150)
    assert cursor.value() == paused
    # faster, to the end: it stops there by itself
    window.lecture.set_speed(20.0)
    window.play_from_here()
    qtbot.waitUntil(lambda: not window.replay.is_playing(), timeout=30_000)
    assert cursor.value() == pytest.approx(trace.duration)
    assert not window.play_action.isChecked()
    assert set(shown_rows(window).values()) == {("done", None, None)}
    # at the end, play starts again from the beginning
    window.play_from_here()
    assert cursor.value() < 1.0
    window.replay.pause()


def test_a_new_run_takes_the_cursor_away(qapp: Any, window: MainWindow) -> None:
    run_in(qapp, window, "cancellation")
    window.show_time_cursor(True, at=1.0)
    window.play_from_here()
    run_in(qapp, window, "semaphore_workers")
    assert not window.chart.cursor.isVisible() and not window.replay.is_playing()
    assert window.details.states is None and window.source.waiting == {}
    assert window.cursor_action.isEnabled()


def test_a_trace_opened_from_a_file_scrubs_the_same(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    trace = run_in(qapp, window, "taskgroup_failure")
    window.show_time_cursor(True, at=0.75)
    from_run = shown_rows(window)
    save(trace, tmp_path / "run.json.gz")
    window.select("semaphore_workers")  # (another scenario's file in the source view)
    assert window.open_trace(tmp_path / "run.json.gz")
    opened = window.chart.trace
    assert opened is not None and opened is not trace
    # the cursor stayed, now over the opened trace: the same states
    assert window.chart.cursor.value() == pytest.approx(0.75)
    assert shown_rows(window) == from_run == reference_rows(opened, 0.75)
    # the source view went to the file the tasks wait in, its lines marked
    assert window.source.path == find("taskgroup_failure").path
    assert window.source.waiting
    for t in INSTANTS["taskgroup_failure"]:
        window.show_time_cursor(True, at=t)
        assert shown_rows(window) == reference_rows(trace, t)
