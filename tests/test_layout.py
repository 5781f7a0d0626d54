"""The window's layout (issue 14, points 2 and 4): the chart gets the room, its lanes
grow with it, the side panes collapse and are remembered, a run's end is not squeezed
against the edge and is labelled; in presenter mode the toolbars are one row, the
lesson's code is as big as its text, the status line is never cut; the dark theme's
check boxes are seen, the scenario list's titles are whole.

Structure, not pixels: widths and heights of real widgets, the view's range, the axis's
tick texts (as pyqtgraph lays them out to draw them), the label's text.  The one test
of colours (the dark check box) compares the frame's brightness with its panel's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPicture
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QToolBar, QToolButton

from visualizer.app.layout import Panes
from visualizer.app.lesson_text import code_and_text_sizes
from visualizer.app.presenter import PRESENTER_FONT
from visualizer.app.settings import open_settings, restore_window
from visualizer.app.window import MainWindow
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import discover, find
from visualizer.trace.data import Trace
from visualizer.views.chart import GanttView
from visualizer.views.fit import MAX_LANE_LINES, TIME_MARGIN

#: the chart's least share of a 1280x800 window's width, as it first opens
CHART_SHARE = 0.6


def trace_of(scenario: str) -> Trace:
    return run_scenario(find(scenario), {}, clock="virtual").trace


def settle() -> None:
    QApplication.processEvents()  # (layouts, and the type Qt hands on by events)
    QApplication.processEvents()


def lane_pixels(view: GanttView) -> float:
    """Pixels from one lane's centre to the next's."""
    return 1.0 / view.getPlotItem().getViewBox().viewPixelSize()[1]


def axis_texts(view: GanttView) -> list[tuple[QRectF, str]]:
    """The time axis's tick labels as pyqtgraph draws them (those it would leave out for
    sticking past the axis are not in it), in scene coordinates."""
    axis = view.time_axis
    picture = QPicture()
    painter = QPainter(picture)
    try:
        painter.setFont(axis.style["tickFont"])
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(axis.mapRectToScene(rect), text) for rect, _, text in specs[2]]


@pytest.fixture
def remembered_panes() -> Iterator[None]:
    """The panes' saved state, put back as it was after the test (the settings folder is
    the test run's, shared by the tests after this one)."""
    settings = open_settings()
    before = {name: settings.value(name) for name in ("left_pane", "right_pane", "splitter")}
    yield
    for name, value in before.items():
        if value is None:
            settings.remove(name)
        else:
            settings.setValue(name, value)
    settings.sync()


# --- the chart gets the room -------------------------------------------------------------
def test_the_chart_has_most_of_a_1280_window(window: MainWindow) -> None:
    window.resize(1280, 800)
    settle()
    assert window.width() == 1280
    assert window.chart.width() >= CHART_SHARE * window.width()
    # and both side panes are there, narrow
    assert window.about.isVisible() and window.details.isVisible() and window.source.isVisible()
    assert window.panes.left_action.isChecked() and window.panes.right_action.isChecked()


def test_lanes_grow_with_the_chart_up_to_a_most(qtbot: Any) -> None:
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(900, 300)
    view.show()
    view.show_trace(trace_of("timeouts"))  # (three rows: two tasks and the loop)
    settle()
    line = view._line_pixels()
    most = MAX_LANE_LINES * line
    small = lane_pixels(view)
    assert small < most
    assert view.rows * small <= view.getPlotItem().getViewBox().height() + 1  # every lane in view
    view.resize(900, 500)  # (the fitted view is fitted again)
    settle()
    taller = lane_pixels(view)
    assert taller > small * 1.3
    view.resize(900, 1400)
    settle()
    assert lane_pixels(view) == pytest.approx(most, rel=0.01)  # (no slabs: blank below)
    # moved by the user, the view stays as they left it when the chart is resized
    view.getPlotItem().getViewBox().setYRange(0.0, 2.0, padding=0)
    moved = view.getPlotItem().getViewBox().viewRange()[1]
    view.resize(900, 900)
    settle()
    assert view.getPlotItem().getViewBox().viewRange()[1] == pytest.approx(moved)


