"""File > New scenario... and Open in editor, in the window (pytest-qt, real files, a
real editor process: a script that writes down the file it was given)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from visualizer.app.authoring import NewScenarioDialog
from visualizer.app.window import MainWindow
from visualizer.session.user_folder import ENV_VAR


# (autouse: made before conftest's ``window``, which lists the user's folder)
@pytest.fixture(autouse=True)
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$EDITOR: a script that appends each file it is given to a record (its path)."""
    record = tmp_path / "edited.txt"
    script = tmp_path / "editor.py"
    script.write_text(
        f"import sys\nwith open({str(record)!r}, 'a') as out:\n    out.write(sys.argv[1] + '\\n')\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    return record


@pytest.fixture(autouse=True)
def mine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's scenario folder: this test's, not there yet."""
    folder = tmp_path / "my scenarios"
    monkeypatch.setenv(ENV_VAR, str(folder))
    return folder


def _edited(qtbot: Any, record: Path, path: Path) -> None:
    qtbot.waitUntil(lambda: record.is_file() and str(path) in record.read_text(), timeout=20_000)


def test_file_new_scenario_creates_lists_selects_and_edits_it(
    qtbot: Any, window: MainWindow, mine: Path, editor: Path
) -> None:
    file_menu = [a.text() for a in window.file_menu.actions()]
    assert file_menu[:2] == ["&New scenario...", "Open in &editor"]
    window.authoring.new_action.trigger()
    dialog = window.authoring.dialog
    assert isinstance(dialog, NewScenarioDialog) and dialog.isVisible()
    assert dialog.name.text() == "my_lesson"
    assert dialog.folder_label.text() == str(mine)
    assert not dialog.change.isEnabled()  # (the environment chose the folder)
    assert dialog.template.currentData() == "blank"
    dialog.template.setCurrentIndex(dialog.template.findData("limited_concurrency"))
    assert "Semaphore" in dialog.about.text()
    dialog.name.setText("")
    qtbot.keyClicks(dialog.name, "waves")
    assert dialog.create_button.isEnabled()
    assert dialog.problem.text() == "waves.py, titled “Waves”"
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)

    path = mine / "waves.py"
    assert path.is_file()
    assert not dialog.isVisible()
    assert window.browser.selected_id() == "waves"
    assert window.selected() is not None and window.selected().path == path.resolve()
    assert "Waves: at most" in window.about.text()
    assert window.source.toPlainText().startswith('"""Waves: at most')
    assert [p.name for p in window.selected().params] == ["jobs", "limit", "work"]
    item = window.browser.item(window.browser.row_of("waves"))
    header = next(
        window.browser.item(r).text()
        for r in range(window.browser.row_of("waves"), -1, -1)
        if window.browser.item(r).data(Qt.ItemDataRole.UserRole) is None
    )
    assert (item.text(), header) == (
        "Waves: at most limit jobs at a time, with a Semaphore",
        "Your scenarios",
    )
    _edited(qtbot, editor, path.resolve())


def test_the_dialog_refuses_a_bad_name_and_an_existing_file(
    qtbot: Any, window: MainWindow, mine: Path
) -> None:
    mine.mkdir()
    (mine / "taken.py").write_text("# mine\n")
    dialog = window.authoring.ask_new()
    for name, said in (
        ("my-lesson", "A name is letters, digits and _, not starting with a digit: try my_lesson"),
        ("gather_basics", "There is a scenario gather_basics already: try my_gather_basics"),
        ("asyncio", "asyncio is a module of Python's standard library"),
        ("taken", "taken.py is in the folder already: choose another name"),
    ):
        dialog.name.setText(name)
        assert not dialog.create_button.isEnabled()
        assert dialog.problem.text().startswith(said)
    dialog.accept()  # (Enter: refused the same)
    assert dialog.isVisible()
    assert (mine / "taken.py").read_text() == "# mine\n"


def test_open_in_editor_offers_a_copy_of_a_builtin(
    qtbot: Any, window: MainWindow, mine: Path, editor: Path
) -> None:
    window.select("semaphore_workers")
    window.authoring.edit_action.trigger()
    box = window.asked
    assert isinstance(box, QMessageBox)
    assert "read-only" in box.text() and str(mine) in box.text()
    copy = box.defaultButton()
    assert copy is not None and copy.text() == "Copy and open"
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    path = (mine / "my_semaphore_workers.py").resolve()
    qtbot.waitUntil(lambda: window.browser.selected_id() == "my_semaphore_workers")
    assert window.selected() is not None and window.selected().path == path
    assert "semaphore_workers" in window.scenarios  # (the original stays)
    _edited(qtbot, editor, path)

    # the user's own scenario: straight to the editor, nothing asked
    window.asked = None
    window.authoring.edit_action.trigger()
    assert window.asked is None
    qtbot.waitUntil(lambda: editor.read_text().count(str(path)) == 2, timeout=20_000)


def test_an_editor_that_cannot_start_is_said(
    qtbot: Any, window: MainWindow, mine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", str(mine / "no-such-editor"))
    path = window.authoring.create("lonely", window.authoring.ask_new().chosen(), mine)
    assert path is not None and path.is_file()
    assert window.browser.selected_id() == "lonely"
    assert window.last_message is not None
    assert window.last_message[0] == "Cannot open an editor"
