"""Insights (issue 16): each kind found in a small program that shows it, with the right
task, time span, site and lesson; and the built-in lessons, each with exactly the kinds
written down in ``LESSON_KINDS`` (those that show a problem on purpose, theirs; the
others, none), so that a change in the engine shows up here.

Programs run on the ideal clock (exact times: a ``time.sleep`` on the loop's thread
advances it by exactly its length) unless busy time is the point; then on the virtual
clock, with thresholds far from what a busy machine reaches, and never a wall-clock bound.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import io
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import pytest
from tracehelp import marker_line, marker_site, run_traced, short_site, traced_until_returned

from visualizer.model.insights import KINDS, SEVERITIES, Insight, insights_of
from visualizer.model.insights.core import LESSON_OF_RESOURCE
from visualizer.session.runner import ClockKind, run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.data import Trace

approx = pytest.approx
EXACT = 1e-6  #: the ideal clock's times, to its ticks


def traced(main: Any, *args: Any, clock: ClockKind = "ideal") -> Trace:
    run = run_traced(main, *args, clock=clock)
    if run.error is not None:
        raise run.error
    return run.trace


def of_kind(found: list[Insight], kind: str) -> list[Insight]:
    return [i for i in found if i.kind == kind]


def tid(trace: Trace, name: str) -> int:
    return trace.task_by_name(name).id


# --- blocking-step ---------------------------------------------------------------------------
async def blocking_program() -> None:
    go = asyncio.Event()

    async def ticker() -> None:
        for _ in range(4):
            await asyncio.sleep(0.1)  # AWAIT-SITE-TICK

    async def listener() -> None:
        await go.wait()

    async def worker() -> None:
        await asyncio.sleep(0.15)  # AWAIT-SITE-BEFORE
        go.set()  # (the listener is ready from here, and waits for the step to end)
        time.sleep(0.3)  # BLOCKING-CALL
        await asyncio.sleep(0.01)  # AWAIT-SITE-AFTER

    await asyncio.gather(
        asyncio.create_task(ticker(), name="ticker"),
        asyncio.create_task(listener(), name="listener"),
        asyncio.create_task(worker(), name="worker"),
    )


def test_a_blocking_step_names_its_task_its_awaits_and_the_timers_it_made_late() -> None:
    trace = traced(blocking_program)
    found = insights_of(trace)
    assert {i.kind for i in found} == {"blocking-step", "long-scheduling-delay"}
    [step] = of_kind(found, "blocking-step")
    worker, ticker, listener = (tid(trace, n) for n in ("worker", "ticker", "listener"))
    assert step.severity == "warning" and step.lesson == "blocking_call"
    assert step.tasks == (worker, ticker, listener)
    assert (step.start, step.end) == (approx(0.15, abs=EXACT), approx(0.45, abs=EXACT))
    assert step.facts["seconds"] == approx(0.3, abs=EXACT)
    # the blocking call (sampled: ``test_blocking_stack.py``), between the two awaits
    assert short_site(step.site) == marker_line(blocking_program, "BLOCKING-CALL")
    assert step.facts["call"]["text"] == "time.sleep(0.3)"
    assert short_site(step.facts["before"]["site"]) == marker_site(blocking_program, "BEFORE")
    assert step.facts["before"]["label"] == "sleep(0.15)"
    assert short_site(step.facts["after"]["site"]) == marker_site(blocking_program, "AFTER")
    # the ticker's second sleep was due at 0.2 s and fired as the step ended, at 0.45 s
    [late] = step.facts["late_timers"]
    assert (late["task"], late["label"]) == (ticker, "sleep(0.1)")
    assert (late["due"], late["woke"]) == (approx(0.2, abs=EXACT), approx(0.45, abs=EXACT))
    assert late["late"] == approx(0.25, abs=EXACT)
    # the listener, woken in the step, was ready for the rest of it
    [waited] = step.facts["waited"]
    assert waited["task"] == listener and waited["waited"] == approx(0.3, abs=EXACT)
    call_site = marker_line(blocking_program, "BLOCKING-CALL")
    assert step.finding == (
        "'worker' held the loop for 300 ms in one step,"
        f" in time.sleep(0.3) at {call_site} in worker"
    )
    assert "'ticker' (sleep(0.1), due at 200 ms) 250 ms late" in step.explanation
    assert "asyncio.to_thread" in step.explanation  # (the fix)
    # ... and the listener's wait is a scheduling delay, pointing at the worker
    [delay] = of_kind(found, "long-scheduling-delay")
    assert delay.tasks == (listener, worker)
    assert delay.facts["held_by"] == [{"task": worker, "seconds": approx(0.3, abs=EXACT)}]


def test_a_blocking_step_under_the_threshold_is_none() -> None:
    trace = traced(blocking_program)
    assert of_kind(insights_of(trace, blocking_threshold=0.31), "blocking-step") == []
    assert len(of_kind(insights_of(trace, blocking_threshold=0.29), "blocking-step")) == 1


def test_a_blocking_step_on_the_virtual_clock_counts_real_busy_time() -> None:
    trace = traced(blocking_program, clock="virtual")
    [step] = of_kind(insights_of(trace), "blocking-step")  # (0.3 s against 0.1 s)
    assert step.tasks[0] == tid(trace, "worker")
    assert step.end - step.start >= 0.3  # (time.sleep(0.3) at least)
    assert short_site(step.site) == marker_line(blocking_program, "BLOCKING-CALL")
    assert [x["task"] for x in step.facts["late_timers"]] == [tid(trace, "ticker")]


def test_a_blocking_step_keeps_the_first_few_it_held_up_and_counts_them_all() -> None:
    """A step that held up 30 timers and 30 ready tasks: the facts list the first
    ``MOST_FLOODED`` of each (the latest and the longest waiting first) and count all 30,
    as the insight's tasks do (at 100,000 tasks, a dict each was 82 MB kept, issue 18)."""

    async def sleeper(delay: float) -> None:
        await asyncio.sleep(delay)

    async def waiter(go: asyncio.Event) -> None:
        await go.wait()

    async def main() -> None:
        go = asyncio.Event()
        # due 0.010, 0.011, ...: the earliest is the latest when the step ends
        sleepers = [asyncio.create_task(sleeper(0.01 + i / 1000), name=f"s{i}") for i in range(30)]
        waiters = [asyncio.create_task(waiter(go), name=f"w{i}") for i in range(30)]
        await asyncio.sleep(0)
        go.set()  # (the waiters are ready from here, and wait for the step to end)
        time.sleep(0.2)
        await asyncio.gather(*sleepers, *waiters)

    trace = traced(main)
    [step] = of_kind(insights_of(trace), "blocking-step")
    facts = step.facts
    assert (facts["late_timer_count"], facts["waited_count"]) == (30, 30)
    assert [x["task"] for x in facts["late_timers"]] == [tid(trace, f"s{i}") for i in range(20)]
    assert len(facts["waited"]) == 20
    assert {x["task"] for x in facts["waited"]} <= {tid(trace, f"w{i}") for i in range(30)}
    assert step.tasks == (tid(trace, "Task-1"), *(tid(trace, f"s{i}") for i in range(19)))
    assert "and 25 more" in step.explanation  # (five named of 30, each list)


