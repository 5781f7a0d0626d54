"""The main window: pick a scenario, run it (live on this loop, or on the virtual clock),
watch the chart fill.

The scenario runs on the *GUI's own* loop (``GuiEventLoop``) when the clock is real:
the real thing, traced live, while the window keeps drawing.  The window's own tasks
(this module's coroutines) are never traced: the tracer records only tasks made in the
run's context.  With the virtual clock the run is recorded off the GUI loop, in a
worker thread, and the finished chart is shown.  In a lecture the scenario runs on a
loop of its own that this window turns a few milliseconds at a time, at the speed the
teacher sets (``visualizer.session.lecture``; the controls: ``LectureBar``).

Attributes go down (the window sets the chart's data), messages come up (the run
reports through the model it fills; the window reads it at frame rate: its live frames
are ``visualizer.app.live_frames``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDateTime, QEvent, QLocale, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QFont, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from visualizer.app.about_box import About
from visualizer.app.authoring import Authoring
from visualizer.app.browser import ID_ROLE, ScenarioBrowser
from visualizer.app.compare_window import Comparing
from visualizer.app.elided_label import ElidedLabel
from visualizer.app.exporting import Exporting
from visualizer.app.history_menu import HistoryMenu
from visualizer.app.hot_reload import HotReload
from visualizer.app.insights_pane import InsightsPane
from visualizer.app.layout import Panes
from visualizer.app.lecture_bar import LectureBar
from visualizer.app.lesson_checks import LessonChecks
from visualizer.app.lesson_text import lesson_html
from visualizer.app.listening import Listening
from visualizer.app.live_frames import LiveFrames
from visualizer.app.loading import TraceLoading
from visualizer.app.params import ParamsForm
from visualizer.app.presenter import Presenter
from visualizer.app.replay import Replay
from visualizer.app.settings import save_window
from visualizer.app.sharing import Sharing
from visualizer.app.theme import apply_theme
from visualizer.app.time_cursor import TimeCursor
from visualizer.app.translations import LANGUAGES, ui_language, use_language
from visualizer.model.details import span_details
from visualizer.model.display_text import shown
from visualizer.model.statistics import run_statistics, task_statistics
from visualizer.model.statistics_text import PANE_BAR, PANE_BINS, run_text, task_text
from visualizer.session.lecture import LectureSession
from visualizer.session.listen import AttachedRun
from visualizer.session.process import ChildRun, OutputLine
from visualizer.session.receiver import StreamedSource
from visualizer.session.runner import Recorder
from visualizer.session.scenarios import (
    Scenario,
    ScenarioError,
    bind_params,
    builtin_scenario_dir,
    load_main,
)
from visualizer.session.shared import clock_of as _clock_of
from visualizer.session.sources import (
    STOPPED,
    InLoopRun,
    RecorderSource,
    RunOutcome,
    VirtualRun,
    failure,
)
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import save
from visualizer.views.chart import GanttView
from visualizer.views.details import DetailsPanel
from visualizer.views.export import export_chart
from visualizer.views.gantt import THEMES
from visualizer.views.legend import legend_html
from visualizer.views.output import OutputPane
from visualizer.views.source import SourceView

log = logging.getLogger("asyncviz.app")

#: the clocks a run can use (the clock menu's entries, in its order)
CLOCKS = ("real", "virtual", "ideal", "lecture")
#: between the parts of the status line
STATUS_SEPARATOR = "   |   "
#: in a lecture, the scenario's loop is turned this often (seconds)
LECTURE_TICK = 0.005


def _fixed_font(size: int) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(size)
    return font


class MainWindow(QMainWindow):
    def __init__(
        self, scenarios: list[Scenario], *, theme: str = "light", font_size: int = 11
    ) -> None:
        super().__init__()
        self.setWindowTitle("asyncio-visualizer")
        self.scenarios = {s.id: s for s in scenarios}
        palette = THEMES[theme]
        self.theme = theme
        #: the window's language (its words, the scenarios' explanations), a locale name:
        #: the system's until the user picks one (View > Language), then remembered
        self.language = QLocale.system().name()
        self.language_chosen = False  #: the user picked the language (it is saved)
        #: what command-line flags set, for this session only (``settings.save_window``)
        self.session_only: dict[str, object] = {}
        use_language(self.language)
        self._words_in = ""  #: the language the trace's words (lanes, details) were made in
        self.font_size = font_size
        self.chart = GanttView(palette, font_size)
        self.trace: Trace | None = None
        #: the run going on (what Stop stops), if any
        self._source: InLoopRun | VirtualRun | ChildRun | AttachedRun | None = None
        self.last_message: tuple[str, str] | None = None  #: the last message shown (tests)
        self.asked: QMessageBox | None = None  #: the last question asked (tests)
        self._task: asyncio.Task[Any] | None = None
        #: a lecture pauses when its scenario's time reaches this (``--pause-at``)
        self.pause_at: float | None = None
        self._started = 0.0
        self._clicked = -1  #: the span whose details are shown (of the chart's trace)
        self._ended: str | None = None  #: what ended the run shown, if anything did

        self.search = QLineEdit()
        self.tags = QComboBox()  # the tag filter: every tag the scenarios carry
        self.tags.addItem("")  # (all tags: no filter)
        self.tags.addItems(sorted({tag for s in scenarios for tag in s.tags}))
        self.browser = ScenarioBrowser(scenarios)
        self.about = QLabel(wordWrap=True, alignment=Qt.AlignmentFlag.AlignTop)
        self._lesson: str | None = None  #: the lesson shown in ``about`` (Markdown)
        self.about.setTextFormat(Qt.TextFormat.MarkdownText)
        # the side column: three panes the user can resize (big type needs room)
        self.params = ParamsForm()
        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.search)
        column.addWidget(self.tags)
        column.addWidget(self.browser)
        about = QScrollArea()
        about.setWidgetResizable(True)
        # the text wraps to the pane's width: a long piece of code (no break in it) may run
        # past the edge, but never widens the whole text (Chinese cut off at every line)
        about.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.about.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        about.setWidget(self.about)
        params = QScrollArea()
        params.setWidgetResizable(True)
        holder = QWidget()
        params_column = QVBoxLayout(holder)
        self._params_title = QLabel()
        params_column.addWidget(self._params_title)
        params_column.addWidget(self.params)
        params_column.addStretch(1)
        params.setWidget(holder)
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(top)
        side.addWidget(about)
        side.addWidget(params)
        side.setSizes([260, 420, 180])
        self.details = DetailsPanel()
        self.source = SourceView(palette)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.details)
        right.addWidget(self.source)
        right.setSizes([400, 400])
        centre = QWidget()
        chart_column = QVBoxLayout(centre)
        chart_column.setContentsMargins(0, 0, 0, 0)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)  # (one long line would squeeze the side panels)
        chart_column.addWidget(self.legend)
        #: a program's stdout and stderr, under the chart (shown for a run in its own process)
        self.output = OutputPane()
        self.output.hide()
        self.output.time_clicked.connect(self._output_clicked)
        self.chart_splitter = QSplitter(Qt.Orientation.Vertical)
        self.chart_splitter.addWidget(self.chart)
        self.chart_splitter.addWidget(self.output)
        self.chart_splitter.setStretchFactor(0, 3)
        #: the chart (and the output) over the Insights pane
        self.chart_and_insights = QSplitter(Qt.Orientation.Vertical)
        self.chart_and_insights.addWidget(self.chart_splitter)
        chart_column.addWidget(self.chart_and_insights, 1)
        self.splitter = splitter = QSplitter()
        splitter.addWidget(side)
        splitter.addWidget(centre)
        splitter.addWidget(right)
        self.chart.span_clicked.connect(self._span_clicked)
        self.chart.loop_clicked.connect(self._loop_clicked)
        self.chart.resource_rows_shown.connect(self._show_legend)
        self.details.site_clicked.connect(self.source.show_site)
        # a file a trace names is shown unasked only from where this window ran programs
        # (and from the installed ones: the built-ins, the packs)
        self.source.trusted.add(builtin_scenario_dir().resolve())
        self.source.trusted.update(s.pack.folder for s in scenarios if s.pack is not None)
        self.source.asks.connect(self._ask_to_show)
        self.setCentralWidget(splitter)

        self.toolbar = toolbar = QToolBar()
        toolbar.setMovable(False)
        self.addToolBar(toolbar)
        self.run_action = toolbar.addAction("", self.run_selected)
        self.stop_action = toolbar.addAction("", self.stop)
        self.stop_action.setEnabled(False)
        self.rerun_action = toolbar.addAction("", self.rerun)
        self.rerun_action.setShortcut("Ctrl+R")
        self.rerun_action.setEnabled(False)
        self._last_run: tuple[Scenario, dict[str, Any], str, bool, tuple[str, ...]] | None = None
        #: run scenarios in a process of their own (plain programs always are)
        self.own_process_action = toolbar.addAction("")
        self.own_process_action.setCheckable(True)
        #: a program's arguments (``asyncviz gui prog.py -- ARGS``)
        self.program_args: tuple[str, ...] = ()
        self.clock = QComboBox()  # (shown in the user's language; each item's data: its name)
        for clock in CLOCKS:
            self.clock.addItem(clock, clock)
        self._clock_label = QLabel()
        self._clock_label.setContentsMargins(8, 0, 4, 0)
        toolbar.addWidget(self._clock_label)
        toolbar.addWidget(self.clock)
        toolbar.addSeparator()
        self.wake_arrows = toolbar.addAction("")
        self.creation_arrows = toolbar.addAction("")
        for action in (self.wake_arrows, self.creation_arrows):
            action.setCheckable(True)
            action.setChecked(True)
            action.toggled.connect(self._arrows_toggled)
        #: the lecture controls (on while a lecture run is on screen)
        self.lecture = LectureBar(self)
        self.addToolBar(self.lecture)
        #: play from the time cursor, at the lecture's speed
        self.replay = Replay(self.lecture.speed, self)
        # (a trace is someone else's data: its source, names and errors are shown as text,
        # never as rich text, where a "<b style=...>" would draw whatever it says)
        # (shortened in the middle when too long, whole in its tooltip: never cut)
        self.status = ElidedLabel(separator=STATUS_SEPARATOR)
        self.statusBar().addWidget(self.status, 1)
        self._build_menus()
        #: where the time cursor is, while it is shown
        self.cursor_status = self.time_cursor.status
        self.statusBar().addPermanentWidget(self.cursor_status)
        #: the side panes: narrow at first, put away from the View menu, remembered
        self.panes = Panes(self, side, right)
        toolbar.addSeparator()
        toolbar.addAction(self.cursor_action)
        toolbar.addAction(self.play_action)
        self.time_cursor.enable(False)  # (until a finished run or an opened trace is shown)
        #: the Compare menu, the last two runs shown, the comparison window
        self.comparing = Comparing(self)
        #: File > Listen for programs...: programs started elsewhere, shown as they come
        self.listening = Listening(self)
        #: presenter mode: full screen, big type, high contrast, one key per control
        self.presenter = Presenter(self)
        #: File > New scenario... and Open in editor (the list's context menu too)
        self.authoring = Authoring(self)
        #: File > Open's loading: big files in the background, with progress and Cancel
        self.loading = TraceLoading(self, self._show_opened, self._cannot_open)
        #: File > Share scenario...: a scenario, its run and its picture as one file
        self.sharing = Sharing(self)
        #: File > Export trace...: for Perfetto / chrome://tracing (``model.exports``)
        self.exporting = Exporting(self)
        #: Help > About: the version and what it runs on, for a bug report
        self.about_box = About(self)
        self.retranslate()

        self.search.textChanged.connect(self._filter)
        self.tags.currentIndexChanged.connect(self._filter)
        self.browser.currentItemChanged.connect(self._selected)
        #: the live frames of the run on screen (the chart, the waiting lines, the status)
        self.frames = LiveFrames(
            self,
            chart=self.chart,
            source_view=self.source,
            lecture=self.lecture,
            status=self._status,
        )
        #: what went wrong in the run shown, under the chart (and its badges on the lanes)
        self.insights = InsightsPane(self, self.chart_and_insights)
        #: the selected scenario's file and the scenario folders watched: saved, run again
        self.hot_reload = HotReload(self)
        #: a lesson's checks after each run of it: a line over the details, marks in the list
        self.lesson_checks = LessonChecks(self)
        self.browser.select_first()

    # --- the window's words -------------------------------------------------------------
    def retranslate(self) -> None:
        """Every word of the window in its language (as Qt's translators, installed by
        ``use_language``, say): at first, when the user picks a language, and on Qt's
        ``LanguageChange`` event."""
        self.search.setPlaceholderText(self.tr("Search scenarios"))
        self.tags.setItemText(0, self.tr("all tags"))
        self.tags.setToolTip(self.tr("Show only the scenarios with this tag"))
        self.browser.retranslate(self.language)
        parameters = self.tr("Parameters")
        self._params_title.setText(f"<b>{html.escape(parameters)}</b>")
        self._show_legend()
        self.toolbar.setWindowTitle(self.tr("Run"))
        self.run_action.setText(self.tr("Run"))
        self.stop_action.setText(self.tr("Stop"))
        self.rerun_action.setText(self.tr("Rerun"))
        self.rerun_action.setToolTip(
            self.tr("Run the last run again: same scenario, parameters, clock")
        )
        self._clock_label.setText(self.tr("clock"))
        self.clock.setItemText(CLOCKS.index("real"), self.tr("real"))
        self.clock.setItemText(CLOCKS.index("virtual"), self.tr("virtual"))
        self.clock.setItemText(CLOCKS.index("ideal"), self.tr("ideal"))
        self.clock.setItemText(CLOCKS.index("lecture"), self.tr("lecture"))
        self.clock.setToolTip(
            self.tr(
                "real: live, on this window's own event loop; virtual: recorded off it, idle"
                " waits skipped, then shown; ideal: as virtual, and steps take no time"
                " (time.sleep in a step still counts): the same picture every run; lecture:"
                " live on a clock you can slow down, pause and step"
            )
        )
        self.lecture.retranslate()
        self.own_process_action.setText(self.tr("Own process"))
        self.own_process_action.setToolTip(
            self.tr(
                "Run the scenario in a process of its own, streamed to this window: a"
                " program that spins, crashes or exits cannot take the window with it."
                " Plain programs (asyncio.run(main()) files) always run so."
            )
        )
        self.wake_arrows.setText(self.tr("Wake arrows"))
        self.creation_arrows.setText(self.tr("Creation arrows"))
        self._retranslate_menus()
        self.details.retranslate()
        self.params.retranslate()
        self.chart.setLabel("bottom", QCoreApplication.translate("GanttView", "time"), units="s")
        item = self.browser.currentItem()
        if item is not None:
            self._explain(item)
        words = ui_language(self.language)
        if words != self._words_in:  # the words made from the trace, once per language
            self._words_in = words
            self._retranslate_trace()

    def _retranslate_trace(self) -> None:
        """The chart's lane names, the details shown and the status line, made again."""
        if self._task is not None or self.trace is None:
            return  # (while live they are made again at each frame)
        self.chart.show_trace(self.trace, fit=False)
        self._status(self.trace, done=True, error=self._ended)
        if self.details.details is not None and self._clicked >= 0:
            self._span_clicked(self._clicked)
        elif self.details.details is None and self.details.statistics is not None:
            self._loop_clicked()
        if self.details.states is not None and self.chart.cursor.isVisible():
            self.time_cursor.refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _span_clicked(self, index: int) -> None:
        trace = self.chart.trace
        self._clicked = index
        if index < 0 or trace is None:
            self.details.show_details(None)
            return
        # (the rows the chart keeps: derived once, not per click)
        rows = self.chart.resources.rows or None
        details = span_details(trace, index, QCoreApplication.translate, resources=rows)
        mine = task_statistics(trace, int(trace.spans.task[index]))
        said = task_text(mine, QCoreApplication.translate, PANE_BAR)
        self.details.show_details(details, said)
        self.source.show_site(details.site)

    def _loop_clicked(self) -> None:
        """The event loop's row was clicked: the whole run's statistics."""
        trace = self.chart.trace
        self._clicked = -1
        if trace is None:
            return
        run = run_statistics(trace, PANE_BINS)
        said = run_text(run, QCoreApplication.translate, PANE_BAR)
        title = QCoreApplication.translate("Statistics", "The event loop, over the whole run")
        self.details.show_statistics(title, said)

    def _show_legend(self, _resources: bool = False) -> None:
        """The legend of what the chart can draw (its resources' only if it shows them)."""
        on = self.chart.resources.lanes > 0
        self.legend.setText(legend_html(THEMES[self.theme], resources=on))

    def _arrows_toggled(self, _checked: bool) -> None:
        self.chart.show_arrows(self.wake_arrows.isChecked(), self.creation_arrows.isChecked())

    # --- the browser --------------------------------------------------------------------
    def _filter(self, _changed: object = None) -> None:
        """Show the scenarios that match the search text and carry the chosen tag."""
        tag = self.tags.currentText() if self.tags.currentIndex() > 0 else None
        self.browser.filter(self.search.text(), tag)

    def _selected(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None or item.data(ID_ROLE) is None:
            return
        scenario = self.scenarios[item.data(ID_ROLE)]
        self._show_own(scenario.path)
        self.params.set_scenario(scenario)
        self._explain(item)

    def _explain(self, item: QListWidgetItem) -> None:
        """The scenario's explanation, in the window's language where it has one."""
        if item.data(ID_ROLE) is None:
            return
        self._explain_scenario(self.scenarios[item.data(ID_ROLE)])

    def _explain_scenario(self, scenario: Scenario) -> None:
        title, text = scenario.text(self.language)
        # docstrings use reST's ``code``; Markdown's is `code`
        text = text.replace("``", "`")
        self._lesson = f"**{title}**\n\n{text}".strip()
        self.about.setTextFormat(Qt.TextFormat.RichText)  # (a file here: its own text)
        self.about.setText(lesson_html(self._lesson, self.font_size))

    def select(self, scenario_id: str) -> None:
        self.browser.setCurrentRow(self.browser.row_of(scenario_id))

    def selected(self) -> Scenario | None:
        scenario_id = self.browser.selected_id()
        return None if scenario_id is None else self.scenarios[scenario_id]

    def clock_mode(self) -> str:
        """The clock chosen for the next run: one of ``CLOCKS``."""
        return str(self.clock.currentData())

    def set_clock_mode(self, clock: str) -> None:
        if clock in CLOCKS:
            self.clock.setCurrentIndex(CLOCKS.index(clock))

    # --- running ------------------------------------------------------------------------
    def run_selected(self) -> None:
        """Run the selected scenario with the form's parameters (checked first)."""
        scenario = self.selected()
        if scenario is None or self._task is not None:
            return
        try:
            params = bind_params(scenario, self.params.values())
        except (ScenarioError, ValueError) as exc:
            self._say(self.tr("Invalid parameter"), str(exc))
            return
        self._task = asyncio.ensure_future(
            self.run(
                scenario,
                params,
                self.clock_mode(),
                own_process=self.own_process_action.isChecked(),
                args=self.program_args,
            )
        )

    def rerun(self) -> None:
        """The last run again, as it was asked for (not the form's values now)."""
        if self._last_run is None or self._task is not None:
            return
        scenario, params, clock, own, args = self._last_run
        self._task = asyncio.ensure_future(
            self.run(scenario, params, clock, own_process=own, args=args)
        )

    async def run(
        self,
        scenario: Scenario,
        params: dict[str, Any],
        clock: str,
        *,
        own_process: bool = False,
        args: tuple[str, ...] = (),
    ) -> RunOutcome:
        """Run ``scenario`` (or a plain program) and show it; returns what it left (the
        window keeps it too).  A plain program, or any scenario with ``own_process``,
        runs in a process of its own and streams to the window."""
        if self.scenarios.get(scenario.id) == scenario:
            self.select(scenario.id)  # the browser names what the chart shows
        else:  # (a file given by its path, not in the browser: its text and source)
            self.browser.clearSelection()
            self._explain_scenario(scenario)
            self._show_own(scenario.path)
            self.params.set_scenario(scenario)
        self._last_run = (scenario, dict(params), clock, own_process, tuple(args))
        self.lesson_checks.begin(scenario, clock, own_process or scenario.kind == "program")
        if own_process or scenario.kind == "program":
            return await self._showing(scenario.id, self._run_child(scenario, params, clock, args))
        if clock in ("virtual", "ideal"):
            self.status.setText(
                self.tr("recording {scenario} on the {clock} clock...").format(
                    scenario=scenario.id, clock=self.tr(clock)
                )
            )
            self._source = VirtualRun(
                scenario, params, clock="ideal" if clock == "ideal" else "virtual"
            )
            return await self._showing(scenario.id, self._source.wait())
        if clock == "lecture":
            return await self._showing(scenario.id, self._run_lecture(scenario, params))
        return await self._showing(scenario.id, self._run_live(scenario, params))

    async def show_attached(self, run: AttachedRun) -> RunOutcome:
        """A program started elsewhere that attached to this window (File > Listen for
        programs...): drawn live until its stream ends; Stop asks it to stop."""
        name = Path(run.source).name or run.source
        self.browser.clearSelection()
        self._lesson = None
        # (what a program that attached says of itself is shown as it is: not Markdown)
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setText(
            self.tr("{program} (attached, pid {pid})\n\n{argv}").format(
                program=name, pid=run.pid, argv=" ".join(run.argv)
            )
        )
        source = Path(run.source) if run.source else None
        # (what a program that attached says it runs is its word, not this window's:
        # shown if the user agrees, or agreed before)
        self.source.run_folder = None
        if source is not None and not self.source.show_named(source):
            self.source.asks.emit(f"{source}:1")
        self._show_output(False)  # (its output went to its own terminal)
        self.lesson_checks.begin(None)
        return await self._showing(name, self._run_attached(run))

    async def _run_attached(self, run: AttachedRun) -> RunOutcome:
        self._source = run
        run.receiver.history = self.history_menu.seconds
        if run.model is not None and run.running:
            self.frames.begin(run)
        try:
            return await run.wait()
        except asyncio.CancelledError:
            run.close()  # (the window is closing: the program goes on, unwatched)
            raise
        finally:
            self.frames.end()

    async def _showing(self, name: str, running: Awaitable[RunOutcome]) -> RunOutcome:
        """A run on screen, from its start to what it left: the controls while it goes,
        then its trace, its status and its error, if any."""
        self.details.show_details(None)
        self.insights.clear()
        self._ended = None
        self.show_time_cursor(False)  # (a live chart has no cursor: its future is unknown)
        self.time_cursor.enable(False)
        self.run_action.setEnabled(False)
        self.rerun_action.setEnabled(False)
        self.stop_action.setEnabled(True)
        self._started = time.monotonic()
        try:
            outcome = await running
        finally:
            self._source = None
            self.frames.end()  # (the run's own ``finally`` did: this, if it never got there)
            self.chart.show_now(None)
            self.source.mark_waiting({})
            self.run_action.setEnabled(True)
            self.rerun_action.setEnabled(True)
            self.stop_action.setEnabled(False)
            self.time_cursor.enable(True)
            self._task = None
        self.trace = outcome.trace
        self.comparing.shown(outcome.trace)
        self._ended = outcome.error
        self.chart.show_trace(outcome.trace)
        self.insights.show_trace(outcome.trace)
        self._status(outcome.trace, done=True, error=outcome.error)
        self.lesson_checks.ran(outcome)
        if outcome.traceback:
            # the error panel: the app stays up, the partial trace stays shown and savable
            title = self.tr("{scenario} failed").format(scenario=name)
            self.details.show_error(title, outcome.error or "", outcome.traceback)
        return outcome

    async def _run_live(self, scenario: Scenario, params: dict[str, Any]) -> RunOutcome:
        """The scenario on this window's own loop, drawn live.  The window's frames and
        paints hold that loop: each is recorded (``TraceStore.add_observed``) and drawn,
        in a row of its own, so a late timer is never left unexplained."""
        self._source = run = InLoopRun(scenario, params)
        run.start()
        if run.live:
            self.chart.painted = run.recorder.store.add_observed
            self.frames.begin(run)
        try:
            return await run.wait()
        finally:
            self.chart.painted = None
            self.frames.end()

    async def _run_child(
        self, scenario: Scenario, params: dict[str, Any], clock: str, args: tuple[str, ...]
    ) -> RunOutcome:
        """A program (or a scenario) in a process of its own, streamed and drawn live; its
        output in the output pane.  Whatever the program does, the window stays."""
        program = scenario.kind == "program"
        run = ChildRun(
            scenario.path,
            args if program else (),
            kind="program" if program else "scenario",
            params=params,
            clock="virtual" if clock == "virtual" else "ideal" if clock == "ideal" else "real",
            # a lecture: the program's own loops turn at the pace the lecture bar sets
            lecture=self.lecture.speed() if clock == "lecture" else None,
            pause_at=self.pause_at,
        )
        run.receiver.history = self.history_menu.seconds
        self._source = run
        self.output.clear_lines()
        self._show_output(True)
        run.on_output = self._output_line
        self.status.setText(self.tr("starting {program}...").format(program=scenario.path.name))
        try:
            await run.start()
        except OSError as exc:
            return RunOutcome(Recorder("real", source=str(scenario.path)).finish(), *failure(exc))
        lecture = run.remote_lecture(self.lecture.speed()) if clock == "lecture" else None
        try:
            await run.hello.wait()
            if lecture is not None:
                self.lecture.attach(lecture)
            if run.model is not None and run.running:
                self.frames.begin(run)
            outcome = await run.wait()
        except asyncio.CancelledError:
            run.kill()  # (the window is closing: the program goes with it)
            raise
        finally:
            if lecture is not None:
                lecture.done = True
                self.lecture.attach(None)
            self.frames.end()
            self.output.flush()
        return outcome

    def _output_line(self, line: OutputLine) -> None:
        self.output.add(line.t, line.stream, line.text)

    def _show_output(self, on: bool) -> None:
        """The output pane under the chart (a program run in its own process has one)."""
        if on and not self.output.isVisible():
            self.output.show()
            total = sum(self.chart_splitter.sizes())
            self.chart_splitter.setSizes([total * 3 // 4, total - total * 3 // 4])
        elif not on:
            self.output.hide()

    def _output_clicked(self, t: float) -> None:
        """A line of output was clicked: the chart to the moment it was written."""
        self.chart.center_on(t)
        if self._task is None and self.chart.trace is not None:
            self.show_time_cursor(True, at=t)

    async def _run_lecture(self, scenario: Scenario, params: dict[str, Any]) -> RunOutcome:
        """The scenario on a loop of its own, turned from this one every few milliseconds
        at the lecture's speed; paused, it stands still and the window goes on."""
        try:
            main = load_main(scenario)
        except Exception as exc:  # a broken scenario: say so, keep the window
            return RunOutcome(Recorder("virtual", source=scenario.id).finish(), *failure(exc))
        session = LectureSession(main, params, source=scenario.id, speed=self.lecture.speed())
        session.pause_at = self.pause_at
        session.paused = self.pause_at is not None and self.pause_at <= 0
        self.lecture.attach(session)
        self.frames.begin(RecorderSource(session.recorder))
        # The turns come from a Qt timer, not from this coroutine: a turn runs the
        # scenario's task steps, and no task of the window's may be the current task
        # then (from 3.14 one task at a time per thread, whatever its loop).
        over: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        turns = QTimer(self)
        turns.setTimerType(Qt.TimerType.PreciseTimer)
        last = time.perf_counter()

        def turn() -> None:
            nonlocal last
            now = time.perf_counter()
            try:
                session.advance(now - last)  # (nothing, while paused)
            except Exception as exc:  # (a bug of ours: end the run, keep the trace)
                log.exception("asyncviz: a lecture turn failed")
                session.error = exc
                session.stop()
            last = now
            self.lecture._show_state()
            if session.done and not over.done():
                over.set_result(None)

        turns.timeout.connect(turn)
        turns.start(max(1, round(LECTURE_TICK * 1000)))
        try:
            await over
        finally:
            turns.stop()
            if not session.done:
                session.stop()  # (the window's own task is being cancelled)
            self.frames.end()
            self.lecture.attach(None)
        assert session.trace is not None
        if session.stopped:
            return RunOutcome(session.trace, STOPPED)
        if session.error is not None:
            return RunOutcome(session.trace, *failure(session.error))
        return RunOutcome(session.trace, None)

    @property
    def current_run(self) -> InLoopRun | VirtualRun | ChildRun | AttachedRun | None:
        """The run going on, if any (what Stop stops)."""
        return self._source

    def stop(self) -> None:
        """Stop the run going on: its tasks cancelled (a program in its own process is
        asked as Ctrl-C asks, then ended); the trace so far is kept and shown."""
        session = self.lecture.session
        if isinstance(session, LectureSession):  # (a scenario's lecture, in this process)
            session.stop()
            return
        if self._source is not None:
            self._source.stop()

    def _status(
        self, trace: Trace, *, done: bool, error: str | None, spans: int | None = None
    ) -> None:
        """Elapsed time, tasks (live ones while running), the loop's ready queue, events
        recorded, and dropped ones if the store filled up."""
        columns = trace.columns  # (a service's hundreds of thousands: not a loop)
        live = (
            int((columns.outcome == 0).sum())
            if columns is not None and len(columns.names) == len(trace.tasks)
            else sum(1 for t in trace.tasks if t.outcome == "pending")
        )
        dropped = int(trace.meta.get("dropped_events", 0))
        duration = f"{trace.duration:.3f} s"
        tasks = len(trace.tasks)
        parts = [
            shown(str(trace.meta.get("source", ""))),
            # (every clock named: a virtual or an ideal second is not a real one)
            self.tr("{duration} ({clock} clock)").format(
                duration=duration, clock=self.tr(_clock_of(trace))
            ),
            self.tr("{tasks} tasks").format(tasks=f"{tasks:,}")
            if done
            else self.tr("{tasks} tasks, {live} live").format(tasks=f"{tasks:,}", live=f"{live:,}"),
        ]
        source = self.frames.source
        if self.lecture.session is not None:
            parts.insert(1, self.lecture.describe())  # (the mode and speed: always in view)
        if isinstance(source, ChildRun | AttachedRun) and not done:
            parts.insert(
                1,
                self.tr("own process, pid {pid}").format(pid=source.pid)
                if isinstance(source, ChildRun)
                else self.tr("attached, pid {pid}").format(pid=source.pid),
            )
            held = source.held()
            if held is not None:  # (a step holding the program's loop: say who, how long)
                task, seconds = held
                name = shown(trace.tasks[task].name) if task < len(trace.tasks) else f"task {task}"
                parts.append(
                    self.tr("{task} has held the loop for {seconds} s").format(
                        task=name, seconds=f"{seconds:.1f}"
                    )
                )
        elif source is not None and not done:
            session = self.lecture.session
            loop: Any = session.loop if isinstance(session, LectureSession) else None
            loop = loop or asyncio.get_running_loop()
            ready = len(getattr(loop, "_ready", ()))
            parts.append(self.tr("ready queue {count}").format(count=ready))
        if source is not None and not done:
            parts.append(self.tr("{count} events").format(count=f"{source.events:,}"))
        count = len(trace.spans) if spans is None else spans
        parts.append(self.tr("{count} spans").format(count=f"{count:,}"))
        if dropped:
            parts.append(self.tr("{count} events dropped").format(count=f"{dropped:,}"))
        forgotten = trace.meta.get("forgotten")
        if isinstance(forgotten, dict) and isinstance(forgotten.get("before"), int | float):
            parts.append(
                self.tr("kept from {time} s ({tasks} tasks before it let go)").format(
                    time=f"{forgotten['before']:.1f}", tasks=f"{forgotten.get('tasks', 0):,}"
                )
            )
        repaired = trace.meta.get("repaired")
        if isinstance(repaired, list) and repaired:  # (a file's word: shown as text, short)
            parts.append(
                self.tr("repaired on reading: {what}").format(what=shown(str(repaired[0])))
                + (f" (+{len(repaired) - 1})" if len(repaired) > 1 else "")
            )
        if error:
            said = self.tr("stopped") if error == STOPPED else error
            parts.append(self.tr("ended: {error}").format(error=said))
        self.status.setText(STATUS_SEPARATOR.join(parts))

    # --- files (dialogs open non-modally: never a nested event loop on the asyncio loop) ---
    def _build_view_menu(self) -> None:
        self.view_menu = view = self.menuBar().addMenu("")
        keys = QKeySequence
        self.fit_action = view.addAction("", self.fit)
        self.fit_action.setShortcuts([keys("Home"), keys("Ctrl+0")])
        self.zoom_in_action = view.addAction("", lambda: self.chart.zoom_time(0.5))
        self.zoom_in_action.setShortcuts([keys("+"), keys("=")])
        self.zoom_out_action = view.addAction("", lambda: self.chart.zoom_time(2.0))
        self.zoom_out_action.setShortcut("-")
        self.follow_action = view.addAction("", self.follow)
        self.follow_action.setShortcut("End")
        #: the rows of the run's queues, semaphores, locks ... under the tasks (issue 15)
        self.resource_rows_action = view.addAction("")
        self.resource_rows_action.setCheckable(True)
        self.resource_rows_action.setChecked(True)
        self.resource_rows_action.toggled.connect(self.chart.show_resource_rows)
        view.addSeparator()
        #: the time cursor over a finished run, its replay and its readouts
        self.time_cursor = TimeCursor(self, view)
        self.cursor_action = self.time_cursor.action
        self.play_action = self.time_cursor.play_action
        view.addSeparator()
        self.bigger_action = view.addAction("", lambda: self.set_font_size(self.font_size + 2))
        self.bigger_action.setShortcut("Ctrl++")
        self.smaller_action = view.addAction("", lambda: self.set_font_size(self.font_size - 2))
        self.smaller_action.setShortcut("Ctrl+-")
        view.addSeparator()
        self.theme_actions: dict[str, QAction] = {}
        for name in THEMES:
            action = view.addAction(name, functools.partial(self.set_theme, name))
            action.setCheckable(True)
            action.setChecked(name == self.theme)
            self.theme_actions[name] = action
        view.addSeparator()
        self.history_menu = HistoryMenu(view)
        self.history_menu.changed.connect(self._history_changed)
        # each language named in itself: whoever reads it finds their own
        self.language_menu: QMenu = view.addMenu("")
        self.language_actions: dict[str, QAction] = {}
        for code, name in LANGUAGES.items():
            action = self.language_menu.addAction(name, functools.partial(self.set_language, code))
            action.setCheckable(True)
            action.setChecked(ui_language(self.language) == code)
            self.language_actions[code] = action

    def _history_changed(self) -> None:
        """The history kept, chosen again: the run going on keeps that much from now on."""
        run = self._source
        if isinstance(run, StreamedSource):
            run.receiver.history = self.history_menu.seconds

    def _retranslate_menus(self) -> None:
        self.file_menu.setTitle(self.tr("&File"))
        self.open_action.setText(self.tr("&Open trace..."))
        self.save_action.setText(self.tr("&Save trace..."))
        self.export_png_action.setText(self.tr("Export chart as &PNG..."))
        self.export_svg_action.setText(self.tr("Export chart as S&VG..."))
        self.quit_action.setText(self.tr("&Quit"))
        self.view_menu.setTitle(self.tr("&View"))
        self.fit_action.setText(self.tr("&Fit all"))
        self.zoom_in_action.setText(self.tr("Zoom &in (time)"))
        self.zoom_out_action.setText(self.tr("Zoom &out (time)"))
        self.follow_action.setText(self.tr("Follow &live"))
        self.resource_rows_action.setText(self.tr("&Resource rows"))
        self.resource_rows_action.setToolTip(
            self.tr(
                "Rows under the tasks for the run's queues, semaphores, locks, events,"
                " conditions and barriers: how full, who holds them, who waits"
            )
        )
        self.time_cursor.retranslate()
        self.bigger_action.setText(self.tr("&Bigger text"))
        self.smaller_action.setText(self.tr("&Smaller text"))
        themes = {
            "light": self.tr("Lig&ht theme"),
            "dark": self.tr("&Dark theme"),
            "presenter": self.tr("High-&contrast theme"),
        }
        for name, action in self.theme_actions.items():
            action.setText(themes.get(name, name))
        self.language_menu.setTitle(self.tr("Lan&guage"))
        self.history_menu.retranslate()
        self.comparing.retranslate()
        self.presenter.retranslate()
        self.panes.retranslate()
        if hasattr(self, "listening"):  # (made after the menus it joins)
            self.listening.retranslate()
        if hasattr(self, "hot_reload"):
            self.hot_reload.retranslate()
        if hasattr(self, "authoring"):
            self.authoring.retranslate()
        if hasattr(self, "sharing"):
            self.sharing.retranslate()
        if hasattr(self, "exporting"):
            self.exporting.retranslate()
        if hasattr(self, "about_box"):
            self.about_box.retranslate()

    # --- the time cursor (``time_cursor.TimeCursor``: these are its commands) ----------
    def show_time_cursor(self, on: bool = True, at: float | None = None) -> None:
        self.time_cursor.show(on, at)

    def play_from_here(self, _checked: bool = False) -> None:
        self.time_cursor.play_from_here()

    def step_cursor(self, direction: int) -> None:
        self.time_cursor.step(direction)

    @property
    def running(self) -> bool:
        """A run is going on (live): no time cursor, no replay, no second run."""
        return self._task is not None

    def fit(self) -> None:
        """Everything in view: the run shown, or the live run so far (and following it)."""
        source = self.frames.source
        model = source.model if source is not None else None
        if model is not None:
            self.chart.fit_time(model.now())
            self.chart.following = True
        elif self.chart.trace is not None:
            self.chart.fit(self.chart.trace)

    def follow(self) -> None:
        """Follow the live run again (after the user panned away)."""
        self.chart.following = True

    def set_font_size(self, size: int) -> None:
        """Text size for the whole window: a teacher's big type (8 to 32 points)."""
        self.font_size = max(8, min(32, size))
        font = QApplication.font()
        font.setPointSize(self.font_size)
        QApplication.setFont(font)
        self.chart.set_font_size(self.font_size)
        self.comparing.set_font_size(self.font_size)
        self.source.setFont(_fixed_font(self.font_size))
        if self._lesson is not None:  # (its code keeps the size it was read at: again)
            self.about.setText(lesson_html(self._lesson, self.font_size))
        self.chart.update()

    def set_language(self, language: str) -> None:
        """The window in ``language`` (a locale name, ``zh_CN``, or a code of ``LANGUAGES``):
        ``"zh..."``, Simplified Chinese (its words, and the scenarios' explanations where
        a scenario has one); anything else, English. Remembered when the window closes."""
        self.language = language
        self.language_chosen = True
        use_language(language)
        for code, action in self.language_actions.items():
            action.setChecked(ui_language(language) == code)
        self.retranslate()  # (now: Qt's LanguageChange events come later)

    def set_theme(self, theme: str) -> None:
        self.theme = theme
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)
        palette = THEMES[theme]
        self.chart.set_palette(palette)
        self.source.set_palette(palette)
        self._show_legend()
        self.comparing.set_theme(theme)
        for name, action in self.theme_actions.items():
            action.setChecked(name == theme)

    def _build_menus(self) -> None:
        self.file_menu = menu = self.menuBar().addMenu("")
        self.open_action = menu.addAction("", self._ask_open)
        self.open_action.setShortcut("Ctrl+O")
        self.save_action = menu.addAction("", self._ask_save)
        self.save_action.setShortcut("Ctrl+S")
        menu.addSeparator()
        self.export_png_action = menu.addAction("", lambda: self._ask_export("png"))
        self.export_svg_action = menu.addAction("", lambda: self._ask_export("svg"))
        menu.addSeparator()
        self.quit_action = menu.addAction("", self.close)
        self.quit_action.setShortcut("Ctrl+Q")
        self._build_view_menu()

    def _file_dialog(self, title: str, name_filter: str, save: bool, done: Any) -> QFileDialog:
        dialog = QFileDialog(self, title, "", name_filter)
        dialog.setAcceptMode(
            QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen
        )
        dialog.fileSelected.connect(done)
        dialog.open()
        return dialog

    def _trace_files(self) -> str:
        """The file dialogs' filter for traces."""
        return self.tr(
            "asyncviz traces (*.json *.json.gz *.avz *.avzs *.asyncviz.zip);;All files (*)"
        )

    def _ask_open(self) -> None:
        self._file_dialog(self.tr("Open trace"), self._trace_files(), False, self.open_trace)

    def _ask_save(self) -> None:
        if self.trace is not None:
            self._file_dialog(self.tr("Save trace"), self._trace_files(), True, self.save_trace)

    def _ask_export(self, kind: str) -> None:
        self._file_dialog(
            self.tr("Export chart as {kind}").format(kind=kind.upper()),
            f"{kind.upper()} (*.{kind})",
            True,
            lambda path: self.export_chart(Path(path), kind),
        )

    def open_trace(self, path: str | Path) -> bool:
        """Show a saved trace exactly as recorded; a file that is not one changes nothing,
        and neither does opening one while a run is going (the chart is the run's).  A big
        file loads in the background (``TraceLoading``): True then means it is loading."""
        if self._task is not None:
            self._say(
                self.tr("Cannot open {path}").format(path=path),
                self.tr("A run is going: stop it first."),
            )
            return False
        if self.sharing.opens(path):  # (a shared scenario: its source and chart)
            return self.sharing.open(path)
        return self.loading.open(path)

    def _cannot_open(self, path: str, why: str) -> None:
        self._say(self.tr("Cannot open {path}").format(path=path), why)

    def _show_opened(self, trace: Trace, path: str | None = None) -> None:
        """A trace read from a file, on screen (``TraceLoading`` read it from ``path``)."""
        self._explain_opened(trace)
        self.lesson_checks.begin(None)
        self.source.run_folder = None  # (its files are the trace's word: asked for)
        self.trace = trace
        self.comparing.shown(trace)
        self._ended = None
        self.details.show_details(None)
        self.chart.show_trace(trace)
        self.insights.show_trace(trace, path)  # (a big file's: worked out apart, from it)
        self._status(trace, done=True, error=None)
        self.replay.pause()
        self.time_cursor.enable(True)
        if self.chart.cursor.isVisible():  # (the cursor stays: now over this trace)
            self.time_cursor.refresh()

    def _explain_opened(self, trace: Trace) -> None:
        """The explanation and source panes say what the opened trace is of (never what
        was selected before): a scenario or program this window lists, named by
        ``meta.source`` (its id or its file), is selected and shown as for a run; any
        other file is the trace's word, shown only if the user agrees (``show_named``,
        ``asks``); with neither, both panes are cleared."""
        self.source.clear_given()  # (a shared scenario's source is its own trace's)
        source = str(trace.meta.get("source") or "")
        scenario = self.scenarios.get(source)
        if scenario is None and source.endswith(".py"):
            with contextlib.suppress(OSError, RuntimeError):
                path = Path(source).resolve()
                scenario = next((s for s in self.scenarios.values() if s.path == path), None)
        if scenario is not None:
            self.select(scenario.id)  # (the browser names what the chart shows)
            self._explain_scenario(scenario)  # (again: it may have been selected already)
            self.source.show_file(scenario.path)
            self.params.set_scenario(scenario)
            params = trace.meta.get("params")
            for name, value in params.items() if isinstance(params, dict) else ():
                with contextlib.suppress(TypeError, ValueError, OverflowError):  # (a file's)
                    self.params.set_values({name: value})
            return
        self.browser.clearSelection()
        self.params.clear()
        self.about.setTextFormat(Qt.TextFormat.PlainText)  # (the trace's words, as they are)
        self.about.setText(
            self.tr("A trace of {source}").format(source=source)
            if source
            else self.tr("A trace that names no program")
        )
        self.source.show_nothing()
        named = Path(source) if source.endswith(".py") else None
        if named is not None and not self.source.show_named(named) and named.is_file():
            self.source.asks.emit(f"{source}:1")

    def export_chart(self, path: Path, kind: str) -> None:
        """The chart as PNG or SVG, with a title (what ran, on which clock, when) and the
        legend over it (``views.export``)."""
        font = QFont(self.legend.font())
        try:
            export_chart(
                self.chart,
                path,
                kind,
                self.export_title(),
                THEMES[self.theme],
                font,
                resources=self.chart.resources.lanes > 0,
            )
        except OSError as error:
            self._say(self.tr("Cannot export the chart"), str(error))

    def export_title(self) -> str:
        """An exported chart's title: the scenario or program, the clock (every clock
        named as the status line names it: an ideal second is not a real one), the date."""
        trace = self.trace
        meta = trace.meta if trace is not None else {}
        name = shown(str(meta.get("source", ""))) or self.tr("asyncio program")
        clock = self.tr(_clock_of(trace)) if trace is not None else self.tr("real")
        when = QDateTime.currentDateTime().toString("yyyy-MM-dd HH:mm")
        return self.tr("{name}, {clock} clock, {date}").format(name=name, clock=clock, date=when)

    def _show_own(self, path: Path) -> None:
        """The program or scenario this window runs (or is about to): shown, and the
        files of its folder may be shown when its trace names them."""
        self.source.run_folder = path.resolve().parent
        self.source.clear_given()
        self.source.show_file(path)

    def _ask_to_show(self, site: str) -> None:
        """A trace names a file this window did not run: show it only if the user says
        so (a trace is someone else's data, and could name any file here)."""
        path = site.rpartition(":")[0]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Show a file the trace names?"),
            self.tr("The trace names {path}, a file this window did not run. Show it?").format(
                path=path
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self.source.agree(Path(path))
                self.source.show_site(site)

        box.finished.connect(answered)
        box.open()
        self.asked = box

    def _say(self, title: str, text: str) -> None:
        """A message box that does not block (``open()``, not ``exec()``)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # (an error may quote a trace's text)
        box.open()
        self.last_message = (title, text)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.loading.cancel()
        self.insights.worker.forget()  # (a big file's insights' child is killed)
        self.lesson_checks.cancel()  # (a check still running is killed: it may spin)
        if isinstance(self._source, ChildRun):
            self._source.kill()  # (a program of the window's goes with it)
        elif isinstance(self._source, VirtualRun):
            self._source.stop(at_once=True)  # (its thread must not outlive the window)
        elif isinstance(self._source, AttachedRun):
            self._source.close()  # (one started elsewhere goes on, unwatched)
        self.presenter.leave()  # (what is remembered is the window as the user set it)
        save_window(self)
        super().closeEvent(event)

    # --- automation ---------------------------------------------------------------------
    def screenshot(self, path: Path) -> None:
        self.grab().save(str(path))

    def save_trace(self, path: str | Path) -> None:
        if self.trace is None:
            return
        try:
            save(self.trace, path)
        except (OSError, TypeError, ValueError) as exc:
            self._say(self.tr("Cannot save {path}").format(path=path), str(exc))
