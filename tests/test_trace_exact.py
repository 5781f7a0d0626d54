"""Exact traces: event order per task, labels, await sites, woken_by and times.

Each test runs a real asyncio program (a starter scenario, or a small program in
this file) under the tracer and compares every span of every task with what
asyncio really did: states in order, what a task awaited and on which line, who
woke it, and when.  Await sites in this file are found by their end-of-line
``# AWAIT-SITE-...`` marker, in scenario files by the exact text of the line.

They run on the ideal clock: idle waits are skipped and steps take no time (a
``time.sleep`` counts as its argument), so ``sleep(1.0)`` lasts exactly 1.0 s however
busy the machine is.  On the virtual clock busy time is real, and a loaded machine
(CI running two Pythons' suites side by side) stretched it past any fair tolerance: a
worker's nap 96 ms late.  The tests about the virtual clock itself say so.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import json
import logging
import math
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tracehelp import (
    RUN,
    RUNNING,
    SUSPENDED,
    Span,
    assert_tiles,
    marker_line,
    marker_site,
    max_holders,
    of_state,
    ready,
    semaphore_holds,
    shape,
    short_site,
    spans,
    susp,
    task,
    text_site,
    tolerance,
)
from tracehelp import (
    run_traced as traced_on,
)

from visualizer.instrument.awaits import AwaitDescriber
from visualizer.instrument.loop import TracingEventLoop
from visualizer.instrument.tracer import Tracer
from visualizer.session.runner import Recorder, run_scenario
from visualizer.session.scenarios import Scenario, bind_params, find
from visualizer.trace.data import Trace
from visualizer.trace.store import TraceStore

THIS = sys.modules[__name__]
approx = pytest.approx


def site(marker: str) -> str:
    """``test_trace_exact.py:<line>`` of the line marked ``# AWAIT-SITE-<marker>``."""
    return marker_site(THIS, marker)


def plain_keys(loop_type: type[asyncio.AbstractEventLoop]) -> set[str]:
    """The instance attributes of a fresh, never-traced loop of ``loop_type``."""
    loop = loop_type()
    try:
        return set(loop.__dict__)
    finally:
        loop.close()


def running_at(trace: Trace, which: int | str, t: float) -> bool:
    """True if ``t`` falls inside one of the task's running spans."""
    return any(s.start <= t <= s.end for s in of_state(trace, which, RUNNING))


def scenario_trace(sid: str, **params: Any) -> tuple[Scenario, Trace, float]:
    """Run a starter scenario on the ideal clock: (scenario, trace, time tolerance)."""
    scenario = find(sid)
    result = run_scenario(
        scenario, bind_params(scenario, {k: str(v) for k, v in params.items()}), clock="ideal"
    )
    assert result.error is None, result.error
    assert result.tracer_failure is None
    assert_tiles(result.trace)
    return scenario, result.trace, tolerance(result.wall_seconds)


def run_traced(main_fn: Any, *args: Any, clock: str = "ideal", recorder: Any = None) -> Any:
    """``tracehelp.run_traced`` on the ideal clock unless ``clock`` says (exact times,
    load-proof: the module's docstring)."""
    return traced_on(main_fn, *args, clock=clock, recorder=recorder)


# =============================================================================================
# 1. The starter scenarios
# =============================================================================================


def test_create_task_basics(capsys: pytest.CaptureFixture[str]) -> None:
    scenario, trace, tol = scenario_trace("create_task_basics")
    path = scenario.path
    main, short, long = trace.tasks
    assert (short.name, long.name) == ("nap-1s", "nap-2s")
    assert (main.coro, short.coro, long.coro) == ("main", "nap", "nap")
    assert (main.parent, short.parent, long.parent) == (None, main.id, main.id)
    assert [t.outcome for t in trace.tasks] == ["done", "done", "done"]
    assert short_site(short.created_at) == text_site(
        path, 'short = asyncio.create_task(nap(1.0), name="nap-1s")'
    )
    assert short.created_at is not None and short.created_at.startswith(str(path) + ":")
    assert short_site(long.created_at) == text_site(
        path, 'long = asyncio.create_task(nap(2.0), name="nap-2s")'
    )

    nap_site = text_site(path, "await asyncio.sleep(seconds)")
    assert shape(trace, "nap-1s") == [
        ready("created", main.id),
        RUN,
        susp("sleep(1.0)", nap_site),
        ready("timer"),
        RUN,
    ]
    assert shape(trace, "nap-2s") == [
        ready("created", main.id),
        RUN,
        susp("sleep(2.0)", nap_site),
        ready("timer"),
        RUN,
    ]
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("Task 'nap-1s'", text_site(path, "await short")),
        ready("task", short.id),
        RUN,
        susp("Task 'nap-2s'", text_site(path, "await long")),
        ready("task", long.id),
        RUN,
    ]

    # created inside main's first step, ready until main suspends
    main_first = spans(trace, main.id)[1]
    for nap in (short, long):
        first_ready, first_run = spans(trace, nap.id)[:2]
        assert main_first.start <= nap.created <= main_first.end
        assert first_ready.start == nap.created
        assert first_run.start >= main_first.end
    # the naps sleep together: 1 s and 2 s from the start, 2 s in all
    assert of_state(trace, "nap-1s", SUSPENDED)[0].end == approx(1.0, abs=tol)
    assert of_state(trace, "nap-2s", SUSPENDED)[0].end == approx(2.0, abs=tol)
    assert (short.ended, long.ended, main.ended) == approx((1.0, 2.0, 2.0), abs=tol)
    assert trace.duration == approx(2.0, abs=tol)
    # each nap wakes main from inside its own last step
    main_spans = spans(trace, main.id)
    assert running_at(trace, short.id, main_spans[3].start)
    assert running_at(trace, long.id, main_spans[6].start)
    assert "finished in 2.0 s" in capsys.readouterr().out


def test_sequential_vs_concurrent_sequential() -> None:
    scenario, trace, tol = scenario_trace("sequential_vs_concurrent", mode="sequential")
    (main,) = trace.tasks
    delay_site = text_site(scenario.path, "await asyncio.sleep(delay)")
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("sleep(1.0)", delay_site),
        ready("timer"),
        RUN,
        susp("sleep(2.0)", delay_site),
        ready("timer"),
        RUN,
    ]
    one, two = of_state(trace, main.id, SUSPENDED)
    assert (one.duration, two.duration) == approx((1.0, 2.0), abs=tol)
    assert main.ended == approx(3.0, abs=tol)
    assert trace.duration == approx(3.0, abs=tol)


def test_sequential_vs_concurrent_concurrent() -> None:
    scenario, trace, tol = scenario_trace("sequential_vs_concurrent", mode="concurrent")
    path = scenario.path
    main, hello, world = trace.tasks
    assert (hello.name, world.name) == ("say-hello", "say-world")
    delay_site = text_site(path, "await asyncio.sleep(delay)")
    for name, label in (("say-hello", "sleep(1.0)"), ("say-world", "sleep(2.0)")):
        assert shape(trace, name) == [
            ready("created", main.id),
            RUN,
            susp(label, delay_site),
            ready("timer"),
            RUN,
        ]
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("Task 'say-hello'", text_site(path, "await task1")),
        ready("task", hello.id),
        RUN,
        susp("Task 'say-world'", text_site(path, "await task2")),
        ready("task", world.id),
        RUN,
    ]
    main_spans = spans(trace, main.id)
    assert (main_spans[3].start, main_spans[6].start) == approx((1.0, 2.0), abs=tol)
    assert trace.duration == approx(2.0, abs=tol)


def test_gather_basics(capsys: pytest.CaptureFixture[str]) -> None:
    scenario, trace, tol = scenario_trace("gather_basics")
    path = scenario.path
    main = trace.tasks[0]
    assert [t.name for t in trace.tasks[1:]] == ["factorial-A", "factorial-B", "factorial-C"]
    sleep_site = text_site(path, "await asyncio.sleep(1)")
    for name, number in (("factorial-A", 4), ("factorial-B", 3), ("factorial-C", 2)):
        steps = number - 1  # one sleep(1) per factor
        assert (
            shape(trace, name)
            == [ready("created", main.id), RUN]
            + [
                susp("sleep(1.0)", sleep_site),
                ready("timer"),
                RUN,
            ]
            * steps
        )
        sleeps = of_state(trace, name, SUSPENDED)
        assert [s.end for s in sleeps] == approx([float(k) for k in range(1, steps + 1)], abs=tol)
        assert task(trace, name).ended == approx(float(steps), abs=tol)
    slowest = task(trace, "factorial-A")
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("gather(3 awaitables)", text_site(path, "results = await asyncio.gather(*tasks)")),
        ready("task", slowest.id),
        RUN,
    ]
    assert spans(trace, main.id)[3].start == approx(3.0, abs=tol)
    assert trace.duration == approx(3.0, abs=tol)
    assert "[24, 6, 2]" in capsys.readouterr().out


