"""A KeyboardInterrupt or SystemExit is the program's, never a failure of the tracer's.

A hook that fails switches the tracer off (``Tracer._fail``); but Ctrl-C is not a
failure.  asyncio lets ``KeyboardInterrupt`` and ``SystemExit`` out of a task's step or
a callback, and a second Ctrl-C lands wherever the loop happens to be, the tracer's own
code included.  Either way the interrupt must reach the program exactly as it would
untraced, the tracer must stay on, and what was recorded must still make a trace that
saves and loads.  Both tracers (the C one, and the Python one with
``ASYNCVIZ_PURE_PYTHON=1``), in and out of asyncio's debug mode.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from tracehelp import assert_tiles

from visualizer.instrument.tracer import Tracer
from visualizer.model.spans import TraceModel
from visualizer.trace import fileformat
from visualizer.trace.data import Trace
from visualizer.trace.store import TraceStore

INTERRUPTS = [KeyboardInterrupt, SystemExit]


def _run(
    main: Callable[[], Coroutine[Any, Any, Any]],
    *,
    traced: bool,
    debug: bool,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[BaseException | None, Tracer]:
    """Run ``main`` on a fresh loop (traced or not); what came out of it, and the tracer.
    After an interrupt the loop is closed without running further: the interrupt may
    have taken a task's step with it, as it would untraced."""
    loop = asyncio.new_event_loop()
    loop.set_debug(debug)
    tracer = Tracer(TraceStore(origin=time.monotonic()), clock)
    raised: BaseException | None = None
    task: asyncio.Task[Any] | None = None
    try:
        context = None
        if traced:
            tracer.install(loop)
            context = tracer.new_context()
        task = loop.create_task(main(), context=context)
        loop.run_until_complete(task)
    except BaseException as exc:  # (what the test is about: anything that came out)
        raised = exc
    finally:
        tracer.uninstall()
        for left in asyncio.all_tasks(loop):  # (left by the interrupt: said above)
            left._log_destroy_pending = False  # type: ignore[attr-defined]
        loop.close()
    if task is not None and task.done() and not task.cancelled():
        task.exception()  # (retrieved: asyncio need not log it)
    return raised, tracer


def _trace_of(tracer: Tracer) -> Trace:
    """The recorded trace, after a save and a load."""
    tracer.finish()
    trace = TraceModel(tracer.store).snapshot()
    assert fileformat.loads(fileformat.dumps(trace)).tasks == trace.tasks
    return trace


# --- raised by the program: in a task's step, in a callback --------------------------------------
def _steps_then_raises(exc_type: type[BaseException]) -> Callable[[], Coroutine[Any, Any, Any]]:
    async def main() -> None:
        await asyncio.sleep(0)
        await asyncio.sleep(0.001)
        raise exc_type("stop")

    return main


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("exc_type", INTERRUPTS)
def test_an_interrupt_raised_in_a_step_goes_out_as_untraced(
    exc_type: type[BaseException], debug: bool
) -> None:
    plain, _ = _run(_steps_then_raises(exc_type), traced=False, debug=debug)
    raised, tracer = _run(_steps_then_raises(exc_type), traced=True, debug=debug)
    assert type(raised) is type(plain) is exc_type
    assert raised is not None and raised.args == ("stop",)
    assert tracer.failure is None and tracer.enabled
    trace = _trace_of(tracer)
    assert_tiles(trace)
    (main,) = trace.tasks
    # the step that raised is recorded, and ended the task (asyncio set the exception)
    assert main.outcome == "error" and main.error == f"{exc_type.__name__}: stop"
    assert main.ended is not None


def _schedules(how: str, exc_type: type[BaseException]) -> Callable[[], Coroutine[Any, Any, Any]]:
    def interrupt() -> None:
        raise exc_type("from a callback")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        if how == "call_soon":
            loop.call_soon(interrupt)  # a callback of this step's
        else:
            loop.call_later(0.001, interrupt)  # a timer
        await asyncio.sleep(0.05)

    return main


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("how", ["call_soon", "call_later"])
@pytest.mark.parametrize("exc_type", INTERRUPTS)
def test_an_interrupt_raised_in_a_callback_goes_out_as_untraced(
    exc_type: type[BaseException], how: str, debug: bool
) -> None:
    plain, _ = _run(_schedules(how, exc_type), traced=False, debug=debug)
    raised, tracer = _run(_schedules(how, exc_type), traced=True, debug=debug)
    assert type(raised) is type(plain) is exc_type
    assert raised is not None and raised.args == ("from a callback",)
    assert tracer.failure is None and tracer.enabled
    trace = _trace_of(tracer)
    assert_tiles(trace)
    (main,) = trace.tasks
    assert main.outcome == "pending"  # (still asleep when the interrupt stopped the loop)


# --- landing in the tracer's own code -------------------------------------------------------
class InterruptingClock:
    """The tracer's clock, raising KeyboardInterrupt at its ``at``-th read: a signal
    landing while the tracer records (between two appends of a row, before a step, in
    the middle of making a task) without depending on when a real signal arrives."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        if self.reads == self.at:
            raise KeyboardInterrupt(f"read {self.at}")
        return time.monotonic()


async def _child(i: int) -> int:
    await asyncio.sleep(0)
    await asyncio.sleep(0.001 * i)
    return i


async def _family() -> list[int]:
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.call_soon(done.set_result, None)  # a callback of this step's wakes it
    await done
    return list(await asyncio.gather(*(_child(i) for i in range(3))))


def _reads(debug: bool) -> int:
    clock = InterruptingClock(at=0)
    raised, tracer = _run(_family, traced=True, debug=debug, clock=clock)
    assert raised is None and tracer.failure is None
    return clock.reads


# (an interrupt before a task's first step leaves its coroutine never awaited, as untraced)
@pytest.mark.filterwarnings("ignore:coroutine '_(family|child)' was never awaited")
@pytest.mark.parametrize("debug", [False, True])
def test_an_interrupt_landing_in_the_tracer_goes_out_and_the_trace_holds(debug: bool) -> None:
    """At every one of the run's clock reads in turn: the interrupt comes out of
    ``create_task`` or ``run_until_complete``, the tracer is still on, and the rows
    recorded line up (none torn) and make a trace that saves and loads."""
    reads = _reads(debug)
    assert reads > 20
    for at in range(1, reads + 1):
        clock = InterruptingClock(at)
        raised, tracer = _run(_family, traced=True, debug=debug, clock=clock)
        assert isinstance(raised, KeyboardInterrupt) and raised.args == (f"read {at}",), at
        assert tracer.failure is None and tracer.enabled, at
        store = tracer.store
        _trace_of(tracer)
        tasks = {len(c) for c in (store.task_parent, store.task_created, store.task_name)}
        steps = {len(c) for c in (store.step_task, store.step_start, store.step_code)}
        wakes = {len(c) for c in (store.wake_task, store.wake_t, store.wake_waker)}
        assert len(tasks) == len(steps) == len(wakes) == 1, (at, tasks, steps, wakes)
    gc.collect()  # (those coroutines are let go here, not in a later test)
