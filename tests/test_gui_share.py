"""The window's side of a shared scenario (``app.sharing``): File > Share scenario...
writes one from the run on screen; File > Open shows it with its chart, its explanation
and its *own* source (not the file of that name on this disk), runs nothing, and keeps
its source as a .py on request; a hostile file leaves the window as it was.

Real runs on the window's own loop, real files, a real window (offscreen).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog
from test_shared import HOSTILE

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import Scenario, bind_params, find, read_scenario
from visualizer.session.shared import SUFFIX, read_shared
from visualizer.session.sources import RunOutcome
from visualizer.session.user_folder import user_folder


def _run(qapp: Any, window: MainWindow, scenario: Scenario, **params: str) -> RunOutcome:
    loop = GuiEventLoop(qapp)
    try:
        return loop.run_until_complete(
            window.run(scenario, bind_params(scenario, params), "virtual")
        )
    finally:
        loop.close()


@pytest.fixture
def lesson(tmp_path: Path) -> tuple[Scenario, Path]:
    """A scenario of the user's own (semaphore_workers, copied) that leaves a file behind
    whenever it is imported: so a test sees whether it ran."""
    marker = tmp_path / "it-ran"
    path = tmp_path / "lessons" / "my_lesson.py"
    path.parent.mkdir()
    shutil.copy(find("semaphore_workers").path, path)
    with path.open("a", encoding="utf-8") as file:
        file.write(f"\nopen({str(marker)!r}, 'w').close()  # (the test's: it ran)\n")
    return read_scenario(path), marker


def test_a_shared_run_opens_with_its_own_source_explanation_and_chart(
    qapp: Any, window: MainWindow, tmp_path: Path, lesson: tuple[Scenario, Path], qtbot: Any
) -> None:
    scenario, marker = lesson
    sharing = window.sharing
    sharing.update_actions()
    assert not sharing.share_action.isEnabled()  # (nothing run yet)
    outcome = _run(qapp, window, scenario, workers="3")
    assert marker.exists()  # (the sender's run: it ran there)
    sharing.update_actions()
    assert sharing.share_action.isEnabled() and not sharing.save_source_action.isEnabled()
    shared = tmp_path / f"my_lesson{SUFFIX}"
    assert sharing.share(shared)
    sent = scenario.path.read_bytes()
    picture = QImage.fromData(read_shared(shared).chart)
    assert picture.width() == window.chart.width() and picture.height() > window.chart.height()

    # the receiver: another run on screen, the file on disk changed since, nothing ran
    marker.unlink()
    scenario.path.write_text(sent.decode() + "\n# edited after sharing\n", encoding="utf-8")
    _run(qapp, window, find("gather_basics"))
    assert window.open_trace(shared)

    trace = window.trace
    assert trace is not None and trace is not outcome.trace
    assert [t.name for t in trace.tasks] == [t.name for t in outcome.trace.tasks]
    assert window.chart.bars.span_count() == len(outcome.trace.spans)
    assert window.source.toPlainText() == sent.decode()  # (the file's own, not the disk's)
    about = window.about.text()
    assert scenario.title in about and f"Shared in my_lesson{SUFFIX}" in about
    assert window.params.values()["workers"] == "3"
    # a span's site is in the shared source: shown and marked, never asked about
    site = next(s.site for s in trace.suspensions if s.site and "my_lesson.py" in s.site)
    with qtbot.assertNotEmitted(window.source.asks):
        assert window.source.show_site(site)
    assert window.source.marked == int(site.rpartition(":")[2])
    assert window.source.toPlainText() == sent.decode()
    # nothing runs it: nothing is chosen, Run does nothing
    assert window.browser.selected_id() is None
    window.run_selected()
    assert not window.running and not marker.exists()
    # in Chinese: the scenario's own Chinese, and the note's
    window.set_language("zh_CN")
    assert scenario.title_zh and scenario.title_zh in window.about.text()
    assert "分享" in window.about.text()
    window.set_language("en")
    assert scenario.title in window.about.text()
    # kept as a .py to run, as shared; and it can be shared again
    sharing.update_actions()
    assert sharing.save_source_action.isEnabled() and sharing.share_action.isEnabled()
    kept = tmp_path / "kept.py"
    assert sharing.save_source(kept)
    assert kept.read_bytes() == sent
    assert window.browser.selected_id() is None  # (a folder not listed: nothing to choose)
    again = tmp_path / f"again{SUFFIX}"
    assert sharing.share(again)
    assert read_shared(again).source == sent
    assert read_shared(again).manifest.path == str(scenario.path)
    assert not marker.exists()

    # another trace opened: the file on disk is the one shown for that name again
    plain = tmp_path / "plain.json"
    window.save_trace(plain)
    assert window.open_trace(plain)
    assert window.source.given == {} and sharing.shown() is None
    sharing.update_actions()
    assert not sharing.save_source_action.isEnabled()


@pytest.mark.filterwarnings("ignore:Duplicate name")  # (zipfile's, writing one on purpose)
def test_a_hostile_file_leaves_the_window_as_it_was(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    _run(qapp, window, find("semaphore_workers"))
    good = tmp_path / f"good{SUFFIX}"
    assert window.sharing.share(good)
    assert window.open_trace(good)
    with zipfile.ZipFile(good) as archive:  # (the members test_shared's files are made of)
        raw = {name: archive.read(name) for name in archive.namelist()}

    def shown() -> tuple[object, ...]:
        return (
            window.trace,
            window.chart.bars.span_count(),
            window.about.text(),
            window.source.toPlainText(),
            window.sharing.shown(),
        )

    before = shown()
    for number, (kind, (build, expected)) in enumerate(HOSTILE.items()):  # (test_shared's)
        window.last_message = None
        bad = build(tmp_path / f"hostile-{number}{SUFFIX}", raw)
        assert not window.open_trace(bad), kind
        assert window.last_message is not None, kind
        if kind != "not a zip":  # (that one is a trace's business: the trace loader says)
            assert expected in window.last_message[1], (kind, window.last_message)
        assert shown() == before, kind


def test_save_scenario_as_keeps_it_in_the_users_folder_listed_and_chosen(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    """The dialog starts in the user's scenario folder, under a name no listed scenario
    has (semaphore_workers is a built-in's); saved there, it is listed and chosen: Run
    runs it (the saved file, as shared)."""
    _run(qapp, window, find("semaphore_workers"))
    shared = tmp_path / f"sem{SUFFIX}"
    assert window.sharing.share(shared)
    assert window.open_trace(shared)
    window.sharing.ask_save_source()
    dialog = window.findChildren(QFileDialog)[-1]
    folder = user_folder()
    assert Path(dialog.directory().absolutePath()) == folder
    name = Path(dialog.selectedFiles()[0]).name
    assert name.startswith("semaphore_workers_") and name.endswith(".py")
    dialog.reject()
    assert window.sharing.save_source(folder / name)
    chosen = window.selected()
    assert chosen is not None and chosen.path == (folder / name).resolve()
    assert chosen.title == find("semaphore_workers").title
    (folder / name).unlink()  # (the folder is the whole test run's)
