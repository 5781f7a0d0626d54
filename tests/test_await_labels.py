"""Every await label the issue names, from a real run of each primitive (all versions).

The label must name what the person wrote (``Semaphore.acquire``, not asyncio's
``_ContextManagerMixin.__aenter__``), and the await site must be the user's line.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from visualizer.session.runner import Recorder

EXPECTED = {
    "w_ev": "Event.wait",
    "w_cond": "Condition.wait",
    "w_lock": "Lock.acquire",
    "w_sem": "Semaphore.acquire",
    "w_get": "Queue.get",
    "w_put": "Queue.put",
    "w_fut": "Future",
    "w_sleep": "sleep(1.0)",
    "w_task": "Task 'worker-2'",
    "w_gather": "gather(3 awaitables)",
    "w_exec": "run_in_executor(blocking_io)",
    "w_thread": "to_thread(crunch)",
    "w_waitfor": "wait_for(timeout=5.0)",
    "w_tg": "TaskGroup",
    "w_wait": "wait",
    "w_shield": "shield",
}


def blocking_io():
    time.sleep(0.01)


def crunch():
    return sum(range(1000))


async def main():
    ev, cond, lock, sem = asyncio.Event(), asyncio.Condition(), asyncio.Lock(), asyncio.Semaphore(0)
    q, full = asyncio.Queue(), asyncio.Queue(maxsize=1)
    full.put_nowait(0)
    fut = asyncio.get_running_loop().create_future()
    loop = asyncio.get_running_loop()

    async def w_ev():
        await ev.wait()  # SITE:w_ev

    async def w_cond():
        async with cond:
            await cond.wait()

    async def w_lock():
        async with lock:
            pass

    async def w_sem():
        async with sem:
            pass

    async def w_get():
        await q.get()

    async def w_put():
        await full.put(1)  # SITE:w_put

    async def w_fut():
        await fut

    async def w_sleep():
        await asyncio.sleep(1.0)  # SITE:w_sleep

    async def worker2():
        await asyncio.sleep(0.5)

    async def w_task():
        await t2

    async def w_gather():
        await asyncio.gather(asyncio.sleep(0.1), asyncio.sleep(0.2), asyncio.sleep(0.3))

    async def w_exec():
        await loop.run_in_executor(None, blocking_io)

    async def w_thread():
        await asyncio.to_thread(crunch)

    async def w_waitfor():
        await asyncio.wait_for(asyncio.sleep(0.2), timeout=5.0)

    async def w_tg():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(asyncio.sleep(0.2))

    async def w_wait():
        await asyncio.wait([asyncio.ensure_future(asyncio.sleep(0.2))])

    async def w_shield():
        await asyncio.shield(asyncio.sleep(0.2))

    await lock.acquire()
    t2 = asyncio.create_task(worker2(), name="worker-2")
    fns = [
        w_ev,
        w_cond,
        w_lock,
        w_sem,
        w_get,
        w_put,
        w_fut,
        w_sleep,
        w_task,
        w_gather,
        w_exec,
        w_thread,
        w_waitfor,
        w_tg,
        w_wait,
        w_shield,
    ]
    ts = [asyncio.create_task(f(), name=f.__name__) for f in fns]
    await asyncio.sleep(0.05)
    ev.set()
    lock.release()
    sem.release()
    q.put_nowait(1)
    full.get_nowait()
    fut.set_result(1)
    async with cond:
        cond.notify_all()
    await asyncio.gather(*ts)


def _site_line(marker: str) -> int:
    lines = Path(__file__).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.endswith(f"# SITE:{marker}"))


@pytest.fixture(scope="module")
def labels_and_sites() -> dict[str, list[tuple[str, str | None]]]:
    rec = Recorder("virtual")
    with asyncio.Runner(loop_factory=rec.new_loop) as runner:
        runner.run(main(), context=rec.tracer.new_context())
    trace = rec.finish()
    out: dict[str, list[tuple[str, str | None]]] = {}
    for task in trace.tasks:
        spans = trace.spans.for_task(task.id)
        out[task.name] = [
            (trace.suspensions[a].label, trace.suspensions[a].site)
            for a in spans.awaiting.tolist()
            if a >= 0
        ]
    return out


@pytest.mark.parametrize("name", list(EXPECTED))
def test_label(labels_and_sites: dict[str, list[tuple[str, str | None]]], name: str) -> None:
    assert [label for label, _ in labels_and_sites[name]] == [EXPECTED[name]]


@pytest.mark.parametrize("name", ["w_ev", "w_sleep", "w_put"])
def test_await_site_is_the_user_line(
    labels_and_sites: dict[str, list[tuple[str, str | None]]], name: str
) -> None:
    [(_, site)] = labels_and_sites[name]
    assert site == f"{Path(__file__).resolve()}:{_site_line(name)}"


def test_sleep_labels_show_the_delay_as_a_person_would_write_it() -> None:
    async def sleeper(delay: float) -> None:
        await asyncio.sleep(delay)

    async def program() -> None:
        delays = [0.05 * 3, 1, 2.5, 1e-7]  # 0.05 * 3 == 0.15000000000000002
        await asyncio.gather(*(sleeper(d) for d in delays))

    rec = Recorder("virtual")
    with asyncio.Runner(loop_factory=rec.new_loop) as runner:
        runner.run(program(), context=rec.tracer.new_context())
    trace = rec.finish()
    labels = [
        trace.suspensions[a].label
        for task in trace.tasks[1:]
        for a in trace.spans.for_task(task.id).awaiting.tolist()
        if a >= 0
    ]
    assert labels == ["sleep(0.15)", "sleep(1.0)", "sleep(2.5)", "sleep(1e-07)"]


@pytest.mark.parametrize(
    ("count", "label"), [(1, "gather(1 awaitable)"), (2, "gather(2 awaitables)")]
)
def test_gather_counts_its_awaitables_in_words(count: int, label: str) -> None:
    async def program() -> None:
        await asyncio.gather(*(asyncio.sleep(0.1) for _ in range(count)))

    rec = Recorder("virtual")
    with asyncio.Runner(loop_factory=rec.new_loop) as runner:
        runner.run(program(), context=rec.tracer.new_context())
    trace = rec.finish()
    main = trace.spans.for_task(0)
    assert [trace.suspensions[a].label for a in main.awaiting.tolist() if a >= 0] == [label]
