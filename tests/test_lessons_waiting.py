"""The lessons on making tasks and waiting for them, asserted from their ideal-clock traces.

three_ways_to_make_a_task, gather_exceptions, wait_modes, timeouts, shield: each run
exactly as the app runs it (``run_scenario``, ideal clock); await sites are found by
the text of the scenario's line, never by a line number.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tracehelp import READY, RUNNING, SUSPENDED, Span, of_state, short_site, spans, text_site

from visualizer.session.runner import ClockKind, run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.data import TaskRecord, Trace

#: Tolerance for a time: the virtual clock counts real busy time, so a time is late by
#: a few milliseconds, and on a loaded machine by at most the run's real wall time ...
TOL = 0.05
#: ... up to this (the lessons' moments are 0.5 s apart or more)
TOL_CAP = 0.2

At = Callable[[float], object]


def lesson(name: str, *, on: ClockKind = "ideal", **params: object) -> tuple[Trace, At]:
    """The scenario's trace, run as the app runs it (on the ideal clock unless ``on`` says:
    busy time is not what these lessons check, and there a busy machine cannot move it),
    and ``at(t)``: "at about t s"."""
    result = run_scenario(find(name), params or None, clock=on)
    assert result.error is None, result.error
    tol = min(max(TOL, result.wall_seconds), TOL_CAP)
    return result.trace, lambda seconds: pytest.approx(seconds, abs=tol)


def by_name(trace: Trace) -> dict[str, TaskRecord]:
    return {t.name: t for t in trace.tasks}


def wakes(trace: Trace, name: str) -> list[Span]:
    """The task's ready spans after its first (those that follow a suspension)."""
    return [s for s in spans(trace, name)[1:] if s.state == READY]


def labels(trace: Trace, name: str) -> list[str | None]:
    return [s.label for s in of_state(trace, name, SUSPENDED)]


# --- three ways to make a task -------------------------------------------------------------
def test_three_ways_to_make_a_task_make_the_same_task(capsys: pytest.CaptureFixture[str]) -> None:
    trace, at = lesson("three_ways_to_make_a_task")
    path = find("three_ways_to_make_a_task").path
    lanes = ["create_task", "ensure_future", "loop.create_task"]
    assert [t.name for t in trace.tasks] == ["main", *lanes]
    main = trace.task_by_name("main").id
    sleep = text_site(path, "await asyncio.sleep(1.0)")
    for name in lanes:
        record = trace.task_by_name(name)
        assert record.parent == main
        assert (record.outcome, record.ended) == ("done", at(1.0))
        # made by main (a creation arrow), then the same steps: run, sleep(1.0), done
        assert [(s.state, s.label, s.site, s.woken_by) for s in spans(trace, name)] == [
            (READY, None, None, ("created", main)),
            (RUNNING, None, None, None),
            (SUSPENDED, "sleep(1.0)", sleep, None),
            (READY, None, None, ("timer", None)),
            (RUNNING, None, None, None),
        ]
        assert of_state(trace, name, SUSPENDED)[0].duration == at(1.0)
    # main waits for all three, and is woken by the last to finish
    waits = of_state(trace, "main", SUSPENDED)
    assert [w.label for w in waits] == ["gather(3 awaitables)"]
    assert waits[0].end == at(1.0)
    assert [w.woken_by for w in wakes(trace, "main")] == [
        ("task", trace.task_by_name("loop.create_task").id)
    ]
    assert trace.duration == at(1.0)
    assert "[42, 42, 42]" in capsys.readouterr().out


# --- gather and exceptions ------------------------------------------------------------------
@pytest.mark.parametrize("return_exceptions", [False, True])
def test_gather_never_cancels_the_other_tasks(return_exceptions: bool) -> None:
    trace, at = lesson("gather_exceptions", return_exceptions=return_exceptions)
    tasks = by_name(trace)
    broken, medium, slow = tasks["broken"], tasks["medium"], tasks["slow"]
    assert (broken.outcome, broken.ended, broken.error) == (
        "error",
        at(0.5),
        "ValueError: broken failed",
    )
    # whatever return_exceptions is, the others sleep on to their ends: done, not cancelled
    assert (medium.outcome, medium.ended) == ("done", at(1.0))
    assert (slow.outcome, slow.ended) == ("done", at(1.5))
    assert labels(trace, "medium") == ["sleep(1.0)"]
    assert labels(trace, "slow") == ["sleep(1.5)"]
    assert trace.duration == at(1.5)


