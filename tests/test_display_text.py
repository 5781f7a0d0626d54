"""Names and labels are kept whole in the trace but shown shortened and harmless
(``visualizer.model.display_text``): a 1 MB ``awaiting`` label made the time cursor take
20 s a move, a 10 MB task name 16 s; NUL and escape sequences are data, never acted on.
These tests hold the structure (what is shown), not the time it takes."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from visualizer.app.window import MainWindow
from visualizer.model.at_time import TimeIndex, task_rows, waiting_lines
from visualizer.model.details import span_details, span_tooltip
from visualizer.model.display_text import (
    ELLIPSIS,
    FIELD_CHARS,
    SHOWN_CHARS,
    shown,
    shown_lines,
)
from visualizer.model.summary import format_summary
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.data import Mark, Trace
from visualizer.trace.fileformat import load, save
from visualizer.views.timeline_marks import LABEL_CHARS, TOOLTIP_CHARS, mark_tooltip

BIG: int = 1_000_000  # (a 1 MB label: 20 s a cursor move before)


def test_a_long_text_is_cut_in_the_middle_and_controls_are_shown() -> None:
    text = "head-" + "x" * BIG + "-tail"
    out = shown(text)
    assert len(out) == SHOWN_CHARS
    assert out.startswith("head-") and out.endswith("-tail") and ELLIPSIS in out
    assert shown("short") == "short"
    assert shown("a\x00b\x1b[31m\nc\u202e") == "a\u2400b\u241b[31m\u240ac\ufffd"
    # a multi-line text keeps its lines and tabs, not its escapes
    assert shown_lines("one\n\ttwo\x1b") == "one\n\ttwo\u241b"
    assert len(shown_lines("y" * BIG, 500)) == 500


@pytest.fixture(scope="module")
def huge() -> Trace:
    """A real run whose names and labels are a megabyte each, NUL and all."""
    trace = run_scenario(find("gather_basics"), {}, clock="virtual").trace
    assert trace is not None
    trace.suspensions = [
        dataclasses.replace(s, label="L\x00" + "l" * BIG, stack=("f (x.py:1)",) * 1000)
        for s in trace.suspensions
    ]
    trace.tasks = [  # (records made from the table are copies: a table made of them)
        dataclasses.replace(task, name=f"N{task.id}\x1b" + "n" * BIG, error="E" * BIG)
        for task in trace.tasks
    ]
    trace.marks = [Mark(0.5, 0, "M" * BIG, "warning", "D\n" * BIG)]
    return trace


def test_the_model_gives_the_views_shortened_text(huge: Trace) -> None:
    index = TimeIndex(huge)
    suspended = [i for i in range(len(huge.spans)) if huge.spans.awaiting[i] >= 0]
    rows = task_rows(huge, index.at(float(huge.spans.start[suspended[0]])), order=index.by_lane)
    assert rows and all(len(row.task) <= SHOWN_CHARS for row in rows)
    assert all(row.task.startswith("N") and "\x1b" not in row.task for row in rows)
    waiting = [row for row in rows if row.awaiting]
    assert waiting and all(row.awaiting.startswith("L\u2400l") for row in waiting)
    assert all(len(row.awaiting) == SHOWN_CHARS for row in waiting)
    details = span_details(huge, suspended[0])
    assert len(details.title) < SHOWN_CHARS + 20
    assert all(len(value) <= FIELD_CHARS for _, value in details.fields)
    assert len(details.stack) < 1000 and all(len(frame) <= FIELD_CHARS for frame in details.stack)
    assert len(span_tooltip(huge, suspended[0])) < 2 * SHOWN_CHARS + 40
    lines = waiting_lines(huge, index.at(0.5), "x.py")
    assert all(len(name) <= SHOWN_CHARS for names in lines.values() for name in names)
    assert max(map(len, format_summary(huge).splitlines())) < 3 * SHOWN_CHARS
    assert len(mark_tooltip(huge.marks[0])) < TOOLTIP_CHARS + 40
    # ...and the trace keeps them whole
    assert len(huge.tasks[0].name) == BIG + 3


def test_the_window_shows_a_megabyte_name_and_label_shortened(
    qtbot: Any, window: MainWindow, tmp_path: Path, huge: Trace
) -> None:
    path = tmp_path / "huge.json"
    save(huge, path)
    assert len(load(path).suspensions[0].label) == BIG + 2  # (the file keeps them whole)
    assert window.open_trace(path)
    qtbot.waitUntil(lambda: not window.loading.busy, timeout=120_000)  # (a big file: loads apart)
    assert window.trace is not None
    names = window.chart.names.shown
    assert names and all(len(name) <= SHOWN_CHARS for _lane, name in names)
    marks = window.chart.timeline_marks.labels
    assert marks and all(len(label.textItem.toPlainText()) <= LABEL_CHARS + 1 for label in marks)
    window.chart.cursor.show_at(1.0)  # (the cursor's list of every task's state)
    listed = window.details.toPlainText()
    assert "N0" in listed and len(listed) < 20 * SHOWN_CHARS
    assert window.details.states and all(len(r.task) <= SHOWN_CHARS for r in window.details.states)
