"""Trace file format v1 (docs/trace-format.md): round trips, refusals, and the CLI's files.

Every trace here comes from a real traced run of a built-in scenario.  Every
malformed document is that run's saved file, parsed with ``json.loads``,
broken in exactly one place and written back with ``json.dumps``, so each test
checks one rule of the format and nothing else.
"""

from __future__ import annotations

import copy
import dataclasses
import gzip
import itertools
import json
import pickle
import subprocess
import sys
import textwrap
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tracehelp import text_site

from visualizer.cli import main
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import bind_params, find
from visualizer.trace import fileformat, schema
from visualizer.trace.data import Mark, Trace
from visualizer.trace.fileformat import TraceFormatError, dumps, load, loads, save

SCENARIOS = ["semaphore_workers", "cancellation", "task_exception"]
SPAN_COLUMNS = ("task", "state", "start", "end", "woken_kind", "woken_task")

Doc = dict[str, Any]


def _run(scenario_id: str, **params: str) -> Trace:
    scenario = find(scenario_id)
    result = run_scenario(scenario, bind_params(scenario, params), clock="virtual")
    assert result.error is None, result.error
    assert result.tracer_failure is None
    return result.trace


@pytest.fixture(scope="module")
def traces() -> dict[str, Trace]:
    return {scenario_id: _run(scenario_id) for scenario_id in SCENARIOS}


@pytest.fixture(scope="module")
def saved_doc(tmp_path_factory: pytest.TempPathFactory, traces: dict[str, Trace]) -> Doc:
    """semaphore_workers' trace as a real file on disk, parsed back as plain JSON."""
    path = tmp_path_factory.mktemp("saved") / "semaphore_workers.json"
    save(traces["semaphore_workers"], path)
    doc: Doc = json.loads(path.read_text(encoding="utf-8"))
    return doc


@pytest.fixture
def doc(saved_doc: Doc) -> Doc:
    """A private copy of the saved document, to break."""
    return copy.deepcopy(saved_doc)


def _write(path: Path, doc: Doc) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _refused(path: Path) -> str:
    with pytest.raises(TraceFormatError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f"{path.name}: "), message  # says which file
    return message


def _labels(trace: Trace) -> list[tuple[str, str | None, tuple[str, ...]] | None]:
    """Per span: what it awaited (label, site, stack), independent of suspension ids."""
    out: list[tuple[str, str | None, tuple[str, ...]] | None] = []
    for sid in trace.spans.awaiting.tolist():
        if sid < 0:
            out.append(None)
        else:
            s = trace.suspensions[sid]
            out.append((s.label, s.site, s.stack))
    return out


def _assert_same_trace(loaded: Trace, original: Trace) -> None:
    assert loaded.meta == original.meta
    assert loaded.tasks == original.tasks
    for column in SPAN_COLUMNS:
        got, want = getattr(loaded.spans, column), getattr(original.spans, column)
        assert got.dtype == want.dtype, column
        np.testing.assert_array_equal(got, want, err_msg=column)
    assert _labels(loaded) == _labels(original)
    assert loaded.jobs == original.jobs
    assert loaded.blocked == original.blocked
    assert loaded.marks == original.marks


def _index(doc: Doc, ok: Callable[[Doc], bool]) -> int:
    return next(i for i, span in enumerate(doc["spans"]) if ok(span))


def _followed(doc: Doc, state: str) -> int:
    """A span in ``state`` that is not its task's last span."""
    spans = doc["spans"]
    return next(
        i
        for i, span in enumerate(spans[:-1])
        if span["state"] == state and spans[i + 1]["task"] == span["task"]
    )


# --- round trips -------------------------------------------------------------------------
@pytest.mark.parametrize("scenario_id", SCENARIOS)
@pytest.mark.parametrize("name", ["trace.json", "trace.json.gz", "trace.avz"])
def test_round_trip(tmp_path: Path, traces: dict[str, Trace], scenario_id: str, name: str) -> None:
    original = traces[scenario_id]
    path = tmp_path / name
    save(original, path)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    assert not list(tmp_path.glob("*.partial"))  # written atomically, nothing left over

    loaded = load(path)
    _assert_same_trace(loaded, original)

    # saving what was loaded and loading it again changes nothing
    again = tmp_path / ("again-" + name)
    save(loaded, again)
    _assert_same_trace(load(again), original)