def test_the_first_exception_wakes_the_gatherer_at_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    trace, at = lesson("gather_exceptions", return_exceptions=False)
    tasks = by_name(trace)
    waits = of_state(trace, "main", SUSPENDED)
    assert [w.label for w in waits] == ["gather(3 awaitables)", "Task 'medium'", "Task 'slow'"]
    assert [w.end for w in waits] == [at(0.5), at(1.0), at(1.5)]
    # woken by the failure, then by each of the two it waits for afterwards
    assert [w.woken_by for w in wakes(trace, "main")] == [
        ("task", tasks["broken"].id),
        ("task", tasks["medium"].id),
        ("task", tasks["slow"].id),
    ]
    out = capsys.readouterr().out
    assert "0.5 s: caught ValueError('broken failed'); still running: ['medium', 'slow']" in out
    assert "1.0 s: medium is done" in out and "1.5 s: slow is done" in out


def test_return_exceptions_waits_for_all_and_returns_the_error_in_place(
    capsys: pytest.CaptureFixture[str],
) -> None:
    trace, at = lesson("gather_exceptions", return_exceptions=True)
    waits = of_state(trace, "main", SUSPENDED)
    assert [w.label for w in waits] == ["gather(3 awaitables)"]
    assert waits[0].end == at(1.5)
    assert [w.woken_by for w in wakes(trace, "main")] == [("task", by_name(trace)["slow"].id)]
    assert "1.5 s: ['medium', ValueError('broken failed'), 'slow']" in capsys.readouterr().out


# --- asyncio.wait ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("return_when", "timeout", "wake", "waker", "done", "pending"),
    [
        ("FIRST_COMPLETED", 0.0, 1.0, "fast", ["fast"], ["failing", "slow"]),
        ("FIRST_EXCEPTION", 0.0, 2.0, "failing", ["failing", "fast"], ["slow"]),
        ("ALL_COMPLETED", 0.0, 3.0, "slow", ["failing", "fast", "slow"], []),
        ("ALL_COMPLETED", 1.5, 1.5, None, ["fast"], ["failing", "slow"]),
        ("FIRST_EXCEPTION", 0.5, 0.5, None, [], ["failing", "fast", "slow"]),
    ],
)
def test_wait_wakes_when_return_when_says_and_cancels_nothing(
    capsys: pytest.CaptureFixture[str],
    return_when: str,
    timeout: float,
    wake: float,
    waker: str | None,
    done: list[str],
    pending: list[str],
) -> None:
    trace, at = lesson("wait_modes", return_when=return_when, timeout=timeout)
    path = find("wait_modes").path
    tasks = by_name(trace)
    main = tasks["main"].id
    # main waits on `wait`, and wakes at the moment the mode (or the timeout) says; then
    # it waits (a sliver) for the pending tasks it cancelled to end
    waits = of_state(trace, "main", SUSPENDED)
    gathered = [f"gather({len(pending)} awaitable{'s' * (len(pending) > 1)})"] if pending else []
    assert [w.label for w in waits] == ["wait", *gathered]
    assert waits[0].end == at(wake) and waits[-1].end == at(wake)
    expected_waker = ("task", tasks[waker].id) if waker else ("timer", None)
    woken = [w.woken_by for w in wakes(trace, "main")]
    assert woken[0] == expected_waker
    if pending:  # (woken by whichever ended last)
        assert len(woken) == 2 and woken[1] in {("task", tasks[name].id) for name in pending}
    else:
        assert len(woken) == 1
    out = capsys.readouterr().out
    assert f"{wake:.1f} s: done {done}, pending {pending}" in out
    if "failing" in done:  # wait() raised nothing: the error is inside the task
        assert "failing: ValueError('failing failed')" in out
    # the done ones ended on their own; main cancels the pending ones as it wakes
    ends = {"fast": (1.0, "done"), "failing": (2.0, "error"), "slow": (3.0, "done")}
    sleep = text_site(path, "await asyncio.sleep(seconds)")
    for name in done:
        assert (tasks[name].ended, tasks[name].outcome) == (at(ends[name][0]), ends[name][1])
    for name in pending:
        record = tasks[name]
        assert (record.outcome, record.ended) == ("cancelled", at(wake))
        assert short_site(record.cancelled_at) == sleep  # cut short in its sleep
        assert wakes(trace, name)[-1].woken_by == ("cancel", main)
    assert trace.duration == at(wake)


