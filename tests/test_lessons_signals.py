"""The lessons of the yielding, signalling, syntax and task-housekeeping scenarios,
asserted from their ideal-clock traces (as tests/test_lessons.py does).

Each scenario is run exactly as the app runs it (``run_scenario``, ideal clock);
await sites are found by the text of the scenario's line, never by a line number.
"""

from __future__ import annotations

import inspect
import itertools
import re

import pytest
from tracehelp import READY, RUNNING, SUSPENDED, of_state, spans, text_site

from visualizer.session.runner import ClockKind, run_scenario
from visualizer.session.scenarios import find, load_main
from visualizer.trace.data import Trace

approx = pytest.approx
#: the virtual clock counts real busy time: a loaded machine adds milliseconds (the ideal
#: clock, these tests' unless busy time is the lesson, adds none but the waits for threads)
SLACK = 0.05


def lesson(name: str, *, on: ClockKind = "ideal", **params: object) -> Trace:
    """The scenario's trace, run as the app runs it, on the ideal clock unless ``on`` says
    (busy time is not what most lessons check, and there a busy machine cannot move it)."""
    result = run_scenario(find(name), params or None, clock=on)
    assert result.error is None, result.error
    return result.trace


def tid(trace: Trace, name: str) -> int:
    return trace.task_by_name(name).id


# --- cooperative_yielding -------------------------------------------------------------------
def test_a_long_computation_that_never_yields_starves_the_heartbeat(
    capsys: pytest.CaptureFixture[str],
) -> None:
    trace = lesson("cooperative_yielding", on="virtual", mode="hog")  # (busy time: the lesson)
    work = of_state(trace, "cruncher", RUNNING)
    assert len(work) == 1 and work[0].duration >= 0.3 * 0.95  # one long step
    assert any(b.what == "cruncher" and b.end - b.start >= 0.3 * 0.95 for b in trace.blocked)
    # the heartbeat's first 0.05 s sleep lasts the whole computation: it never runs
    # while the cruncher does
    waits = of_state(trace, "heartbeat", SUSPENDED)
    assert waits[0].label == "sleep(0.05)"
    assert waits[0].start <= work[0].start and waits[0].end >= work[0].end
    beats = of_state(trace, "heartbeat", RUNNING)
    assert not any(b.start < work[0].end and b.end > work[0].start for b in beats)
    assert "1 beat(s)" in capsys.readouterr().out


def test_sleep_zero_between_chunks_lets_the_heartbeat_in(
    capsys: pytest.CaptureFixture[str],
) -> None:
    trace = lesson("cooperative_yielding", on="virtual", mode="yield")  # (busy time too)
    work = [s for s in of_state(trace, "cruncher", RUNNING) if s.duration >= 0.0099]
    assert len(work) == 30  # 30 chunks of 10 ms, one step each
    assert all(s.duration <= 0.01 + SLACK for s in work)
    # (each chunk busy for 10 ms at least: together at least 0.3 s; how much more depends
    # on the machine's load, which each chunk's bound above already allows for)
    assert sum(s.duration for s in work) >= 0.3 * 0.99
    assert not [b for b in trace.blocked if b.what == "cruncher"]  # never held the loop long
    # the heartbeat runs between the chunks, several times during the work
    beats = [b for b in of_state(trace, "heartbeat", RUNNING) if b.end <= work[-1].end]
    assert len(beats) >= 3
    for beat in beats:
        assert not any(beat.start < w.end and beat.end > w.start for w in work)
    # it is ready for at most a chunk (the one running when its timer fired), and
    # its timer fires at most a chunk after it is due
    for span in spans(trace, "heartbeat"):
        if span.state == READY:
            assert span.duration <= 0.01 + SLACK
        if span.state == SUSPENDED:
            assert span.label == "sleep(0.05)" and span.duration <= 0.05 + 0.01 + SLACK
    out = capsys.readouterr().out
    gap = re.search(r"longest gap ([0-9.]+) s", out)
    assert gap is not None and float(gap.group(1)) <= 0.05 + 0.01 + 2 * SLACK  # (hog: 0.30)


# --- event_and_condition --------------------------------------------------------------------
WAITERS = ("waiter-1", "waiter-2", "waiter-3")


