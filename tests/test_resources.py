"""Resources (issue 15): what is recorded of a run's queues, semaphores, locks, events,
conditions and barriers equals what the program itself saw.

Each program keeps its own log: after every operation it appends the task doing it and
the primitive's state as it reads it (``q.qsize()``, ``sem._value``, ``lock.locked()``
...).  The recorded changes must be exactly that log, in order, with the same tasks,
once the operations that changed nothing are left out (an ``Event.set`` on a set event
is no change, and none is recorded).  Run on the C and the pure-Python tracer
(``ASYNCVIZ_PURE_PYTHON=1``) and on Python 3.11, 3.12 and 3.13.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from tracehelp import run_traced

from visualizer.instrument import recorder as recorders
from visualizer.instrument.tracer import Tracer
from visualizer.trace.fileformat import TraceFormatError, dumps, loads
from visualizer.trace.resources import OPS, Resource, ResourceChanges, of_store
from visualizer.trace.store import TraceStore

Row = tuple[str | None, str, int, int]


class Log:
    """The program's own record: (task name, op, value, detail) after each operation."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Row]] = {}

    def __call__(self, name: str, op: str, value: int, detail: int = 0) -> None:
        task = asyncio.current_task()
        self.rows.setdefault(name, []).append(
            (task.get_name() if task else None, op, value, detail)
        )

    def changes(self, name: str) -> list[Row]:
        """The log without the operations that left the state as it was."""
        out: list[Row] = []
        for row in self.rows[name]:
            if row[1] in ("notify",) or not out or out[-1][2:] != row[2:]:
                out.append(row)
        return out


def record(main: Any) -> tuple[dict[str, Resource], Any]:
    run = run_traced(main)
    if run.error is not None:
        raise run.error
    store = run.recorder.store
    resources, changes = of_store(store.resources, store.strings, store.origin)
    names = {t.id: t.name for t in run.trace.tasks}
    out: dict[str, list[Row]] = {}
    waits: dict[str, list[tuple[str | None, int]]] = {}
    for r in resources:
        rows = [
            (names.get(task) if task is not None else None, op, value, detail)
            for _, task, op, value, detail in changes.of(r.id)
        ]
        out[r.name] = [row for row in rows if row[1] != "wait"]
        waits[r.name] = [(row[0], row[3]) for row in rows if row[1] == "wait"]
    return {r.name: r for r in resources}, (out, waits, run)


def test_queue_put_get_nowait_maxsize_task_done_join_and_a_cancelled_getter() -> None:
    log = Log()

    async def main() -> None:
        q: asyncio.Queue[int] = asyncio.Queue(maxsize=2)

        async def producer() -> None:
            for i in range(5):
                await q.put(i)
                log("q", "put", q.qsize(), q._unfinished_tasks)  # type: ignore[attr-defined]

        async def consumer() -> None:
            for _ in range(5):
                await q.get()
                log("q", "get", q.qsize(), q._unfinished_tasks)  # type: ignore[attr-defined]
                await asyncio.sleep(0.01)
                q.task_done()
                log("q", "task_done", q.qsize(), q._unfinished_tasks)  # type: ignore[attr-defined]

        p = asyncio.create_task(producer(), name="producer")
        c = asyncio.create_task(consumer(), name="consumer")
        await asyncio.sleep(0.005)  # (the producer has put something: join waits)
        await q.join()
        await asyncio.gather(p, c)
        q.put_nowait(7)
        log("q", "put", q.qsize(), q._unfinished_tasks)  # type: ignore[attr-defined]
        q.get_nowait()
        log("q", "get", q.qsize(), q._unfinished_tasks)  # type: ignore[attr-defined]
        with pytest.raises(asyncio.QueueEmpty):
            q.get_nowait()
        getter = asyncio.create_task(q.get(), name="getter")
        await asyncio.sleep(0.01)
        getter.cancel()
        await asyncio.gather(getter, return_exceptions=True)
        q.task_done()
        log("q", "task_done", q.qsize(), q._unfinished_tasks)  # type: ignore[attr-defined]

    resources, (recorded, waits, _) = record(main)
    assert recorded["q"] == log.changes("q")
    assert resources["q"].kind == "Queue" and resources["q"].capacity == 2
    assert resources["q"].task == 0 and resources["q"].site is not None
    assert resources["q"].site.endswith(f"test_resources.py:{_line_of('asyncio.Queue(maxsize=2)')}")
    # who waited: the producer on a full queue (put), the main task on join, the getter that was
    # cancelled while waiting
    assert ("producer", 1) in waits["q"]
    assert ("Task-1", 2) in waits["q"]
    assert ("getter", 0) in waits["q"]


