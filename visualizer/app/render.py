"""A trace's chart as a picture, with no window: ``asyncviz render`` draws it for docs,
slides and CI artifacts, and ``tools/catalogue.py`` each lesson's picture.

Nothing is drawn twice: the chart is the window's ``GanttView`` (the same bars, lanes,
arrows and coarse levels at any number of lanes), never shown, and the picture is the
window's File > Export chart (``views.export``: the title and the legend over the chart,
PNG or SVG).  Only the sizes are this module's: a picture is read away from the screen,
so by default it is as tall as its lanes need (a lane a readable ``ROW`` pixels, up to
``MAX_CHART`` pixels of chart; beyond that the chart draws its coarse level, as the
window does zoomed out), and its lanes fill it from top to bottom (no room left for the
lanes of a live run that will not come).

Qt must be able to draw without a display: ``offscreen_app`` starts Qt on its
``offscreen`` platform unless the user chose one (``QT_QPA_PLATFORM``), so no window can
flash on a desktop and a build server needs no X.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from visualizer.app.theme import apply_theme
from visualizer.trace.data import Trace
from visualizer.views.chart import GanttView
from visualizer.views.export import Header, export_chart
from visualizer.views.gantt import THEMES

#: the kinds of picture, by the output's extension
KINDS: Final = {".png": "png", ".svg": "svg"}
#: a picture's width when none is given (pixels)
WIDTH: Final = 1280
#: pixels of chart per row (a lane, the loop's and threads', a resource's) when the
#: height is not given, and at least ``MIN_ROWS`` rows' worth; the chart's pixels
#: besides its rows (the time axis)
ROW: Final = 46
MIN_ROWS: Final = 3
AXIS: Final = 90
#: the chart's most pixels when the height is not given (2,000 lanes would be 92,000
#: pixels: the chart then draws its coarse level, as the window zoomed out does)
MAX_CHART: Final = 1400


@dataclass(frozen=True)
class Picture:
    """A picture written: where, its size in pixels, and the rows drawn."""

    path: Path
    width: int
    height: int
    rows: int


def offscreen_app(theme: str = "light") -> QApplication:
    """The ``QApplication`` to draw with: the one there is (left as it is: a window's, a
    test's), or one made offscreen (unless ``QT_QPA_PLATFORM`` chooses a platform) in
    ``theme``'s colours."""
    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        apply_theme(app, theme)
    assert isinstance(app, QApplication)
    return app


def render_chart(
    trace: Trace,
    path: Path,
    *,
    size: tuple[int, int] | None = None,
    width: int = WIDTH,
    theme: str = "light",
    title: str | None,
    time_range: tuple[float, float] | None = None,
    font_size: int = 11,
) -> Picture:
    """Draw ``trace``'s chart into ``path`` (PNG or SVG, by its extension: ``KINDS``),
    ``size`` pixels in all (None: ``width`` wide, as tall as its rows need); with
    ``title`` and the legend over the chart (None: the chart alone), in ``theme``, its
    time ``time_range`` seconds (None: the whole run).  Needs a ``QApplication``
    (``offscreen_app``); ``OSError`` if the file cannot be written."""
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: a picture is .png or .svg")
    palette = THEMES[theme]
    view = GanttView(palette, font_size)
    try:
        view.show_trace(trace)
        rows = view.all_rows
        width = size[0] if size is not None else width
        font = QFont(QApplication.font())
        font.setPointSize(font_size)
        header = 0
        if title is not None:
            header = Header(title, palette, font, width, resources=view.resources.lanes > 0).height
        if size is not None:
            chart_height = max(size[1] - header, 1)
        else:
            chart_height = min(AXIS + ROW * max(rows, MIN_ROWS), MAX_CHART)
        view.resize(width, chart_height)
        # laid out at this size (a widget never shown is not: its resize waits for a
        # show), shown nowhere: not even a flash on a desktop whose platform was chosen
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        view.show()
        QApplication.processEvents()
        view.fit(trace)
        plot = view.getPlotItem()
        low, high = view.fitting.lanes(rows)
        plot.setYRange(low, max(high, rows - 0.4), padding=0)  # (every lane, filling it)
        if time_range is not None:
            plot.setXRange(*time_range, padding=0)
        QApplication.processEvents()
        export_chart(view, path, kind, title, palette, font, resources=view.resources.lanes > 0)
        return Picture(path, width, header + chart_height, rows)
    finally:
        view.deleteLater()
