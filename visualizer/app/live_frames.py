"""A running source's live frames: when the next one is due, and what each one draws.

The window owns one (``MainWindow.frames``): it hands over the run it shows as that run
begins drawing (``begin``) and takes it back when the run ends (``end``).  In between, a
single-shot timer brings the chart up to date (the spans closed since the last frame, the
open ones, the tasks), marks in the source view the lines where tasks are suspended and
has the window write its status line a few times a second.  Each frame sets when the
next one is due, so that watching a program never starves it (the pace rule, in
``_frame``); on the window's own loop a frame also lets a timer about to fall due go
first (``_timer_first``).

The words of the status line stay the window's (``MainWindow._status``, its translation
context): a frame only says when to write it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import statistics
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, QTimer

from visualizer.app.lecture_bar import LectureBar
from visualizer.session.process import ChildRun
from visualizer.session.receiver import StreamedSource
from visualizer.session.sources import InLoopRun, LiveSource
from visualizer.trace import schema
from visualizer.trace.data import SpanColumns, Trace
from visualizer.views.chart import GanttView
from visualizer.views.source import SourceView

log = logging.getLogger("asyncviz.app")

#: live frames a second, at most: over the 30 a user needs, with room for a timer's whole
#: milliseconds and lateness (a 30-a-second pace gave 29.4, a 32 one 29-31); the pace
#: rule (a frame takes at most half the loop's time) holds it lower when frames are dear
FRAME_RATE = 35
#: a frame put off for the loop's timers waits this long at most in all (seconds): what
#: still keeps 30 frames a second at the pace above.  A program whose timers are always
#: about to fall due (many tasks' short sleeps) would else have a frame every other
#: period (17 a second); the frame that then goes first is drawn on the event loop's
#: row (``observed``), so a timer it made late is never left unexplained
MOST_PUT_OFF = 1.0 / 30 - 1.0 / FRAME_RATE
#: a live run's first frames lay the chart out (lane names, the first coverage grid):
#: their cost does not set the pace
FIRST_FRAMES = 3
#: while live, the tasks' names are read this often (seconds)
NAMES_EVERY = 0.25
#: while live, the status line (time, tasks, events) is written this often (seconds)
STATUS_EVERY = 0.2


class StatusLine(Protocol):
    """The window's status line, written from a trace (``MainWindow._status``)."""

    def __call__(
        self, trace: Trace, *, done: bool, error: str | None, spans: int | None = None
    ) -> None: ...


