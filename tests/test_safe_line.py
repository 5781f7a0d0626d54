"""A vertical line asked for its bounds while its view is being torn down (issue 13's
review: the 3.12 test run died in Qt's C++ with pyqtgraph's ``InfiniteLine`` raising
there).  Ours answers with no bounds instead of raising into Qt."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF

from visualizer.views.lines import SafeLine, _compute_bounds


def _torn_down(line: pg.InfiniteLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The moment it happens: the line still has a view rect, its view box is gone."""
    monkeypatch.setattr(line, "viewRect", lambda: QRectF(0, 0, 1, 1))
    monkeypatch.setattr(line, "getViewBox", lambda: None)
    line._boundingRect = None  # (pyqtgraph caches it: ask again)


def test_ours_has_no_bounds_then(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    line = SafeLine(angle=90)
    plot.addItem(line)
    _torn_down(line, monkeypatch)
    assert line.boundingRect() == QRectF()


def test_pyqtgraphs_own_lines_too(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The edges of a region (the time cursor's veil) are pyqtgraph's own lines: the 3.12
    crash came from one of them."""
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    region = pg.LinearRegionItem(values=(0.0, 1.0))
    plot.addItem(region)
    for line in region.lines:
        _torn_down(line, monkeypatch)
        with pytest.raises(AttributeError):  # (pyqtgraph's own computation, unguarded)
            _compute_bounds(line)
        assert line.boundingRect() == QRectF()
    # (and where the view is there, the bound is pyqtgraph's as ever)
    whole = pg.InfiniteLine(angle=90)
    plot.addItem(whole)
    assert whole.boundingRect() != QRectF()
