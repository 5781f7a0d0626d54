"""Arrows between lanes: who created a task, and who woke it.

A wake arrow runs, at the moment of the wake, from the waking task's lane (its step
completed what the other awaited: released the Lock, put into the Queue, cancelled
it...) to the woken task's lane, where its ready bar begins.  A creation arrow runs from
the parent's lane to the child's at the moment of creation, dashed.  Wakes that no task
caused get a mark where the ready bar begins, in the gap above it: a timer's or I/O's
with a short arrow down into the bar; a thread's with an arrow from the row of the
executor thread whose job completed.

Only arrows inside the view are drawn, and none when more than ``MAX_ARROWS`` would be:
past that they hide the bars they explain.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from visualizer.views.gantt import BAR
from visualizer.views.guard import painted

MAX_ARROWS = 600
#: arrowhead size in pixels
HEAD = 7.0


class Arrows(pg.GraphicsObject):  # type: ignore[misc]
    """Vertical arrows at given times, from one lane to another (lanes in data units)."""

    def __init__(self, colour: str, *, dashed: bool = False) -> None:
        super().__init__()
        self._x = np.zeros(0)
        self._from = np.zeros(0)
        self._to = np.zeros(0)
        self._colour = QColor(colour)
        self._dashed = dashed
        self._scale = 1.0  #: line and head sizes grow with the chart's type (``set_scale``)
        self._bounds = QRectF()
        self.drawn = 0  #: arrows drawn in the last paint (tests)

    def set_arrows(
        self, x: npt.ArrayLike, lane_from: npt.ArrayLike, lane_to: npt.ArrayLike
    ) -> None:
        self.prepareGeometryChange()
        # (the arrows kept chosen before any is made float: at 100,000 tasks a million
        # wakes are a task's own, and their float64 copies were a 45 MB peak of opening)
        lane_from, lane_to = np.asarray(lane_from), np.asarray(lane_to)
        keep = lane_from != lane_to  # a task that woke itself: nothing to draw
        self._x = np.asarray(np.asarray(x)[keep], np.float64)
        self._from = np.asarray(lane_from[keep], np.float64)
        self._to = np.asarray(lane_to[keep], np.float64)
        if len(self._x):
            low = float(min(self._from.min(), self._to.min()))
            high = float(max(self._from.max(), self._to.max()))
            self._bounds = QRectF(
                float(self._x.min()), low, float(np.ptp(self._x)) or 1e-9, high - low
            )
        else:
            self._bounds = QRectF()
        self.update()

    def set_colour(self, colour: str) -> None:
        self._colour = QColor(colour)
        self.update()

    def set_scale(self, scale: float) -> None:
        """Lines and heads ``scale`` times as thick and big: a chart in big type (a
        projector) gets arrows to match."""
        self._scale = scale
        self.update()

    def count(self) -> int:
        return len(self._x)

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    @painted
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        self.drawn = 0
        view = self.viewRect()
        if view is None or not len(self._x):
            return
        top, bottom = min(view.top(), view.bottom()), max(view.top(), view.bottom())
        low, high = np.minimum(self._from, self._to), np.maximum(self._from, self._to)
        seen = (
            (self._x >= view.left()) & (self._x <= view.right()) & (high >= top) & (low <= bottom)
        )
        index = np.flatnonzero(seen)
        if not len(index) or len(index) > MAX_ARROWS:
            return
        to_device = painter.worldTransform()
        x = self._x[index]
        a, b = self._from[index], self._to[index]
        down = b > a
        # from the edge of the source bar to the edge of the target bar, in device pixels
        half = np.where(down, BAR / 2, -BAR / 2)
        xs = x * to_device.m11() + to_device.dx()
        y0 = (a + half) * to_device.m22() + to_device.dy()
        y1 = (b - half) * to_device.m22() + to_device.dy()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(self._colour, 1.5 * self._scale)
        if self._dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        # one call for every line and one for every head (a call per arrow cost 2.5 ms
        # for the 200 creation arrows of a busy run's first second); arrows that leave
        # one bar in the same pixel column the same way lie on one line: drawn once,
        # as long as the longest (200 dashed lines over each other cost a frame 10 ms)
        column = np.round(xs).astype(np.int64)
        _, group = np.unique(
            np.stack([column, np.round(y0 * 4), down]), axis=1, return_inverse=True
        )
        group = group.reshape(-1)
        reach = np.where(down, y1, -y1)
        longest = np.full(int(group.max()) + 1, -np.inf)
        np.maximum.at(longest, group, reach)
        firsts = np.unique(group, return_index=True)[1]
        tips = np.where(down[firsts], 1.0, -1.0) * longest[group[firsts]]
        painter.drawLines(
            [
                QLineF(p, q, p, r)
                for p, q, r in zip(
                    xs[firsts].tolist(), y0[firsts].tolist(), tips.tolist(), strict=True
                )
            ]
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._colour)
        painter.drawPath(_heads(xs, np.where(y1 >= y0, 1.0, -1.0), y1, HEAD * self._scale))
        self.drawn = len(index)
        painter.restore()


def _heads(
    x: npt.NDArray[np.float64],
    sign: npt.NDArray[np.float64],
    tip: npt.NDArray[np.float64],
    head: float = HEAD,
) -> QPainterPath:
    """Arrowheads at (``x``, ``tip``), pointing down (``sign`` 1) or up (-1), in device
    pixels: one path of closed triangles, built from arrays (``pg.arrayToQPath``; a
    polygon per head, made in Python, cost a frame with 200 arrows 1.6 ms)."""
    back = tip - sign * head
    xs = np.stack([x, x - head / 2, x + head / 2, x], axis=1).reshape(-1)
    ys = np.stack([tip, back, back, tip], axis=1).reshape(-1)
    connect = np.ones(len(xs), np.int32)
    connect[3::4] = 0  # (each triangle closes on its tip; the next starts afresh)
    return pg.arrayToQPath(xs, ys, connect=connect, finiteCheck=False)
