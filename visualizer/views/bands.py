"""Blocked intervals: red bands across every lane, where a step or callback held the
loop at least the threshold (``slow_callback_duration``): nothing else could run."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from visualizer.views.guard import painted

BLOCKED = QColor(211, 47, 47, 60)


class Bands(pg.GraphicsObject):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self._start = np.zeros(0)
        self._end = np.zeros(0)
        self._top = self._bottom = 0.0
        self.setZValue(-1)  # under the bars

    def set_bands(
        self, start: npt.ArrayLike, end: npt.ArrayLike, top: float, bottom: float
    ) -> None:
        self.prepareGeometryChange()
        self._start = np.asarray(start, np.float64)
        self._end = np.asarray(end, np.float64)
        self._top, self._bottom = top, bottom
        self.update()

    def count(self) -> int:
        return len(self._start)

    def boundingRect(self) -> QRectF:
        if not len(self._start):
            return QRectF()
        left = float(self._start.min())
        return QRectF(left, self._top, float(self._end.max()) - left, self._bottom - self._top)

    @painted
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        px = self.pixelWidth() or 0.0
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BLOCKED)
        for start, end in zip(self._start.tolist(), self._end.tolist(), strict=True):
            width = max(end - start, 2 * px)  # at least two pixels: never invisible
            painter.drawRect(QRectF(start, self._top, width, self._bottom - self._top))