def test_marks_keep_their_kind_and_detail(tmp_path: Path, traces: dict[str, Trace]) -> None:
    """A warning mark (what asyncio told the program) comes back a warning, with its full
    text; a plain note stays a note; an unknown kind is read as a note."""
    original = traces["semaphore_workers"]
    original = dataclasses.replace(
        original,
        marks=[
            Mark(0.25, None, "checkpoint"),
            Mark(0.5, 1, "Task exception was never retrieved", "warning", "ValueError: boom"),
        ],
    )
    path = tmp_path / "marked.json"
    save(original, path)
    assert load(path).marks == original.marks
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["marks"][0] == {"t": 0.25, "task": None, "label": "checkpoint"}
    doc["marks"][1]["kind"] = "firework"
    doc["marks"][0]["task"] = 99  # no such task: the loop's row
    odd = load(_write(tmp_path / "odd.json", doc)).marks
    assert odd[1].kind == "note" and odd[0].task is None


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_typed_fast_path_and_plain_dict_path_load_the_same(
    traces: dict[str, Trace], scenario_id: str
) -> None:
    """Well-typed spans load through typed records; any other file through plain
    dicts. Both must read a file the same way."""
    raw = dumps(traces[scenario_id])
    fast = loads(raw)
    slow = fileformat.from_json_dict(json.loads(raw))
    _assert_same_trace(fast, slow)
    for column in ("awaiting", *SPAN_COLUMNS):
        assert np.array_equal(getattr(fast.spans, column), getattr(slow.spans, column)), column
    assert fast.suspensions == slow.suspensions


def test_round_trip_keeps_what_each_scenario_is_about(traces: dict[str, Trace]) -> None:
    """Spot checks that the fields the doc describes survive with their meaning."""
    sem = traces["semaphore_workers"]
    labels = {label for label in (x[0] if x else None for x in _labels(sem)) if label}
    assert {"sleep(1.0)", "Semaphore.acquire", "gather(6 awaitables)"} <= labels
    assert sem.meta["params"] == {"workers": 6, "limit": 2, "work": 1.0}
    assert sem.meta["clock"] == "virtual"

    flaky = traces["task_exception"].task_by_name("flaky")
    assert flaky.outcome == "error"
    assert flaky.error == "ValueError: bad response"
    assert flaky.traceback is not None and "raise ValueError" in flaky.traceback

    worker = traces["cancellation"].task_by_name("worker")
    assert worker.outcome == "cancelled"
    # where the CancelledError landed: the worker's sleep(1.0), found by its text
    landed = text_site(find("cancellation").path, "await asyncio.sleep(1.0)")
    assert worker.cancelled_at is not None and worker.cancelled_at.endswith(landed)


