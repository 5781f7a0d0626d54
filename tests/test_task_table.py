"""The tasks as a table of columns (issue 18, ``visualizer.trace.tasks``): it reads as its
records, hands out copies, and the loader's column-wise checks of the tasks refuse what
the field-by-field ones refuse, with the same words.

Traces come from real traced runs of built-in scenarios; broken files are a real run's
file broken in one place (as in ``test_fileformat``)."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import typing
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from visualizer.model.summary import TaskSummary, summarize
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace import fileformat, schema, task_file
from visualizer.trace.data import SpanColumns, TaskColumns, TaskRecord, TaskTable, Trace
from visualizer.trace.fileformat import TraceFormatError, dumps, loads
from visualizer.trace.tasks import OUTCOMES

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def traces() -> dict[str, Trace]:
    """Runs whose tasks fail, are cancelled, and wait on one another."""
    out = {}
    for name in ("semaphore_workers", "task_exception", "cancellation", "gather_basics"):
        result = run_scenario(find(name), {}, clock="virtual")
        assert result.error is None, result.error
        out[name] = result.trace
    return out


def _odd_records() -> list[TaskRecord]:
    """Records with every rare field given, as a window that forgot history makes them."""
    return [
        TaskRecord(0, "main", "main", None, 0.0, "app.py:3", 2.0, "done"),
        TaskRecord(
            1, "w", "work", 0, 0.5, None, 1.0, "error", "ValueError: x", "Traceback ...",
            earlier=(3, 0.25, 0.5, 0.125), cancelling=2, unheld=True,
        ),
        TaskRecord(2, "c", "work", None, 0.75, "app.py:9", 1.5, "cancelled",
                   cancelled_at="app.py:12", parent_gone="gone-7"),
        TaskRecord(3, "p", "work", 1, 1.0, None),
    ]  # fmt: skip


# --- a table reads as its records -----------------------------------------------------------
def test_a_table_made_of_records_gives_them_back() -> None:
    records = _odd_records()
    table = TaskTable.of(records)
    assert list(table) == records
    assert [table[i] for i in range(len(table))] == records
    assert table[-1] == records[-1] and len(table) == 4
    assert table == records and table == TaskTable.of(copy.deepcopy(records))
    assert table != records[:3] and table != TaskTable.of(records[:3])
    assert table.parent.tolist() == [-1, 0, -1, 1]
    assert np.isnan(table.ended[3]) and table.outcome.tolist() == [1, 2, 3, 0]
    assert table.error == {1: "ValueError: x"} and table.parent_gone == {2: "gone-7"}
    with pytest.raises(IndexError):
        table[4]


def test_the_records_a_table_gives_are_copies() -> None:
    table = TaskTable.of(_odd_records())
    record = table[1]
    record.name, record.parent, record.error = "changed", None, None
    assert table[1].name == "w" and table[1].parent == 0 and table[1].error == "ValueError: x"
    with pytest.raises(ValueError, match="read-only"):
        table.created[0] = 5.0


def test_a_slice_is_records_with_their_ids_and_head_a_table_keeping_them() -> None:
    """``tasks[1:]`` was a list of records keeping their ids; callers (and tests) rely on
    it.  ``head`` is the table of the first tasks, ids and rare fields kept."""
    table = TaskTable.of(_odd_records())
    assert [t.id for t in table[1:]] == [1, 2, 3] and table[1:] == _odd_records()[1:]
    assert [t.id for t in table[::-2]] == [3, 1]
    head = table.head(2)
    assert isinstance(head, TaskTable) and list(head) == _odd_records()[:2]
    assert head.cancelled_at == {} and head.earlier == {1: (3, 0.25, 0.5, 0.125)}


def test_a_table_refuses_records_that_are_not_in_id_order() -> None:
    records = _odd_records()
    records[2] = dataclasses.replace(records[2], id=7)
    with pytest.raises(ValueError, match=r"tasks\[2\] has id 7"):
        TaskTable.of(records)
    with pytest.raises(ValueError, match="outcome"):
        TaskTable.of([dataclasses.replace(_odd_records()[0], outcome="exploded")])


def test_a_trace_given_records_holds_a_table() -> None:
    trace = Trace({"duration": 2.0}, _odd_records(), SpanColumns.empty(), [])
    assert isinstance(trace.tasks, TaskTable) and trace.columns is trace.tasks
    trace.tasks = _odd_records()[:2]  # (a list assigned later too)
    assert isinstance(trace.tasks, TaskTable) and len(trace.tasks) == 2
    assert TaskColumns.of(trace.tasks) is trace.tasks
    assert trace.task_by_name("w").error == "ValueError: x"


@pytest.mark.parametrize("scenario", ["semaphore_workers", "task_exception", "cancellation"])
def test_a_run_round_trips_through_its_file_column_for_column(
    traces: dict[str, Trace], scenario: str
) -> None:
    trace = traces[scenario]
    assert isinstance(trace.tasks, TaskTable)
    loaded = loads(dumps(trace))
    assert loaded.tasks == trace.tasks and list(loaded.tasks) == list(trace.tasks)
    # the plain-dict path (any file not well typed) reads the same table
    assert fileformat.from_json_dict(json.loads(dumps(trace))).tasks == trace.tasks


def test_what_a_run_left_of_its_tasks_is_in_the_table(traces: dict[str, Trace]) -> None:
    failed = traces["task_exception"].tasks
    errors = [t for t in failed if t.outcome == "error"]
    assert errors and all(t.error and t.traceback for t in errors)
    assert set(failed.error) == {t.id for t in errors}
    cancelled = [t for t in traces["cancellation"].tasks if t.outcome == "cancelled"]
    assert cancelled and all(t.cancelled_at and ".py:" in t.cancelled_at for t in cancelled)


def test_a_table_written_reads_back_with_its_rare_fields() -> None:
    """The records a window that forgot history writes: every rare field, through the
    typed path and the dict path alike."""
    spans = SpanColumns(
        task=np.array([0, 1, 2, 3], np.int32),
        state=np.full(4, schema.RUNNING, np.int8),
        start=np.array([0.0, 0.5, 0.75, 1.0]),
        end=np.array([2.0, 1.0, 1.5, 2.0]),
        awaiting=np.full(4, -1, np.int32),
        woken_kind=np.full(4, -1, np.int8),
        woken_task=np.full(4, -1, np.int32),
    )
    meta = {"clock": "virtual", "source": "x", "python": "", "loop": "", "duration": 2.0,
            "dropped_events": 0}  # fmt: skip
    trace = Trace(meta, _odd_records(), spans, [])
    raw = dumps(trace)
    assert loads(raw).tasks == trace.tasks
    assert fileformat.from_json_dict(json.loads(raw)).tasks == trace.tasks
    written = json.loads(raw)["tasks"]
    assert "earlier" not in written[0] and written[1]["earlier"] == [3, 0.25, 0.5, 0.125]
    assert written[1]["unheld"] is True and "unheld" not in written[0]
    assert written[0]["traceback"] is None  # (always written, as before)


# --- refusals: the column-wise checks say what the field-by-field ones say -----------------
def _set_task(i: int, field: str, value: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        doc["tasks"][i][field] = value

    return mutate


def _ended_before_created(doc: Doc) -> None:
    task = doc["tasks"][2]
    task["ended"] = task["created"] / 2


def _created_late(doc: Doc) -> None:
    task = doc["tasks"][2]
    task["created"] = (task["created"] + task["ended"]) / 2


def _no_spans(doc: Doc) -> None:
    doc["tasks"].append(dict(doc["tasks"][-1], id=len(doc["tasks"])))


REFUSED: dict[str, tuple[Callable[[Doc], None], str]] = {
    "parent after its child": (_set_task(2, "parent", 3), "tasks[2].parent: task 3 was made after"),
    "parent is itself": (_set_task(2, "parent", 2), "tasks[2].parent: task 2 was made after"),
    "negative parent": (_set_task(2, "parent", -3), "tasks[2].parent: no task -3"),
    "parent past the tasks": (_set_task(2, "parent", 99), "tasks[2].parent: no task 99"),
    "float parent": (_set_task(2, "parent", 1.0), "tasks[2].parent: must be an integer or null"),
    "id out of order": (_set_task(2, "id", 5), "tasks[2].id: must be 2"),
    "ended before created": (_ended_before_created, "tasks[2].ended: before created"),
    "ended past the run": (_set_task(2, "ended", 1e6), "tasks[2].ended: 1000000.0 is after"),
    "negative created": (_set_task(2, "created", -1.0), "tasks[2].created: negative"),
    "pending with an end": (_set_task(2, "outcome", "pending"), "tasks[2].ended: must be null"),
    "done with no end": (_set_task(2, "ended", None), "tasks[2].ended: must be null"),
    "negative cancelling": (_set_task(2, "cancelling", -1), "tasks[2].cancelling: must be a count"),
    "unheld a string": (_set_task(2, "unheld", "yes"), "tasks[2].unheld: must be true or false"),
    "earlier negative": (_set_task(2, "earlier", [1, -1.0, 0, 0]), "tasks[2].earlier: must be"),
    "earlier short": (_set_task(2, "earlier", [1, 0.5]), "tasks[2].earlier: must be"),
    "name a number": (_set_task(2, "name", 5), "tasks[2].name: must be a string"),
    "unknown outcome": (_set_task(2, "outcome", "won"), "tasks[2].outcome: must be one of"),
    "spans start after created": (_created_late, "tasks[2]: spans start at"),
    "a task with no spans": (_no_spans, "tasks[7]: has no spans"),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_a_broken_task_is_refused_naming_it_on_both_paths(
    traces: dict[str, Trace], case: str
) -> None:
    doc = json.loads(dumps(traces["semaphore_workers"]))
    assert len(doc["tasks"]) == 7
    mutate, expected = REFUSED[case]
    mutate(doc)
    raw = json.dumps(doc).encode()
    with pytest.raises(TraceFormatError) as typed:
        loads(raw)
    with pytest.raises(TraceFormatError) as plain:
        fileformat.from_json_dict(json.loads(raw))
    assert str(typed.value).startswith(expected), str(typed.value)
    assert str(typed.value) == str(plain.value)


def test_the_outcomes_are_the_schemas() -> None:
    """The table's numbers and the typed reader's Literal repeat the schema's words."""
    assert OUTCOMES == schema.OUTCOMES
    assert typing.get_args(task_file._OutcomeName) == schema.OUTCOMES