async def blocking_callback_program() -> None:
    loop = asyncio.get_running_loop()
    loop.call_later(0.05, time.sleep, 0.2)  # a callback that holds the loop

    async def ticker() -> None:
        for _ in range(3):
            await asyncio.sleep(0.1)

    await asyncio.create_task(ticker(), name="ticker")


def test_a_callback_that_holds_the_loop_is_a_blocking_step_of_no_task() -> None:
    trace = traced(blocking_callback_program)
    [step] = of_kind(insights_of(trace), "blocking-step")
    assert step.tasks == (tid(trace, "ticker"),)  # (the timer it made late)
    assert (step.start, step.end) == (approx(0.05, abs=EXACT), approx(0.25, abs=EXACT))
    assert step.finding.startswith("A callback (sleep) held the loop for 200 ms")
    assert step.facts["late_timers"][0]["late"] == approx(0.15, abs=EXACT)


def test_a_timer_held_by_two_steps_is_late_by_each_ones_part() -> None:
    """Two blocking steps in a row hold a timer due during the first: each is charged the
    lateness it made (from the due time or its own start to its end), never the whole."""

    async def ticker() -> None:
        await asyncio.sleep(0.1)

    async def blocker() -> None:
        await asyncio.sleep(0.05)
        time.sleep(0.2)

    async def main() -> None:
        await asyncio.gather(
            asyncio.create_task(ticker(), name="ticker"),
            asyncio.create_task(blocker(), name="a"),
            asyncio.create_task(blocker(), name="b"),
        )

    trace = traced(main)
    first, second = of_kind(insights_of(trace), "blocking-step")
    assert (first.tasks[0], second.tasks[0]) == (tid(trace, "a"), tid(trace, "b"))
    # (a's step also made b's sleep(0.05) late: its timer's callback ran after the step)
    late_tasks = [x["task"] for x in first.facts["late_timers"]]
    assert late_tasks == [tid(trace, "b"), tid(trace, "ticker")]
    late_a = first.facts["late_timers"][1]
    [late_b] = second.facts["late_timers"]
    assert late_a["late"] == approx(0.25 - 0.1, abs=EXACT)  # (due 0.1, the step ends 0.25)
    assert late_b["late"] == approx(0.2, abs=EXACT)  # (0.25 to 0.45: already late)
    assert late_a["late_in_all"] == late_b["late_in_all"] == approx(0.35, abs=EXACT)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager tasks: Python 3.12+")