def test_gzip_is_detected_by_its_magic_bytes_not_the_name(
    tmp_path: Path, traces: dict[str, Trace]
) -> None:
    original = traces["semaphore_workers"]
    plain = dumps(original)
    gz_named_json = tmp_path / "compressed.json"
    gz_named_json.write_bytes(gzip.compress(plain))
    json_named_gz = tmp_path / "plain.json.gz"
    json_named_gz.write_bytes(plain)
    _assert_same_trace(load(gz_named_json), original)
    _assert_same_trace(load(json_named_gz), original)


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_real_traces_keep_the_documented_promises(
    traces: dict[str, Trace], scenario_id: str
) -> None:
    """The span rules docs/trace-format.md states, checked on real runs."""
    trace = traces[scenario_id]
    spans = trace.spans
    labels = _labels(trace)
    assert [t.id for t in trace.tasks] == list(range(len(trace.tasks)))
    for task in trace.tasks:
        rows = np.flatnonzero(spans.task == task.id).tolist()
        rows.sort(key=lambda r: spans.start[r])
        states = [schema.STATE_NAMES[spans.state[r]] for r in rows]
        first = rows[0]
        assert states[0] == "ready"
        assert spans.woken_kind[first] == schema.WAKE_CREATED
        assert spans.woken_task[first] == (-1 if task.parent is None else task.parent)
        assert spans.start[first] == task.created
        end = task.ended if task.ended is not None else trace.duration
        assert spans.end[rows[-1]] == pytest.approx(end, abs=1e-6)
        for a, b in itertools.pairwise(rows):
            assert spans.start[b] == pytest.approx(spans.end[a], abs=1e-6)
        for prev, row, state in zip([None, *rows[:-1]], rows, states, strict=True):
            if state == "ready":
                assert spans.woken_kind[row] >= 0, "every ready span has woken_by"
                if prev is not None and spans.state[prev] == schema.RUNNING:  # a bare yield
                    assert spans.woken_kind[row] == schema.WAKE_TASK
                    assert spans.woken_task[row] == task.id
            else:
                assert spans.woken_kind[row] == -1
            label = labels[row]
            if state == "suspended":
                assert label is not None and label[0], "suspended spans say what they await"
            else:
                assert label is None
        if task.ended is not None:
            assert states[-1] == "running"  # the step that ended the task
        else:
            assert states[-1] in ("ready", "suspended")


# --- malformed files: each refused with a message naming the field -----------------------
def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text("this is not { json", encoding="utf-8")
    assert "not JSON" in _refused(path)


