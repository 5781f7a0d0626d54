"""pyqtgraph's ``InfiniteLine``, made safe to be asked for its bounds at any moment.

Qt asks a graphics item for its bounds whenever it likes, from C++: also while the view
it sits in is being torn down (a window closed, a chart replaced, a test's widget
deleted, events processed in between).  pyqtgraph's ``InfiniteLine`` then reads the size
of a view box that is already gone and raises ``AttributeError``; an exception raised
into Qt from C++ is what PySide 6.10-6.12 can turn into a segfault (seen on Python 3.12
with PySide 6.12, in a test that drew nothing, from a line left by an earlier one; 6.12
went on crashing there without any exception of ours, so the project also pins PySide
below 6.12).  So every vertical line of ours is a ``SafeLine``: without a view it has no bounds
and draws nothing, as ``views/guard.py`` does for our own items' paints.  The lines
pyqtgraph makes itself (the two edges of a ``LinearRegionItem``: the time cursor's veil,
the forgotten history's band) are plain ``InfiniteLine``s, so the bound is computed
safely for every ``InfiniteLine`` once this module is imported (``_computeBoundingRect``
is pyqtgraph's own seam for it: ``boundingRect`` caches what it returns).
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QRectF

from visualizer.views.guard import painted

_compute_bounds = pg.InfiniteLine._computeBoundingRect


def _safe_bounds(line: pg.InfiniteLine) -> QRectF:
    """pyqtgraph's bound, or none while the line's view is gone."""
    if line.getViewBox() is None:
        return QRectF()
    try:
        return _compute_bounds(line)
    except (AttributeError, RuntimeError, TypeError):  # (its view went meanwhile)
        return QRectF()


pg.InfiniteLine._computeBoundingRect = _safe_bounds


class SafeLine(pg.InfiniteLine):  # type: ignore[misc]
    """An ``InfiniteLine`` whose bounds and paint never raise into Qt."""

    def boundingRect(self) -> QRectF:
        try:
            return super().boundingRect()
        except (AttributeError, RuntimeError, TypeError):  # (its view is gone)
            return QRectF()

    @painted
    def paint(self, painter: Any, *args: Any) -> None:
        super().paint(painter, *args)
