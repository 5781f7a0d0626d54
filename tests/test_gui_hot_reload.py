"""Hot reload (issue 17, point 1), in a real window (pytest-qt, offscreen): real files
written to a scenario folder in ``tmp_path``, a real ``QFileSystemWatcher``, real runs.

Saved, a scenario runs again: a sleep's length changed is the new trace's duration on
the ideal clock (exact: the ideal clock counts no work).  An atomic save (a new file
renamed over the old one) is seen too, and the next one after it.  A file that does not
read shows its error at its line, keeps the chart, and runs again once fixed.  A file
dropped in the folder is listed, a deleted one goes.  A rerun stops the run going first.

The window's runs go on the ``GuiEventLoop`` made running beside the test
(``already_running``): every wait is ``qtbot.waitUntil`` on the thing waited for, which
turns Qt's loop, and with it asyncio's; a machine however busy only makes it longer.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from visualizer.app.browser import ID_ROLE, NOTE_MARK
from visualizer.app.hot_reload import SETTING, SETTING_BUILTIN, carried
from visualizer.app.live_frames import LiveFrames
from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.settings import open_settings
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import ScenarioError, discover, read_scenario
from visualizer.session.sources import STOPPED, InLoopRun

#: a run on the ideal clock, or a reload, takes well under this; a busy machine, longer
WAIT_MS = 60_000
#: the ideal clock's times are exact to within this (its own bookkeeping: nanoseconds)
US = 1e-6


def scenario_text(length: float, title: str = "Naps", naps: int = 1) -> str:
    return (
        f'"""{title}\n\nWhat to look for: {naps} nap(s) of {length} s.\n"""\n'
        "import asyncio\n\n"
        'TAGS = ("reload",)\n\n\n'
        f"async def main(naps: int = {naps}) -> None:\n"
        "    for _ in range(naps):\n"
        f"        await asyncio.sleep({length})\n\n\n"
        'if __name__ == "__main__":\n'
        "    asyncio.run(main())\n"
    )


#: line 12 of ``scenario_text`` (the sleep), broken: a parenthesis never closed
BROKEN = scenario_text(0.5).replace("await asyncio.sleep(0.5)", "await asyncio.sleep(0.5")


def save(path: Path, text: str, *, atomic: bool = False) -> None:
    """As an editor saves: in place, or a new file renamed over the old one."""
    if atomic:
        temporary = path.with_name(f".{path.name}.swp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def loop(qapp: Any) -> Iterator[GuiEventLoop]:
    """The window's loop, running while Qt's turns (``qtbot.waitUntil`` turns it)."""
    loop = GuiEventLoop(qapp, already_running=True)
    try:
        yield loop
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        # not ``stop()``: its ``app.exit()`` would end every Qt loop turned after it too
        # (Qt's quitNow, set until the next ``exec``): the next test's waits would not wait
        loop._QEventLoop__is_running = False
        qapp.aboutToQuit.disconnect(loop._after_run_forever)
        loop._after_run_forever()
        asyncio.events._set_running_loop(None)
        loop.close()


@pytest.fixture
def clean_settings() -> Iterator[None]:
    """The toggle's settings as on a first start, before and after."""
    settings = open_settings()
    for key in (SETTING, SETTING_BUILTIN):
        settings.remove(key)
    yield
    for key in (SETTING, SETTING_BUILTIN):
        settings.remove(key)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    save(folder / "naps.py", scenario_text(0.5))
    return folder


def _window(qtbot: Any, folder: Path) -> MainWindow:
    scenarios, _ = discover([folder])
    window = MainWindow(scenarios)
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    window.hot_reload.watch_folders([folder])
    return window


def _ran(qtbot: Any, window: MainWindow, scenario: str, clock: str = "ideal") -> Any:
    """``scenario`` selected and run on ``clock``, to its end: its trace."""
    window.select(scenario)
    window.set_clock_mode(clock)
    window.run_selected()
    task = window._task
    assert task is not None
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    return task.result().trace


def _run_over(window: MainWindow, before: Any) -> bool:
    """A run after ``before`` is on screen, and none is going."""
    return window._task is None and window.trace is not None and window.trace is not before


def _listed(window: MainWindow) -> list[str]:
    browser = window.browser
    return [browser.item(row).data(ID_ROLE) for row in browser.scenario_rows()]


# --- saved, run again -------------------------------------------------------------------------