# --- the summary, by grouped sums --------------------------------------------------------
def _summary_one_task_at_a_time(trace: Trace) -> list[TaskSummary]:
    """The summary as it was computed, a pass over the spans per task."""
    spans = trace.spans
    length = spans.end - spans.start
    out = []
    for task in trace.tasks:
        mine = spans.task == task.id
        state, dur = spans.state[mine], length[mine]
        suspended = state == schema.SUSPENDED
        by_label: dict[str, float] = {}
        labels = spans.awaiting[mine][suspended].tolist()
        for sid, d in zip(labels, dur[suspended].tolist(), strict=True):
            if sid >= 0:
                label = trace.suspensions[sid].label
                by_label[label] = by_label.get(label, 0.0) + d
        out.append(
            TaskSummary(
                task.id, task.name, task.outcome,
                float(dur[state == schema.READY].sum()),
                float(dur[state == schema.RUNNING].sum()),
                float(dur[suspended].sum()),
                int(np.count_nonzero(suspended)),
                max(by_label, key=by_label.__getitem__) if by_label else None,
            )
        )  # fmt: skip
    return out


@pytest.mark.parametrize("scenario", ["semaphore_workers", "task_exception", "gather_basics"])
def test_the_summary_is_what_a_pass_per_task_gives(traces: dict[str, Trace], scenario: str) -> None:
    trace = traces[scenario]
    got, want = summarize(trace), _summary_one_task_at_a_time(trace)
    assert len(got) == len(want) == len(trace.tasks)
    for a, b in zip(got, want, strict=True):
        assert (a.id, a.name, a.outcome, a.awaits, a.waited_most_on) == (
            b.id, b.name, b.outcome, b.awaits, b.waited_most_on,
        )  # fmt: skip
        for field in ("ready", "running", "suspended"):
            assert math.isclose(getattr(a, field), getattr(b, field), abs_tol=1e-12), field


