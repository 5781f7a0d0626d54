"""A one-line label that is never cut: too long for its width, it is shortened in the
middle ("…") and has the whole text in its tooltip.

The status line (issue 14): in presenter mode, at 20 points, a lecture's status (the
run, the lecture's speed and pause, tasks, the ready queue, events, spans, an error)
is wider than a 1280-pixel screen, and a QLabel in a status bar is then cut at the right
edge, the end of the line (the error) lost.  Shortened in the middle, its start (which
run) and its end (how it ended) stay in view.  A text of parts (``separator``) loses
whole parts from the middle first, the first ``kept`` and the last staying whole (the
status line keeps the run's name and the lecture's state: "paused at 1.500 s"); only if
that is still too long are letters cut.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy


class ElidedLabel(QLabel):
    """Plain text on one line, shortened in the middle when it does not fit."""

    def __init__(self, *args: Any, separator: str = "", kept: int = 2, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.separator = separator  #: between the text's parts ("": one part)
        self.kept = kept  #: the parts at the start that are never left out
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        """Any width (the text is shortened to it), a line's height."""
        return QSize(0, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """The text as drawn: whole, or shortened in the middle to the label's width."""
        width = self.contentsRect().width()
        metrics = self.fontMetrics()
        text = self.text()
        if self.separator and metrics.horizontalAdvance(text) > width:
            parts = text.split(self.separator)
            # the parts from the middle out, one at a time: the first ``kept`` and the
            # last stay (a "…" where the others were)
            for cut in range(len(parts) - 1, self.kept, -1):
                text = self.separator.join([*parts[: cut - 1], "…", parts[-1]])
                if metrics.horizontalAdvance(text) <= width:
                    break
        return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, width)

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._tip()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._tip()

    def _tip(self) -> None:
        """The whole text in the tooltip while it is shortened."""
        self.setToolTip(self.text() if self.is_elided() else "")

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
            self.palette(),
            self.isEnabled(),
            self.shown_text(),
            self.foregroundRole(),
        )
        painter.end()
