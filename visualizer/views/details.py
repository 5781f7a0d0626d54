"""The details panel: everything known about the clicked span, as a teacher reads it."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QTextBrowser

from visualizer.model.details import Details


class DetailsPanel(QTextBrowser):
    def __init__(self) -> None:
        super().__init__()
        self.setOpenLinks(False)
        self.setPlaceholderText("Click a bar to see what the task was doing, and why.")
        self.details: Details | None = None

    def show_details(self, details: Details | None) -> None:
        self.details = details
        if details is None:
            self.clear()
            return
        rows = "".join(
            f"<tr><td style='padding-right:10px;color:gray'>{html.escape(name)}</td>"
            f"<td>{html.escape(value)}</td></tr>"
            for name, value in details.fields
        )
        parts = [f"<h3>{html.escape(details.title)}</h3><table>{rows}</table>"]
        if details.stack:
            frames = "<br>".join(html.escape(line) for line in details.stack)
            parts.append(f"<p><b>await stack</b> (outermost first)<br><tt>{frames}</tt></p>")
        if details.traceback:
            parts.append(f"<p><b>traceback</b></p><pre>{html.escape(details.traceback)}</pre>")
        self.setHtml("".join(parts))
