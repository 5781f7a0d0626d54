"""The live stream (docs/stream-format.md): what a traced program sends, read back exactly,
and a malformed or hostile stream refused with a clear message (fuzzed)."""

from __future__ import annotations

import math
import random
import struct
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest
from tracehelp import streamed

from visualizer.model.files import load_any, load_stream
from visualizer.model.spans import TraceModel
from visualizer.session.runner import Recorder, run_scenario
from visualizer.session.scenarios import find
from visualizer.session.streaming import Streamer
from visualizer.trace import schema
from visualizer.trace.batches import BatchMaker
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import TraceFormatError
from visualizer.trace.mirror import StreamMirror
from visualizer.trace.store import TraceStore
from visualizer.trace.wire import (
    MAGIC,
    MAX_FRAME,
    Batch,
    End,
    FrameDecoder,
    Hello,
    JobRow,
    NameRows,
    StepRows,
    StreamFormatError,
    TaskRows,
    frame,
)


def replay(data: bytes, chunk: int = 4096) -> tuple[StreamMirror, FrameDecoder]:
    decoder = FrameDecoder()
    mirror: StreamMirror | None = None
    for i in range(0, len(data), chunk):
        for message in decoder.feed(data[i : i + chunk]):
            if isinstance(message, Hello):
                mirror = StreamMirror(message)
            else:
                assert mirror is not None
                mirror.apply(message)
    assert mirror is not None
    return mirror, decoder


def assert_same_trace(a: Trace, b: Trace) -> None:
    assert [(t.name, t.coro, t.parent, t.outcome, t.error) for t in a.tasks] == [
        (t.name, t.coro, t.parent, t.outcome, t.error) for t in b.tasks
    ]
    for name in ("task", "state", "start", "end", "awaiting", "woken_kind", "woken_task"):
        assert np.array_equal(getattr(a.spans, name), getattr(b.spans, name)), name
    assert a.suspensions == b.suspensions
    assert a.jobs == b.jobs
    assert a.blocked == b.blocked
    assert a.marks == b.marks
    assert a.resources == b.resources
    assert a.resource_changes == b.resource_changes
    assert a.duration == b.duration


@pytest.mark.parametrize(
    "scenario",
    ["semaphore_workers", "executor_jobs", "cancellation", "exception_never_retrieved"],
)
def test_a_streamed_run_reads_back_as_the_recorded_trace(scenario: str) -> None:
    """Jobs, marks, warnings, errors, names: the window's copy is the recording, exactly."""
    result, data = streamed(scenario)
    mirror, decoder = replay(data)
    assert bool(result.trace.resources) == (scenario == "semaphore_workers")  # (issue 15)
    # (how many batches the streamer made while the loop ran depends on the machine's
    # load; at least the last one, with the End after it)
    assert decoder.ended and mirror.end is not None and mirror.batches >= 1
    assert_same_trace(TraceModel(mirror.store).snapshot(), result.trace)


def test_the_same_stream_in_any_chunks_gives_the_same_trace() -> None:
    result, data = streamed("gather_basics")
    for chunk in (1, 7, 1 << 20):
        mirror, _ = replay(data, chunk)
        assert_same_trace(TraceModel(mirror.store).snapshot(), result.trace)


def test_a_saved_stream_opens_as_a_trace(tmp_path: Path) -> None:
    result, data = streamed("queue_backpressure")
    path = tmp_path / "run.avzs"
    path.write_bytes(data)
    opened = load_any(path)
    assert_same_trace(opened, result.trace)
    assert opened.meta["stream"] == {
        "ended": True,
        "batches": opened.meta["stream"]["batches"],
        "cut_off": False,
    }


def test_a_stream_cut_off_mid_frame_opens_with_what_it_holds(tmp_path: Path) -> None:
    """The program was killed while the stream was saved: what came is kept."""
    result, data = streamed("gather_basics", period=0.01, clock="real")
    # up to the middle of the frame that holds the tasks' ends
    decoder, ends = FrameDecoder(), []
    for i in range(len(data)):
        if any(isinstance(m, Batch) and m.steps for m in decoder.feed(data[i : i + 1])):
            ends.append(i + 1)
    cut = ends[-1] - 10
    path = tmp_path / "cut.avzs"
    path.write_bytes(data[:cut])
    opened = load_stream(path)
    assert opened.meta["stream"]["ended"] is False
    assert opened.meta["stream"]["cut_off"] is True
    assert 0 < len(opened.spans) < len(result.trace.spans) + len(result.trace.tasks)
    # every task it knows of is one of the run's, named as in the run
    names = [t.name for t in result.trace.tasks]
    assert [t.name for t in opened.tasks] == names[: len(opened.tasks)]