def _wakes(trace: Trace, name: str, label: str) -> list[tuple[float, tuple[str, int | None]]]:
    """When ``name`` was woken from each wait on ``label``, and by whom."""
    out = []
    for a, b in itertools.pairwise(spans(trace, name)):
        if a.state == SUSPENDED and a.label == label:
            assert b.state == READY and b.woken_by is not None
            out.append((b.start, b.woken_by))
    return out


def test_setting_an_event_wakes_every_waiter_at_once() -> None:
    trace = lesson("event_and_condition", primitive="event")
    path = find("event_and_condition").path
    setter = tid(trace, "setter")
    for name in WAITERS:
        waits = of_state(trace, name, SUSPENDED)
        assert waits[0].label == "Event.wait"
        assert waits[0].site == text_site(path, "await go.wait()")
        # woken once, at 1.0 s, by the setter (an arrow from its lane)
        assert _wakes(trace, name, "Event.wait") == [(approx(1.0, abs=SLACK), ("task", setter))]
        assert trace.task_by_name(name).ended == approx(1.5, abs=SLACK)
    assert trace.duration == approx(1.5, abs=SLACK)


def test_a_condition_wakes_one_waiter_per_notify_or_all_of_them() -> None:
    trace = lesson("event_and_condition", primitive="condition")
    path = find("event_and_condition").path
    notifier = tid(trace, "notifier")
    for name in WAITERS:
        waits = of_state(trace, name, SUSPENDED)
        assert waits[0].label == "Condition.wait"
        assert waits[0].site == text_site(
            path, "await condition.wait()  # lets go of the lock while it waits"
        )
        # each waits once (woken only when there is a job for it), never on the lock
        assert [w.label for w in waits] == ["Condition.wait", "sleep(0.5)"]
    woken = {name: _wakes(trace, name, "Condition.wait") for name in WAITERS}
    # notify(1) at 1.0 s: the first waiter alone; notify_all() at 2.0 s: both others
    assert woken == {
        "waiter-1": [(approx(1.0, abs=SLACK), ("task", notifier))],
        "waiter-2": [(approx(2.0, abs=SLACK), ("task", notifier))],
        "waiter-3": [(approx(2.0, abs=SLACK), ("task", notifier))],
    }
    assert trace.duration == approx(2.5, abs=SLACK)


# --- async_context_manager ------------------------------------------------------------------
def _lines_of(obj: object) -> range:
    lines, first = inspect.getsourcelines(obj)  # type: ignore[arg-type]
    return range(first, first + len(lines))


def _line(site: str | None) -> int:
    assert site is not None
    return int(site.rsplit(":", 1)[1])


