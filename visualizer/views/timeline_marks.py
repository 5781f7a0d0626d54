"""Labelled instants on the chart: asyncio's and Python's warnings, and the program's notes.

A warning (a task's exception never retrieved, a coroutine never awaited, a slow
callback in debug mode) is drawn on the lane of the task it concerns, at the moment
it was reported, with its first line beside it: on a projector it must be read
without hovering.  The full text is the tooltip (over the glyph or the label).  Marks
are few (the recorder keeps at most a thousand), so each label is its own text item;
past ``MAX_LABELS`` only the glyphs are drawn.

A label is never cut by the chart's edge (``place``, at every change of the view): it
reads rightwards from its glyph if it fits there, else leftwards if it fits there,
else on the side with more room, shortened with an ellipsis to that room.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF

from visualizer.model.display_text import shown, shown_lines
from visualizer.trace.data import Mark

#: (by this name, lupdate finds each ``translate("Marks", "...")`` below)
translate = QCoreApplication.translate

#: kind -> (symbol, colour); a kind not listed is drawn as a note
MARK_STYLES = {
    "warning": ("star", "#ef6c00"),
    "note": ("t", "#1565c0"),  # (a downward triangle: a pin on the lane)
}
#: with more marks than this, glyphs only (labels would pile up)
MAX_LABELS = 60
#: a label is cut to this many characters (the tooltip has more: TOOLTIP_CHARS)
LABEL_CHARS = 64
#: characters of a mark's full text in its tooltip
TOOLTIP_CHARS = 2000
#: the glyph sits this far above the lane's centre, in the gap over the bar, as a
#: wake's mark does; its label to its right
MARK_Y = 0.5
#: pixels beside a label's text besides the text: the glyph's half, the space before
#: the text, the text item's margins
LABEL_MARGIN = 16
#: a label is not shortened under this many characters (and an ellipsis)
MIN_CHARS = 6
#: a label is centred on its glyph's height; on the first lane, whose gap above is the
#: chart's top edge, it hangs lower (a fraction of its height above the glyph's centre)
#: so that the edge does not cut it
TOP_ANCHOR = 0.25
#: a hover this many pixels from a glyph's centre is on it
REACH = 8
#: a glyph's size (pixels) at the usual type; it grows with bigger type (the labels' font)
GLYPH = 13
GLYPH_FONT = 11


class TimelineMarks:
    """Scatter glyphs (one item per kind) and text labels for a trace's marks."""

    def __init__(self, plot: pg.PlotItem, font: QFont) -> None:
        self.plot = plot
        self.font = font
        self.glyphs: dict[str, pg.ScatterPlotItem] = {}
        for kind, (symbol, colour) in MARK_STYLES.items():
            item = pg.ScatterPlotItem(
                pxMode=True, size=GLYPH, symbol=symbol, brush=colour, pen=pg.mkPen("#202124")
            )
            item.setZValue(6)
            plot.addItem(item)
            self.glyphs[kind] = item
        self.labels: list[pg.TextItem] = []
        self.texts: list[str] = []  #: each label's whole text (as shown: bounded)
        self.placed: list[tuple[str, bool]] = []  #: each label as laid out: (text, leftwards)
        self.marks: list[Mark] = []
        self.x = np.zeros(0)
        self.y = np.zeros(0)

    def set_marks(self, marks: Sequence[Mark], lanes: np.ndarray, loop_row: int) -> None:
        """Show ``marks``: a task's on its lane (``lanes[task]``), the rest on the loop's
        row, each with its label (laid out by ``place``)."""
        marks = list(marks)
        lane = np.array(
            [
                lanes[m.task] if m.task is not None and 0 <= m.task < len(lanes) else loop_row
                for m in marks
            ],
            np.float64,
        )
        x = np.array([m.t for m in marks], np.float64)
        y = lane - MARK_Y
        if marks == self.marks and np.array_equal(y, self.y):
            return  # (a live frame: nothing new)
        self.marks, self.x, self.y = marks, x, y
        kinds = np.array([m.kind if m.kind in MARK_STYLES else "note" for m in marks])
        for kind, item in self.glyphs.items():
            which = kinds == kind if len(marks) else np.zeros(0, bool)
            item.setData(x=x[which], y=y[which])
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels, self.texts, self.placed = [], [], []
        if len(marks) > MAX_LABELS:
            return
        for mark, mx, my in zip(marks, x, y, strict=True):
            colour = MARK_STYLES.get(mark.kind, MARK_STYLES["note"])[1]
            label = pg.TextItem("", color=QColor(colour))
            label.setFont(self.font)
            label.setPos(float(mx), float(my))
            label.setZValue(6)
            self.plot.addItem(label)
            self.labels.append(label)
            self.texts.append(shown(mark.label, LABEL_CHARS))
            self.placed.append(("", False))
        self.place()

    def place(self, *_: object) -> None:
        """Lay each label out in the view: rightwards of its glyph if it fits, else
        leftwards if it fits, else on the side with more room, shortened with an
        ellipsis to fit it (the tooltip has it whole)."""
        if not self.labels:
            return
        view = self.plot.getViewBox()
        (x0, x1), _ = view.viewRange()
        px = view.viewPixelSize()[0]
        if not px:
            return
        metrics = QFontMetricsF(self.font)
        for i, (label, text) in enumerate(zip(self.labels, self.texts, strict=True)):
            mx, my = float(self.x[i]), float(self.y[i])
            right = (x1 - mx) / px - LABEL_MARGIN
            left = (mx - x0) / px - LABEL_MARGIN
            width = metrics.horizontalAdvance(text)
            leftwards = width > right and (width <= left or left > right)
            room = left if leftwards else right
            if width > room:
                least = metrics.horizontalAdvance(text[:MIN_CHARS] + "\u2026")
                text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(room, least))
            if self.placed[i] == (text, leftwards):
                continue
            self.placed[i] = (text, leftwards)
            label.setText(f"{text} " if leftwards else f" {text}")  # (a space by the glyph)
            label.setAnchor((1.0 if leftwards else 0.0, TOP_ANCHOR if my < 0 else 0.5))

    def mark_of_label_at(self, scene: QPointF) -> Mark | None:
        """The mark whose label is under ``scene`` (a point of the scene), if any."""
        for label, mark in zip(self.labels, self.marks, strict=False):
            if label.isVisible() and label.sceneBoundingRect().contains(scene):
                return mark
        return None

    def set_font(self, font: QFont) -> None:
        self.font = font
        for label in self.labels:
            label.setFont(font)
        self.placed = [("", False)] * len(self.labels)
        self.place()
        size = round(GLYPH * max(1.0, font.pointSizeF() / GLYPH_FONT))
        for item in self.glyphs.values():
            item.setSize(size)

    def mark_at(self, x: float, y: float, pixel: tuple[float, float]) -> Mark | None:
        """The mark whose glyph is under (x, y), given the view's size of a pixel."""
        width, height = pixel
        if not len(self.marks) or not width or not height:
            return None
        distance = np.hypot((self.x - x) / width, (self.y - y) / height)
        nearest = int(np.argmin(distance))
        glyph = next(iter(self.glyphs.values())).opts["size"]  # (bigger with big type)
        reach = max(REACH, glyph / 2 + 2)
        return self.marks[nearest] if distance[nearest] <= reach else None


def mark_tooltip(mark: Mark) -> str:
    """What a hover over a mark says: its kind, when, and its full text (the text is
    the program's or asyncio's own: not translated)."""
    if mark.kind == "warning":
        head = translate("Marks", "warning at {t} s").format(t=f"{mark.t:.3f}")
    else:
        head = translate("Marks", "note at {t} s").format(t=f"{mark.t:.3f}")
    return f"{head}\n{shown_lines(mark.detail, TOOLTIP_CHARS) or shown(mark.label)}"