def test_heartbeats_and_a_step_that_holds_the_loop() -> None:
    """An empty store still sends a batch each time (the program is alive)."""
    store = TraceStore(origin=10.0)
    maker = BatchMaker(store)
    hello = maker.hello(pid=7, argv=["prog.py"])
    mirror = StreamMirror(hello)
    beat = maker.batch(12.5, running=-1)
    assert beat.steps is None and beat.tasks is None and beat.seq == 0
    mirror.apply(beat)
    assert mirror.now == 12.5


# --- refusing bad streams ------------------------------------------------------------------------
def _good() -> bytes:
    return streamed("gather_basics")[1]


def _frames(*messages: Any) -> bytes:
    return MAGIC + b"".join(frame(m) for m in messages)


HELLO = Hello(version=1, origin=0.0, clock="real", source="x")


def _rows(first: int, kind: str, *columns: list[Any]) -> Any:
    dtypes = {"tasks": ("<i4", "<f8", "<i4", "<i4"), "steps": ("<i4", "<f8", "<f4", "<i4")}
    data = [np.array(c, d).tobytes() for c, d in zip(columns, dtypes[kind], strict=True)]
    return TaskRows(first, *data) if kind == "tasks" else StepRows(first, *data)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"PK\x03\x04 not a stream", "not an asyncviz stream"),
        (b"ASYNCVZ\x02", "framing version 2"),
        (MAGIC + struct.pack(">I", MAX_FRAME + 1), "a frame of"),
        (MAGIC + struct.pack(">I", 3) + b"\xc1\xc1\xc1", "malformed message"),
        (_frames(Batch(seq=0, now=0.0)), "does not begin with a hello"),
        (_frames(Hello(version=9, origin=0.0, clock="real", source="x")), "stream version 9"),
        (_frames(HELLO, HELLO), "a second hello"),
        (_frames(HELLO, Batch(seq=1, now=0.0)), "batch 1 where batch 0 was due"),
        (_frames(HELLO, End(1.0), Batch(seq=0, now=0.0)), "after the stream's end"),
    ],
)
def test_a_bad_stream_is_refused_with_its_reason(data: bytes, says: str) -> None:
    decoder = FrameDecoder()
    with pytest.raises(StreamFormatError, match=says):
        decoder.feed(data)
    with pytest.raises(StreamFormatError):  # (and everything after it)
        decoder.feed(_good())


def _apply(*batches: Batch) -> StreamMirror:
    mirror = StreamMirror(HELLO)
    for batch in batches:
        mirror.apply(batch)
    return mirror


STRINGS = Batch(seq=0, now=0.0, strings=["main"])


def _names(task: list[int], name: list[int]) -> NameRows:
    return NameRows(np.array(task, "<i4").tobytes(), np.array(name, "<i4").tobytes())


TASK = _rows(0, "tasks", [-1], [0.0], [0], [-1])


