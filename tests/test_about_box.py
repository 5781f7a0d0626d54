"""Help > About (issue 19): the real window's menu opens the box; it shows what a bug
report needs and copies it to the real clipboard; it is not modal, follows the window's
type size and language, and says so when the ``asyncviz`` on the PATH is another program.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu

import visualizer
from visualizer import about
from visualizer.app.about_box import AboutBox
from visualizer.app.window import MainWindow

#: what PyPI's ``asyncviz`` 0.1.0 has pip write as its command (its entry point)
OTHER_SCRIPT = (
    "#!/usr/bin/python3\n# -*- coding: utf-8 -*-\nimport re\nimport sys\n"
    "from asyncviz.cli import main\nif __name__ == '__main__':\n    sys.exit(main())\n"
)


def open_about(window: MainWindow, qtbot: Any) -> AboutBox:
    """Help > About, found in the menu bar as a user finds it, and triggered."""
    titles = {a.text(): a for a in window.menuBar().actions()}
    help_menu = titles["&Help"].menu()
    assert isinstance(help_menu, QMenu)
    assert window.menuBar().actions()[-1].menu() is help_menu  # (the last menu, as usual)
    (entry,) = [a for a in help_menu.actions() if a.text() == "&About asyncio-visualizer"]
    entry.trigger()
    box = window.about_box.box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    return box


def shown_rows(box: AboutBox) -> dict[str, str]:
    table = box.table
    cells = [(table.item(r, 0), table.item(r, 1)) for r in range(table.rowCount())]
    return {name.text(): value.text() for name, value in cells if name and value}


def test_the_menu_opens_a_box_that_is_not_modal(window: MainWindow, qtbot: Any) -> None:
    box = open_about(window, qtbot)
    assert not box.isModal()
    assert QApplication.activeModalWidget() is None  # (the window goes on taking input)
    assert box.parentWidget() is window and box.windowTitle() == "About asyncio-visualizer"
    again = open_about(window, qtbot)  # (one box, shown again)
    assert again is box


def test_the_box_shows_the_version_every_library_and_both_hot_paths(
    window: MainWindow, qtbot: Any
) -> None:
    box = open_about(window, qtbot)
    assert visualizer.__version__ in box.title.text()
    rows = shown_rows(box)
    assert rows[about.DISTRIBUTION] == visualizer.__version__
    for name, distribution in about.LIBRARIES:
        assert rows[name] == metadata.version(distribution)
    for what, module in about.HOT_PATHS:
        assert rows[f"{what} hot path"] == about.hot_path_state(module)
    assert rows["Qt"] == qVersion()
    assert rows["Qt platform"] == QGuiApplication.platformName() == "offscreen"
    ratio = window.screen().devicePixelRatio()
    assert rows["screen"].endswith(f"device pixel ratio {ratio:g}")
    assert list(rows) == [name for name, _ in about.facts(box.extra)]


def test_copy_puts_exactly_the_report_on_the_clipboard(window: MainWindow, qtbot: Any) -> None:
    box = open_about(window, qtbot)
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("something else")
    qtbot.mouseClick(box.copy_button, Qt.MouseButton.LeftButton)
    assert clipboard.text() == about.report_text(box.extra) == box.report()
    assert "Qt" in dict(box.extra) and clipboard.text().startswith("```\n")
    assert box.copy_button.text() == "Copied"
    qtbot.waitUntil(lambda: box.copy_button.text() == "&Copy for a bug report", timeout=10000)


def test_the_box_follows_the_window_s_type_size_and_language(
    window: MainWindow, qtbot: Any
) -> None:
    box = open_about(window, qtbot)
    before = box.size()
    window.set_font_size(24)  # (Qt passes the application's font on in events: waited for)
    qtbot.waitUntil(lambda: box.font().pointSize() == box.table.font().pointSize() == 24)
    room = box.screen().availableGeometry()  # (it grew with its type, up to the screen's 90 %,
    for grown in (box.size(), open_about(window, qtbot).size()):  # open, and shown again)
        assert grown.width() > before.width() or grown.width() == room.width() * 9 // 10
        assert grown.height() > before.height() or grown.height() == room.height() * 9 // 10
    box = open_about(window, qtbot)  # (shown again: the facts read again)
    assert shown_rows(box)["font"].endswith(" 24 pt")
    window.set_language("zh_CN")  # (the box hears of it in Qt's LanguageChange event)
    qtbot.waitUntil(lambda: box.windowTitle() == "关于 asyncio-visualizer")
    assert box.copy_button.text() == "复制以提交错误报告(&C)"
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles[-1] == "帮助(&H)"
    # the facts stay English: they are the report, pasted for the maintainers
    assert about.DISTRIBUTION in shown_rows(box)


def test_a_foreign_asyncviz_on_the_path_is_said(
    window: MainWindow, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = open_about(window, qtbot)
    other = tmp_path / "asyncviz"
    other.write_text(OTHER_SCRIPT, encoding="utf-8")
    other.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    box = open_about(window, qtbot)
    box.retranslate()  # (the warning is read with the words: on showing, and here)
    assert box.warning.isVisibleTo(box)
    assert str(other) in box.warning.text() and about.OWN_COMMAND in box.warning.text()
    assert str(other) in shown_rows(box)["warning"]
    qtbot.mouseClick(box.copy_button, Qt.MouseButton.LeftButton)
    assert "warning" in QGuiApplication.clipboard().text()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # (none at all: nothing to say)
    box.retranslate()
    assert not box.warning.isVisibleTo(box)


def test_the_icon_is_the_app_s_and_missed_quietly_when_its_files_are_not_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: Any
) -> None:
    """The shipped icon (``assets/``) heads the box; an install that lost its files still
    opens the box, without a picture."""
    box = AboutBox()
    qtbot.addWidget(box)
    box.show()
    assert box.picture.isVisible() and not box.picture.pixmap().isNull()
    missing = tmp_path / "gone"
    monkeypatch.setattr(
        "visualizer.app.app_icon.icon_path",
        lambda size=None: missing / f"asyncviz-{size}.png",
    )
    bare = AboutBox()
    qtbot.addWidget(bare)
    bare.show()
    assert bare.icon is None and not bare.picture.isVisible()