def test_task_exception() -> None:
    scenario, trace, tol = scenario_trace("task_exception")
    path = scenario.path
    main, steady, flaky = trace.tasks
    assert (steady.name, flaky.name) == ("steady", "flaky")
    assert (steady.outcome, flaky.outcome, main.outcome) == ("done", "error", "done")
    assert flaky.error == "ValueError: bad response"
    assert steady.error is None and steady.traceback is None
    raise_line = text_site(path, 'raise ValueError("bad response")').rpartition(":")[2]
    assert flaky.traceback is not None
    assert flaky.traceback.startswith("Traceback (most recent call last):\n")
    assert f'File "{path}", line {raise_line}, in fetch_flaky\n' in flaky.traceback
    assert flaky.traceback.endswith("ValueError: bad response\n")
    assert "visualizer" not in flaky.traceback  # no tracer frames leak into it

    assert shape(trace, "flaky") == [
        ready("created", main.id),
        RUN,
        susp("sleep(0.5)", text_site(path, "await asyncio.sleep(0.5)")),
        ready("timer"),
        RUN,
    ]
    assert shape(trace, "steady") == [
        ready("created", main.id),
        RUN,
        susp("sleep(1.0)", text_site(path, "await asyncio.sleep(1.0)")),
        ready("timer"),
        RUN,
    ]
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("Task 'flaky'", text_site(path, "await flaky")),
        ready("task", flaky.id),
        RUN,
        susp(
            "Task 'steady'",
            text_site(path, 'print(f"{steady.get_name()} returned {await steady!r}")'),
        ),
        ready("task", steady.id),
        RUN,
    ]
    assert (flaky.ended, steady.ended, main.ended) == approx((0.5, 1.0, 1.0), abs=tol)
    main_spans = spans(trace, main.id)
    assert (main_spans[3].start, main_spans[6].start) == approx((0.5, 1.0), abs=tol)


@pytest.mark.parametrize(("workers", "limit", "work"), [(6, 2, 1.0), (5, 1, 0.5), (4, 3, 1.0)])
def test_semaphore_workers(workers: int, limit: int, work: float) -> None:
    scenario, trace, tol = scenario_trace(
        "semaphore_workers", workers=workers, limit=limit, work=work
    )
    path = scenario.path
    main = trace.tasks[0]
    names = [f"worker-{k}" for k in range(1, workers + 1)]
    assert [t.name for t in trace.tasks[1:]] == names
    acquire_site = text_site(path, "async with sem:")
    sleep_site = text_site(path, "await asyncio.sleep(work)")
    for k, name in enumerate(names, start=1):
        sleeping = [susp(f"sleep({work!r})", sleep_site), ready("timer"), RUN]
        if k <= limit:  # a permit at once
            expected = [ready("created", main.id), RUN, *sleeping]
        else:  # waits; the permit comes from worker k - limit (FIFO), as it leaves the block
            waker = task(trace, f"worker-{k - limit}")
            expected = [
                ready("created", main.id),
                RUN,
                susp("Semaphore.acquire", acquire_site),
                ready("task", waker.id),
                RUN,
                *sleeping,
            ]
        assert shape(trace, name) == expected, name
        wave = (k - 1) // limit
        (nap,) = [s for s in spans(trace, name) if s.label == f"sleep({work!r})"]
        assert (nap.start, nap.end) == approx((wave * work, (wave + 1) * work), abs=tol)
        if k > limit:
            wake = spans(trace, name)[3]
            assert running_at(trace, f"worker-{k - limit}", wake.start)

    holds = semaphore_holds(trace, names)
    assert max_holders(holds.values()) == limit
    last = max(trace.tasks[1:], key=lambda t: t.ended or 0.0)
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp(f"gather({workers} awaitables)", text_site(path, "await asyncio.gather(*tasks)")),
        ready("task", last.id),
        RUN,
    ]
    total = math.ceil(workers / limit) * work
    assert trace.duration == approx(total, abs=tol)


def _cancellation_trace() -> tuple[Scenario, Trace, float]:
    return scenario_trace("cancellation")


def test_cancellation() -> None:
    scenario, trace, tol = _cancellation_trace()
    path = scenario.path
    main, worker = trace.tasks
    assert worker.name == "worker"
    tick_site = text_site(path, "await asyncio.sleep(1.0)")
    assert worker.outcome == "cancelled"
    assert worker.error is None
    assert worker.cancelled_at == f"{path}:{tick_site.rpartition(':')[2]}"
    assert main.outcome == "done" and main.cancelled_at is None
    tick = [susp("sleep(1.0)", tick_site), ready("timer"), RUN]
    assert shape(trace, "worker") == [
        ready("created", main.id),
        RUN,
        *tick,
        *tick,
        susp("sleep(1.0)", tick_site),
        ready("cancel", main.id),
        RUN,
        susp("sleep(0.5)", text_site(path, "await asyncio.sleep(0.5)")),
        ready("timer"),
        RUN,
    ]
    worker_spans = spans(trace, "worker")
    cancel_wake = worker_spans[9]
    assert cancel_wake.start == approx(2.5, abs=tol)
    assert running_at(trace, main.id, cancel_wake.start)  # main's step called cancel()
    assert worker.ended == approx(3.0, abs=tol)

    main_shape = shape(trace, main.id)
    assert main_shape[:6] == [
        ready("created"),
        RUN,
        susp("sleep(2.5)", text_site(path, "await asyncio.sleep(cancel_after)")),
        ready("timer"),
        RUN,
        susp("Task 'worker'", text_site(path, "await task")),
    ]
    assert len(main_shape) == 8 and main_shape[7] == RUN
    last_wake = spans(trace, main.id)[6]
    assert last_wake.state == "ready"
    assert last_wake.woken_by is not None and last_wake.woken_by[1] == worker.id
    assert last_wake.start == approx(3.0, abs=tol)
    assert trace.duration == approx(3.0, abs=tol)


def test_cancellation_awaiter_is_woken_by_task_not_cancel() -> None:
    _, trace, _ = _cancellation_trace()
    main, worker = trace.tasks
    assert spans(trace, main.id)[6].woken_by == ("task", worker.id)


# =============================================================================================
# 2. Tricky cases
# =============================================================================================

# --- TaskGroup: one child fails, the siblings and the parent are cancelled --------------------


async def tg_slow() -> None:
    await asyncio.sleep(1.0)  # AWAIT-SITE-TG-SLOW


async def tg_boom() -> None:
    await asyncio.sleep(0.2)  # AWAIT-SITE-TG-BOOM
    raise ValueError("boom")


async def tg_main() -> list[str]:
    caught: list[str] = []
    try:
        async with asyncio.TaskGroup() as tg:  # AWAIT-SITE-TG
            tg.create_task(tg_slow(), name="slow1")
            tg.create_task(tg_boom(), name="boom")
            tg.create_task(tg_slow(), name="slow2")
    except* ValueError as group:
        caught.extend(repr(e) for e in group.exceptions)
    return caught


def test_taskgroup_failure_cancels_siblings() -> None:
    run = run_traced(tg_main)
    trace, tol = run.trace, run.tol
    assert run.error is None and run.result == ["ValueError('boom')"]
    assert_tiles(trace)
    main, slow1, boom, slow2 = trace.tasks
    assert [t.name for t in (slow1, boom, slow2)] == ["slow1", "boom", "slow2"]
    assert (main.outcome, slow1.outcome, boom.outcome, slow2.outcome) == (
        "done",
        "cancelled",
        "error",
        "cancelled",
    )
    assert boom.error == "ValueError: boom"
    assert shape(trace, "boom") == [
        ready("created", main.id),
        RUN,
        susp("sleep(0.2)", site("TG-BOOM")),
        ready("timer"),
        RUN,
    ]
    for sibling in (slow1, slow2):
        assert shape(trace, sibling.id) == [
            ready("created", main.id),
            RUN,
            susp("sleep(1.0)", site("TG-SLOW")),
            ready("cancel", boom.id),  # the TaskGroup cancels them from boom's done-callback
            RUN,
        ]
        assert short_site(sibling.cancelled_at) == site("TG-SLOW")
        wake = spans(trace, sibling.id)[3]
        assert wake.start >= boom.ended
        assert wake.start == approx(0.2, abs=tol)
    last = max((slow1, slow2), key=lambda t: t.ended or 0.0)
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("TaskGroup", site("TG")),
        ready("cancel", boom.id),  # the group cancels its parent too, then un-cancels it
        RUN,
        susp("TaskGroup", site("TG")),  # waits for the cancelled siblings to finish
        ready("task", last.id),
        RUN,
    ]
    assert (boom.ended, slow1.ended, slow2.ended, main.ended) == approx((0.2,) * 4, abs=tol)
    assert trace.duration == approx(0.2, abs=tol)


# --- wait_for timing out ----------------------------------------------------------------------


async def wf_inner() -> None:
    await asyncio.sleep(2.0)  # AWAIT-SITE-WF-INNER