@pytest.mark.parametrize(
    ("batch", "says"),
    [
        (Batch(seq=1, now=math.nan), "now is not a finite number"),
        (Batch(seq=1, now=0.0, tasks=_rows(0, "tasks", [-1], [0.0], [5], [-1])), "coro: 5"),
        (Batch(seq=1, now=0.0, tasks=_rows(0, "tasks", [3], [0.0], [0], [-1])), "parent"),
        (Batch(seq=1, now=0.0, tasks=_rows(2, "tasks", [-1], [0.0], [0], [-1])), "from 2"),
        (Batch(seq=1, now=0.0, tasks=_rows(0, "tasks", [-1], [math.inf], [0], [-1])), "finite"),
        (Batch(seq=1, now=0.0, tasks=TaskRows(0, b"\0\0\0", b"", b"", b"")), "whole number"),
        (Batch(seq=1, now=0.0, steps=_rows(0, "steps", [0], [0.0], [0.1], [-1])), "task: 0"),
        (
            Batch(seq=1, now=0.0, tasks=TASK, steps=_rows(0, "steps", [0], [0.0], [0.1], [4])),
            "code: 4",
        ),
        (
            Batch(seq=1, now=0.0, tasks=TASK, steps=_rows(0, "steps", [0], [0.0], [-1.0], [-1])),
            "negative duration",
        ),
        (
            Batch(seq=1, now=0.0, tasks=TASK, steps=_rows(5, "steps", [0], [0.0], [0.1], [-1])),
            "rows are missing",
        ),
        (Batch(seq=1, now=0.0, names=_names([0], [0])), "names.task: 0 is out of range"),
        (Batch(seq=1, now=0.0, tasks=TASK, names=_names([0], [9])), "names.name: 9"),
        (Batch(seq=1, now=0.0, tasks=TASK, names=NameRows(b"\0\0\0\0", b"")), "names.name"),
        (
            Batch(seq=1, now=0.0, marks_first=3, marks=[(0.0, -1, "x", "note", "")]),
            "do not continue",
        ),
        (Batch(seq=1, now=0.0, marks=[(0.0, 4, "x", "note", "")]), "malformed"),
        (Batch(seq=1, now=0.0, running=2), "running task 2"),
        (  # (a job that ends before it starts, or starts before it was submitted)
            Batch(seq=1, now=2.0, jobs=[JobRow(0, "f", -1, 0.0, "t", 1.7, 0.2, None)]),
            "job 0 is malformed",
        ),
        (
            Batch(seq=1, now=2.0, jobs=[JobRow(0, "f", -1, 0.5, "t", 0.2, math.nan, None)]),
            "job 0 is malformed",
        ),
        (Batch(seq=1, now=2.0, blocked=[(-1, 1.0, 0.5, "x")]), "a blocked step is malformed"),
        (Batch(seq=1, now=0.0, strings_first=7, strings=["x"]), "strings from 7"),
    ],
)
def test_a_batch_that_says_something_impossible_is_refused_and_changes_nothing(
    batch: Batch, says: str
) -> None:
    mirror = _apply(STRINGS)
    before = (mirror.store.task_count, len(mirror.store.step_task), len(mirror.store.strings))
    with pytest.raises(StreamFormatError, match=says):
        mirror.apply(batch)
    after = (mirror.store.task_count, len(mirror.store.step_task), len(mirror.store.strings))
    assert after == before


def test_fuzzed_streams_are_refused_cleanly_or_read_and_never_break_the_model() -> None:
    """Random damage to a real stream: the reader raises StreamFormatError or reads it;
    either way the model derives a trace from what was accepted, and never crashes."""
    good = _good()
    rng = random.Random(12)
    refused = read = 0
    for _ in range(400):
        data = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            action = rng.random()
            at = rng.randrange(len(data))
            if action < 0.6:
                data[at] = rng.randrange(256)
            elif action < 0.8:
                del data[at : at + rng.randint(1, 40)]
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 40))
        decoder = FrameDecoder()
        mirror: StreamMirror | None = None
        try:
            for message in decoder.feed(bytes(data)):
                if isinstance(message, Hello):
                    mirror = StreamMirror(message)
                elif mirror is not None:
                    mirror.apply(message)
            read += 1
        except StreamFormatError:
            refused += 1
        if mirror is not None:
            mirror.finish()
            trace = TraceModel(mirror.store).snapshot()
            # (a task made after the run's end, as the damaged stream says, is not shown)
            assert len(trace.tasks) <= mirror.store.task_count
            assert (trace.spans.task < len(trace.tasks)).all()
    assert refused > 100  # (most damage is caught; some lands in a string or a time)


