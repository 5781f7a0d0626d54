"""The window's panes beside the chart: narrow at first, collapsible, remembered.

Issue 14: at 1280 pixels the chart had a third of the window; the scenario column and
the details-and-source column took the rest.  Now the side panes start narrow (the
chart has about 60% of a 1280-pixel window: ``tests/test_layout.py``), and each can be
put away: from the View menu (``Ctrl+[`` the scenarios' column, ``Ctrl+]`` the
details'), or by dragging its splitter handle to the window's edge.  Which panes are
shown is saved with the window (``settings.save_window``) and given back the next time.

The menu's tick follows the pane either way: off when the pane is hidden or dragged
shut, on when it is dragged open again; ticked again, a pane dragged shut comes back at
its first width.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSplitter, QWidget

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow

#: the side panes' first widths (pixels): the scenarios' column, the details' column
LEFT_WIDTH = 240
RIGHT_WIDTH = 250
#: the side panes' least widths while shown (dragged narrower, a pane collapses)
LEFT_MIN = 180
RIGHT_MIN = 200
#: the chart's first width: what the window has beyond the panes goes to it
CHART_WIDTH = 1000


class Panes(QObject):
    """The side panes of ``window.splitter`` (``left``, the chart, ``right``) and their
    View-menu entries."""

    def __init__(self, window: MainWindow, left: QWidget, right: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.splitter: QSplitter = window.splitter
        self.left, self.right = left, right
        left.setMinimumWidth(LEFT_MIN)
        right.setMinimumWidth(RIGHT_MIN)
        splitter = self.splitter
        splitter.setChildrenCollapsible(True)
        splitter.setCollapsible(splitter.indexOf(left), True)
        splitter.setCollapsible(splitter.indexOf(right), True)
        centre = next(i for i in range(splitter.count()) if splitter.widget(i) not in (left, right))
        splitter.setCollapsible(centre, False)  # (the chart is never dragged away)
        splitter.setStretchFactor(centre, 1)
        splitter.setSizes(self._first_sizes())
        view = window.view_menu
        view.addSeparator()
        self.left_action = self._action(left, QKeySequence("Ctrl+["))
        self.right_action = self._action(right, QKeySequence("Ctrl+]"))
        view.addAction(self.left_action)
        view.addAction(self.right_action)
        splitter.splitterMoved.connect(self._moved)
        self.retranslate()

    def _action(self, pane: QWidget, key: QKeySequence) -> QAction:
        action = QAction(self.window)
        action.setCheckable(True)
        action.setChecked(True)
        action.setShortcut(key)
        action.toggled.connect(lambda on: self.show_pane(pane, on))
        return action

    def _first_sizes(self) -> list[int]:
        widths: dict[QWidget | None, int] = {self.left: LEFT_WIDTH, self.right: RIGHT_WIDTH}
        return [
            widths.get(self.splitter.widget(i), CHART_WIDTH) for i in range(self.splitter.count())
        ]

    def retranslate(self) -> None:
        self.left_action.setText(self.tr("Scenarios and &lesson pane"))
        self.left_action.setToolTip(
            self.tr("Show or hide the column of scenarios, lesson and parameters")
        )
        self.right_action.setText(self.tr("Details and so&urce pane"))
        self.right_action.setToolTip(self.tr("Show or hide the column of details and source"))

    # --- showing and hiding --------------------------------------------------------------
    def shown(self, pane: QWidget) -> bool:
        """The pane is on screen with some width (not hidden, not dragged shut)."""
        if pane.isHidden():
            return False
        return self.splitter.sizes()[self.splitter.indexOf(pane)] > 0 or not self.window.isVisible()

    def show_pane(self, pane: QWidget, on: bool) -> None:
        """Show ``pane`` (at its first width if it was dragged shut) or hide it."""
        if not on:
            pane.hide()
        else:
            pane.show()
            index = self.splitter.indexOf(pane)
            sizes = self.splitter.sizes()
            if sizes[index] == 0:  # (dragged shut: open it again, the chart gives the room)
                width = LEFT_WIDTH if pane is self.left else RIGHT_WIDTH
                centre = max(range(len(sizes)), key=lambda i: sizes[i])
                sizes[index], sizes[centre] = width, max(0, sizes[centre] - width)
                self.splitter.setSizes(sizes)
        self._sync()

    def _moved(self, _position: int, _index: int) -> None:
        self._sync()

    def _sync(self) -> None:
        """The menu's ticks as the panes are."""
        for pane, action in ((self.left, self.left_action), (self.right, self.right_action)):
            on = self.shown(pane)
            if action.isChecked() != on:
                action.blockSignals(True)  # (a tick that follows the pane: no toggle)
                action.setChecked(on)
                action.blockSignals(False)

    # --- remembered ----------------------------------------------------------------------
    def state(self) -> dict[str, bool]:
        """What is saved: which panes the user keeps on screen."""
        return {
            "left_pane": self.left_action.isChecked(),
            "right_pane": self.right_action.isChecked(),
        }

    def restore(self, state: dict[str, bool]) -> None:
        """Panes as saved (after the splitter's sizes are given back)."""
        for pane, name in ((self.left, "left_pane"), (self.right, "right_pane")):
            on = state.get(name, True)
            self.show_pane(pane, on)
            action = self.left_action if pane is self.left else self.right_action
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)
