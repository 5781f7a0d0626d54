"""``asyncviz gui``: the window on the GUI loop, with flags for tests, docs and demos.

The whole app runs as one coroutine on ``GuiEventLoop``: it opens the window, runs
the scenario if asked (``--autorun``), saves what it was asked to save, and returns
when the window closes (or at once with ``--exit-when-done``).  Never a nested Qt
event loop inside a coroutine (``QDialog.exec()``): that re-enters the asyncio loop.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QApplication

from visualizer.app.app_icon import dress
from visualizer.app.compare_window import CompareWindow
from visualizer.app.first_paint import FirstPaint
from visualizer.app.history_menu import history_setting
from visualizer.app.presenter import PRESENTER_THEME
from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.settings import restore_window, saved, saved_history
from visualizer.app.theme import apply_theme
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import Scenario, ScenarioError, discover, find
from visualizer.session.sources import VirtualRun
from visualizer.views.gantt import THEMES

#: ``--theme``'s names of the View menu's themes (``views.gantt.THEMES``), where they differ
THEME_FLAGS = {"high-contrast": PRESENTER_THEME}
#: the window's size for a picture (``--screenshot``) when no ``--size`` is given: the
#: same every time, whatever size the window was left at
PICTURE_SIZE = (1600, 900)
#: the window's size the first time, before it remembers one
FIRST_SIZE = (1600, 900)


@dataclass
class GuiOptions:
    scenario: str | None = None
    autorun: bool = False
    clock: str | None = None  #: None: as last time (real the first time)
    speed: float | None = None  #: a lecture's speed (None: 1x)
    pause_at: float | None = None  #: a lecture pauses at this scenario time
    cursor_at: float | None = None  #: after the run, the time cursor at this time
    insight: int | None = None  #: after the run, its Nth insight chosen (1: the first)
    params: Mapping[str, object] = field(default_factory=dict)
    #: ``--compare``: run B's parameters (every one); the scenario is run with ``params``
    #: (A) and with these (B), both on the virtual clock, and the two compared
    compare: Mapping[str, object] | None = None
    save_trace: Path | None = None
    screenshot: Path | None = None
    exit_when_done: bool = False
    #: a View-menu theme, named as ``--theme`` names it (:data:`THEME_FLAGS`); None: as
    #: last time (light the first time)
    theme: str | None = None
    font_size: int | None = None  #: None: as last time (11 the first time)
    presenter: bool = False  #: open in presenter mode (full screen, big type, high contrast)
    #: the window's size, exactly; None: as last time (with ``screenshot``:
    #: :data:`PICTURE_SIZE`, so pictures do not follow the last window's size)
    size: tuple[int, int] | None = None
    extra_dirs: tuple[Path, ...] = ()
    #: run the scenario in a process of its own (a plain program always is)
    own_process: bool = False
    #: a plain program's arguments (after ``--``)
    program_args: tuple[str, ...] = ()
    #: press Stop this many seconds after the run began (scripts judge stop, hang and
    #: crash cases from the saved trace and the exit code)
    stop_after: float | None = None
    #: listen for programs started elsewhere (``HOST:PORT``); with ``--exit-when-done``,
    #: until one attached and ended
    listen: str | None = None
    #: seconds of a long run's history kept for drawing (0: everything); None: as last
    #: time (five minutes the first time)
    history: float | None = None
    #: a shared scenario to open (``asyncviz gui FILE.asyncviz.zip``): shown, never run
    open: Path | None = None


class _Closed(QObject):
    """Sets a future when the window closes."""

    def __init__(self, future: asyncio.Future[None]) -> None:
        super().__init__()
        self.future = future

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and not self.future.done():
            self.future.set_result(None)
        return False


async def _app_main(
    window: MainWindow, options: GuiOptions, chosen: Scenario | None, size: tuple[int, int] | None
) -> int:
    """The window's life: shown (``size``: exactly that big), the run asked for, what
    was asked to be saved; until the window closes, or the run ends (``exit_when_done``)."""
    loop = asyncio.get_running_loop()
    closed: asyncio.Future[None] = loop.create_future()
    watcher = _Closed(closed)
    window.installEventFilter(watcher)
    # (the chart's: the window is on the screen, and laid out as the window manager has it)
    painted = FirstPaint(window.chart.viewport())
    window.show()
    status = 0
    if size is not None:
        await painted.wait()  # (polished and laid out: the least size it can take)
        if _not_the_size(window, size):
            options.exit_when_done, options.screenshot, status = True, None, 2
            chosen = None
    clock = window.clock_mode()
    if options.listen is not None:
        if not await window.listening.start(options.listen):
            print(f"asyncviz: cannot listen on {options.listen}", file=sys.stderr)
            status = 2
        else:
            print(f"asyncviz: listening: {window.listening.instructions()}", file=sys.stderr)
            if options.exit_when_done:
                status = await _one_attached(window)
    shown: Any = window  # (what --screenshot captures: the comparison, if one is made)
    if options.compare is not None and chosen is not None:
        await painted.wait()  # (the window's first paint: see below)
        outcome = await window.run(chosen, dict(options.params), "virtual")
        compared = await window.comparing.compare_with_run(chosen, dict(options.compare))
        if outcome.error or compared is None:
            print(f"asyncviz: {chosen.id}: {outcome.error or 'no comparison'}", file=sys.stderr)
            status = 1
        if compared is not None:
            shown = compared
            # (on the screen as the window manager has it: grab() draws it at its size)
            await FirstPaint(compared).wait()
    elif options.autorun and chosen is not None:
        # a run started during the window's first paint would show the loop busy
        # painting (true, but not the lesson)
        await painted.wait()
        run = asyncio.ensure_future(
            window.run(
                chosen,
                dict(options.params),
                clock,
                own_process=options.own_process,
                args=options.program_args,
            )
        )
        if options.stop_after is not None:
            stopper = asyncio.ensure_future(_stop_after(window, run, options.stop_after))
            run.add_done_callback(lambda _: stopper.cancel())
        if clock == "lecture" and options.pause_at is not None:
            # a scripted demo: the picture and the exit come at the pause
            await _paused_or_done(window, run)
            if options.screenshot is not None or options.exit_when_done:
                window.frames.draw_now()  # (the chart at the pause, not a frame before)
                if options.screenshot is not None:
                    _picture(window, options.screenshot)
                    options.screenshot = None
                if options.exit_when_done and window.lecture.session is not None:
                    window.stop()
        outcome = await run
        await window.lesson_checks.finished()  # (the picture shows the lesson's verdict)
        if outcome.error and not (options.pause_at is not None and clock == "lecture"):
            print(f"asyncviz: {chosen.id}: {outcome.error}", file=sys.stderr)
            status = 1
        # (the window shows the run's whole trace now: a screenshot renders it as it is)
    if options.open is not None:
        await painted.wait()  # (the window's first paint, as for a run)
        opened = window.open_trace(options.open)
        loading = window.loading  # (a big file: loaded in the background, its dialog up
        while opened and (loading.busy or loading.dialog is not None):  # until shown)
            await asyncio.sleep(0.05)
        if not opened or window.trace is None:
            said = window.last_message[1] if window.last_message else str(options.open)
            print(f"asyncviz: cannot open {options.open}: {said}", file=sys.stderr)
            status = 1
    if options.cursor_at is not None and window.chart.trace is not None:
        window.show_time_cursor(True, at=options.cursor_at)
    while window.insights.worker.busy:  # (a big trace's insights, found in a thread)
        await asyncio.sleep(0.05)
    if options.insight is not None:
        window.insights.choose(options.insight - 1)
    if options.save_trace is not None:
        window.save_trace(options.save_trace)
    if options.screenshot is not None:
        _picture(shown, options.screenshot)
        if size is not None and shown is window and _not_the_size(window, size):
            status = status or 2
    if not options.exit_when_done:
        await closed
    await window.listening.stop()
    window.removeEventFilter(watcher)
    window.close()
    return status


def _picture(shown: MainWindow | CompareWindow, path: Path) -> None:
    """``shown`` as a PNG, as it is now: its layouts asked for done first (a label's new
    text asks for one, posted: ``grab`` renders the widget itself, never waiting for the
    screen, so a posted request would else come after the picture)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    shown.screenshot(path)