def test_typed_garbage_in_every_field_is_refused() -> None:
    """Well-framed MessagePack of the wrong shape: a clear message, never a crash."""
    rng = random.Random(3)
    values: list[Any] = [None, True, -1, 2**40, 1.5, "x", b"\x00", [], {}, [1, "a"], {"a": 1}]
    fields = [f for f in Batch.__struct_fields__ if f != "seq"]
    for _ in range(300):
        body: dict[str, Any] = {"kind": "batch", "seq": 0, "now": 0.0}
        for name in rng.sample(fields, 3):
            body[name] = rng.choice(values)
        data = _frames(HELLO) + frame_raw(body)
        decoder = FrameDecoder()
        try:
            messages = decoder.feed(data)
            mirror = StreamMirror(messages[0])  # type: ignore[arg-type]
            for message in messages[1:]:
                mirror.apply(message)  # type: ignore[arg-type]
        except StreamFormatError:
            pass


def frame_raw(body: dict[str, Any]) -> bytes:
    data = msgspec.msgpack.encode(body)
    return struct.pack(">I", len(data)) + data


def test_a_trace_file_that_is_not_a_stream_opens_as_before(tmp_path: Path) -> None:
    path = tmp_path / "nothing.avzs"
    path.write_bytes(MAGIC)
    with pytest.raises(TraceFormatError, match="no hello"):
        load_any(path)
    assert schema.SCHEMA_VERSION == 1


def test_a_run_cannot_end_or_fill_up_before_the_rows_it_holds() -> None:
    """A lane for every task with spans: the model cuts the run at its end and at the
    moment the store filled, so neither may come before a step or a wake the stream already
    sent (a task made later than the end has no spans: the model leaves it out)."""
    mirror = _apply(
        STRINGS,
        Batch(
            seq=1,
            now=5.0,
            tasks=_rows(0, "tasks", [-1], [1.0], [0], [-1]),
            steps=_rows(0, "steps", [0], [3.5], [0.5], [-1]),
        ),
    )
    with pytest.raises(StreamFormatError, match="before its last recorded moment"):
        mirror.apply(End(finished_at=3.0))
    with pytest.raises(StreamFormatError, match="after the store was full"):
        mirror.apply(Batch(seq=2, now=5.0, truncated_at=2.0))
    mirror.apply(End(finished_at=4.5))
    assert mirror.store.finished_at == 4.5


def test_a_run_ends_after_every_row_it_holds_not_only_its_steps() -> None:
    """A job, a blocked step, a mark later than the last step: the run ends after them
    (a fuzzed stream's job started at 1.7 s of a run said to end at 0.2 s: the chart had
    a bar past its end), and an End before them is refused."""
    mirror = _apply(
        STRINGS,
        Batch(
            seq=1,
            now=0.2,
            tasks=_rows(0, "tasks", [-1], [0.0], [0], [-1]),
            steps=_rows(0, "steps", [0], [0.1], [0.1], [-1]),
            jobs=[JobRow(0, "f", 0, 0.1, "t", 1.7, math.nan, None)],
            blocked=[(0, 0.1, 0.9, "x")],
            marks=[(1.2, 0, "late", "note", "")],
        ),
    )
    assert mirror.now == 1.7
    with pytest.raises(StreamFormatError, match="before its last recorded moment"):
        mirror.apply(End(finished_at=0.2))
    mirror.finish()
    assert mirror.store.finished_at == 1.7


