"""File > Export trace...: the trace on screen written for another tool (Perfetto's UI,
``chrome://tracing``: ``model.exports.FORMATS``, the table ``asyncviz export`` offers
too), so what the window shows can be opened beside a program's other traces.

The file is written on a thread: a 100,000-task run's export takes seconds, and the
window must go on drawing and answering meanwhile.  It is written whole or not at all
(``safe_write``); a failure is said in a message box, never raised into the window.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from visualizer.model.exports import FORMATS, ExportFormat
from visualizer.trace.data import Trace

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow


class Exporting(QObject):
    """The File menu's Export trace... and the export going on (``busy``)."""

    _done = Signal(str, int)  #: path, events written
    _failed = Signal(str, str)  #: path, why

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.action = QAction(self)
        self.action.triggered.connect(self.ask)
        window.file_menu.insertAction(window.export_png_action, self.action)
        window.file_menu.aboutToShow.connect(self.update_action)
        #: the thread writing a file, while one is (one at a time)
        self.writer: threading.Thread | None = None
        self.dialog: QFileDialog | None = None
        self._done.connect(self._said_done)
        self._failed.connect(self._said_failed)
        self.update_action()
        self.retranslate()

    def retranslate(self) -> None:
        self.action.setText(self.tr("E&xport trace..."))
        self.action.setToolTip(
            self.tr(
                "Write the trace on screen for Perfetto (ui.perfetto.dev) or chrome://tracing:"
                " a track per task, arrows for who woke whom, the loop, threads, marks and"
                " resources"
            )
        )

    def update_action(self) -> None:
        self.action.setEnabled(self.exportable() is not None and not self.busy)

    @property
    def busy(self) -> bool:
        return self.writer is not None and self.writer.is_alive()

    def exportable(self) -> Trace | None:
        """The finished trace on screen (a run going on: none yet)."""
        window = self.window
        return None if window.running else window.trace

    def _filters(self) -> list[str]:
        return [f"{self._title(f)} (*{f.suffix})" for f in FORMATS.values()] + [
            self.tr("All files (*)")
        ]

    def _title(self, chosen: ExportFormat) -> str:
        """Its title in the user's language (marked in the table, context "Exports")."""
        return QCoreApplication.translate("Exports", chosen.title)

    def ask(self) -> None:
        trace = self.exportable()
        if trace is None or self.busy:
            return
        dialog = self.window._file_dialog(
            self.tr("Export trace"), ";;".join(self._filters()), True, self.export
        )
        first = next(iter(FORMATS.values()))
        dialog.setDefaultSuffix(first.suffix.lstrip("."))
        stem = Path(str(trace.meta.get("source") or "trace")).stem or "trace"
        dialog.selectFile(f"{stem}.{first.name}{first.suffix}")
        self.dialog = dialog

    def format_for(self, path: Path) -> ExportFormat:
        """The format the file dialog's filter chose, else the one whose suffix the name
        ends with, else the first."""
        dialog = self.dialog
        chosen = dialog.selectedNameFilter() if dialog is not None else ""
        for f in FORMATS.values():
            if chosen.startswith(self._title(f)):
                return f
        for f in FORMATS.values():
            if path.name.endswith((f.suffix, f.suffix + ".gz")):
                return f
        return next(iter(FORMATS.values()))

    def export(self, path: str | Path) -> bool:
        """Start writing the trace on screen to ``path``: False if there is none, or an
        export is going on."""
        trace = self.exportable()
        if trace is None or self.busy:
            return False
        path = Path(path)
        chosen = self.format_for(path)
        self.writer = threading.Thread(
            target=self._write, args=(chosen, trace, path), name="asyncviz-export", daemon=True
        )
        self.window.statusBar().showMessage(
            self.tr("Exporting the trace to {path}...").format(path=path)
        )
        self.writer.start()
        return True

    def _write(self, chosen: ExportFormat, trace: Trace, path: Path) -> None:
        """(On the writer thread: the outcome goes back as a signal.)"""
        try:
            try:
                events = chosen.write(trace, path)
            except Exception as exc:  # (never into the window: said, whatever it was)
                self._failed.emit(str(path), f"{type(exc).__name__}: {exc}")
            else:
                self._done.emit(str(path), events)
        except RuntimeError:  # (the window closed meanwhile: no one left to tell)
            pass

    def _said_done(self, path: str, events: int) -> None:
        self.window.statusBar().showMessage(
            self.tr("Exported the trace to {path}").format(path=path),
            15000,
        )

    def _said_failed(self, path: str, why: str) -> None:
        self.window.statusBar().clearMessage()
        self.window._say(self.tr("Cannot export to {path}").format(path=path), why)