@pytest.mark.parametrize("fail", [False, True])
@pytest.mark.parametrize("style", ["class", "decorator"])
def test_async_with_awaits_in_the_setup_and_the_cleanup(
    style: str, fail: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = find("async_context_manager")
    module = load_main(scenario).__globals__
    trace = lesson("async_context_manager", style=style, fail=fail)
    assert [t.name for t in trace.tasks] == ["main"]  # async with makes no task
    waits = of_state(trace, "main", SUSPENDED)
    assert [w.label for w in waits] == ["sleep(0.5)", "sleep(1.0)", "sleep(0.5)"]
    assert [w.duration for w in waits] == [
        approx(0.5, abs=SLACK),
        approx(1.0, abs=SLACK),
        approx(0.5, abs=SLACK),
    ]
    opening, query, closing = (_line(w.site) for w in waits)
    if style == "class":
        assert opening in _lines_of(module["Connection"].__aenter__)
        assert closing in _lines_of(module["Connection"].__aexit__)
    else:  # before and after the generator's yield
        body = _lines_of(module["connect"])
        yield_line = _line(
            text_site(scenario.path, "yield connection  # the body of the async with runs here")
        )
        assert opening in body and closing in body
        assert opening < yield_line < closing
    assert query in _lines_of(module["Connection"].query)
    # the setup's and the cleanup's await stacks start at main's `async with` line
    with_site = text_site(scenario.path, "async with resource as connection:")
    for wait in (waits[0], waits[2]):
        (stack,) = {
            s.stack for s in trace.suspensions if (s.label, s.site) == (wait.label, wait.full_site)
        }
        assert stack[0].startswith("main (")
        assert stack[0].endswith(f"/{with_site})")
    assert trace.task_by_name("main").outcome == "done"  # (the error is caught)
    out = capsys.readouterr().out
    assert out.index("connected") < out.index("got 3 rows") < out.index("closed the connection")
    assert ("caught ValueError('bad row')" in out) == fail


# --- async_generator ------------------------------------------------------------------------
@pytest.mark.parametrize("pages", [2, 3])
@pytest.mark.parametrize("mode", ["async_for", "comprehension"])
def test_an_async_generator_runs_in_its_consumers_task_when_asked(
    mode: str, pages: int, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = find("async_generator")
    trace = lesson("async_generator", mode=mode, pages=pages)
    assert [t.name for t in trace.tasks] == ["main"]  # the generator makes no task
    waits = of_state(trace, "main", SUSPENDED)
    fetch = text_site(scenario.path, "await asyncio.sleep(0.5)  # fetch one page")
    work = text_site(scenario.path, "await asyncio.sleep(1.0)  # the work on one page")
    # the fetch's wait is main's, at its line inside the generator's body
    assert {w.site for w in waits if w.label == "sleep(0.5)"} == {fetch}
    assert {w.site for w in waits if w.label == "sleep(1.0)"} == {work}
    labels = [w.label for w in waits]
    if mode == "async_for":  # one page at a time: fetch, work, fetch, work...
        assert labels == ["sleep(0.5)", "sleep(1.0)"] * pages
        first_work = 0.5
    else:  # every page fetched first
        assert labels == ["sleep(0.5)"] * pages + ["sleep(1.0)"] * pages
        first_work = 0.5 * pages
    start = next(w.start for w in waits if w.label == "sleep(1.0)")
    assert start == approx(first_work, abs=SLACK)
    assert trace.task_by_name("main").ended == approx(1.5 * pages, abs=SLACK)
    assert f"page 0 in hand at {first_work:.1f} s" in capsys.readouterr().out


# --- task_introspection ---------------------------------------------------------------------
@pytest.mark.parametrize("workers", [2, 3, 4])
def test_task_names_current_task_and_all_tasks(
    workers: int, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = lesson("task_introspection", workers=workers)
    out = capsys.readouterr().out
    names = [t.name for t in trace.tasks]
    # the lanes: main, the downloads as named (download-2 under its last name), and
    # the unnamed task under the name asyncio gave it
    assert names[0] == "main" and names[1] == "download-1"
    assert names[2] == "saving-2"  # one name per lane: the last, from the lane's start
    assert "download-2" not in names
    assert names[3 : workers + 1] == [f"download-{n}" for n in range(3, workers + 1)]
    assert len(names) == workers + 2 and re.fullmatch(r"Task-\d+", names[-1])
    unnamed = names[-1]
    # current_task() inside each task is that task
    assert "main runs in the task named 'main'" in out
    assert all(f"download-{n}: downloading" in out for n in range(1, workers + 1))
    assert "renamed itself to 'saving-2'" in out
    # all_tasks(): every unfinished task, main included; download-1 is gone at 1.5 s
    first = ["main", unnamed, *(f"download-{n}" for n in range(1, workers + 1))]
    assert f"at 0.5 s, {workers + 2} tasks: {', '.join(sorted(first))}" in out
    second = [n for n in first if n != "download-1"]
    assert f"at 1.5 s, {workers + 1} tasks: {', '.join(sorted(second))}" in out
    ended = {t.name: t.ended for t in trace.tasks}
    assert ended["download-1"] == approx(1.0, abs=SLACK)  # before the 1.5 s listing
    lanes = [{"download-2": "saving-2"}.get(n, n) for n in second]  # (renamed at 2.0 s)
    assert all((ended[n] or 0.0) > 1.5 for n in lanes)  # alive at 1.5 s
    # download-2 renamed itself when its download was done: 2.0 s, then saved for 0.5 s
    assert [w.label for w in of_state(trace, "saving-2", SUSPENDED)] == ["sleep(2.0)", "sleep(0.5)"]
    assert ended["saving-2"] == approx(2.5, abs=SLACK)


# --- background_tasks -----------------------------------------------------------------------
def _gc_step(trace: Trace) -> tuple[float, float]:
    """main's step at 0.5 s, where it runs the garbage collector (real time)."""
    steps = [s for s in of_state(trace, "main", RUNNING) if s.start >= 0.5 - SLACK]
    assert steps[0].start == approx(0.5, abs=SLACK)
    return steps[0].start, steps[0].end


def test_a_task_nobody_refers_to_is_collected_and_one_still_running_is_cancelled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    scenario = find("background_tasks")
    trace = lesson("background_tasks", keep_references=False)
    assert "reply 1 dropped: nobody is waiting for it" in capsys.readouterr().out
    _, collected = _gc_step(trace)
    main = trace.task_by_name("main")
    assert main.ended == approx(collected + 1.0, abs=SLACK)
    # ask (task 1): suspended on its Future from the start; it never resumes nor ends
    # (garbage-collected during main's collection step), to the end of the chart
    ask = trace.tasks[1]
    assert (ask.outcome, ask.ended) == ("pending", None)
    sp = spans(trace, ask.id)
    assert [s.state for s in sp] == [READY, RUNNING, SUSPENDED]
    assert sp[-1].label == "Future"
    assert sp[-1].site == text_site(scenario.path, "answer = await client.request(1, delay=1.0)")
    assert sp[-1].end == approx(trace.duration, abs=SLACK)
    # asyncio's report, a warning mark on its lane during the collection
    marks = [m for m in trace.marks if m.task == ask.id]
    assert [m.label for m in marks] == ["Task was destroyed but it is pending!"]
    assert 0.5 - SLACK <= marks[0].t <= collected + 1e-6
    # save-log: cancelled in its 3 s sleep when main returned
    save = trace.task_by_name("save-log")
    assert save.outcome == "cancelled" and save.ended == approx(main.ended, abs=SLACK)
    assert [w.label for w in of_state(trace, "save-log", SUSPENDED)] == ["sleep(3.0)"]
    assert save.cancelled_at is not None
    assert save.cancelled_at.endswith(text_site(scenario.path, "await asyncio.sleep(3.0)"))


def test_a_collected_task_keeps_its_name() -> None:
    """Destroyed while pending, a task is never seen to end: its name is noted when
    asyncio reports it destroyed (it used to read "task-1")."""
    trace = lesson("background_tasks", keep_references=False)
    assert trace.tasks[1].name == "ask"


def test_kept_references_keep_the_task_alive_and_let_main_wait(
    capsys: pytest.CaptureFixture[str],
) -> None:
    trace = lesson("background_tasks", keep_references=True)
    out = capsys.readouterr().out
    assert "ask: got 'answer 1'" in out and "save-log: saved" in out
    assert "dropped" not in out
    assert trace.marks == []
    _, collected = _gc_step(trace)
    by_name = {t.name: t for t in trace.tasks}
    assert {n: t.outcome for n, t in by_name.items()} == {
        "main": "done",
        "ask": "done",
        "save-log": "done",
    }
    # ask is woken by the reply, a timer callback, at 1.0 s
    ask = spans(trace, "ask")
    assert [s.label for s in ask if s.state == SUSPENDED] == ["Future"]
    wake = ask[ask.index(next(s for s in ask if s.state == SUSPENDED)) + 1]
    assert wake.state == READY and wake.woken_by == ("timer", None)
    assert wake.start == approx(1.0, abs=SLACK)
    # main waits for save-log (gather) from about 1.5 s until it is done at 3.0 s
    waits = of_state(trace, "main", SUSPENDED)
    assert [w.label for w in waits[:2]] == ["sleep(0.5)", "sleep(1.0)"]
    assert len(waits) == 3 and (waits[2].label or "").startswith("gather(1 ")
    assert waits[-1].start == approx(collected + 1.0, abs=SLACK)
    assert by_name["save-log"].ended == approx(3.0, abs=SLACK)
    assert by_name["main"].ended == approx(3.0, abs=SLACK)