@pytest.mark.parametrize("atomic", [False, True], ids=["in-place", "atomic"])
def test_a_save_reruns_the_last_run_with_the_file_as_saved(
    qtbot: Any, loop: GuiEventLoop, folder: Path, clean_settings: None, atomic: bool
) -> None:
    window = _window(qtbot, folder)
    first = _ran(qtbot, window, "naps")
    assert first.duration == pytest.approx(0.5, abs=US)
    assert window.hot_reload.action.isChecked()  # (a file of the user's: on)
    reloads: list[tuple[str, bool]] = []
    window.hot_reload.reloaded.connect(lambda *args: reloads.append(args))

    save(folder / "naps.py", scenario_text(0.25, title="Short naps"), atomic=atomic)
    qtbot.waitUntil(lambda: _run_over(window, first), timeout=WAIT_MS)
    second = window.trace
    assert second is not None and second.duration == pytest.approx(0.25, abs=US)
    assert second.meta["clock"] == "ideal"  # (the same clock)
    assert reloads == [("naps", True)]
    # the panes read it again: its title in the list and over the explanation, its text
    assert window.browser.currentItem().text() == "Short naps"
    assert "Short naps" in window.about.text()
    assert "asyncio.sleep(0.25)" in window.source.toPlainText()

    # and the next save too (an atomic save dropped the watch on the old file: watched again)
    save(folder / "naps.py", scenario_text(0.125, naps=2), atomic=atomic)
    qtbot.waitUntil(lambda: _run_over(window, second), timeout=WAIT_MS)
    assert window.trace is not None and window.trace.duration == pytest.approx(0.25, abs=US)
    assert window.trace.meta["params"] == {"naps": 2}  # (left at its default: the new one)
    assert reloads == [("naps", True)] * 2


def test_an_editor_writing_twice_is_one_reload(
    qtbot: Any, loop: GuiEventLoop, folder: Path, clean_settings: None
) -> None:
    window = _window(qtbot, folder)
    first = _ran(qtbot, window, "naps")
    reloads: list[tuple[str, bool]] = []
    window.hot_reload.reloaded.connect(lambda *args: reloads.append(args))
    path = folder / "naps.py"
    path.write_text("", encoding="utf-8")  # (emptied, then written: one save)
    save(path, scenario_text(0.75))
    qtbot.waitUntil(lambda: _run_over(window, first), timeout=WAIT_MS)
    assert window.trace is not None and window.trace.duration == pytest.approx(0.75, abs=US)
    # the same bytes written again (an editor's second write): not read again, not run
    second = window.trace
    save(path, scenario_text(0.75))
    save(folder / "other.py", scenario_text(1.0, title="Another"))  # (a change to wait for)
    qtbot.waitUntil(lambda: "other" in _listed(window), timeout=WAIT_MS)
    assert reloads == [("naps", True)]
    assert window.trace is second and window._task is None


def test_the_parameters_carry_over_as_the_file_now_has_them(tmp_path: Path) -> None:
    def scenario(name: str, signature: str) -> Any:
        path = tmp_path / f"{name}.py"
        path.write_text(f"async def main({signature}) -> None:\n    pass\n", encoding="utf-8")
        return read_scenario(path)

    before = scenario("before", "n: int = 3, mode: str = 'a', gone: int = 1, width: float = 1.0")
    after = scenario("after", "n: int = 5, mode: str = 'b', new: bool = True, width: int = 2")
    # left at their defaults: the new defaults; dropped; new: its default
    ran = {"n": 3, "mode": "a", "gone": 7, "width": 1.0}
    assert carried(before, after, ran) == {"n": 5, "mode": "b", "new": True, "width": 2}
    # chosen by the user: kept, where the type as it is now takes the value
    ran = {"n": 9, "mode": "z", "gone": 7, "width": 1.5}
    assert carried(before, after, ran) == {"n": 9, "mode": "z", "new": True, "width": 2}


# --- a file that does not read --------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "line", "said"),
    [
        (BROKEN, 12, "syntax error: '(' was never closed"),
        (scenario_text(0.5).replace('TAGS = ("reload",)', 'TAGS = "reload"'), 7, "TAGS must"),
    ],
    ids=["syntax-error", "bad-tags"],
)
def test_a_broken_file_shows_its_error_at_its_line_keeps_the_chart_and_clears_when_fixed(
    qtbot: Any,
    loop: GuiEventLoop,
    folder: Path,
    clean_settings: None,
    broken: str,
    line: int,
    said: str,
) -> None:
    window = _window(qtbot, folder)
    good = _ran(qtbot, window, "naps")
    source = window.source
    save(folder / "naps.py", broken)
    qtbot.waitUntil(lambda: source.error is not None, timeout=WAIT_MS)
    assert source.error is not None and source.error[0] == line and said in source.error[1]
    assert source.toPlainText() == broken  # (the file as saved, the error on its line)
    marked = [s.cursor.blockNumber() + 1 for s in source.extraSelections()]
    assert marked == [line]
    first = source.firstVisibleBlock().blockNumber() + 1
    assert first <= line  # (scrolled into view)
    assert source.banner.isVisible() and f"Line {line}: " in source.banner.text()
    # the last good chart stays, nothing runs
    assert window.trace is good and window.chart.trace is good and window._task is None
    # the list marks it, does not drop it
    item = window.browser.currentItem()
    assert item.data(ID_ROLE) == "naps" and item.text().startswith(NOTE_MARK)
    assert said in item.toolTip()

    save(folder / "naps.py", scenario_text(0.375))
    qtbot.waitUntil(lambda: _run_over(window, good), timeout=WAIT_MS)
    assert window.trace is not None and window.trace.duration == pytest.approx(0.375, abs=US)
    assert source.error is None and not source.banner.isVisible()
    assert source.extraSelections() == []
    assert not window.browser.currentItem().text().startswith(NOTE_MARK)