# --- timeouts -------------------------------------------------------------------------------
@pytest.mark.parametrize("way", ["wait_for", "timeout"])
def test_a_timeout_cancels_the_work_and_raises_timeouterror(
    capsys: pytest.CaptureFixture[str], way: str
) -> None:
    trace, at = lesson("timeouts", way=way, timeout=1.0)
    path = find("timeouts").path
    slow = trace.task_by_name("slow")
    # the work is cut short halfway through its sleep, at the timeout, and cancelled
    assert (slow.outcome, slow.ended) == ("cancelled", at(1.0))
    assert short_site(slow.cancelled_at) == text_site(
        path, "await asyncio.sleep(2.0)  # the slow work"
    )
    sleeps = of_state(trace, "slow", SUSPENDED)
    assert [s.label for s in sleeps] == ["sleep(2.0)"] and sleeps[0].duration == at(1.0)
    # a cancel: from main's step (3.11's wait_for cancels it itself) or from the
    # timeout's timer callback (asyncio.timeout, and wait_for on 3.12+, which uses it)
    main = trace.task_by_name("main").id
    assert wakes(trace, "slow")[-1].woken_by in {("cancel", main), ("cancel", None)}
    # main waits on wait_for(...) or on the task itself (async with is not an await) ...
    expected = "wait_for(timeout=1.0)" if way == "wait_for" else "Task 'slow'"
    assert set(labels(trace, "main")) == {expected}
    # ... and is woken at the timeout once slow has ended: its last wake comes from slow
    # (3.11's wait_for is first woken by its timer, then waits for the cancelled task)
    last = wakes(trace, "main")[-1]
    assert last.start == at(1.0)
    assert last.start >= spans(trace, "slow")[-1].start  # (during slow's last step)
    assert last.woken_by in {("task", slow.id), ("cancel", slow.id)}
    assert trace.tasks[main].outcome == "done"  # it caught the TimeoutError
    assert "TimeoutError after 1.0 s; slow cancelled: True" in capsys.readouterr().out
    assert trace.duration == at(1.0)


@pytest.mark.parametrize("way", ["wait_for", "timeout"])
def test_with_time_enough_the_work_completes(capsys: pytest.CaptureFixture[str], way: str) -> None:
    trace, at = lesson("timeouts", way=way, timeout=3.0)
    slow = trace.task_by_name("slow")
    assert (slow.outcome, slow.ended) == ("done", at(2.0))
    assert [w.woken_by for w in wakes(trace, "slow")] == [("timer", None)]
    assert wakes(trace, "main")[-1].woken_by == ("task", slow.id)
    assert wakes(trace, "main")[-1].start == at(2.0)
    assert "slow finished after 2.0 s" in capsys.readouterr().out
    assert trace.duration == at(2.0)


# --- shield ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shielded", [True, False])
def test_shield_cancels_the_waiter_not_the_work(
    capsys: pytest.CaptureFixture[str], shielded: bool
) -> None:
    trace, at = lesson("shield", shielded=shielded)
    path = find("shield").path
    tasks = by_name(trace)
    main, handler, save = tasks["main"], tasks["handler"], tasks["save"]
    assert save.parent == handler.id
    assert labels(trace, "main") == ["sleep(1.0)", "wait"]
    # the waiter is cancelled at 1.0 s at its await, whichever it awaits
    waited = "await asyncio.shield(work)" if shielded else "await work"
    assert labels(trace, "handler") == ["shield" if shielded else "Task 'save'"]
    assert (handler.outcome, handler.ended) == ("cancelled", at(1.0))
    assert short_site(handler.cancelled_at) == text_site(path, waited)
    sleep = of_state(trace, "save", SUSPENDED)
    assert [s.label for s in sleep] == ["sleep(2.0)"]
    out = capsys.readouterr().out
    assert "handler: cancelled" in out
    if shielded:
        # main's cancel reaches the handler only; save sleeps on to its end
        assert [w.woken_by for w in wakes(trace, "handler")] == [("cancel", main.id)]
        assert (save.outcome, save.ended) == ("done", at(2.0))
        assert sleep[0].duration == at(2.0)
        assert [w.woken_by for w in wakes(trace, "save")] == [("timer", None)]
        assert "save: 'saved'" in out
        assert trace.duration == at(2.0)
    else:
        # the cancel passes on to save, cut short in its sleep
        assert (save.outcome, save.ended) == ("cancelled", at(1.0))
        assert sleep[0].duration == at(1.0)
        assert [w.woken_by for w in wakes(trace, "save")] == [("cancel", main.id)]
        assert "save: cancelled" in out
        assert trace.duration == at(1.0)
