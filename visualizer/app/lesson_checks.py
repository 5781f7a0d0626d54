"""Lessons that prove their claims, in the window (issue 17, point 3): after each run of a
scenario with checks, its checks run on that run, and their verdict is shown: a line
over the details pane (``checks_line.ChecksLine``) and a mark before the scenario's
title in the browser.

**Where they run.** A scenario's checks are its author's code: they may spin, crash or
exit.  So they run in a child process (``check_runner.checks_of_trace_async``, with a
time limit), on the trace the window already has, while the window's loop goes on.  A
newer run, or the window closing, cancels them and kills the child at once (its whole
process group: a check that spins would spin on, unread).  A check that never ends is
killed at the time limit, and the line says which one it was.

**Which clock.** The checks are written for one clock (``CHECK_CLOCK``, else the ideal
clock: every time exact on any machine).  They run after a run on any clock, but only a
run on that clock gives the *verdict*: the line in green or red, and the browser's mark.
On another clock (a lecture, the real clock) the times move with the load, so the line
says what held there, in grey, and where the checks are meant to run: a teacher
mid-lecture is not shouted FAILED at because the projector's laptop was busy.

**What the program printed** (``run.output``; ``lock_race`` checks its last line): a
run in a process of its own prints to the output pane (read back from there); a run in
the window's own process prints to the window's stdout, which is teed for the run's
length (``_Printed``): written on as before, and kept for the checks.

**The mark.** The last verdict of each scenario in this window's session, "✓" or "✗"
before its title, its summary in the tooltip; a broken file's "⚠" wins over it.  Nothing
runs to make a mark but a run the user asked for: selecting a scenario never runs its
code (the listing reads files, never imports them).  A save of the file (hot reload)
takes the mark away until the rerun's checks are in: it was the verdict on the file
as it was.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO, cast

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from visualizer.app.checks_line import FAILED_MARK, PASSED_MARK, ChecksLine, Shown
from visualizer.checks import DEFAULT_TIMEOUT, CheckReport, check_clock, checks_of_trace_async
from visualizer.session.check_runner import RunFailure, kill_group
from visualizer.session.scenario_file import checks_listed
from visualizer.session.scenarios import Scenario
from visualizer.session.sources import RunOutcome

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow

log = logging.getLogger("asyncviz.app")

#: what a run prints is kept up to this many characters (the last ones: a check reads the end)
PRINTED_MAX: Final = 200_000


def has_checks(path: Path) -> bool:
    """The file defines a check (a top-level ``def check`` or ``def check_...``), read
    from its syntax tree: nothing of it runs."""
    return bool(checks_listed(path))


class _Printed:
    """``sys.stdout`` while a run goes on in the window's process: each write goes where
    it went before, and is kept (the last ``PRINTED_MAX`` characters) for ``run.output``."""

    def __init__(self, through: TextIO) -> None:
        self.through = through
        self._kept = io.StringIO()

    def write(self, text: str) -> int:
        self._kept.write(text)
        if self._kept.tell() > 2 * PRINTED_MAX:  # (a flood: only the end is read)
            self._kept = io.StringIO(self._kept.getvalue()[-PRINTED_MAX:])
            self._kept.seek(0, io.SEEK_END)
        return self.through.write(text)

    def flush(self) -> None:
        self.through.flush()

    def text(self) -> str:
        return self._kept.getvalue()[-PRINTED_MAX:]

    def __getattr__(self, name: str) -> Any:  # (encoding, isatty, fileno: the stream's)
        return getattr(self.through, name)


class LessonChecks(QObject):
    """The checks of the runs shown: started after each run (``ran``), cancelled by the
    next (``begin``) or the window closing (``cancel``); their line and the marks."""

    #: a verdict shown on the line (its ``Shown``, state "done"), in the order they come
    verdict = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.line = ChecksLine()
        self.line.site_clicked.connect(window.source.show_site)
        self.line.language_changed = self._show_marks
        _put_over(window.details, self.line)
        #: the checks' time limit, in real seconds
        self.timeout = DEFAULT_TIMEOUT
        #: each scenario's last verdict on its check clock, by id (the browser's marks)
        self.verdicts: dict[str, Shown] = {}
        self.task: asyncio.Task[None] | None = None  #: the checks running, if they are
        self.pid: int | None = None  #: their child process (its group), while it runs
        #: the run going on whose checks come after it: (scenario, clock, in its own process)
        self._pending: tuple[Scenario, str, bool] | None = None
        self._printed: _Printed | None = None
        #: on in the app (``main.run_gui`` turns it on); off in a window made for a test,
        #: where every run of a lesson would start a child process the test never waits
        #: for (as hot reload's watcher is made only by ``watch_folders``)
        self.enabled = False
        window.hot_reload.reloaded.connect(self._saved)

    # --- the runs ---------------------------------------------------------------------------
    def begin(self, scenario: Scenario | None, clock: str = "", own_process: bool = False) -> None:
        """A run (of ``scenario``; None: something else on the chart) is starting: the
        checks of the last one stop, the line goes; its checks, if it has any, come after."""
        self.cancel()
        self.line.show_verdict(None)
        if not self.enabled or scenario is None or scenario.kind != "scenario":
            return
        if not has_checks(scenario.path):
            return
        self._pending = (scenario, clock, own_process)
        if not own_process:
            self._printed = _Printed(sys.stdout)
            sys.stdout = cast(TextIO, self._printed)

    def ran(self, outcome: RunOutcome) -> None:
        """The run that began is over and on screen: its checks start, on its trace."""
        pending, self._pending = self._pending, None
        printed = self._release()
        if pending is None:
            self.line.show_verdict(None)
            return
        scenario, clock, own_process = pending
        expected = check_clock(scenario.path)
        if outcome.error is not None:  # (stopped, raised: the claims are about a whole run)
            self._show(Shown(scenario.id, clock, expected, "not-run"))
            return
        output = _pane_text(self.window) if own_process else printed
        self._show(Shown(scenario.id, clock, expected, "running"))
        self.task = asyncio.ensure_future(self._check(scenario, clock, expected, outcome, output))

    async def _check(
        self, scenario: Scenario, clock: str, expected: str, outcome: RunOutcome, output: str
    ) -> None:
        try:
            report = await checks_of_trace_async(
                scenario, outcome.trace, output, timeout=self.timeout, started=self._started
            )
        except OSError as exc:  # (no process could be started: said, the window stays)
            report = _not_started(scenario, outcome, str(exc), self.timeout)
        finally:
            self.pid = None
        shown = Shown(scenario.id, clock, expected, "done", report)
        self._show(shown)
        if shown.on_check_clock:
            self.verdicts[scenario.id] = shown
            self._mark(scenario.id)
        self.verdict.emit(shown)

    def _started(self, pid: int) -> None:
        self.pid = pid

    def cancel(self) -> None:
        """The checks running stop now: their child killed (not when the cancelled task
        next runs: the window may be closing), the run's stdout given back."""
        self._pending = None
        self._release()
        if self.pid is not None:
            kill_group(self.pid)
            self.pid = None
        task, self.task = self.task, None
        if task is not None and not task.done() and not task.get_loop().is_closed():
            task.cancel()  # (a loop closed already: the child is killed, the task is gone)

    async def finished(self) -> None:
        """Until the checks running (if any) have their verdict shown, or are cancelled."""
        task = self.task
        if task is not None:
            await asyncio.wait([task])

    @property
    def running(self) -> bool:
        """Checks are running (in their child process)."""
        return self.task is not None and not self.task.done()

    def _release(self) -> str:
        """Stop keeping what the run prints; what it printed."""
        printed, self._printed = self._printed, None
        if printed is None:
            return ""
        if cast(object, sys.stdout) is printed:  # (else someone wrapped it since: left so)
            sys.stdout = printed.through
        return printed.text()

    # --- what is shown ------------------------------------------------------------------
    def _show(self, shown: Shown) -> None:
        self.line.theme = self.window.theme
        self.line.show_verdict(shown)

    def _mark(self, scenario_id: str) -> None:
        """The browser's mark of ``scenario_id``: its last verdict, or none."""
        shown = self.verdicts.get(scenario_id)
        report = shown.report if shown is not None else None
        if shown is None or report is None:
            self.window.browser.set_mark(scenario_id)
            return
        words, _ = self.line.summary(shown)
        self.window.browser.set_mark(scenario_id, PASSED_MARK if report.ok else FAILED_MARK, words)

    def _show_marks(self) -> None:
        """Every mark in the window's language (it changed)."""
        for scenario_id in list(self.verdicts):
            self._mark(scenario_id)

    def _saved(self, scenario_id: str, _reads: bool) -> None:
        """The file was saved (hot reload): its verdict was the file's as it was."""
        if self.verdicts.pop(scenario_id, None) is not None:
            self._mark(scenario_id)
        shown = self.line.shown
        if shown is not None and shown.scenario == scenario_id and shown.state != "running":
            self._show(Shown(scenario_id, shown.clock, shown.check_clock, "saved"))


