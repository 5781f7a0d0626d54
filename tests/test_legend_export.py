"""The legend names everything the chart can draw, once, in little room; an exported
chart carries a title, the legend and the time axis."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QGraphicsRectItem, QLabel

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import find
from visualizer.trace import schema
from visualizer.views.arrows import Arrows
from visualizer.views.bands import Bands
from visualizer.views.bar_labels import BarLabels
from visualizer.views.chart import MARKERS, WAKE_MARKS, GanttView
from visualizer.views.export import MARGIN
from visualizer.views.gantt import LIGHT, THEMES, SpanBars
from visualizer.views.lane_highlight import LaneHighlight
from visualizer.views.legend import legend_entries, legend_html
from visualizer.views.resource_rows import ResourceRowsItem
from visualizer.views.timeline_marks import MARK_STYLES

#: items of the chart that draw nothing a legend explains, and why
NOT_IN_A_LEGEND = (
    BarLabels,  # words: they say what they are
    QGraphicsRectItem,  # the outline of the bar clicked
    pg.TextItem,  # a warning's or note's words (their glyph is in the legend)
    LaneHighlight,  # the lanes of the tasks that used a resource clicked
)


def _drawable(view: GanttView) -> set[str]:
    """What ``view`` can draw, from the chart's own tables and items: every state, task
    outcome, wake kind and mark kind, every arrow item (by its name), the bands of a
    blocked loop and the shade of forgotten history.  Any other kind of item in the
    plot fails: give it a legend entry (and a key here), or say why it needs none."""
    keys = {f"state:{name}" for name in schema.STATE_NAMES}
    keys |= {f"outcome:{name}" for name in MARKERS}
    keys |= {f"wake:{kind}" for kind in WAKE_MARKS}
    keys |= {f"mark:{kind}" for kind in MARK_STYLES}
    arrows = {id(v): f"arrow:{k}" for k, v in vars(view).items() if isinstance(v, Arrows)}
    keys |= set(arrows.values())
    # (the short arrows from a timer's or I/O's mark: part of that wake kind's entry)
    loop_arrows = {id(item): f"wake:{kind}" for kind, item in view.from_loop.items()}
    forgotten = {id(view.forgotten.band), id(view.forgotten.line)}
    cursor = {id(item) for item in vars(view.cursor).values()}
    for item in view.getPlotItem().items:
        if isinstance(item, SpanBars):
            continue  # states
        if isinstance(item, Arrows):
            assert id(item) in arrows or id(item) in loop_arrows, item
        elif isinstance(item, ResourceRowsItem):  # (a held lock's, a set event's: "in use")
            keys |= {"resource:level", "resource:full", "resource:wait", "resource:notify"}
        elif isinstance(item, Bands):
            keys.add("band:blocked")
        elif id(item) in forgotten:
            keys.add("shade:forgotten")
        elif isinstance(item, pg.ScatterPlotItem):
            continue  # outcome, wake and mark glyphs: their tables above
        elif item is view.now_line or id(item) in cursor:
            continue  # a live run's "now", the time cursor: lines that are named on it
        else:
            assert isinstance(item, NOT_IN_A_LEGEND), f"{item!r}: in the legend, or why not?"
    return keys


def test_the_legend_names_everything_the_chart_can_draw_once(qtbot: Any) -> None:
    view = GanttView()
    qtbot.addWidget(view)
    view.show_arrows(True, True)
    drawable = _drawable(view)
    for palette in THEMES.values():
        entries = legend_entries(palette)
        keys = [key for entry in entries for key in entry.keys]
        assert sorted(set(keys)) == sorted(keys), "a thing named twice"
        assert set(keys) == drawable
        texts = [entry.text for entry in entries]
        assert sorted(set(texts)) == sorted(texts), "two entries with the same words"
    html = legend_html(LIGHT)
    for word in ("running", "ready", "suspended", "woken by", "loop", "blocked", "forgotten"):
        assert word in html.replace("&nbsp;", " ")


def test_the_legend_takes_two_rows_at_most_at_1280_pixels(qtbot: Any) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setText(legend_html(LIGHT))
    line = label.fontMetrics().lineSpacing()
    assert label.heightForWidth(1280) <= 2 * line + 4
    assert label.heightForWidth(640) <= 3 * line + 4  # (a chart pane beside two panels)


def _svg_text(path: Path) -> str:
    return " ".join(re.findall(r"<text[^>]*>\s*([^<]*)", path.read_text())).replace("\xa0", " ")


def test_an_exported_charts_title_names_the_clock_that_drew_it(
    qapp: Any, window: MainWindow
) -> None:
    """An ideal second is not a real one: the title says "ideal" (it once said "real
    clock" for every clock but the virtual one)."""
    loop = GuiEventLoop(qapp)
    try:
        loop.run_until_complete(window.run(find("gather_basics"), {}, "ideal"))
    finally:
        loop.close()
    assert window.export_title().startswith("gather_basics, ideal clock, 20")


def test_an_exported_chart_has_a_title_the_legend_and_the_time_axis(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    loop = GuiEventLoop(qapp)
    try:
        loop.run_until_complete(window.run(find("blocking_call"), {}, "virtual"))
    finally:
        loop.close()
    window.export_chart(tmp_path / "chart.svg", "svg")
    window.export_chart(tmp_path / "chart.png", "png")
    words = _svg_text(tmp_path / "chart.svg")
    title = window.export_title()
    assert title.startswith("blocking_call, virtual clock, 20")
    assert title in words
    for word in ("running", "suspended", "woken by:", "loop blocked", "cancelled"):
        assert word in words, word
    assert "time (s)" in words  # the axis
    assert "event loop" in words  # the lane names
    image = QImage(str(tmp_path / "chart.png"))
    chart = window.chart
    assert image.width() == chart.width()
    header = image.height() - chart.height()
    assert header > 2 * window.legend.fontMetrics().lineSpacing()  # a title and a legend
    # the header has words in it (pixels not the background's), over the chart as shown
    background = QColor(LIGHT.background).rgb()
    inked = [
        y
        for y in range(header)
        if any(image.pixel(x, y) != background for x in range(MARGIN, image.width() - MARGIN))
    ]
    assert inked and min(inked) >= MARGIN // 2 and max(inked) < header
    assert image.copy(0, header, chart.width(), chart.height()).size() == chart.size()
