"""asyncio's debug mode changes nothing in the trace.

Debug mode (``PYTHONASYNCIODEBUG=1``, ``python -X dev``, ``loop.set_debug(True)``)
makes asyncio check its callers, time every callback and record where each future
and handle was made: everything runs slower, and ``call_soon`` goes through checks
the hooks must keep.  None of that is the program's behaviour, so the trace of a
program must be the same event for event, with or without it.  Here a program that
touches every kind of waker runs both ways on a clock that moves only when the loop
skips an idle wait and as the tracer reads it (``TracerClock``): busy time is not
real time, so even the times must be equal to the bit.

The whole tracing suite also runs under ``-X dev`` in CI (``tools/test``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import sys
import threading
import time
from typing import Any

import pytest
from tracehelp import assert_tiles

from visualizer.instrument.clock import VirtualClock
from visualizer.instrument.loop import TracingEventLoop
from visualizer.instrument.tracer import Tracer
from visualizer.model.spans import TraceModel
from visualizer.trace import schema
from visualizer.trace.data import Trace
from visualizer.trace.store import TraceStore


class StillClock(VirtualClock):
    """A virtual clock without the busy time: it moves only when the loop skips an idle
    wait, so a run's times depend on its timers alone, never on how fast it ran."""

    def time(self) -> float:
        return self.skipped


class TracerClock:
    """The tracer's clock here: the still clock, plus a microsecond for each time the
    tracer has read it on the loop's thread.  Steps take time (a span of no length, tied
    with the next, would hide an order), yet a run's times are its events alone: the
    same events read the clock the same number of times.  A job's thread reads the
    still clock (how it interleaves with the loop's reads is up to the OS)."""

    def __init__(self, still: StillClock) -> None:
        self.still = still
        self.reads = 0
        self.thread = threading.get_ident()

    def __call__(self) -> float:
        if threading.get_ident() != self.thread:
            return self.still.skipped
        self.reads += 1
        return self.still.skipped + self.reads * 1e-6


# --- the program: every kind of waker, and the debug-mode race on executor jobs -----------------
async def _worker(name: str, lock: asyncio.Lock, done: list[str]) -> None:
    async with lock:
        await asyncio.sleep(0.01)
        done.append(name)


async def _producer(queue: asyncio.Queue[int | None]) -> None:
    for i in range(3):
        await queue.put(i)
        await asyncio.sleep(0.005)
    await queue.put(None)


async def _consumer(queue: asyncio.Queue[int | None]) -> list[int]:
    got = []
    while (item := await queue.get()) is not None:
        got.append(item)
    return got


async def _forever() -> None:
    await asyncio.Event().wait()


async def _fails() -> None:
    await asyncio.sleep(0.002)
    raise ValueError("boom")


async def _numbers() -> Any:
    for i in range(2):
        await asyncio.sleep(0.001)
        yield i


def _quick(n: int) -> int:
    return sum(range(n))  # done before asyncio chains its future, in debug mode


def _slow() -> str:
    time.sleep(0.02)
    return "slow"


def _failing_job() -> None:
    raise KeyError("job")


def _reply_from_a_thread(loop: asyncio.AbstractEventLoop, reply: asyncio.Future[str]) -> None:
    loop.call_soon_threadsafe(reply.set_result, "from a thread")


async def _eager(x: int) -> int:
    return x