def test_the_summary_names_the_label_waited_on_longest_the_first_met_of_equals() -> None:
    """Two labels: the one with more time wins whatever the order; of equal times, the
    first met (as ``max`` over a dict in the order met did)."""
    from visualizer.trace.store import Suspension

    def trace_of(labels: list[int], lengths: list[float]) -> Trace:
        n = len(labels)
        start = np.cumsum([0.0, *lengths[:-1]])
        spans = SpanColumns(
            task=np.zeros(n, np.int32),
            state=np.full(n, schema.SUSPENDED, np.int8),
            start=start,
            end=start + np.array(lengths),
            awaiting=np.array(labels, np.int32),
            woken_kind=np.full(n, -1, np.int8),
            woken_task=np.full(n, -1, np.int32),
        )
        records = [TaskRecord(0, "t", "c", None, 0.0, None)]
        return Trace(
            {"duration": 10.0},
            records,
            spans,
            [Suspension("b", None, ()), Suspension("a", None, ())],
        )

    assert summarize(trace_of([0, 1, 1], [1.0, 0.75, 0.75]))[0].waited_most_on == "a"
    assert summarize(trace_of([0, 1], [1.0, 1.0]))[0].waited_most_on == "b"
    assert summarize(trace_of([1, 0], [1.0, 1.0]))[0].waited_most_on == "a"
    assert summarize(trace_of([-1], [1.0]))[0].waited_most_on is None


# --- resource changes, read a column at a time ----------------------------------------------
def test_resource_changes_read_by_column_are_what_the_loop_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Queue ping-pong (every change of its queues recorded): the columns checked in
    numpy are the loop's, and the loop (the fallback, which names a broken change) still
    reads the same file the same way."""
    import asyncio
    import time

    from bench.workloads import pingpong
    from visualizer.instrument.tracer import Tracer
    from visualizer.model.spans import TraceModel
    from visualizer.trace import resource_file
    from visualizer.trace.store import TraceStore

    loop = asyncio.new_event_loop()
    store = TraceStore(origin=loop.time())
    tracer = Tracer(store, time.monotonic)
    tracer.install(loop)
    loop.run_until_complete(loop.create_task(pingpong(200), context=tracer.new_context()))
    tracer.finish()
    loop.close()
    raw = dumps(TraceModel(store).snapshot())
    fast = loads(raw)
    assert len(fast.resource_changes) >= 800
    columns = json.loads(raw)["resource_changes"]
    direct = resource_file._typed(columns)
    assert direct is not None and direct == fast.resource_changes  # (the fast path read it)
    assert resource_file._all_sane(direct, fast.resources, len(fast.tasks), fast.duration)
    monkeypatch.setattr(resource_file, "_typed", lambda *args: None)
    assert loads(raw).resource_changes == fast.resource_changes