async def wf_main() -> str:
    inner = asyncio.create_task(wf_inner(), name="inner")
    try:
        await asyncio.wait_for(inner, timeout=0.5)  # AWAIT-SITE-WF
    except TimeoutError:
        return "timeout"
    return "no timeout"


def test_wait_for_timeout() -> None:
    run = run_traced(wf_main)
    trace, tol = run.trace, run.tol
    assert run.error is None and run.result == "timeout"
    assert_tiles(trace)
    main, inner = trace.tasks
    assert inner.name == "inner"
    assert (main.outcome, inner.outcome) == ("done", "cancelled")
    assert short_site(inner.cancelled_at) == site("WF-INNER")
    waiting = susp("wait_for(timeout=0.5)", site("WF"))
    if sys.version_info < (3, 12):
        # 3.11: a timer releases wait_for, which cancels the inner task and waits for it
        assert shape(trace, "inner") == [
            ready("created", main.id),
            RUN,
            susp("sleep(2.0)", site("WF-INNER")),
            ready("cancel", main.id),
            RUN,
        ]
        assert shape(trace, main.id) == [
            ready("created"),
            RUN,
            waiting,
            ready("timer"),
            RUN,
            waiting,
            ready("task", inner.id),
            RUN,
        ]
    else:
        # 3.12+: wait_for is asyncio.timeout: the timer cancels main, which cancels inner
        assert shape(trace, "inner") == [
            ready("created", main.id),
            RUN,
            susp("sleep(2.0)", site("WF-INNER")),
            ready("cancel"),
            RUN,
        ]
        # main's cancel is passed on to inner, and inner's end is what wakes main: a
        # wake by inner, not a cancel by it (that arrow would read "inner cancelled main")
        assert shape(trace, main.id) == [
            ready("created"),
            RUN,
            waiting,
            ready("task", inner.id),
            RUN,
        ]
    assert (inner.ended, main.ended) == approx((0.5, 0.5), abs=tol)
    assert trace.duration == approx(0.5, abs=tol)


# --- asyncio.timeout: a timer cancels the task ------------------------------------------------


async def to_main() -> str:
    try:
        async with asyncio.timeout(0.3):
            await asyncio.sleep(1)  # AWAIT-SITE-TIMEOUT
    except TimeoutError:
        return "timed out"
    return "no timeout"


def test_asyncio_timeout_is_a_cancel_by_no_task() -> None:
    run = run_traced(to_main)
    trace, tol = run.trace, run.tol
    assert run.result == "timed out"
    assert_tiles(trace)
    (main,) = trace.tasks
    assert main.outcome == "done"
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("sleep(1.0)", site("TIMEOUT")),
        ready("cancel"),  # cancel() called from a timer callback: no task did it
        RUN,
    ]
    assert main.ended == approx(0.3, abs=tol)


# --- a cancel passed on: through an awaited task, through gather ----------------------------


async def pass_child(seconds: float) -> None:
    await asyncio.sleep(seconds)  # AWAIT-SITE-PASS-CHILD


async def pass_waiter(through: str) -> None:
    if through == "task":
        child = asyncio.create_task(pass_child(2.0), name="child")
        await child  # AWAIT-SITE-PASS-TASK
    else:
        await asyncio.gather(pass_child(2.0), pass_child(3.0))  # AWAIT-SITE-PASS-GATHER


async def pass_main(through: str) -> None:
    waiter = asyncio.create_task(pass_waiter(through), name="waiter")
    await asyncio.sleep(0.5)  # AWAIT-SITE-PASS-MAIN
    waiter.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiter


@pytest.mark.parametrize("through", ["task", "gather"])
def test_a_cancel_passed_on_wakes_the_canceller_s_target_by_its_work_ending(
    through: str,
) -> None:
    """``main`` cancels ``waiter``, which awaits a task (or ``gather``): the cancel goes on
    to that work, which is woken by ``main``'s cancel; ``waiter`` is woken only when the
    work has ended, by the work, as any task awaiting it would be."""
    run = run_traced(pass_main, through)
    trace, tol = run.trace, run.tol
    assert_tiles(trace)
    main, waiter = trace.tasks[0], trace.task_by_name("waiter")
    children = trace.tasks[2:]
    assert len(children) == (1 if through == "task" else 2)
    for child in children:
        assert child.outcome == "cancelled"
        assert shape(trace, child.id)[3] == ready("cancel", main.id)  # main's cancel() did it
    assert waiter.outcome == "cancelled"
    # (gather ends at its first child's cancelled end, not at its last)
    first = children[0]
    woken = shape(trace, waiter.id)[3]
    label = "Task 'child'" if through == "task" else "gather(2 awaitables)"
    assert shape(trace, waiter.id)[2] == susp(label, site(f"PASS-{through.upper()}"))
    assert woken == ready("task", first.id)  # not ready("cancel", ...): no task cancelled it
    assert waiter.ended == approx(0.5, abs=tol)


# --- a task a callback makes ---------------------------------------------------------------


async def bare_cb_child() -> None:
    await asyncio.sleep(0.01)


async def bare_cb_main() -> None:
    asyncio.get_running_loop().call_soon(asyncio.ensure_future, bare_cb_child())
    await asyncio.sleep(0.1)


def test_a_task_a_callback_makes_has_no_creation_site() -> None:
    """No user code made it (``ensure_future`` was the callback itself): no site, on both
    hot paths; the compiled one runs a handle with no frame of its own, and its walk
    used to go on up to the line that started the loop."""
    run = run_traced(bare_cb_main)
    _, child = run.trace.tasks
    assert child.parent is None and child.created_at is None


# --- Queue hand-off ---------------------------------------------------------------------------


async def q_consumer(q: asyncio.Queue[int]) -> int:
    return await q.get()  # AWAIT-SITE-Q-GET


async def q_producer(q: asyncio.Queue[int]) -> None:
    await asyncio.sleep(0.3)  # AWAIT-SITE-Q-SLEEP
    q.put_nowait(42)


async def q_main() -> list[Any]:
    q: asyncio.Queue[int] = asyncio.Queue()
    consumer = asyncio.create_task(q_consumer(q), name="consumer")
    producer = asyncio.create_task(q_producer(q), name="producer")
    return await asyncio.gather(consumer, producer)  # AWAIT-SITE-Q-GATHER


def test_queue_handoff() -> None:
    run = run_traced(q_main)
    trace, tol = run.trace, run.tol
    assert run.error is None and run.result == [42, None]
    assert_tiles(trace)
    main, consumer, producer = trace.tasks
    assert shape(trace, "consumer") == [
        ready("created", main.id),
        RUN,
        susp("Queue.get", site("Q-GET")),
        ready("task", producer.id),
        RUN,
    ]
    assert shape(trace, "producer") == [
        ready("created", main.id),
        RUN,
        susp("sleep(0.3)", site("Q-SLEEP")),
        ready("timer"),
        RUN,
    ]
    # ready the moment put_nowait ran: inside the producer's last step
    wake = spans(trace, "consumer")[3]
    put_step = spans(trace, "producer")[-1]
    assert put_step.start <= wake.start <= put_step.end
    assert wake.start == approx(0.3, abs=tol)
    assert spans(trace, "consumer")[2].end == wake.start
    # the consumer finishes last: it completes the gather
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("gather(2 awaitables)", site("Q-GATHER")),
        ready("task", consumer.id),
        RUN,
    ]


# --- Lock hand-off ----------------------------------------------------------------------------


async def lock_holder(lock: asyncio.Lock, log: list[str]) -> None:
    async with lock:
        log.append("holder in")
        await asyncio.sleep(0.4)  # AWAIT-SITE-LOCK-HOLD
    log.append("holder out")


async def lock_waiter(lock: asyncio.Lock, log: list[str]) -> None:
    async with lock:  # AWAIT-SITE-LOCK-ACQ
        log.append("waiter in")


async def lock_main() -> list[str]:
    lock = asyncio.Lock()
    log: list[str] = []
    holder = asyncio.create_task(lock_holder(lock, log), name="holder")
    await asyncio.sleep(0)  # let the holder take the lock
    waiter = asyncio.create_task(lock_waiter(lock, log), name="waiter")
    await asyncio.gather(holder, waiter)  # AWAIT-SITE-LOCK-GATHER
    return log


def test_lock_handoff() -> None:
    run = run_traced(lock_main)
    trace, tol = run.trace, run.tol
    assert run.error is None and run.result == ["holder in", "holder out", "waiter in"]
    assert_tiles(trace)
    main, holder, waiter = trace.tasks
    assert shape(trace, "holder") == [
        ready("created", main.id),
        RUN,
        susp("sleep(0.4)", site("LOCK-HOLD")),
        ready("timer"),
        RUN,
    ]
    assert shape(trace, "waiter") == [
        ready("created", main.id),
        RUN,
        susp("Lock.acquire", site("LOCK-ACQ")),
        ready("task", holder.id),
        RUN,
    ]
    wake = spans(trace, "waiter")[3]
    release_step = spans(trace, "holder")[-1]
    assert release_step.start <= wake.start <= release_step.end
    assert wake.start == approx(0.4, abs=tol)
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        ready("task", main.id),  # sleep(0): a bare yield, ready again at once
        RUN,
        susp("gather(2 awaitables)", site("LOCK-GATHER")),
        ready("task", waiter.id),
        RUN,
    ]
    main_spans = spans(trace, main.id)
    assert main_spans[2].start == main_spans[1].end