def test_an_eager_tasks_blocking_first_step_is_one_insight() -> None:
    """An eager task's first step runs inside its creator's: one blocking call, one
    insight, on the task whose code made it."""

    async def child() -> None:
        time.sleep(0.3)
        await asyncio.sleep(0.01)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]
        await asyncio.create_task(child(), name="child")

    trace = traced(main)
    [step] = of_kind(insights_of(trace), "blocking-step")
    assert step.tasks[0] == tid(trace, "child")
    assert step.facts["seconds"] == approx(0.3, abs=EXACT)


# --- long-scheduling-delay -------------------------------------------------------------------
async def delay_program() -> None:
    async def busy() -> None:
        time.sleep(0.04)  # under the blocking threshold: no blocking step

    async def victim() -> None:
        await asyncio.sleep(0)

    tasks = [asyncio.create_task(busy(), name=f"busy-{i}") for i in (1, 2, 3)]
    tasks.append(asyncio.create_task(victim(), name="victim"))  # CREATED-VICTIM
    await asyncio.gather(*tasks)


def test_a_task_held_up_by_several_short_steps_waited_long() -> None:
    trace = traced(delay_program)
    found = insights_of(trace)
    assert {i.kind for i in found} == {"long-scheduling-delay"}
    busy = [tid(trace, f"busy-{i}") for i in (1, 2, 3)]
    victim = tid(trace, "victim")
    # busy-2 waited 0.04 s (under 0.05), busy-3 0.08 s, the victim 0.12 s
    third, last = found
    assert third.tasks[0] == busy[2] and set(third.tasks[1:]) == {busy[0], busy[1]}
    assert third.facts["longest"] == approx(0.08, abs=EXACT)
    assert last.tasks[0] == victim and set(last.tasks[1:]) == set(busy)
    assert last.severity == "warning" and last.lesson == "task_waits_its_turn"
    assert (last.start, last.end) == (approx(0.0, abs=EXACT), approx(0.12, abs=EXACT))
    assert last.facts["longest"] == approx(0.12, abs=EXACT)
    # (and main, which made it, for a tick: in the facts, not named)
    held = last.facts["held_by"]
    assert [h["seconds"] for h in held[:3]] == [approx(0.04, abs=EXACT)] * 3
    assert [h["task"] for h in held[3:]] == [0]  # (the root task)
    # its first step: no await before it; the site is where it was made
    assert short_site(last.site) == marker_line(delay_program, "CREATED-VICTIM")
    assert last.finding == "'victim' was ready to run but waited up to 120 ms for the loop"
    assert insights_of(trace, scheduling_threshold=0.2) == []