def test_priority_and_lifo_queues() -> None:
    log = Log()

    async def main() -> None:
        pq: asyncio.PriorityQueue[int] = asyncio.PriorityQueue()
        lq: asyncio.LifoQueue[int] = asyncio.LifoQueue()
        for q, name in ((pq, "pq"), (lq, "lq")):
            for i in (3, 1, 2):
                await q.put(i)
                log(name, "put", q.qsize(), q._unfinished_tasks)  # type: ignore[attr-defined]
            while not q.empty():
                await q.get()
                log(name, "get", q.qsize(), q._unfinished_tasks)  # type: ignore[attr-defined]

    resources, (recorded, _, _) = record(main)
    assert resources["pq"].kind == "PriorityQueue" and resources["lq"].kind == "LifoQueue"
    assert resources["pq"].capacity is None
    assert recorded["pq"] == log.changes("pq")
    assert recorded["lq"] == log.changes("lq")


@pytest.mark.parametrize("kind", ["Semaphore", "BoundedSemaphore"])
def test_semaphore_permits_waiters_and_a_cancelled_waiter(kind: str) -> None:
    log = Log()

    async def main() -> None:
        sem = getattr(asyncio, kind)(2)

        async def worker(hold: float) -> None:
            await sem.acquire()
            log("sem", "acquire", sem._value)
            await asyncio.sleep(hold)
            sem.release()
            log("sem", "release", sem._value)

        tasks = [asyncio.create_task(worker(0.1 * (i + 1)), name=f"w{i}") for i in range(4)]
        await asyncio.sleep(0.01)
        victim = asyncio.create_task(sem.acquire(), name="victim")
        await asyncio.sleep(0.01)
        victim.cancel()
        await asyncio.gather(victim, return_exceptions=True)
        log("sem", "cancelled", sem._value)
        await asyncio.gather(*tasks)
        if kind == "BoundedSemaphore":
            with pytest.raises(ValueError):
                sem.release()
            log("sem", "release", sem._value)

    resources, (recorded, waits, _) = record(main)
    assert resources["sem"].kind == kind and resources["sem"].capacity == 2
    assert recorded["sem"] == log.changes("sem")
    assert [t for t, _ in waits["sem"]] == ["w2", "w3", "victim"]


def test_lock_holder_locked_and_released_by_an_exception() -> None:
    log = Log()

    async def main() -> None:
        lock = asyncio.Lock()

        async def user(fail: bool) -> None:
            try:
                async with lock:
                    task = asyncio.current_task()
                    assert task is not None and lock.locked()
                    log("lock", "acquire", int(task.get_name()[1:]), 1)
                    await asyncio.sleep(0.01)
                    if fail:
                        raise ValueError("inside the lock")
            except ValueError:
                pass
            log("lock", "release", -1, int(lock.locked()))

        await asyncio.gather(*(asyncio.create_task(user(i == 1), name=f"u{i}") for i in range(3)))

    _, (recorded, waits, run) = record(main)
    ids = {t.name: t.id for t in run.trace.tasks}
    expected = [
        (task, op, ids[f"u{holder}"] if holder >= 0 else -1, locked)
        for task, op, holder, locked in log.changes("lock")
    ]
    assert recorded["lock"] == expected
    assert [t for t, _ in waits["lock"]] == ["u1", "u2"]


def test_event_set_and_clear() -> None:
    log = Log()

    async def main() -> None:
        ev = asyncio.Event()

        async def waiter() -> None:
            await ev.wait()

        w = asyncio.create_task(waiter(), name="waiter")
        await asyncio.sleep(0.01)
        for op in ("set", "set", "clear", "clear", "set"):
            getattr(ev, op)()
            log("ev", op, int(ev.is_set()))
        await w

    _, (recorded, waits, _) = record(main)
    assert recorded["ev"] == log.changes("ev")
    assert waits["ev"] == [("waiter", 0)]


