"""The chart's resource rows as lanes (issue 15): where they go, what their names say,
what hovering and clicking them does.

Under the task lanes and the loop's and threads' rows: a header lane (``▾ resources
(4)``; a click folds the rows into it, another unfolds them), then a row per resource
in the order they were made, each named at the left like a task's lane (``queue
Queue(2)``, in the lane names' font: a projector's big type too).  The View menu's
"Resource rows" takes them all away (``set_shown``); a run without resources has none
and pays nothing.

Hover a row: the resource, its state at that instant (``state_words``) and the tasks
waiting on it then.  Click a row or its name: the lanes of the tasks that used it are
picked out (``LaneHighlight``); a click on it again, or anywhere else, clears them.

The rows are derived once per trace shown (``RowsCache``), or as a live run's
resources change (``LiveRows``), never per frame for nothing.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont

from visualizer.model.display_text import shown
from visualizer.model.live_resources import LiveRows, RowsCache
from visualizer.model.resource_states import ResourceRow, state_words
from visualizer.trace.data import SpanColumns, Trace
from visualizer.views.gantt import LIGHT, Palette
from visualizer.views.lane_highlight import LaneHighlight
from visualizer.views.resource_rows import ResourceRowsItem, kind_text, row_label

FOLDED, UNFOLDED = "\u25b8", "\u25be"  # ▸ ▾
#: the waiting tasks a tooltip names, at most
TOOLTIP_NAMES = 10


#: (by this name, lupdate finds each ``translate("ResourceRows", "...")`` below)
translate = QCoreApplication.translate


class ResourceLanes:
    """The resource rows of one chart (its ``plot``): lanes from ``first`` on."""

    def __init__(self, plot: Any, palette: Palette = LIGHT) -> None:
        self.item = ResourceRowsItem(palette)
        self.highlight = LaneHighlight(palette)
        plot.addItem(self.item, ignoreBounds=True)
        plot.addItem(self.highlight, ignoreBounds=True)
        self._cache = RowsCache()
        self._live = LiveRows()
        self.rows: list[ResourceRow] = []  #: the rows of the trace shown (or the run so far)
        self.shown = True  #: the View menu's "Resource rows"
        self.collapsed = False  #: folded into the header
        self.first = 0  #: the header's lane
        #: the resource whose users are picked out (its id), if any
        self.selected: int | None = None
        self._names: list[str] = []  #: each task's name, by id
        self._task_lanes: npt.NDArray[np.int64] = np.zeros(0, np.int64)
        self._layout: tuple[int, tuple[str, ...]] = (0, ())

    # --- the lanes ----------------------------------------------------------------------
    @property
    def lanes(self) -> int:
        """Lanes the rows take: none, the header alone (folded), or it and a row each."""
        if not self.shown or not self.rows:
            return 0
        return 1 if self.collapsed else 1 + len(self.rows)

    def labels(self) -> list[str]:
        """The lanes' names, the header's first."""
        if not self.lanes:
            return []
        header = translate("ResourceRows", "resources ({count})").format(count=len(self.rows))
        header = f"{FOLDED if self.collapsed else UNFOLDED} {header}"
        return [header] + ([] if self.collapsed else [row_label(row) for row in self.rows])

    def row_at(self, y: float) -> int | Literal["header"] | None:
        """The row in lane ``round(y)`` (its index), the header, or None."""
        lane = round(y)
        if not self.lanes or not self.first <= lane < self.first + self.lanes:
            return None
        return "header" if lane == self.first else lane - self.first - 1

    # --- what is shown ------------------------------------------------------------------
    def show_trace(
        self, trace: Trace, first: int, task_lanes: npt.NDArray[np.int64], names: list[str]
    ) -> bool:
        """The rows of ``trace`` (a finished run, a file), from lane ``first``; True if
        the lanes' number or names changed (the chart names and fits them again)."""
        if self._cache.of(trace):
            self.selected = None
        return self._take(self._cache.rows, first, task_lanes, names)

    def begin_live(self) -> None:
        self._live.reset()
        self._cache.forget()
        self.rows, self.selected = [], None
        self._take([], self.first, self._task_lanes, [])

    def show_live(
        self,
        delta: Trace,
        opened: SpanColumns,
        first: int,
        task_lanes: npt.NDArray[np.int64],
        names: list[str],
    ) -> bool:
        """A live frame (``LiveFrames``): True as ``show_trace``.  Costs nothing when
        the run has no resources, and a derivation only when they changed."""
        if not self._live.frame(delta, opened):
            if not self.rows:
                return False
            if first == self.first and len(task_lanes) == len(self._task_lanes):
                self.item.moved_on()
                self.item.set_names(names)  # (a live task is named after it is made)
                self._names = names
                return False
        return self._take(self._live.rows, first, task_lanes, names)

    def _take(
        self,
        rows: list[ResourceRow],
        first: int,
        task_lanes: npt.NDArray[np.int64],
        names: list[str],
    ) -> bool:
        self.rows, self.first, self._task_lanes, self._names = rows, first, task_lanes, names
        if self.selected is not None and self._row_of(self.selected) is None:
            self.selected = None
        self._place()
        layout = (first, tuple(self.labels()))
        changed = layout != self._layout
        self._layout = layout
        return changed

    def _place(self) -> None:
        """The rows into their lanes, and the users of the one clicked picked out."""
        drawn = self.rows if self.shown and not self.collapsed else []
        lanes = [self.first + 1 + i for i in range(len(drawn))]
        self.item.set_rows(drawn, lanes, self._names, self.first if self.lanes else None)
        self.item.setVisible(bool(self.lanes))
        self._pick_out()

    def set_shown(self, on: bool) -> bool:
        """The rows on or off (the View menu); True if the lanes changed."""
        self.shown = on
        return self._relaid()

    def toggle_collapsed(self) -> bool:
        self.collapsed = not self.collapsed
        return self._relaid()

    def _relaid(self) -> bool:
        self._place()
        layout = (self.first, tuple(self.labels()))
        changed = layout != self._layout
        self._layout = layout
        return changed

    def set_palette(self, palette: Palette) -> None:
        self.item.set_palette(palette)
        self.highlight.set_palette(palette)

    def set_font(self, font: QFont) -> None:
        self.item.set_font(font)

    # --- clicked ------------------------------------------------------------------------
    def click(self, y: float) -> Literal["layout", "selection"] | None:
        """A click at lane ``round(y)``: the header folds or unfolds the rows
        (``layout``), a row picks out its users or clears them (``selection``);
        anywhere else, None (the chart clears the selection itself: ``clear``)."""
        found = self.row_at(y)
        if found is None:
            return None
        if found == "header":
            self.toggle_collapsed()
            return "layout"
        rid = self.rows[found].resource.id
        self.selected = None if self.selected == rid else rid
        self._pick_out()
        return "selection"

    def clear(self) -> None:
        if self.selected is not None:
            self.selected = None
            self._pick_out()

    def picked_tasks(self) -> list[int]:
        """The tasks picked out (ids): the users of the resource clicked."""
        row = self._row_of(self.selected)
        return sorted(t for t in row.users if t < len(self._task_lanes)) if row else []

    def _row_of(self, rid: int | None) -> ResourceRow | None:
        return next((row for row in self.rows if row.resource.id == rid), None)

    def _pick_out(self) -> None:
        row = self._row_of(self.selected)
        if row is None or not self.shown:
            self.highlight.set_lanes([])
            return
        lanes = [int(self._task_lanes[t]) for t in self.picked_tasks()]
        if not self.collapsed:
            lanes.append(self.first + 1 + self.rows.index(row))
        self.highlight.set_lanes(lanes)

    # --- hovered ------------------------------------------------------------------------
    def tooltip(self, x: float, y: float) -> str | None:
        """The row under (``x``, ``y``) at time ``x``: name and kind, its state then,
        the tasks waiting on it then."""
        found = self.row_at(y)
        if found is None:
            return None
        if found == "header":
            return self.header_tooltip()
        row = self.rows[found]
        lines = [f"{shown(row.name)}  {kind_text(row)}"]
        if x < float(row.times[0]):
            lines.append(translate("ResourceRows", "not made yet"))
            return "\n".join(lines)
        lines.append(
            translate("ResourceRows", "at {t} s: {state}").format(
                t=f"{x:.3f}", state=state_words(row, x, self._names, translate)
            )
        )
        waiting = [self._name(w.task) for w in row.waiting_at(x)]
        if waiting:
            more = len(waiting) - TOOLTIP_NAMES
            names = ", ".join(waiting[:TOOLTIP_NAMES]) + (f", +{more}" if more > 0 else "")
            lines.append(translate("ResourceRows", "waiting: {tasks}").format(tasks=names))
        return "\n".join(lines)

    def label_tooltip(self, y: float) -> str | None:
        """Over a row's name: what it is, where it was made, what a click does."""
        found = self.row_at(y)
        if found is None:
            return None
        if found == "header":
            return self.header_tooltip()
        row = self.rows[found]
        lines = [f"{shown(row.name)}  {kind_text(row)}"]
        if row.resource.site:
            lines.append(
                translate("ResourceRows", "made at {site}").format(site=shown(row.resource.site))
            )
        lines.append(
            translate("ResourceRows", "used by {count} tasks").format(count=len(row.users))
        )
        lines.append(translate("ResourceRows", "Click: pick out the tasks that used it"))
        return "\n".join(lines)

    def header_tooltip(self) -> str:
        return (
            translate("ResourceRows", "Click: show the resources' rows")
            if self.collapsed
            else translate("ResourceRows", "Click: fold the resources' rows")
        )

    def _name(self, task: int) -> str:
        return shown(self._names[task]) if 0 <= task < len(self._names) else f"#{task}"
