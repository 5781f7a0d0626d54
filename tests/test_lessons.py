"""Each scenario's lesson, asserted from its ideal-clock trace (issue 4).

Not that a scenario runs: that it shows what its explanation says. A scenario is run
exactly as the app runs it (``run_scenario``, ideal clock), and its trace is read
with the helpers of the exact-trace tests; await sites are found by the text of the
scenario's line, never by a line number.
"""

from __future__ import annotations

import pytest
from tracehelp import RUNNING, SUSPENDED, max_holders, of_state, spans

from visualizer.session.runner import ClockKind, run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.data import Trace

approx = pytest.approx


def lesson(name: str, *, on: ClockKind = "ideal", **params: object) -> Trace:
    """The scenario's trace, run as the app runs it, on the ideal clock unless ``on`` says
    (busy time is not what most lessons check, and there a busy machine cannot move it)."""
    result = run_scenario(find(name), params or None, clock=on)
    assert result.error is None, result.error
    return result.trace


def test_a_coroutine_awaited_runs_in_its_caller() -> None:
    trace = lesson("coroutine_vs_task")
    path = find("coroutine_vs_task").path
    assert [t.name for t in trace.tasks] == ["main"]  # awaiting a coroutine made no task
    waits = of_state(trace, "main", SUSPENDED)
    assert [w.label for w in waits] == ["sleep(1.0)", "sleep(1.0)"]
    # the awaits inside brew() and toast(), both in main's lane (the first and the
    # second `await asyncio.sleep(1.0)` of the file)
    sites = {w.site for w in waits}
    assert len(sites) == 2 and all(s and s.startswith("coroutine_vs_task.py:") for s in sites)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [lines[int(s.rsplit(":", 1)[1]) - 1].strip() for s in sorted(sites)] == [
        "await asyncio.sleep(1.0)"
    ] * 2
    assert trace.duration == approx(2.0, abs=0.05)


@pytest.mark.parametrize("busy", [0.2, 0.4])
def test_a_new_task_waits_while_its_creator_keeps_the_loop(busy: float) -> None:
    trace = lesson("task_waits_its_turn", on="virtual", busy=busy)  # (busy time: the lesson)
    greeter = spans(trace, "greeter")
    main_steps = of_state(trace, "main", RUNNING)
    # the greeter is ready from its creation for all of main's first (busy) step ...
    assert greeter[0].state == "ready" and greeter[0].woken_by == ("created", 0)
    assert greeter[0].duration >= busy * 0.95
    assert main_steps[0].duration >= busy * 0.95
    # ... and runs only after that step ends
    first_run = of_state(trace, "greeter", RUNNING)[0]
    assert first_run.start >= main_steps[0].end
    # main held the loop: a blocked interval of main's
    assert any(b.what == "main" and b.end - b.start >= busy * 0.95 for b in trace.blocked)


def test_as_completed_hands_results_back_as_they_finish() -> None:
    trace = lesson("as_completed_order")
    # main becomes ready three times after it first waits: at 1, 2 and 3 s, once as
    # each fetch finishes, fastest first
    wakes = [s.start for s in spans(trace, "main")[1:] if s.state == "ready"]
    # (the virtual clock counts real busy time: a loaded machine adds milliseconds)
    assert wakes == [approx(1.0, abs=0.05), approx(2.0, abs=0.05), approx(3.0, abs=0.05)]
    ends = {t.name: t.ended for t in trace.tasks if t.name.startswith("fetch-")}
    assert sorted(ends, key=lambda n: ends[n] or 0.0) == [
        "fetch-fast",
        "fetch-medium",
        "fetch-slow",
    ]
    assert {w.label for w in of_state(trace, "main", SUSPENDED)} == {"as_completed"}
    assert trace.duration == approx(3.0, abs=0.05)


