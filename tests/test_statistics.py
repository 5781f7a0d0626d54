"""Statistics (issue 16, point 2): the steps' and scheduled delays' percentiles and
histogram, per task and for the run, and the loop's busy share, exact on the ideal clock
(a ``time.sleep`` on the loop's thread is a step of exactly its length; a step that does
not sleep takes no time).  Edge cases: a task that never ran, an empty trace, a trace
taken while the run went on (its last ready span open).
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import numpy as np
import pytest
from tracehelp import run_traced, traced_until_returned

from visualizer.model.insights import insights_of
from visualizer.model.spans import TraceModel
from visualizer.model.statistics import (
    EDGES,
    bucket_of,
    distribution,
    run_statistics,
    task_statistics,
    task_table,
)
from visualizer.model.statistics_text import bucket_range, run_summary, run_text, task_text
from visualizer.session.runner import Recorder
from visualizer.trace.data import SpanColumns, Trace

approx = pytest.approx
EXACT = 1e-6  #: the ideal clock's times, to its ticks (a step's length passes through float32)


def traced(main: Any, recorder: Recorder | None = None) -> Trace:
    run = run_traced(main, clock="ideal", recorder=recorder)
    if run.error is not None:
        raise run.error
    return run.trace


def buckets(**counts: int) -> tuple[int, ...]:
    """A histogram's counts by bucket range (``b_1_2_ms=3``; ``under_1_us``)."""
    out = [0] * (len(EDGES) + 1)
    names = {bucket_range(i).replace(" ", "_").replace("-", "_"): i for i in range(len(out))}
    names["under_1_us"] = 0
    for name, count in counts.items():
        out[names[name.removeprefix("b_")]] = count
    return tuple(out)


# --- a program whose steps and waits are known -------------------------------------------------
async def known_program() -> None:
    async def worker(pauses: list[float]) -> None:
        for pause in pauses:
            time.sleep(pause)  # a step of exactly this long
            await asyncio.sleep(0)  # a bare yield: the other one runs

    a = asyncio.create_task(worker([0.001, 0.002, 0.003, 0.1]), name="a")
    b = asyncio.create_task(worker([0.05]), name="b")
    await asyncio.gather(a, b)


def test_a_tasks_steps_and_waits_as_percentiles_and_buckets() -> None:
    trace = traced(known_program)
    a = task_statistics(trace, trace.task_by_name("a").id)
    # a's steps: 1, 2, 3, 100 ms and its last (it returns at once): 0
    assert a.steps.count == 5
    assert a.steps.total == approx(0.106, abs=EXACT)
    # nearest rank: p50 the 3rd of 5, p90 and p99 the 5th
    assert a.steps.p50 == approx(0.002, abs=EXACT)
    assert a.steps.p90 == a.steps.p99 == a.steps.max == approx(0.1, abs=EXACT)
    assert a.steps.buckets == buckets(under_1_us=1, b_1_2_ms=1, b_2_5_ms=2, b_100_200_ms=1)
    # a waited while b ran its 50 ms step; its other waits took no time
    assert a.scheduled.count == 5
    assert a.scheduled.max == a.scheduled.p90 == approx(0.05, abs=EXACT)
    assert a.scheduled.p50 == approx(0.0, abs=EXACT)
    assert a.scheduled.buckets == buckets(under_1_us=4, b_50_100_ms=1)
    assert a.waiting.count == 0
    b = task_statistics(trace, trace.task_by_name("b").id)
    assert (b.steps.count, b.steps.max) == (2, approx(0.05, abs=EXACT))
    # b, ready from its creation, waited for a's first step; then for a's second
    assert sorted(b.scheduled.buckets) == sorted(buckets(b_1_2_ms=1, b_2_5_ms=1))
    assert b.scheduled.total == approx(0.003, abs=EXACT)


