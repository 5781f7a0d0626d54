"""Perfetto / Chrome trace export (issue 18, point 4): real runs exported, the file read
back by a small reader here (times as Perfetto reads them: ``ts * 1000`` truncated to
whole nanoseconds), and the same facts found again: each task's spans (state, start
and end to the nanosecond, what it awaited, who woke it), the arrows of who woke and
who created whom, the jobs on their threads, the marks, the resources' levels at
their times, the run's meta.  And the file keeps the format's rules the viewers
enforce (``check_format``): every event well formed, slices on a track nested or
apart, each arrow's end bound to one slice of its track."""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import devtools_trace
import numpy as np
import pytest
from pytestqt.qtbot import QtBot
from test_open_from_cli import asyncviz

from visualizer.app.window import MainWindow
from visualizer.model.exports import FORMATS, perfetto, trace_events
from visualizer.model.lanes import lanes_of
from visualizer.model.loop_lanes import busy_intervals, job_rows, thread_wakes
from visualizer.model.resource_states import rows_of
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace import schema
from visualizer.trace.data import TaskColumns, Trace
from visualizer.trace.fileformat import dumps, load, save

ROOT = Path(__file__).resolve().parent.parent
#: wakes and creation (semaphore_workers), jobs on threads (executor_jobs), a queue's
#: levels (queue_backpressure), an event, a condition and its lock
#: (event_and_condition), cancellation and a mark (cancellation), errors and a warning
#: (exception_never_retrieved, taskgroup_failure), a step that blocks (blocking_call)
SCENARIOS = (
    "semaphore_workers",
    "executor_jobs",
    "queue_backpressure",
    "event_and_condition",
    "cancellation",
    "exception_never_retrieved",
    "taskgroup_failure",
    "blocking_call",
)


@pytest.fixture(scope="module")
def traces() -> dict[str, Trace]:
    """Real runs, on the ideal clock (a trace to the nanosecond, the same every run)."""
    return {name: run_scenario(find(name), clock="ideal").trace for name in SCENARIOS}


# --- the reader -----------------------------------------------------------------------
def ns(ts: float) -> int:
    """A time of the file as Perfetto reads it: microseconds, truncated to nanoseconds."""
    return int(ts * 1000)