# --- what asyncio and Python reported ----------------------------------------------------------
async def flood_program() -> None:
    """Ten tasks taking turns, each step 20 ms of ``time.sleep`` (exact on the ideal
    clock): each waits for the nine others, 180 ms, between its three steps."""

    async def turn() -> None:
        for _ in range(2):
            time.sleep(0.02)
            await asyncio.sleep(0)
        time.sleep(0.02)

    await asyncio.gather(*(asyncio.create_task(turn(), name=f"turn-{i}") for i in range(10)))


def test_the_windows_own_drawing_is_said_apart_from_the_loops_work() -> None:
    """A ready task kept waiting by a callback: the loop's own work; by the window's
    frames on the run's loop (``trace.observed``): said so, not laid on the program."""

    async def worker() -> None:
        await asyncio.sleep(0)

    async def main() -> None:
        asyncio.get_running_loop().call_soon(time.sleep, 0.2)  # (runs before the worker)
        await asyncio.create_task(worker(), name="worker")

    trace = traced(main)
    [delay] = of_kind(insights_of(trace), "long-scheduling-delay")
    assert "callbacks and the loop itself 200 ms" in delay.explanation
    ready = trace.spans.start[trace.spans.task == tid(trace, "worker")][0]
    drawn = dataclasses.replace(trace, observed=[(float(ready), float(ready) + 0.2)])
    [delay] = of_kind(insights_of(drawn), "long-scheduling-delay")
    assert "the window's own drawing 200 ms" in delay.explanation
    assert "callbacks and the loop itself" not in delay.explanation


def test_a_flood_of_ready_tasks_is_one_insight_for_them_all() -> None:
    trace = traced(flood_program)
    [flood] = of_kind(insights_of(trace), "long-scheduling-delay")
    turns = [tid(trace, f"turn-{i}") for i in range(10)]
    # the waits of 50 ms or more: the first turn's of turn-3..9 (60..180 ms), then every
    # task's two waits of 180 ms
    assert (flood.facts["tasks"], flood.facts["count"]) == (10, 7 + 20)
    assert flood.facts["longest"] == approx(0.18, abs=EXACT)
    assert sorted(flood.tasks) == sorted(turns)  # (all ten: fewer than the 20 named)
    # (from the first wait, at the start, to the last: turn-9's, 0.40 to 0.58)
    assert flood.start == approx(0.0, abs=EXACT) and flood.end == approx(0.58, abs=EXACT)
    assert flood.finding == "10 tasks were ready to run but waited up to 180 ms for the loop"
    # the loop ran the tasks themselves all that time, 60 ms each (turn-9's last step
    # comes after every wait has ended; main: a tick or so)
    held = {h["task"]: h["seconds"] for h in flood.facts["held_by"] if h["seconds"] > EXACT}
    assert held == {t: approx(0.04 if t == turns[-1] else 0.06, abs=EXACT) for t in turns}
    assert "the longest 180 ms, by 'turn-9'" in flood.explanation


async def failing_program() -> None:
    async def upload() -> None:
        await asyncio.sleep(0.2)
        raise ConnectionError("reset")  # RAISED

    asyncio.create_task(upload(), name="upload")  # noqa: RUF006  # CREATED-UPLOAD
    await asyncio.sleep(0.5)


def test_an_exception_never_retrieved_points_at_the_task_made_and_forgotten() -> None:
    with redirect_stderr(io.StringIO()):
        trace = traced(failing_program)
    [found] = insights_of(trace)
    upload = tid(trace, "upload")
    assert (found.kind, found.severity, found.tasks) == ("never-retrieved", "error", (upload,))
    assert found.lesson == "exception_never_retrieved"
    assert (found.start, found.end) == (approx(0.2, abs=EXACT), approx(0.2, abs=EXACT))
    assert short_site(found.site) == marker_line(failing_program, "CREATED-UPLOAD")
    assert short_site(found.facts["raised_at"]) == marker_line(failing_program, "RAISED")
    assert found.finding == "'upload' failed with ConnectionError: reset, and nobody retrieved it"