def test_what_a_stream_says_may_not_break_the_picture() -> None:
    """Well-formed batches that say impossible things (a reviewer's cases): refused, or
    made harmless, never an error in the model or the chart later."""
    made = Batch(seq=1, now=1.0, tasks=_rows(0, "tasks", [-1], [0.5], [0], [-1]))
    # a step before its task was made
    mirror = _apply(STRINGS, made)
    with pytest.raises(StreamFormatError, match="before its task was made"):
        mirror.apply(Batch(seq=2, now=1.0, steps=_rows(0, "steps", [0], [0.1], [0.1], [-1])))
    # a step after the step that ended the task (in the same batch, or a later one)
    two = _rows(0, "steps", [0, 0], [0.6, 0.8], [0.1, 0.1], [schema.END_DONE, -1])
    with pytest.raises(StreamFormatError, match="a task that had ended"):
        mirror.apply(Batch(seq=2, now=1.0, steps=two))
    mirror.apply(
        Batch(seq=2, now=1.0, steps=_rows(0, "steps", [0], [0.6], [0.1], [schema.END_DONE]))
    )
    with pytest.raises(StreamFormatError, match="a task that had ended"):
        mirror.apply(Batch(seq=3, now=1.0, steps=_rows(1, "steps", [0], [0.8], [0.1], [-1])))
    # extras that would replace the trace's own meta; an unknown step start
    mirror.apply(
        Batch(
            seq=3,
            now=1.0,
            extra={"duration": "abc", "dropped_x": -1, "dropped_y": 2},
            running=0,
            running_since=math.nan,
        )
    )
    assert mirror.running == -1 and mirror.running_since is None
    trace = TraceModel(mirror.store).snapshot()
    assert isinstance(trace.duration, float) and trace.meta["dropped_y"] == 2
    assert "dropped_x" not in trace.meta
    hostile = Hello(
        version=1,
        origin=0.0,
        clock="real",
        source="x",
        extra={"duration": "abc", "dropped_events": "lots", "params": {"n": 1}},
    )
    kept = StreamMirror(hostile)
    assert TraceModel(kept.store).snapshot().meta["params"] == {"n": 1}
    assert isinstance(TraceModel(kept.store).snapshot().duration, float)


def test_a_run_cut_off_ends_after_every_row_it_holds() -> None:
    """The stream broke off: the run ends at the last batch's now, but never before a row
    of that batch (the model cuts the run there: a task would lose its lane)."""
    mirror = _apply(
        STRINGS,
        Batch(
            seq=1,
            now=0.5,
            tasks=_rows(0, "tasks", [-1], [0.4], [0], [-1]),
            steps=_rows(0, "steps", [0], [0.6], [0.2], [-1]),
        ),
    )
    mirror.finish()
    assert mirror.store.finished_at == pytest.approx(0.8)
    trace = TraceModel(mirror.store).snapshot()
    assert len(trace.tasks) == 1 and (trace.spans.task == 0).all()


def test_a_full_store_still_streams_the_tasks_made_after() -> None:
    """The program's store is full: its steps are dropped, but its tasks are still made
    (and sent); those are not rows 'after the store was full'."""
    mirror = _apply(
        STRINGS,
        Batch(
            seq=1,
            now=1.0,
            tasks=_rows(0, "tasks", [-1], [0.1], [0], [-1]),
            steps=_rows(0, "steps", [0], [0.1], [0.1], [-1]),
            truncated_at=0.3,
            dropped=5,
        ),
    )
    mirror.apply(Batch(seq=2, now=2.0, tasks=_rows(1, "tasks", [0], [1.5], [0], [-1]), dropped=9))
    trace = TraceModel(mirror.store).snapshot()
    assert trace.meta["dropped_events"] == 9
    assert len(trace.tasks) == 1  # (the task made after the cut is not in the run shown)


