"""Insights on the chart: a small severity badge on each lane an insight concerns, at its
moment (issue 16), and the glyph each severity is drawn with, here and in the Insights
pane's list.

A badge sits on the lower edge of the lane's bar where the insight begins (the lane's
centre has the outcome glyphs, the gap above it the wakes' and the warnings'); one whose moment is
left of the view but whose span reaches into it is drawn at the view's left edge, so
that a zoomed-in view of a long blocking step still says there is something to read
about it.  Each severity has its own shape (an error a circle, a warning a triangle, a
hint a diamond), so colour is never the only cue, with a dark outline and a light rim
that keep it apart from the bar under it.

One item draws every badge, those in view only (a run has few insights, but a busy
one may have one per task): the badges are kept as columns (x, end, task, which
insight), placed on their lanes at paint time, since a live run's lanes move as tasks
come (``lanes``: the chart's, read when painting).  A hover over a badge says the
finding (``tooltip_at``: the chart asks each of its hover sources).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from visualizer.views.gantt import BAR
from visualizer.views.guard import painted

#: severity -> colour: red, orange, blue (apart for the common colour blindnesses by
#: their shapes too, ``paint_glyph``)
SEVERITY_COLOURS: Final = {"error": "#d32f2f", "warning": "#ef6c00", "hint": "#1565c0"}
#: a badge's size (pixels) at the usual type; it grows with bigger type, as the chart's
#: other glyphs do
BADGE = 14
BADGE_FONT = 11
#: over the bars, the arrows and the warnings' glyphs (6); under the selection (10)
BADGE_Z = 8
#: a badge's centre below its lane's centre: the bar's lower edge
BADGE_Y = BAR / 2
#: a hover this many pixels beyond a badge's edge is still on it
REACH = 3


def paint_glyph(painter: QPainter, severity: str, centre: QPointF, size: float) -> None:
    """The glyph of ``severity`` (a circle, a triangle, a diamond), ``size`` pixels
    across, centred on ``centre`` (device pixels)."""
    colour = QColor(SEVERITY_COLOURS.get(severity, SEVERITY_COLOURS["hint"]))
    half = size / 2
    x, y = centre.x(), centre.y()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    # a light rim under a dark outline: seen on a bar of any colour, and on either theme
    for pen in (QPen(QColor("#ffffff"), 3.0), QPen(QColor("#202124"), 1.2)):
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(colour)
        r = half - 1
        if severity == "error":
            painter.drawEllipse(centre, r, r)
        elif severity == "warning":
            painter.drawPolygon(
                QPolygonF(
                    [QPointF(x, y - r), QPointF(x + r, y + r * 0.8), QPointF(x - r, y + r * 0.8)]
                )
            )
        else:
            painter.drawPolygon(
                QPolygonF(
                    [QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r), QPointF(x - r, y)]
                )
            )


def severity_pixmap(severity: str, size: int) -> QPixmap:
    """The glyph of ``severity`` as a picture ``size`` pixels square (the pane's icons)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        paint_glyph(painter, severity, QPointF(size / 2, size / 2), size - 1)
    finally:
        painter.end()
    return pixmap


class InsightBadges(pg.GraphicsObject):  # type: ignore[misc]
    """Every insight's badges (``set_badges``), those in view only."""

    def __init__(self, lanes: Callable[[], npt.NDArray[np.int64]]) -> None:
        super().__init__()
        self._lanes = lanes
        self.x = np.zeros(0)
        self.end = np.zeros(0)
        self.task = np.zeros(0, np.int64)
        self.which = np.zeros(0, np.int64)  #: each badge's insight (its index)
        self.severities: list[str] = []  #: each insight's severity
        self.findings: list[str] = []  #: each insight's finding (a hover's words)
        self.size = float(BADGE)
        #: each severity's glyph, drawn once at the size: a paint draws pictures (a
        #: glyph drawn anew per badge cost a busy run's every frame 20 ms and more)
        self._glyphs: dict[str, QPixmap] = {}
        self.drawn = 0  #: badges drawn by the last paint (tests)
        self.setZValue(BADGE_Z)

    def set_badges(
        self,
        badges: Sequence[tuple[float, float, Sequence[int]]],
        severities: Sequence[str],
        findings: Sequence[str],
    ) -> None:
        """For each insight: (start, end, its tasks), its severity and its finding."""
        rows = [(s, e, t, i) for i, (s, e, tasks) in enumerate(badges) for t in tasks]
        self.prepareGeometryChange()
        self.x = np.array([r[0] for r in rows], np.float64)
        self.end = np.array([r[1] for r in rows], np.float64)
        self.task = np.array([r[2] for r in rows], np.int64)
        self.which = np.array([r[3] for r in rows], np.int64)
        self.severities = list(severities)
        self.findings = list(findings)
        self.update()

    def set_font_size(self, points: float) -> None:
        self.size = round(BADGE * max(1.0, points / BADGE_FONT))
        self._glyphs = {}
        self.update()

    def _glyph(self, severity: str) -> QPixmap:
        glyph = self._glyphs.get(severity)
        if glyph is None:
            glyph = self._glyphs[severity] = severity_pixmap(severity, round(self.size) + 2)
        return glyph

    def boundingRect(self) -> QRectF:
        # (as wide and tall as anything: the view is what is drawn, culled in ``paint``)
        return QRectF(-1e12, -1e6, 2e12, 2e6) if len(self.x) else QRectF()

    def _placed(
        self, view: QRectF, pixel: float
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """The badges in ``view``: their x (a badge whose span began left of the view,
        at its left edge, inside by half a badge), their lane, their insight."""
        lanes = self._lanes()
        known = (self.task >= 0) & (self.task < len(lanes))
        lane = np.full(len(self.task), -1e9)
        lane[known] = lanes[self.task[known]] + BADGE_Y
        left = view.left() + pixel * (self.size / 2 + 2)
        x = np.where((self.x < left) & (self.end >= view.left()), left, self.x)
        inside = (
            known
            & (x >= view.left() - pixel * self.size)
            & (x <= view.right() + pixel * self.size)
            & (lane >= view.top() - 1)
            & (lane <= view.bottom() + 1)
        )
        return x[inside], lane[inside], self.which[inside]

    @painted
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        self.drawn = 0
        view = self.viewRect()
        pixel = self.pixelWidth()
        if view is None or not len(self.x) or not pixel:
            return
        x, lane, which = self._placed(view, pixel)
        self.drawn = len(x)
        transform = painter.transform()
        painter.resetTransform()  # (badges in pixels, whatever the zoom)
        half = (round(self.size) + 2) / 2
        glyphs = {s: self._glyph(s) for s in set(self.severities)}
        for bx, by, i in zip(x.tolist(), lane.tolist(), which.tolist(), strict=True):
            centre = transform.map(QPointF(bx, by))
            painter.drawPixmap(
                QPointF(centre.x() - half, centre.y() - half), glyphs[self.severities[i]]
            )

    def insight_at(self, x: float, y: float, pixel: tuple[float, float]) -> int | None:
        """The insight whose badge is under (x, y) (view coordinates), given the view's
        size of a pixel; the nearest if several."""
        view = self.viewRect()
        width, height = pixel
        if view is None or not len(self.x) or not width or not height:
            return None
        bx, lane, which = self._placed(view, width)
        if not len(bx):
            return None
        distance = np.hypot((bx - x) / width, (lane - y) / height)
        nearest = int(np.argmin(distance))
        return int(which[nearest]) if distance[nearest] <= self.size / 2 + REACH else None

    def tooltip_at(self, x: float, y: float, pixel: tuple[float, float]) -> str | None:
        """What a hover over a badge says: the finding (the program's names in it are
        the caller's to show as text)."""
        found = self.insight_at(x, y, pixel)
        return None if found is None else self.findings[found]