async def unawaited_program() -> None:
    async def save() -> None:
        await asyncio.sleep(0.1)

    async def report() -> None:
        await asyncio.sleep(0.3)
        save()  # DROPPED
        await asyncio.sleep(0.1)

    await asyncio.create_task(report(), name="report")


def test_a_coroutine_never_awaited_points_at_the_line_that_dropped_it() -> None:
    with redirect_stderr(io.StringIO()):
        trace = traced(unawaited_program)
    # (and its sleeps in a row, nothing else running: a hint, sequential-awaits)
    assert {i.kind for i in insights_of(trace)} == {"never-awaited", "sequential-awaits"}
    [found] = of_kind(insights_of(trace), "never-awaited")
    assert (found.kind, found.severity) == ("never-awaited", "error")
    assert found.tasks == (tid(trace, "report"),) and found.lesson == "debug_mode"
    assert found.start == found.end == approx(0.3, abs=EXACT)
    assert short_site(found.site) == marker_line(unawaited_program, "DROPPED")
    assert found.facts["coroutine"] == "unawaited_program.<locals>.save"  # (as Python says)
    assert "await save(...)" in found.explanation


async def destroyed_program() -> None:
    async def stuck() -> None:
        await asyncio.get_running_loop().create_future()  # AWAIT-SITE-STUCK

    asyncio.create_task(stuck(), name="stuck")  # noqa: RUF006  # CREATED-STUCK
    await asyncio.sleep(0.1)
    gc.collect()  # nothing refers to the task: freed, pending
    await asyncio.sleep(0.1)


def test_a_task_destroyed_pending_is_that_and_not_also_left_pending() -> None:
    with redirect_stderr(io.StringIO()):
        trace = traced(destroyed_program)
    assert trace.task_by_name("stuck").outcome == "pending"
    [found] = insights_of(trace)
    assert (found.kind, found.severity) == ("destroyed-pending", "error")
    assert found.tasks == (tid(trace, "stuck"),) and found.lesson == "background_tasks"
    assert found.start == approx(0.1, abs=EXACT)
    assert short_site(found.site) == marker_line(destroyed_program, "CREATED-STUCK")
    waiting = found.facts["waiting"]
    assert short_site(waiting["site"]) == marker_site(destroyed_program, "STUCK")


def test_a_task_left_pending_when_the_loop_stopped() -> None:
    async def forever() -> None:
        await asyncio.sleep(10)  # AWAIT-SITE-FOREVER

    async def main() -> asyncio.Task[None]:
        task = asyncio.create_task(forever(), name="forever")
        await asyncio.sleep(0.5)
        return task  # (the loop stops here, as run_until_complete does: forever pends)

    trace = traced_until_returned(main)
    [found] = insights_of(trace)
    assert (found.kind, found.severity) == ("left-pending", "warning")
    assert found.tasks == (tid(trace, "forever"),) and found.lesson == "background_tasks"
    assert (found.start, found.end) == (approx(0.0, abs=EXACT), approx(0.5, abs=EXACT))
    here = test_a_task_left_pending_when_the_loop_stopped
    assert short_site(found.site) == marker_site(here, "FOREVER")
    assert found.finding.startswith("'forever' never finished: it was waiting on sleep(10.0) at ")


def test_many_tasks_left_pending_are_one_insight_for_them_all() -> None:
    held: list[asyncio.Task[None]] = []

    async def main() -> asyncio.Task[None]:
        for i in range(7):
            held.append(asyncio.create_task(asyncio.sleep(10 + i), name=f"stuck-{i}"))
            await asyncio.sleep(0.1)
        return held[0]

    trace = traced_until_returned(main, let_go=lambda: [t.cancel() for t in held[1:]])
    [found] = insights_of(trace)
    assert (found.kind, found.severity, found.facts["tasks"]) == ("left-pending", "warning", 7)
    # (the first left first: each stuck from its first await, 0.1 s after the one before)
    assert found.tasks == tuple(tid(trace, f"stuck-{i}") for i in range(7))
    assert (found.start, found.end) == (approx(0.0, abs=EXACT), approx(0.7, abs=EXACT))
    assert found.finding == "7 tasks never finished: they were pending when the run ended"
    assert sum(found.facts["waiting"].values()) == 5  # (the five most common: one each)