def test_a_broken_file_named_at_the_start_is_listed_with_its_error_and_read_when_fixed(
    qtbot: Any, loop: GuiEventLoop, folder: Path, tmp_path: Path, clean_settings: None
) -> None:
    """``asyncviz gui my_lesson.py`` on a file that does not read yet: the window lists
    it (marked), selects it, shows its error at its line; saved fixed, it is read."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = elsewhere / "draft.py"
    save(path, BROKEN)
    with pytest.raises(ScenarioError) as raised:
        read_scenario(path)
    window = _window(qtbot, folder)
    adopted = window.hot_reload.adopt(raised.value)
    assert adopted is not None and window.selected() == adopted
    item = window.browser.currentItem()
    assert item.data(ID_ROLE) == "draft" and item.text().startswith(NOTE_MARK)
    source = window.source
    assert source.path == path.resolve() and source.error is not None
    assert source.error[0] == 12  # (the sleep's line, its parenthesis never closed)
    assert "Line 12: " in source.banner.text()
    assert "Fixed and saved, the file is read again." in source.banner.text()  # (no run kept)
    # a name another listed scenario has is not taken from it
    save(elsewhere / "naps.py", BROKEN)
    with pytest.raises(ScenarioError) as clash:
        read_scenario(elsewhere / "naps.py")
    assert window.hot_reload.adopt(clash.value) is None

    save(path, scenario_text(0.25, title="Draft"))
    qtbot.waitUntil(lambda: source.error is None, timeout=WAIT_MS)
    assert window.scenarios["draft"].title == "Draft"
    assert not window.browser.currentItem().text().startswith(NOTE_MARK)
    assert window._task is None  # (read, not run: it was never run)


# --- the folder's files -------------------------------------------------------------------------


def test_files_dropped_in_are_listed_and_deleted_ones_go(
    qtbot: Any, loop: GuiEventLoop, folder: Path, clean_settings: None
) -> None:
    window = _window(qtbot, folder)
    window.select("naps")
    window.search.setText("naps")  # (the user's filter, kept)
    save(folder / "more_naps.py", scenario_text(0.5, title="More naps"))
    save(folder / "other.py", scenario_text(0.5, title="Something else"))
    save(folder / "half_written.py", BROKEN)
    qtbot.waitUntil(lambda: {"more_naps", "other"} <= set(_listed(window)), timeout=WAIT_MS)
    browser = window.browser
    shown = [i for i in _listed(window) if not browser.item(browser.row_of(i)).isHidden()]
    assert shown == ["more_naps", "naps"]  # (the filter still on)
    assert "half_written" in _listed(window)  # (listed under its file's name, marked)
    assert window.browser.selected_id() == "naps"
    half = browser.item(browser.row_of("half_written"))
    assert half.text().startswith(NOTE_MARK) and "never closed" in half.toolTip()
    assert "reload" in [window.tags.itemText(i) for i in range(window.tags.count())]

    # chosen, a file that never read shows its error at its line
    window.select("half_written")
    assert window.source.error is not None and window.source.error[0] == 12
    window.select("naps")
    assert window.source.error is None

    (folder / "more_naps.py").unlink()
    qtbot.waitUntil(lambda: "more_naps" not in _listed(window), timeout=WAIT_MS)
    assert window.browser.selected_id() == "naps"

    # the selected one deleted: it stays, noted as gone, its text still shown
    text = window.source.toPlainText()
    (folder / "naps.py").unlink()
    qtbot.waitUntil(lambda: window.source.error is not None, timeout=WAIT_MS)
    assert "naps" in _listed(window) and window.browser.selected_id() == "naps"
    assert browser.currentItem().text().startswith(NOTE_MARK)
    assert "gone" in browser.currentItem().toolTip() and "gone" in window.source.banner.text()
    assert window.source.toPlainText() == text
    # saved again, it is back, the note gone
    save(folder / "naps.py", scenario_text(0.5))
    qtbot.waitUntil(lambda: window.source.error is None, timeout=WAIT_MS)
    assert not browser.currentItem().text().startswith(NOTE_MARK)


# --- a run going --------------------------------------------------------------------------------

FOREVER = (
    '"""Naps for ever"""\n'
    "import asyncio\n\n\n"
    "async def main() -> None:\n"
    "    while True:\n"
    "        await asyncio.sleep(0.01)\n"
)


def test_a_save_during_a_run_stops_it_before_the_new_one_starts(
    qtbot: Any,
    loop: GuiEventLoop,
    folder: Path,
    clean_settings: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    save(folder / "forever.py", FOREVER)
    window = _window(qtbot, folder)
    happened: list[tuple[str, object]] = []  # (the live frames' begin and end, in order)
    begin, end = LiveFrames.begin, LiveFrames.end

    def begun(frames: LiveFrames, source: Any) -> None:
        happened.append(("begin", source))
        begin(frames, source)

    def ended(frames: LiveFrames) -> None:
        if frames.source is not None:
            happened.append(("end", frames.source))
        end(frames)

    monkeypatch.setattr(LiveFrames, "begin", begun)
    monkeypatch.setattr(LiveFrames, "end", ended)
    window.select("forever")
    window.set_clock_mode("real")
    window.run_selected()
    old_task = window._task
    qtbot.waitUntil(lambda: isinstance(window.current_run, InLoopRun), timeout=WAIT_MS)
    old = window.current_run
    assert isinstance(old, InLoopRun)
    qtbot.waitUntil(lambda: old.events > 20, timeout=WAIT_MS)  # (it goes)

    save(folder / "forever.py", FOREVER.replace("while True", "for _ in range(3)"))
    qtbot.waitUntil(lambda: window.current_run not in (None, old), timeout=WAIT_MS)
    assert old_task is not None and old_task.done()
    assert old_task.result().error == STOPPED  # (stopped, its trace kept)
    events = old.events
    new = window.current_run
    qtbot.waitUntil(lambda: window._task is None, timeout=WAIT_MS)
    assert old.events == events  # (the old run's trace grew no more)
    assert window.trace is not None and window.trace.meta["clock"] == "real"
    assert {t.name: t.outcome for t in window.trace.tasks}["main"] == "done"
    # one run at a time on the chart: the old one's frames ended before the new one's began
    assert happened[0] == ("begin", old)
    assert happened.index(("end", old)) < happened.index(("begin", new))
    assert [kind for kind, _ in happened].count("begin") == 2


# --- the toggle ---------------------------------------------------------------------------------


def test_with_the_toggle_off_a_save_updates_the_text_but_runs_nothing(
    qtbot: Any, loop: GuiEventLoop, folder: Path, clean_settings: None
) -> None:
    window = _window(qtbot, folder)
    first = _ran(qtbot, window, "naps")
    window.hot_reload.action.trigger()  # (off: the user's choice, remembered)
    assert not window.hot_reload.action.isChecked()
    reloads: list[tuple[str, bool]] = []
    window.hot_reload.reloaded.connect(lambda *args: reloads.append(args))
    save(folder / "naps.py", scenario_text(0.25, title="Edited, not run"))
    qtbot.waitUntil(lambda: reloads == [("naps", True)], timeout=WAIT_MS)
    assert window.hot_reload.rerunning is None and window._task is None
    assert window.trace is first
    assert window.browser.currentItem().text() == "Edited, not run"
    assert "asyncio.sleep(0.25)" in window.source.toPlainText()
    # Rerun, by hand: the file as it is now (the list and its panes stay on it)
    window.rerun()
    qtbot.waitUntil(lambda: _run_over(window, first), timeout=WAIT_MS)
    assert window.trace is not None and window.trace.duration == pytest.approx(0.25, abs=US)
    assert window.browser.selected_id() == "naps"
    assert "not run" in window.about.text()  # (the title read again: the panes stay on it)
    # remembered: a new window starts with it off for the user's files
    again = _window(qtbot, folder)
    again.select("naps")
    assert not again.hot_reload.action.isChecked()


def test_built_in_lessons_start_with_the_toggle_off_and_files_of_the_user_on(
    qtbot: Any, folder: Path, clean_settings: None
) -> None:
    window = _window(qtbot, folder)
    window.select("gather_basics")
    selected = window.selected()
    assert selected is not None and selected.builtin
    assert not window.hot_reload.action.isChecked()
    window.select("naps")
    assert window.hot_reload.action.isChecked()
    # each kind remembers its own
    window.select("gather_basics")
    window.hot_reload.action.trigger()
    window.select("naps")
    assert window.hot_reload.action.isChecked()
    window.select("gather_basics")
    assert window.hot_reload.action.isChecked()
    QApplication.processEvents()