def test_condition_notify_and_its_lock() -> None:
    log = Log()

    async def main() -> None:
        cond = asyncio.Condition()
        ready = 0

        async def waiter() -> None:
            async with cond:
                log("cond", "acquire", 1, 1)
                await cond.wait()
                log("cond", "acquire", 1, 1)
            log("cond", "release", -1, 0)

        ws = [asyncio.create_task(waiter(), name=f"c{i}") for i in range(3)]
        await asyncio.sleep(0.01)
        async with cond:
            log("cond", "acquire", 1, 1)
            cond.notify()
            log("cond", "notify", 1)
            cond.notify_all()
            log("cond", "notify", 2)
        log("cond", "release", -1, 0)
        await asyncio.gather(*ws)
        assert ready == 0

    _, (recorded, waits, _) = record(main)
    # (the program logs the release inside cond.wait() as nothing: it cannot see it; the
    # recording has it, by the waiting task, just before its wait)
    mine = list(recorded["cond"])
    expected = [(t, op, v, d) for t, op, v, d in log.rows["cond"]]
    got = [(t, op, 1 if op == "acquire" else v, d) for t, op, v, d in mine]
    inside_wait = [("c0", "release", -1, 0), ("c1", "release", -1, 0), ("c2", "release", -1, 0)]
    for row in inside_wait:
        got.remove(row)  # each waiter gives the lock up inside cond.wait() once
    assert got == expected
    assert {t for t, _ in waits["cond"]} >= {"c0", "c1", "c2"}


def test_barrier_count() -> None:
    log = Log()

    async def main() -> None:
        barrier = asyncio.Barrier(3)

        async def party(i: int) -> None:
            await asyncio.sleep(0.01 * i)
            log("barrier", "arrive", barrier._count + 1)  # type: ignore[attr-defined]
            await barrier.wait()

        await asyncio.gather(*(asyncio.create_task(party(i), name=f"p{i}") for i in range(3)))
        log("barrier", "after", barrier._count)  # type: ignore[attr-defined]

    resources, (recorded, waits, _) = record(main)
    assert resources["barrier"].capacity == 3
    arrivals = [row for row in recorded["barrier"] if row[1] == "arrive"]
    assert arrivals == [(t, "arrive", v, 0) for t, _, v, _ in log.rows["barrier"][:3]]
    assert [row[2] for row in recorded["barrier"] if row[1] == "leave"] == [2, 1, 0]
    assert [t for t, _ in waits["barrier"]] == ["p0", "p1"]


def test_names_fall_back_to_a_number_per_kind() -> None:
    async def main() -> None:
        holder: dict[str, Any] = {}
        holder["x"] = asyncio.Lock()
        locks = [asyncio.Lock(), asyncio.Queue()]
        assert locks

    resources, _ = record(main)
    assert sorted(resources) == ["Lock-1", "Lock-2", "Queue-1"]


def test_outside_the_run_nothing_is_recorded_and_classes_are_put_back() -> None:
    before = {name: dict(vars(getattr(asyncio, name))) for name in ("Queue", "Lock", "Event")}
    outside = asyncio.Queue()

    async def main() -> None:
        outside.put_nowait(1)
        q = asyncio.Queue()
        q.put_nowait(1)

    resources, (recorded, _, _) = record(main)
    assert list(resources) == ["q"]
    assert recorded["q"] == [("Task-1", "put", 1, 1)]
    after = {name: dict(vars(getattr(asyncio, name))) for name in ("Queue", "Lock", "Event")}
    assert after == before
    assert "_asyncviz_resource" not in vars(outside)


def _line_of(text: str) -> int:
    source = Path(__file__).read_text().splitlines()
    return next(i + 1 for i, line in enumerate(source) if text in line and "_line_of" not in line)


