"""The lane names' column: which name each lane has, and which of them are drawn.

Only the lanes in view are named, as many as fit the column's height: with thousands of
lanes in view every name would be drawn over the others (2.3 s a frame at 10,000), and a
live chart of a service has hundreds of thousands of lanes, so nothing here walks all of
them per frame.  The names are kept as given (the task of each lane, and the names of
the loop's and the threads' rows under the tasks) and looked up for the lanes in view.

The column is as wide as the longest name needs, between ``NAMES_COLUMN`` and
``NAMES_COLUMN_MAX`` characters of the font (or a floor set by a chart stacked on the
same time axis); a longer name is shortened in the middle, never dropped (the axis draws
no text at all for a name too wide for it).  Only the longest names by characters are
measured, and in a live run only the new ones (and the newest again, as a live task
is named a moment after it is made): the column grows, it never shrinks mid-run.
"""

from __future__ import annotations

import heapq
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics

from visualizer.model.display_text import shown

#: pixels of the names' column a lane name leaves free (the tick and its gap)
NAME_MARGIN: Final = 16
#: the names' column, in font sizes (points): at least (about 14 characters), at most
#: (about 25: the bars keep the width) as wide as the longest name needs
NAMES_COLUMN: Final = 13
NAMES_COLUMN_MAX: Final = 22
#: the longest names (by characters) measured for the column's width
NAMES_MEASURED: Final = 50
#: the newest tasks' names are measured again each time (a live task is named a moment
#: after it is made)
RENAMED: Final = 1000


class LaneNames:
    """Names the lanes of one plot's left axis (``view``: its view box)."""

    def __init__(self, axis: Any, view: Any) -> None:
        self.axis = axis
        self.view = view
        self._task_at = np.zeros(0, np.int64)  #: the task in each task lane
        self._names: list[str] = []  #: each task's name (by id)
        self._rows: list[str] = []  #: the rows under the task lanes
        self._first = 0  #: the first of those rows
        self._longest: list[str] = []  #: the longest names measured so far
        self._measured = 0  #: tasks whose names were measured
        self.shown: list[tuple[int, str]] | None = None  #: the names drawn now
        self.floor = 0  #: the column is at least this wide (pixels)
        self.font = QFont()
        self.font_size = 11
        self._bounds = (0, 0)
        self.width = 0
        self._fitted: dict[str, str] = {}
        self.set_font(self.font, self.font_size)

    # --- what the lanes are ----------------------------------------------------------------
    def set(
        self, lanes: npt.NDArray[np.int64], names: list[str], rows: list[str], first: int
    ) -> None:
        """Task ``i`` is in lane ``lanes[i]`` and called ``names[i]``; ``rows`` are the
        rows from lane ``first`` on.  Tasks only come, or all of them are new (a new run,
        a history that moved on: ``reset``), so only the names past the last are measured."""
        task_at = np.zeros(len(lanes), np.int64)
        task_at[lanes] = np.arange(len(lanes))
        self._task_at, self._names, self._rows, self._first = task_at, names, rows, first
        if self._measured > len(names):
            self.reset()
        # (the newest tasks again: a live task is named a moment after it is made)
        fresh = names[max(0, self._measured - RENAMED) :]
        fresh += [name for name in rows if name not in self._longest]
        self._measured = len(names)
        self._longest = heapq.nlargest(NAMES_MEASURED, {*self._longest, *fresh}, key=len)
        self.shown = None
        self._size_column()
        self.show_in_view()

    def reset(self) -> None:
        """Every name is new: the column is sized again from the names to come."""
        self._longest, self._measured = [], 0

    @property
    def ticks(self) -> list[tuple[int, str]]:
        """Every lane and its name (for tests and small charts: it walks every lane)."""
        tasks = [(lane, self._names[int(task)]) for lane, task in enumerate(self._task_at)]
        return tasks + [(self._first + i, name) for i, name in enumerate(self._rows)]

    def name_of(self, lane: int) -> str | None:
        if 0 <= lane < len(self._task_at):
            return self._names[int(self._task_at[lane])]
        row = lane - self._first
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @property
    def lanes(self) -> int:
        return self._first + len(self._rows) if self._rows else len(self._task_at)

    # --- what is drawn ----------------------------------------------------------------------
    def show_in_view(self, *_: Any) -> None:
        """Name the lanes in view, as many as fit (every ``step``-th when crowded)."""
        (_, _), (y0, y1) = self.view.viewRange()
        top, bottom = max(int(np.floor(min(y0, y1))), 0), int(np.ceil(max(y0, y1)))
        bottom = min(bottom, self.lanes - 1)
        pixels = max(self.view.height(), 1.0) / max(bottom - top, 1)
        step = max(1, int(np.ceil(self.font_size * 1.6 / pixels)))
        shown = []
        for lane in range(top - top % step if step > 1 else top, bottom + 1, step):
            if lane < top:
                continue
            name = self.name_of(lane)
            if name is not None:
                shown.append((lane, self._fit(name)))
        if shown != self.shown:
            self.shown = shown
            self.axis.setTicks([shown, []])

    def _fit(self, name: str) -> str:
        """``name`` shortened in the middle to fit the column."""
        text = self._fitted.get(name)
        if text is None:
            metrics = QFontMetrics(self.font)
            mode = Qt.TextElideMode.ElideMiddle
            text = metrics.elidedText(shown(name), mode, self.width - NAME_MARGIN)
            self._fitted[name] = text
        return text

    # --- the column ---------------------------------------------------------------------------
    def set_font(self, font: QFont, size: int) -> None:
        self.font, self.font_size = font, size
        self._bounds = (int(size * NAMES_COLUMN), int(size * NAMES_COLUMN_MAX))
        self.width = self._bounds[0]
        self.axis.setWidth(self.width)
        self._fitted = {}
        if self._names or self._rows:  # (names already shown: again, fitted to the new size)
            self.shown = None
            self._size_column()
            self.show_in_view()

    def set_floor(self, pixels: int) -> None:
        """The column at least ``pixels`` wide (0: as wide as its names need)."""
        self.floor = pixels
        if self._names or self._rows:
            self.shown = None
            self._size_column()
            self.show_in_view()

    def _size_column(self) -> None:
        metrics = QFontMetrics(self.font)
        needed = max((metrics.horizontalAdvance(shown(name)) for name in self._longest), default=0)
        needed += 1  # (Qt's elidedText wants a pixel more than the text's advance)
        width = int(np.clip(needed + NAME_MARGIN, *self._bounds))
        width = max(width, self.floor)
        if width != self.width:
            self.width = width
            self._fitted = {}
            self.axis.setWidth(width)
