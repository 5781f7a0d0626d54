"""The resources' rows (``model.resource_states``): levels, full stretches, waits and the
words for them, from recorded runs on the virtual clock (exact times)."""

from __future__ import annotations

import asyncio

from pytest import approx
from tracehelp import queue_sem_lock_event, run_traced

from visualizer.model.details import span_details
from visualizer.model.resource_states import ResourceRow, rows_of, state_words, waiting_for
from visualizer.model.spans import TraceModel
from visualizer.model.summary import format_resources, format_summary
from visualizer.session.runner import Recorder
from visualizer.trace import schema
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import dumps, loads


def _recorded() -> tuple[Trace, dict[str, ResourceRow], list[str]]:
    run = run_traced(queue_sem_lock_event, clock="ideal")
    assert run.error is None
    rows = rows_of(run.trace)
    return run.trace, {row.name: row for row in rows}, [t.name for t in run.trace.tasks]


def test_levels_bounds_and_full_stretches() -> None:
    _trace, rows, names = _recorded()
    assert list(rows) == ["queue", "sem", "lock", "ev"]
    queue, sem, lock, ev = rows["queue"], rows["sem"], rows["lock"], rows["ev"]
    assert (queue.bound, sem.bound, lock.bound, ev.bound) == (2, 2, 1, 1)
    assert queue.levels.max() == 2 and queue.levels.min() == 0
    # the queue is full from the producer's third put until the consumer's next get,
    # each 0.1 s, and at most maxsize, ever
    assert [round(b - a, 6) for a, b in queue.full][1:] == [0.1, 0.1, 0.1]
    # two permits in use from the start until the third worker's lock turn
    assert sem.full and sem.full[0][1] - sem.full[0][0] == approx(0.15)
    assert set(sem.levels.tolist()) == {0, 1, 2}
    # one holder at a time, w0 .. w3 in turn, 0.05 s each
    holders = [names[h] for h in lock.holders if h >= 0]
    assert holders == ["w0", "w1", "w2", "w3"]
    assert ev.levels.tolist() == [0, 1]  # made clear, set once
    assert ev.times[-1] == approx(0.5, abs=1e-6)


def test_waits_end_when_the_task_is_woken() -> None:
    _trace, rows, names = _recorded()
    waits = [(names[w.task], round(w.end - w.start, 3)) for w in rows["lock"].waits]
    assert waits == [("w1", 0.05), ("w2", 0.05), ("w3", 0.05)]
    # all four workers wait for the event until it is set, and no longer
    ev = rows["ev"]
    assert sorted(names[w.task] for w in ev.waits) == ["w0", "w1", "w2", "w3"]
    assert all(w.end == approx(ev.times[-1], abs=1e-6) for w in ev.waits)
    assert all(w.end >= ev.times[-1] for w in ev.waits)
    # the producer waits on put (what=1) for room, the items past maxsize
    assert [w.what for w in rows["queue"].waits] == [1, 1, 1]


def test_words_at_a_moment_and_in_the_details_of_a_waiting_task() -> None:
    trace, rows, names = _recorded()
    assert state_words(rows["queue"], 0.05, names) == "2/2 full, 1 waiting"
    assert state_words(rows["sem"], 0.05, names) == "0 of 2 free, 2 waiting"
    assert state_words(rows["lock"], 0.07, names) == "held by w1, 1 waiting"
    assert state_words(rows["ev"], 0.45, names) == "clear, 4 waiting"
    assert state_words(rows["ev"], 0.55, names) == "set"
    every = list(rows.values())
    producer = names.index("producer")
    assert waiting_for(every, producer, 0.05, names) == "queue (2/2 full, 1 waiting)"
    assert waiting_for(every, names.index("consumer"), 0.05, names) is None
    # the details panel of the producer's suspension on Queue.put says the same
    spans = trace.spans
    index = next(
        i
        for i in range(len(spans))
        if spans.task[i] == producer
        and spans.state[i] == schema.SUSPENDED
        and spans.start[i] < 0.05 < spans.end[i]
    )
    fields = dict(span_details(trace, index).fields)
    assert fields["awaiting"] == "Queue.put"
    assert fields["waiting for"] == "queue (2/2 full, 1 waiting)"


