"""Compare two runs: the window that shows them, and the main window's Compare menu.

How a user makes a comparison, from the main window's **Compare** menu; run A (above)
is always the run on screen, or the one before it:

- *With the previous run* (Ctrl+Shift+C): the run shown before this one (A) against
  this one (B).  The window keeps the last two runs it showed (runs and opened trace
  files alike).  The teacher's way: run ``mode=sequential``, change the form to
  ``mode=concurrent``, run, compare.
- *With the form's parameters*: the selected scenario, with the parameters the form
  holds now, is run on the virtual clock (off the window's loop, a moment) and compared
  with the run on screen.
- *With a trace file...*: the run on screen against a saved trace.

``asyncviz gui SCENARIO --compare NAME=VALUE`` does the second from the command line
(``main.py``).  The comparison gets a window of its own, so it can go full screen on
a projector beside the main one; it takes the main window's theme and text size.
"""

from __future__ import annotations

import asyncio
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QWidget

from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import Scenario, ScenarioError, bind_params
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import TraceFormatError, load
from visualizer.views.compare import CompareView
from visualizer.views.gantt import THEMES

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow


class CompareWindow(QMainWindow):
    """Two runs on one time axis (``CompareView``).  Keys: Home / 0 fit both runs,
    + / - zoom the time, F11 full screen, Esc closes."""

    def __init__(self, parent: QWidget | None = None, *, theme: str = "light", font_size: int = 11):
        super().__init__(parent)
        self.view = CompareView(THEMES[theme], font_size)
        self.setCentralWidget(self.view)
        keys = QKeySequence
        self.fit_action = self.addAction("", self.view.fit)
        self.fit_action.setShortcuts([keys("Home"), keys("0"), keys("Ctrl+0")])
        self.zoom_in_action = self.addAction("", lambda: self.view.zoom_time(0.5))
        self.zoom_in_action.setShortcuts([keys("+"), keys("=")])
        self.zoom_out_action = self.addAction("", lambda: self.view.zoom_time(2.0))
        self.zoom_out_action.setShortcut("-")
        self.full_screen_action = self.addAction("", self._toggle_full_screen)
        self.full_screen_action.setShortcut("F11")
        self.close_action = self.addAction("", self.close)
        self.close_action.setShortcuts([keys("Esc"), keys("Ctrl+W")])
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Compare two runs"))
        self.fit_action.setText(self.tr("Fit both runs"))
        self.zoom_in_action.setText(self.tr("Zoom in (time)"))
        self.zoom_out_action.setText(self.tr("Zoom out (time)"))
        self.full_screen_action.setText(self.tr("Full screen"))
        self.close_action.setText(self.tr("Close"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()  # (the view makes its own words again)
        super().changeEvent(event)

    def _toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def show_runs(self, a: Trace, b: Trace) -> None:
        self.view.show_runs(a, b)

    def screenshot(self, path: Path) -> None:
        self.grab().save(str(path))


class Comparing(QObject):
    """The main window's part in comparing: the Compare menu, the last two runs it
    showed, and the comparison window (one, reused)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        #: the last two traces the main window showed, the older first
        self.kept: deque[Trace] = deque(maxlen=2)
        self.compare_window: CompareWindow | None = None
        self._recording = False  #: a run for a comparison is being recorded
        #: the last comparison the menu started (a reference, so it is not collected)
        self.task: asyncio.Future[CompareWindow | None] | None = None
        self.last_message: tuple[str, str] | None = None  #: the last message shown (tests)
        self.menu = menu = window.menuBar().addMenu("")
        self.previous_action = menu.addAction("", self.compare_with_previous)
        self.previous_action.setShortcut("Ctrl+Shift+C")
        self.params_action = menu.addAction("", self._compare_with_form)
        self.file_action = menu.addAction("", self._ask_file)
        menu.aboutToShow.connect(self._update_actions)
        window.installEventFilter(self)  # (the comparison closes with the main window)
        self._update_actions()

    def retranslate(self) -> None:
        self.menu.setTitle(self.tr("&Compare"))
        self.previous_action.setText(self.tr("With the &previous run"))
        self.previous_action.setToolTip(
            self.tr("The run shown before this one (A, above) against this one (B)")
        )
        self.params_action.setText(self.tr("With the &form's parameters"))
        self.params_action.setToolTip(
            self.tr(
                "Run the selected scenario with the parameters in the form, on the virtual"
                " clock, and compare it (B) with the run on screen (A)"
            )
        )
        self.file_action.setText(self.tr("With a &trace file..."))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and self.compare_window is not None:
            self.compare_window.close()
        return False

    # --- what the main window tells it -----------------------------------------------------
    def shown(self, trace: Trace) -> None:
        """The main window shows ``trace`` now (a run's, or a file's)."""
        self.kept.append(trace)
        self._update_actions()

    def set_theme(self, theme: str) -> None:
        if self.compare_window is not None:
            self.compare_window.view.set_palette(THEMES[theme])

    def set_font_size(self, size: int) -> None:
        if self.compare_window is not None:
            self.compare_window.view.set_font_size(size)

    def _update_actions(self) -> None:
        idle = not self._recording and not self._window_running()
        on_screen = self.window.trace is not None
        self.previous_action.setEnabled(len(self.kept) == 2)
        self.params_action.setEnabled(idle and on_screen and self.window.selected() is not None)
        self.file_action.setEnabled(on_screen)

    def _window_running(self) -> bool:
        """A run is going in the main window (its Stop is on exactly then)."""
        return bool(self.window.stop_action.isEnabled())

    # --- comparing ---------------------------------------------------------------------
    def compare(self, a: Trace, b: Trace) -> CompareWindow:
        """Show ``a`` above ``b`` in the comparison window (made the first time, the
        main window's size), in the main window's theme and text size, raised."""
        shown = self.compare_window
        if shown is None:
            shown = CompareWindow(
                self.window, theme=self.window.theme, font_size=self.window.font_size
            )
            shown.resize(self.window.size())
            self.compare_window = shown
        else:
            shown.view.set_palette(THEMES[self.window.theme])
            shown.view.set_font_size(self.window.font_size)
        shown.show_runs(a, b)
        shown.show()
        shown.raise_()
        shown.activateWindow()
        return shown

    def compare_with_previous(self) -> CompareWindow | None:
        if len(self.kept) < 2:
            return None
        return self.compare(self.kept[0], self.kept[1])

    async def compare_with_run(
        self, scenario: Scenario, params: dict[str, Any]
    ) -> CompareWindow | None:
        """Record ``scenario`` with ``params`` on the virtual clock (in a thread: the
        window goes on) and compare the run on screen (A) with it (B)."""
        a = self.window.trace
        if a is None or self._recording or self._window_running():
            return None
        self._recording = True
        self._update_actions()
        window = self.window
        actions = (window.run_action, window.rerun_action)
        were = [action.isEnabled() for action in actions]
        for action in actions:
            action.setEnabled(False)  # (one recording at a time)
        said = window.status.text()  # (the run on screen's: back when this is done)
        window.status.setText(
            self.tr("recording {scenario} on the virtual clock, to compare...").format(
                scenario=scenario.id
            )
        )
        try:
            result = await asyncio.to_thread(run_scenario, scenario, params, clock="virtual")
        finally:
            self._recording = False
            window.status.setText(said)
            for action, was in zip(actions, were, strict=True):
                action.setEnabled(was)
            self._update_actions()
        if result.error is not None:
            self._say(
                self.tr("{scenario} failed").format(scenario=scenario.id),
                result.error.message,
            )
        return self.compare(a, result.trace)

    def _compare_with_form(self) -> None:
        scenario = self.window.selected()
        if scenario is None:
            return
        try:
            params = bind_params(scenario, self.window.params.values())
        except (ScenarioError, ValueError) as exc:
            self._say(self.tr("Invalid parameter"), str(exc))
            return
        self.task = asyncio.ensure_future(self.compare_with_run(scenario, params))

    def _ask_file(self) -> None:
        dialog = QFileDialog(
            self.window,
            self.tr("Compare with a trace file"),
            "",
            self.tr("asyncviz traces (*.json *.json.gz *.avz);;All files (*)"),
        )
        dialog.fileSelected.connect(self.compare_with_file)
        dialog.open()  # (non-modal: never a nested event loop on the asyncio loop)

    def compare_with_file(self, path: str | Path) -> CompareWindow | None:
        """The run on screen (A) against the trace saved in ``path`` (B)."""
        a = self.window.trace
        if a is None:
            return None
        try:
            b = load(path)
        except (TraceFormatError, OSError) as exc:
            self._say(self.tr("Cannot open {path}").format(path=path), str(exc))
            return None
        return self.compare(a, b)

    def _say(self, title: str, text: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window
        )
        box.open()
        self.last_message = (title, text)