@pytest.mark.parametrize("maxsize", [1, 2, 3])
def test_a_full_queue_holds_the_producer_to_the_consumers_pace(maxsize: int) -> None:
    items, work = 6, 0.5
    trace = lesson("queue_backpressure", items=items, maxsize=maxsize, work=work)
    puts = [w for w in of_state(trace, "producer", SUSPENDED) if w.label == "Queue.put"]
    # the first maxsize items go in at once, each later one waits for room
    assert len(puts) == items - maxsize
    # woken by the consumer each time it takes an item
    ready = [s for s in spans(trace, "producer") if s.state == "ready"][1:]
    consumer = next(t.id for t in trace.tasks if t.name == "consumer")
    assert all(s.woken_by == ("task", consumer) for s in ready)
    # the consumer works on every item, one after another
    work_spans = [w for w in of_state(trace, "consumer", SUSPENDED) if w.label == f"sleep({work})"]
    assert len(work_spans) == items
    assert trace.duration == approx(items * work, abs=0.05)


def test_an_unbounded_queue_never_holds_the_producer() -> None:
    trace = lesson("queue_backpressure", maxsize=0)
    assert of_state(trace, "producer", SUSPENDED) == []
    producer = next(t for t in trace.tasks if t.name == "producer")
    assert producer.ended is not None and producer.ended < 0.01


def _sleeping_at_once(trace: Trace) -> int:
    """Most adders suspended on the round trip's sleep at one time."""
    intervals = [
        (w.start, w.end)
        for name in ("adder-1", "adder-2")
        for w in of_state(trace, name, SUSPENDED)
        if w.label == "sleep(0.25)"
    ]
    return max_holders(intervals)


def test_without_a_lock_the_round_trips_interleave_and_updates_are_lost(
    capsys: pytest.CaptureFixture[str],
) -> None:
    trace = lesson("lock_race", increments=3, locked=False)
    assert _sleeping_at_once(trace) == 2
    assert trace.duration == approx(0.75, abs=0.05)
    assert "count 3, expected 6" in capsys.readouterr().out  # half of them lost


def test_with_a_lock_one_adder_waits_for_the_other(capsys: pytest.CaptureFixture[str]) -> None:
    trace = lesson("lock_race", increments=3, locked=True)
    assert "count 6, expected 6" in capsys.readouterr().out
    assert _sleeping_at_once(trace) == 1
    waits = [w for name in ("adder-1", "adder-2") for w in of_state(trace, name, SUSPENDED)]
    assert any(w.label == "Lock.acquire" for w in waits)
    assert trace.duration == approx(1.5, abs=0.05)


def test_a_taskgroup_cancels_the_rest_when_one_fails(capsys: pytest.CaptureFixture[str]) -> None:
    trace = lesson("taskgroup_failure", fail=True)
    by_name = {t.name: t for t in trace.tasks}
    assert (by_name["quick"].outcome, by_name["quick"].ended) == ("done", approx(0.5, abs=0.05))
    assert (by_name["broken"].outcome, by_name["broken"].ended) == (
        "error",
        approx(1.0, abs=0.05),
    )
    assert by_name["broken"].error == "ValueError: broken failed"
    # slow had another second to sleep: cancelled at the failure, in its sleep
    slow = by_name["slow"]
    assert (slow.outcome, slow.ended) == ("cancelled", approx(1.0, abs=0.05))
    assert [w.label for w in of_state(trace, "slow", SUSPENDED)] == ["sleep(2.0)"]
    assert {w.label for w in of_state(trace, "main", SUSPENDED)} == {"TaskGroup"}
    assert trace.duration == approx(1.0, abs=0.05)
    assert "caught 1 error(s): broken failed" in capsys.readouterr().out


def test_a_taskgroup_waits_for_all_when_none_fails() -> None:
    trace = lesson("taskgroup_failure", fail=False)
    assert {t.name: t.outcome for t in trace.tasks} == {
        "main": "done",
        "quick": "done",
        "broken": "done",
        "slow": "done",
    }
    assert trace.duration == approx(2.0, abs=0.05)