@pytest.mark.parametrize("scenario", ["semaphore_workers", "cancellation", "gather_basics"])
def test_a_program_lets_go_of_the_rows_it_sent_and_the_window_has_them_all(
    scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over a fixed connection the program keeps only the rows not sent yet (a service
    runs for hours): the window's copy is still the whole run, exactly."""
    from visualizer.session import streaming

    monkeypatch.setattr(streaming, "LET_GO_ROWS", 5)
    stores: list[TraceStore] = []
    sent: list[bytes] = []

    def started(recorder: Recorder) -> None:
        stores.append(recorder.store)
        streamer = Streamer(
            recorder.store,
            recorder.tracer,
            sent.append,
            clock=recorder.clock.time,
            period=0.0005,
            let_go=True,
        )
        streamer.start()
        started_streamers.append(streamer)

    started_streamers: list[Streamer] = []
    result = run_scenario(find(scenario), {}, clock="virtual", started=started, snapshot=False)
    (streamer,) = started_streamers
    streamer.close(exit_code=result.exit_code)
    (store,) = stores
    mirror, _ = replay(b"".join(sent))
    # the program let go of rows (how many depends on how the batches fell)...
    assert store.steps_forgotten + store.wakes_forgotten > 0
    assert store.steps_recorded == mirror.store.steps_recorded
    # ... and the window has every one: the same run recorded without a stream, span for
    # span (its times differ by the steps' own cost, on the virtual clock)
    alone = run_scenario(find(scenario), {}, clock="virtual").trace
    window = TraceModel(mirror.store).snapshot()
    assert [(t.name, t.parent, t.outcome) for t in window.tasks] == [
        (t.name, t.parent, t.outcome) for t in alone.tasks
    ]
    for name in ("task", "state", "awaiting", "woken_kind", "woken_task"):
        assert np.array_equal(getattr(window.spans, name), getattr(alone.spans, name)), name


def test_names_are_gathered_alike_from_dense_and_sparse_ids() -> None:
    """The batch maker reads the names of the tasks not named yet: a copy of the rows
    they span when they are close together, one by one when far apart."""
    from array import array

    from visualizer.trace.batches import _gather

    column = array("i", range(100, 1100))
    for ids in ([], [5], [0, 1, 2, 3], list(range(0, 1000, 3)), [0, 500, 999], [7, 998]):
        wanted = np.array(ids, np.int64)
        assert _gather(column, wanted).tolist() == [column[i] for i in ids]
    column.append(7)  # (no view of its buffer was left behind)


def test_a_tasks_steps_come_one_after_another() -> None:
    """A step that begins before the task's previous step ended (a clock read out of
    order, or a hostile program) would draw a span that ends before it begins: refused,
    within a batch and across batches; steps that follow each other are taken."""
    two = _rows(0, "steps", [0, 0], [1.0, 1.2], [0.5, 0.1], [-1, -1])
    with pytest.raises(StreamFormatError, match="before the task's previous one ended"):
        _apply(STRINGS, Batch(seq=1, now=5.0, tasks=TASK, steps=two))
    mirror = _apply(
        STRINGS,
        Batch(seq=1, now=5.0, tasks=TASK, steps=_rows(0, "steps", [0], [1.0], [0.5], [-1])),
    )
    with pytest.raises(StreamFormatError, match="before the task's previous one ended"):
        mirror.apply(Batch(seq=2, now=5.0, steps=_rows(1, "steps", [0], [1.2], [0.1], [-1])))
    # a long step's float32 duration rounds: the next step right after it is taken
    long = _rows(1, "steps", [0], [2.0], [1000.000001], [-1])
    mirror.apply(Batch(seq=2, now=1003.0, steps=long))
    mirror.apply(Batch(seq=3, now=1003.0, steps=_rows(2, "steps", [0], [1002.000001], [0.1], [-1])))
    assert len(mirror.store.step_task) == 3


def test_a_batch_whose_clock_reads_before_its_rows_does_not_cut_them() -> None:
    """The chart ends at the program's clock as last read (``now``): a batch saying it
    read its clock before its own rows would end the chart before them."""
    mirror = _apply(
        STRINGS,
        Batch(
            seq=1,
            now=0.5,
            tasks=_rows(0, "tasks", [-1], [1.0], [0], [-1]),
            steps=_rows(0, "steps", [0], [3.5], [0.5], [-1]),
        ),
    )
    assert mirror.now >= 4.0


def test_a_task_ends_facts_are_read_once_each_and_wait_for_their_task() -> None:
    """What a task's end showed (``store.task_end``) goes in the batch after it came, each
    once, read from where the last batch stopped; one whose task is not sent yet waits
    for it."""
    store = TraceStore(origin=0.0)
    maker = BatchMaker(store)
    maker.hello(pid=7, argv=["prog.py"])
    coro = store.intern("work")
    first = store.add_task(-1, 0.0, coro, -1)
    store.note_end(first, 0, True)
    sent = maker.batch(1.0, running=-1)
    assert sent.ends == [(first, 0, True)]
    assert maker.batch(1.1, running=-1).ends == []  # (read once)
    # a task's end noted before the task itself is sent (its row not in a batch yet)
    later = store.add_task(-1, 1.2, coro, -1)
    store.note_end(later + 1, 2, False)  # (a task not even made yet: waits)
    store.note_end(later, 1, False)
    assert maker.batch(1.3, running=-1).ends == [(later, 1, False)]
    beyond = store.add_task(-1, 1.4, coro, -1)
    assert beyond == later + 1
    assert maker.batch(1.5, running=-1).ends == [(beyond, 2, False)]
