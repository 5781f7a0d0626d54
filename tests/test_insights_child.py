"""A big trace file's insights worked out in a child process (issue 18,
``app.insights_child``): the child reads the file itself and answers in JSON; the
pane lists exactly what ``insights_of`` finds; the child is killed when another trace
is shown or the window closes; one that dies or fails is said in the pane, and the
window goes on.

These tests lower ``IN_LINE_SPANS`` to 0, so a small real trace takes the very path a
big one takes (a real child process, real files, real signals); the child's answer is
waited for with ``qtbot.waitUntil``, never a fixed sleep.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from test_insights_document import every_field

from visualizer.app import insights_worker
from visualizer.app.insights_pane import InsightsPane
from visualizer.app.window import MainWindow
from visualizer.model.files import load_any
from visualizer.model.insights import insights_of
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import save

#: the pane's words for a child killed by SIGKILL
KILLED = "The insights could not be worked out: their process was stopped (signal 9)"


@pytest.fixture
def apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(insights_worker, "IN_LINE_SPANS", 0)


def _saved(tmp_path: Path, scenario: str, name: str) -> Path:
    trace = run_scenario(find(scenario), {}, clock="ideal").trace
    path = tmp_path / name
    save(trace, path)
    return path


def _answered(qtbot: Any, pane: InsightsPane) -> None:
    qtbot.waitUntil(lambda: not pane.worker.busy, timeout=60_000)


@pytest.mark.parametrize("name", ["run.json", "run.avz"])
def test_a_files_insights_come_from_a_child_that_reads_it(
    qtbot: Any, window: MainWindow, tmp_path: Path, apart: None, name: str
) -> None:
    path = _saved(tmp_path, "exception_never_retrieved", name)
    expected = insights_of(load_any(path))
    assert [x.kind for x in expected] == ["never-retrieved"]
    assert window.open_trace(path)
    pane = window.insights
    child = pane.worker.child
    assert child is not None and pane.worker.busy  # (a process, at work on the file)
    assert window.chart.trace is window.trace  # (drawn without waiting for it)
    assert pane.list.item(0).text().startswith("Looking for what went wrong")
    assert pane.counts.text() == ""
    _answered(qtbot, pane)
    assert child.process.returncode == 0 and pane.worker.child is None
    assert [every_field(x) for x in pane.insights] == [every_field(x) for x in expected]
    assert pane.counts.text() == "1 error" and pane.failed is None
    assert pane.list.item(0).text().startswith("0.")  # (listed, at its moment)


def test_a_run_just_recorded_keeps_the_thread(
    qapp: Any, qtbot: Any, window: MainWindow, apart: None
) -> None:
    """A trace not from a file (a run, a shared scenario's) has no file for a child to
    read: its big insights are worked out in a thread, as before."""
    trace = run_scenario(find("blocking_call"), {}, clock="ideal").trace
    window._show_opened(trace)  # (as a shared scenario's trace is shown: no path)
    pane = window.insights
    assert pane.worker.busy and pane.worker.child is None
    _answered(qtbot, pane)
    assert [x.kind for x in pane.insights] == ["blocking-step"]


def test_a_child_killed_is_said_plainly_and_the_window_goes_on(
    qtbot: Any, window: MainWindow, tmp_path: Path, apart: None
) -> None:
    path = _saved(tmp_path, "exception_never_retrieved", "run.json")
    assert window.open_trace(path)
    pane = window.insights
    child = pane.worker.child
    assert child is not None
    os.kill(child.process.pid, signal.SIGKILL)  # (at once: it has not even imported)
    _answered(qtbot, pane)
    assert child.process.returncode == -signal.SIGKILL
    assert pane.insights == [] and pane.counts.text() == ""
    assert pane.list.item(0).text() == KILLED
    assert window.chart.trace is window.trace is pane.trace  # (the chart stays)
    # the window goes on: the same file opened again has its insights
    assert window.open_trace(path)
    _answered(qtbot, pane)
    assert [x.kind for x in pane.insights] == ["never-retrieved"] and pane.failed is None


def test_the_child_is_killed_when_another_trace_is_shown_or_the_window_closes(
    qtbot: Any, window: MainWindow, tmp_path: Path, apart: None
) -> None:
    path = _saved(tmp_path, "exception_never_retrieved", "run.json")
    other = _saved(tmp_path, "blocking_call", "other.json")
    assert window.open_trace(path)
    pane = window.insights
    first = pane.worker.child
    assert first is not None
    assert window.open_trace(other)  # (another trace: the first's child is no longer wanted)
    qtbot.waitUntil(lambda: first.process.poll() is not None, timeout=60_000)
    assert first.process.returncode == -signal.SIGKILL
    _answered(qtbot, pane)  # (the second's, and only the second's)
    assert [x.kind for x in pane.insights] == ["blocking-step"] and pane.failed is None
    assert window.open_trace(path)
    last = pane.worker.child
    assert last is not None
    window.close()
    qtbot.waitUntil(lambda: last.process.poll() is not None, timeout=60_000)
    assert last.process.returncode == -signal.SIGKILL


def _shown(window: MainWindow, path: Path) -> Trace:
    trace = load_any(path)
    window.chart.show_trace(trace)
    return trace


def test_a_file_the_child_cannot_read_is_said_plainly(
    qtbot: Any, window: MainWindow, tmp_path: Path, apart: None
) -> None:
    """The file shown was replaced by one that is not a trace (the worker is told the
    trace is that file's): the child's reader says what is wrong, the pane says it."""
    trace = _shown(window, _saved(tmp_path, "blocking_call", "run.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    pane = window.insights
    pane.show_trace(trace, broken)
    _answered(qtbot, pane)
    assert pane.insights == [] and pane.failed is not None
    said = pane.list.item(0).text()
    assert said.startswith("The insights could not be worked out: ") and "not JSON" in said


def test_a_file_that_holds_another_trace_now_is_worked_out_here(
    qtbot: Any, window: MainWindow, tmp_path: Path, apart: None
) -> None:
    """The file's counts are not the trace shown's (it was overwritten since it was
    opened): the child's answer is of another trace, and the shown one's insights are
    worked out in the window's thread instead."""
    trace = _shown(window, _saved(tmp_path, "blocking_call", "run.json"))
    now = _saved(tmp_path, "exception_never_retrieved", "now.json")
    pane = window.insights
    pane.show_trace(trace, now)
    assert pane.worker.child is not None
    _answered(qtbot, pane)
    assert [x.kind for x in pane.insights] == ["blocking-step"] and pane.failed is None


def test_the_childs_words_are_the_windows_language(
    qapp: Any, qtbot: Any, window: MainWindow, tmp_path: Path, apart: None
) -> None:
    path = _saved(tmp_path, "blocking_call", "run.avz")
    assert window.open_trace(path)
    _answered(qtbot, window.insights)
    window.set_language("zh_CN")
    qapp.processEvents()  # (LanguageChange: the insights asked for again, in Chinese)
    pane = window.insights
    assert pane.worker.child is not None  # (from the file again)
    _answered(qtbot, pane)
    [step] = pane.insights
    assert any("\u4e00" <= c <= "\u9fff" for c in step.finding)  # (Chinese characters)
    window.set_language("en")