async def program() -> tuple[Any, ...]:
    loop = asyncio.get_running_loop()
    lock = asyncio.Lock()
    done: list[str] = []
    queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize=1)
    event = asyncio.Event()
    loop.call_later(0.003, event.set)  # a timer wakes
    soon: asyncio.Future[str] = loop.create_future()
    loop.call_soon(soon.set_result, "soon")  # a callback of this step's wakes
    workers = [asyncio.create_task(_worker(f"w{i}", lock, done), name=f"w{i}") for i in range(3)]
    consumer = asyncio.create_task(_consumer(queue), name="consumer")
    producer = asyncio.create_task(_producer(queue), name="producer")
    forever = asyncio.create_task(_forever(), name="forever")
    failing = asyncio.create_task(_fails(), name="fails")
    doomed = asyncio.create_task(_forever(), name="doomed")
    loop.call_later(0.004, doomed.cancel)  # a timer cancels
    await event.wait()
    got = (await soon, await consumer)
    await asyncio.gather(*workers, producer)
    with contextlib.suppress(asyncio.CancelledError):
        await doomed
    jobs = (
        await loop.run_in_executor(None, _slow),
        await asyncio.to_thread(_quick, 100),
        await loop.run_in_executor(None, _quick, 10),
    )
    with contextlib.suppress(KeyError):
        await loop.run_in_executor(None, _failing_job)
    reply: asyncio.Future[str] = loop.create_future()
    thread = threading.Thread(target=_reply_from_a_thread, args=(loop, reply))
    thread.start()
    from_thread = await reply
    thread.join()
    numbers = [i async for i in _numbers()]
    forever.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await forever
    with contextlib.suppress(ValueError):
        await failing
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(0.01):
            await asyncio.sleep(1)
    async with asyncio.TaskGroup() as group:
        group.create_task(asyncio.sleep(0.002), name="tg-sleep")
        group.create_task(asyncio.wait_for(asyncio.sleep(0.001), 1), name="tg-wait-for")
    shielded = await asyncio.shield(asyncio.sleep(0.001, "shielded"))
    eager: list[int] = []
    if sys.version_info >= (3, 12):
        loop.set_task_factory(asyncio.eager_task_factory)
        eager = list(await asyncio.gather(_eager(1), asyncio.sleep(0.001, 2)))
        loop.set_task_factory(None)
    return got, sorted(done), jobs, from_thread, numbers, shielded, eager


EXPECTED = (
    ("soon", [0, 1, 2]),
    ["w0", "w1", "w2"],
    ("slow", 4950, 45),
    "from a thread",
    [0, 1],
    "shielded",
    [1, 2] if sys.version_info >= (3, 12) else [],
)


# --- running it, and what of the trace must not change --------------------------------------------
def _trace(debug: bool) -> tuple[Trace, Tracer]:
    clock = StillClock()
    store = TraceStore(origin=0.0)
    store.meta.clock = "virtual"
    tracer = Tracer(store, TracerClock(clock))
    with asyncio.Runner(debug=debug, loop_factory=lambda: TracingEventLoop(clock)) as runner:
        loop = runner.get_loop()
        tracer.install(loop)
        assert loop.get_debug() is debug
        assert runner.run(program(), context=tracer.new_context()) == EXPECTED
        tracer.finish()
        tracer.uninstall()
    assert tracer.failure is None
    return TraceModel(store).snapshot(), tracer


#: asyncio numbers unnamed tasks with a counter of the process's
_UNNAMED = re.compile(r"^Task-\d+$")


def _events(trace: Trace) -> dict[str, Any]:
    """Everything the chart draws, as plain values, times exact."""
    spans = trace.spans
    labels = [(s.label, s.site) for s in trace.suspensions]
    return {
        "tasks": [
            (
                t.id,
                _UNNAMED.sub("Task-N", t.name),
                t.coro,
                t.parent,
                t.created,
                t.created_at,
                t.ended,
                t.outcome,
                t.error,
            )
            for t in trace.tasks
        ],
        "spans": [
            (
                int(spans.task[i]),
                schema.STATE_NAMES[spans.state[i]],
                float(spans.start[i]),
                float(spans.end[i]),
                labels[spans.awaiting[i]] if spans.awaiting[i] >= 0 else None,
                int(spans.woken_kind[i]),
                int(spans.woken_task[i]),
            )
            for i in range(len(spans))
        ],
        # (which of the pool's threads ran a job is the OS's choice: a worker may not be
        # idle yet when the next job comes, and the pool starts another)
        "jobs": [
            (j.func, j.task, j.thread.startswith("asyncio_"), j.submitted, j.start, j.end, j.error)
            for j in trace.jobs
        ],
        "blocked": trace.blocked,
        "duration": trace.duration,
    }