async def _one_attached(window: MainWindow) -> int:
    """Until a program attached and its run ended: 0 if it ended well, else 1."""
    listening = window.listening
    while not listening.shown and not listening.failed:
        await asyncio.sleep(0.05)
    if not listening.shown:
        print(f"asyncviz: attached program: {listening.failed[0]}", file=sys.stderr)
        return 1
    outcome = listening.shown[0]
    if outcome.error:
        print(f"asyncviz: attached program: {outcome.error}", file=sys.stderr)
        return 1
    return 0


async def _stop_after(window: MainWindow, run: asyncio.Future[Any], seconds: float) -> None:
    """Press Stop ``seconds`` after the run began drawing (a program in its own process:
    after it started and said hello), unless it ended before."""
    while window.frames.source is None and not run.done():
        if isinstance(window.current_run, VirtualRun):  # (nothing to draw until it ends)
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(seconds)
    if not run.done():
        window.stop()


async def _paused_or_done(window: MainWindow, run: asyncio.Future[Any]) -> None:
    """Until the lecture on screen is paused, or the run is over."""
    while not run.done():
        session = window.lecture.session
        if session is not None and session.paused:
            return
        await asyncio.sleep(0.02)


def run_gui(options: GuiOptions) -> int:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    dress(app)  # (the icon, and the name the desktop entry knows the window by)
    scenarios, _errors = discover(list(options.extra_dirs))
    chosen: Scenario | None = None
    problem: ScenarioError | None = None
    if options.scenario:
        try:
            chosen = find(options.scenario, list(options.extra_dirs))
        except ScenarioError as exc:  # the window still opens, and says what is wrong
            problem = exc
    if chosen is not None and chosen.id not in {s.id for s in scenarios}:
        scenarios.append(chosen)
    flagged = THEME_FLAGS.get(options.theme, options.theme) if options.theme else None
    theme = flagged or saved("theme", "light", str)
    theme = theme if theme in THEMES else "light"
    apply_theme(app, theme)
    window = MainWindow(scenarios, theme=theme, font_size=11)
    window.hot_reload.watch_folders(options.extra_dirs)  # (and lists their broken files)
    window.lesson_checks.enabled = True  # (a lesson's checks after each of its runs)
    # a size given, or a picture's: exactly that, never what was remembered (restoring a
    # geometry fits it to the screen, less a frame: the next picture would shrink)
    size = options.size or (PICTURE_SIZE if options.screenshot is not None else None)
    window.resize(*(size or FIRST_SIZE))
    restore_window(window, geometry=size is None)
    window.set_font_size(options.font_size or saved("font_size", 11, int))
    window.set_clock_mode(options.clock or saved("clock", "real", str))
    if options.speed is not None:
        window.lecture.set_speed(options.speed)
    window.pause_at = options.pause_at
    if options.presenter:
        window.presenter.enter()  # (full screen from the first show)
    window.own_process_action.setChecked(options.own_process)
    given = options.history
    window.history_menu.set(history_setting(str(given)) if given is not None else saved_history())
    window.program_args = tuple(options.program_args)
    if chosen is not None:
        window.select(chosen.id)
        window.params.set_values(options.params)
    _session_only(window, options, size, chosen)
    if options.presenter:
        size = None  # (full screen: the screen's size)
    if problem is not None:
        title = QCoreApplication.translate("MainWindow", "Cannot load {scenario}")
        window.details.show_error(title.format(scenario=options.scenario), str(problem), "")
        # a scenario file that does not read: listed, selected, its error at its line,
        # read again when saved (else the file is at least shown)
        if window.hot_reload.adopt(problem) is None and problem.path is not None:
            window.source.show_file(problem.path)
        print(f"asyncviz: {problem}", file=sys.stderr)
    loop = GuiEventLoop(app)
    try:
        status = loop.run_until_complete(_app_main(window, options, chosen, size))
        return 1 if problem is not None else status
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _session_only(
    window: MainWindow, options: GuiOptions, size: tuple[int, int] | None, chosen: Scenario | None
) -> None:
    """What the flags set, as the window has it now: for this session only.  The window
    saves such a value only if the user changed it (``settings.save_window``)."""
    given = window.session_only
    if options.theme:
        given["theme"] = window.theme
    if options.font_size:
        given["font_size"] = window.font_size
    if options.clock:
        given["clock"] = window.clock_mode()
    if options.history is not None:
        given["history"] = window.history_menu.seconds or 0.0
    if size is not None:
        given["size"] = size
    if chosen is not None:
        given["scenario"] = chosen.id


def _not_the_size(window: MainWindow, size: tuple[int, int]) -> bool:
    """The window is not ``size`` big (below what its panes need, at this text size):
    said, as the run's failure (a bigger picture than asked for would pass unnoticed)."""
    if (window.width(), window.height()) == size:
        return False
    least = window.minimumSizeHint().expandedTo(window.minimumSize())
    if size[0] < least.width() or size[1] < least.height():
        why = f"it needs at least {least.width()}x{least.height()} at this text size"
    else:
        why = "the screen, or its window manager, would not have it so"
    print(
        f"asyncviz gui: the window cannot be {size[0]}x{size[1]}: {why} (it is"
        f" {window.width()}x{window.height()})",
        file=sys.stderr,
    )
    return True


def has_display() -> bool:
    """A window can be shown: a display, or an offscreen/minimal platform asked for."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or platform)