class LiveFrames:
    """The live frames of the run on screen: ``begin(source)``, then a frame whenever
    the pace allows, until ``end()``.  ``source`` is the run being drawn, if any."""

    def __init__(
        self,
        parent: QObject,
        *,
        chart: GanttView,
        source_view: SourceView,
        lecture: LectureBar,
        status: StatusLine,
    ) -> None:
        self._chart = chart
        self._source_view = source_view  #: where the suspended tasks' lines are marked
        self._lecture = lecture
        self._status = status
        self.source: LiveSource | None = None  #: the run drawn live, if any
        self._drawn = 0  #: spans of the live run the chart has been given
        #: seconds the last live frames took (updating and painting)
        self._frame_costs: deque[float] = deque(maxlen=9)
        self._frames_drawn = 0  #: live frames of this run so far
        #: when the next frame was first put off for a timer (perf_counter), if it was
        self._deferred_since: float | None = None
        #: when the last frame began (perf_counter): the next is due 1/30 s after it
        self._last_began = -math.inf
        self._names_read = 0.0  #: when the live tasks' names were last read
        self._status_shown = 0.0  #: when the status line was last written, while live
        self._lecture_said = ""  #: the lecture's state (paused, speed) the status line says
        self._frame_failed = False  #: a live frame of this run raised (logged once)
        self._tasks_drawn = -1  #: the model's task version the live chart last drew
        #: the model's forgetting the live chart last drew (a long run's history moved on:
        #: the spans it was given by index are renumbered, and it starts again)
        self._generation_drawn = 0
        #: what else a frame brings up to date (the Insights pane: at its own pace),
        #: after the chart, in the frame's time (on the run's loop, recorded as the
        #: window's)
        self.extras: list[Callable[[LiveSource], None]] = []
        self._timer = QTimer(parent)  # a live frame; each one sets when the next is due
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1000 // FRAME_RATE)
        self._timer.timeout.connect(self._frame)

    def begin(self, source: LiveSource) -> None:
        """Live frames of ``source``'s run, from now on."""
        self.source = source
        self._drawn = 0
        self._generation_drawn = 0
        self._frame_costs.clear()
        self._frames_drawn = 0
        self._frame_failed = False
        self._tasks_drawn = -1
        self._chart.following = True
        self._chart.begin_live(lambda: self._snapshot(source))
        self._timer.start()

    def end(self) -> None:
        """No more frames: the run is over (or never began drawing).  The chart keeps what
        it drew until the window shows the run's trace."""
        self._timer.stop()
        self.source = None
        self._chart.end_live()

    def _frame(self) -> None:
        source = self.source
        if source is None:
            return
        # (the source drawn is the run on screen: a lecture's recorder is neither kind)
        shares_loop = isinstance(source, InLoopRun)  # (the run is on this window's loop)
        if shares_loop and self._timer_first():
            return
        began = self._last_began = time.perf_counter()
        held_from = time.monotonic()
        self._bring_up_to_date(source)
        if isinstance(source, InLoopRun):  # the program's loop was the window's meanwhile
            source.recorder.store.add_observed(held_from, time.monotonic())
        # A frame (bringing the chart up to date, then painting it) may take at most
        # half the loop's time, and a third while the program on this loop has work
        # ready (it would wait for the frame): the program shown must not starve for its
        # picture, and runs at least half as fast as it would unwatched
        # (bench/live_gui.py, bench/observer.py).  A program in a process of its own
        # never waits for a frame: this loop only reads its stream (a batch costs a
        # millisecond or two), so a frame may take two thirds of the loop's time
        # (bench/service_hour.py).  The median of the last frames' costs sets the pace
        # (a slow frame now and then does not), and the next frame is due a period after
        # this one began, not after it ended.
        self._frames_drawn += 1
        if self._frames_drawn > FIRST_FRAMES:  # (the first lay the chart out: one-offs)
            self._frame_costs.append(time.perf_counter() - began + self._chart.paint_seconds)
        cost = statistics.median(self._frame_costs) if self._frame_costs else 0.0
        waiting = shares_loop and bool(getattr(asyncio.get_running_loop(), "_ready", None))
        share = 1.5 if isinstance(source, StreamedSource) else 3.0 if waiting else 2.0
        period = max(1.0 / FRAME_RATE, share * cost)
        wait = began + period - time.perf_counter()
        self._timer.start(max(1, round(wait * 1000)))
        self._deferred_since = None

    def draw_now(self) -> None:
        """Bring the chart (and the extras) up to date at once, not at the next frame: a
        picture taken now (``QWidget.grab`` renders what the chart holds) shows this
        moment, a lecture's pause say.  The frames' pace goes on as it was."""
        if self.source is not None:
            self._bring_up_to_date(self.source)

    def _bring_up_to_date(self, source: LiveSource) -> None:
        try:
            self._draw(source)
            for extra in self.extras:
                extra(source)
        except Exception:  # a bug in drawing must not stop the run, nor the next frames
            if not self._frame_failed:
                self._frame_failed = True
                log.exception("asyncviz: a live frame failed; the run goes on")

    def _timer_first(self) -> bool:
        """A timer of the loop falls due before this frame would end: the frame waits
        until just after it, while 30 frames a second are kept (or ``MOST_PUT_OFF`` in
        all, for a frame already due later than that), and True.  A frame started
        now would make the timer late by up to its cost, and the chart would draw the
        program's sleep longer than it asked for."""
        if not self._frame_costs:
            return False
        loop: Any = asyncio.get_running_loop()
        scheduled = getattr(loop, "_scheduled", None)
        if not scheduled:
            return False
        due = scheduled[0].when() - loop.time()
        expected = statistics.median(self._frame_costs)
        # (the time it has waited, not the waits asked for: a timer's whole milliseconds,
        # and a busy loop's lateness, made 28 waits of a millisecond last 56 ms, and a
        # program whose timers were always due held the frames to 12 a second)
        now = time.perf_counter()
        if self._deferred_since is None:
            self._deferred_since = now
        # put off until 30 frames a second would be missed (a millisecond's margin for
        # the timer that brings it back); a frame due later than that already (dear
        # frames) waits ``MOST_PUT_OFF`` at most
        deadline = self._last_began + 1.0 / 30 - 0.001
        if self._deferred_since >= deadline:
            deadline = self._deferred_since + MOST_PUT_OFF
        if not -0.005 < due < expected or now >= deadline:
            return False
        wait = max(due, 0.0) + 0.001  # (just after: the loop runs it, then the frame)
        self._timer.start(max(1, math.ceil(wait * 1000)))
        return True

    def _draw(self, source: LiveSource) -> None:
        """One live frame: the spans closed since the last one, the open ones, the tasks."""
        now = time.monotonic()
        if now - self._names_read >= NAMES_EVERY:  # (a name rarely changes mid-run)
            source.refresh_names()
            self._names_read = now
        model = source.model
        if model is None:
            return
        if model.generation != self._generation_drawn:  # (the history moved on)
            self._generation_drawn = model.generation
            self._drawn = 0
            self._tasks_drawn = -1
            self._status_shown = -math.inf  # (the status says so at once)
            self._chart.begin_live(lambda: self._snapshot(source))
        delta = model.since(self._drawn)
        self._drawn = model.span_count
        opened = model.open_spans(delta.duration)
        # (compared with the version last drawn: a click between frames reads the model
        # too, and moves the version)
        changed = model.task_version != self._tasks_drawn
        self._tasks_drawn = model.task_version
        self._chart.show_live(delta, opened, tasks_changed=changed)
        self._mark_waiting(delta, opened)
        if isinstance(source, ChildRun) and self._lecture.session is not None:
            self._lecture._show_state()  # (the program's word on its lecture: each frame)
        said = self._lecture.describe()  # (paused or not, the speed: said at once)
        if now - self._status_shown >= STATUS_EVERY or said != self._lecture_said:
            # (else text at frame rate: a blur, and work)
            self._lecture_said = said
            self._status(delta, done=False, error=None, spans=model.span_count)
            self._status_shown = now

    def _snapshot(self, source: LiveSource) -> Trace | None:
        """The live run as a trace from the view's left edge on (for a click, a tooltip);
        None while the history moved on since the last frame (the chart's lanes are the
        tasks' as they were numbered: the next frame draws them anew)."""
        (left, _), _ = self._chart.getPlotItem().getViewBox().viewRange()
        model = source.model
        assert model is not None  # (frames begin once a source has a model)
        if model.generation != self._generation_drawn:
            return None
        return model.recent(since=left)

    def _mark_waiting(self, trace: Trace, opened: SpanColumns) -> None:
        """In the source view, the lines where the run's tasks are suspended right now."""
        path = self._source_view.path
        if path is None:
            return
        spans = opened
        now = trace.duration
        open_waits = (spans.state == schema.SUSPENDED) & (spans.end >= now) & (spans.awaiting >= 0)
        lines: dict[int, list[str]] = {}
        prefix = f"{path}:"
        for task, awaiting in zip(
            spans.task[open_waits].tolist(), spans.awaiting[open_waits].tolist(), strict=True
        ):
            site = trace.suspensions[awaiting].site
            if site and site.startswith(prefix) and site[len(prefix) :].isdigit():
                lines.setdefault(int(site[len(prefix) :]), []).append(trace.tasks[task].name)
        self._source_view.mark_waiting(lines)