def test_counts_of_a_thousand_or_more_read_with_separators() -> None:
    """A flood's count is read aloud from a projector: "1,200 tasks", not "1200"."""
    held: list[asyncio.Task[None]] = []

    async def main() -> asyncio.Task[None]:
        held.extend(asyncio.create_task(asyncio.sleep(10)) for _ in range(1200))
        await asyncio.sleep(0.1)
        return held[0]

    trace = traced_until_returned(main, let_go=lambda: [t.cancel() for t in held[1:]])
    [found] = insights_of(trace)
    assert found.facts["tasks"] == 1200
    assert found.finding == "1,200 tasks never finished: they were pending when the run ended"


def test_tasks_cancelled_at_the_end_are_not_left_pending() -> None:
    async def main() -> None:
        asyncio.create_task(asyncio.sleep(10), name="cut")  # noqa: RUF006
        await asyncio.sleep(0.5)  # (asyncio.run, the Runner, cancels 'cut' after this)

    trace = traced(main)
    assert trace.task_by_name("cut").outcome == "cancelled"
    assert insights_of(trace) == []


# --- contention ----------------------------------------------------------------------------
async def lock_program() -> None:
    lock = asyncio.Lock()  # MADE-LOCK

    async def turn() -> None:
        async with lock:
            await asyncio.sleep(0.2)  # held across an await

    await asyncio.gather(*(asyncio.create_task(turn(), name=f"t{i}") for i in (1, 2, 3)))


def test_a_lock_its_waiters_mostly_waited_for() -> None:
    trace = traced(lock_program)
    [found] = insights_of(trace)
    t1, t2, t3 = (tid(trace, f"t{i}") for i in (1, 2, 3))
    assert (found.kind, found.severity, found.lesson) == ("contention", "hint", "lock_race")
    assert found.tasks == (t3, t2)  # (t3 waited 0.4 s of 0.6, t2 0.2 of 0.4)
    assert found.facts["share"] == approx(0.6, abs=EXACT)
    assert (found.start, found.end) == (approx(0.0, abs=EXACT), approx(0.4, abs=EXACT))
    assert short_site(found.site) == marker_line(lock_program, "MADE-LOCK")
    assert {h["task"] for h in found.facts["held_by"]} == {t1, t2, t3}
    assert found.finding == "Waiting for Lock 'lock' took 60% of its waiters' time"
    assert insights_of(trace, contention_share=0.61) == []


# --- busy-polling ----------------------------------------------------------------------------
async def polling_program(pause: float) -> None:
    done = False

    async def poller() -> None:
        while not done:
            await asyncio.sleep(pause)  # AWAIT-SITE-POLL

    async def setter() -> None:
        nonlocal done
        await asyncio.sleep(0.1)
        done = True

    await asyncio.gather(
        asyncio.create_task(poller(), name="poller"), asyncio.create_task(setter(), name="setter")
    )


def test_a_task_polling_with_tiny_sleeps() -> None:
    trace = traced(polling_program, 0.001)
    [found] = insights_of(trace)
    assert (found.kind, found.severity) == ("busy-polling", "warning")
    assert found.tasks == (tid(trace, "poller"),) and found.lesson == "event_and_condition"
    assert found.facts["short_sleeps"] == found.facts["polls"] >= 99  # (one a millisecond)
    assert found.facts["bare_yields"] == 0
    assert (found.start, found.end) == (approx(0.0, abs=EXACT), approx(0.1, abs=0.0011))
    assert short_site(found.site) == marker_site(polling_program, "POLL")