def test_a_cancelled_waiter_waits_until_the_cancel_and_words_for_every_kind() -> None:
    async def program() -> None:
        gate = asyncio.Event()
        barrier = asyncio.Barrier(3)
        cond = asyncio.Condition()
        unbounded: asyncio.Queue[int] = asyncio.Queue()

        async def stuck() -> None:
            await gate.wait()

        async def party() -> None:
            await barrier.wait()

        task = asyncio.create_task(stuck(), name="stuck")
        parties = [asyncio.create_task(party(), name=f"p{i}") for i in range(2)]
        unbounded.put_nowait(1)
        unbounded.put_nowait(2)
        async with cond:
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.2)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0.1)
        for p in parties:
            p.cancel()
        await asyncio.gather(*parties, return_exceptions=True)

    run = run_traced(program, clock="ideal")
    assert run.error is None
    rows = {row.name: row for row in rows_of(run.trace)}
    names = [t.name for t in run.trace.tasks]
    (wait,) = rows["gate"].waits
    assert names[wait.task] == "stuck"
    assert wait.end == approx(0.3, abs=1e-6)  # woken by the cancel, not by a set
    assert state_words(rows["gate"], 0.2, names) == "clear, 1 waiting"
    assert state_words(rows["gate"], 0.35, names) == "clear"
    assert state_words(rows["barrier"], 0.2, names) == "2 of 3 arrived, 2 waiting"
    assert (
        state_words(rows["cond"], 0.05, names) == "held by Task-1"
    )  # (run_traced names the main task so)
    assert state_words(rows["cond"], 0.15, names) == "free"
    assert state_words(rows["unbounded"], 0.05, names) == "2 items"
    assert rows["unbounded"].bound == 2  # drawn out of the most it held


def test_a_live_views_trace_from_a_later_point_never_matches_a_wait_to_a_later_suspension() -> None:
    """A live chart's trace holds the spans ending in view: a task's wait on the lock at
    0.0 (its suspension over at 0.1) must not be taken for its later sleep's suspension,
    and waits in view are whole."""

    async def program() -> None:
        lock = asyncio.Lock()

        async def holder() -> None:
            async with lock:
                await asyncio.sleep(0.1)

        async def waiter() -> None:
            async with lock:  # waits 0.0 .. 0.1
                pass
            await asyncio.sleep(0.5)  # suspended 0.1 .. 0.6, on no resource
            async with lock:  # free: no wait
                pass

        await asyncio.gather(
            asyncio.create_task(holder(), name="holder"),
            asyncio.create_task(waiter(), name="waiter"),
        )

    run = run_traced(program, clock="ideal")
    assert run.error is None
    model = TraceModel(run.recorder.store)
    whole = rows_of(model.snapshot())[0]
    assert [(w.start, round(w.end, 6)) for w in whole.waits] == [(whole.waits[0].start, 0.1)]
    later = rows_of(model.recent(0.3), partial=True)[0]  # (the waiter's sleep reaches into it)
    assert later.waits == []
    names = [t.name for t in run.trace.tasks]
    assert state_words(later, 0.4, names) == "free"


def test_the_summary_table_tells_each_resources_full_share_and_waits() -> None:
    trace, _, _ = _recorded()
    table = format_resources(trace)
    assert table is not None
    lines = table.splitlines()
    assert lines[0].split() == ["resource", "kind", "full", "most", "waiting", "waited"]
    by_name = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    assert list(by_name) == ["queue", "sem", "lock", "ev"]
    assert by_name["queue"][0] == "Queue(2)"
    assert by_name["lock"][:2] == ["Lock", "-"]  # a lock is never "full"
    assert by_name["ev"][-3:] == ["4", "1.500", "s"]  # all four waited, 0.45+0.4+0.35+0.3 s
    assert "\n\nresource  kind" in format_summary(trace)


def test_a_run_without_resources_has_no_resources_table() -> None:
    async def program() -> None:
        await asyncio.sleep(0.1)

    run = run_traced(program, clock="ideal")
    assert format_resources(run.trace) is None
    assert "resource" not in format_summary(run.trace)


def test_a_semaphore_of_no_permits_is_a_signal_full_from_the_start_and_saved_whole() -> None:
    async def program() -> None:
        signal = asyncio.Semaphore(0)

        async def waiter() -> None:
            await signal.acquire()

        task = asyncio.create_task(waiter(), name="waiter")
        await asyncio.sleep(0.2)
        signal.release()
        await task
        signal.release()
        signal.release()

    run = run_traced(program, clock="ideal")
    assert run.error is None
    (row,) = rows_of(run.trace)
    names = [t.name for t in run.trace.tasks]
    assert state_words(row, 0.1, names) == "0 free, 1 waiting"
    assert state_words(row, 0.3, names) == "2 free"
    assert row.levels.max() == 0  # never more in use than it had: none
    assert row.full[0][0] == row.times[0] and row.full[0][1] == approx(0.2, abs=1e-6)
    again = loads(dumps(run.trace))  # (capacity 0 is a count, not a damaged file)
    assert again.resources == run.trace.resources


def test_a_full_store_keeps_no_resource_change_after_it_stopped() -> None:
    async def program() -> None:
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)

        async def consumer() -> None:
            while True:
                await queue.get()
                await asyncio.sleep(0.1)

        task = asyncio.create_task(consumer(), name="consumer")
        for i in range(20):
            await queue.put(i)
        task.cancel()

    run = run_traced(program, clock="ideal", recorder=Recorder("ideal", capacity=40))
    assert run.error is None
    trace = TraceModel(run.recorder.store).snapshot()
    end = trace.meta["truncated_at"]
    assert len(trace.resource_changes) and trace.resource_changes.t.max() <= end
    assert loads(dumps(trace)).resource_changes == trace.resource_changes
