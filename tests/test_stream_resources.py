"""Resources in the live stream (issue 15, point 2): a program in a process of its own
sends its queues, locks, semaphores ... and every change of their state, and the window's
copy is the recording's, exactly; a batch that says something impossible about them is
refused, and a window that forgets old history forgets their old changes as it does the
rest.  Every comparison is of order and structure, or of times on the ideal clock (the
same to the last bit in every run): nothing here depends on the machine's load."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest
from tracehelp import streamed

from visualizer.model.spans import TraceModel
from visualizer.session.process import ChildRun
from visualizer.session.receiver import StreamReceiver
from visualizer.session.runner import Recorder, record_script
from visualizer.session.scenarios import read_scenario
from visualizer.session.streaming import Streamer
from visualizer.trace import batches, wire
from visualizer.trace import resources as res
from visualizer.trace.batches import BatchMaker
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import load
from visualizer.trace.mirror import StreamMirror
from visualizer.trace.store import TraceStore
from visualizer.trace.wire import (
    Batch,
    ChangeRows,
    FrameDecoder,
    Hello,
    ResourceRows,
    StreamFormatError,
    TaskRows,
    frame,
)

#: a producer and two consumers through a Queue(maxsize=2); each item is worked on under
#: a Semaphore(1) and logged under a Lock
PROGRAM = textwrap.dedent(
    """
    import asyncio


    async def producer(q, n):
        for i in range(n):
            await q.put(i)
        for _ in range(2):
            await q.put(None)


    async def consumer(q, lock, sem, log):
        while (item := await q.get()) is not None:
            async with sem:
                await asyncio.sleep(0.01)
            async with lock:
                log.append(item)
                await asyncio.sleep(0.005)
            q.task_done()
        q.task_done()


    async def main():
        q = asyncio.Queue(maxsize=2)
        lock = asyncio.Lock()
        sem = asyncio.Semaphore(1)
        log = []
        await asyncio.gather(
            asyncio.create_task(producer(q, 8), name="producer"),
            asyncio.create_task(consumer(q, lock, sem, log), name="consumer-a"),
            asyncio.create_task(consumer(q, lock, sem, log), name="consumer-b"),
        )
        await q.join()


    if __name__ == "__main__":
        asyncio.run(main())
    """
)


def _child(path: Path, clock: str = "ideal") -> Trace:
    """The program run in a process of its own, as the window runs it: what it streamed."""

    async def go() -> Trace:
        run = ChildRun(path, (), clock=clock)  # type: ignore[arg-type]
        await run.start()
        outcome = await run.wait()
        assert outcome.error is None and outcome.returncode == 0, outcome.traceback
        return outcome.trace

    import asyncio

    return asyncio.run(go())


def _changes_by_name(trace: Trace) -> list[tuple[object, ...]]:
    """Every change as plain values, its task and a lock's holder by name."""
    names = {t.id: t.name for t in trace.tasks}
    kinds = [r.kind for r in trace.resources]
    c = trace.resource_changes
    out = []
    for rid, t, task, op, value, detail in zip(
        c.resource.tolist(),
        c.t.tolist(),
        c.task.tolist(),
        c.op.tolist(),
        c.value.tolist(),
        c.detail.tolist(),
        strict=True,
    ):
        held = kinds[rid] in ("Lock", "Condition") and res.OPS[op] in ("acquire", "release")
        shown: object = names.get(value) if held else value
        out.append((trace.resources[rid].name, t, names.get(task), res.OPS[op], shown, detail))
    return out