def test_a_task_polling_with_sleep_0_on_the_virtual_clock() -> None:
    trace = traced(polling_program, 0, clock="virtual")
    [found] = of_kind(insights_of(trace), "busy-polling")
    assert found.tasks == (tid(trace, "poller"),)
    assert found.facts["bare_yields"] == found.facts["polls"] >= 20
    assert found.site is None  # (a bare yield has no await site in the trace)


def test_a_pace_or_an_event_is_not_polling() -> None:
    async def waits_for_an_event() -> None:
        done = asyncio.Event()

        async def setter() -> None:
            await asyncio.sleep(0.1)
            done.set()

        async def beat() -> None:
            for _ in range(30):  # (a pace: sleeps longer than a poll's)
                await asyncio.sleep(0.05)

        await asyncio.gather(
            asyncio.create_task(setter()), done.wait(), asyncio.create_task(beat())
        )

    assert insights_of(traced(waits_for_an_event)) == []
    assert insights_of(traced(polling_program, 0.001), polling_sleep=0.0005) == []


def test_many_tasks_polling_are_one_insight_for_them_all() -> None:
    async def pollers() -> None:
        async def poller(looks: int) -> None:
            for _ in range(looks):
                await asyncio.sleep(0.001)

        await asyncio.gather(
            *(asyncio.create_task(poller(20 + i), name=f"poller-{i}") for i in range(8))
        )

    trace = traced(pollers)
    [found] = insights_of(trace)
    assert (found.kind, found.severity) == ("busy-polling", "warning")
    # (each poll ends a step: poller-i looks 20 + i times, in all 8 * 20 + 28)
    assert (found.facts["tasks"], found.facts["polls"]) == (8, 8 * 20 + 28)
    assert found.tasks == tuple(tid(trace, f"poller-{i}") for i in reversed(range(8)))
    assert found.finding == "8 tasks polled 188 times in all, doing almost nothing each time"
    assert "'poller-7' the most often: 27 times" in found.explanation
    assert (found.start, found.end) == (approx(0.0, abs=EXACT), approx(0.027, abs=EXACT))


# --- the engine's contract -------------------------------------------------------------------
def test_the_words_go_through_translate_in_the_insights_context() -> None:
    contexts: set[str] = set()

    def translate(context: str, text: str) -> str:
        contexts.add(context)
        return "«" + text + "»"

    with redirect_stderr(io.StringIO()):
        trace = traced(blocking_program)
    found = insights_of(trace, translate=translate)
    assert contexts == {"Insights"}
    assert all(i.finding.startswith("«") and i.explanation.startswith("«") for i in found)


def test_insights_are_in_time_order_the_most_severe_first() -> None:
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        trace = run_scenario(find("debug_mode"), clock="ideal").trace
    found = insights_of(trace)
    assert [i.kind for i in found] == ["blocking-step", "never-awaited"]  # (0.2 s, 0.5 s)
    assert found == sorted(found, key=lambda i: (i.start, SEVERITIES.index(i.severity)))


def test_every_kind_and_resource_has_a_built_in_lesson() -> None:
    for lesson in [k.lesson for k in KINDS.values()] + list(LESSON_OF_RESOURCE.values()):
        assert find(lesson).builtin, lesson