@pytest.mark.parametrize("handling", ["forget", "keep", "await"])
def test_an_unretrieved_exception_is_reported_late_and_far_away(handling: str) -> None:
    trace = lesson("exception_never_retrieved", handling=handling)
    upload = trace.task_by_name("upload")
    assert upload.outcome == "error" and upload.ended == approx(0.5, abs=0.05)
    warned = [m for m in trace.marks if m.kind == "warning"]
    if handling == "await":
        # handled: main is woken by the failed task, and asyncio has nothing to say
        assert warned == []
        [wake] = [s for s in spans(trace, "main") if s.woken_by == ("task", upload.id)]
        assert wake.woken_by == ("task", upload.id) and wake.start == approx(0.5, abs=0.05)
        return
    [mark] = warned
    assert mark.label == "Task exception was never retrieved"
    assert mark.task == upload.id  # on upload's lane
    assert "ConnectionError: connection reset" in mark.detail
    # forgotten: freed, and reported, as it fails; kept in a variable: only when main
    # returns, 1.5 s after the failure
    assert mark.t == approx(0.5 if handling == "forget" else 2.0, abs=0.05)
    # nobody was woken by the failure
    assert not any(s.woken_by == ("task", upload.id) for s in spans(trace, "main"))


@pytest.mark.parametrize("debug", [True, False])
def test_debug_mode_reports_a_slow_step_and_where_a_coroutine_was_made(debug: bool) -> None:
    trace = lesson("debug_mode", debug=debug)
    path = find("debug_mode").path
    marks = {m.label.split(" took ")[0]: m for m in trace.marks if m.kind == "warning"}
    # the forgotten await: on report's lane, when report drops the coroutine
    never = marks.pop("RuntimeWarning: coroutine 'save' was never awaited")
    assert trace.tasks[never.task or 0].name == "report" and never.t == approx(0.5, abs=0.05)
    created = 'save("report.txt")'
    assert (created in never.detail) is debug  # only debug mode knows where it was made
    assert "visualizer" not in never.detail.replace(str(path), "")
    # save() never ran: report never waits on its sleep(0.2)
    assert {w.label for w in of_state(trace, "report", SUSPENDED)} == {"sleep(0.5)"}
    [band] = trace.blocked
    assert band.what == "resize"
    if debug:
        slow = marks.pop("Executing Task 'resize'")
        assert trace.tasks[slow.task or 0].name == "resize"
        assert slow.t == approx(band.end, abs=0.05)
    assert marks == {}


@pytest.mark.parametrize("pause", ["time.sleep", "asyncio.sleep"])
def test_a_blocking_call_freezes_every_task_an_awaited_pause_none(pause: str) -> None:
    block = 0.5
    trace = lesson("blocking_call", block=block, pause=pause)
    ticks = of_state(trace, "ticker", SUSPENDED)
    longest = max(t.duration for t in ticks)
    worker_steps = of_state(trace, "worker", RUNNING)
    if pause == "time.sleep":
        # one long step of the worker, the loop blocked, and a 0.1 s sleep stretched
        assert max(s.duration for s in worker_steps) >= block * 0.95
        assert [b.what for b in trace.blocked] == ["worker"]
        assert longest >= block - 0.1
    else:
        # the worker waits without holding the loop: every tick on time
        assert max(s.duration for s in worker_steps) < 0.05
        assert trace.blocked == []
        assert longest == approx(0.1, abs=0.05)
        waits = [w.duration for w in of_state(trace, "worker", SUSPENDED)]
        assert any(w == approx(block, abs=0.05) for w in waits)


def test_work_in_threads_leaves_the_loop_free() -> None:
    seconds = 0.4
    trace = lesson("executor_jobs", seconds=seconds)
    assert trace.blocked == []  # no red band: the loop never waited for the jobs
    labels = {w.label for w in of_state(trace, "main", SUSPENDED)}
    assert "to_thread(crunch)" in labels
    assert "run_in_executor(crunch)" in {w.label for w in of_state(trace, "fetch-2", SUSPENDED)}
    # each task is woken by its job's thread, once its job has run
    for name in ("main", "fetch-2"):
        woken = [s for s in spans(trace, name) if s.woken_by == ("thread", None)]
        assert len(woken) == 1
        job = next(j for j in trace.jobs if j.task == trace.task_by_name(name).id)
        assert job.end <= woken[0].start and job.end - job.start >= seconds * 0.9
    # the ticker ticks on time meanwhile
    assert max(t.duration for t in of_state(trace, "ticker", SUSPENDED)) == approx(0.1, abs=0.05)
