"""The GUI's event loop (``visualizer.app.qtloop.GuiEventLoop``): true timers, asyncio's
ordering, and a traced run on it that looks exactly like one on asyncio's own loop."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bench.workloads import pingpong, sleep_errors
from visualizer.app.qtloop import GuiEventLoop
from visualizer.instrument import recorder as recorders
from visualizer.instrument.tracer import Tracer
from visualizer.model.spans import TraceModel
from visualizer.trace import schema
from visualizer.trace.store import TraceStore


@pytest.fixture
def loop(qapp: Any) -> Iterator[GuiEventLoop]:
    gui_loop = GuiEventLoop(qapp)
    yield gui_loop
    gui_loop.close()


# --- timers -------------------------------------------------------------------------------------
def test_sleeps_never_end_early(loop: GuiEventLoop) -> None:
    """sleep(d) never ends before d (issue 3): qasync's own loop is up to 24 ms early on
    500 ms here (its timers are Qt's coarse ones).  How late a sleep ends depends on how
    busy the machine is, so that is measured, not tested: ``bench/gui_loop.py`` (within
    2 ms on an idle machine, ``docs/performance.md``)."""
    errors = loop.run_until_complete(sleep_errors([0.01, 0.03, 0.1, 0.25], 5))
    for delay, values in errors.items():
        assert min(values) >= 0, f"sleep({delay}) ended {-min(values) * 1000:.2f} ms early"


def test_call_at_returns_a_timer_handle_and_cancel_works(loop: GuiEventLoop) -> None:
    fired: list[str] = []

    async def main() -> None:
        now = loop.time()
        kept = loop.call_at(now + 0.02, fired.append, "kept")
        dropped = loop.call_at(now + 0.01, fired.append, "dropped")
        assert isinstance(kept, asyncio.TimerHandle) and kept.when() == now + 0.02
        dropped.cancel()
        await asyncio.sleep(0.04)

    loop.run_until_complete(main())
    assert fired == ["kept"]


# --- asyncio's ordering --------------------------------------------------------------------------
async def _interleaving(log: list[str]) -> None:
    loop = asyncio.get_running_loop()

    async def worker(name: str) -> None:
        for i in range(3):
            log.append(f"{name}{i}")
            loop.call_soon(log.append, f"cb-{name}{i}")
            await asyncio.sleep(0)

    loop.call_later(0.001, log.append, "timer")
    await asyncio.gather(worker("a"), worker("b"), worker("c"))
    await asyncio.sleep(0.005)


def test_callbacks_and_steps_run_in_asyncio_s_order(loop: GuiEventLoop) -> None:
    """The same interleaving as asyncio's own loop: a callback scheduled during an
    iteration runs in the next one, in FIFO order."""
    reference: list[str] = []
    default = asyncio.new_event_loop()
    try:
        default.run_until_complete(_interleaving(reference))
    finally:
        default.close()
    ours: list[str] = []
    loop.run_until_complete(_interleaving(ours))
    assert [x for x in ours if x != "timer"] == [x for x in reference if x != "timer"]
    assert ours.count("timer") == 1


def test_a_thread_wakes_the_loop_and_keeps_its_context(loop: GuiEventLoop) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    async def main() -> str:
        done: asyncio.Future[str] = loop.create_future()
        context = contextvars.copy_context()
        context.run(var.set, "from the thread's caller")

        def in_thread() -> None:
            time.sleep(0.01)
            loop.call_soon_threadsafe(lambda: done.set_result(var.get()), context=context)

        threading.Thread(target=in_thread).start()
        return await done

    assert loop.run_until_complete(main()) == "from the thread's caller"


def test_executor_jobs_and_to_thread_complete(loop: GuiEventLoop) -> None:
    async def main() -> list[int]:
        return list(await asyncio.gather(asyncio.to_thread(sum, [1, 2]), asyncio.sleep(0, 4)))

    assert loop.run_until_complete(main()) == [3, 4]


def test_async_generators_are_finalized_by_the_loop(loop: GuiEventLoop) -> None:
    closed: list[str] = []

    async def numbers() -> AsyncIterator[int]:
        try:
            for i in range(10):
                yield i
        finally:
            closed.append("finally")

    async def main() -> None:
        async for i in numbers():
            if i == 2:
                break  # abandoned: its finalizer is the loop's to run

    loop.run_until_complete(main())
    loop.run_until_complete(loop.shutdown_asyncgens())
    assert closed == ["finally"]


# --- traced on the GUI loop ------------------------------------------------------------------
def _shape(make_loop: Any) -> tuple[list[Any], bool]:
    loop = make_loop()
    store = TraceStore(origin=time.monotonic())
    tracer = Tracer(store, time.monotonic)
    tracer.install(loop)
    fast = type(loop.call_soon) is not type(_shape)  # the compiled hook, not a function
    try:
        loop.run_until_complete(
            loop.create_task(pingpong(50, pause=0.01), context=tracer.new_context())
        )
        tracer.finish()
    finally:
        tracer.uninstall()
        loop.close()
    trace = TraceModel(store).snapshot()
    labels = [s.label for s in trace.suspensions]
    spans = trace.spans
    shape = [
        (
            int(spans.task[i]),
            schema.STATE_NAMES[spans.state[i]],
            labels[spans.awaiting[i]] if spans.awaiting[i] >= 0 else None,
            int(spans.woken_kind[i]),
        )
        for i in range(len(spans))
    ]
    return shape, fast


def test_a_traced_run_on_the_gui_loop_matches_asyncio_s_own(qapp: Any) -> None:
    default, _ = _shape(asyncio.new_event_loop)
    ours, fast = _shape(lambda: GuiEventLoop(qapp))
    assert ours == default
    assert len(ours) > 300
    # asyncio's own call_soon: the tracer's compiled hook takes its fast path here too
    assert fast == (recorders.hot is not None)