def test_a_child_process_streams_the_resources_record_writes_to_its_file(tmp_path: Path) -> None:
    """``asyncviz record`` (a file) and the window's own process (a stream): the same
    resources and the same changes, field for field, at the same ideal times."""
    path = tmp_path / "prog.py"
    path.write_text(PROGRAM, encoding="utf-8")
    out = tmp_path / "recorded.json"
    record = [sys.executable, "-m", "visualizer", "record", "--clock", "ideal"]
    subprocess.run([*record, "--trace", str(out), str(path)], check=True, capture_output=True)
    recorded = load(out)
    streamed = _child(path)

    line = PROGRAM.splitlines().index("    q = asyncio.Queue(maxsize=2)") + 1
    assert [(r.id, r.kind, r.name, r.capacity, r.task, r.site) for r in streamed.resources] == [
        (0, "Queue", "q", 2, 0, f"{path}:{line}"),
        (1, "Lock", "lock", None, 0, f"{path}:{line + 1}"),
        (2, "Semaphore", "sem", 1, 0, f"{path}:{line + 2}"),
    ]
    assert streamed.resources == recorded.resources  # (times too: the ideal clock's)
    assert streamed.resource_changes == recorded.resource_changes
    assert [t.name for t in streamed.tasks] == [t.name for t in recorded.tasks]
    # what was sent is what the program did: the queue never held more than 2, each of
    # the 10 items was put and got, the lock held by each consumer in turn
    changes = _changes_by_name(streamed)
    queue = [c for c in changes if c[0] == "q" and c[3] != "wait"]
    assert [c[3] for c in queue].count("put") == 10 == [c[3] for c in queue].count("get")
    assert max(c[4] for c in queue if isinstance(c[4], int)) == 2
    assert ("q", "producer", "wait", 1) in {(c[0], c[2], c[3], c[5]) for c in changes}
    lock = [(c[2], c[3], c[4]) for c in changes if c[0] == "lock" and c[3] != "wait"]
    assert lock and all(
        (op, holder) == (("acquire", task) if i % 2 == 0 else ("release", None))
        for i, (task, op, holder) in enumerate(lock)
    )
    assert {task for task, _, _ in lock} == {"consumer-a", "consumer-b"}
    sem = [(c[3], c[4]) for c in changes if c[0] == "sem" and c[3] != "wait"]
    assert sem[:2] == [("acquire", 0), ("release", 1)]


def test_a_program_that_makes_no_resources_sends_no_word_of_them(tmp_path: Path) -> None:
    """No resources, no changes: not even an empty field in a frame."""
    result, data = streamed("gather_basics")
    assert result.trace is not None and not result.trace.resources
    keys: set[str] = set()
    for body in _bodies(data):
        keys |= set(msgspec.msgpack.decode(body))
    assert "seq" in keys and "tasks" in keys
    assert not {"resources", "resource_changes"} & keys


def _bodies(data: bytes) -> list[bytes]:
    """The frames' bodies of a stream (past its magic)."""
    out, at = [], len(wire.MAGIC)
    while at < len(data):
        n = int.from_bytes(data[at : at + 4], "big")
        out.append(data[at + 4 : at + 4 + n])
        at += 4 + n
    return out


def _streamed(script: Path, **streamer: Any) -> tuple[bytes, TraceStore]:
    """``script`` run in this process on the ideal clock with a streamer beside it: what
    it sent, and the program's store (which may have let go of what it sent)."""
    sent: list[bytes] = []
    streamers: list[Streamer] = []
    stores: list[TraceStore] = []

    def started(recorder: Recorder) -> None:
        stores.append(recorder.store)
        s = Streamer(
            recorder.store,
            recorder.tracer,
            sent.append,
            clock=recorder.clock.time,
            period=0.0005,
            **streamer,
        )
        s.start()
        streamers.append(s)

    result = record_script(script, clock="ideal", started=started, snapshot=False)
    streamers[0].close(exit_code=result.exit_code)
    return b"".join(sent), stores[0]


def _replay(data: bytes) -> StreamMirror:
    decoder, mirror = FrameDecoder(), None
    for message in decoder.feed(data):
        if isinstance(message, Hello):
            mirror = StreamMirror(message)
        else:
            assert mirror is not None
            mirror.apply(message)
    assert mirror is not None and mirror.end is not None
    return mirror


