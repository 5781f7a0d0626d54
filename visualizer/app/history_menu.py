"""View > History kept: how much of a long run the window keeps for drawing.

A service watched for an hour would fill the memory if every span were kept; the window
keeps the last few minutes (``visualizer.model.history``), summarises the rest, and says
so on the chart.  Five minutes unless chosen otherwise (here, remembered; or
``asyncviz gui --history SECONDS`` for one session).  The choice applies at once to a
run that is going on, and to the next ones."""

from __future__ import annotations

import functools
from typing import Final

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from visualizer.model.history import DEFAULT_HISTORY

#: the choices offered (seconds; None: everything, the memory grows with the run)
CHOICES: Final = (60.0, 300.0, 900.0, 3600.0, None)


def history_setting(text: str) -> float | None:
    """A remembered or given history: seconds, or None for everything (0, or less)."""
    try:
        seconds = float(text)
    except ValueError:
        return DEFAULT_HISTORY
    return seconds if seconds > 0 else None


class HistoryMenu(QObject):
    """The submenu and the choice; ``changed`` when the user picks another."""

    changed = Signal()

    def __init__(self, parent_menu: QMenu) -> None:
        super().__init__(parent_menu)
        self.menu: QMenu = parent_menu.addMenu("")
        self.group = QActionGroup(self.menu)
        self.seconds: float | None = DEFAULT_HISTORY
        self.actions: dict[float | None, QAction] = {}
        for choice in CHOICES:
            self._add(choice)
        self.retranslate()

    def _add(self, choice: float | None) -> QAction:
        action = self.menu.addAction("", functools.partial(self._picked, choice))
        action.setCheckable(True)
        action.setChecked(choice == self.seconds)
        self.group.addAction(action)
        self.actions[choice] = action
        return action

    def _picked(self, choice: float | None) -> None:
        self.set(choice)
        self.changed.emit()

    def set(self, seconds: float | None) -> None:
        """Keep ``seconds`` of history (None: everything); a value not offered is added."""
        self.seconds = seconds
        if seconds not in self.actions:
            self._add(seconds)
            self.retranslate()
        self.actions[seconds].setChecked(True)

    def retranslate(self) -> None:
        self.menu.setTitle(self.tr("&History kept"))
        for choice, action in self.actions.items():
            action.setText(self._text(choice))

    def _text(self, choice: float | None) -> str:
        if choice is None:
            return self.tr("Everything (memory grows with the run)")
        if choice >= 3600 and choice % 3600 == 0:
            return self.tr("Last {count} h").format(count=int(choice // 3600))
        if choice >= 60 and choice % 60 == 0:
            return self.tr("Last {count} min").format(count=int(choice // 60))
        return self.tr("Last {count} s").format(count=f"{choice:g}")
