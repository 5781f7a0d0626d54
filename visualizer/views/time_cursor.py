"""The time cursor: a line a teacher drags across a finished run, the future dimmed.

Why a veil in the background's colour over [t, end] rather than fading the bars
themselves: one translucent item costs nothing to move at mouse rate whatever the
trace's size, it fades every kind of mark alike (bars, arrows, glyphs, labels), and
in the background's colour it reads as "not yet" in a light theme, a dark one, and
on a washed-out projector (the bars stay visible, a step fainter, never hidden).
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtGui import QColor, QFont

from visualizer.views.gantt import Palette
from visualizer.views.lines import SafeLine

#: how much of the background's colour covers the future (0: none, 255: all of it)
VEIL_ALPHA = 175
#: the cursor line's width in pixels, and when the mouse is on it (grab me)
LINE_WIDTH = 3
HOVER_WIDTH = 6
#: above the bars (0), marks (5, 6) and the selection (10); the line over the veil
VEIL_Z = 15
LINE_Z = 25


class TimeCursor(QObject):
    """A movable vertical line at ``t`` over the chart's ``plot``, and a veil over
    [t, end].  ``moved`` says where it went (dragged, or put there), ``shown`` when it
    appears or goes; the chart's owner reads the states at ``t`` (attributes down:
    ``set_end``, ``show_at``, ``hide``; messages up: the signals)."""

    moved = Signal(float)
    shown = Signal(bool)

    def __init__(self, plot: Any, palette: Palette) -> None:
        super().__init__()
        self._plot = plot
        self.end = 0.0  #: the trace's end: the cursor stays in [0, end]
        self.line = SafeLine(
            pos=0.0,
            angle=90,
            movable=True,
            label="{value:.3f} s",
            # the time at the line's foot, by the time axis, read like a ruler: on the
            # line's right, or on its left in the right half of the view (never cut off)
            labelOpts={"position": 0.99, "movable": False, "anchors": [(0, 1), (1, 1)]},
        )
        self.line.setZValue(LINE_Z)
        self.veil = pg.LinearRegionItem(
            values=(0.0, 0.0), orientation="vertical", movable=False, pen=pg.mkPen(None)
        )
        self.veil.setZValue(VEIL_Z)
        for line in self.veil.lines:  # (the veil's edges: the cursor is its only line)
            line.setPen(pg.mkPen(None))
        plot.addItem(self.veil, ignoreBounds=True)
        plot.addItem(self.line, ignoreBounds=True)
        self.line.sigPositionChanged.connect(self._moved)
        self.set_palette(palette)
        self._visible = True
        self.hide()

    # --- where it is --------------------------------------------------------------------
    def value(self) -> float:
        return float(self.line.value())

    def isVisible(self) -> bool:
        return self._visible

    def set_end(self, end: float) -> None:
        """The trace shown ends at ``end``: the cursor stays within [0, end]."""
        self.end = max(float(end), 0.0)
        self.line.setBounds((0.0, self.end))
        if self.value() > self.end:
            self.line.setValue(self.end)  # (moves the veil too)
        else:
            self._place_veil(self.value())

    def show_at(self, t: float) -> None:
        """The cursor at ``t`` (clamped to the trace), shown; ``moved`` says so."""
        t = min(max(float(t), 0.0), self.end)
        appearing = not self._visible
        self._visible = True
        self.line.show()
        self.veil.show()
        if t == self.value():
            self._moved()  # (same place: the owner still reads it, it was hidden)
        else:
            self.line.setValue(t)
        if appearing:
            self.shown.emit(True)

    def hide(self) -> None:
        if not self._visible:
            return
        self._visible = False
        self.line.hide()
        self.veil.hide()
        self.shown.emit(False)

    def place_from_axis(self, scene_pos: QPointF) -> bool:
        """A click on the time axis at ``scene_pos`` puts the cursor there (True);
        a click elsewhere is not the cursor's (False)."""
        axis = self._plot.getAxis("bottom")
        # the axis's own strip (its bounding rect spans the plot too: it draws the grid)
        if not axis.parentItem().mapRectToScene(axis.geometry()).contains(scene_pos):
            return False
        self.show_at(self._plot.getViewBox().mapSceneToView(scene_pos).x())
        return True

    def _moved(self, *_: Any) -> None:
        t = self.value()
        self._place_veil(t)
        if self._visible:
            self.moved.emit(t)

    def _place_veil(self, t: float) -> None:
        self.veil.setRegion((t, max(self.end, t)))

    # --- how it looks -------------------------------------------------------------------
    def set_palette(self, palette: Palette) -> None:
        """Line and label in the foreground's colour, the veil in the background's."""
        self.line.setPen(pg.mkPen(palette.foreground, width=LINE_WIDTH))
        self.line.setHoverPen(pg.mkPen(palette.foreground, width=HOVER_WIDTH))
        self.line.label.setColor(palette.background)
        self.line.label.fill = pg.mkBrush(palette.foreground)
        self.line.label.update()
        veil = QColor(palette.background)
        veil.setAlpha(VEIL_ALPHA)
        self.veil.setBrush(pg.mkBrush(veil))
        self.veil.setHoverBrush(pg.mkBrush(veil))

    def set_font(self, font: QFont) -> None:
        bold = QFont(font)
        bold.setBold(True)
        self.line.label.setFont(bold)