def test_resources_come_in_small_batches_and_the_program_lets_go_of_changes_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three rows of a table per batch at most (the rest in the batches right after),
    and the program lets go of the changes it sent (a service runs for hours): the
    window still has every one."""
    from visualizer.session import streaming

    monkeypatch.setattr(batches, "BATCH_ROWS", 3)
    monkeypatch.setattr(streaming, "LET_GO_ROWS", 5)
    path = tmp_path / "prog.py"
    path.write_text(PROGRAM, encoding="utf-8")
    alone = record_script(path, clock="ideal").trace
    assert alone is not None
    data, store = _streamed(path, let_go=True)
    mirror = _replay(data)
    sent = [m for m in FrameDecoder().feed(data) if isinstance(m, Batch)]
    with_changes = [b.resource_changes for b in sent if b.resource_changes is not None]
    assert len(with_changes) >= len(alone.resource_changes) // 3
    assert all(len(rows.resource) <= 3 * 4 for rows in with_changes)
    assert store.resources.changes_forgotten > 0  # (the program let go of some)
    window = TraceModel(mirror.store).snapshot()
    assert window.resources == alone.resources
    assert window.resource_changes == alone.resource_changes


# --- the batch maker: rows wait for the tasks they name ------------------------------------
def test_a_resource_or_change_that_names_a_task_not_sent_yet_waits_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(batches, "BATCH_ROWS", 1)  # (one task per batch)
    store = TraceStore(origin=0.0)
    coro = store.intern("main")
    for _ in range(3):
        store.add_task(-1, 0.0, coro, -1)
    table = store.resources
    name = store.add_string("lock")
    table.add(res.LOCK, 0.1, 0, -1, name, -1)  # (made by task 0)
    table.add(res.KIND_CODE["Queue"], 0.1, 2, -1, store.add_string("q"), 5)  # (by task 2)
    table.change(0, 0.2, 0, res.ACQUIRE, 0, 1)
    table.change(0, 0.3, -1, res.RELEASE, 2, 1)  # (a holder not sent yet: task 2)
    maker = BatchMaker(store)
    mirror = StreamMirror(maker.hello())
    made: list[Batch] = []
    while not made or maker.behind:
        made.append(maker.batch(1.0))
        mirror.apply(made[-1])
    first = made[0]
    assert first.resources is not None and first.resources.first == 0
    assert np.frombuffer(first.resources.kind, np.int8).tolist() == [res.LOCK]
    assert first.resource_changes is not None
    assert np.frombuffer(first.resource_changes.t, "<f8").tolist() == [0.2]
    assert made[1].resource_changes is None and made[1].resources is None  # (task 2 not sent)
    assert made[2].tasks is not None and made[2].tasks.first == 2
    assert made[2].resources is not None and made[2].resources.first == 1
    assert made[2].resource_changes is not None and made[2].resource_changes.first == 1
    assert len(mirror.store.resources) == 2 and len(mirror.store.resources.c_res) == 2


def test_an_older_window_reads_a_stream_with_resources_as_before() -> None:
    """The new fields are an optional part of version 1: a reader whose ``Batch`` does not
    know them decodes the batch as it always did."""
    fields = [
        (f.encode_name, f.type, msgspec.field(default_factory=f.default_factory))
        if f.default_factory is not msgspec.NODEFAULT
        else (f.encode_name, f.type, f.default)
        if f.default is not msgspec.NODEFAULT
        else (f.encode_name, f.type)
        for f in msgspec.structs.fields(Batch)
        if f.name not in ("resources", "resource_changes")
    ]
    older = msgspec.defstruct("Batch", fields, tag_field="kind", tag="batch")
    batch = Batch(seq=0, now=1.0, strings=["x"], resources=_resources(0, [0], [0.5], [-1]))
    old = msgspec.msgpack.decode(frame(batch)[4:], type=older)
    assert (old.seq, old.now, old.strings) == (0, 1.0, ["x"])
    assert not hasattr(old, "resources")


# --- refusing what cannot be ---------------------------------------------------------------
HELLO = Hello(version=1, origin=0.0, clock="virtual", source="x")
TASKS = TaskRows(
    0,
    np.array([-1, 0], "<i4").tobytes(),
    np.array([0.0, 0.0], "<f8").tobytes(),
    np.array([0, 0], "<i4").tobytes(),
    np.array([-1, -1], "<i4").tobytes(),
)
#: the strings ``main``, ``q``, ``lock``, ``ev``, ``sem``; tasks 0 and 1
START = Batch(seq=0, now=0.0, strings=["main", "q", "lock", "ev", "sem"], tasks=TASKS)
Q, LOCK, EV, BSEM = res.KIND_CODE["Queue"], res.LOCK, res.EVENT, res.KIND_CODE["BoundedSemaphore"]


def _resources(
    first: int,
    kind: list[int],
    created: list[float],
    task: list[int],
    site: list[int] | None = None,
    name: list[int] | None = None,
    capacity: list[int] | None = None,
) -> ResourceRows:
    n = len(kind)
    return ResourceRows(
        first,
        np.array(kind, "<i1").tobytes(),
        np.array(created, "<f8").tobytes(),
        np.array(task, "<i4").tobytes(),
        np.array(site if site is not None else [-1] * n, "<i4").tobytes(),
        np.array(name if name is not None else [1] * n, "<i4").tobytes(),
        np.array(capacity if capacity is not None else [-1] * n, "<i8").tobytes(),
    )


def _changes(
    first: int,
    rid: list[int],
    t: list[float],
    task: list[int],
    op: list[int],
    value: list[int],
    detail: list[int] | None = None,
) -> ChangeRows:
    return ChangeRows(
        first,
        np.array(rid, "<i4").tobytes(),
        np.array(t, "<f8").tobytes(),
        np.array(task, "<i4").tobytes(),
        np.array(op, "<i1").tobytes(),
        np.array(value, "<i8").tobytes(),
        np.array(detail if detail is not None else [0] * len(rid), "<i8").tobytes(),
    )


#: a queue of maxsize 2 (made by task 0), a lock, an event, a bounded semaphore of 3
FOUR = _resources(
    0, [Q, LOCK, EV, BSEM], [0.1, 0.1, 0.2, 0.2], [0, 0, -1, 1], [-1, 0, -1, -1], [1, 2, 3, 4]
)
FOUR = msgspec.structs.replace(FOUR, capacity=np.array([2, -1, -1, 3], "<i8").tobytes())
#: task 2, made at 0.7
LATE = TaskRows(
    2,
    np.array([0], "<i4").tobytes(),
    np.array([0.7], "<f8").tobytes(),
    np.array([0], "<i4").tobytes(),
    np.array([-1], "<i4").tobytes(),
)
#: one change of the queue: a put, at 0.5
PUT = _changes(0, [0], [0.5], [0], [res.PUT], [1], [1])


def _mirror() -> StreamMirror:
    mirror = StreamMirror(HELLO)
    mirror.apply(START)
    mirror.apply(Batch(seq=1, now=1.0, resources=FOUR, resource_changes=PUT))
    return mirror


def _batch(**fields: Any) -> Batch:
    return Batch(seq=2, now=1.0, **fields)


A, R = res.ACQUIRE, res.RELEASE


@pytest.mark.parametrize(
    ("batch", "says"),
    [
        # resources
        (_batch(resources=_resources(2, [Q], [0.6], [0])), "resources from 2, expected 4"),
        (_batch(resources=_resources(4, [9], [0.6], [0])), "resources.kind: 9 is out of range"),
        (_batch(resources=_resources(4, [-1], [0.6], [0])), "resources.kind: -1"),
        (_batch(resources=_resources(4, [Q], [math.nan], [0])), "not a finite number"),
        (_batch(resources=_resources(4, [Q], [-5.0], [0])), "before the run began"),
        (_batch(resources=_resources(4, [Q], [1e300], [0])), "past any run"),
        (_batch(resources=_resources(4, [Q], [0.1], [0])), "not in the order they were made"),
        (_batch(resources=_resources(4, [Q, Q], [0.7, 0.6], [0, 0])), "not in the order"),
        (_batch(resources=_resources(4, [Q], [0.6], [2])), "resources.task: 2 is out of range"),
        (_batch(resources=_resources(4, [Q], [0.6], [-2])), "resources.task: -2"),
        (_batch(tasks=LATE, resources=_resources(4, [Q], [0.6], [2])), "before it was made"),
        (_batch(resources=_resources(4, [Q], [0.6], [0], site=[5])), "resources.site: 5"),
        (_batch(resources=_resources(4, [Q], [0.6], [0], name=[-1])), "resources.name: -1"),
        (_batch(resources=_resources(4, [Q], [0.6], [0], capacity=[-3])), "capacity: -3"),
        (
            _batch(resources=msgspec.structs.replace(FOUR, first=4, created=b"\0" * 8)),
            "resources.created: 8 bytes for 4 rows",
        ),
        (_batch(resources=ResourceRows(4, b"", b"", b"", b"", b"", b"\0")), "capacity: 1 bytes"),
        # changes
        (_batch(resource_changes=_changes(0, [0], [0.6], [0], [0], [1])), "from 0: rows are"),
        (_batch(resource_changes=_changes(3, [0], [0.6], [0], [0], [1])), "from 3: rows are"),
        (_batch(resource_changes=_changes(1, [4], [0.6], [0], [0], [1])), "resource: 4 is out"),
        (_batch(resource_changes=_changes(1, [-1], [0.6], [0], [0], [1])), "resource: -1"),
        (_batch(resource_changes=_changes(1, [0], [math.inf], [0], [0], [1])), "finite"),
        (_batch(resource_changes=_changes(1, [0], [0.4], [0], [0], [1])), "not in the order"),
        (_batch(resource_changes=_changes(1, [0, 0], [0.7, 0.6], [0, 0], [0, 0], [1, 1])), "order"),
        (
            _batch(
                resources=_resources(4, [EV], [0.8], [0]),
                resource_changes=_changes(1, [4], [0.6], [0], [res.SET], [1]),
            ),
            "a change before its resource was made",
        ),
        (_batch(resource_changes=_changes(1, [0], [0.6], [2], [0], [1])), "task: 2 is out of"),
        (
            _batch(tasks=LATE, resource_changes=_changes(1, [0], [0.6], [2], [0], [1])),
            "a change made by a task before it was made",
        ),
        (
            _batch(tasks=LATE, resource_changes=_changes(1, [1], [0.6], [0], [A], [2], [1])),
            "a lock held by a task before it was made",
        ),
        (_batch(resource_changes=_changes(1, [0], [0.6], [0], [12], [1])), "op: 12 is out of"),
        (_batch(resource_changes=_changes(1, [0], [0.6], [0], [-1], [1])), "op: -1 is out of"),
        (
            _batch(resource_changes=_changes(1, [0], [0.6], [0], [res.SET], [1])),
            "set is not a change of resource 0 \\(a Queue;",
        ),
        (
            _batch(resource_changes=_changes(1, [2], [0.6], [0], [res.PUT], [1])),
            "put is not a change of resource 2 \\(a Event;",
        ),
        (_batch(resource_changes=_changes(1, [0], [0.6], [0], [0], [3])), "queue's maxsize"),
        (_batch(resource_changes=_changes(1, [0], [0.6], [0], [1], [-1])), "never negative"),
        (_batch(resource_changes=_changes(1, [0], [0.6], [0], [1], [0], [-1])), "unfinished"),
        (_batch(resource_changes=_changes(1, [1], [0.6], [0], [A], [2], [1])), "holder"),
        (_batch(resource_changes=_changes(1, [1], [0.6], [0], [A], [-2], [1])), "holder"),
        (_batch(resource_changes=_changes(1, [1], [0.6], [0], [R], [-1], [2])), "locked is"),
        (_batch(resource_changes=_changes(1, [2], [0.6], [0], [res.SET], [2])), "an event is"),
        (_batch(resource_changes=_changes(1, [3], [0.6], [0], [A], [4])), "over the bound"),
        (_batch(resource_changes=_changes(1, [3], [0.6], [0], [A], [-1])), "free permits"),
        (_batch(resource_changes=_changes(1, [0], [0.6], [0], [res.WAIT], [0], [3])), "a wait"),
        (_batch(resource_changes=_changes(1, [0], [0.6], [0], [0], [2**63 - 1])), "value: 9223"),
        (
            _batch(resource_changes=ChangeRows(1, b"\0" * 4, b"", b"", b"", b"", b"")),
            "resource_changes.t: 0 bytes for 1 rows",
        ),
        (
            _batch(resource_changes=ChangeRows(1, b"\0" * 5, b"", b"", b"", b"", b"")),
            "not a whole number of rows",
        ),
    ],
)
def test_a_batch_that_says_something_impossible_of_resources_is_refused(
    batch: Batch, says: str
) -> None:
    mirror = _mirror()
    table = mirror.store.resources
    before = (len(table), len(table.c_res), mirror.store.task_count, len(mirror.store.strings))
    with pytest.raises(StreamFormatError, match=says):
        mirror.apply(batch)
    after = (len(table), len(table.c_res), mirror.store.task_count, len(mirror.store.strings))
    assert after == before


def test_what_the_checks_let_through_is_appended_as_the_window_numbers_it() -> None:
    """String ids are the window's, resources keep the program's ids; the changes a run
    can make are taken (a wait on anything, a lock passed from task to task), and the
    run ends after its last change."""
    mirror = _mirror()
    changes = _changes(
        1,
        [1, 1, 3, 0, 2],
        [0.6, 0.7, 0.7, 0.8, 0.9],
        [1, 1, 0, -1, -1],
        [A, R, A, res.WAIT, res.SET],
        [1, -1, 2, 0, 1],
        [1, 0, 0, 2, 0],
    )
    mirror.apply(Batch(seq=2, now=1.0, resource_changes=changes))
    with pytest.raises(StreamFormatError, match="before its last recorded moment"):
        mirror.apply(wire.End(finished_at=0.85))
    mirror.apply(wire.End(finished_at=1.0))
    trace = TraceModel(mirror.store).snapshot()
    assert [(r.kind, r.name, r.task, r.capacity) for r in trace.resources] == [
        ("Queue", "q", 0, 2),
        ("Lock", "lock", 0, None),
        ("Event", "ev", None, None),
        ("BoundedSemaphore", "sem", 1, 3),
    ]
    assert trace.resources[1].site == "main"
    assert trace.resource_changes.of(1) == [(0.6, 1, "acquire", 1, 1), (0.7, 1, "release", -1, 0)]
    assert len(trace.resource_changes) == 6


def test_changes_after_the_program_s_store_filled_are_taken() -> None:
    """A full store drops steps and wakes, not a resource's changes: those still come,
    after the moment it filled, and the batches after them are no rows 'after the store
    was full' either."""
    mirror = _mirror()
    late = _changes(1, [0], [0.6], [0], [res.GET], [0], [1])
    mirror.apply(Batch(seq=2, now=1.0, truncated_at=0.55, dropped=3, resource_changes=late))
    mirror.apply(Batch(seq=3, now=1.0, truncated_at=0.55, dropped=4))
    with pytest.raises(StreamFormatError, match="before its last recorded moment"):
        mirror.apply(wire.End(finished_at=0.58))
    mirror.finish()
    assert mirror.store.finished_at == 1.0
    assert len(mirror.store.resources.c_res) == 2


