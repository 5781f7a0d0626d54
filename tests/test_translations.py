"""The window's words through Qt's translation system: the shipped Simplified Chinese is
complete and compiled, the window follows the language chosen (and the system's), and
the scenario browser shows its sections, from the basics on."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QLibraryInfo, Qt
from PySide6.QtTest import QTest

from visualizer.app.browser import ID_ROLE, SECTION_ROLE
from visualizer.app.translations import FILES, I18N
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import SECTIONS, discover, read_scenario, section_of

ROOT = Path(__file__).resolve().parent.parent
QT_TOOLS = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.BinariesPath))
TS = I18N / "asyncviz_zh_CN.ts"
QM = I18N / "asyncviz_zh_CN.qm"


def _tool(name: str) -> Path:
    """lupdate or lrelease as PySide6 ships them (next to its package)."""
    import PySide6

    tool = Path(PySide6.__file__).parent / name
    if not tool.exists():
        tool = QT_TOOLS / name
    if not tool.exists():
        pytest.skip(f"{name} is not installed with PySide6")
    return tool


def _messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    """(context, source) -> the message's translation element, obsolete ones left out."""
    found = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            if translation.get("type") in ("obsolete", "vanished"):
                continue
            found[(name, message.findtext("source") or "")] = translation
    return found


# --- the translation files ------------------------------------------------------------------
def test_every_string_of_the_code_is_in_the_ts(tmp_path: Path) -> None:
    """lupdate over the code now finds exactly the strings the shipped .ts has: none
    missing (a new string: run tools/translations), none left over."""
    fresh = tmp_path / "fresh.ts"
    # (the options of tools/translations)
    command = [str(_tool("lupdate")), "-silent", "-extensions", "py", "-locations", "none"]
    subprocess.run([*command, "visualizer", "-ts", str(fresh)], cwd=ROOT, check=True)
    now, shipped = set(_messages(fresh)), set(_messages(TS))
    assert sorted(now - shipped) == [], "new strings: run `bash tools/translations`"
    assert sorted(shipped - now) == [], "strings gone from the code: run tools/translations"
    assert len(now) > 100


def test_every_message_is_translated_keeping_its_placeholders() -> None:
    text = TS.read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text
    for (context, source), translation in _messages(TS).items():
        said = translation.text or ""
        assert said.strip(), (context, source)
        # the same {names} (str.format fills them), and a menu's &-key if it had one
        assert sorted(re.findall(r"\{\w*\}", said)) == sorted(re.findall(r"\{\w*\}", source)), (
            context,
            source,
            said,
        )
        assert ("&" in said) == ("&" in source), (context, source, said)
        words = re.sub(r"\{\w*\}", "", source)
        # (the runs of a comparison are A and B in any language)
        if any(c.isalpha() for c in words) and source not in ("io", "cancel()", "A", "B"):
            assert re.search(r"[\u4e00-\u9fff]", said), (context, source, said)  # no English


def test_the_shipped_qm_is_the_ts_compiled(tmp_path: Path) -> None:
    compiled = tmp_path / "check.qm"
    subprocess.run([str(_tool("lrelease")), "-silent", str(TS), "-qm", str(compiled)], check=True)
    assert compiled.read_bytes() == QM.read_bytes(), "stale .qm: run `bash tools/translations`"


def test_qts_own_chinese_is_there_for_its_dialogs() -> None:
    """PySide6 ships qtbase_zh_CN.qm: a dialog's buttons read in Chinese too."""
    for folder, name in FILES["zh"]:
        assert (folder / f"{name}.qm").is_file(), name


# --- the window follows the language (``window``: tests/conftest.py) -------------------------