# --- the built-in lessons ----------------------------------------------------------------------
#: (lesson, parameters, clock) -> the kinds of insight it yields.  A lesson that shows a
#: problem on purpose yields exactly its own; the rest, none.  Busy time is the point of
#: the lessons run on the virtual clock (on the ideal one a step takes no time).
LESSON_KINDS: list[tuple[str, dict[str, Any], ClockKind, set[str]]] = [
    ("as_completed_order", {}, "ideal", set()),
    ("async_context_manager", {}, "ideal", set()),
    ("async_generator", {}, "ideal", set()),
    ("background_tasks", {}, "ideal", {"destroyed-pending"}),
    ("background_tasks", {"keep_references": True}, "ideal", set()),
    ("blocking_call", {}, "ideal", {"blocking-step"}),
    ("blocking_call", {"pause": "asyncio.sleep"}, "ideal", set()),
    ("cancellation", {}, "ideal", set()),
    ("cooperative_yielding", {"mode": "hog"}, "virtual", {"blocking-step"}),
    ("cooperative_yielding", {"mode": "yield"}, "virtual", set()),
    # (brew() then toast(), awaited one after the other: independent, on purpose)
    ("coroutine_vs_task", {}, "ideal", {"sequential-awaits"}),
    ("cpu_bound_work", {"where": "loop"}, "virtual", {"blocking-step", "long-scheduling-delay"}),
    ("cpu_bound_work", {"where": "threads"}, "ideal", set()),
    ("create_task_basics", {}, "ideal", set()),
    ("debug_mode", {}, "ideal", {"blocking-step", "never-awaited"}),
    ("debug_mode", {"debug": False}, "ideal", {"blocking-step", "never-awaited"}),
    ("eager_tasks", {}, "ideal", set()),
    ("event_and_condition", {}, "ideal", set()),
    ("event_and_condition", {"primitive": "condition"}, "ideal", set()),
    ("exception_never_retrieved", {}, "ideal", {"never-retrieved"}),
    ("exception_never_retrieved", {"handling": "keep"}, "ideal", {"never-retrieved"}),
    ("exception_never_retrieved", {"handling": "await"}, "ideal", set()),
    ("executor_jobs", {}, "ideal", set()),
    # (a semaphore that sets the pace on purpose: a hint)
    ("fetch_many", {}, "ideal", {"contention"}),
    ("gather_basics", {}, "ideal", set()),
    ("gather_exceptions", {}, "ideal", set()),
    ("lock_race", {}, "ideal", set()),
    # (two adders taking turns each wait just under half their time: not "most")
    ("lock_race", {"locked": True}, "ideal", set()),
    ("queue_backpressure", {}, "ideal", set()),
    ("semaphore_workers", {}, "ideal", {"contention"}),
    ("semaphore_workers", {"limit": 6}, "ideal", set()),
    ("sequential_vs_concurrent", {}, "ideal", set()),
    ("sequential_vs_concurrent", {"mode": "sequential"}, "ideal", {"sequential-awaits"}),
    ("shield", {}, "ideal", set()),
    ("task_exception", {}, "ideal", set()),
    ("task_introspection", {}, "ideal", set()),
    ("task_waits_its_turn", {}, "virtual", {"blocking-step", "long-scheduling-delay"}),
    ("taskgroup_failure", {}, "ideal", set()),
    ("taskgroup_failure", {"fail": False}, "ideal", set()),
    ("tcp_echo", {}, "ideal", set()),
    ("three_ways_to_make_a_task", {}, "ideal", set()),
    ("timeouts", {}, "ideal", set()),
    ("wait_modes", {}, "ideal", set()),
]


@pytest.mark.parametrize(
    ("name", "params", "clock", "kinds"),
    LESSON_KINDS,
    ids=[
        f"{n}-{'-'.join(f'{k}={v}' for k, v in p.items()) or 'default'}"
        for n, p, _, _ in LESSON_KINDS
    ],
)
def test_each_lesson_yields_exactly_its_kinds(
    name: str, params: dict[str, Any], clock: ClockKind, kinds: set[str]
) -> None:
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        result = run_scenario(find(name), params or None, clock=clock)
    assert result.error is None, result.error
    found = insights_of(result.trace)
    assert {i.kind for i in found} == kinds, [i.finding for i in found]
    for i in found:
        if i.kind == "contention":
            kind = next(r.kind for r in result.trace.resources if r.site == i.site)
            assert i.lesson == LESSON_OF_RESOURCE[kind]
        else:
            assert i.lesson == KINDS[i.kind].lesson


def test_every_built_in_lesson_is_in_the_table() -> None:
    from visualizer.session.scenarios import discover

    builtin = {s.id for s in discover()[0] if s.builtin and s.kind == "scenario"}
    assert builtin == {name for name, _, _, _ in LESSON_KINDS}
