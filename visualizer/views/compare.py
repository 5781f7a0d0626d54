"""Two runs, one above the other, on one time axis, and what tells them apart.

One above the other, not side by side: the same instant is then at the same x in
both charts, so a teacher can point at 2.0 s and both runs answer.  The time axis is
drawn once, under the lower chart; the upper keeps its grid lines.  The charts' X
ranges are linked (panning or zooming one moves the other; pyqtgraph keeps an instant
at the same pixel in both) and their lane-name columns are as wide, so both show the
same stretch of time (not one with a blank strip before 0) and their names line up.
Each run is titled with
what it is (scenario, parameters) and its total time, and a dashed line marks where
it ended.  Under them, a few sentences and a table of the figures
(``model.compare``), in the user's language.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from visualizer.model.compare import (
    Comparison,
    ResourceFigures,
    RunFigures,
    compare,
    params_text,
    short_seconds,
)
from visualizer.model.display_text import shown
from visualizer.model.resource_states import QUEUES, WAIT_WORDS
from visualizer.trace.data import Trace
from visualizer.views.chart import GanttView
from visualizer.views.gantt import LIGHT, Palette
from visualizer.views.legend import legend_html
from visualizer.views.lines import SafeLine

#: a fitted chart has room for this many rows at least (two do not become two slabs)
MIN_ROWS = 4

#: lanes of empty room under the last row, where the end lines' times are written
#: (written over the rows they would hide the ends of bars)
END_BAND = 1.2

#: (by this name, lupdate finds each ``translate("Compare", "...")`` below)
translate = QCoreApplication.translate


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%" if share >= 0.01 or share == 0 else "<1%"


def run_names(comparison: Comparison) -> tuple[str, str]:
    """What the sentences call the two runs: what tells them apart, else A and B."""
    if comparison.names is not None:
        return comparison.names
    return translate("Compare", "A"), translate("Compare", "B")


def comparison_sentences(comparison: Comparison) -> list[str]:
    """A few short sentences, plain text, in the application's language: the total
    times, how many tasks waited at once, the lesson when it shows, the tasks made,
    each resource both runs made (``resource_sentences``), the time ready."""
    c = comparison
    a, b = run_names(c)
    said: list[str] = []
    if c.alike:
        said.append(
            translate(
                "Compare",
                "No difference: the two runs took the same time ({time}), made as many"
                " tasks and overlapped their waits as much.",
            ).format(time=short_seconds(c.a.duration))
        )
    elif c.same_time:
        said.append(
            translate("Compare", "{a} and {b} took the same time: {time}.").format(
                a=a, b=b, time=short_seconds(c.a.duration)
            )
        )
    else:
        words = (
            translate(
                "Compare",
                "{b} took {b_time}, {diff} less than {a} ({a_time}): {percent}% less time.",
            )
            if c.saved > 0
            else translate(
                "Compare",
                "{b} took {b_time}, {diff} more than {a} ({a_time}): {percent}% more time.",
            )
        )
        said.append(
            words.format(
                a=a,
                b=b,
                a_time=short_seconds(c.a.duration),
                b_time=short_seconds(c.b.duration),
                diff=short_seconds(abs(c.saved)),
                percent=f"{c.percent:.0f}",
            )
        )
    if c.a.most_waiting == c.b.most_waiting:
        said.append(
            translate(
                "Compare", "Most tasks waiting at once on a sleep, I/O or a thread: {n} in both."
            ).format(n=c.a.most_waiting)
        )
    else:
        said.append(
            translate(
                "Compare",
                "Most tasks waiting at once on a sleep, I/O or a thread: {a_n} in {a},"
                " {b_n} in {b}.",
            ).format(a=a, b=b, a_n=c.a.most_waiting, b_n=c.b.most_waiting)
        )
        faster, slower = (b, a) if c.saved > 0 else (a, b)
        fast, slow = (c.b, c.a) if c.saved > 0 else (c.a, c.b)
        if not c.same_time and fast.most_waiting > slow.most_waiting:
            said.append(
                translate(
                    "Compare",
                    "Only one task runs at a time: {faster} is faster than {slower} because"
                    " more of its waits overlap.",
                ).format(faster=faster, slower=slower)
            )
    if c.a.tasks != c.b.tasks:
        said.append(
            translate("Compare", "Tasks made: {a_n} in {a}, {b_n} in {b}.").format(
                a=a, b=b, a_n=c.a.tasks, b_n=c.b.tasks
            )
        )
    for pair in c.resources:
        said += resource_sentences(pair, a, b)
    if c.hardly_ready:
        said.append(
            translate(
                "Compare",
                "In both runs the tasks hardly waited for the loop (ready: under 1% of their"
                " time).",
            )
        )
    else:
        said.append(
            translate(
                "Compare",
                "Time ready (waiting for the loop): {a_time} in {a} ({a_share} of the tasks'"
                " time), {b_time} in {b} ({b_share}).",
            ).format(
                a=a,
                b=b,
                a_time=short_seconds(c.a.ready),
                b_time=short_seconds(c.b.ready),
                a_share=_percent(c.a.ready_share),
                b_share=_percent(c.b.ready_share),
            )
        )
    return said


def resource_sentences(pair: tuple[ResourceFigures, ResourceFigures], a: str, b: str) -> list[str]:
    """What one resource both runs made says: how much of the time it was full, how
    long tasks waited on it (a queue's waits: for what), how many at once; ``a`` and
    ``b`` name the runs."""
    fa, fb = pair
    name = shown(fa.name)
    said = []
    share_a, share_b = fa.full_share, fb.full_share
    if (share_a is None) != (share_b is None):  # (a queue with a maxsize, one without)
        bounded, unbounded = (a, b) if share_a is not None else (b, a)
        said.append(
            translate(
                "Compare",
                "{resource} was full {share} of the time with {bounded}; with {unbounded} it"
                " had no bound.",
            ).format(
                resource=name,
                share=_percent(share_a if share_a is not None else share_b or 0.0),
                bounded=bounded,
                unbounded=unbounded,
            )
        )
    elif share_a is not None and share_b is not None:
        if _percent(share_a) == _percent(share_b):
            said.append(
                translate("Compare", "{resource} was never full in either run.").format(
                    resource=name
                )
                if share_a == share_b == 0
                else translate(
                    "Compare", "{resource} was full {share} of the time in both."
                ).format(resource=name, share=_percent(share_a))
            )
        else:
            said.append(
                translate(
                    "Compare",
                    "{resource} was full {a_share} of the time with {a}, {b_share} with {b}.",
                ).format(
                    resource=name, a=a, b=b, a_share=_percent(share_a), b_share=_percent(share_b)
                )
            )
    if fa.waited > 0 or fb.waited > 0:
        time_a, time_b = _waited(fa), _waited(fb)
        if time_a == time_b:
            said.append(
                translate(
                    "Compare", "Time tasks spent waiting on {resource}: {time} in both."
                ).format(resource=name, time=time_a)
            )
        else:
            said.append(
                translate(
                    "Compare",
                    "Time tasks spent waiting on {resource}: {a_time} with {a}, {b_time} with {b}.",
                ).format(resource=name, a=a, b=b, a_time=time_a, b_time=time_b)
            )
        if fa.most_waiting != fb.most_waiting:
            said.append(
                translate(
                    "Compare",
                    "Most tasks waiting on {resource} at once: {a_n} with {a}, {b_n} with {b}.",
                ).format(resource=name, a=a, b=b, a_n=fa.most_waiting, b_n=fb.most_waiting)
            )
    return said


def _waited(f: ResourceFigures) -> str:
    """``3.00 s (put 1.50 s, join 1.50 s)``: the time waited on a resource; a queue's
    split by what for (each part of 1% of the time or more)."""
    total = short_seconds(f.waited)
    if f.kind not in QUEUES or f.waited <= 0:
        return total
    parts = [
        translate("Compare", "{what} {time}").format(
            what=translate("Resources", word), time=short_seconds(seconds)
        )
        for word, seconds in zip(WAIT_WORDS, f.waited_for, strict=True)
        if seconds >= 0.01 * f.waited
    ]
    return translate("Compare", "{time} ({parts})").format(time=total, parts=", ".join(parts))


def figures_rows(comparison: Comparison) -> list[tuple[str, str, str]]:
    """The table under the sentences: (what, run A's, run B's)."""

    def share(seconds: float, of: float) -> str:
        return f"{short_seconds(seconds)} ({_percent(of)})"

    def row(what: str, value: Callable[[RunFigures], str]) -> tuple[str, str, str]:
        return what, value(comparison.a), value(comparison.b)

    rows = [
        row(translate("Compare", "total time"), lambda f: short_seconds(f.duration)),
        row(
            translate("Compare", "most tasks waiting at once (sleep, I/O, thread)"),
            lambda f: str(f.most_waiting),
        ),
        row(translate("Compare", "most tasks alive at once"), lambda f: str(f.most_alive)),
        row(translate("Compare", "tasks made"), lambda f: str(f.tasks)),
        row(
            translate("Compare", "time ready (share of the tasks' time)"),
            lambda f: share(f.ready, f.ready_share),
        ),
        row(
            translate("Compare", "loop busy (share of the run)"),
            lambda f: share(f.loop_busy, f.busy_share),
        ),
    ]

    def full(f: ResourceFigures) -> str:
        # (the share first: what tells the runs apart at a glance)
        shared = f.full_share
        return (
            "-"
            if f.full is None or shared is None
            else f"{_percent(shared)} ({short_seconds(f.full)})"
        )

    for fa, fb in comparison.resources:
        name = shown(fa.name)
        rows += [
            (
                translate("Compare", "{resource}: time full (share)").format(resource=name),
                full(fa),
                full(fb),
            ),
            (
                translate("Compare", "{resource}: most tasks waiting at once").format(
                    resource=name
                ),
                str(fa.most_waiting),
                str(fb.most_waiting),
            ),
            (
                translate("Compare", "{resource}: time tasks waited").format(resource=name),
                short_seconds(fa.waited),
                short_seconds(fb.waited),
            ),
        ]
    return rows


def run_title(trace: Trace) -> str:
    """``semaphore_workers (limit=1)``: which run this is."""
    meta = trace.meta
    source = shown(str(meta.get("source", ""))) or translate("Compare", "a run")
    params = dict(meta.get("params") or {})
    return f"{source} ({params_text(params)})" if params else source


def _end_line() -> pg.InfiniteLine:
    """A dashed line at a run's end, its total time written at its foot (under the
    rows: ``END_BAND``), on its left (on the right it would fall off the chart at the
    longer run's end)."""
    return SafeLine(
        angle=90,
        movable=False,
        label="",
        labelOpts={"position": 0.99, "anchors": [(1.0, 1.0), (1.0, 1.0)]},
    )


class CompareView(QWidget):
    """Run A above run B on one time axis, titled, with the summary under them."""

    def __init__(self, palette: Palette = LIGHT, font_size: int = 11) -> None:
        super().__init__()
        self.colours = palette
        self.font_size = font_size
        self.traces: tuple[Trace, Trace] | None = None
        self.comparison: Comparison | None = None
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.charts = (GanttView(palette, font_size), GanttView(palette, font_size))
        self.titles = (QLabel(), QLabel())
        #: a dashed line where each run ended, labelled with its total time
        self.ends = (_end_line(), _end_line())
        splitter = QSplitter(Qt.Orientation.Vertical)
        for title, chart, end in zip(self.titles, self.charts, self.ends, strict=True):
            title.setTextFormat(Qt.TextFormat.RichText)
            title.setWordWrap(True)
            end.setZValue(15)
            end.hide()
            chart.getPlotItem().addItem(end)
            pane = QWidget()
            column = QVBoxLayout(pane)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(title)
            column.addWidget(chart, 1)
            splitter.addWidget(pane)
        top, bottom = self.charts
        bottom.setXLink(top)  # one time axis: pan or zoom either, both follow
        # drawn once, under the lower chart; the upper keeps its grid lines
        axis = top.getPlotItem().getAxis("bottom")
        axis.setStyle(showValues=False)
        axis.showLabel(False)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.splitter = splitter  # (the two runs share the height alike)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.legend)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.summary)  # (as tall as its text: the charts get the rest)
        self.set_palette(palette)
        self.set_font_size(font_size)

    def show_runs(self, a: Trace, b: Trace) -> None:
        """Show run ``a`` above run ``b``, both from 0 to the longer's end."""
        self.traces = (a, b)
        self.comparison = compare(a, b)
        for chart, trace, end in zip(self.charts, self.traces, self.ends, strict=True):
            chart.show_trace(trace, fit=False)
            end.setValue(trace.duration)
            end.label.setFormat(short_seconds(trace.duration))
            end.label.setText(short_seconds(trace.duration))  # (a hidden label: not yet)
            end.show()
        self._line_up()
        self.fit()
        self.retranslate()

    def _line_up(self) -> None:
        """The lane-name columns as wide in both charts: the same x, the same time."""
        for chart in self.charts:
            chart.set_names_width_floor(0)  # (each back to what its names need)
        widest = max(chart.names_width() for chart in self.charts)
        for chart in self.charts:
            chart.set_names_width_floor(widest)

    def fit(self) -> None:
        """Both runs whole: time from 0 to the longer run's end, every lane of each."""
        if self.traces is None:
            return
        # lanes as tall in both (the larger run's fill its chart): one scale for both
        rows = max(MIN_ROWS, *(chart.all_rows for chart in self.charts))
        for chart in self.charts:
            chart.setYRange(-0.6, rows - 0.4 + END_BAND, padding=0)
        longest = max(trace.duration for trace in self.traces)
        self.charts[0].setXRange(0.0, max(longest, 1e-6), padding=0.02)

    def zoom_time(self, factor: float) -> None:
        self.charts[0].zoom_time(factor)  # (the other follows: linked)

    def _resources_shown(self) -> bool:
        """Either run has resources' rows (their legend is shown then)."""
        return any(chart.resources.lanes for chart in self.charts)

    def retranslate(self) -> None:
        """The titles, the summary and the axis's word, in the application's language."""
        self.legend.setText(legend_html(self.colours, resources=self._resources_shown()))
        self.charts[1].setLabel("bottom", translate("GanttView", "time"), units="s")
        if self.traces is None or self.comparison is None:
            self.summary.setText("")
            for title in self.titles:
                title.setText("")
            return
        letters = (translate("Compare", "A"), translate("Compare", "B"))
        for title, letter, trace in zip(self.titles, letters, self.traces, strict=True):
            clock = str(trace.meta.get("clock", ""))
            template = (
                translate("Compare", "{letter}: {run}, total time {time} (virtual clock)")
                if clock == "virtual"
                else translate("Compare", "{letter}: {run}, total time {time}")
            )
            title.setText(
                html.escape(template).format(
                    letter=f"<b>{html.escape(letter)}</b>",
                    run=f"<b>{html.escape(run_title(trace))}</b>",
                    time=f"<b>{html.escape(short_seconds(trace.duration))}</b>",
                )
            )
        self.summary.setText(self._summary_html(self.comparison))

    def _summary_html(self, comparison: Comparison) -> str:
        sentences = "".join(f"<li>{html.escape(s)}</li>" for s in comparison_sentences(comparison))
        a, b = (html.escape(n) for n in run_names(comparison))
        cells = "".join(
            f"<tr><td>{html.escape(what)}</td>"
            f"<td align='right'>&nbsp;&nbsp;{html.escape(va)}</td>"
            f"<td align='right'>&nbsp;&nbsp;{html.escape(vb)}</td></tr>"
            for what, va, vb in figures_rows(comparison)
        )
        head = (
            f"<tr><th></th><th align='right'>&nbsp;&nbsp;{a}</th>"
            f"<th align='right'>&nbsp;&nbsp;{b}</th></tr>"
        )
        return (
            "<table width='100%'><tr>"
            f"<td valign='top' width='60%'><ul style='margin-left:0'>{sentences}</ul></td>"
            f"<td valign='top'><table cellspacing='2'>{head}{cells}</table></td>"
            "</tr></table>"
        )

    def set_palette(self, palette: Palette) -> None:
        self.colours = palette
        for chart, end in zip(self.charts, self.ends, strict=True):
            chart.set_palette(palette)
            end.setPen(pg.mkPen(palette.foreground, width=2, style=Qt.PenStyle.DashLine))
            end.label.setColor(palette.foreground)
            end.label.fill = pg.mkBrush(palette.background)  # (legible over a bar)
            end.label.update()
        self.legend.setText(legend_html(palette, resources=self._resources_shown()))

    def set_font_size(self, size: int) -> None:
        """The window's text size (a teacher's big type), charts and summary alike."""
        self.font_size = size
        font = QFont()
        font.setPointSize(size)
        for chart, end in zip(self.charts, self.ends, strict=True):
            chart.set_font_size(size)
            end.label.setFont(font)
        for label in (*self.titles, self.summary, self.legend):
            label.setFont(font)
        if self.traces is not None:
            self._line_up()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
