"""Presenter mode's toolbar: the run's and the lecture's controls on one row.

At a projector's 20 points the two toolbars (Run, Stop, Rerun, Own process, the clock,
the arrows, the time cursor; then Pause, Step, Step callback, the speed, Run to, the
lecture's state) need about 2,300 pixels: on a 1280-pixel screen they took two rows,
the first cut short behind Qt's "»" (issue 14).  In presenter mode the toolbars keep
what a lesson is driven with: Run, Stop, Rerun, the clock, Pause, Step, Slower, the
speed, Faster; the rest go into a "More" menu at the row's end (the arrows, the time
cursor, the own-process switch, Step callback), and "Run to" (a box and a button) and
the lecture's state (the status line says it) are put away.  Leaving presenter mode puts
every control back where it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolBar, QToolButton

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow


class CompactBars(QObject):
    """The window's toolbars made one row (``compact``) and put back (``restore``)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.menu = QMenu(window)
        #: the "More" button, at the end of the lecture's bar (shown in presenter mode)
        self.button = QToolButton()
        self.button.setMenu(self.menu)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button_action = window.lecture.addWidget(self.button)
        self.button_action.setVisible(False)
        self._moved: list[tuple[QToolBar, QAction, QAction | None]] = []  #: (bar, action, before)
        self._hidden: list[QAction] = []
        self.retranslate()

    def retranslate(self) -> None:
        self.button.setText(self.tr("More"))
        self.button.setToolTip(self.tr("The controls presenter mode leaves off the toolbar"))

    def moved(self) -> list[QAction]:
        """The controls that go into the menu."""
        window, lecture = self.window, self.window.lecture
        return [
            window.wake_arrows,
            window.creation_arrows,
            window.cursor_action,
            window.play_action,
            window.own_process_action,
            lecture.callback_action,
        ]

    def put_away(self) -> list[QAction]:
        """The controls put away (their toolbar entries hidden): "Run to" and the
        lecture's state, and the separators (fewer gaps: more room)."""
        lecture = self.window.lecture
        widgets = (lecture.run_to_box, lecture.state)
        away = [lecture.run_to_action]
        for bar in (self.window.toolbar, lecture):
            for action in bar.actions():
                if action.isSeparator() or bar.widgetForAction(action) in widgets:
                    away.append(action)
        return away

    def compact(self) -> None:
        """One row: the lesson's controls on the bars, the rest in the "More" menu."""
        if self._moved or self._hidden:
            return
        for action in self.moved():
            for bar in (self.window.toolbar, self.window.lecture):
                actions = bar.actions()
                if action in actions:
                    index = actions.index(action)
                    before = actions[index + 1] if index + 1 < len(actions) else None
                    bar.removeAction(action)
                    self._moved.append((bar, action, before))
            self.menu.addAction(action)
        for action in self.put_away():
            if action.isVisible():
                action.setVisible(False)
                self._hidden.append(action)
        self.button_action.setVisible(True)

    def restore(self) -> None:
        """The toolbars as they were."""
        self.button_action.setVisible(False)
        for action in self.menu.actions():
            self.menu.removeAction(action)  # (not ``clear``: it deletes them)
        for bar, action, before in reversed(self._moved):
            bar.insertAction(before, action)  # type: ignore[arg-type]
        self._moved = []
        for action in self._hidden:
            action.setVisible(True)
        self._hidden = []