def _put_over(details: QWidget, line: QWidget) -> None:
    """``line`` over ``details`` in its splitter's pane (one pane: the splitter's sizes
    and handles stay as they were)."""
    splitter = details.parentWidget()
    holder = QWidget()
    column = QVBoxLayout(holder)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(0)
    column.addWidget(line)
    if isinstance(splitter, QSplitter):
        sizes = splitter.sizes()
        splitter.insertWidget(splitter.indexOf(details), holder)
        column.addWidget(details, 1)  # (out of the splitter: its panes as they were)
        splitter.setSizes(sizes)
    else:
        column.addWidget(details, 1)


def _pane_text(window: MainWindow) -> str:
    """What a run in its own process printed, as the output pane shows it (each line
    after its time)."""
    window.output.flush()
    lines = window.output.toPlainText().splitlines()
    return "".join(line.partition(" s  ")[2] + "\n" for line in lines)


def _not_started(scenario: Scenario, outcome: RunOutcome, why: str, timeout: float) -> CheckReport:
    params = outcome.trace.meta.get("params")
    return CheckReport(
        path=str(scenario.path),
        scenario=scenario.id,
        clock=str(outcome.trace.meta.get("clock")),
        params=dict(params) if isinstance(params, dict) else {},
        failure=RunFailure("crashed", why),
        timeout=timeout,
    )
