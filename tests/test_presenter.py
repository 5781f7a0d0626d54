"""Presenter mode (issue 5): full screen, big type, high contrast, one key per control.

The real window with real scenarios; keys are pressed as a user presses them (through
Qt's shortcut map, on the chart that has the focus), and a lecture runs on the GUI's
own loop as in ``test_lecture``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QKeySequence, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from visualizer.app.presenter import PRESENTER_FONT
from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.settings import saved
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import find
from visualizer.trace import schema
from visualizer.views.gantt import PRESENTER, THEMES

#: the least type a projector may show (points)
BIG = 18


def press(window: MainWindow, key: Qt.Key) -> None:
    """A key as the user presses it, to the widget that has the keys."""
    QTest.keyClick(window.focusWidget() or window.chart, key)


def run_on_gui_loop(qapp: Any, body: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    loop = GuiEventLoop(qapp)
    try:
        result = loop.run_until_complete(body())
        left = asyncio.all_tasks(loop)  # (the window's own: a lesson's checks, say)
        if left:
            loop.run_until_complete(asyncio.wait(left))
        return result
    finally:
        loop.close()


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


def running_spans(window: MainWindow) -> int:
    session = window.lecture.session
    assert session is not None
    spans = session.recorder.model.since(0).spans
    return int(np.count_nonzero(spans.state == schema.RUNNING))


def fonts(window: MainWindow) -> dict[str, QFont]:
    """The type of everything a projector must show large."""
    plot = window.chart.getPlotItem()
    return {
        "lane names": plot.getAxis("left").style["tickFont"],
        "time axis": plot.getAxis("bottom").style["tickFont"],
        "axis label": plot.getAxis("bottom").label.font(),
        "marks": window.chart.timeline_marks.font,
        "details": window.details.font(),
        "explanation": window.about.font(),
        "legend": window.legend.font(),
        "status": window.status.font(),
    }


def test_presenter_mode_is_full_screen_big_and_high_contrast(window: MainWindow) -> None:
    assert window.theme == "light" and not window.isFullScreen()
    window.presenter.action.trigger()  # (View > Presenter mode)
    assert window.presenter.active and window.presenter.action.isChecked()
    assert window.isFullScreen()
    assert window.windowState() & Qt.WindowState.WindowFullScreen
    QApplication.processEvents()  # (Qt hands the new type to some widgets by events)
    for what, font in fonts(window).items():
        assert font.pointSize() >= BIG, what
    assert window.font_size == PRESENTER_FONT
    # the palette: the chart's, and the widgets' (pure white behind black text)
    assert window.theme == "presenter" and window.chart.palette is PRESENTER
    assert window.theme_actions["presenter"].isChecked()
    app_palette = QApplication.palette()
    assert app_palette.color(QPalette.ColorRole.Window) == QColor("#ffffff")
    assert app_palette.color(QPalette.ColorRole.WindowText) == QColor("#000000")
    assert PRESENTER.edge is not None and PRESENTER.edge_width >= 2
    # the chart has the room, the explanation and the details stay beside it
    assert window.about.isVisible() and window.chart.isVisible() and window.details.isVisible()
    assert not window.browser.isVisible() and not window.params.isVisible()
    assert not window.source.isVisible()
    # (nothing else takes room: at the test's small screen the panes' minimum widths
    # bind; at 1920 pixels the chart has 62% of it, docs/images/presenter.png)
    room = window.width() - window.about.width() - window.details.width()
    assert window.chart.width() >= room - 60
    left = window.about.mapTo(window, window.about.rect().topLeft()).x()
    middle = window.chart.mapTo(window, window.chart.rect().topLeft()).x()
    right = window.details.mapTo(window, window.details.rect().topLeft()).x()
    assert left < middle < right
    assert window.chart.hasFocus()


def test_leaving_puts_everything_back(window: MainWindow) -> None:
    window.set_theme("dark")
    window.set_font_size(13)
    window.resize(780, 560)  # (within the test's screen: the size can come back whole)
    QApplication.processEvents()
    geometry, sizes = window.geometry(), window.splitter.sizes()
    shortcuts = {
        "pause": window.lecture.pause_action.shortcuts(),
        "zoom in": window.zoom_in_action.shortcuts(),
        "zoom out": window.zoom_out_action.shortcuts(),
    }
    window.presenter.enter()
    # the presenter's keys win: no other action of the window answers to them
    assert window.lecture.pause_action.shortcuts() == []
    assert window.zoom_in_action.shortcuts() == [] and window.zoom_out_action.shortcuts() == []
    press(window, Qt.Key.Key_Escape)
    assert not window.presenter.active and not window.presenter.action.isChecked()
    assert not window.isFullScreen()
    assert window.theme == "dark" and window.chart.palette is THEMES["dark"]
    QApplication.processEvents()
    assert window.font_size == 13 and fonts(window)["lane names"].pointSize() == 13
    assert window.browser.isVisible() and window.details.isVisible() and window.source.isVisible()
    assert window.splitter.sizes() == sizes
    assert window.geometry().size() == geometry.size()
    assert {
        "pause": window.lecture.pause_action.shortcuts(),
        "zoom in": window.zoom_in_action.shortcuts(),
        "zoom out": window.zoom_out_action.shortcuts(),
    } == shortcuts
    assert shortcuts["pause"] == [QKeySequence("Space")]
    assert not any(key.isEnabled() for key in window.presenter.keys)
    # and the normal keys work again: + zooms time in
    (x0, x1), _ = window.chart.getPlotItem().getViewBox().viewRange()
    press(window, Qt.Key.Key_Plus)
    (y0, y1), _ = window.chart.getPlotItem().getViewBox().viewRange()
    assert y1 - y0 == pytest.approx((x1 - x0) / 2, rel=0.01)


def test_the_keys_drive_the_lecture(qapp: Any, window: MainWindow) -> None:
    window.select("semaphore_workers")
    window.set_clock_mode("lecture")
    window.lecture.set_speed(0.25)  # (slow: the run is still going when the keys come)
    window.presenter.enter()

    async def lecture() -> None:
        run = asyncio.ensure_future(window.run(find("semaphore_workers"), {}, "lecture"))
        await until(lambda: window.lecture.session is not None)
        session = window.lecture.session
        assert session is not None and not session.paused
        await until(lambda: session.now > 0.1)
        # Space pauses the running lecture, and resumes it
        press(window, Qt.Key.Key_Space)
        assert session.paused
        press(window, Qt.Key.Key_Space)
        assert not session.paused
        # Right: exactly one task step more, and paused
        before, spans = session.steps, running_spans(window)
        press(window, Qt.Key.Key_Right)
        assert session.paused
        assert session.steps == before + 1 and running_spans(window) == spans + 1
        # + doubles the speed, - halves it
        press(window, Qt.Key.Key_Plus)
        assert window.lecture.speed() == pytest.approx(0.5) and session.speed == pytest.approx(0.5)
        press(window, Qt.Key.Key_Minus)
        assert session.speed == pytest.approx(0.25)
        # 0 fits all: the run so far from its start, even after the user looked away
        view = window.chart.getPlotItem().getViewBox()
        view.setRange(xRange=(5.0, 6.0), padding=0)
        window.chart.following = False
        press(window, Qt.Key.Key_0)
        (x0, x1), _ = view.viewRange()
        assert x0 <= 0.0 and session.now <= x1 <= session.now * 1.1 + 1e-3
        assert window.chart.following
        # F leaves full screen and comes back
        press(window, Qt.Key.Key_F)
        assert not window.isFullScreen()
        press(window, Qt.Key.Key_F)
        assert window.isFullScreen()
        # R: the run again, from the start (the one on screen stopped first)
        press(window, Qt.Key.Key_R)
        await run
        await until(lambda: window.lecture.session not in (None, session))
        again = window.lecture.session
        assert again is not None and again.now < 0.5
        window.stop()
        await until(lambda: window.run_action.isEnabled())

    run_on_gui_loop(qapp, lecture)
    assert window.presenter.active


def test_space_with_no_lecture_starts_one(qapp: Any, window: MainWindow) -> None:
    """Before any run, Space plays the selected scenario as a lecture; Right does
    nothing (there is nothing to step)."""
    window.select("gather_basics")
    window.set_clock_mode("real")
    window.lecture.set_speed(4.0)
    window.presenter.enter()

    async def play() -> None:
        press(window, Qt.Key.Key_Right)
        await asyncio.sleep(0.05)
        assert window.lecture.session is None and window.trace is None
        press(window, Qt.Key.Key_Space)
        await until(lambda: window.lecture.session is not None)
        assert window.clock_mode() == "lecture"
        await until(lambda: window.run_action.isEnabled())

    run_on_gui_loop(qapp, play)
    assert window.trace is not None and window.trace.meta.get("lecture") is True
    assert window.trace.meta["source"] == "gather_basics"


def test_zero_fits_a_finished_run(qapp: Any, window: MainWindow) -> None:
    window.presenter.enter()
    outcome = run_on_gui_loop(
        qapp, lambda: window.run(find("sequential_vs_concurrent"), {}, "virtual")
    )
    view = window.chart.getPlotItem().getViewBox()
    view.setRange(xRange=(1.5, 1.6), padding=0)
    press(window, Qt.Key.Key_0)
    (x0, x1), _ = view.viewRange()
    assert x0 < 0.0 < outcome.trace.duration < x1 < outcome.trace.duration * 1.1


def test_presenter_flag_and_the_menu_agree(window: MainWindow) -> None:
    """--presenter calls ``enter``; the menu's entry shows it, and unticking it leaves."""
    window.presenter.enter()
    assert window.presenter.action.isChecked()
    window.presenter.action.trigger()
    assert not window.presenter.active and window.theme == "light"


def test_closing_in_presenter_mode_remembers_the_window_as_it_was(window: MainWindow) -> None:
    window.set_font_size(12)
    window.presenter.enter()
    window.close()
    assert saved("theme", "", str) == "light" and saved("font_size", 0, int) == 12