def test_the_whole_run_and_the_table_of_every_task_agree_with_each_task() -> None:
    trace = traced(known_program)
    run = run_statistics(trace, bins=4)
    each = [task_statistics(trace, t.id) for t in trace.tasks]
    assert run.steps.count == sum(s.steps.count for s in each)
    assert run.steps.total == approx(sum(s.steps.total for s in each), abs=EXACT)
    assert run.steps.max == approx(0.1, abs=EXACT)
    assert run.scheduled.count == sum(s.scheduled.count for s in each)
    summed = np.sum([s.steps.buckets for s in each], axis=0)
    assert run.steps.buckets == tuple(summed.tolist())
    table = task_table(trace)
    for s in each:
        assert table.steps["count"][s.task] == s.steps.count
        for name in ("p50", "p90", "p99", "max", "total"):
            assert table.steps[name][s.task] == approx(getattr(s.steps, name), abs=EXACT)
            assert table.scheduled[name][s.task] == approx(getattr(s.scheduled, name), abs=EXACT)
    # the loop never idled: every moment was some step (the ideal clock has no overhead)
    assert run.busy.overall == approx(1.0, abs=EXACT)
    assert run.busy.steps == approx(0.156, abs=EXACT)


def test_nearest_rank_percentiles_and_bucket_edges_are_exact() -> None:
    values = np.arange(1, 101, dtype=np.float64) * 1e-3  # 1 ms ... 100 ms
    d = distribution(values)
    assert (d.p50, d.p90, d.p99, d.max) == (0.05, 0.09, 0.099, 0.1)
    # a length a float32 rounding under an edge belongs with the edge
    assert bucket_of(np.array([0.0, 9.99e-7, 0.099999994, 0.1, 0.19999, 10.0, 99.0])).tolist() == [
        0,
        0,
        16,
        16,
        16,
        len(EDGES),
        len(EDGES),
    ]
    assert [bucket_range(i) for i in (0, 1, 16, 17, len(EDGES))] == [
        "< 1 us",
        "1-2 us",
        "100-200 ms",
        "200-500 ms",
        ">= 10 s",
    ]
    assert bucket_range(18) == "500 ms-1 s"


# --- the loop's busy share -------------------------------------------------------------------
async def gap_program() -> None:
    time.sleep(0.1)  # busy from 0 to 0.1 s
    await asyncio.sleep(0.2)  # idle to 0.3 s
    time.sleep(0.1)  # busy to 0.4 s


def test_the_loops_busy_share_over_time_shows_its_idle_gap() -> None:
    trace = traced(gap_program)
    assert trace.duration == approx(0.4, abs=EXACT)
    busy = run_statistics(trace, bins=8).busy
    assert busy.share.tolist() == approx([1, 1, 0, 0, 0, 0, 1, 1], abs=1e-5)
    assert busy.overall == approx(0.5, abs=EXACT)
    assert (busy.steps, busy.callbacks) == (approx(0.2, abs=EXACT), 0.0)
    # bins of 80 ms: the second holds the first step's last 20 ms
    assert run_statistics(trace, bins=5).busy.share.tolist() == approx(
        [1, 0.25, 0, 0.25, 1], abs=1e-5
    )
    assert "|██    ██|" in run_text(run_statistics(trace, bins=8))


async def callback_program() -> None:
    asyncio.get_running_loop().call_later(0.1, time.sleep, 0.15)  # a blocked callback
    await asyncio.sleep(0.5)


def test_a_callback_that_blocked_the_loop_counts_as_busy() -> None:
    trace = traced(callback_program)
    busy = run_statistics(trace, bins=5).busy
    assert busy.callbacks == approx(0.15, abs=EXACT) and busy.steps == approx(0.0, abs=EXACT)
    assert busy.overall == approx(0.3, abs=EXACT)
    assert busy.share.tolist() == approx([0, 1, 0.5, 0, 0], abs=1e-5)
    assert "150.000 ms in callbacks that blocked it" in run_text(run_statistics(trace))


# --- edge cases ----------------------------------------------------------------------------
def test_a_task_that_never_ran_was_waiting_not_scheduled() -> None:
    async def never() -> None:
        pass

    async def main() -> asyncio.Task[None]:
        task = asyncio.create_task(never(), name="never")
        time.sleep(0.3)
        # the loop stops after this round of callbacks: 'never', made in it, has its
        # first step in the next
        asyncio.get_running_loop().stop()
        return task

    trace = traced_until_returned(main)
    stats = task_statistics(trace, trace.task_by_name("never").id)
    assert stats.steps.count == stats.scheduled.count == 0
    assert np.isnan(stats.steps.p50) and stats.scheduled.buckets == buckets()
    assert (stats.waiting.count, stats.waiting.longest) == (1, approx(0.3, abs=EXACT))
    run = run_statistics(trace)
    assert (run.waiting.count, run.waiting.longest) == (1, approx(0.3, abs=EXACT))
    assert run.scheduled.count == 1  # (main's, from its creation to its step: no time)
    text = task_text(stats)
    assert "Steps (running): none" in text and "for 300.000 ms so far" in text