def _menu_titles(window: MainWindow) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def test_switching_the_language_changes_every_word_at_once(window: MainWindow) -> None:
    window.set_language("en")
    assert _menu_titles(window) == ["&File", "&View", "&Compare", "&Help"]
    assert window.run_action.text() == "Run"
    window.set_language("zh")
    assert _menu_titles(window) == ["文件(&F)", "视图(&V)", "比较(&C)", "帮助(&H)"]
    assert (window.run_action.text(), window.stop_action.text()) == ("运行", "停止")
    assert window.language_menu.title() == "语言 Language(&G)"
    assert [a.text() for a in window.language_menu.actions()] == ["English", "简体中文"]
    assert window.language_actions["zh"].isChecked()
    assert window.search.placeholderText() == "搜索示例"
    assert window.tags.itemText(0) == "全部标签"
    assert window.clock.itemText(1) == "虚拟" and window.clock.itemData(1) == "virtual"
    legend = window.legend.text().replace("\u2060", "")  # (joins Chinese: no break inside)
    assert "就绪" in legend and "挂起" in legend and "唤醒者" in legend and "定时器" in legend
    assert window.chart.getPlotItem().getAxis("bottom").labelText == "时间"
    assert "看看任务当时在做什么" in window.details.toPlainText()
    header = window.browser.item(0)
    assert header.text() == "基础：协程与任务"
    window.select("semaphore_workers")
    assert window.browser.currentItem().text() == "用信号量（Semaphore）限制并发"
    assert "要看什么" in window.about.text()
    # Qt's own words too (qtbase_zh_CN.qm)
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    window.set_language("en")
    assert _menu_titles(window) == ["&File", "&View", "&Compare", "&Help"]
    assert window.browser.item(0).text() == "Basics: coroutines and tasks"
    assert window.browser.currentItem().text() == "Limiting concurrency with a Semaphore"
    assert "running" in window.legend.text() and "What to look for" in window.about.text()
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_a_run_and_its_details_read_in_chinese(qapp: Any, window: MainWindow) -> None:
    from visualizer.app.qtloop import GuiEventLoop
    from visualizer.session.scenarios import find

    window.set_language("zh_CN")
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find("blocking_call"), {}, "virtual"))
    finally:
        loop.close()
    assert "个任务" in window.status.text() and "（虚拟时钟）" in window.status.text()
    assert "事件循环" in [name for _, name in window.chart.names.ticks]
    worker = outcome.trace.task_by_name("worker")
    index = int((outcome.trace.spans.task == worker.id).nonzero()[0][-1])
    window._span_clicked(index)
    fields = dict(window.details.details.fields)  # type: ignore[union-attr]
    assert fields["任务"] == f"worker (#{worker.id})" and "状态" in fields
    # back to English: the lanes, the details, the status line follow
    window.set_language("en")
    assert "event loop" in [name for _, name in window.chart.names.ticks]
    assert "task" in dict(window.details.details.fields)  # type: ignore[union-attr]
    assert "tasks" in window.status.text()


def test_the_language_picked_is_remembered(qtbot: Any) -> None:
    from visualizer.app.settings import open_settings, restore_window

    open_settings().remove("language")  # (an earlier test may have picked one)
    scenarios, _ = discover()
    first = MainWindow(scenarios)
    qtbot.addWidget(first)
    first.close()  # the system's language, not picked: not saved
    assert open_settings().value("language") is None
    first = MainWindow(scenarios)
    qtbot.addWidget(first)
    first.set_language("zh")
    first.close()
    assert open_settings().value("language") == "zh"
    second = MainWindow(scenarios)
    qtbot.addWidget(second)
    restore_window(second)
    assert second.run_action.text() == "运行" and second.language_actions["zh"].isChecked()
    second.set_language("en")
    second.close()  # (English again for the tests after this one)
    assert open_settings().value("language") == "en"


def _words_at_start(tmp_path: Path, env: dict[str, str]) -> str:
    """The Run button's word in a window made as ``asyncviz gui`` makes it."""
    script = (
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from visualizer.app.settings import restore_window\n"
        "from visualizer.app.window import MainWindow\n"
        "window = MainWindow([])\n"
        "restore_window(window)\n"
        "print(window.run_action.text(), window.file_menu.title())\n"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    out = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=True,
    )
    return out.stdout.strip()


def test_the_language_is_the_systems_unless_one_was_picked(tmp_path: Path) -> None:
    assert _words_at_start(tmp_path, {"LANG": "zh_CN.UTF-8"}) == "运行 文件(&F)"
    assert _words_at_start(tmp_path, {"LANG": "en_US.UTF-8"}) == "Run &File"
    ini = tmp_path / "asyncviz" / "asyncio-visualizer.ini"
    ini.parent.mkdir()
    ini.write_text("[General]\nlanguage=en\n", encoding="utf-8")
    assert _words_at_start(tmp_path, {"LANG": "zh_CN.UTF-8"}) == "Run &File"


# --- the browser's sections ------------------------------------------------------------------
def _rows(window: MainWindow) -> list[tuple[str, str]]:
    """The browser's shown rows: ("section", title) or ("scenario", id)."""
    rows = []
    for row in range(window.browser.count()):
        item = window.browser.item(row)
        if item.isHidden():
            continue
        section = item.data(SECTION_ROLE)
        rows.append(("section", section) if section else ("scenario", item.data(ID_ROLE)))
    return rows


