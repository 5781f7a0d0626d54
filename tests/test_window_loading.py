"""Big files in the window (issue 13): loading in the background, Cancel, the size limit.

A file goes to the background loader when it holds more than ``IN_LINE_BYTES`` of JSON;
these tests lower that threshold to 0, so a small real trace takes the very path a big
one takes (the loader process, its frames, the reader thread, the signals).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QPushButton

from visualizer.app import loading
from visualizer.app.window import MainWindow
from visualizer.model.files import load_any
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.fileformat import TraceFormatError, dumps, save


def _saved(tmp_path: Path, scenario: str, name: str) -> Path:
    trace = run_scenario(find(scenario), {}, clock="virtual").trace
    assert trace is not None
    path = tmp_path / name
    save(trace, path)
    return path


@pytest.fixture
def in_background(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "IN_LINE_BYTES", 0)


def _shown_first(qtbot: Any, window: MainWindow, path: Path) -> Any:
    """``path`` opened in line (before the background is switched on), its trace."""
    assert window.open_trace(path)
    assert window.chart.trace is not None
    return window.chart.trace


def test_a_big_file_loads_in_the_background_and_is_shown(
    qtbot: Any, window: MainWindow, tmp_path: Path, in_background: None
) -> None:
    path = _saved(tmp_path, "gather_basics", "run.json.gz")
    assert window.open_trace(path)
    assert window.loading.dialog is not None  # (loading: the dialog waits to show)
    assert window.chart.trace is None  # (nothing shown yet: it comes from the loader)
    qtbot.waitUntil(lambda: window.chart.trace is not None, timeout=60_000)
    assert dumps(window.chart.trace) == dumps(load_any(path))  # what the file holds
    assert window.trace is window.chart.trace
    assert window.loading.dialog is None
    qtbot.waitUntil(lambda: not window.loading.busy, timeout=60_000)
    assert window.last_message is None


def test_cancel_keeps_the_trace_shown_and_leaves_no_loader(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _shown_first(qtbot, window, _saved(tmp_path, "gather_basics", "a.json"))
    monkeypatch.setattr(loading, "IN_LINE_BYTES", 0)
    assert window.open_trace(_saved(tmp_path, "semaphore_workers", "b.json"))
    dialog = window.loading.dialog
    assert dialog is not None
    dialog.findChild(QPushButton).click()  # its Cancel button
    assert window.loading.dialog is None
    qtbot.waitUntil(lambda: not window.loading.busy, timeout=60_000)
    QApplication.processEvents()  # (anything the reader sent before it ended)
    assert window.chart.trace is before
    assert window.trace is before
    assert window.last_message is None  # (a Cancel is no failure)


def test_a_file_over_the_limit_is_refused_and_the_setting_raises_it(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _shown_first(qtbot, window, _saved(tmp_path, "gather_basics", "a.json"))
    big = _saved(tmp_path, "semaphore_workers", "b.json")
    size = big.stat().st_size
    monkeypatch.setenv("ASYNCVIZ_MAX_TRACE", str(size - 1))
    assert not window.open_trace(big)
    assert window.loading.dialog is None and not window.loading.busy  # (refused up front)
    assert window.last_message is not None
    title, text = window.last_message
    assert "b.json" in title
    assert "ASYNCVIZ_MAX_TRACE" in text and "over this window's limit" in text
    assert window.chart.trace is before
    monkeypatch.setenv("ASYNCVIZ_MAX_TRACE", str(size))
    window.last_message = None
    assert window.open_trace(big)
    assert window.chart.trace is not before
    assert window.last_message is None


def test_a_gzip_is_judged_by_what_it_inflates_to(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _saved(tmp_path, "semaphore_workers", "b.json.gz")
    inflated = len(dumps(load_any(path)))
    monkeypatch.setenv("ASYNCVIZ_MAX_TRACE", str(path.stat().st_size + 1))  # (under its JSON)
    assert inflated > path.stat().st_size + 1
    assert not window.open_trace(path)
    assert window.last_message is not None
    assert "ASYNCVIZ_MAX_TRACE" in window.last_message[1]


def test_a_bad_file_in_the_background_says_what_is_wrong(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _shown_first(qtbot, window, _saved(tmp_path, "gather_basics", "a.json"))
    good = _saved(tmp_path, "semaphore_workers", "b.json")
    bad = tmp_path / "bad.json"
    bad.write_text(good.read_text().replace('"clock":', '"clock_":', 1))
    with pytest.raises(TraceFormatError) as said:
        load_any(bad)
    monkeypatch.setattr(loading, "IN_LINE_BYTES", 0)
    assert window.open_trace(bad)  # (loading: the loader will say)
    qtbot.waitUntil(lambda: window.last_message is not None, timeout=60_000)
    assert window.last_message == (f"Cannot open {bad}", str(said.value))
    assert window.chart.trace is before
    assert window.loading.dialog is None
    qtbot.waitUntil(lambda: not window.loading.busy, timeout=60_000)


def test_opening_another_file_while_one_loads_shows_the_last(
    qtbot: Any, window: MainWindow, tmp_path: Path, in_background: None
) -> None:
    first = _saved(tmp_path, "gather_basics", "a.json")
    second = _saved(tmp_path, "semaphore_workers", "b.json")
    assert window.open_trace(first)
    assert window.open_trace(second)  # (the first loading is cancelled)
    qtbot.waitUntil(lambda: window.chart.trace is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not window.loading.busy, timeout=60_000)
    QApplication.processEvents()
    assert dumps(window.chart.trace) == dumps(load_any(second))