@dataclass
class Read:
    """A Trace Event Format file, by track."""

    names: dict[tuple[int, int], str] = field(default_factory=dict)  #: (pid, tid): thread
    processes: dict[int, str] = field(default_factory=dict)
    sort: dict[tuple[int, int], int] = field(default_factory=dict)
    slices: dict[tuple[int, int], list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    flows: dict[int, dict[str, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    instants: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, list[tuple[int, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    other: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    def task_slices(self, task: int) -> list[dict[str, Any]]:
        return self.slices[(trace_events.LOOP_PID, trace_events.TASK_TID + task)]


def read(path: Path) -> Read:
    doc = json.loads(path.read_bytes())
    out = Read(other=doc["otherData"], events=doc["traceEvents"])
    for e in doc["traceEvents"]:
        where = (e["pid"], e.get("tid", 0))
        ph = e["ph"]
        if ph == "M":
            if e["name"] == "thread_name":
                out.names[where] = e["args"]["name"]
            elif e["name"] == "process_name":
                out.processes[e["pid"]] = e["args"]["name"]
            elif e["name"] == "thread_sort_index":
                out.sort[where] = e["args"]["sort_index"]
        elif ph == "X":
            out.slices[where].append(e)
        elif ph in "sf":
            out.flows[e["id"]][ph] = e
        elif ph == "i":
            out.instants.append(e)
        elif ph == "C":
            out.counters[e["name"]].append((tick(e["ts"]), e["args"]))
    for track in out.slices.values():
        track.sort(key=lambda e: tick(e["ts"]))
    return out


def exported(trace: Trace, tmp_path: Path, name: str = "out.json") -> Read:
    path = tmp_path / name
    count = perfetto.write(trace, path)
    back = read(path)
    assert count == len(back.events)
    return back


def tick(ts: float) -> int:
    """A moment of the file in its unit: exactly half a tick past one (a binary fraction
    of a microsecond, as ``perfetto`` says why)."""
    units = ts * trace_events.TICKS_PER_US - 0.5
    assert units == round(units), ts
    return round(units)


def ticks_of(seconds: float) -> int:
    """A time of the trace in the file's unit (``trace_events.TICKS_PER_US``), the nearest."""
    return round(seconds * 1e6 * trace_events.TICKS_PER_US)


# --- the format's rules (what Perfetto and chrome://tracing need) ---------------------
REQUIRED = {
    "X": {"name", "ph", "ts", "dur", "pid", "tid"},
    "M": {"name", "ph", "pid", "args"},
    "C": {"name", "ph", "ts", "pid", "args"},
    "i": {"name", "ph", "ts", "pid", "tid", "s"},
    "s": {"name", "cat", "ph", "ts", "pid", "tid", "id"},
    "f": {"name", "cat", "ph", "ts", "pid", "tid", "id"},
}
METADATA = {
    "process_name",
    "process_sort_index",
    "process_labels",
    "thread_name",
    "thread_sort_index",
}


def check_format(back: Read) -> None:
    """The Trace Event Format's rules, as its spec gives them and the viewers enforce:
    each event's fields; ``X``/``i`` times >= 0; metadata names known; counters' values
    numbers; on each track, slices nested or apart (Perfetto drops the rest); each flow
    with a start and an end, each end bound to one slice of its track (``bound``)."""
    for e in back.events:
        assert e["ph"] in REQUIRED, e
        assert REQUIRED[e["ph"]] <= e.keys(), e
        if "ts" in e:
            assert isinstance(e["ts"], float | int) and e["ts"] >= 0, e
        if e["ph"] == "X":
            assert e["dur"] >= 0, e
        if e["ph"] == "M":
            assert e["name"] in METADATA, e
        if e["ph"] == "C":
            assert all(isinstance(v, int | float) for v in e["args"].values()), e
        if e["ph"] == "i":
            assert e["s"] in ("t", "p", "g"), e
    for track, slices in back.slices.items():
        # as Chromium's DevTools reads times (floats, added) and as Perfetto does
        # (``ts * 1000`` truncated to nanoseconds, then added)
        nested([(e["ts"], e["ts"] + e["dur"]) for e in slices], track)
        nested([(ns(e["ts"]), ns(e["ts"]) + ns(e["dur"])) for e in slices], track)
    for flow, ends in back.flows.items():
        assert set(ends) == {"s", "f"}, (flow, ends)
        for e in ends.values():
            assert bound(back, e) is not None, f"flow {flow}: {e} binds to no one slice"


def nested(slices: list[tuple[float, float]], track: object) -> None:
    """Slices (begun in order) nested or apart: none ends after its parent does."""
    open_ends: list[float] = []
    for start, end in slices:
        while open_ends and open_ends[-1] <= start:
            open_ends.pop()
        assert not open_ends or end <= open_ends[-1], f"{track}: {start}-{end} overlaps its parent"
        open_ends.append(end)


def bound(back: Read, event: dict[str, Any]) -> dict[str, Any] | None:
    """The slice a flow event binds to, by both rules the viewers use: Chromium's
    DevTools takes the slice of its track with the same time and category; Perfetto
    (``"bp": "e"``) the slice on top of its track's stack as it reads the event
    (``perfetto_stacks``).  The two must agree (None if they do not, or there is none)."""
    track = back.slices[(event["pid"], event["tid"])]
    same = [e for e in track if e["ts"] == event["ts"] and e.get("cat") == event["cat"]]
    on_top = perfetto_stacks(back).get(id(event))
    if len(same) != 1 or on_top is not same[0]:
        return None
    return same[0]


_STACKS: dict[int, tuple[Read, dict[int, dict[str, Any]]]] = {}


def perfetto_stacks(back: Read) -> dict[int, dict[str, Any]]:
    """For each flow event (by ``id``), the slice on top of its track's stack when
    Perfetto reads it: events in time order (whole nanoseconds, truncated), at one time
    in the file's order; a slice pushed as it begins, popping those ended by then (a
    track's stack changes only as its slices begin)."""
    known = _STACKS.get(id(back))
    if known is not None and known[0] is back:
        return known[1]
    order = sorted(range(len(back.events)), key=lambda i: (ns(back.events[i].get("ts", 0)), i))
    stacks: dict[tuple[int, int], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    on_top: dict[int, dict[str, Any]] = {}
    for i in order:
        e = back.events[i]
        if e["ph"] == "X":
            stack = stacks[(e["pid"], e["tid"])]
            start = ns(e["ts"])
            while stack and stack[-1][0] <= start:
                stack.pop()
            stack.append((start + ns(e["dur"]), e))
        elif e["ph"] in "sf" and stacks[(e["pid"], e["tid"])]:
            on_top[id(e)] = stacks[(e["pid"], e["tid"])][-1][1]
    _STACKS[id(back)] = (back, on_top)
    return on_top


# --- the round trip -----------------------------------------------------------------------
@pytest.mark.parametrize("name", SCENARIOS)
def test_each_tasks_spans_come_back_to_the_nanosecond(
    traces: dict[str, Trace], tmp_path: Path, name: str
) -> None:
    trace = traces[name]
    back = exported(trace, tmp_path)
    check_format(back)
    spans = trace.spans
    lanes = lanes_of(TaskColumns.of(trace.tasks).parent)
    assert back.processes[trace_events.LOOP_PID] == f"event loop: {name}"
    for task in trace.tasks:
        where = (trace_events.LOOP_PID, trace_events.TASK_TID + task.id)
        assert back.names[where] == task.name
        assert back.sort[where] == lanes[task.id]  # (the chart's lanes' order)
        rows = np.flatnonzero(spans.task == task.id)
        rows = rows[np.argsort(spans.start[rows], kind="stable")]
        slices = back.task_slices(task.id)
        assert [e["name"] for e in slices] == [schema.STATE_NAMES[s] for s in spans.state[rows]]
        for e, i in zip(slices, rows, strict=True):
            # to a nanosecond, as a float reader adds (and the seconds' own rounding:
            # 3.0000000620000042 s); as Perfetto truncates each number to whole
            # nanoseconds, to one for a start and two for an end (its start's and its
            # length's truncations)
            assert abs(e["ts"] * 1e-6 - spans.start[i]) <= 1.01e-9
            assert abs((e["ts"] + e["dur"]) * 1e-6 - spans.end[i]) <= 1.01e-9
            assert abs(ns(e["ts"]) * 1e-9 - spans.start[i]) <= 1.01e-9
            assert abs((ns(e["ts"]) + ns(e["dur"])) * 1e-9 - spans.end[i]) <= 2.01e-9
            start, end = tick(e["ts"]), tick(e["ts"] + e["dur"])
            assert (start, end) == (ticks_of(spans.start[i]), ticks_of(spans.end[i]))
            args = e.get("args", {})
            if spans.state[i] == schema.SUSPENDED:
                s = trace.suspensions[spans.awaiting[i]]
                assert (args["awaiting"], args["at"], args["stack"]) == (
                    s.label,
                    s.site,
                    list(s.stack),
                )
            if spans.state[i] == schema.READY:
                assert args["woken_by"] == schema.WAKE_NAMES[spans.woken_kind[i]]
                waker = int(spans.woken_task[i])
                assert args.get("waker_id", -1) == waker
                if waker >= 0 and waker != task.id:
                    assert args["waker"] == trace.tasks[waker].name
        # a task's slices tile its life, exactly as the trace's spans do (float sums)
        for before, after in itertools.pairwise(slices):
            assert before["ts"] + before["dur"] == after["ts"]
        first, last = slices[0]["args"], slices[-1]["args"]
        assert (first["task_id"], first["coro"], first["created_at"]) == (
            task.id,
            task.coro,
            task.created_at,
        )
        assert last["outcome"] == task.outcome
        assert last.get("error") == task.error
        assert last.get("cancelled_at") == task.cancelled_at
    assert back.other["source"] == name
    for key in ("clock", "duration", "python", "loop"):
        assert back.other[key] == trace.meta[key]


def test_the_runs_have_what_the_round_trip_is_about(traces: dict[str, Trace]) -> None:
    """(So that the tests above cannot pass by having nothing to compare.)"""
    every = list(traces.values())
    outcomes = {t.outcome for trace in every for t in trace.tasks}
    assert {"done", "error", "cancelled"} <= outcomes
    assert all(
        len(trace.resources)
        for trace in (traces["queue_backpressure"], traces["event_and_condition"])
    )
    assert traces["executor_jobs"].jobs and traces["cancellation"].marks
    assert any(m.kind == "warning" for m in traces["exception_never_retrieved"].marks)
    assert traces["blocking_call"].blocked


@pytest.mark.parametrize("name", SCENARIOS)
def test_arrows_say_who_woke_and_who_created_whom(
    traces: dict[str, Trace], tmp_path: Path, name: str
) -> None:
    """One arrow per ready span a task caused in another: from a step of the waker (the
    one going on, or the last before, for a wake a callback made after it) to the
    woken task's ready slice; a task's own wake (a bare yield) has none.  And one per
    wake by a thread the chart draws an arrow for (``loop_lanes.thread_wakes``): from
    the job on its thread's row."""
    trace = traces[name]
    back = exported(trace, tmp_path)
    spans = trace.spans
    tasks = (
        (
            (trace_events.LOOP_PID, trace_events.TASK_TID + int(spans.woken_task[i])),
            int(spans.task[i]),
            "created" if spans.woken_kind[i] == schema.WAKE_CREATED else "woke",
            ticks_of(spans.start[i]),
        )
        for i in np.flatnonzero(
            (spans.state == schema.READY)
            & (spans.woken_task >= 0)
            & (spans.woken_task != spans.task)
        )
    )
    woken = (spans.state == schema.READY) & (spans.woken_kind == schema.WAKE_THREAD)
    charted = thread_wakes(spans.task[woken], spans.start[woken], trace.jobs, job_rows(trace.jobs))
    threads = (
        ((trace_events.THREADS_PID, row), task, "woke", ticks_of(t)) for t, row, task in charted
    )
    expected = sorted([*tasks, *threads])
    found = []
    for ends in back.flows.values():
        s, f = ends["s"], ends["f"]
        assert s["name"] == f["name"] and s["cat"] == f["cat"]
        step, ready = bound(back, s), bound(back, f)
        assert step is not None and ready is not None
        assert ready["name"] == "ready"
        if s["pid"] == trace_events.LOOP_PID:
            assert step["name"] == "running"
        else:  # (a job)
            assert step["name"] in {job.func for job in trace.jobs}
        assert tick(step["ts"]) <= tick(ready["ts"])  # (it began before the wake)
        found.append(
            ((s["pid"], s["tid"]), f["tid"] - trace_events.TASK_TID, s["name"], tick(ready["ts"]))
        )
    assert sorted(found) == expected
    assert expected  # (every run here has some)
    assert any(kind == "created" for _, _, kind, _ in expected)
    if name == "executor_jobs":
        assert any(pid == trace_events.THREADS_PID for (pid, _), *_ in expected)


def test_jobs_on_their_threads_and_the_loops_busy_row(
    traces: dict[str, Trace], tmp_path: Path
) -> None:
    trace = traces["executor_jobs"]
    back = exported(trace, tmp_path)
    rows = job_rows(trace.jobs)
    assert back.processes[trace_events.THREADS_PID] == "executor threads"
    got = sorted(
        (
            back.names[where],
            e["name"],
            tick(e["ts"]),
            tick(e["ts"] + e["dur"]),
            e["args"]["task_id"],
        )
        for where, slices in back.slices.items()
        if where[0] == trace_events.THREADS_PID
        for e in slices
    )
    want = sorted(
        (rows.names[row], job.func, ticks_of(job.start), ticks_of(job.end), job.task)
        for job, row in zip(trace.jobs, rows.job_row, strict=True)
    )
    assert got == want and len(want) == len(trace.jobs)
    assert {n for n, *_ in want} == {f"thread {job.thread}" for job in trace.jobs}
    busy = back.slices[(trace_events.LOOP_PID, trace_events.LOOP_TID)]
    start, end = busy_intervals(trace)
    assert [(tick(e["ts"]), tick(e["ts"] + e["dur"])) for e in busy] == [
        (ticks_of(a), ticks_of(b)) for a, b in zip(start, end, strict=True)
    ]
    assert back.names[(trace_events.LOOP_PID, trace_events.LOOP_TID)] == "event loop"


def test_blocking_steps_and_window_frames_get_rows(
    traces: dict[str, Trace], tmp_path: Path
) -> None:
    trace = traces["blocking_call"]
    # (a trace the window saved of a run it drew on the run's own loop has its frames)
    frames = [(0.01, 0.02), (0.5, 0.5004)]
    back = exported(dataclasses.replace(trace, observed=frames), tmp_path)
    check_format(back)
    blocked = back.slices[(trace_events.LOOP_PID, trace_events.BLOCKED_TID)]
    assert [(tick(e["ts"]), tick(e["ts"] + e["dur"]), e["args"]["task_id"]) for e in blocked] == [
        (ticks_of(b.start), ticks_of(b.end), b.task) for b in trace.blocked
    ]
    window = back.slices[(trace_events.LOOP_PID, trace_events.WINDOW_TID)]
    assert [(tick(e["ts"]), tick(e["ts"] + e["dur"])) for e in window] == [
        (ticks_of(a), ticks_of(b)) for a, b in frames
    ]
    assert back.names[(trace_events.LOOP_PID, trace_events.WINDOW_TID)] == "window drawing"


@pytest.mark.parametrize("name", ["cancellation", "exception_never_retrieved"])
def test_marks_and_warnings_are_instants_on_their_track(
    traces: dict[str, Trace], tmp_path: Path, name: str
) -> None:
    trace = traces[name]
    back = exported(trace, tmp_path)
    got = sorted(
        (e["tid"], e["name"], e["cat"], tick(e["ts"]), e.get("args", {}).get("detail", ""))
        for e in back.instants
    )
    want = sorted(
        (
            trace_events.LOOP_TID if m.task is None else trace_events.TASK_TID + m.task,
            m.label,
            m.kind,
            ticks_of(m.t),
            m.detail,
        )
        for m in trace.marks
    )
    assert got == want and want


@pytest.mark.parametrize("name", ["semaphore_workers", "queue_backpressure", "event_and_condition"])
def test_resource_levels_are_counters_at_their_times(
    traces: dict[str, Trace], tmp_path: Path, name: str
) -> None:
    trace = traces[name]
    back = exported(trace, tmp_path)
    rows = rows_of(trace)
    assert len(back.counters) == len(rows) > 0
    for row in rows:
        level = trace_events.LEVEL_NAMES[row.kind]
        values = back.counters[f"{row.kind} {row.name}"]
        assert values == [
            (ticks_of(t), {level: int(v)}) for t, v in zip(row.times, row.levels, strict=True)
        ]


def test_pieces_change_nothing_but_the_memory(
    traces: dict[str, Trace], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spans are encoded a few at a time: cut small, the file is the same, byte for byte."""
    trace = traces["semaphore_workers"]
    whole = b"".join(perfetto.encoded(trace))
    monkeypatch.setattr(perfetto, "SPANS_PER_PIECE", 3)
    assert b"".join(perfetto.encoded(trace)) == whole
    json.loads(whole)


def test_a_saved_trace_exports_as_the_run_did(traces: dict[str, Trace], tmp_path: Path) -> None:
    """Through a file (``load``: the spans' columns as read, tasks from records) and
    gzipped: the same events."""
    trace = traces["executor_jobs"]
    save(trace, tmp_path / "t.json")
    loaded = load(tmp_path / "t.json")
    direct = exported(trace, tmp_path, "a.json")
    perfetto.write(loaded, tmp_path / "b.json.gz")
    again = json.loads(gzip.decompress((tmp_path / "b.json.gz").read_bytes()))
    assert again["traceEvents"] == direct.events


# --- the command -----------------------------------------------------------------------
def test_the_export_command(traces: dict[str, Trace], tmp_path: Path) -> None:
    trace = traces["queue_backpressure"]
    save(trace, tmp_path / "q.json.gz")
    out = tmp_path / "q.perfetto.json"
    done = asyncviz(
        tmp_path, "export", str(tmp_path / "q.json.gz"), "--format", "perfetto", "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    back = read(out)
    check_format(back)
    assert f"{len(back.events):,} events" in done.stdout and "ui.perfetto.dev" in done.stdout
    assert len(back.counters) == len(trace.resources)


def test_the_export_command_says_what_is_wrong(tmp_path: Path) -> None:
    """A file that is not a trace, an output that cannot be written: said, exit 2,
    nothing written; a format it does not know: argparse's usage error."""
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    out = tmp_path / "out.json"
    done = asyncviz(tmp_path, "export", str(bad), "--format", "perfetto", "-o", str(out))
    assert done.returncode == 2 and "bad.json" in done.stderr and not out.exists()
    assert done.stdout == ""
    unknown = asyncviz(tmp_path, "export", str(bad), "--format", "svg", "-o", str(out))
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr
    assert "perfetto" in unknown.stderr and set(FORMATS) == {"perfetto", "html", "avz", "json"}


def test_an_output_that_cannot_be_written_is_said(traces: dict[str, Trace], tmp_path: Path) -> None:
    """A folder in the way, or a file where a folder should be: said, exit 2, the
    folder as it was and nothing left beside it."""
    save(traces["cancellation"], tmp_path / "c.json")
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "inside").write_text("kept")
    for out in (folder, tmp_path / "c.json" / "x.json"):
        done = asyncviz(
            tmp_path, "export", str(tmp_path / "c.json"), "--format", "perfetto", "-o", str(out)
        )
        assert done.returncode == 2 and f"cannot write {out}" in done.stderr, done.stderr
    assert [p.name for p in folder.iterdir()] == ["inside"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json", "taken"]


# --- the window: File > Export trace... ------------------------------------------------
def test_file_export_writes_what_the_window_shows(
    window: MainWindow, qtbot: QtBot, traces: dict[str, Trace], tmp_path: Path
) -> None:
    """The menu's action opens a save dialog offering the formats; the file chosen is
    written on a thread, then said in the status bar."""
    save(traces["semaphore_workers"], tmp_path / "s.json")
    assert window.open_trace(tmp_path / "s.json")
    window.exporting.update_action()
    assert window.exporting.action.isEnabled()
    assert window.exporting.action in window.file_menu.actions()
    window.exporting.action.trigger()
    dialog = window.exporting.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.nameFilters()[0] == "Perfetto / Chrome trace (Trace Event Format) (*.json)"
    assert dialog.selectedFiles()[0].endswith("semaphore_workers.perfetto.json")
    out = tmp_path / "chosen.json"
    dialog.selectFile(str(out))
    dialog.accept()
    qtbot.waitUntil(lambda: "Exported the trace" in window.statusBar().currentMessage())
    assert str(out) in window.statusBar().currentMessage()
    back = read(out)
    check_format(back)
    shown = window.trace
    assert shown is not None
    assert [back.names[(1, trace_events.TASK_TID + t.id)] for t in shown.tasks] == [
        t.name for t in traces["semaphore_workers"].tasks
    ]


def test_file_export_that_fails_is_said_and_the_window_goes_on(
    window: MainWindow, qtbot: QtBot, traces: dict[str, Trace], tmp_path: Path
) -> None:
    save(traces["cancellation"], tmp_path / "c.json")
    assert window.open_trace(tmp_path / "c.json")
    window.last_message = None
    out = tmp_path / "c.json" / "under-a-file.json"  # (a file where a folder should be)
    assert window.exporting.export(out)
    qtbot.waitUntil(lambda: window.last_message is not None)
    said = window.last_message
    assert said is not None
    assert said[0] == f"Cannot export to {out}" and "NotADirectoryError" in said[1]
    qtbot.waitUntil(lambda: not window.exporting.busy)
    # and again, somewhere it can: the window is as it was
    assert window.exporting.export(tmp_path / "fine.json")
    qtbot.waitUntil(lambda: "Exported the trace" in window.statusBar().currentMessage())
    check_format(read(tmp_path / "fine.json"))


def test_nothing_to_export_while_nothing_is_shown(window: MainWindow) -> None:
    window.exporting.update_action()
    assert window.trace is None and not window.exporting.action.isEnabled()
    assert not window.exporting.export("/nowhere.json")


# --- a real reader: Chromium's DevTools ----------------------------------------------
@pytest.mark.skipif(devtools_trace.CHROMIUM is None, reason="Chromium is not installed")
def test_chromiums_devtools_reads_the_same_tracks_slices_and_arrows(
    traces: dict[str, Trace], tmp_path: Path
) -> None:
    """Chromium's Performance panel's trace engine (its own parser, headless) finds
    each task's track by its name with its slices at the same nanoseconds, the loop's
    and the threads' rows, and every arrow between the same two slices."""
    names = ("semaphore_workers", "executor_jobs", "cancellation")
    with devtools_trace.devtools() as tools:
        for name in names:
            path = tmp_path / f"{name}.json"
            perfetto.write(traces[name], path)
            ours = read(path)
            theirs = devtools_trace.run(tools, devtools_trace.PARSE, path.read_text())
            tracks = {
                (t["pid"], t["tid"]): (
                    t["name"],
                    [(n, ts, d) for n, ts, d in t["slices"]],
                )
                for t in theirs["threads"]
            }
            assert tracks == {
                where: (
                    ours.names[where],
                    [(e["name"], e["ts"], e["dur"]) for e in slices],
                )
                for where, slices in ours.slices.items()
            }, name
            assert len(tracks) > len(traces[name].tasks)  # (the loop's row too)
            arrows = sorted(
                tuple((pid, tid, tick(ts)) for pid, tid, ts, _ in sorted(flow, key=lambda e: e[2]))
                for flow in theirs["flows"]
            )
            assert arrows == sorted(
                tuple((e[end]["pid"], e[end]["tid"], tick(e[end]["ts"])) for end in "sf")
                for e in ours.flows.values()
            ), name
            assert arrows


def test_the_export_command_writes_a_page_and_either_encoding(
    traces: dict[str, Trace], tmp_path: Path
) -> None:
    """``--format html`` writes the one-file page; ``avz`` and ``json`` re-encode the trace
    (a big JSON made compact, a compact one made readable): the same trace comes back."""
    trace = traces["queue_backpressure"]
    save(trace, tmp_path / "q.json")
    for fmt, name in (("html", "q.html"), ("avz", "q.avz"), ("json", "back.json")):
        source = tmp_path / ("q.avz" if fmt == "json" else "q.json")
        done = asyncviz(
            tmp_path, "export", str(source), "--format", fmt, "-o", str(tmp_path / name)
        )
        assert done.returncode == 0, done.stderr
        assert f"{len(trace.spans):,} spans" in done.stdout
    page = (tmp_path / "q.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "queue_backpressure" in page
    assert dumps(load(tmp_path / "back.json")) == dumps(load(tmp_path / "q.json"))
    assert (tmp_path / "q.avz").stat().st_size < (tmp_path / "q.json").stat().st_size