def test_sections_are_bands_of_order() -> None:
    starts = [first for first, _ in SECTIONS]
    assert starts == sorted(starts) and starts[0] <= 0
    assert section_of(5) == section_of(-3) == "Basics: coroutines and tasks"
    assert section_of(30) == section_of(49) == SECTIONS[1][1]
    assert section_of(1000) == section_of(5000) == "Your scenarios"


def test_the_browser_lists_the_scenarios_under_their_sections(window: MainWindow) -> None:
    rows = _rows(window)
    assert rows[0] == ("section", "Basics: coroutines and tasks")
    titles = [title for kind, title in rows if kind == "section"]
    assert titles == [t for _, t in SECTIONS if t in titles]  # in order, each once
    section = ""
    for kind, value in rows:
        if kind == "section":
            section = value
        else:
            assert window.scenarios[value].section == section
    assert len([r for r in rows if r[0] == "scenario"]) == len(window.scenarios)
    # a header is not selectable; the first scenario is the one selected at first
    header = window.browser.item(0)
    assert not header.flags() & Qt.ItemFlag.ItemIsSelectable
    assert window.selected() is not None and window.selected().id == rows[1][1]


def test_filtering_hides_the_sections_left_empty(window: MainWindow) -> None:
    every = _rows(window)
    for tag in ("semaphore", "basics", "cancellation"):
        window.tags.setCurrentText(tag)
        tagged = [r for r in every if r[0] == "section" or tag in window.scenarios[r[1]].tags]
        expected = [  # each section shown has a scenario after it
            r
            for i, r in enumerate(tagged)
            if r[0] == "scenario" or (tagged[i + 1 : i + 2] and tagged[i + 1][0] == "scenario")
        ]
        assert _rows(window) == expected
        assert len(expected) > 1
    window.tags.setCurrentText("semaphore")
    assert ("section", "Sharing and signalling") in _rows(window)
    assert ("section", "Basics: coroutines and tasks") not in _rows(window)
    window.tags.setCurrentIndex(0)
    window.search.setText("no scenario is called this")
    assert _rows(window) == []
    window.search.setText("")
    assert len(_rows(window)) == len(window.scenarios) + len(
        {s.section for s in window.scenarios.values()}
    )


def test_the_keys_pass_over_the_headers(window: MainWindow) -> None:
    browser = window.browser
    browser.setFocus()
    rows = _rows(window)
    # the last scenario of the first section, then Down: the first of the next section
    second_header = next(i for i, r in enumerate(rows) if r[0] == "section" and i > 0)
    window.select(rows[second_header - 1][1])
    QTest.keyClick(browser, Qt.Key.Key_Down)
    assert window.selected().id == rows[second_header + 1][1]  # type: ignore[union-attr]
    QTest.keyClick(browser, Qt.Key.Key_Up)
    assert window.selected().id == rows[second_header - 1][1]  # type: ignore[union-attr]
    # (Home and End are the chart's: fit all, follow the live run)
    window.select(rows[2][1])
    QTest.keyClick(browser, Qt.Key.Key_PageUp)  # (Qt alone: stays, the top is a header)
    assert window.selected().id == rows[1][1]  # type: ignore[union-attr]
    # a click on a header selects nothing: the scenario stays
    header = browser.item(second_header)
    browser.scrollToItem(header)
    QTest.mouseClick(
        browser.viewport(), Qt.MouseButton.LeftButton, pos=browser.visualItemRect(header).center()
    )
    assert window.selected().id == rows[1][1]  # type: ignore[union-attr]


def test_a_users_scenario_without_order_is_under_your_scenarios(qtbot: Any, tmp_path: Path) -> None:
    script = tmp_path / "mine.py"
    script.write_text('"""Mine"""\nasync def main() -> None:\n    pass\n', encoding="utf-8")
    scenarios, _ = discover()
    window = MainWindow([*scenarios, read_scenario(script)])
    qtbot.addWidget(window)
    assert _rows(window)[-2:] == [("section", "Your scenarios"), ("scenario", "mine")]


def test_asyncviz_list_gives_each_scenarios_section() -> None:
    import json

    out = subprocess.run(
        [sys.executable, "-m", "visualizer", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    listed = json.loads(out.stdout)
    assert all(s["section"] == section_of(s["order"]) for s in listed)
    assert {s["id"]: s["section"] for s in listed}["gather_basics"] == SECTIONS[1][1]
    text = subprocess.run(
        [sys.executable, "-m", "visualizer", "list"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert text.startswith("Basics: coroutines and tasks:\n  ")
    assert text.index("Sharing and signalling:") < text.index("semaphore_workers")
