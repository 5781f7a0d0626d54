"""The Insights pane (issue 16, point 3): what went wrong in the run shown, in plain
words, each at its moment, with the lesson that explains it.

Under the chart: a list of the insights in time order (each with its severity's glyph,
its time and its finding) beside the explanation of the one chosen.  Choosing one moves
the chart to its moment (``span_in_view``: the user's zoom kept unless the insight's
span does not fit in it), picks out its tasks' lanes (the one to blame outlined, as a
click on its bar would), and shows its explanation, with a button that opens the lesson
in the browser (as choosing it there would) and one that shows the line of the program
it points at in the source view (a file the trace names is shown only as the source view
allows: a trace is someone else's data).  The counts by severity stand in the status
line; the badges on the lanes are ``views.insight_badges``.  Every word from a trace
(task names, errors, sites) is shown as plain text, never rich text.

Shown for a finished run and an opened trace (``show_trace``), and live: while a run
goes on, its insights are worked out again from its recent part (``partial=True``: not
what needs the end) at the pace and cost ``model.insights.live`` keeps, and once more,
whole, at its end.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt
from PySide6.QtGui import QAction, QFont, QIcon, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from visualizer.app.insights_worker import InsightsWorker
from visualizer.model.details import span_details
from visualizer.model.display_text import shown
from visualizer.model.insights import KINDS, SEVERITIES, Insight
from visualizer.model.insights.live import LiveInsights, key
from visualizer.session.sources import LiveSource
from visualizer.trace import schema
from visualizer.trace.data import Trace
from visualizer.views.chart import as_text
from visualizer.views.insight_badges import InsightBadges, severity_pixmap
from visualizer.views.lane_highlight import LaneHighlight

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow

#: the chart's time span around an insight: its span and a fifth of it on each side
CONTEXT: Final = 0.2
#: the pane's first share of the centre column's height (the chart has the rest)
PANE_SHARE: Final = 0.28


def translate(context: str, text: str) -> str:
    """Qt's translation (by this name, ``lupdate`` finds the pane's words)."""
    return QCoreApplication.translate(context, text)


def span_in_view(x0: float, x1: float, start: float, end: float) -> tuple[float, float]:
    """The time span to show so that ``start``..``end`` is in view with some context:
    the view as it is if it holds it already; else the view's width, centred on it (the
    user's zoom kept); wider only if it does not fit."""
    width = x1 - x0
    length = max(end - start, 0.0)
    margin = CONTEXT * length
    if length * (1 + 2 * CONTEXT) > width:  # (too long for this zoom: zoomed out to it)
        return start - margin, end + margin
    if x0 + 0.05 * width <= start and end <= x1 - 0.05 * width:
        return x0, x1
    middle = (start + end) / 2
    return middle - width / 2, middle + width / 2


def counts_text(found: list[Insight]) -> str:
    """``2 errors, 1 warning`` (the severities found, most severe first)."""
    words = {
        "error": (translate("Insights", "{count} error"), translate("Insights", "{count} errors")),
        "warning": (
            translate("Insights", "{count} warning"),
            translate("Insights", "{count} warnings"),
        ),
        "hint": (translate("Insights", "{count} hint"), translate("Insights", "{count} hints")),
    }
    parts = []
    for severity in SEVERITIES:
        count = sum(1 for x in found if x.severity == severity)
        if count:
            one, many = words[severity]
            parts.append((one if count == 1 else many).format(count=count))
    return ", ".join(parts) if parts else translate("Insights", "no insights")


class ElidedButton(QPushButton):
    """A button whose words, too long for it, end in "…" (a lesson's title at big type
    in a narrow pane: cut at both ends, centred, it read "n lesson: A blocking call
    freezes every"); the whole in its tooltip."""

    def __init__(self) -> None:
        super().__init__()
        self.whole = ""
        # (any width: never widens the pane past the window)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def set_whole(self, text: str) -> None:
        self.whole = text
        self.setToolTip(as_text(text))  # (a file's name is the trace's: text, not HTML)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._elide()

    def _elide(self) -> None:
        room = self.width() - 2 * self.fontMetrics().averageCharWidth() - 8
        self.setText(
            self.fontMetrics().elidedText(self.whole, Qt.TextElideMode.ElideRight, max(room, 0))
        )