def test_truncated_gzip(tmp_path: Path, saved_doc: Doc) -> None:
    data = gzip.compress(json.dumps(saved_doc).encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(data[: len(data) // 2])
    assert "corrupt gzip" in _refused(path)


def test_corrupt_gzip(tmp_path: Path, saved_doc: Doc) -> None:
    data = bytearray(gzip.compress(json.dumps(saved_doc).encode()))
    for i in range(20, 60):
        data[i] ^= 0xFF
    path = tmp_path / "scrambled.json.gz"
    path.write_bytes(bytes(data))
    assert "gzip" in _refused(path)


def _break_span(field: str, value: Any, pick: Callable[[Doc], bool]) -> Callable[[Doc], str]:
    def mutate(doc: Doc) -> str:
        i = _index(doc, pick)
        doc["spans"][i][field] = value
        return f"spans[{i}].{field}"

    return mutate


def _any_span(span: Doc) -> bool:
    return True


def _ready(span: Doc) -> bool:
    return bool(span["state"] == "ready")


def _set(path: tuple[Any, ...], value: Any, where: str) -> Callable[[Doc], str]:
    def mutate(doc: Doc) -> str:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return where

    return mutate


def _delete(key: str) -> Callable[[Doc], str]:
    def mutate(doc: Doc) -> str:
        del doc[key]
        return f"{key}:"

    return mutate


def _end_before_start(doc: Doc) -> str:
    i = _index(doc, lambda s: s["state"] == "suspended")
    doc["spans"][i]["end"] = doc["spans"][i]["start"] - 0.25
    return f"spans[{i}]: ends"


def _wake_kind(doc: Doc) -> str:
    i = _index(doc, _ready)
    doc["spans"][i]["woken_by"]["kind"] = "telepathy"
    return f"spans[{i}].woken_by.kind"


def _no_such_task(doc: Doc) -> str:
    i = _index(doc, lambda s: s["task"] == 1)
    doc["spans"][i]["task"] = len(doc["tasks"]) + 5
    return f"spans[{i}].task: names no task"


def _no_such_waker(doc: Doc) -> str:
    i = _index(doc, lambda s: s["woken_by"] is not None and s["woken_by"]["task"] is not None)
    doc["spans"][i]["woken_by"]["task"] = len(doc["tasks"])
    return f"spans[{i}].woken_by.task: names no task"


def _negative_waker(doc: Doc) -> str:
    i = _index(doc, lambda s: s["woken_by"] is not None and s["woken_by"]["task"] is not None)
    doc["spans"][i]["woken_by"]["task"] = -5
    return f"spans[{i}].woken_by.task: names no task"


def _gap(doc: Doc) -> str:
    i = _followed(doc, "suspended")
    span = doc["spans"][i]
    span["end"] = (span["start"] + span["end"]) / 2  # shorter: a hole before the next span
    return f"task {span['task']}'s spans leave a gap"


def _overlap(doc: Doc) -> str:
    i = _followed(doc, "running")
    span = doc["spans"][i]
    span["end"] += 0.5  # longer: runs into the next span
    return f"task {span['task']}'s spans leave a gap or overlap"


def _late_start(doc: Doc) -> str:
    task = doc["tasks"][2]
    assert task["created"] > 0  # (a real-clock run: made after the run began)
    # created before its first span begins, and still after the run began (a task made
    # within 1 ms of the start, on a busy machine, went negative: another rule)
    task["created"] -= min(1e-3, task["created"] / 2)
    return "tasks[2]: spans start at"


def _early_end(doc: Doc) -> str:
    doc["tasks"][1]["ended"] += 1e-3  # ended after its last span stops
    return "tasks[1]: spans end at"


def _task_without_spans(doc: Doc) -> str:
    tid = len(doc["tasks"]) - 1
    doc["spans"] = [s for s in doc["spans"] if s["task"] != tid]
    return f"tasks[{tid}]: has no spans"


def _ids_not_dense(doc: Doc) -> str:
    doc["tasks"][1], doc["tasks"][2] = doc["tasks"][2], doc["tasks"][1]
    return "tasks[1].id: must be 1"


def _id_gap(doc: Doc) -> str:
    doc["tasks"][-1]["id"] += 1
    return f"tasks[{len(doc['tasks']) - 1}].id"


def _missing_task_field(doc: Doc) -> str:
    del doc["tasks"][0]["name"]
    return "tasks[0].name: missing"


def _pending_with_end(doc: Doc) -> str:
    doc["tasks"][0]["outcome"] = "pending"
    return "tasks[0].ended"


def _no_such_parent(doc: Doc) -> str:
    doc["tasks"][1]["parent"] = 99
    return "tasks[1].parent: no task 99"


MALFORMED: dict[str, Callable[[Doc], str]] = {
    "wrong format string": _set(("format",), "chrome-trace", "format: must be 'asyncviz-trace'"),
    "version 2": _set(("version",), 2, "version: is 2"),
    "version as a string": _set(("version",), "1", "version: must be an integer"),
    "missing meta": _delete("meta"),
    "meta not an object": _set(("meta",), [], "meta: missing or not an object"),
    "bad clock": _set(("meta", "clock"), "sundial", "meta.clock"),
    "negative duration": _set(("meta", "duration"), -1.0, "meta.duration: must not be negative"),
    "duration as a string": _set(("meta", "duration"), "2.0", "meta.duration: must be a number"),
    "dropped_events negative": _set(("meta", "dropped_events"), -3, "meta.dropped_events"),
    "source missing": _set(("meta", "source"), None, "meta.source"),
    "missing tasks": _delete("tasks"),
    "missing spans": _delete("spans"),
    "spans not a list": _set(("spans",), {}, "spans: must be a list"),
    "span start is a string": _break_span("start", "0.5", _any_span),
    "span end is null": _break_span("end", None, _any_span),
    "span end before start": _end_before_start,
    "unknown state": _break_span("state", "sleeping", _any_span),
    "ready span without woken_by": _break_span("woken_by", None, _ready),
    "woken_by not an object": _break_span("woken_by", "timer", _ready),
    "unknown woken_by kind": _wake_kind,
    "span names a task that does not exist": _no_such_task,
    "woken_by names a task that does not exist": _no_such_waker,
    "woken_by names a negative task": _negative_waker,
    "span task is a bool": _break_span("task", True, _any_span),
    "span not an object": _set(("spans", 0), ["ready", 0.0, 1.0], "spans[0]: must be an object"),
    "gap in a task's tiling": _gap,
    "overlapping spans": _overlap,
    "first span after created": _late_start,
    "last span before ended": _early_end,
    "task with no spans": _task_without_spans,
    "ids not dense (reordered)": _ids_not_dense,
    "ids not dense (skipped)": _id_gap,
    "task field missing": _missing_task_field,
    "unknown outcome": _set(("tasks", 0, "outcome"), "exploded", "tasks[0].outcome"),
    "pending task with an end": _pending_with_end,
    "parent that does not exist": _no_such_parent,
    "marks not a list": _set(("marks",), "none", "marks: must be a list"),
    "job without a func": _set(("jobs",), [{"thread": "t", "task": 0}], "jobs[0].func: missing"),
    "blocked with a string end": _set(
        ("blocked",), [{"task": None, "start": 0.0, "end": "1"}], "blocked[0].end"
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_file_is_refused_naming_the_field(tmp_path: Path, doc: Doc, case: str) -> None:
    expected = MALFORMED[case](doc)
    message = _refused(_write(tmp_path / "broken.json", doc))
    assert expected in message


def test_malformed_gzipped_file_is_refused_the_same_way(tmp_path: Path, doc: Doc) -> None:
    doc["meta"]["clock"] = "sundial"
    path = tmp_path / "broken.json.gz"
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    assert "meta.clock" in _refused(path)


# Values of the wrong JSON type where the loader looks them up or stores them in int32
# columns: found while writing these tests; see the report for the proposed fix.
TYPE_TRAPS: dict[str, Callable[[Doc], str]] = {
    "state is a list": _break_span("state", ["ready"], _any_span),
    "woken_by kind is a list": _break_span("woken_by", {"kind": ["timer"], "task": None}, _ready),
    "task id beyond int32": _break_span("task", 2**40, _any_span),
    "woken_by task beyond int32": _break_span("woken_by", {"kind": "task", "task": 2**40}, _ready),
}


@pytest.mark.parametrize("case", list(TYPE_TRAPS), ids=list(TYPE_TRAPS))
def test_wrongly_typed_values_are_refused(tmp_path: Path, doc: Doc, case: str) -> None:
    expected = TYPE_TRAPS[case](doc)
    assert expected.split(".")[0] in _refused(_write(tmp_path / "broken.json", doc))


# --- files are data -------------------------------------------------------------------------
class _Touch:
    """Unpickling this creates ``path``: proof that something was unpickled."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (open, (str(self.path), "w"))


def test_code_in_string_fields_is_plain_data(
    tmp_path: Path, doc: Doc, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "PWNED"
    expression = "__import__('os').system('touch PWNED')"
    payload = pickle.dumps(_Touch(marker)).decode("latin-1")
    doc["tasks"][1]["name"] = expression
    doc["tasks"][1]["coro"] = payload
    doc["tasks"][2]["created_at"] = "{{7*7}} ${7*7} `touch PWNED`"
    suspended = _index(doc, lambda s: s["state"] == "suspended")
    doc["spans"][suspended]["awaiting"] = "eval(compile('open(\"PWNED\", \"w\")', 'x', 'exec'))"
    doc["meta"]["source"] = expression
    doc["marks"] = [{"t": 0.0, "task": None, "label": payload}]
    path = _write(tmp_path / "hostile.json", doc)

    trace = load(path)

    assert trace.tasks[1].name == expression
    assert trace.tasks[1].coro == payload
    assert trace.tasks[2].created_at == "{{7*7}} ${7*7} `touch PWNED`"
    sid = int(trace.spans.awaiting[suspended])
    assert trace.suspensions[sid].label.startswith("eval(compile(")
    assert trace.meta["source"] == expression
    assert trace.marks == [Mark(0.0, None, payload)]
    assert not marker.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.json"]


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_a_pickle_file_is_refused_as_not_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compress: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "PWNED"
    data = pickle.dumps({"format": "asyncviz-trace", "version": 1, "meta": _Touch(marker)})
    path = tmp_path / "trace.pkl"
    path.write_bytes(gzip.compress(data) if compress else data)
    assert "not JSON" in _refused(path)
    assert not marker.exists()


def test_unknown_extra_fields_are_ignored(
    tmp_path: Path, doc: Doc, traces: dict[str, Trace]
) -> None:
    doc["x_tool"] = {"name": "someone else's exporter", "rows": [1, 2, 3]}
    doc["meta"]["x_host"] = "ci-runner-7"
    for task in doc["tasks"]:
        task["x_color"] = "#ff8800"
    for span in doc["spans"]:
        span["x_cpu"] = 3
        if span["woken_by"] is not None:
            span["woken_by"]["x_detail"] = {"nested": True}
    doc["marks"] = [{"t": 0.5, "task": 0, "label": "checkpoint", "x_style": "dashed"}]
    doc["jobs"] = [
        {"thread": "pool-0", "func": "crunch", "task": 0, "start": 0.1, "end": 0.2, "x_pid": 9}
    ]
    doc["blocked"] = [{"task": 1, "start": 0.1, "end": 0.3, "x_frames": []}]

    trace = load(_write(tmp_path / "extended.json", doc))

    original = traces["semaphore_workers"]
    assert trace.tasks == original.tasks
    for column in SPAN_COLUMNS:
        np.testing.assert_array_equal(getattr(trace.spans, column), getattr(original.spans, column))
    assert _labels(trace) == _labels(original)
    assert trace.meta["x_host"] == "ci-runner-7"
    assert trace.marks == [Mark(0.5, 0, "checkpoint")]
    assert trace.jobs[0].func == "crunch" and trace.jobs[0].submitted is None
    assert trace.blocked[0].what == ""


def test_optional_fields_may_be_absent(tmp_path: Path, doc: Doc) -> None:
    """``stack``, ``stacks``, ``marks``, ``traceback`` and ``cancelled_at`` may be left out."""
    del doc["stacks"], doc["marks"]
    for span in doc["spans"]:
        span.pop("stack", None)
    for task in doc["tasks"]:
        del task["traceback"], task["cancelled_at"]
    trace = load(_write(tmp_path / "minimal.json", doc))
    assert trace.marks == []
    labels = [s.label for s in trace.suspensions]
    assert "Semaphore.acquire" in labels
    assert all(s.stack == () for s in trace.suspensions)


def test_a_truncated_trace_still_loads(tmp_path: Path) -> None:
    scenario_file = tmp_path / "late_task.py"
    scenario_file.write_text(
        textwrap.dedent(
            '''\
            """Creates a task after many steps"""
            import asyncio


            async def main() -> None:
                for _ in range(5):
                    await asyncio.sleep(0.1)
                await asyncio.create_task(asyncio.sleep(1), name="late")
            '''
        ),
        encoding="utf-8",
    )
    scenario = find(scenario_file)
    result = run_scenario(scenario, {}, clock="virtual", capacity=4)
    meta = result.trace.meta
    assert meta["dropped_events"] > 0
    assert meta["truncated_at"] == pytest.approx(meta["duration"])
    path = tmp_path / "truncated.json"
    save(result.trace, path)
    assert load(path).meta["dropped_events"] == meta["dropped_events"]


# --- the CLI writes its files whatever happens ----------------------------------------------
def _asyncviz_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("asyncviz:")]


def test_run_writes_the_trace_when_the_scenario_raises(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario_file = tmp_path / "fails_late.py"
    scenario_file.write_text(
        textwrap.dedent(
            '''\
            """Fails after a second of work"""
            import asyncio


            async def helper() -> None:
                await asyncio.sleep(0.5)


            async def main() -> None:
                task = asyncio.create_task(helper(), name="helper")
                await asyncio.sleep(1.0)
                raise RuntimeError("boom after one second")
            '''
        ),
        encoding="utf-8",
    )
    out = tmp_path / "failed.json"

    code = main(["run", str(scenario_file), "--trace", str(out)])

    assert code != 0
    err = capsys.readouterr().err
    messages = _asyncviz_lines(err)
    assert len(messages) == 1, err
    assert "RuntimeError: boom after one second" in messages[0]
    assert str(out) in messages[0]
    assert err.count("Traceback (most recent call last)") == 1

    trace = load(out)
    helper = trace.task_by_name("helper")
    assert helper.outcome == "done"
    assert helper.ended == pytest.approx(0.5, abs=0.05)
    root = trace.tasks[0]
    assert root.coro == "main"
    assert root.outcome == "error"
    assert root.error == "RuntimeError: boom after one second"
    assert trace.duration >= 1.0


def test_record_a_script_with_a_syntax_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "broken.py"
    script.write_text("import asyncio\n\ndef f(:\n    pass\n", encoding="utf-8")
    out = tmp_path / "broken.json"

    code = main(["record", "--trace", str(out), str(script)])

    assert code != 0
    err = capsys.readouterr().err
    messages = _asyncviz_lines(err)
    assert len(messages) == 1, err
    assert "SyntaxError" in messages[0]
    trace = load(out)  # nothing ran, and the (empty) trace still says so
    assert trace.tasks == [] and len(trace.spans) == 0


def test_record_a_missing_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.py"
    out = tmp_path / "never.json"

    assert main(["record", "--trace", str(out), str(missing)]) == 2

    err = capsys.readouterr().err
    assert _asyncviz_lines(err) == [f"asyncviz: {missing}: no such file"]
    assert not out.exists()


EXITING_SCRIPT = """\
import asyncio
import sys


async def main() -> None:
    await asyncio.sleep(0.01)
    print("script args:", sys.argv[1:])


asyncio.run(main())
sys.exit(int(sys.argv[1]))
"""


@pytest.mark.parametrize("exit_code", [0, 7])
def test_record_passes_argv_exit_code_and_stdout_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], exit_code: int
) -> None:
    script = tmp_path / "exits.py"
    script.write_text(EXITING_SCRIPT, encoding="utf-8")
    out = tmp_path / "exits.json"
    argv_before = sys.argv[:]

    code = main(["record", "--trace", str(out), str(script), "--", str(exit_code), "--extra"])

    assert code == exit_code
    assert sys.argv == argv_before
    captured = capsys.readouterr()
    assert captured.out == f"script args: ['{exit_code}', '--extra']\n"
    messages = _asyncviz_lines(captured.err)
    assert messages == ([f"asyncviz: exit code 7 (trace written to {out})"] if exit_code else [])
    trace = load(out)
    assert trace.meta["clock"] == "real"
    assert trace.meta["source"] == str(script)
    root = trace.tasks[0]
    assert (root.coro, root.outcome) == ("main", "done")
    labels = {x[0] for x in _labels(trace) if x}
    assert "sleep(0.01)" in labels


ARGV_SCRIPT = """\
import asyncio
import sys


async def main() -> None:
    await asyncio.sleep(0.01)
    print(sys.argv[1:])


asyncio.run(main())
"""


@pytest.mark.parametrize(
    ("words", "script_sees", "trace_written"),
    [
        # the form: options after the script, the script's arguments after --
        (["SCRIPT", "--clock", "virtual", "--trace", "OUT", "--", "a", "--b"], ["a", "--b"], True),
        (["--trace", "OUT", "SCRIPT", "a", "--b"], ["a", "--b"], True),
        (["SCRIPT", "a", "--trace", "OUT", "--b"], ["a", "--b"], True),
        # after --, even asyncviz's own option names are the script's
        (["SCRIPT", "--", "--trace", "OUT"], ["--trace", "OUT"], False),
        (["--clock", "virtual", "--", "SCRIPT", "--trace", "OUT"], ["--trace", "OUT"], False),
        (["SCRIPT", "x", "--", "a", "--", "b"], ["x", "a", "--", "b"], False),
        (["SCRIPT", "-h", "--trace", "OUT"], ["-h"], True),  # -h after the script: the script's
    ],
)
def test_record_reads_its_options_before_and_after_the_script(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    words: list[str],
    script_sees: list[str],
    trace_written: bool,
) -> None:
    script = tmp_path / "argv.py"
    script.write_text(ARGV_SCRIPT, encoding="utf-8")
    out = tmp_path / "out.json"
    argv = [{"SCRIPT": str(script), "OUT": str(out)}.get(w, w) for w in words]

    assert main(["record", *argv]) == 0

    script_out = capsys.readouterr().out
    assert script_out == f"{[str(out) if w == 'OUT' else w for w in script_sees]}\n"
    assert out.exists() == trace_written
    if trace_written:
        assert load(out).tasks[0].coro == "main"


NAMES_SCRIPT = """\
import asyncio


async def child() -> str:
    return asyncio.current_task().get_name()


async def main() -> None:
    print(asyncio.current_task().get_name(), await asyncio.create_task(child()))


asyncio.run(main())
"""


def test_record_leaves_the_programs_task_names_alone(tmp_path: Path) -> None:
    """In a fresh process (the tracer's one-time set-up runs there): asyncio numbers
    unnamed tasks from a global counter, and tracing must not take numbers from it."""
    script = tmp_path / "names.py"
    script.write_text(NAMES_SCRIPT, encoding="utf-8")

    def stdout(*command: str) -> str:
        done = subprocess.run(
            [sys.executable, *command], capture_output=True, text=True, check=True, cwd=tmp_path
        )
        return done.stdout

    plain = stdout(str(script))
    assert plain == "Task-1 Task-2\n"
    assert stdout("-m", "visualizer", "record", str(script)) == plain


ASYNCGEN_SCRIPT = """\
import asyncio


async def ticks():
    try:
        for i in range(10):
            yield i
            await asyncio.sleep(0.01)
    finally:
        await asyncio.sleep(0.01)  # runs in asyncio.run's shutdown_asyncgens


GEN = ticks()  # kept alive: closed by asyncio.run after main, not when abandoned


async def main() -> None:
    async for i in GEN:
        if i == 1:
            break
    await asyncio.get_running_loop().run_in_executor(None, sum, [1, 2])


asyncio.run(main())
"""


def test_record_shows_the_programs_tasks_not_asyncio_runs_housekeeping(tmp_path: Path) -> None:
    """asyncio.run() ends with shutdown_asyncgens / shutdown_default_executor tasks."""
    script = tmp_path / "gens.py"
    script.write_text(ASYNCGEN_SCRIPT, encoding="utf-8")
    out = tmp_path / "gens.json"

    assert main(["record", "--trace", str(out), str(script)]) == 0

    trace = load(out)
    assert [t.coro for t in trace.tasks] == ["main"]
    assert trace.tasks[0].outcome == "done"
    assert len(trace.jobs) == 1


def test_the_example_in_the_docs_is_a_valid_trace() -> None:
    text = (Path(__file__).parent.parent / "docs" / "trace-format.md").read_text(encoding="utf-8")
    blocks = [b.split("\n```", 1)[0] for b in text.split("```json\n")[1:]]
    assert len(blocks) == 1
    trace = loads(blocks[0])
    assert [t.name for t in trace.tasks] == ["main", "worker-1", "worker-2"]
    assert trace.meta["params"] == {"workers": 2, "limit": 1, "work": 1.0}


def test_numpy_values_in_a_trace_are_written_as_plain_json(
    tmp_path: Path, traces: dict[str, Trace]
) -> None:
    """A trace assembled from numpy columns may carry numpy scalars (meta, a task's
    times): they are saved as the numbers they are, and load back equal."""
    original = traces["semaphore_workers"]
    trace = copy.copy(original)
    trace.meta = {**original.meta, "workers": np.int64(6), "ratio": np.float32(0.5)}
    path = tmp_path / "numpy.json"
    save(trace, path)
    loaded = load(path)
    assert loaded.meta["workers"] == 6 and loaded.meta["ratio"] == 0.5
    _assert_same_trace(loaded, trace)


def test_the_typed_records_spell_the_schemas_names() -> None:
    """The fast path's Literal types repeat the schema's names; they must agree."""
    assert typing.get_args(fileformat._StateName) == schema.STATE_NAMES
    assert typing.get_args(fileformat._WakeName) == schema.WAKE_NAMES