# --- a blocking step delays a timer that is due -----------------------------------------------


async def blk_a() -> None:
    await asyncio.sleep(0.05)  # AWAIT-SITE-BLK-A
    time.sleep(0.3)  # holds the loop from 0.05 to 0.35: B's timer is due at 0.1


async def blk_b() -> None:
    await asyncio.sleep(0.1)  # AWAIT-SITE-BLK-B


async def blk_main() -> None:
    b = asyncio.create_task(blk_b(), name="B")
    a = asyncio.create_task(blk_a(), name="A")
    await asyncio.gather(a, b)


def test_blocking_step_delays_due_timer() -> None:
    run = run_traced(blk_main, clock="virtual")  # (a blocking step's own time: real)
    assert run.error is None
    trace, tol = run.trace, run.tol
    assert_tiles(trace)
    main, b, a = trace.tasks
    assert (a.name, b.name) == ("A", "B")
    assert shape(trace, "A") == [
        ready("created", main.id),
        RUN,
        susp("sleep(0.05)", site("BLK-A")),
        ready("timer"),
        RUN,
    ]
    assert shape(trace, "B") == [
        ready("created", main.id),
        RUN,
        susp("sleep(0.1)", site("BLK-B")),
        ready("timer"),
        RUN,
    ]
    blocking = spans(trace, "A")[-1]
    assert blocking.start == approx(0.05, abs=tol)
    assert blocking.duration >= 0.3
    # The timer fires when the loop gets control back: B's sleep future is not done
    # (and B not runnable) before A's step ends, however long ago the timer was due.
    b_sleep, b_ready, b_run = spans(trace, "B")[2:]
    assert b_sleep.end >= blocking.end
    assert b_ready.start >= blocking.end
    assert b_run.start >= blocking.end
    assert b_sleep.duration >= 0.3 - 0.1
    # exactly one slow step, and it is A's
    assert len(trace.blocked) == 1
    (blocked,) = trace.blocked
    assert (blocked.task, blocked.what) == (a.id, "A")
    assert (blocked.start, blocked.end) == approx((blocking.start, blocking.end), abs=1e-6)
    assert blocked.end - blocked.start >= 0.3
    # B's timer, long due, fires as A's step ends: B's step follows at once, not after
    # another 0.1 s of its sleep (a bound on that short gap, not on the whole run, which
    # a loaded machine stretches: CI saw 0.445 s for 0.35)
    assert trace.duration - blocking.end < 0.1


# --- executor jobs ----------------------------------------------------------------------------


def blocking_io() -> str:
    time.sleep(0.05)
    return "io"


def crunch(n: int) -> int:
    return sum(range(n))


def failing_job() -> None:
    raise ValueError("job failed")


async def exec_main() -> tuple[str, int, str]:
    loop = asyncio.get_running_loop()
    a = await loop.run_in_executor(None, blocking_io)  # AWAIT-SITE-EXEC-RIE
    b = await asyncio.to_thread(crunch, 1000)  # AWAIT-SITE-EXEC-TT
    try:
        await loop.run_in_executor(None, failing_job)  # AWAIT-SITE-EXEC-FAIL
    except ValueError as exc:
        return a, b, str(exc)
    return a, b, ""


def test_executor_jobs() -> None:
    run = run_traced(exec_main, clock="virtual")  # (jobs in threads take real time)
    trace, _tol = run.trace, run.tol
    assert run.error is None and run.result == ("io", 499500, "job failed")
    assert_tiles(trace)
    (main,) = trace.tasks
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("run_in_executor(blocking_io)", site("EXEC-RIE")),
        ready("thread"),
        RUN,
        susp("to_thread(crunch)", site("EXEC-TT")),
        ready("thread"),
        RUN,
        susp("run_in_executor(failing_job)", site("EXEC-FAIL")),
        ready("thread"),
        RUN,
    ]
    assert [j.func for j in trace.jobs] == ["blocking_io", "crunch", "failing_job"]
    assert [j.task for j in trace.jobs] == [main.id] * 3
    assert [j.error for j in trace.jobs] == [None, None, "ValueError: job failed"]
    sp = spans(trace, main.id)
    for job, (submit_step, waiting, woken) in zip(
        trace.jobs, [sp[1:4], sp[4:7], sp[7:10]], strict=True
    ):
        assert job.thread.startswith("asyncio_"), job.thread
        assert job.submitted is not None
        assert submit_step.start <= job.submitted <= submit_step.end
        assert job.submitted <= job.start <= job.end
        assert job.end <= woken.start  # the thread wake comes after the job is done
        assert waiting.end == woken.start
    io_job = trace.jobs[0]
    assert io_job.end - io_job.start >= 0.05
    assert io_job.submitted is not None and sp[2].end - io_job.submitted >= 0.05


# --- a task created by a plain loop callback --------------------------------------------------


async def cb_child(done: asyncio.Future[str]) -> None:
    await asyncio.sleep(0.1)  # AWAIT-SITE-CB-CHILD
    done.set_result("child done")


async def cb_main() -> str:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()
    loop.call_soon(lambda: asyncio.ensure_future(cb_child(done)))  # CREATED-CB
    return await done  # AWAIT-SITE-CB-MAIN


def test_task_created_by_callback_has_no_parent() -> None:
    run = run_traced(cb_main)
    trace, _tol = run.trace, run.tol
    assert run.error is None and run.result == "child done"
    assert_tiles(trace)
    main, child = trace.tasks
    assert child.coro == "cb_child"
    assert child.parent is None  # a callback made it, not main's step
    assert short_site(child.created_at) == marker_line(THIS, "CREATED-CB")
    assert shape(trace, child.id) == [
        ready("created", None),
        RUN,
        susp("sleep(0.1)", site("CB-CHILD")),
        ready("timer"),
        RUN,
    ]
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("Future", site("CB-MAIN")),
        ready("task", child.id),
        RUN,
    ]
    assert child.created >= spans(trace, main.id)[1].end  # after main's step, in the callback


# --- a program that sets its own task factory -------------------------------------------------


async def tf_child() -> int:
    await asyncio.sleep(0.1)  # AWAIT-SITE-TF-CHILD
    return 5


async def tf_main(calls: list[str]) -> tuple[Any, bool, int, list[str]]:
    loop = asyncio.get_running_loop()
    before = loop.get_task_factory()

    def factory(loop_: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        calls.append(coro.__qualname__)
        return asyncio.Task(coro, loop=loop_, **kwargs)

    loop.set_task_factory(factory)
    got = loop.get_task_factory()
    child = asyncio.create_task(tf_child(), name="tf-child")  # CREATED-TF
    value = await child  # AWAIT-SITE-TF-MAIN
    return before, got is factory, value, list(calls)


def test_program_task_factory_is_kept_and_tasks_still_traced() -> None:
    calls: list[str] = []
    run = run_traced(tf_main, calls)
    trace, _tol = run.trace, run.tol
    assert run.error is None
    before, same, value, calls_during = run.result
    assert before is None  # the tracer's own factory is invisible
    assert same  # get_task_factory() returns the program's factory
    assert value == 5
    assert calls_during == ["tf_child"]  # the program's factory made the task
    assert_tiles(trace)
    main, child = trace.tasks
    assert child.name == "tf-child" and child.parent == main.id
    assert shape(trace, "tf-child") == [
        ready("created", main.id),
        RUN,
        susp("sleep(0.1)", site("TF-CHILD")),
        ready("timer"),
        RUN,
    ]
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("Task 'tf-child'", site("TF-MAIN")),
        ready("task", child.id),
        RUN,
    ]


def test_program_task_factory_created_at_is_the_create_task_call() -> None:
    trace = run_traced(tf_main, []).trace
    child = task(trace, "tf-child")
    assert short_site(child.created_at) == marker_line(THIS, "CREATED-TF")


# --- eager tasks (3.12+) ----------------------------------------------------------------------


async def eager_quick() -> int:
    return 7


async def eager_slow() -> int:
    await asyncio.sleep(0.1)  # AWAIT-SITE-EAGER-SLOW
    return 8


async def eager_main() -> tuple[bool, int, int]:
    loop = asyncio.get_running_loop()
    loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]
    quick = asyncio.create_task(eager_quick(), name="quick")
    finished_at_once = quick.done()
    slow = asyncio.create_task(eager_slow(), name="slow")
    return finished_at_once, await quick, await slow  # AWAIT-SITE-EAGER-MAIN


