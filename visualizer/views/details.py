"""The details panel: everything known about the clicked span, as a teacher reads it."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtWidgets import QTextBrowser

from visualizer.model.at_time import RUNNING, ResourceAt, TaskAt
from visualizer.model.details import Details

#: a traceback's frame line: File "path", line N, in name
_FRAME = re.compile(r'^(\s*File ")(.+?)(", line )(\d+)(.*)$')


class DetailsPanel(QTextBrowser):
    """The clicked span's details, or the error that ended a run.  Traceback frames are
    links: ``site_clicked`` says which ``path:line`` to show in the source view."""

    site_clicked = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setOpenLinks(False)
        self.details: Details | None = None
        #: the statistics shown under the details (a task's), or alone (the loop's row's)
        self.statistics: str | None = None
        self.error: str | None = None  #: the error shown, if one is
        #: the tasks' states at the time cursor, if shown (``show_states``)
        self.states: list[TaskAt] | None = None
        #: the resources' states at the time cursor, with the tasks' (``show_states``)
        self.resources: list[ResourceAt] = []
        self.anchorClicked.connect(self._clicked)
        self.retranslate()

    def retranslate(self) -> None:
        """This panel's own words in the application's language (the details shown are
        the window's to make again: they come from the model, translated)."""
        if self.error is None and self.states is None:  # (states: the window's to redo)
            if self.details is None and self.statistics is not None:
                return  # (the run's statistics: the window's to make again)
            self.show_details(self.details, self.statistics)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _clicked(self, url: QUrl) -> None:
        site = url.toString()
        if site.startswith("site:"):
            self.site_clicked.emit(site[len("site:") :])

    def show_error(self, title: str, message: str, traceback: str) -> None:
        """What ended a run, its traceback's frames clickable."""
        self.details = None
        self.states = None
        self.resources = []
        self.error = message
        self.setHtml(
            f"<h3 style='color:#d32f2f'>{html.escape(title)}</h3>"
            f"<p><b>{html.escape(message)}</b></p>"
            f"<pre>{linked_traceback(traceback)}</pre>"
        )

    def show_statistics(self, title: str, statistics: str) -> None:
        """The run's statistics (``model.statistics_text``): a click on the loop's row."""
        self.details = None
        self.error = None
        self.states = None
        self.resources = []
        self.statistics = statistics
        self.setHtml(f"<h3>{html.escape(title)}</h3>{_monospace(statistics)}")

    def show_details(self, details: Details | None, statistics: str | None = None) -> None:
        """A span's details, and its task's statistics under them if given."""
        self.details = details
        self.statistics = statistics
        self.error = None
        self.states = None
        self.resources = []
        if details is None:
            # a hint, as text (a placeholder would not wrap: cut off in a narrow panel)
            hint = self.tr("Click a bar to see what the task was doing, and why.")
            self.setHtml(f"<p style='color:gray'>{html.escape(hint)}</p>")
            return
        rows = "".join(
            f"<tr><td style='padding-right:10px;color:gray'>{html.escape(name)}</td>"
            f"<td>{html.escape(value)}</td></tr>"
            for name, value in details.fields
        )
        parts = [f"<h3>{html.escape(details.title)}</h3><table>{rows}</table>"]
        if details.stack:
            frames = "<br>".join(html.escape(line) for line in details.stack)
            heading = self.tr("<b>await stack</b> (outermost first)")
            parts.append(f"<p>{heading}<br><tt>{frames}</tt></p>")
        if details.traceback:
            heading = html.escape(self.tr("traceback"))
            parts.append(f"<p><b>{heading}</b></p><pre>{linked_traceback(details.traceback)}</pre>")
        if statistics:
            heading = html.escape(self.tr("the task's steps and waits"))
            parts.append(f"<p><b>{heading}</b></p>{_monospace(statistics)}")
        self.setHtml("".join(parts))

    def show_states(
        self,
        title: str,
        rows: Sequence[TaskAt],
        more: int = 0,
        resources: Sequence[ResourceAt] = (),
    ) -> None:
        """Every task's state at the time cursor, a line each: the task, its state, what
        it awaits and where (a link to the line); ``more`` tasks left out at the end.
        Two columns that wrap only between words: the panel is narrow, the type big.
        The run's queues, locks ... (``resources``) first, a line each, the same way:
        they are few, and a list of a hundred tasks would hide them."""
        self.details = None
        self.error = None
        self.states = list(rows)
        self.resources = list(resources)
        lines = []
        for row in rows:
            state = html.escape(row.state)
            if row.code == RUNNING:
                state = f"<b>{state}</b>"  # (the one task the loop runs: find it at a glance)
            if row.awaiting:
                awaited = f"<span style='white-space:nowrap'>{html.escape(row.awaiting)}</span>"
                state = self.tr("{state} on {awaited}").format(state=state, awaited=awaited)
            if row.site:
                href = html.escape(f"site:{row.site}", quote=True)
                number = row.site.rpartition(":")[2]
                line = html.escape(self.tr("line {line}").format(line=number))
                state += f" <a href='{href}' style='color:gray;white-space:nowrap'>{line}</a>"
            lines.append(
                "<tr><td style='padding-right:12px;white-space:nowrap'>"
                f"{html.escape(row.task)}</td><td>{state}</td></tr>"
            )
        tail = ""
        if more:
            left = self.tr("and {count} more tasks").format(count=f"{more:,}")
            tail = f"<p style='color:gray'>{html.escape(left)}</p>"
        head = ""
        if resources:
            # (the words out of the f-string: lupdate does not look inside one)
            said_resources, said_tasks = self.tr("resources"), self.tr("tasks")
            head = (
                f"<p style='color:gray'>{html.escape(said_resources)}</p>"
                f"<table>{''.join(_resource_line(r) for r in resources)}</table>"
                f"<p style='color:gray'>{html.escape(said_tasks)}</p>"
            )
        self.setHtml(f"<h3>{html.escape(title)}</h3>{head}<table>{''.join(lines)}</table>{tail}")


def _monospace(text: str) -> str:
    """Lines that keep their columns (the statistics' histograms), in the panel's type
    (a projected pane must be read from the back); a line longer than the panel is wide
    goes on under it, not out of sight."""
    return f"<pre style='white-space:pre-wrap'>{html.escape(text)}</pre>"


def _resource_line(resource: ResourceAt) -> str:
    """A resource's line in the list at the time cursor: its name (its kind in grey),
    its state; full, in bold (where the producers or the workers can only wait); not
    made yet, in grey."""
    state = html.escape(resource.state)
    if resource.full:
        state = f"<b>{state}</b>"
    elif not resource.made:
        state = f"<span style='color:gray'>{state}</span>"
    return (
        "<tr><td style='padding-right:12px;white-space:nowrap'>"
        f"{html.escape(resource.name)} <span style='color:gray'>{html.escape(resource.kind)}"
        f"</span></td><td>{state}</td></tr>"
    )


def linked_traceback(text: str) -> str:
    """``text`` as HTML, each frame's ``File "path", line N`` a link to ``site:path:N``."""
    lines = []
    for line in text.splitlines():
        match = _FRAME.match(line)
        if match:
            head, path, _, number, tail = match.groups()
            href = html.escape(f"site:{path}:{number}", quote=True)
            shown = html.escape(f'{path}", line {number}')
            lines.append(f'{html.escape(head)}<a href="{href}">{shown}</a>{html.escape(tail)}')
        else:
            lines.append(html.escape(line))
    return "\n".join(lines)