class InsightsPane(QSplitter):
    """The list of insights and the explanation of the one chosen, under the chart."""

    def __init__(self, window: MainWindow, column: QSplitter) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.setObjectName("insights")
        self.window_ = window
        self.insights: list[Insight] = []  #: those listed, in time order
        self.trace: Trace | None = None  #: the finished trace they are of (None: live)
        self._live: LiveSource | None = None  #: the live run they are of, if any
        #: its insights so far (None: a finished run's, or none)
        self.live: LiveInsights | None = None
        self._generation = 0  #: that run's history, as last read (its tasks renumbered)
        self.file: str | Path | None = None  #: the file ``trace`` was read from, if any
        #: why the insights of ``trace`` could not be worked out (None: they were, or are)
        self.failed: str | None = None
        #: a big trace's insights are worked out in a thread (``insights_worker``)
        self.worker = InsightsWorker(self, self._found)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.currentRowChanged.connect(self._chosen)
        self.heading = QLabel(textFormat=Qt.TextFormat.PlainText, wordWrap=True)
        self.explanation = QLabel(textFormat=Qt.TextFormat.PlainText, wordWrap=True)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.site_button = ElidedButton()
        self.site_button.clicked.connect(self._show_site)
        self.lesson_button = ElidedButton()
        self.lesson_button.clicked.connect(self.open_lesson)
        for button in (self.site_button, self.lesson_button):
            button.hide()
        holder = QWidget()
        text = QVBoxLayout(holder)
        text.addWidget(self.heading)
        # (the buttons before the paragraph: in view without scrolling, in a low pane)
        text.addWidget(self.lesson_button)
        text.addWidget(self.site_button)
        text.addWidget(self.explanation)
        text.addStretch(1)
        self.details = QScrollArea()
        self.details.setWidgetResizable(True)
        self.details.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.explanation.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.heading.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.details.setWidget(holder)
        self.addWidget(self.list)
        self.addWidget(self.details)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 1)
        self.setSizes([450, 550])  # (the explanation's lines are the longer)
        #: the counts by severity, in the status line
        self.counts = QLabel(textFormat=Qt.TextFormat.PlainText)
        window.statusBar().addPermanentWidget(self.counts)
        #: the badges on the lanes, and the lanes of the insight chosen picked out
        chart = window.chart
        self.badges = InsightBadges(lambda: chart.lanes)
        self.highlight = LaneHighlight(chart.palette)
        plot = chart.getPlotItem()
        plot.addItem(self.badges, ignoreBounds=True)
        plot.addItem(self.highlight, ignoreBounds=True)
        chart.hover_sources.append(self.badges.tooltip_at)
        chart.click_sources.append(self._badge_clicked)
        chart.span_clicked.connect(lambda _: self.highlight.set_lanes([]))
        column.addWidget(self)
        column.setCollapsible(0, False)
        column.setStretchFactor(0, 1)
        total = max(sum(column.sizes()), 600)
        column.setSizes([round(total * (1 - PANE_SHARE)), round(total * PANE_SHARE)])
        #: View > Insights pane (put away, and back)
        self.action = QAction(window)
        self.action.setCheckable(True)
        self.action.setChecked(True)
        self.action.setShortcut(QKeySequence("Ctrl+I"))
        self.action.toggled.connect(self.setVisible)
        window.view_menu.addAction(self.action)
        window.frames.extras.append(self.live_frame)
        self._font_size = 0.0
        self._fit_type()
        self.retranslate()
        self._show([])

    # --- words and type -------------------------------------------------------------------
    def retranslate(self) -> None:
        """The pane's words in the window's language, and the insights' (worked out again
        from the finished trace: their words are made with the translation)."""
        self.action.setText(self.tr("&Insights pane"))
        self.action.setToolTip(
            self.tr("Show or hide the list of what went wrong in the run, under the chart")
        )
        self.list.setToolTip(
            self.tr("What went wrong in the run, in time order: click one to see it on the chart")
        )
        if self.trace is not None:
            self.show_trace(self.trace, self.file)
        else:
            self._show(self.insights)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() == QEvent.Type.FontChange:
            self._fit_type()
        super().changeEvent(event)

    def _fit_type(self) -> None:
        """Glyphs as big as the type (a teacher's big type, presenter mode)."""
        points = self.font().pointSizeF()
        if points == self._font_size:
            return
        self._font_size = points
        bold = QFont(self.font())
        bold.setBold(True)
        self.heading.setFont(bold)
        side = self.fontMetrics().height()
        self.list.setIconSize(QSize(side, side))
        self.badges.set_font_size(points)
        self._show(self.insights, keep=True)

    # --- what is shown ----------------------------------------------------------------------
    def clear(self) -> None:
        """A run begins: nothing found yet."""
        self.trace, self._live, self.live = None, None, None
        self.file, self.failed = None, None
        self.worker.forget()
        self._show([])
        self.counts.setText("")

    def show_trace(self, trace: Trace, file: str | Path | None = None) -> None:
        """The insights of a finished run or an opened trace (``file``: the file it was
        read from, where a big one's insights are worked out apart: ``insights_worker``)."""
        self.trace, self._live, self.live = trace, None, None
        self.file, self.failed = file, None
        self.worker.start(trace, file, self.window_.language)
        if self.worker.busy:  # (a big trace: found apart; meanwhile, "looking")
            self._show([])

    def _found(self, trace: Trace, found: list[Insight], failed: str | None) -> None:
        if trace is self.trace:
            self.failed = failed
            self._show(found, keep=True)

    def live_frame(self, source: LiveSource) -> None:
        """A live frame: the run's insights worked out again when due (``LiveInsights``;
        anew when the run's history moved on: its tasks were renumbered)."""
        model = source.model
        if model is None:
            return
        if self.live is None or source is not self._live or model.generation != self._generation:
            self._live, self._generation, self.trace = source, model.generation, None
            self.file, self.failed = None, None
            self.worker.forget()
            self.live = LiveInsights(model, QCoreApplication.translate)
            self._show([])  # (a run on: "nothing so far", not the idle window's words)
        if self.live.due(time.perf_counter()) and self.live.update():
            self._show(self.live.found, keep=True)

    def _show(self, found: list[Insight], *, keep: bool = False) -> None:
        """List ``found`` (the one chosen stays chosen if it is there: ``keep``), count it,
        badge it."""
        chosen = self.chosen()
        kept = key(chosen) if keep and chosen is not None else None
        self.insights = found
        side = max(self.list.iconSize().width(), 16)
        icons = {s: QIcon(severity_pixmap(s, side)) for s in SEVERITIES}
        self.list.blockSignals(True)
        self.list.clear()
        for insight in found:
            item = QListWidgetItem(icons[insight.severity], self._line(insight))
            # (a task's name or an error's message in it is the program's: as text, since
            # Qt shows a tooltip that looks like HTML as HTML)
            item.setToolTip(as_text(insight.finding))
            self.list.addItem(item)
        row = next((i for i, x in enumerate(found) if key(x) == kept), -1)
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        if not found:
            self.list.addItem(self._nothing())
        said = self.trace or self._live
        quiet = self.worker.busy or self.failed  # (no count: none known)
        self.counts.setText(counts_text(found) if said and not quiet else "")
        self.badges.set_badges(
            [(x.start, x.end, x.tasks) for x in found],
            [x.severity for x in found],
            [x.finding for x in found],
        )
        self._explain(self.chosen())

    def _nothing(self) -> QListWidgetItem:
        if self.trace is None and self._live is None:
            said = self.tr("Run a scenario or open a trace: what went wrong is listed here.")
        elif self._live is not None:
            said = self.tr("Nothing found so far.")
        elif self.worker.busy:
            said = self.tr("Looking for what went wrong in this run…")
        elif self.failed:
            said = self.tr("The insights could not be worked out: {why}").format(why=self.failed)
        else:
            said = self.tr(
                "Nothing found: none of what the insights look for happened in this run."
            )
        item = QListWidgetItem(said)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        return item

    def _line(self, insight: Insight) -> str:
        return self.tr("{t} s  {finding}").format(t=f"{insight.start:.3f}", finding=insight.finding)

    def chosen(self) -> Insight | None:
        row = self.list.currentRow()
        return self.insights[row] if 0 <= row < len(self.insights) else None

    # --- choosing one -----------------------------------------------------------------------
    def _badge_clicked(self, x: float, y: float, pixel: tuple[float, float]) -> bool:
        """A click on a badge chooses its insight (the badges are in the list's order)."""
        row = self.badges.insight_at(x, y, pixel) if self.isVisible() else None
        if row is None:
            return False
        self.choose(row)
        return True

    def choose(self, row: int) -> None:
        """Choose the insight ``row`` (as a click on it does)."""
        self.list.setCurrentRow(row)

    def _chosen(self, row: int) -> None:
        insight = self.insights[row] if 0 <= row < len(self.insights) else None
        self._explain(insight)
        if insight is not None:
            self._reveal(insight)

    def _explain(self, insight: Insight | None) -> None:
        """The insight's kind, severity and time, its finding and its explanation (plain
        text), and the buttons to its site and its lesson."""
        if insight is None:
            self.heading.setText("")
            self.explanation.setText(
                self.tr("Choose an insight to see it on the chart, and why it happened.")
                if self.insights
                else ""
            )
            self.site_button.hide()
            self.lesson_button.hide()
            return
        kind = KINDS.get(insight.kind)
        title = translate("Insights", kind.title) if kind else insight.kind
        self.heading.setText(
            self.tr("{title} ({severity}, {start} s)").format(
                title=title,
                severity=translate("Insights", insight.severity),
                start=f"{insight.start:.3f}",
            )
        )
        self.explanation.setText(insight.explanation)  # (the finding: the list's line)
        if insight.site:
            path, _, line = insight.site.rpartition(":")
            self.site_button.set_whole(
                self.tr("Show {file}, line {line}").format(file=shown(Path(path).name), line=line)
            )
            self.site_button.setToolTip(as_text(shown(insight.site)))
        self.site_button.setVisible(bool(insight.site))
        scenario = self.window_.scenarios.get(insight.lesson or "")
        if scenario is not None:
            title = scenario.text(self.window_.language)[0]
            self.lesson_button.set_whole(self.tr("Open lesson: {title}").format(title=title))
        self.lesson_button.setVisible(scenario is not None)

    def _reveal(self, insight: Insight) -> None:
        """The chart at the insight's moment (its span in view, its first task's lane
        too), its tasks' lanes picked out, the span of the one to blame outlined (and
        its details shown) on a finished run."""
        chart = self.window_.chart
        view = chart.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = view.viewRange()
        left, right = span_in_view(x0, x1, insight.start, insight.end)
        lanes = chart.lanes
        known = [t for t in insight.tasks if 0 <= t < len(lanes)]
        top, bottom = min(y0, y1), max(y0, y1)
        if known:
            lane = float(lanes[known[0]])
            if not top + 0.5 <= lane <= bottom - 0.5:  # (the lane out of view: a third down)
                top = max(-0.6, lane - (bottom - top) / 3)
                bottom = top + (max(y0, y1) - min(y0, y1))
        chart.following = False  # (the user looks at that moment)
        view.setRange(xRange=(left, right), yRange=(top, bottom), padding=0)
        self.highlight.set_palette(chart.palette)
        self.highlight.set_lanes(lanes[known] if known else [])
        trace = chart.trace
        if trace is not None and trace is self.trace and known:
            index = _span_of(trace, known[0], insight.start)
            chart.select_span(index)
            if index is not None:  # (the details of the span, as a click on it shows)
                details = span_details(
                    trace, index, QCoreApplication.translate, resources=chart.resources.rows or None
                )
                self.window_.details.show_details(details)
        # its line in the source view, where that file may be shown unasked (a file the
        # window has not been told to trust waits for the button: no question unasked)
        site = insight.site
        source = self.window_.source
        if site and ":" in site and source.may_show(Path(site.rpartition(":")[0])):
            source.show_site(site)

    def _show_site(self) -> None:
        insight = self.chosen()
        if insight is not None and insight.site:
            self.window_.source.show_site(insight.site)

    def open_lesson(self) -> None:
        """The insight's lesson, selected in the browser (as choosing it there would):
        its explanation and source shown; the browser's column shown if it was put away."""
        insight = self.chosen()
        window = self.window_
        if insight is None or insight.lesson not in window.scenarios:
            return
        window.panes.left_action.setChecked(True)
        window.select(insight.lesson)

    # --- remembered -------------------------------------------------------------------------
    def restore(self, on: bool) -> None:
        self.action.setChecked(on)
        self.setVisible(on)


def _span_of(trace: Trace, task: int, start: float) -> int | None:
    """The span of ``task`` an insight beginning at ``start`` is about: the one that
    begins at ``start`` (a running one first), else the one under ``start``."""
    spans = trace.spans
    mine = np.flatnonzero(spans.task == task)
    if not len(mine):
        return None
    begins = mine[np.abs(spans.start[mine] - start) <= 1e-9]
    if len(begins):
        running = begins[spans.state[begins] == schema.RUNNING]
        return int((running if len(running) else begins)[0])
    under = mine[(spans.start[mine] <= start) & (spans.end[mine] >= start)]
    return int(under[0]) if len(under) else None
