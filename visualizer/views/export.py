"""The chart as a picture to keep or put on a slide: PNG or SVG, with a title, the legend
and the time axis.

Why not the chart alone: an exported chart is read away from the window, on a slide or
in notes, weeks later.  Without its legend its colours and glyphs say nothing, and
without a title nobody knows which program, which clock (a virtual clock's seconds are
not the wall's) or which day.  So the picture is a header (the title, then the legend,
wrapped to the picture's width) over the chart widget as it is on screen, with its lane
names and time axis.

One painting for both: ``_paint`` draws into a ``QImage`` (PNG) or into
``QSvgGenerator`` (SVG: its words stay text, searchable and sharp at any size).
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize
from PySide6.QtGui import QColor, QFont, QImage, QImageWriter, QPainter, QTextDocument
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsView

from visualizer.views.gantt import Palette
from visualizer.views.legend import legend_html

#: pixels around the header's text
MARGIN = 10
#: the title's type, this many times the chart's
TITLE_SCALE = 1.3
#: a PNG has this many pixels per pixel of the screen: 1, as the chart is drawn there
#: (glyphs, arrows, labels and warnings are drawn in screen pixels: at 2 they came out
#: half the size of the bars and words around them)
PNG_SCALE = 1


class Header:
    """The title and the legend, laid out for a picture ``width`` pixels wide."""

    def __init__(
        self, title: str, palette: Palette, font: QFont, width: int, *, resources: bool = True
    ) -> None:
        colour = QColor(palette.foreground).name()
        self.title = QTextDocument()
        big = QFont(font)
        big.setPointSizeF(font.pointSizeF() * TITLE_SCALE)
        big.setBold(True)
        self.title.setDefaultFont(big)
        self.title.setDefaultStyleSheet(f"body {{ color: {colour}; }}")
        self.title.setHtml(f"<body>{html.escape(title)}</body>")
        self.title.setTextWidth(width - 2 * MARGIN)
        self.legend = QTextDocument()
        self.legend.setDefaultFont(font)
        self.legend.setDefaultStyleSheet(f"body {{ color: {colour}; }}")
        self.legend.setHtml(f"<body>{legend_html(palette, resources=resources)}</body>")
        self.legend.setTextWidth(width - 2 * MARGIN)
        self.height = int(
            MARGIN + self.title.size().height() + self.legend.size().height() + MARGIN / 2
        )

    def paint(self, painter: QPainter) -> None:
        painter.save()
        painter.translate(MARGIN, MARGIN)
        self.title.drawContents(painter)
        painter.translate(0, self.title.size().height())
        self.legend.drawContents(painter)
        painter.restore()


def export_chart(
    chart: QGraphicsView,
    path: Path,
    kind: str,
    title: str | None,
    palette: Palette,
    font: QFont,
    *,
    resources: bool = True,
) -> None:
    """Write ``chart`` with ``title`` and the legend to ``path`` as ``kind`` (png, svg);
    the legend of the resources' rows if ``resources`` (the chart shows them).  No title
    (None): the chart alone (a page that says what it is around it: the catalogue's)."""
    width, height = chart.width(), chart.height()
    header = None if title is None else Header(title, palette, font, width, resources=resources)
    size = QSize(width, (0 if header is None else header.height) + height)
    if kind == "png":
        image = QImage(size * PNG_SCALE, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor(palette.background))
        painter = QPainter(image)
        painter.scale(PNG_SCALE, PNG_SCALE)
        try:
            _paint(painter, chart, header, size, palette)
        finally:
            painter.end()
        writer = QImageWriter(str(path), QByteArray(b"png"))  # (whatever the name ends in)
        if not writer.write(image):
            raise OSError(f"cannot write {path}: {writer.errorString()}")
        return
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(size)
    # the screen's dots per inch, not the generator's 72: type in points, and the axes
    # laid out by it, came out at three quarters of the size, off the bars' grid
    generator.setResolution(chart.logicalDpiX())
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(title or "")
    painter = QPainter(generator)
    try:
        _paint(painter, chart, header, size, palette)
    finally:
        painter.end()


def _paint(
    painter: QPainter, chart: QGraphicsView, header: Header | None, size: QSize, palette: Palette
) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.fillRect(QRectF(0, 0, size.width(), size.height()), QColor(palette.background))
    if header is not None:
        header.paint(painter)
    # the view's scene (bars, lane names, axis) into its place: the view's own
    # ``render``, not the widget's (that one scaled the chart twice on a scaled painter)
    top = 0 if header is None else header.height
    target = QRectF(0, top, chart.width(), chart.height())
    chart.render(painter, target, chart.viewport().rect())