# --- the window forgets old history: the resources' old changes go with it -------------------
SERVICE = textwrap.dedent(
    """
    import asyncio


    async def handle(i, q, lock, sem):
        async with sem:
            await asyncio.sleep(0.03 + (i % 5) * 0.01)
        async with lock:
            await asyncio.sleep(0.002)
        await q.put(i)


    async def worker(q):
        while True:
            await q.get()
            await asyncio.sleep(0.015)
            q.task_done()


    async def main(seconds: float = 6.0):
        q = asyncio.Queue(maxsize=2)
        lock = asyncio.Lock()
        sem = asyncio.Semaphore(3)
        workers = [asyncio.create_task(worker(q), name=f"worker-{k}") for k in range(2)]
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        requests = []
        i = 0
        while loop.time() < end:
            requests.append(asyncio.create_task(handle(i, q, lock, sem), name=f"request-{i}"))
            i += 1
            await asyncio.sleep(0.02)
        await asyncio.gather(*requests)
        await q.join()
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    """
)


def test_a_window_that_forgets_keeps_the_changes_from_the_cut_on_and_the_state_at_it(
    tmp_path: Path,
) -> None:
    """After any number of forgets the window holds each resource, every change from the
    cut on, and each one's last change before it (its state at the cut); the tasks they
    name are the same tasks (renumbered as the window renumbers them, a lock's holder
    too), and the batches after a forget still apply."""
    path = tmp_path / "service.py"
    path.write_text(SERVICE, encoding="utf-8")
    result, data = streamed(read_scenario(path), clock="ideal")
    full = result.trace
    assert full is not None and len(full.resource_changes) > 1000
    receiver = StreamReceiver()
    receiver.history = 1.0
    for n, i in enumerate(range(0, len(data), 4000)):
        receiver.feed(data[i : i + 4000])
        if receiver.model is not None and n % 3 == 0:
            receiver.model.update()
    receiver.close()
    assert receiver.error is None and receiver.model is not None
    kept = receiver.model.snapshot()
    # (forgot, once or again and again: how many times follows how the stream was cut
    # into batches, by the sender's clock, which a busy machine moves; 1 on one)
    assert receiver.model.generation >= 1
    cut = kept.meta["forgotten"]["before"]
    assert 0 < cut < full.duration

    assert kept.resources == [  # (the resources stay; their maker, the main task, too)
        r for r in full.resources
    ]
    everything = _changes_by_name(full)
    kept_names = {t.name for t in kept.tasks}
    # the changes from the cut on, and the last one of each resource before it; a task
    # the window let go of is none known
    last = {}
    for row in everything:
        if row[1] < cut:
            last[row[0]] = row
    wanted = [row for row in everything if row[1] >= cut or last[row[0]] is row]

    def known(row: tuple[Any, ...]) -> tuple[Any, ...]:
        name, t, task, op, value, detail = row
        holder = value if not isinstance(value, str) or value in kept_names else None
        return (name, t, task if task in kept_names else None, op, holder, detail)

    assert _changes_by_name(kept) == [known(row) for row in wanted]
    assert len(wanted) < len(everything) / 2
    table = receiver.mirror.store.resources if receiver.mirror else None
    assert table is not None and table.changes_forgotten == len(everything) - len(wanted)