_EAGER_CHILD = """
import dataclasses, json, sys
import test_trace_exact as t
from tracehelp import run_traced, spans
run = run_traced(t.eager_main)
trace = run.trace
json.dump({
    "result": repr(run.result), "error": repr(run.error),
    "tasks": [dataclasses.asdict(r) for r in trace.tasks],
    "spans": [[dataclasses.asdict(s) for s in spans(trace, r.id)] for r in trace.tasks],
}, sys.stdout)
"""


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager tasks are new in 3.12")
def test_eager_tasks() -> None:
    # In a child process: on 3.12.0-3.12.4 the tracer crashes the interpreter here.
    here = Path(__file__).resolve().parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(here.parent), str(here), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", _EAGER_CHILD],
        capture_output=True,
        text=True,
        env=env,
        cwd=here.parent,
        timeout=120,
    )
    assert proc.returncode == 0, f"child died ({proc.returncode}): {proc.stderr[-2000:]}"
    data = json.loads(proc.stdout)
    assert data["error"] == "None" and data["result"] == "(True, 7, 8)"
    names = [t["name"] for t in data["tasks"]]
    assert names[1:] == ["quick", "slow"]
    main_id = data["tasks"][0]["id"]
    sp = [
        [Span(**{**s, "woken_by": tuple(s["woken_by"]) if s["woken_by"] else None}) for s in ts]
        for ts in data["spans"]
    ]
    main_sp, quick_sp, slow_sp = sp
    quick, slow = data["tasks"][1:]
    main_first = main_sp[1]
    assert main_first.state == RUNNING
    # quick: one running span nested inside main's step, and done
    assert quick["outcome"] == "done" and quick["ended"] is not None
    assert [s.shape for s in quick_sp] == [ready("created", main_id), RUN]
    assert main_first.start <= quick_sp[1].start <= quick_sp[1].end <= main_first.end
    # slow: its first step also runs inside main's step, then it suspends as usual
    assert [s.shape for s in slow_sp] == [
        ready("created", main_id),
        RUN,
        susp("sleep(0.1)", site("EAGER-SLOW")),
        ready("timer"),
        RUN,
    ]
    assert main_first.start <= slow_sp[1].start <= slow_sp[1].end <= main_first.end
    assert slow["outcome"] == "done"
    assert [s.shape for s in main_sp] == [
        ready("created"),
        RUN,
        susp("Task 'slow'", site("EAGER-MAIN")),
        ready("task", slow["id"]),
        RUN,
    ]


# --- a selector (I/O) wake ------------------------------------------------------------------


async def io_reader(sock: socket.socket) -> bytes:
    return await asyncio.get_running_loop().sock_recv(sock, 16)  # AWAIT-SITE-IO-RECV


async def io_sender(sock: socket.socket) -> None:
    await asyncio.sleep(0.1)  # AWAIT-SITE-IO-SLEEP
    sock.send(b"ping")


async def io_main() -> bytes:
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    try:
        reader = asyncio.create_task(io_reader(a), name="reader")
        sender = asyncio.create_task(io_sender(b), name="sender")
        got, _ = await asyncio.gather(reader, sender)
        return got
    finally:
        a.close()
        b.close()


def test_socket_read_is_woken_by_io() -> None:
    run = run_traced(io_main)
    trace, tol = run.trace, run.tol
    assert run.error is None and run.result == b"ping"
    assert_tiles(trace)
    main, reader, sender = trace.tasks
    assert (reader.name, sender.name) == ("reader", "sender")
    assert shape(trace, "reader") == [
        ready("created", main.id),
        RUN,
        susp("loop.sock_recv", site("IO-RECV")),
        ready("io"),  # the selector saw the socket readable
        RUN,
    ]
    assert shape(trace, "sender") == [
        ready("created", main.id),
        RUN,
        susp("sleep(0.1)", site("IO-SLEEP")),
        ready("timer"),
        RUN,
    ]
    wake = spans(trace, "reader")[3]
    assert sender.ended is not None
    assert wake.start >= sender.ended  # readable only once the send is done
    assert wake.start == approx(0.1, abs=tol)


# --- async generators and shield --------------------------------------------------------------


async def agen_numbers() -> Any:
    for i in range(2):
        await asyncio.sleep(0.1)  # AWAIT-SITE-AGEN
        yield i


async def agen_main() -> list[int]:
    return [x async for x in agen_numbers()]


def test_async_for_site_is_inside_the_generator() -> None:
    run = run_traced(agen_main)
    assert run.result == [0, 1]
    trace, _tol = run.trace, run.tol
    (main,) = trace.tasks
    nap = [susp("sleep(0.1)", site("AGEN")), ready("timer"), RUN]
    assert shape(trace, main.id) == [ready("created"), RUN, *nap, *nap]


async def agen_with_cleanup() -> AsyncIterator[int]:
    try:
        for i in range(5):
            await asyncio.sleep(0.1)  # AWAIT-SITE-AGEN-STEP
            yield i
    finally:
        await asyncio.sleep(0.05)  # AWAIT-SITE-AGEN-CLEANUP


async def agen_aclose_main() -> list[int]:
    got = []
    ticks = agen_with_cleanup()
    async for i in ticks:
        got.append(i)
        if i == 1:
            break
    await ticks.aclose()
    return got


def test_aclose_site_and_label_are_inside_the_generator() -> None:
    """`await agen.aclose()` runs the generator's `finally`: what it awaits there is the
    label, its line the site (not an unnamed Future)."""
    run = run_traced(agen_aclose_main)
    assert run.result == [0, 1]
    trace, tol = run.trace, run.tol
    (main,) = trace.tasks
    nap = [susp("sleep(0.1)", site("AGEN-STEP")), ready("timer"), RUN]
    cleanup = [susp("sleep(0.05)", site("AGEN-CLEANUP")), ready("timer"), RUN]
    assert shape(trace, main.id) == [ready("created"), RUN, *nap, *nap, *cleanup]
    assert main.ended == approx(0.25, abs=tol)


async def abandoned_ticks() -> AsyncIterator[int]:
    try:
        for i in range(5):
            yield i
            await asyncio.sleep(0.1)
    finally:
        await asyncio.sleep(0.05)  # AWAIT-SITE-ABANDONED-CLEANUP


async def abandon_main() -> None:
    async for i in abandoned_ticks():
        if i == 1:
            break  # the generator is dropped here: asyncio closes it in a task of its own
    await asyncio.sleep(0.3)


def test_the_task_closing_an_abandoned_generator() -> None:
    run = run_traced(abandon_main)
    assert run.error is None
    trace, tol = run.trace, run.tol
    main, closer = trace.tasks
    assert closer.coro == "abandoned_ticks.aclose"
    assert (closer.parent, closer.created_at) == (None, None)  # asyncio made it, in a callback
    assert closer.created == approx(0.1, abs=tol)
    assert main.ended == approx(0.4, abs=tol)
    assert shape(trace, closer.id) == [
        ready("created"),
        RUN,
        susp("sleep(0.05)", site("ABANDONED-CLEANUP")),
        ready("timer"),
        RUN,
    ]


async def shield_inner() -> int:
    await asyncio.sleep(0.2)  # AWAIT-SITE-SHIELD-INNER
    return 3


async def shield_main() -> int:
    return await asyncio.shield(shield_inner())  # AWAIT-SITE-SHIELD


def test_shield_label() -> None:
    run = run_traced(shield_main)
    assert run.result == 3
    trace, _tol = run.trace, run.tol
    main, inner = trace.tasks
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("shield", site("SHIELD")),
        ready("task", inner.id),
        RUN,
    ]
    assert shape(trace, inner.id) == [
        ready("created", main.id),
        RUN,
        susp("sleep(0.2)", site("SHIELD-INNER")),
        ready("timer"),
        RUN,
    ]


# =============================================================================================
# 3. Tracing changes nothing
# =============================================================================================


def _task_n(name: str) -> bool:
    return re.fullmatch(r"Task-\d+", name) is not None


async def nc_ticker(log: list[Any], name: str, n: int) -> None:
    for i in range(n):
        log.append((name, i))
        await asyncio.sleep(0)


async def nc_raiser(depth: int) -> None:
    if depth == 0:
        raise KeyError("deep")
    await asyncio.sleep(0)
    await nc_raiser(depth - 1)


def _frames(exc: BaseException) -> list[tuple[str, str, int | None]]:
    return [
        (os.path.basename(f.filename), f.name, f.lineno)
        for f in traceback.extract_tb(exc.__traceback__)
    ]


