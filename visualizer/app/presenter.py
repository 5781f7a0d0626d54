"""Presenter mode: the window made for a projector and a teacher at the keyboard (issue 5).

On: full screen, the high-contrast ``presenter`` palette (white, near-black, saturated
state colours, thick edges: what survives a washed-out projector), type of at least
``PRESENTER_FONT`` points everywhere, and the chart given the room: beside it only the
scenario's explanation and the details of what was clicked; the browser, the
parameters and the source are hidden.  Off (Esc, or the View menu's entry again): the
window exactly as it was.

The keys are the lecture's, one key each, no modifier: Space pause / resume, Right
step, R rerun, + / - speed (twice, half), 0 fit all, F full screen, Esc leave.  They
are actions of their own, on only in presenter mode; while they are on, any other
shortcut on the same key (the lecture bar's Space, the View menu's + and -) is taken
off, and given back when presenter mode ends, so the presenter's key always wins.

With no lecture on screen, Space starts the selected scenario as a lecture (at the
speed set); Right only steps a lecture that is on (there is nothing to step before),
and R runs the last run again, stopping the one on screen first.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QSizePolicy, QSplitter, QWidget

from visualizer.app.presenter_bar import CompactBars

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow

#: the type size in presenter mode (points), at least: lane names, bar labels, the
#: axis, the legend, the explanation, the status line
PRESENTER_FONT = 20
#: the theme presenter mode shows (``views.gantt.THEMES``)
PRESENTER_THEME = "presenter"
#: the explanation's and the details' shares of the window's width; the chart has the rest
EXPLANATION_SHARE = 0.2
DETAILS_SHARE = 0.18
#: the least width of the panes beside the chart, in presenter mode (pixels)
PANE_MIN = 160
#: how often a rerun looks whether the run it stopped has ended (seconds)
RESTART_POLL = 0.01


class Presenter(QObject):
    """Presenter mode of ``window``: its View-menu entry, its keys, entering and leaving."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.active = False
        #: the View menu's entry (F5, as a slide show starts)
        self.action = QAction(window)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence("F5"))
        self.action.toggled.connect(self._toggled)
        window.view_menu.addSeparator()
        window.view_menu.addAction(self.action)
        lecture = window.lecture
        self.pause_key = self._key(["Space"], self.pause)
        self.step_key = self._key(["Right"], self.step)
        self.rerun_key = self._key(["R"], self.rerun)
        self.faster_key = self._key(["+", "="], lambda: lecture.set_speed(lecture.speed() * 2))
        self.slower_key = self._key(["-"], lambda: lecture.set_speed(lecture.speed() / 2))
        self.fit_key = self._key(["0"], window.fit)
        self.full_screen_key = self._key(["F"], self.toggle_full_screen)
        self.leave_key = self._key(["Escape"], self.leave)
        self._restarting: asyncio.Future[None] | None = None  #: a rerun waiting for its turn
        # what entering changed, to be put back on leaving
        self._theme = window.theme
        self._font_size = window.font_size
        self._state = window.windowState()
        self._geometry = QByteArray()
        self._splitter = QByteArray()
        #: the toolbars on one row (the lesson's controls; the rest in a "More" menu)
        self.bars = CompactBars(window)
        self._narrowed: list[tuple[QWidget, int]] = []  #: panes and their least widths
        self._legend_policy = QSizePolicy()
        self._hidden: list[QWidget] = []
        self._taken: dict[QAction, list[QKeySequence]] = {}
        self._disabled: list[QShortcut] = []
        self.retranslate()

    def _key(self, keys: list[str], slot: object) -> QAction:
        """One of presenter mode's keys: a window action, off until presenter mode."""
        action = QAction(self.window)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setEnabled(False)
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    @property
    def keys(self) -> list[QAction]:
        return [
            self.pause_key,
            self.step_key,
            self.rerun_key,
            self.faster_key,
            self.slower_key,
            self.fit_key,
            self.full_screen_key,
            self.leave_key,
        ]

    def retranslate(self) -> None:
        self.action.setText(self.tr("&Presenter mode"))
        tip = self.tr(
            "Full screen, big type, high contrast. Keys: Space pause or resume, Right step,"
            " R rerun, + or - speed, 0 fit all, F full screen, Esc leave"
        )
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.pause_key.setText(self.tr("Pause or resume"))
        self.step_key.setText(self.tr("Step"))
        self.rerun_key.setText(self.tr("Rerun"))
        self.faster_key.setText(self.tr("Twice the speed"))
        self.slower_key.setText(self.tr("Half the speed"))
        self.fit_key.setText(self.tr("Fit all"))
        self.full_screen_key.setText(self.tr("Full screen"))
        self.leave_key.setText(self.tr("Leave presenter mode"))
        self.bars.retranslate()

    # --- on and off ----------------------------------------------------------------------
    def _toggled(self, on: bool) -> None:
        if on:
            self.enter()
        else:
            self.leave()

    def enter(self) -> None:
        """Presenter mode on (again: nothing more)."""
        if self.active:
            return
        self.active = True
        window = self.window
        self._theme, self._font_size = window.theme, window.font_size
        self._state = window.windowState()
        self._geometry = window.saveGeometry()
        self._splitter = window.splitter.saveState()
        self._take_keys()
        for key in self.keys:
            key.setEnabled(True)
        window.set_theme(PRESENTER_THEME)
        window.set_font_size(max(self._font_size, PRESENTER_FONT))
        self._make_room()
        self._full_screen(True)
        window.chart.setFocus()  # (no text field has the keys: they are the presenter's)
        window.chart.keep_start = True  # (a live run grows in view from its start)
        self.action.setChecked(True)

    def leave(self) -> None:
        """Presenter mode off: theme, type, panels, window state and keys as they were."""
        if not self.active:
            return
        self.active = False
        window = self.window
        for key in self.keys:
            key.setEnabled(False)
        self._give_keys_back()
        window.chart.keep_start = False
        window.set_font_size(self._font_size)
        window.set_theme(self._theme)
        self.bars.restore()
        # the smaller type reaches the widgets by posted events: before the window gets
        # its size back, or the big type's minimum sizes would stretch it
        QCoreApplication.sendPostedEvents()
        window.setWindowState(self._state)
        window.restoreGeometry(self._geometry)
        for widget in self._hidden:
            widget.show()
        self._hidden = []
        for pane, width in self._narrowed:
            pane.setMinimumWidth(width)
        self._narrowed = []
        window.legend.setSizePolicy(self._legend_policy)
        window.splitter.restoreState(self._splitter)  # (in the window at its size again)
        self.action.setChecked(False)

    def _make_room(self) -> None:
        """The chart gets the room: beside it only the explanation (left) and the details
        of what was clicked (right); the browser, the parameters and the source (lines
        of code do not fit at this size) are hidden.  The toolbars keep the lesson's
        controls, on one row (``CompactBars``)."""
        window = self.window
        self.bars.compact()
        # nothing's least width may keep the window wider than a 1024-pixel projector:
        # the panes may be narrower, and the legend wraps (its longest item, unbroken,
        # is 530 pixels at this size)
        self._legend_policy = window.legend.sizePolicy()
        window.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        splitter = window.splitter
        screen = window.screen()
        total = screen.geometry().width() if screen is not None else window.width()
        kept = {window.about: EXPLANATION_SHARE, window.details: DETAILS_SHARE}
        sizes = []
        for index in range(splitter.count()):
            pane = splitter.widget(index)
            share = 0.0
            if pane is not None and pane.isAncestorOf(window.chart):
                share = 1.0 - sum(kept.values())
            elif pane is not None:
                for widget, part in kept.items():
                    if pane.isAncestorOf(widget):
                        self._keep_only(pane, widget)
                        share = part
                        self._narrowed.append((pane, pane.minimumWidth()))
                        pane.setMinimumWidth(min(pane.minimumWidth(), PANE_MIN))
                if not share:
                    self._hide(pane)
            sizes.append(round(total * share))
        splitter.setSizes(sizes)

    def _keep_only(self, pane: QWidget, kept: QWidget) -> None:
        """In a pane of panes (a splitter), hide all but the one holding ``kept``."""
        if not isinstance(pane, QSplitter):
            return
        for index in range(pane.count()):
            child = pane.widget(index)
            if child is not None and not child.isAncestorOf(kept):
                self._hide(child)

    def _hide(self, widget: QWidget) -> None:
        if widget.isVisibleTo(self.window):
            widget.hide()
            self._hidden.append(widget)

    # --- the keys: the presenter's win --------------------------------------------------
    def _take_keys(self) -> None:
        """Take the presenter's keys off every other action and shortcut of the window
        (two actions on one key: Qt runs neither)."""
        mine = {key.toString() for action in self.keys for key in action.shortcuts()}
        self._taken = {}
        for action in self.window.findChildren(QAction):
            if (
                action in self.keys
                or action is self.action
                or _window_of(action) is not self.window
            ):
                continue  # (another window's keys, a comparison's, are that window's)
            shortcuts = action.shortcuts()
            kept = [key for key in shortcuts if key.toString() not in mine]
            if len(kept) != len(shortcuts):
                self._taken[action] = shortcuts
                action.setShortcuts(kept)
        self._disabled = []
        for shortcut in self.window.findChildren(QShortcut):
            if _window_of(shortcut) is not self.window:
                continue
            keys: list[QKeySequence] = shortcut.keys()  # (a QShortcut, not a dict)
            if shortcut.isEnabled() and any(k.toString() in mine for k in keys):
                shortcut.setEnabled(False)
                self._disabled.append(shortcut)

    def _give_keys_back(self) -> None:
        for action, shortcuts in self._taken.items():
            action.setShortcuts(shortcuts)
        self._taken = {}
        for shortcut in self._disabled:
            shortcut.setEnabled(True)
        self._disabled = []

    # --- what the keys do ---------------------------------------------------------------
    def pause(self) -> None:
        """Pause a replay, or pause or resume the lecture on screen; with neither, start
        the selected scenario as a lecture."""
        lecture = self.window.lecture
        if self.window.replay.is_playing():  # (a replay from the time cursor: pause it)
            self.window.replay.pause()
        elif lecture.session is not None:
            lecture.toggle_pause()
        elif self.window.run_action.isEnabled():  # (nothing is running)
            self._start_lecture()

    def step(self) -> None:
        """One task step of the lecture on screen (it stays paused)."""
        if self.window.lecture.session is not None:
            self.window.lecture.step()

    def rerun(self) -> None:
        """The last run again (the one on screen is stopped first); before any run, the
        selected scenario as a lecture."""
        window = self.window
        if not window.run_action.isEnabled():  # a run is on: stop it, then run again
            if self._restarting is None:
                self._restarting = asyncio.ensure_future(self._restart())
        elif window.rerun_action.isEnabled():
            window.rerun()
        else:
            self._start_lecture()

    async def _restart(self) -> None:
        window = self.window
        try:
            window.stop()
            while not window.run_action.isEnabled():  # (the run's end is shown first)
                await asyncio.sleep(RESTART_POLL)
            window.rerun()
        finally:
            self._restarting = None

    def _start_lecture(self) -> None:
        self.window.set_clock_mode("lecture")
        self.window.run_selected()

    def toggle_full_screen(self) -> None:
        self._full_screen(not self.window.isFullScreen())

    def _full_screen(self, on: bool) -> None:
        window = self.window
        if not on:
            window.setWindowState(window.windowState() & ~Qt.WindowState.WindowFullScreen)
            window.restoreGeometry(self._geometry)
            return
        screen = window.screen()
        if screen is not None:  # (an X server with no window manager ignores the state;
            window.setGeometry(screen.geometry())  # and set after it, this would clear it)
        window.setWindowState(window.windowState() | Qt.WindowState.WindowFullScreen)


def _window_of(thing: QObject) -> QWidget | None:
    """The top-level window an action or shortcut belongs to: its nearest widget's, a
    menu's being the window of the menu bar it hangs from (a menu is a window itself)."""
    parent: QObject | None = thing
    while parent is not None and (not isinstance(parent, QWidget) or isinstance(parent, QMenu)):
        parent = parent.parent()
    return parent.window() if isinstance(parent, QWidget) else None
