"""The program's output, line by line, each with the moment it was written.

A program run in its own process writes to its stdout and stderr as it always does;
the window shows each line here with its time on the chart's clock (stderr in the
error colour), and a click on a line moves the chart to that moment.  A program that
floods its output must not flood the window: lines are appended a batch at a time
(at most ``FLUSH_EVERY_MS`` apart, in one edit) and only the last ``MAX_LINES`` kept.
"""

from __future__ import annotations

from collections import deque
from typing import Final

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

#: lines kept in the pane (the oldest go first)
MAX_LINES: Final = 10_000
#: new lines are shown this often, at most (milliseconds)
FLUSH_EVERY_MS: Final = 100


class OutputPane(QPlainTextEdit):
    """stdout and stderr of the program on screen, with times; click a line: its moment."""

    #: a line was clicked: the chart's time it was written (seconds)
    time_clicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setUndoRedoEnabled(False)
        self._times: deque[float] = deque(maxlen=MAX_LINES)
        self._pending: list[tuple[float, str, str]] = []
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(FLUSH_EVERY_MS)
        self._flush.timeout.connect(self.flush)
        self._plain = QTextCharFormat()
        self._error = QTextCharFormat()
        self._error.setForeground(QColor("#c0392b"))
        self._time = QTextCharFormat()
        self._time.setForeground(QColor("#7f8c8d"))
        self.lines_shown = 0  #: lines ever added (the pane keeps the last MAX_LINES)

    def clear_lines(self) -> None:
        self._pending.clear()
        self._times.clear()
        self.clear()
        self.lines_shown = 0

    def add(self, t: float, stream: str, text: str) -> None:
        """A line (shown at the next flush)."""
        self._pending.append((t, stream, text))
        if len(self._pending) > MAX_LINES:  # (only the last ones can be shown anyway)
            del self._pending[: len(self._pending) - MAX_LINES]
        if not self._flush.isActive():
            self._flush.start()

    def flush(self) -> None:
        """The lines waiting, in one edit of the document."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        for t, stream, text in pending:
            if self.lines_shown or not self.document().isEmpty():
                cursor.insertBlock()
            cursor.insertText(f"{t:9.3f} s  ", self._time)
            cursor.insertText(text, self._error if stream == "stderr" else self._plain)
            self._times.append(t)
            self.lines_shown += 1
        cursor.endEditBlock()
        if at_end:
            bar.setValue(bar.maximum())

    def time_of_line(self, block: int) -> float | None:
        """The time of the line in block ``block`` (None if there is no such line)."""
        # the document keeps the last MAX_LINES blocks, and so does _times
        offset = len(self._times) - self.document().blockCount()
        index = block + offset
        return self._times[index] if 0 <= index < len(self._times) else None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton or self.textCursor().hasSelection():
            return
        t = self.time_of_line(self.cursorForPosition(event.position().toPoint()).blockNumber())
        if t is not None:
            self.time_clicked.emit(t)