def test_a_run_has_room_after_its_end_and_its_end_is_labelled(qtbot: Any) -> None:
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    trace = trace_of("taskgroup_failure")
    view.show_trace(trace)
    settle()
    duration = trace.duration
    (x0, x1), _ = view.getPlotItem().getViewBox().viewRange()
    assert x0 <= -TIME_MARGIN * duration * 0.99 and x1 >= duration * (1 + TIME_MARGIN * 0.99)
    texts = axis_texts(view)
    end = f"{duration:.3f}"
    assert end in [text for _, text in texts]  # (drawn: not left out at the edge)
    rects = [rect for rect, _ in texts]
    for i, first in enumerate(rects):  # no two labels touch (the end's and a round one)
        assert not any(first.intersects(other) for other in rects[i + 1 :])
    # a live chart has no end yet: no end label
    view.begin_live(lambda: None)
    settle()
    assert end not in [text for _, text in axis_texts(view)]


# --- the side panes ------------------------------------------------------------------------
def test_side_panes_collapse_and_are_remembered(
    qtbot: Any, window: MainWindow, remembered_panes: None
) -> None:
    window.resize(1280, 800)
    settle()
    width = window.chart.width()
    window.panes.right_action.trigger()  # (View > Details and source pane)
    settle()
    assert not window.details.isVisible() and not window.source.isVisible()
    assert window.chart.width() > width + 150
    # the left pane, dragged shut by its handle
    splitter = window.splitter
    handle = splitter.handle(1)
    middle = handle.rect().center()
    QTest.mousePress(handle, Qt.MouseButton.LeftButton, pos=middle)
    QTest.mouseMove(handle, QPoint(middle.x() - 400, middle.y()))
    QTest.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=QPoint(middle.x() - 400, middle.y()))
    settle()
    assert splitter.sizes()[0] == 0 and not window.about.visibleRegion().boundingRect().width()
    assert not window.panes.left_action.isChecked()  # (the menu's tick follows the pane)
    window.close()  # (what is remembered is saved as the window closes)
    again = MainWindow(discover()[0])
    qtbot.addWidget(again)
    restore_window(again)
    again.resize(1280, 800)  # (the saved geometry is clamped to the test's small screen)
    again.show()
    settle()
    assert not again.panes.left_action.isChecked() and not again.panes.right_action.isChecked()
    assert not again.details.isVisible()
    assert not again.panes.shown(again.panes.left) and not again.panes.shown(again.panes.right)
    assert again.chart.width() >= 0.9 * again.width()
    # ticked again, each comes back at its first width
    again.panes.left_action.trigger()
    again.panes.right_action.trigger()
    settle()
    assert again.about.isVisible() and again.details.isVisible()
    assert again.panes.shown(again.panes.left) and again.panes.shown(again.panes.right)
    assert again.chart.width() >= CHART_SHARE * again.width()
    assert isinstance(again.panes, Panes)


# --- presenter mode ------------------------------------------------------------------------
def presenting(window: MainWindow, width: int, height: int) -> None:
    """Presenter mode on a screen of ``width`` x ``height`` (the test's offscreen screen is
    smaller: out of full screen, at that size)."""
    window.presenter.enter()
    window.presenter.toggle_full_screen()
    window.resize(width, height)
    settle()
    assert window.width() == width


def one_row(window: MainWindow) -> None:
    bars = [bar for bar in window.findChildren(QToolBar) if bar.isVisible()]
    assert len(bars) == 2
    tops = {bar.geometry().top() for bar in bars}
    assert len(tops) == 1, "the toolbars are on more than one row"
    for bar in bars:  # and nothing is behind a "»"
        extension = bar.findChild(QToolButton, "qt_toolbar_ext_button")
        assert extension is None or not extension.isVisible(), bar.windowTitle()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_presenter_toolbar_is_one_row_at_1280(window: MainWindow, language: str) -> None:
    window.set_language(language)
    before = {bar: bar.actions() for bar in (window.toolbar, window.lecture)}
    presenting(window, 1280, 1024)
    one_row(window)
    # what left the toolbars is in the More menu, and still works there
    more = window.presenter.bars.menu.actions()
    assert window.wake_arrows in more and window.cursor_action in more
    window.presenter.leave()
    settle()
    assert {bar: bar.actions() for bar in before} == before  # (every control where it was)