async def nc_program(log: list[Any]) -> None:
    loop = asyncio.get_running_loop()
    me = asyncio.current_task()
    assert me is not None
    log.append(("main name", _task_n(me.get_name())))
    log.append(("factory", loop.get_task_factory()))
    print("start")
    a = asyncio.create_task(nc_ticker(log, "a", 3), name="a")
    b = asyncio.create_task(nc_ticker(log, "b", 3), name="b")
    coro = a.get_coro()
    log.append(("coro", inspect.iscoroutine(coro), getattr(coro, "__qualname__", None)))
    await asyncio.gather(a, b)
    unnamed = asyncio.ensure_future(asyncio.sleep(0, "x"))
    log.append(("unnamed", _task_n(unnamed.get_name()), await unnamed))

    loop.call_later(0.02, log.append, "late2")
    loop.call_later(0.01, log.append, "late1")
    never = loop.call_soon(log.append, "never")
    never.cancel()
    loop.call_soon(log.append, "soon1")
    loop.call_soon(log.append, "soon2")
    log.append(("handle", type(never).__name__))
    await asyncio.sleep(0.05)
    print("timers done")

    results = await asyncio.gather(nc_raiser(2), asyncio.sleep(0, "ok"), return_exceptions=True)
    log.append(("gather", [repr(r) for r in results]))
    raiser = asyncio.create_task(nc_raiser(2), name="raiser")
    try:
        await raiser
    except KeyError as exc:
        log.append(("traceback", _frames(exc)))

    sleeper = asyncio.create_task(asyncio.sleep(10), name="sleeper")
    await asyncio.sleep(0)
    log.append(("stack", len(sleeper.get_stack()), asyncio.current_task() is me))
    sleeper.cancel("stop it")
    try:
        await sleeper
    except asyncio.CancelledError as exc:
        log.append(("cancelled", exc.args, sleeper.cancelled(), me.cancelling()))

    q: asyncio.Queue[int] = asyncio.Queue(maxsize=1)

    async def consumer() -> None:
        for _ in range(3):
            log.append(("got", await q.get()))

    c = asyncio.create_task(consumer())
    for i in range(3):
        await q.put(i)
        log.append(("put", i))
    await c

    lock = asyncio.Lock()

    async def locker(i: int) -> None:
        async with lock:
            log.append(("lock", i))
            await asyncio.sleep(0.001 * (3 - i))

    await asyncio.gather(*(locker(i) for i in range(3)))

    try:
        async with asyncio.TaskGroup() as tg:
            sibling = tg.create_task(asyncio.sleep(1), name="tg-sleep")
            tg.create_task(nc_raiser(0), name="tg-raise")
    except* KeyError as group:
        log.append(("taskgroup", [repr(e) for e in group.exceptions], sibling.cancelled()))

    try:
        await asyncio.wait_for(asyncio.sleep(1), 0.01)
    except TimeoutError as exc:
        log.append(("wait_for", type(exc).__name__))

    in_thread = await asyncio.to_thread(
        lambda: threading.current_thread() is not threading.main_thread()
    )
    log.append(("thread", in_thread))
    log.append(("others", sorted(t.get_name() for t in asyncio.all_tasks() if t is not me)))
    print("end")
    raise RuntimeError("the program fails on purpose")


@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_tracing_changes_nothing(clock: str, capsys: pytest.CaptureFixture[str]) -> None:
    plain_log: list[Any] = []
    with pytest.raises(RuntimeError) as plain:
        asyncio.run(nc_program(plain_log))
    plain_out = capsys.readouterr().out

    traced_log: list[Any] = []
    run = run_traced(nc_program, traced_log, clock=clock)
    traced_out = capsys.readouterr().out

    assert traced_log == plain_log
    assert traced_out == plain_out == "start\ntimers done\nend\n"
    assert type(run.error) is RuntimeError
    assert str(run.error) == str(plain.value)
    # the program's own frames (the drivers' differ: asyncio.run here, a Runner there)
    program = [f for f in _frames(plain.value) if f[1].startswith("nc_")]
    assert program and [f for f in _frames(run.error) if f[1].startswith("nc_")] == program
    # the plain run really did all that (a broken program cannot pass this by luck)
    assert ("main name", True) in plain_log
    assert ("coro", True, "nc_ticker") in plain_log
    assert [e for e in plain_log if e in ("late1", "late2", "soon1", "soon2", "never")] == [
        "soon1",
        "soon2",
        "late1",
        "late2",
    ]
    assert [e for e in plain_log if isinstance(e, tuple) and e[0] in ("a", "b")] == [
        ("a", 0),
        ("b", 0),
        ("a", 1),
        ("b", 1),
        ("a", 2),
        ("b", 2),
    ]
    # and it was traced
    names = {t.name for t in run.trace.tasks}
    assert {"a", "b", "raiser", "sleeper", "tg-sleep", "tg-raise"} <= names


async def debug_consumer(q: asyncio.Queue[int]) -> int:
    return await q.get()  # AWAIT-SITE-DEBUG-GET


async def debug_main() -> int:
    q: asyncio.Queue[int] = asyncio.Queue()
    consumer = asyncio.create_task(debug_consumer(q), name="consumer")
    await asyncio.sleep(0.1)  # AWAIT-SITE-DEBUG-SLEEP
    time.sleep(0.15)  # a slow step: debug mode warns about it
    q.put_nowait(1)
    return await consumer  # AWAIT-SITE-DEBUG-AWAIT


def test_debug_mode_traces_the_same_and_asyncio_still_names_the_task(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """In debug mode the hooks wrap callbacks instead of building Handles; the trace is
    the same, and asyncio's slow-step warning still names the task, not our wrapper."""
    shapes = {}
    for debug in (False, True):
        rec = Recorder("virtual")
        with (
            caplog.at_level(logging.WARNING, logger="asyncio"),
            asyncio.Runner(loop_factory=rec.new_loop, debug=debug) as runner,
        ):
            assert runner.run(debug_main(), context=rec.tracer.new_context()) == 1
        trace = rec.finish()
        assert_tiles(trace)
        shapes[debug] = [shape(trace, t.id) for t in trace.tasks]
        assert len(trace.blocked) == 1 and trace.blocked[0].task == 0
    assert shapes[True] == shapes[False]
    main_shape, consumer_shape = shapes[True]
    assert main_shape[2:] == [
        susp("sleep(0.1)", site("DEBUG-SLEEP")),
        ready("timer"),
        RUN,
        susp("Task 'consumer'", site("DEBUG-AWAIT")),
        ready("task", 1),
        RUN,
    ]
    assert consumer_shape[2:4] == [susp("Queue.get", site("DEBUG-GET")), ready("task", 0)]
    slow = [r.getMessage() for r in caplog.records if "took" in r.getMessage()]
    assert len(slow) == 1 and slow[0].startswith("Executing <Task"), slow
    assert "name='Task-" in slow[0] and "debug_main()" in slow[0]


async def thread_reply_main(threads: list[threading.Thread]) -> str:
    loop = asyncio.get_running_loop()
    reply: asyncio.Future[str] = loop.create_future()

    def worker() -> None:  # the program's own thread, not an executor job
        time.sleep(0.05)
        with contextlib.suppress(RuntimeError):  # the loop may be closed already
            loop.call_soon_threadsafe(reply.set_result, "from thread")

    threads.append(threading.Thread(target=worker))
    threads[-1].start()
    try:
        return await asyncio.wait_for(reply, timeout=1.0)
    except TimeoutError:
        return "timed out"


def test_virtual_clock_waits_for_a_program_thread() -> None:
    threads: list[threading.Thread] = []
    assert asyncio.run(thread_reply_main(threads)) == "from thread"
    threads.pop().join()
    run = run_traced(thread_reply_main, threads, clock="virtual")
    threads.pop().join()
    assert run.error is None
    assert run.result == "from thread"
    assert run.trace.duration == approx(0.05, abs=0.03)


# =============================================================================================
# 4. Uninstall restores the loop exactly
# =============================================================================================


def _user_factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
    return asyncio.Task(coro, loop=loop, **kwargs)


@pytest.mark.parametrize("preset", [None, _user_factory], ids=["no-factory", "user-factory"])
@pytest.mark.parametrize("make_loop", [asyncio.new_event_loop, TracingEventLoop])
def test_uninstall_restores_loop_exactly(make_loop: Any, preset: Any) -> None:
    loop = make_loop()
    try:
        loop.set_task_factory(preset)
        before = dict(loop.__dict__)
        tracer = Tracer(TraceStore())
        tracer.install(loop)
        tracer.install(loop)  # idempotent
        assert "call_soon" in loop.__dict__  # hooked on the instance
        assert set(loop.__dict__) != before.keys()
        assert loop.get_task_factory() is preset  # a factory of the tracer's is invisible
        tracer.uninstall(loop)
        assert loop.__dict__.keys() == before.keys()
        changed = [k for k in before if loop.__dict__[k] is not before[k]]
        assert changed == []
        assert loop.get_task_factory() is preset
    finally:
        loop.close()


def test_factory_set_while_installed_stays_after_uninstall() -> None:
    loop = asyncio.new_event_loop()
    try:
        tracer = Tracer(TraceStore())
        tracer.install(loop)
        loop.set_task_factory(_user_factory)
        tracer.uninstall(loop)
        assert loop.get_task_factory() is _user_factory
        assert set(loop.__dict__) == plain_keys(asyncio.SelectorEventLoop)
        # an uninstalled loop records nothing, even for the run's own context
        rows = tracer.store.rows
        task_count = tracer.store.task_count
        t = loop.create_task(asyncio.sleep(0.01), context=tracer.new_context())
        loop.run_until_complete(t)
        assert (tracer.store.rows, tracer.store.task_count) == (rows, task_count)
    finally:
        loop.close()


def test_recorder_finish_restores_task_factory_of_closed_loop() -> None:
    rec = Recorder("virtual")
    with asyncio.Runner(loop_factory=rec.new_loop) as runner:
        runner.run(asyncio.sleep(0.01), context=rec.tracer.new_context())
        loop = runner.get_loop()
    rec.finish()
    assert loop.is_closed()
    assert set(loop.__dict__) == plain_keys(TracingEventLoop)
    assert loop.get_task_factory() is None


# =============================================================================================
# 5. A failing tracer hook is switched off and logged, never fatal
# =============================================================================================


async def fail_child(i: int) -> int:
    await asyncio.sleep(0.1 * (i + 1))  # AWAIT-SITE-FAIL-CHILD
    return i * 10


async def fail_main() -> list[int]:
    tasks = [asyncio.create_task(fail_child(i), name=f"fc{i}") for i in range(3)]
    return await asyncio.gather(*tasks)  # AWAIT-SITE-FAIL-MAIN


def _run_with_failing_describer(
    monkeypatch: pytest.MonkeyPatch, fail_on: int = 3
) -> tuple[Recorder, Any, list[str]]:
    """Trace fail_main with the await describer raising on its ``fail_on``-th call.

    Patched on the class before the tracer exists, so the C hot path (which looks
    ``describe`` up once) calls it too; and it never caches, so the C path, which
    calls it only on a cache miss, calls it at every suspension like the Python path.
    """
    real = AwaitDescriber.describe
    calls: list[str] = []

    def describe(self: AwaitDescriber, t: asyncio.Task[Any]) -> int:
        calls.append(t.get_name())
        if len(calls) == fail_on:
            raise RuntimeError("injected describer failure")
        sid = real(self, t)
        self._cache.clear()
        return sid

    monkeypatch.setattr(AwaitDescriber, "describe", describe)
    rec = Recorder("virtual")
    return rec, run_traced(fail_main, recorder=rec), calls


def test_failing_hook_is_switched_off_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="visualizer.instrument.tracer"):
        rec, run, calls = _run_with_failing_describer(monkeypatch)
    # the program is untouched
    assert run.error is None
    assert run.result == [0, 10, 20]
    # the tracer is off, says why, and logged it once with the traceback
    failure = rec.tracer.failure
    assert isinstance(failure, RuntimeError) and str(failure) == "injected describer failure"
    assert rec.tracer.enabled is False
    logged = [r for r in caplog.records if r.name == "visualizer.instrument.tracer"]
    assert len(logged) == 1
    assert logged[0].levelno == logging.ERROR
    assert logged[0].exc_info is not None and logged[0].exc_info[1] is failure
    assert len(calls) == 3  # never asked again once switched off: main, fc0, fc1
    # the loop got its own methods back at once
    (loop,) = rec.loops
    assert set(loop.__dict__) == plain_keys(TracingEventLoop)
    # what was recorded before the failure is still there
    trace, _tol = run.trace, run.tol
    assert [t.coro for t in trace.tasks] == ["fail_main", "fail_child", "fail_child", "fail_child"]
    main = trace.tasks[0]
    assert shape(trace, main.id)[:3] == [
        ready("created"),
        RUN,
        susp("gather(3 awaitables)", site("FAIL-MAIN")),
    ]
    assert shape(trace, 1)[:3] == [
        ready("created", main.id),
        RUN,
        susp("sleep(0.1)", site("FAIL-CHILD")),
    ]
    assert [t.parent for t in trace.tasks[1:]] == [main.id] * 3


