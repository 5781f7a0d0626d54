"""Insights about what a task's end showed and about waits in a row (issue 16):
``cancellation-swallowed`` (the cancels asyncio makes and withdraws are not),
``fire-and-forget`` (a task held by anyone is not), ``sequential-awaits`` (waits that
overlap, depend on a task, repeat one await, or share the loop are not); and the facts
they read from a task's end, through a trace file and a live stream.

As in ``test_insights``: programs on the ideal clock, exact times.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import textwrap
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from test_insights import EXACT, failing_program, of_kind, tid, traced
from test_stream import replay
from tracehelp import marker_line, marker_site, short_site, streamed, traced_until_returned

from visualizer.model.insights import insights_of
from visualizer.model.spans import TraceModel
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find, read_scenario
from visualizer.trace import fileformat
from visualizer.trace.data import Trace

approx = pytest.approx


# --- cancellation-swallowed ------------------------------------------------------------------
async def swallowing_program(reraise: bool) -> None:
    async def worker() -> None:
        try:
            await asyncio.sleep(1)  # AWAIT-SITE-CAUGHT
        except asyncio.CancelledError:
            if reraise:
                raise

    task = asyncio.create_task(worker(), name="worker")
    await asyncio.sleep(0.3)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def test_a_task_that_caught_its_cancellation_and_returned() -> None:
    trace = traced(swallowing_program, False)
    [found] = insights_of(trace)
    worker = tid(trace, "worker")
    assert (found.kind, found.severity) == ("cancellation-swallowed", "warning")
    assert found.tasks == (worker, 0) and found.lesson == "cancellation"  # (main cancelled it)
    assert (found.start, found.end) == (approx(0.3, abs=EXACT), approx(0.3, abs=EXACT))
    assert short_site(found.site) == marker_site(swallowing_program, "CAUGHT")
    assert found.facts["cancelling"] == 1 and found.facts["by"] == 0
    assert found.facts["outcome"] == "done"
    assert found.finding == "'worker' caught a CancelledError and went on to end normally"
    assert "raise" in found.explanation and "uncancel()" in found.explanation  # (the fix)


def test_a_task_that_cleans_up_and_raises_again_swallowed_nothing() -> None:
    trace = traced(swallowing_program, True)
    assert trace.task_by_name("worker").outcome == "cancelled"
    assert insights_of(trace) == []


def test_a_cancel_turned_into_another_error_is_said_so() -> None:
    async def main() -> None:
        async def worker() -> None:
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                raise RuntimeError("stopped") from None

        task = asyncio.create_task(worker(), name="worker")
        await asyncio.sleep(0.3)
        task.cancel()
        with contextlib.suppress(RuntimeError):
            await task

    trace = traced(main)
    [found] = insights_of(trace)
    assert (found.kind, found.facts["outcome"]) == ("cancellation-swallowed", "error")
    assert found.finding == "'worker' was cancelled but ended with RuntimeError: stopped instead"
    assert "did not end cancelled: it ended with RuntimeError: stopped at 300 ms" in (
        found.explanation
    )


async def timeout_program() -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(0.1):
            await asyncio.sleep(1)


async def wait_for_program() -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.sleep(1), 0.1)


async def taskgroup_program(waiting_in_exit: bool) -> None:
    async def fails() -> None:
        await asyncio.sleep(0.1)
        raise ValueError("no")

    with contextlib.suppress(ExceptionGroup):
        async with asyncio.TaskGroup() as group:
            group.create_task(fails())
            group.create_task(asyncio.sleep(1))
            if not waiting_in_exit:
                await asyncio.sleep(1)  # (cancelled here, in the body)


async def shield_program() -> None:
    work = asyncio.create_task(asyncio.sleep(0.3), name="work")

    async def handler() -> None:
        await asyncio.shield(work)

    task = asyncio.create_task(handler(), name="handler")
    await asyncio.sleep(0.1)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await work


@pytest.mark.parametrize(
    ("program", "args"),
    [
        (timeout_program, ()),
        (wait_for_program, ()),
        (taskgroup_program, (True,)),
        (taskgroup_program, (False,)),
        (shield_program, ()),
    ],
    ids=["timeout", "wait_for", "taskgroup-exit", "taskgroup-body", "shield"],
)
def test_cancels_asyncio_makes_and_withdraws_are_not_swallowed(program: Any, args: Any) -> None:
    trace = traced(program, *args)
    assert of_kind(insights_of(trace), "cancellation-swallowed") == []
    assert any(t.outcome == "cancelled" for t in trace.tasks) or program is not shield_program


def stubborn_trace() -> Trace:
    """A task that goes on after every cancel, and the loop stopped 2 s after one."""
    going = True

    async def stubborn() -> None:
        while going:
            try:  # noqa: SIM105  (the bug, as it is written)
                await asyncio.sleep(10)  # AWAIT-SITE-STUBBORN
            except asyncio.CancelledError:
                pass

    async def main() -> asyncio.Task[None]:
        task = asyncio.create_task(stubborn(), name="stubborn")
        await asyncio.sleep(0.5)
        task.cancel()
        await asyncio.sleep(2)
        return task  # (the loop stops here: stubborn pends)

    def let_go() -> None:
        nonlocal going
        going = False

    return traced_until_returned(main, let_go=let_go)


def test_a_task_still_running_long_after_a_cancel_swallowed_it() -> None:
    trace = stubborn_trace()
    stubborn = tid(trace, "stubborn")
    assert trace.tasks[stubborn].cancelling == 1
    [found] = insights_of(trace)  # (and not left-pending: it was cancelled)
    assert (found.kind, found.tasks) == ("cancellation-swallowed", (stubborn, 0))
    assert (found.start, found.end) == (approx(0.5, abs=EXACT), approx(2.5, abs=EXACT))
    assert short_site(found.site) == marker_site(stubborn_trace, "STUBBORN")
    assert found.finding == "'stubborn' caught a CancelledError and kept running"
    assert insights_of(trace, cancel_grace=2.5) == []  # (its cleanup may still run)


# --- fire-and-forget -------------------------------------------------------------------------
async def job() -> None:
    await asyncio.sleep(0.1)


async def dropping_program() -> None:
    asyncio.create_task(job(), name="job")  # noqa: RUF006  # CREATED-JOB
    await asyncio.sleep(0.5)


def test_a_task_started_and_dropped() -> None:
    trace = traced(dropping_program)
    [found] = insights_of(trace)
    job_id = tid(trace, "job")
    assert trace.tasks[job_id].unheld and not trace.tasks[0].unheld
    assert (found.kind, found.severity) == ("fire-and-forget", "hint")
    assert found.tasks == (job_id,) and found.lesson == "background_tasks"
    assert (found.start, found.end) == (approx(0.0, abs=EXACT), approx(0.1, abs=EXACT))
    assert short_site(found.site) == marker_line(dropping_program, "CREATED-JOB")
    assert found.finding == "'job' was started and dropped: nothing held it when it ended"
    assert "add_done_callback" in found.explanation  # (the fix)


def test_tasks_dropped_in_a_loop_are_one_insight() -> None:
    async def main() -> None:
        for i in range(7):
            asyncio.create_task(job(), name=f"job-{i}")  # noqa: RUF006
        await asyncio.sleep(0.5)

    trace = traced(main)
    [found] = insights_of(trace)
    assert found.tasks == tuple(tid(trace, f"job-{i}") for i in range(7))
    assert found.facts == {"count": 7, "failed": False}
    assert found.finding == "7 tasks were started and dropped: nothing held them when they ended"


def test_a_task_dropped_that_failed_is_reported_once_as_never_retrieved() -> None:
    with redirect_stderr(io.StringIO()):
        trace = traced(failing_program)
    assert trace.task_by_name("upload").unheld
    assert [i.kind for i in insights_of(trace)] == ["never-retrieved"]


async def kept_in_a_set() -> None:
    background = set()
    task = asyncio.create_task(job())
    background.add(task)
    task.add_done_callback(background.discard)
    del task
    await asyncio.sleep(0.5)


async def awaited_later() -> None:
    task = asyncio.create_task(job())
    await asyncio.sleep(0.5)  # (it ends meanwhile: nobody is called back)
    await task


async def gathered() -> None:
    await asyncio.gather(asyncio.create_task(job()), asyncio.create_task(job()))


async def in_a_task_group() -> None:
    async with asyncio.TaskGroup() as group:
        group.create_task(job())


async def waited_for() -> None:
    await asyncio.wait([asyncio.create_task(job())])


@pytest.mark.parametrize(
    "program", [kept_in_a_set, awaited_later, gathered, in_a_task_group, waited_for]
)
def test_a_task_held_by_anyone_is_not_dropped(program: Any) -> None:
    trace = traced(program)
    assert not any(t.unheld for t in trace.tasks)
    assert of_kind(insights_of(trace), "fire-and-forget") == []


# --- sequential-awaits -------------------------------------------------------------------------
async def sequential_program() -> None:
    await asyncio.sleep(0.2)  # AWAIT-SITE-FIRST
    await asyncio.sleep(0.2)  # AWAIT-SITE-SECOND


def test_two_sleeps_in_a_row_could_have_overlapped() -> None:
    trace = traced(sequential_program)
    [found] = insights_of(trace)
    assert (found.kind, found.severity) == ("sequential-awaits", "hint")
    assert found.tasks == (0,) and found.lesson == "sequential_vs_concurrent"
    assert (found.start, found.end) == (approx(0.0, abs=EXACT), approx(0.4, abs=EXACT))
    assert found.facts["saving"] == approx(0.2, abs=EXACT)
    assert [short_site(w["site"]) for w in found.facts["waits"]] == [
        marker_site(sequential_program, "FIRST"),
        marker_site(sequential_program, "SECOND"),
    ]
    assert short_site(found.site) == marker_site(sequential_program, "FIRST")
    assert "If they do not depend on each other" in found.explanation
    assert "asyncio.gather" in found.explanation  # (the fix)
    assert insights_of(trace, sequential_saving=0.21) == []


async def gathered_sleeps() -> None:
    await asyncio.gather(asyncio.sleep(0.2), asyncio.sleep(0.2))


async def sleeps_in_a_loop() -> None:
    results = []
    for delay in (0.2, 0.2, 0.2):
        await asyncio.sleep(delay)  # (the same await again: a loop, a pace as often)
        results.append(delay)  # (processed between them)


async def sleep_then_queue() -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()

    async def producer() -> None:
        await asyncio.sleep(0.3)
        queue.put_nowait(1)

    task = asyncio.create_task(producer())
    await asyncio.sleep(0.2)
    await queue.get()  # (woken by the producer: it waited for that task)
    await task


async def sleeps_beside_a_ticker() -> None:
    async def ticker() -> None:
        for _ in range(8):
            await asyncio.sleep(0.05)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.2)
    await asyncio.sleep(0.2)  # (the loop was not idle: the ticker ran meanwhile)
    await task


@pytest.mark.parametrize(
    "program", [gathered_sleeps, sleeps_in_a_loop, sleep_then_queue, sleeps_beside_a_ticker]
)
def test_waits_that_overlap_or_depend_or_repeat_are_not_sequential(program: Any) -> None:
    assert of_kind(insights_of(traced(program)), "sequential-awaits") == []


def test_the_sequential_lesson_would_save_its_shorter_wait() -> None:
    with redirect_stdout(io.StringIO()):
        trace = run_scenario(
            find("sequential_vs_concurrent"), {"mode": "sequential"}, clock="ideal"
        ).trace
    [found] = insights_of(trace)
    assert found.facts["saving"] == approx(1.0, abs=EXACT)
    assert [w["label"] for w in found.facts["waits"]] == ["sleep(1.0)", "sleep(2.0)"]


# --- the end facts on their way: a file, a stream ---------------------------------------------
def test_what_a_task_end_showed_survives_a_file_and_a_stream(tmp_path: Path) -> None:
    program = tmp_path / "ends.py"
    program.write_text(
        textwrap.dedent(
            """\
            import asyncio

            async def worker():
                try:
                    await asyncio.sleep(1)
                except asyncio.CancelledError:
                    pass

            async def job():
                await asyncio.sleep(0.1)

            async def main():
                asyncio.create_task(job(), name="job")
                task = asyncio.create_task(worker(), name="worker")
                await asyncio.sleep(0.3)
                task.cancel()
                await task
            """
        ),
        encoding="utf-8",
    )
    result, data = streamed(read_scenario(program), clock="ideal")
    recorded = result.trace
    facts = [(t.name, t.cancelling, t.unheld) for t in recorded.tasks]
    assert facts == [("main", 0, False), ("job", 0, True), ("worker", 1, False)]
    mirror, _ = replay(data)
    for trace in (
        TraceModel(mirror.store).snapshot(),
        fileformat.loads(fileformat.dumps(recorded)),
    ):
        assert [(t.name, t.cancelling, t.unheld) for t in trace.tasks] == facts
        assert insights_of(trace) == insights_of(recorded)
    older = json.loads(fileformat.dumps(recorded))  # (a file from before: no such fields)
    assert "unheld" in older["tasks"][1] and "cancelling" in older["tasks"][2]
    for task in older["tasks"]:
        task.pop("unheld", None)
        task.pop("cancelling", None)
    assert insights_of(fileformat.loads(json.dumps(older).encode())) == []
