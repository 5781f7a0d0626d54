"""Lanes picked out: the tasks that used a resource clicked (issue 15), each lane tinted
and outlined across the view, under the bars, as the bar clicked is outlined (the
chart's ``selection``: the foreground colour, two pixels)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from visualizer.views.gantt import LIGHT, Palette
from visualizer.views.guard import painted

#: the tint's opacity (0-255) over a lane picked out
TINT_ALPHA = 48
#: under the bars (0), over the blocked loop's bands (-1)
HIGHLIGHT_Z = -0.5


class LaneHighlight(pg.GraphicsObject):  # type: ignore[misc]
    """Tints and outlines whole lanes (``set_lanes``), those in view only."""

    def __init__(self, palette: Palette = LIGHT) -> None:
        super().__init__()
        self._palette = palette
        self.lanes: npt.NDArray[np.int64] = np.zeros(0, np.int64)
        self._rects = internals.PrimitiveArray(QRectF, 4)
        self._bounds = QRectF()
        self.setZValue(HIGHLIGHT_Z)
        self.drawn = 0  #: lanes drawn in the last paint (tests)

    def set_lanes(self, lanes: npt.ArrayLike) -> None:
        found = np.unique(np.asarray(lanes, np.int64))
        if np.array_equal(found, self.lanes):
            return
        self.prepareGeometryChange()
        self.lanes = found
        # (as wide as anything: the view is what is drawn)
        self._bounds = (
            QRectF(-1e12, float(found.min()) - 0.5, 2e12, float(found.max() - found.min()) + 1)
            if len(found)
            else QRectF()
        )
        self.update()

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    @painted
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        self.drawn = 0
        view = self.viewRect()
        if view is None or not len(self.lanes):
            return
        lanes = self.lanes[(self.lanes >= view.top() - 1) & (self.lanes <= view.bottom() + 1)]
        if not len(lanes):
            return
        self.drawn = len(lanes)
        self._rects.resize(len(lanes))
        rects = self._rects.ndarray()
        rects[:, 0], rects[:, 2] = view.left(), view.width()
        rects[:, 1], rects[:, 3] = lanes - 0.5, 1.0
        tint = QColor(self._palette.running)
        tint.setAlpha(TINT_ALPHA)
        pen = QPen(QColor(self._palette.foreground), 2)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(tint)
        painter.drawRects(*self._rects.drawargs())
        painter.setBrush(Qt.BrushStyle.NoBrush)