def test_trace_after_failure_stops_at_the_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    _, run, _ = _run_with_failing_describer(monkeypatch)
    trace, _tol = run.trace, run.tol
    assert [t.name for t in trace.tasks[1:]] == ["fc0", "fc1", "fc2"]
    cut = trace.meta.get("truncated_at")
    assert cut is not None and cut < 0.05  # the failure came in the first loop iteration
    assert max(float(e) for e in trace.spans.end) <= cut + 1e-9


# =============================================================================================
# 6. Only the run's tasks are recorded
# =============================================================================================


async def ut_untraced_child() -> None:
    await asyncio.sleep(0.02)


async def ut_untraced(log: list[str]) -> None:
    child = asyncio.create_task(ut_untraced_child(), name="untraced-child")
    await asyncio.sleep(0.05)
    await asyncio.to_thread(crunch, 10)
    await child
    log.append("untraced done")


async def ut_traced_child() -> None:
    await asyncio.sleep(0.03)  # AWAIT-SITE-UT-CHILD


async def ut_traced_root(log: list[str]) -> None:
    child = asyncio.create_task(ut_traced_child(), name="traced-child")
    await asyncio.sleep(0.1)  # AWAIT-SITE-UT-ROOT
    await child
    log.append("traced done")


def test_untraced_tasks_on_the_same_loop_never_appear() -> None:
    rec = Recorder("virtual")
    loop = rec.new_loop()
    log: list[str] = []
    try:
        untraced = loop.create_task(ut_untraced(log), name="untraced")
        root = loop.create_task(
            ut_traced_root(log), name="traced-root", context=rec.tracer.new_context()
        )
        loop.run_until_complete(asyncio.gather(untraced, root))
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
    trace = rec.finish()
    assert sorted(log) == ["traced done", "untraced done"]
    assert_tiles(trace)
    assert [(t.name, t.coro) for t in trace.tasks] == [
        ("traced-root", "ut_traced_root"),
        ("traced-child", "ut_traced_child"),
    ]
    assert sorted(set(trace.spans.task.tolist())) == [0, 1]
    assert trace.jobs == []  # the untraced task's to_thread is not the run's
    assert not any("ut_untraced" in line for s in trace.suspensions for line in s.stack)
    root_rec, _child_rec = trace.tasks
    assert shape(trace, "traced-child") == [
        ready("created", root_rec.id),
        RUN,
        susp("sleep(0.03)", site("UT-CHILD")),
        ready("timer"),
        RUN,
    ]
    assert shape(trace, "traced-root") == [
        ready("created"),
        RUN,
        susp("sleep(0.1)", site("UT-ROOT")),
        ready("timer"),
        RUN,
    ]


INSTALL_ON_A_RUNNING_LOOP = """\
import asyncio
from visualizer.instrument.tracer import Tracer
from visualizer.model.spans import TraceModel
from visualizer.trace.store import TraceStore


async def traced_child():
    await asyncio.sleep(0.01)
    asyncio.get_running_loop().call_soon(asyncio.current_task().get_name)
    await asyncio.sleep(0.01)


async def app():  # a GUI's own task: the loop is running when the tracer goes in
    loop = asyncio.get_running_loop()
    tracer = Tracer(TraceStore(origin=loop.time()), loop.time)
    tracer.install(loop)
    await loop.create_task(traced_child(), name="child", context=tracer.new_context())
    tracer.finish()
    tracer.uninstall()
    trace = TraceModel(tracer.store).snapshot()
    print([(t.name, t.outcome) for t in trace.tasks], trace.spans.state.tolist())


asyncio.run(app())
"""


