"""The time a window forgot, shaded: a long run is kept to a moving window of history
(``visualizer.model.history``), and the chart must not let an empty stretch before it
pass for a quiet program.  A grey band covers the run's time before the history kept,
and a line at its edge says in words what went (how many tasks, how many spans)."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from visualizer.views.gantt import Palette
from visualizer.views.lines import SafeLine

#: the band's opacity (0-255) of the palette's foreground: seen, and under the bars
SHADE_ALPHA = 28
#: the opacity of the line at its edge
EDGE_ALPHA = 150


class ForgottenShade:
    """The band and its line on a plot; hidden until a trace says it forgot."""

    def __init__(self, plot: Any, palette: Palette) -> None:
        self.band = pg.LinearRegionItem(values=(0.0, 0.0), movable=False)
        self.band.setZValue(-20)  # (under the bars: only the empty past is shaded)
        self.line = SafeLine(angle=90, movable=False)
        self.line.setZValue(15)
        self.label = pg.InfLineLabel(
            self.line, text="", position=0.97, anchors=[(1, 0), (1, 0)], rotateAxis=(1, 0)
        )
        for item in (self.band, self.line):
            item.hide()
            plot.addItem(item, ignoreBounds=True)
        self._shown: tuple[float, int, int] | None = None
        self.set_palette(palette)

    def set_palette(self, palette: Palette) -> None:
        shade = QColor(palette.foreground)
        shade.setAlpha(SHADE_ALPHA)
        self.band.setBrush(pg.mkBrush(shade))
        for line in self.band.lines:
            line.setPen(pg.mkPen(None))
        edge = QColor(palette.foreground)
        edge.setAlpha(EDGE_ALPHA)
        self.line.setPen(pg.mkPen(edge, width=1, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.label.setColor(QColor(palette.foreground))

    def show(self, meta: dict[str, Any]) -> None:
        """What ``meta["forgotten"]`` says (cheap when nothing changed: called each frame)."""
        forgotten = meta.get("forgotten")
        if not isinstance(forgotten, dict) or not isinstance(forgotten.get("before"), int | float):
            if self._shown is not None:
                self._shown = None
                self.band.hide()
                self.line.hide()
            return
        before = float(forgotten["before"])
        tasks, spans = forgotten.get("tasks"), forgotten.get("spans")
        key = (
            before,
            tasks if isinstance(tasks, int) else 0,
            spans if isinstance(spans, int) else 0,
        )
        if key == self._shown:
            return
        self._shown = key
        self.band.setRegion((0.0, before))
        self.line.setValue(before)
        self.label.setFormat(
            QCoreApplication.translate(
                "GanttView", "history before {time} s let go: {tasks} tasks, {spans} spans"
            ).format(time=f"{before:.1f}", tasks=f"{key[1]:,}", spans=f"{key[2]:,}")
        )
        self.band.show()
        self.line.show()