# --- in the trace file (format v1, optional keys) ------------------------------------------
def _recorded_trace() -> Any:
    async def main() -> None:
        q: asyncio.Queue[int] = asyncio.Queue(maxsize=3)
        lock = asyncio.Lock()

        async def worker() -> None:
            async with lock:
                await q.put(1)
            await q.get()
            q.task_done()

        await asyncio.gather(*(asyncio.create_task(worker()) for _ in range(3)))

    run = run_traced(main)
    assert run.error is None
    return run.trace


def test_resources_round_trip_through_the_file() -> None:
    trace = _recorded_trace()
    assert [r.name for r in trace.resources] == ["q", "lock"]
    back = loads(dumps(trace))
    assert back.resources == trace.resources
    assert back.resource_changes == trace.resource_changes
    assert len(back.resource_changes) == len(trace.resource_changes) > 10


def test_a_file_without_resources_is_plain_v1_and_an_older_reader_ignores_them() -> None:
    trace = _recorded_trace()
    doc = json.loads(dumps(trace))
    assert doc["version"] == 1 and "resources" in doc
    plain = {k: v for k, v in doc.items() if k not in ("resources", "resource_changes")}
    assert loads(json.dumps(plain)).resources == []
    no_resources = dataclasses.replace(trace, resources=[], resource_changes=ResourceChanges())
    assert "resources" not in json.loads(dumps(no_resources))


@pytest.mark.parametrize(
    ("where", "damage"),
    [
        ("resources[0].kind", lambda d: d["resources"][0].update(kind="Pipe")),
        ("resources[1].id", lambda d: d["resources"][1].update(id=5)),
        ("resources[0].created", lambda d: d["resources"][0].update(created=1e9)),
        ("resources[0].task", lambda d: d["resources"][0].update(task=99)),
        ("resources[0].capacity", lambda d: d["resources"][0].update(capacity=-3)),
        (
            "resource_changes[0].resource",
            lambda d: d["resource_changes"]["resource"].__setitem__(0, 7),
        ),
        ("resource_changes[0].t", lambda d: d["resource_changes"]["t"].__setitem__(0, -1.0)),
        ("resource_changes[0].task", lambda d: d["resource_changes"]["task"].__setitem__(0, 99)),
        ("resource_changes[0].op", lambda d: d["resource_changes"]["op"].__setitem__(0, "set")),
        ("resource_changes[0].value", lambda d: d["resource_changes"]["value"].__setitem__(0, -2)),
        ("resource_changes.t", lambda d: d["resource_changes"]["t"].pop()),
        ("resource_changes", lambda d: d.update(resource_changes=[1])),
    ],
)
def test_bad_resource_fields_are_refused_naming_the_field(where: str, damage: Any) -> None:
    doc = json.loads(dumps(_recorded_trace()))
    damage(doc)
    with pytest.raises(TraceFormatError) as error:
        loads(json.dumps(doc))
    assert where in str(error.value)


# --- the C recorder and the pure-Python one write the same rows ---------------------------------
async def _every_kind(store: TraceStore) -> list[int]:
    """A deterministic program (no real sleeps) using every kind, enough queue traffic to
    fill more than one of the C recorder's staging blocks, a change made by a plain
    callback, a cancelled waiter; it reads the change rows mid-run, as a live view does."""
    seen: list[int] = []

    def rows_so_far() -> None:
        store.sync()
        seen.append(len(store.resources.c_res))

    q: asyncio.Queue[int] = asyncio.Queue(maxsize=3)
    lock = asyncio.Lock()
    sem = asyncio.BoundedSemaphore(2)
    ev = asyncio.Event()
    cond = asyncio.Condition()
    barrier = asyncio.Barrier(2)

    async def producer() -> None:
        for i in range(3000):
            await q.put(i)
            if i % 1000 == 0:
                rows_so_far()

    async def consumer() -> None:
        for _ in range(3000):
            await q.get()
            q.task_done()

    async def locker() -> None:
        async with lock, sem:
            await asyncio.sleep(0)

    async def waiter() -> None:
        await ev.wait()
        async with cond:
            await cond.wait()
        await barrier.wait()

    w = asyncio.create_task(waiter())
    await asyncio.gather(producer(), consumer(), *(locker() for _ in range(4)))
    await q.join()
    asyncio.get_running_loop().call_soon(q.put_nowait, -1)  # (by no task)
    await asyncio.sleep(0)
    q.get_nowait()
    q.task_done()
    getter = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    getter.cancel()
    await asyncio.gather(getter, return_exceptions=True)
    ev.set()
    ev.clear()
    await asyncio.sleep(0)
    async with cond:
        cond.notify_all()
    await barrier.wait()
    await w
    rows_so_far()
    return seen


