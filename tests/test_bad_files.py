"""Bad trace files (issue 13, point 1): every malformed, hostile or absurd input gets the
documented error, ``TraceFormatError``, with a message that says what is wrong; never
another exception, never a hang, and the window keeps what it showed."""

from __future__ import annotations

import gzip
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from visualizer.app.window import MainWindow
from visualizer.model.files import load_any
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.fileformat import TraceFormatError, load, save
from visualizer.trace.safe_read import RATIO_FROM, UnsafeInput, inflate


def good(tmp_path: Path) -> Path:
    trace = run_scenario(find("gather_basics"), {}, clock="virtual").trace
    assert trace is not None
    path = tmp_path / "good.json"
    save(trace, path)
    return path


def _file(body: str | bytes) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / "bad.json"
        path.write_bytes(body.encode() if isinstance(body, str) else body)
        return path

    return make


def _huge_id(tmp_path: Path) -> Path:
    text = good(tmp_path).read_text()
    bad = re.sub(r'"parent":\s*null', f'"parent":{2**63}', text, count=1)
    assert bad != text
    path = tmp_path / "bad.json"
    path.write_text(bad)
    return path


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    return path


BAD: dict[str, tuple[Callable[[Path], Path], str]] = {
    "truncated JSON": (_file('{"spans":[1],'), "not JSON"),
    "invalid UTF-8": (_file(b'{"format": "\xff\xfe"}'), ""),
    "a number past a float": (_file('{"meta": 1e400}'), ""),
    "nested deeply": (_file("[" * 100_000), ""),
    "a task id past int64": (_huge_id, ""),
    "a pipe": (_fifo, "not a regular file (a pipe)"),
    "a folder": (lambda tmp_path: tmp_path, "not a regular file (a folder)"),
    "a device": (lambda _tmp: Path("/dev/zero"), "not a regular file (a device)"),
    "corrupt gzip": (_file(b"\x1f\x8b\x08\x00garbage"), "gzip"),
    "a gzip cut short": (_file(gzip.compress(b'{"format": "asyncviz-trace"}' * 50)[:40]), ""),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_gets_the_documented_error(tmp_path: Path, name: str) -> None:
    make, says = BAD[name]
    path = make(tmp_path)
    for reader in (load, load_any):
        began = time.monotonic()
        with pytest.raises(TraceFormatError, match=re.escape(says) or None):
            reader(path)
        assert time.monotonic() - began < 60  # (a pipe never blocks: refused at once)


def test_a_gzip_bomb_is_refused_as_it_inflates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bomb.json.gz"
    path.write_bytes(gzip.compress(b" " * (8 << 20)))  # (8 MB of nothing: 8 KB on disk)
    monkeypatch.setenv("ASYNCVIZ_MAX_INFLATED", str(1 << 20))  # (the setting)
    with pytest.raises(TraceFormatError, match="inflates to more than 1,048,576 bytes"):
        load(path)
    # the ratio, whatever the limit: past RATIO_FROM, a thousand times its size is a bomb
    with pytest.raises(UnsafeInput, match="times its size"):
        inflate(gzip.compress(b"\0" * (RATIO_FROM * 2)), limit=1 << 40)
    # a real trace, gzipped, inflates as it did
    trace_path = good(tmp_path)
    zipped = tmp_path / "good.json.gz"
    zipped.write_bytes(gzip.compress(trace_path.read_bytes()))
    assert len(load(zipped).tasks) == len(load(trace_path).tasks)


def test_the_window_says_what_is_wrong_and_keeps_what_it_showed(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    assert window.open_trace(good(tmp_path))
    shown = window.chart.trace
    for name, (make, _says) in sorted(BAD.items()):
        folder = tmp_path / name.replace(" ", "_")
        folder.mkdir()
        window.last_message = None
        assert not window.open_trace(make(folder)), name
        assert window.last_message is not None, name
        assert window.chart.trace is shown, name


def _edited(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    doc = json.loads(good(tmp_path).read_text())
    change(doc)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc))
    return path


def _parent(task: int, parent: int) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["tasks"][task]["parent"] = parent

    return change


def _row(table: str, **fields: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        row = {"task": None, "start": 0.1, "end": 0.2} | fields
        if table == "jobs":
            row = {"thread": "t", "func": "f"} | row
        doc.setdefault(table, []).append(row)

    return change


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_parent(1, 2), "tasks[1].parent: task 2 was made after its child"),
        (_parent(1, 1), "tasks[1].parent: task 1 was made after its child"),
        (_row("jobs", end=0.05), "jobs[0].end: before start"),
        (_row("jobs", task=99), "jobs[0].task: no task 99"),
        (_row("blocked", end=0.05), "blocked[0].end: before start"),
        (_row("blocked", task=-3), "blocked[0].task: no task -3"),
    ],
)
def test_a_file_that_says_the_impossible_is_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], says: str
) -> None:
    """A parent cycle made two tasks vanish from the chart; a job that ends before it
    starts, or names no task, drew nothing true."""
    assert len(load(_edited(tmp_path, lambda doc: None)).tasks) >= 3
    with pytest.raises(TraceFormatError, match=re.escape(says)):
        load(_edited(tmp_path, change))