def test_an_empty_trace() -> None:
    trace = Trace({}, [], SpanColumns.empty(), [])
    run = run_statistics(trace, bins=3)
    assert run.steps.count == run.scheduled.count == run.waiting.count == 0
    assert run.busy.share.tolist() == [0, 0, 0] and run.busy.overall == 0.0
    assert task_statistics(trace, 0).steps.count == 0
    assert task_table(trace).steps["count"].tolist() == []
    assert "Steps (running): none" in run_text(run)
    assert "steps p50 -, p99 -" in run_summary(run)


def test_a_trace_taken_while_the_run_goes_on_leaves_the_open_wait_out() -> None:
    recorder = Recorder("ideal")
    seen: dict[str, Trace] = {}

    async def main() -> None:
        async def late() -> None:
            pass

        task = asyncio.create_task(late(), name="late")
        time.sleep(0.2)  # 'late' is ready all this time
        # (a live view's model, with the run's clock: time passes between facts)
        seen["so far"] = TraceModel(recorder.store, recorder.clock.time).snapshot()
        await task

    final = traced(main, recorder)
    partial = seen["so far"]
    late = task_statistics(partial, final.task_by_name("late").id)
    assert late.scheduled.count == 0  # (not a sample yet: only a lower bound)
    assert (late.waiting.count, late.waiting.longest) == (1, approx(0.2, abs=EXACT))
    # (main's own step is not in the store until it ends: it too seems ready so far)
    assert run_statistics(partial).waiting.count == 2
    done = task_statistics(final, final.task_by_name("late").id)
    assert (done.scheduled.count, done.scheduled.max) == (1, approx(0.2, abs=EXACT))
    assert done.waiting.count == 0


# --- the words ---------------------------------------------------------------------------------
def test_the_text_marks_the_percentiles_in_their_buckets() -> None:
    trace = traced(known_program)
    text = task_text(task_statistics(trace, trace.task_by_name("a").id))
    lines = text.splitlines()
    assert lines[0] == "Steps (running): 5, 106.000 ms in all"
    assert lines[1:3] == ["  p50 2.000 ms   p90 100.000 ms", "  p99 100.000 ms max 100.000 ms"]
    # a line a bucket, from the first with a count to the last; empty ones in a row, one
    label = re.compile(r"\s*(.+?) [ █▏▎▍▌▋▊▉]*\d+(  |$)")
    assert [label.match(line).group(1) for line in lines[3:8]] == [  # type: ignore[union-attr]
        "< 1 us",
        "1 us-1 ms",
        "1-2 ms",
        "2-5 ms",
        "5-100 ms",
    ]
    assert lines[6].endswith("2  p50")
    assert lines[8].endswith("1  p90-max")
    assert lines[8].lstrip().startswith("100-200 ms")


def test_the_words_go_through_translate_in_the_statistics_context() -> None:
    contexts: set[str] = set()

    def translate(context: str, text: str) -> str:
        contexts.add(context)
        return text

    trace = traced(gap_program)
    run_text(run_statistics(trace), translate)
    task_text(task_statistics(trace, 0), translate)
    run_summary(run_statistics(trace), translate)
    assert contexts == {"Statistics"}


def test_a_long_scheduling_delay_quotes_the_runs_delays() -> None:
    async def main() -> None:
        async def victim() -> None:
            pass

        async def hog() -> None:
            time.sleep(0.08)

        tasks = [asyncio.create_task(hog(), name="hog"), asyncio.create_task(victim())]
        await asyncio.gather(*tasks)

    trace = traced(main)
    [delay] = [i for i in insights_of(trace) if i.kind == "long-scheduling-delay"]
    loop = run_statistics(trace).scheduled
    assert delay.facts["loop"] == {
        "count": loop.count,
        "p50": loop.p50,
        "p99": loop.p99,
        "max": loop.max,
    }
    assert loop.max == approx(0.08, abs=EXACT)
    assert "80 ms (99th percentile), 80 ms at most." in delay.explanation
