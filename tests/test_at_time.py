"""Every task's state at an instant (``visualizer.model.at_time``): what the time cursor shows.

Real scenarios recorded on the virtual clock.  Two references: the story each scenario
tells, checked by hand (who waits on what, where, at 0.5 s, 1.5 s, ...), and a plain
loop over each task's spans (``reference_at``) at every span boundary, between them,
before the run and after it.  Expected await sites come from the scenario's source text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from at_time_reference import Row, model_at, reference_at
from tracehelp import short_site, spans, task, text_site

from visualizer.model.at_time import (
    NOT_CREATED,
    STATE_WORDS,
    TimeIndex,
    busiest_file,
    state_counts,
    states_at,
    task_rows,
    waiting_lines,
)
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.data import Trace


@pytest.fixture(scope="module")
def traces() -> dict[str, Trace]:
    names = ("semaphore_workers", "cancellation", "taskgroup_failure", "background_tasks")
    return {name: run_scenario(find(name), clock="virtual").trace for name in names}


def source(name: str) -> Path:
    return find(name).path


def test_semaphore_workers_the_story_at_each_second(traces: dict[str, Trace]) -> None:
    trace = traces["semaphore_workers"]
    path = source("semaphore_workers")
    gather: Row = (
        "suspended",
        "gather(6 awaitables)",
        text_site(path, "await asyncio.gather(*tasks)"),
    )
    sleeping: Row = ("suspended", "sleep(1.0)", text_site(path, "await asyncio.sleep(work)"))
    queued: Row = ("suspended", "Semaphore.acquire", text_site(path, "async with sem:"))
    done: Row = ("done", None, None)
    workers = [f"worker-{i}" for i in range(1, 7)]
    expected: dict[float, list[Row]] = {
        0.5: [sleeping, sleeping, queued, queued, queued, queued],
        1.5: [done, done, sleeping, sleeping, queued, queued],
        2.5: [done, done, done, done, sleeping, sleeping],
    }
    for t, story in expected.items():
        assert model_at(trace, t) == {"main": gather, **dict(zip(workers, story, strict=True))}
    # before the run: nobody; after it: everybody done
    assert set(model_at(trace, 0.0).values()) == {("not yet created", None, None)}
    assert set(model_at(trace, trace.duration).values()) == {done}
    assert set(model_at(trace, 100.0).values()) == {done}


def test_cancellation_the_cleanup_and_the_outcomes(traces: dict[str, Trace]) -> None:
    trace = traces["cancellation"]
    path = source("cancellation")
    assert model_at(trace, 1.5) == {
        "main": ("suspended", "sleep(2.5)", text_site(path, "await asyncio.sleep(cancel_after)")),
        "worker": ("suspended", "sleep(1.0)", text_site(path, "await asyncio.sleep(1.0)")),
    }
    # cancelled at 2.5 s: the worker cleans up in its finally, main awaits it
    assert model_at(trace, 2.75) == {
        "main": ("suspended", "Task 'worker'", text_site(path, "await task")),
        "worker": ("suspended", "sleep(0.5)", text_site(path, "await asyncio.sleep(0.5)")),
    }
    assert model_at(trace, 5.0) == {
        "main": ("done", None, None),
        "worker": ("cancelled", None, None),
    }


def test_taskgroup_failure_error_and_cancelled(traces: dict[str, Trace]) -> None:
    trace = traces["taskgroup_failure"]
    at = model_at(trace, 0.75)
    assert at["quick"] == ("done", None, None)
    assert at["broken"][:2] == ("suspended", "sleep(1.0)")
    assert at["slow"][:2] == ("suspended", "sleep(2.0)")
    assert at["main"][:2] == ("suspended", "TaskGroup")
    after = model_at(trace, trace.duration + 1.0)
    assert (after["broken"][0], after["slow"][0], after["quick"][0]) == (
        "error",
        "cancelled",
        "done",
    )


def test_boundaries_belong_to_the_span_that_begins(traces: dict[str, Trace]) -> None:
    """[start, end): at the instant a sleep ends the task is ready (woken), at the instant
    its last step ends it is done, at its creation ready, a hair before, not yet there."""
    trace = traces["semaphore_workers"]
    index = TimeIndex(trace)
    worker = task(trace, "worker-1")
    shown = spans(trace, "worker-1")
    sleep = next(s for s in shown if s.label == "sleep(1.0)")
    woken = shown[shown.index(sleep) + 1]
    at_wake = index.at(sleep.end)
    assert STATE_WORDS[at_wake.state[worker.id]] == "ready" == woken.state
    assert trace.spans.start[at_wake.span[worker.id]] == woken.start
    assert at_wake.awaiting[worker.id] == -1  # (not suspended: awaits nothing)
    at_sleep = index.at(sleep.start)
    assert STATE_WORDS[at_sleep.state[worker.id]] == "suspended"
    assert trace.suspensions[at_sleep.awaiting[worker.id]].label == "sleep(1.0)"
    assert worker.ended is not None
    assert STATE_WORDS[index.at(worker.ended).state[worker.id]] == "done"
    assert index.at(worker.ended).span[worker.id] == -1
    assert STATE_WORDS[index.at(np.nextafter(worker.ended, 0)).state[worker.id]] == "running"
    assert STATE_WORDS[index.at(worker.created).state[worker.id]] == "ready"
    assert index.at(np.nextafter(worker.created, -1)).state[worker.id] == NOT_CREATED


@pytest.mark.parametrize(
    "name", ["semaphore_workers", "cancellation", "taskgroup_failure", "background_tasks"]
)
def test_every_boundary_agrees_with_the_spans(traces: dict[str, Trace], name: str) -> None:
    """At every span's start and end, between them, before and after the run: the model
    says what a plain walk over the spans says, and the span it names covers t."""
    trace = traces[name]
    index = TimeIndex(trace)
    starts, ends = trace.spans.start, trace.spans.end
    times = np.concatenate([starts, ends, (starts + ends) / 2, [0.0, trace.duration, 1e3]])
    for t in np.unique(times).tolist():
        states = index.at(t)
        for record in trace.tasks:
            state, label, site = reference_at(trace, record.name, t)
            code = int(states.state[record.id])
            assert STATE_WORDS[code] == state, (record.name, t)
            awaiting = int(states.awaiting[record.id])
            suspension = trace.suspensions[awaiting] if awaiting >= 0 else None
            assert (suspension.label if suspension else None) == label, (record.name, t)
            assert short_site(suspension.site if suspension else None) == site
            span = int(states.span[record.id])
            if span >= 0:
                assert trace.spans.task[span] == record.id
                assert starts[span] <= t and (t < ends[span] or record.ended is None)


def test_a_task_pending_when_the_recording_stopped_stays_as_last_seen(
    traces: dict[str, Trace],
) -> None:
    """background_tasks leaves ``ask`` waiting on a Future nobody completes: at the end
    and after it, it is still suspended there (never "done")."""
    trace = traces["background_tasks"]
    assert task(trace, "ask").ended is None
    for t in (trace.duration, trace.duration + 5.0):
        assert model_at(trace, t)["ask"][:2] == ("suspended", "Future")


def test_the_order_of_the_rows_does_not_matter(traces: dict[str, Trace]) -> None:
    """A trace whose span rows come in any order (a file, a live model) reads the same."""
    trace = traces["semaphore_workers"]
    shuffled = Trace(
        trace.meta,
        trace.tasks,
        trace.spans.take(np.random.default_rng(7).permutation(len(trace.spans))),
        trace.suspensions,
    )
    for t in (0.001, 0.0025, 0.5, 1.0028, 1.5, 2.5, 3.5):
        assert model_at(shuffled, t) == model_at(trace, t)


def test_counts_lines_and_files(traces: dict[str, Trace]) -> None:
    trace = traces["semaphore_workers"]
    path = source("semaphore_workers")
    states = states_at(trace, 1.5)
    assert state_counts(states) == "5 suspended, 2 done"
    assert state_counts(states_at(trace, 0.0)) == "7 not yet created"
    line = {text: int(text_site(path, text).rpartition(":")[2]) for text in ("async with sem:",)}
    sleep = int(text_site(path, "await asyncio.sleep(work)").rpartition(":")[2])
    gather = int(text_site(path, "await asyncio.gather(*tasks)").rpartition(":")[2])
    assert waiting_lines(trace, states, str(path)) == {
        gather: ["main"],
        sleep: ["worker-3", "worker-4"],
        line["async with sem:"]: ["worker-5", "worker-6"],
    }
    assert waiting_lines(trace, states, "/elsewhere.py") == {}
    assert busiest_file(trace, states) == str(path)
    assert busiest_file(trace, states_at(trace, 10.0)) is None


def test_stepping_from_change_to_change(traces: dict[str, Trace]) -> None:
    trace = traces["semaphore_workers"]
    index = TimeIndex(trace)
    starts = trace.spans.start
    nxt = index.next_change(0.5)
    assert nxt is not None
    assert nxt == starts[starts > 0.5].min()  # worker-1 or -2 woken from its sleep
    assert index.previous_change(nxt) == starts[starts < nxt].max()
    assert index.next_change(1e3) is None and index.previous_change(0.0) is None
    last = max(t.ended for t in trace.tasks if t.ended is not None)
    assert index.next_change(last - 1e-9) == last  # (a task's end is a change too)


def test_rows_follow_the_lanes_and_stop_at_a_limit(traces: dict[str, Trace]) -> None:
    trace = traces["semaphore_workers"]
    states = states_at(trace, 0.5)
    names = [row.task for row in task_rows(trace, states)]
    assert names == ["main", *(f"worker-{i}" for i in range(1, 7))]
    assert [row.task for row in task_rows(trace, states, limit=3)] == names[:3]