def _rows_with(hot: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    monkeypatch.setattr(recorders, "hot", hot)
    loop = asyncio.new_event_loop()
    store = TraceStore(origin=loop.time())
    tracer = Tracer(store, time.monotonic)
    assert tracer.compiled == (hot is not None)
    tracer.install(loop)
    t0 = time.monotonic()
    seen = loop.run_until_complete(
        loop.create_task(_every_kind(store), context=tracer.new_context())
    )
    t1 = time.monotonic()
    tracer.finish()
    loop.close()
    table = store.resources
    t = list(table.c_t)
    assert t == sorted(t) and t0 <= t[0] and t[-1] <= t1  # (read when each change was made)
    made = (list(table.kind), list(table.task), list(table.name), list(table.capacity))
    changes = tuple(list(c) for c in (table.c_res, table.c_task, table.c_op))
    numbers = (list(table.c_value), list(table.c_detail))
    return seen, made, changes, numbers


def test_the_c_and_the_python_recorder_write_the_same_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    try:
        from visualizer.instrument import _hot
    except ImportError:
        pytest.skip("the C hot path is not built")  # (test_hot_path says why)
    compiled = _rows_with(_hot, monkeypatch)
    python = _rows_with(None, monkeypatch)
    assert compiled == python
    seen, _, (c_res, c_task, c_op), _ = compiled
    assert seen[-1] == len(c_res) > 2 * 4096  # (every staged row seen once synced)
    assert seen == sorted(seen) and len(seen) == 4
    ops = Counter(OPS[op] for op in c_op)
    assert ops["put"] == ops["get"] == 3001 and ops["wait"] > 100
    assert set(ops) == set(OPS) - {"shutdown"}
    assert -1 in c_task  # (the put of a plain callback)


class _OddQueue(asyncio.Queue):  # type: ignore[type-arg]
    def qsize(self) -> Any:
        return "many"  # (a subclass's mistake: the recorder cannot store it)


def test_a_failing_recording_stops_quietly_and_the_program_runs_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> int:
        fine: asyncio.Queue[int] = asyncio.Queue()
        fine.put_nowait(1)
        odd = _OddQueue()
        for i in range(3):
            odd.put_nowait(i)
        fine.put_nowait(2)  # (no longer recorded)
        return odd._queue[-1]  # type: ignore[attr-defined,no-any-return]

    before = dict(vars(asyncio.Queue))
    with caplog.at_level(logging.ERROR):
        _, (recorded, _, run) = record(main)
    assert run.result == 2
    assert recorded["fine"] == [("Task-1", "put", 1, 1)]
    assert recorded["odd"] == []
    assert "recording resources failed" in caplog.text
    assert dict(vars(asyncio.Queue)) == before  # (put back all the same)


def test_a_condition_and_a_barrier_made_write_no_row_before_they_exist_and_save_whole() -> None:
    """A Condition makes its own Lock in its ``__init__``, which sets it free before the
    Condition has an id: no row for that (it was written with resource -1, and the file
    reader, rightly, refused the whole trace)."""

    async def main() -> None:
        cond = asyncio.Condition()
        barrier = asyncio.Barrier(2)

        async def waiter() -> None:
            async with cond:
                await cond.wait()

        task = asyncio.create_task(waiter())
        await asyncio.sleep(0.1)
        async with cond:
            cond.notify_all()
        await task
        await asyncio.gather(barrier.wait(), barrier.wait())

    run = run_traced(main, clock="ideal")
    assert run.error is None
    changes = run.trace.resource_changes
    assert len(changes) and changes.resource.min() >= 0
    assert set(changes.resource.tolist()) == {0, 1}
    again = loads(dumps(run.trace))
    assert again.resource_changes == changes and again.resources == run.trace.resources