def test_a_tracer_installed_on_a_running_loop_in_a_fresh_process() -> None:
    """How the GUI will do it: its loop is running, the tracer's one-time set-up (which
    learns how tasks schedule their own steps) must not need to run a loop itself."""
    done = subprocess.run(
        [sys.executable, "-c", INSTALL_ON_A_RUNNING_LOOP],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    # ready, running, suspended x2, then ready, running: the scheduled get_name is no step
    assert done.stdout == "[('child', 'done')] [0, 1, 2, 0, 1, 2, 0, 1]\n"


async def relay_untraced(first: asyncio.Event, second: asyncio.Event) -> None:
    await first.wait()
    second.set()  # this task, outside the run, wakes the traced waiter


async def relay_setter(first: asyncio.Event) -> None:
    await asyncio.sleep(0.1)
    first.set()


async def relay_waiter(second: asyncio.Event) -> None:
    await second.wait()  # AWAIT-SITE-RELAY


async def relay_root(first: asyncio.Event, second: asyncio.Event) -> None:
    await asyncio.gather(
        asyncio.create_task(relay_setter(first), name="setter"),
        asyncio.create_task(relay_waiter(second), name="waiter"),
    )


def test_wake_by_untraced_task_is_not_attributed_to_a_traced_task() -> None:
    rec = Recorder("virtual")
    loop = rec.new_loop()
    first, second = asyncio.Event(), asyncio.Event()
    try:
        outsider = loop.create_task(relay_untraced(first, second), name="outsider")
        root = loop.create_task(relay_root(first, second), context=rec.tracer.new_context())
        loop.run_until_complete(asyncio.gather(outsider, root))
    finally:
        loop.close()
    trace = rec.finish()
    assert [t.name for t in trace.tasks[1:]] == ["setter", "waiter"]
    waiter_shape = shape(trace, "waiter")
    assert waiter_shape[2] == susp("Event.wait", site("RELAY"))
    # woken by a task that is not in the trace: a plain callback as far as the run knows
    assert waiter_shape[3] == ready("callback")


async def victim_of_call_soon() -> str:
    try:
        await asyncio.sleep(10)  # AWAIT-SITE-VICTIM
    except asyncio.CancelledError:
        return "cancelled at its await"
    return "slept"


async def call_soon_task_methods() -> str:
    victim = asyncio.create_task(victim_of_call_soon(), name="victim")
    await asyncio.sleep(0.5)  # AWAIT-SITE-BEFORE-CANCEL
    loop = asyncio.get_running_loop()
    loop.call_soon(victim.get_name)  # a task's method, scheduled: not a step of it
    loop.call_soon(victim.cancel)
    return await victim  # AWAIT-SITE-AWAIT-VICTIM


@pytest.mark.parametrize("task_class", ["C", "Python"])
def test_a_tasks_own_methods_scheduled_by_the_program_are_not_its_steps(task_class: str) -> None:
    """`loop.call_soon(task.cancel)` runs task.cancel as a plain callback: the task
    stays suspended until it is woken (by a cancel its creator arranged)."""

    async def main() -> str:
        if task_class == "Python":
            loop = asyncio.get_running_loop()
            loop.set_task_factory(
                lambda loop, coro, **kw: asyncio.tasks._PyTask(coro, loop=loop, **kw)
            )
        return await call_soon_task_methods()

    run = run_traced(main)
    trace, tol = run.trace, run.tol
    assert run.error is None and run.result == "cancelled at its await"
    assert_tiles(trace)
    victim = task(trace, "victim")
    assert shape(trace, "victim") == [
        ready("created", 0),
        RUN,
        susp("sleep(10.0)", site("VICTIM")),
        ready("cancel", 0),  # the creator scheduled the cancel() call
        RUN,
    ]
    suspended = of_state(trace, "victim", "suspended")[0]
    assert suspended.end == approx(0.5, abs=tol)
    assert victim.ended == approx(0.5, abs=tol)


async def rct_job() -> int:
    await asyncio.sleep(0.1)  # AWAIT-SITE-RCT-JOB
    return 5


async def rct_main() -> int:
    loop = asyncio.get_running_loop()
    handed: dict[str, Any] = {}

    def program_thread() -> None:
        time.sleep(0.02)
        handed["future"] = asyncio.run_coroutine_threadsafe(rct_job(), loop)

    thread = threading.Thread(target=program_thread)
    thread.start()
    await asyncio.sleep(0.05)  # AWAIT-SITE-RCT-SLEEP
    thread.join()
    return await asyncio.wrap_future(handed["future"])  # AWAIT-SITE-RCT-WRAP


def test_run_coroutine_threadsafe_from_a_program_thread() -> None:
    """The task a program thread hands the loop is the program's (that thread's context
    is empty, not the run's); the awaiter of its result is woken by that task, whose
    step completes the future (through call_soon_threadsafe, on the loop's thread)."""
    run = run_traced(rct_main)
    trace, tol = run.trace, run.tol
    assert run.error is None and run.result == 5
    assert_tiles(trace)
    main, job = trace.tasks
    assert (job.coro, job.parent) == ("rct_job", None)
    assert job.created == approx(0.02, abs=tol)
    assert shape(trace, job.id) == [
        ready("created"),  # made by a loop callback, not by a task
        RUN,
        susp("sleep(0.1)", site("RCT-JOB")),
        ready("timer"),
        RUN,
    ]
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("sleep(0.05)", site("RCT-SLEEP")),
        ready("timer"),
        RUN,
        susp("Future", site("RCT-WRAP")),
        ready("task", job.id),
        RUN,
    ]
    assert main.ended == approx(job.ended, abs=tol)


# =============================================================================================
# 7. qasync
# =============================================================================================


def qt_crunch(n: int) -> int:
    time.sleep(0.02)
    return n * 2


async def qt_worker(sem: asyncio.Semaphore, n: int) -> int:
    async with sem:  # AWAIT-SITE-QT-ACQ
        await asyncio.sleep(0.05)  # AWAIT-SITE-QT-SLEEP
        return await asyncio.to_thread(qt_crunch, n)  # AWAIT-SITE-QT-THREAD


async def qt_main() -> list[int]:
    sem = asyncio.Semaphore(2)
    tasks = [asyncio.create_task(qt_worker(sem, n), name=f"qw{n}") for n in range(4)]
    return await asyncio.gather(*tasks)  # AWAIT-SITE-QT-GATHER


def test_qasync_loop(qapp: Any) -> None:
    qasync = pytest.importorskip("qasync")
    rec = Recorder("real")
    loop = qasync.QEventLoop(qapp)
    rec.install(loop)
    root = loop.create_task(qt_main(), context=rec.tracer.new_context())
    try:
        result = loop.run_until_complete(root)
    finally:
        trace = rec.finish()
        if root.done():  # closing joins the executor's threads: only when no job is left
            loop.close()
    assert result == [0, 2, 4, 6]
    assert trace.meta["loop"].startswith("qasync.")
    assert_tiles(trace)
    main = trace.tasks[0]
    names = [f"qw{n}" for n in range(4)]
    assert [t.name for t in trace.tasks[1:]] == names
    assert all(t.outcome == "done" and t.parent == main.id for t in trace.tasks[1:])
    tail = [
        susp("sleep(0.05)", site("QT-SLEEP")),
        ready("timer"),
        RUN,
        susp("to_thread(qt_crunch)", site("QT-THREAD")),
        ready("thread"),
        RUN,
    ]
    first_two = {task(trace, "qw0").id, task(trace, "qw1").id}
    for name in names[:2]:
        assert shape(trace, name) == [ready("created", main.id), RUN, *tail], name
    for name in names[2:]:
        got = shape(trace, name)
        wake = got[3]
        assert wake[3] is not None and wake[3][0] == "task" and wake[3][1] in first_two
        assert got == [
            ready("created", main.id),
            RUN,
            susp("Semaphore.acquire", site("QT-ACQ")),
            wake,
            RUN,
            *tail,
        ], name
        assert running_at(trace, wake[3][1], spans(trace, name)[3].start)
    wakers = {shape(trace, name)[3][3] for name in names[2:]}
    assert len(wakers) == 2  # each of the first two hands its permit to one waiter
    assert max_holders(semaphore_holds(trace, names).values()) == 2
    last = max(trace.tasks[1:], key=lambda t: t.ended or 0.0)
    assert shape(trace, main.id) == [
        ready("created"),
        RUN,
        susp("gather(4 awaitables)", site("QT-GATHER")),
        ready("task", last.id),
        RUN,
    ]
    # jobs: one per worker, submitted by it, done before its thread wake
    assert sorted(j.task for j in trace.jobs) == sorted(t.id for t in trace.tasks[1:])  # type: ignore[type-var]
    for job in trace.jobs:
        assert job.func == "qt_crunch" and job.thread and job.error is None
        assert job.end - job.start >= 0.015
        worker_spans = spans(trace, job.task)  # type: ignore[arg-type]
        thread_wake = next(s for s in worker_spans if s.woken_by == ("thread", None))
        assert job.end <= thread_wake.start
    # coarse Qt timers: sleep(0.05) lasts 0.05 give or take tens of ms
    for name in names:
        (nap,) = [s for s in spans(trace, name) if s.label == "sleep(0.05)"]
        assert nap.duration == approx(0.05, abs=0.04)


# --- a process pool's jobs ------------------------------------------------------------------


async def pool_main(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    loop = asyncio.get_running_loop()
    job = loop.run_in_executor(pool, time.sleep, 0.5)
    await asyncio.sleep(0.3)  # AWAIT-SITE-POOL-SLEEP
    await job


async def pool_after_shutdown(pool: concurrent.futures.ProcessPoolExecutor) -> str:
    try:
        await asyncio.get_running_loop().run_in_executor(pool, time.sleep, 0)
    except RuntimeError as exc:
        return str(exc)
    return "ran"


def test_a_process_pools_job_holds_the_virtual_clock_and_ends_before_its_wake() -> None:
    """While a job runs in another process the virtual clock must not skip ahead (the
    loop waits for it, in real time): 0.5 s of job, not 0.5 s plus the 0.3 s sleep
    skipped.  The job ends (its result is back) before it wakes the task."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        pool.submit(time.sleep, 0).result()  # the worker started before the recording
        run = run_traced(pool_main, pool, clock="virtual")
        assert run.error is None
        [job] = run.trace.jobs
        assert job.thread == "process pool" and job.func == "sleep"
        assert job.end - job.start == approx(0.5, abs=0.1)
        assert run.trace.duration == approx(0.5, abs=0.1)
        [wake] = [s for s in spans(run.trace, 0) if s.woken_by == ("thread", None)]
        assert job.end <= wake.start
        pool.shutdown()
        refused = run_traced(pool_after_shutdown, pool, clock="virtual")
    assert "shutdown" in refused.result
    assert refused.trace.jobs == []  # a job the pool refused is no job
