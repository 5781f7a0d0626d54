"""A trace is someone else's data (issue 13, point 3): nothing in one is rendered as rich
text, and the files it names are shown only from where this window ran programs, or
once the user agreed, and never a device, a pipe or a huge file."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QMessageBox

from visualizer.app.window import MainWindow
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace import schema
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import save
from visualizer.views.source import SOURCE_MAX, read_source

HTML = "<b style='color:red;font-size:60px'>FAKE</b><img src='/etc/logo.png'>"


def hostile(tmp_path: Path, site: str) -> tuple[Path, Trace, int]:
    """A real run's trace, its source and a task's name made HTML, and the site of one
    of its awaits naming ``site``: the file, the trace, and a span awaiting there."""
    trace = run_scenario(find("gather_basics"), {}, clock="virtual").trace
    assert trace is not None
    trace.meta["source"] = HTML
    tasks = list(trace.tasks)  # (records made from the table: copies)
    tasks[1] = dataclasses.replace(tasks[1], name=HTML)
    trace.tasks = tasks  # (made a table again)
    spans = trace.spans
    index = int(np.flatnonzero((spans.state == schema.SUSPENDED) & (spans.awaiting >= 0))[0])
    awaited = int(spans.awaiting[index])
    suspension = trace.suspensions[awaited]
    trace.suspensions[awaited] = dataclasses.replace(suspension, site=site)
    path = tmp_path / "hostile.json"
    save(trace, path)
    return path, trace, index


def secret(tmp_path: Path) -> Path:
    folder = tmp_path / "private"
    folder.mkdir()
    path = folder / "secret.txt"
    path.write_text("the user's secret\n")
    path.chmod(0o600)
    return path


def test_nothing_of_a_trace_is_rendered_as_rich_text(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    path, trace, _ = hostile(tmp_path, "nowhere.py:1")
    assert window.open_trace(path)
    assert window.status.textFormat() == Qt.TextFormat.PlainText
    assert HTML in window.status.text()  # (shown as the characters it is)
    # a hover over the task named in HTML: its tooltip escapes it
    chart = window.chart
    lane = int(chart.lanes[1])
    running = np.flatnonzero((trace.spans.task == 1) & (trace.spans.state == schema.RUNNING))
    x = float(trace.spans.start[running[0]] + trace.spans.end[running[0]]) / 2
    chart.getPlotItem().getViewBox().setRange(
        xRange=(x - 1e-4, x + 1e-4), yRange=(lane - 2, lane + 2), padding=0
    )
    point = chart.getPlotItem().getViewBox().mapViewToScene(QPointF(x, lane))
    chart._hovered(point)
    tip = chart.toolTip()
    assert "FAKE" in tip and "<b style" not in tip and "&lt;b style" in tip


def test_a_file_a_trace_names_is_shown_only_once_the_user_agrees(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    private = secret(tmp_path)
    path, _, index = hostile(tmp_path, f"{private}:1")
    assert window.open_trace(path)
    window._span_clicked(index)
    assert window.source.path != private  # (not shown: asked)
    box = window.asked
    assert box is not None and str(private) in box.text()
    assert box.textFormat() == Qt.TextFormat.PlainText
    box.done(QMessageBox.StandardButton.No)
    assert window.source.path != private
    window._span_clicked(index)
    box = window.asked
    assert box is not None
    box.done(QMessageBox.StandardButton.Yes)
    assert window.source.path == private and window.source.marked == 1
    # agreed once: the next click shows it without asking
    window.asked = None
    window._span_clicked(index)
    assert window.asked is None and window.source.path == private


def test_a_device_a_pipe_or_a_huge_file_is_never_shown(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.py"
    huge.write_bytes(b"#" * (SOURCE_MAX + 1))
    began = time.monotonic()
    for named in (Path("/dev/zero"), fifo, huge, tmp_path):
        assert read_source(named) is None
        window.source.agree(named)  # (even agreed to)
        assert not window.source.show_site(f"{named}:1")
        assert window.source.path != named
    assert time.monotonic() - began < 60  # (a pipe never blocks it: it returns at once)


def test_the_files_of_a_program_run_here_are_shown_unasked(qtbot: Any, window: MainWindow) -> None:
    scenario = find("gather_basics")
    window.select(scenario.id)
    assert window.source.path == scenario.path
    # a site in the built-in scenarios (or the folder of the program run here)
    assert window.source.may_show(scenario.path)
    window.asked = None
    assert window.source.show_site(f"{scenario.path}:3")
    assert window.asked is None and window.source.marked == 3


@pytest.mark.parametrize("text", ["plain", "<p>x</p>", "a\nb & c <tag>"])
def test_read_source_reads_a_small_regular_file_as_it_is(tmp_path: Path, text: str) -> None:
    path = tmp_path / "f.py"
    path.write_text(text)
    assert read_source(path) == text


def test_html_in_a_lesson_is_shown_as_text_never_obeyed(qapp: Any) -> None:
    """A lesson's words may be someone else's (a shared file, a pack): its Markdown is read
    with HTML off, so a tag there is its text, and nothing it names is drawn or loaded."""
    from PySide6.QtGui import QTextDocument

    from visualizer.app.lesson_text import lesson_html

    document = QTextDocument()
    document.setHtml(lesson_html(f"**A lesson**\n\nSee {HTML} and `<Task ...>`.", 12))
    text = document.toPlainText().replace("\u200b", "")  # (code's places to break)
    assert f"See {HTML} and <Task ...>." in text