def test_presenter_lesson_code_is_as_big_as_its_text(window: MainWindow) -> None:
    window.select("timeouts")
    window.set_font_size(11)  # (the lesson first shown at the usual size...)
    presenting(window, 1280, 1024)  # (...then made big)
    code, text = code_and_text_sizes(window.about.text())
    assert code and text  # (the lesson has inline code: ``wait_for()``...)
    assert min(code) >= min(text) >= PRESENTER_FONT
    window.presenter.leave()
    code, text = code_and_text_sizes(window.about.text())
    assert max(code) == max(text) == window.font_size  # (and back)


def test_presenter_axis_title_is_under_the_numbers(qapp: Any, window: MainWindow) -> None:
    presenting(window, 1280, 1024)
    window.chart.show_trace(trace_of("timeouts"))
    settle()
    label = window.chart.time_axis.label
    assert label.isVisible() and label.font().pointSize() >= PRESENTER_FONT
    title = label.sceneBoundingRect()
    # (the title's box has a margin round its text: the text is that much inside it)
    text_top = title.top() + label.document().documentMargin()
    texts = axis_texts(window.chart)
    assert texts
    for rect, text in texts:  # (a tick label's box is the height of its letters)
        assert (
            rect.top() + QFontMetricsF(window.chart.time_axis.style["tickFont"]).height()
            <= text_top + 1
        ), text
    # the title is inside the chart, not cut off under it
    text_bottom = title.bottom() - label.document().documentMargin()
    assert text_bottom <= window.chart.mapToScene(window.chart.rect()).boundingRect().bottom()


def test_presenter_status_line_is_never_cut(window: MainWindow) -> None:
    presenting(window, 1280, 1024)
    status = window.status
    metrics = status.fontMetrics()
    assert status.height() >= metrics.height()  # (not cut through its letters)
    short = "timeouts   |   1.003 s (virtual)   |   2 tasks   |   13 spans"
    status.setText(short)
    settle()
    assert not status.is_elided() and status.toolTip() == ""
    assert metrics.horizontalAdvance(status.shown_text()) <= status.contentsRect().width()
    long = "   |   ".join(
        ["taskgroup_failure", "lecture 1x, paused at 0.500 s"] * 6 + ["ended: boom"]
    )
    status.setText(long)
    settle()
    assert status.text() == long  # (the label keeps it whole...)
    shown = status.shown_text()
    assert metrics.horizontalAdvance(shown) <= status.contentsRect().width()  # (...draws what fits)
    # whole parts left out from the middle: the run, the lecture's state and the end stay
    assert shown.startswith("taskgroup_failure   |   lecture 1x, paused at 0.500 s   |   ")
    assert shown.endswith("   |   …   |   ended: boom")
    assert status.toolTip() == long
    assert window.width() == 1280  # (and it never widened the window)


# --- the dark theme, the scenario list -------------------------------------------------------
def test_dark_theme_check_box_is_seen(qtbot: Any, window: MainWindow) -> None:
    window.set_theme("dark")
    try:
        box = QCheckBox()
        qtbot.addWidget(box)
        box.setChecked(False)
        box.resize(box.sizeHint())
        box.show()
        settle()
        image = box.grab().toImage()
        panel = box.palette().color(box.backgroundRole())
        brightest = max(
            QColor(image.pixel(x, y)).lightness()
            for x in range(min(image.width(), image.height()))
            for y in range(image.height())
        )
        assert brightest - panel.lightness() >= 100  # (Fusion's own frame: about 10)
    finally:
        window.set_theme("light")


def test_scenario_titles_wrap_in_a_narrow_pane(window: MainWindow) -> None:
    window.resize(1280, 800)
    settle()
    browser = window.browser
    row = browser.row_of("semaphore_workers")  # "Limiting concurrency with a Semaphore..."
    item = browser.item(row)
    metrics = browser.fontMetrics()
    assert metrics.horizontalAdvance(item.text()) > browser.viewport().width()  # (a long one)
    rect = browser.visualItemRect(item)
    assert rect.height() >= 2 * metrics.height()  # (on two lines, not cut)
    assert rect.right() <= browser.viewport().width()
    assert item.text() in item.toolTip()