@pytest.mark.parametrize("first", [False, True])
def test_debug_mode_records_the_very_same_events(first: bool) -> None:
    """Either mode first (a cold cache must not make a difference either)."""
    traces = {debug: _trace(debug)[0] for debug in (first, not first)}
    plain, debug = _events(traces[False]), _events(traces[True])
    assert_tiles(traces[True])
    assert debug == plain
    # (and the program did what it says: every kind of waker is in it)
    kinds = {schema.WAKE_NAMES[k] for _, _, _, _, _, k, _ in plain["spans"] if k >= 0}
    assert {"created", "task", "timer", "thread", "cancel"} <= kinds
    thread_wakes = [s for s in plain["spans"] if s[5] == schema.WAKE_NAMES.index("thread")]
    assert len(thread_wakes) == 5  # four executor jobs and the thread's reply


# --- what asyncio tells the program reads the same, traced or not --------------------------------
def _boom(x: int = 1) -> None:
    raise ValueError(x)


async def _coroutine_function() -> None:
    pass


async def _schedules(how: str) -> str:
    loop = asyncio.get_running_loop()
    try:
        if how == "call_soon":
            loop.call_soon(_boom)  # a callback of a traced step's
        elif how == "call_later":
            loop.call_later(0.001, _boom)  # a timer
        elif how == "partial":
            loop.call_later(0.001, functools.partial(_boom, 2))
        elif how == "threadsafe":
            loop.call_soon_threadsafe(_boom)
        elif how == "refused_soon":
            loop.call_soon(_coroutine_function)  # type: ignore[arg-type]
        elif how == "refused_later":
            loop.call_later(0.001, _coroutine_function)  # type: ignore[arg-type]
        else:
            await loop.run_in_executor(None, _coroutine_function)
    except TypeError as exc:  # (debug mode refuses a coroutine function)
        return f"TypeError: {exc}"
    await asyncio.sleep(0.01)
    return "went on"


def _told(how: str, *, traced: bool, debug: bool) -> tuple[str, list[str], Tracer]:
    told: list[str] = []
    loop = asyncio.new_event_loop()
    loop.set_debug(debug)
    loop.set_exception_handler(lambda _loop, context: told.append(context["message"]))
    tracer = Tracer(TraceStore(), time.monotonic)
    context = None
    if traced:
        tracer.install(loop)
        context = tracer.new_context()
    try:
        result = loop.run_until_complete(loop.create_task(_schedules(how), context=context))
    finally:
        tracer.uninstall()
        loop.close()
    return result, told, tracer


@pytest.mark.filterwarnings("ignore:coroutine '_coroutine_function' was never awaited")
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "how",
    ["call_soon", "call_later", "partial", "threadsafe", "refused_soon", "refused_later", "job"],
)
def test_asyncio_reports_and_refuses_as_it_does_untraced(how: str, debug: bool) -> None:
    """ "Exception in callback f(2)() at file:line", and debug mode's TypeError for a
    coroutine function handed to call_soon, call_later or run_in_executor: the hooks wrap
    callbacks, and asyncio must see through them (it did not for timers, nor for any
    callback in debug mode; a refused call_soon even switched the tracer off)."""
    plain = _told(how, traced=False, debug=debug)[:2]
    result, told, tracer = _told(how, traced=True, debug=debug)
    assert (result, told) == plain
    assert tracer.failure is None and tracer.enabled
    if how.startswith("refused") or how == "job":
        assert result.startswith("TypeError") is debug
    else:
        assert len(told) == 1 and told[0].endswith(f"at {__file__}:{_LINE_OF_BOOM}"), told


_LINE_OF_BOOM = _boom.__code__.co_firstlineno
