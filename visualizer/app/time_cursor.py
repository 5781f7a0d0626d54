"""The time cursor over a finished run: its View-menu actions, its replay, its readouts.

A learner drags a line through a finished run (or steps it one change at a time, or
plays it at the lecture's speed) and reads every task's state at that instant in the
details panel, the lines tasks wait on in the source view and the time in the status
line.  It lives here, not in the window, because it is one feature with one state (the
states-at-a-time index of the trace shown) that the window only commands: the window
says when a run is live (no cursor: a live run's future is unknown) and when a finished
one is shown.

Its words keep the window's translation context ("MainWindow"): they were the window's
words before this module was split out, and the translations stay where they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QLabel, QMenu

from visualizer.model.at_time import (
    TimeIndex,
    busiest_file,
    describe_time,
    resources_at,
    state_counts,
    task_rows,
    waiting_lines,
)
from visualizer.trace.data import Trace

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow

__all__ = ["CURSOR_ROWS", "TimeCursor"]

#: the time cursor's list shows this many tasks at most: a table of 100 rows takes Qt
#: 13 ms to lay out (300: 50 ms, too slow for a drag); the rest are counted in its title
CURSOR_ROWS = 100


def translate(context: str, text: str) -> str:
    """Qt's translation (by this name, ``lupdate`` finds the cursor's words)."""
    return QCoreApplication.translate(context, text)


class TimeCursor(QObject):
    """The cursor's actions (in ``view``), its status-line readout and what it shows."""

    def __init__(self, window: MainWindow, view: QMenu) -> None:
        super().__init__(window)
        self._window = window
        self._index: TimeIndex | None = None  #: the states at any time, of one trace
        #: where the cursor is, while it is shown (in the window's status bar)
        self.status = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.action = view.addAction("", self.show)
        self.action.setCheckable(True)
        self.action.setShortcut("T")
        self.play_action = view.addAction("", self.play_from_here)
        self.play_action.setCheckable(True)
        self.play_action.setShortcut("P")
        self.next_change_action = view.addAction("", lambda: self.step(+1))
        self.next_change_action.setShortcut(".")
        self.previous_change_action = view.addAction("", lambda: self.step(-1))
        self.previous_change_action.setShortcut(",")
        chart = window.chart
        chart.cursor.moved.connect(self._moved)
        chart.cursor.shown.connect(self._shown)
        window.replay.moved.connect(chart.cursor.show_at)
        window.replay.playing.connect(self._playing)

    def retranslate(self) -> None:
        self.action.setText(translate("MainWindow", "&Time cursor"))
        self.action.setToolTip(
            translate(
                "MainWindow",
                "A line to drag through a finished run: every task's state at that instant"
                " (T, or click the time axis)",
            )
        )
        self._playing(self._window.replay.is_playing())
        self.play_action.setToolTip(
            translate(
                "MainWindow", "Replay the run from the time cursor at the lecture's speed (P)"
            )
        )
        self.next_change_action.setText(translate("MainWindow", "Cursor to the &next change"))
        self.previous_change_action.setText(
            translate("MainWindow", "Cursor to the pre&vious change")
        )

    def enable(self, on: bool) -> None:
        """The cursor's actions usable (a finished run or an opened trace is shown) or not."""
        for action in (self.action, self.play_action):
            action.setEnabled(on)

    def show(self, on: bool = True, at: float | None = None) -> None:
        """The time cursor over the finished run shown, at ``at`` (else where it was, or
        mid-view); off, it goes and so does a replay.  Never over a live run."""
        window = self._window
        chart = window.chart
        cursor = chart.cursor
        trace = chart.trace
        if not on or trace is None or window.running:
            window.replay.pause()
            cursor.hide()
            self.action.setChecked(False)
            return
        if at is None:
            (x0, x1), _ = chart.getPlotItem().getViewBox().viewRange()
            inside = max(x0, 0.0) < cursor.value() < min(x1, trace.duration)
            at = cursor.value() if inside else (max(x0, 0.0) + min(x1, trace.duration)) / 2
        cursor.show_at(at)

    def play_from_here(self, _checked: bool = False) -> None:
        """Replay the run from the cursor (shown at the start if it is not) at the
        lecture's speed; while playing: pause."""
        window = self._window
        replay, cursor = window.replay, window.chart.cursor
        trace = window.chart.trace
        if replay.is_playing() or trace is None or window.running:
            replay.pause()
            self._playing(False)
            return
        if not cursor.isVisible():
            self.show(True, at=0.0)
        replay.play(cursor.value(), trace.duration)
        self._playing(replay.is_playing())  # (the action's check, as it is)

    def _playing(self, playing: bool) -> None:
        self.play_action.setChecked(playing)
        self.play_action.setText(
            translate("MainWindow", "Pause replay")
            if playing
            else translate("MainWindow", "&Play from here")
        )

    def step(self, direction: int) -> None:
        """The cursor to the next (``+1``) or previous (``-1``) instant a task's state
        changes: the run, one event at a time."""
        chart = self._window.chart
        trace = chart.trace
        if trace is None or not chart.cursor.isVisible():
            return
        index = self._states_index(trace)
        t = chart.cursor.value()
        found = index.next_change(t) if direction > 0 else index.previous_change(t)
        if found is not None:
            chart.cursor.show_at(found)

    def _states_index(self, trace: Trace) -> TimeIndex:
        """The states-at-a-time index of ``trace`` (made once per trace)."""
        if self._index is None or self._index.trace is not trace:
            # (the chart's resource rows: a live trace holds only the spans in view)
            self._index = TimeIndex(trace, self._window.chart.resources.rows or None)
        return self._index

    def refresh(self) -> None:
        """The readouts again where the cursor is (the trace under it changed: the run
        ended, the language changed, a trace was opened)."""
        self._moved(self._window.chart.cursor.value())

    def _moved(self, t: float) -> None:
        """Every task's state at ``t`` in the details panel (and every queue's, lock's
        ...), the lines tasks wait on in the source view, ``t`` in the status line."""
        window = self._window
        trace = window.chart.trace
        if trace is None or window.running or not window.chart.cursor.isVisible():
            return
        window.replay.follow(t)
        index = self._states_index(trace)
        states = index.at(t)
        rows = task_rows(trace, states, translate, order=index.by_lane, limit=CURSOR_ROWS)
        title = translate("MainWindow", "At {t} s: {states}").format(
            t=f"{t:.3f}", states=state_counts(states, translate)
        )
        resources = (  # (the names only for a run that made some: 100,000 tasks' cost)
            resources_at(index.resources, t, index.names, translate, limit=CURSOR_ROWS)
            if index.resources
            else []
        )
        window.details.show_states(
            title, rows, more=len(trace.tasks) - len(rows), resources=resources
        )
        source = window.source
        path = source.path
        lines = waiting_lines(trace, states, str(path)) if path is not None else {}
        if not lines:  # (an opened trace: the file its tasks wait in, if it is here)
            busiest = busiest_file(trace, states)
            if busiest is not None and source.show_named(Path(busiest)):
                lines = waiting_lines(trace, states, busiest)
        source.mark_waiting(lines)
        source.reveal(lines)
        self.status.setText(describe_time(t, trace.duration, translate))

    def _shown(self, shown: bool) -> None:
        """The menu's check follows the cursor (a click on the time axis shows it); gone,
        so are its marks and its list."""
        self.action.setChecked(shown)
        if shown:
            return
        window = self._window
        window.replay.pause()
        window.source.mark_waiting({})
        self.status.setText("")
        if window.details.states is not None:
            window.details.show_details(None)