def _set(*path: Any, to: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        where = doc
        for key in path[:-1]:
            where = where[key]
        where[path[-1]] = to

    return change


def _both(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        for each in changes:
            each(doc)

    return change


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_set("meta", "duration", to=1e308), "meta.duration: 1e+308 s is longer than any run"),
        (_set("meta", "truncated_at", to=-1.0), "meta.truncated_at: negative"),
        (
            _both(_set("tasks", 0, "created", to=-5.0), _set("spans", 0, "start", to=-5.0)),
            "tasks[0].created: negative (-5.0)",
        ),
        (_set("tasks", 0, "ended", to=1e9), "tasks[0].ended: 1000000000.0 is after the run's end"),
        (_row("jobs", start=-0.5), "jobs[0].start: negative"),
        (_row("jobs", end=1e300), "jobs[0].end: 1e+300 s is past any run"),
        (_row("jobs", submitted=0.15), "jobs[0].submitted: after start"),
        (_row("jobs", submitted="soon"), "jobs[0].submitted: must be a number or null"),
        (_row("blocked", start=-1), "blocked[0].start: negative"),
        (_row("blocked", what=7), "blocked[0].what: must be a string"),
        (_row("marks", t=1e308, label="x"), "marks[0].t: 1e+308 s is past any run"),
        (_row("marks", t=0.1, label="x", task="one"), "marks[0].task: must be an integer"),
        (_set("observed", to=[[-2.0, 0.1]]), "observed[0][0]: negative"),
        (_set("tasks", 0, "traceback", to=42), "tasks[0].traceback: must be a string or null"),
    ],
)
def test_a_time_or_field_no_run_can_have_is_refused_naming_it(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], says: str
) -> None:
    """Negative times, times past the run or past any run (``1e308``), a job submitted
    after it ran, a mistyped optional field: refused, naming the field (issue 13)."""
    with pytest.raises(TraceFormatError, match=re.escape(says)):
        load(_edited(tmp_path, change))


def test_duplicate_keys_the_last_one_counts_and_is_checked(tmp_path: Path) -> None:
    """JSON's duplicate keys: msgspec (as Python's json, and browsers) keeps the last; the
    checks then apply to that value, so a file cannot hide a bad one behind a good one."""
    text = good(tmp_path).read_text()
    head, rest = text.split('"duration":', 1)
    value, tail = rest.split(",", 1)
    path = tmp_path / "twice.json"
    path.write_text(f'{head}"duration":{value},"duration":{value},{tail}')
    assert load(path).duration == float(value)
    path.write_text(f'{head}"duration":{value},"duration":1e308,{tail}')
    with pytest.raises(TraceFormatError, match=re.escape("meta.duration")):
        load(path)


def test_nul_and_control_characters_are_kept_in_the_trace(tmp_path: Path) -> None:
    """A name with NUL, escape sequences or a newline is data: read back whole (the views
    make it harmless to draw: ``test_display_text``)."""
    odd = "a\x00b\x1b[31mred\nline\u202e"
    trace = load(_edited(tmp_path, _set("tasks", 0, "name", to=odd)))
    assert trace.tasks[0].name == odd


def test_a_mark_naming_no_task_is_repaired_and_the_repair_said(tmp_path: Path, qtbot: Any) -> None:
    """The one repair: a mark naming no task is drawn on the loop's row (its instant and
    text kept), and the trace says so; the window's status line shows it."""

    def marks(doc: dict[str, Any]) -> None:
        doc.setdefault("marks", []).extend(
            [{"t": 0.1, "task": 99, "label": "lost"}, {"t": 0.2, "task": 0, "label": "kept"}]
        )

    trace = load(_edited(tmp_path, marks))
    lost = next(m for m in trace.marks if m.label == "lost")
    assert (lost.t, lost.task) == (0.1, None)
    assert next(m for m in trace.marks if m.label == "kept").task == 0
    assert trace.meta["repaired"] == ["marks[0].task: no task 99, drawn on the loop's row"]

    from visualizer.app.window import MainWindow

    window = MainWindow([])
    qtbot.addWidget(window)
    assert window.open_trace(_edited(tmp_path, marks))
    assert "repaired on reading: marks[0].task: no task 99" in window.status.text()
