"""``insights_of(trace, partial=True)``: a live run's trace is not at its end, and what
needs the end is left out (issue 16, point 3).  The trace of a run is cut at an
instant as a live model has it then (the steps ended by then, every other span closed
at that instant, the tasks that ended later still pending), on the ideal clock: exact."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import time

import numpy as np
import pytest
from tracehelp import run_traced

from visualizer.model.insights import insights_of
from visualizer.trace import schema
from visualizer.trace.data import Trace


async def blocks_while_one_waits() -> None:
    go = asyncio.Event()

    async def ticker() -> None:
        for _ in range(8):
            await asyncio.sleep(0.1)

    async def listener() -> None:
        await go.wait()

    async def worker() -> None:
        await asyncio.sleep(0.15)
        go.set()  # (the listener is ready from here, and waits for the step to end)
        time.sleep(0.3)  # the blocking call: 0.15 to 0.45
        await asyncio.sleep(0.01)

    await asyncio.gather(
        asyncio.create_task(ticker(), name="ticker"),
        asyncio.create_task(listener(), name="listener"),
        asyncio.create_task(worker(), name="worker"),
    )


def cut(trace: Trace, at: float) -> Trace:
    """``trace`` as a live model has it at ``at``."""
    spans = trace.spans
    kept = (spans.start < at) & ~((spans.state == schema.RUNNING) & (spans.end > at))
    spans = spans.take(kept)
    spans.end[:] = np.minimum(spans.end, at)
    tasks = []
    for record in trace.tasks:
        record = copy.copy(record)
        if record.ended is not None and record.ended > at:
            record.ended, record.outcome = None, "pending"
        tasks.append(record)
    return dataclasses.replace(
        trace,
        meta={**trace.meta, "duration": at},
        tasks=tasks,
        spans=spans,
        marks=[m for m in trace.marks if m.t <= at],
        blocked=[b for b in trace.blocked if b.end <= at],
        columns=None,
    )


@pytest.fixture(scope="module")
def whole() -> Trace:
    run = run_traced(blocks_while_one_waits, clock="ideal")
    assert run.error is None
    return run.trace


def test_a_live_trace_has_no_task_left_pending(whole: Trace) -> None:
    live = cut(whole, 0.6)  # (after the step; the ticker goes on to 0.8 s and more)
    assert {x.kind for x in insights_of(live)} >= {"blocking-step", "left-pending"}
    found = insights_of(live, partial=True)
    assert {x.kind for x in found} == {"blocking-step", "long-scheduling-delay"}
    # what is over is as the whole run's
    assert [x for x in found if x.kind == "blocking-step"] == [
        x for x in insights_of(whole) if x.kind == "blocking-step"
    ]


def test_a_ready_wait_not_over_is_not_a_scheduling_delay_yet(whole: Trace) -> None:
    live = cut(whole, 0.3)  # (the step still running: the listener ready since 0.15)
    # (a wait not over when the trace ends: its length so far is not its length, whether
    # the trace is a live run's or one that stopped there; the statistics agree)
    delays = [x for x in insights_of(live) if x.kind == "long-scheduling-delay"]
    assert delays == []
    assert insights_of(live, partial=True) == []  # (the step not over either)
    listener = whole.task_by_name("listener").id
    [delay] = [x for x in insights_of(whole) if x.kind == "long-scheduling-delay"]
    assert delay.tasks[0] == listener
    assert {x.kind for x in insights_of(whole)} == {"blocking-step", "long-scheduling-delay"}
