"""What each lesson says its resource row shows, asserted from the recorded resources
(issue 15): ``Trace.resources`` and ``Trace.resource_changes``.

Under the task lanes the chart draws a row per Queue, Semaphore, Lock, Event, Condition
or Barrier the program made, named as the program named it: a queue's items out of its
``maxsize``, a semaphore's permits in use out of its initial value (a stretch at the
bound marked full), a lock's holder (a Condition's too), an event clear or set; and a
tick mark where a task starts waiting on it (a ``wait`` row).  Each lesson that makes
one says, in "What to look for", what its row shows in that run; here that is read from
the trace itself (the state after each change, held until the next), not from the
chart, so a wrong sentence fails whatever the drawing does.

Each scenario is run as the app runs it (``run_scenario``), on the ideal clock unless
busy time is the lesson: its readings are 1 ns apart, so moments the lesson calls the
same are within ``INSTANT`` of each other, and no time depends on the machine's load.
Where busy time is the lesson (the virtual clock), only the order of things is asserted.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest
from tracehelp import RUNNING, SUSPENDED, Span, of_state

from visualizer.session.runner import ClockKind, run_scenario
from visualizer.session.scenarios import discover, find
from visualizer.trace import resources as res
from visualizer.trace.data import Trace
from visualizer.trace.resources import Resource

#: moments closer than this are one moment (the ideal clock reads 1 ns apart; the
#: lessons' moments are 0.1 s apart or more); a stretch shorter than it is an instant
INSTANT = 1e-6


def at(seconds: float) -> object:
    """At ``seconds`` on the ideal clock: within ``INSTANT``."""
    return pytest.approx(seconds, abs=INSTANT)


def lesson(name: str, *, on: ClockKind = "ideal", **params: object) -> Trace:
    """The scenario's trace, run as the app runs it, on the ideal clock unless ``on`` says."""
    result = run_scenario(find(name), params or None, clock=on)
    assert result.error is None, result.error
    return result.trace


# --- reading a resource's rows --------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """One row of ``Trace.resource_changes``, its task by name."""

    t: float
    task: str | None
    op: str
    value: int
    detail: int


def the_resource(trace: Trace, name: str) -> Resource:
    """The run's one resource, named ``name`` as the lesson names its row."""
    assert [r.name for r in trace.resources] == [name]
    return trace.resources[0]


def history(trace: Trace, resource: Resource) -> list[Change]:
    names = {t.id: t.name for t in trace.tasks}
    return [
        Change(t, names[task] if task is not None else None, op, value, detail)
        for t, task, op, value, detail in trace.resource_changes.of(resource.id)
    ]


def states(changes: list[Change]) -> list[Change]:
    """The changes of its state (not a task starting to wait, not a notify)."""
    return [c for c in changes if c.op not in ("wait", "notify")]


def ticks(changes: list[Change]) -> list[tuple[float, str | None, int]]:
    """The row's tick marks: (when, which task, what for) of each wait begun."""
    return [(c.t, c.task, c.detail) for c in changes if c.op == "wait"]


def level(resource: Resource, change: Change) -> int:
    """What the row draws after ``change``: items, permits in use, held or set (1/0)."""
    if resource.kind in ("Queue", "PriorityQueue", "LifoQueue", "Event", "Barrier"):
        return change.value
    if resource.kind in ("Semaphore", "BoundedSemaphore"):
        assert resource.capacity is not None
        return resource.capacity - change.value
    return change.detail  # Lock, Condition: locked


def steps(trace: Trace, resource: Resource) -> list[tuple[float, float, int]]:
    """(start, end, level) of each stretch of one level, from the resource's creation
    (empty, free, clear: as asyncio makes them) to the run's end."""
    out: list[tuple[float, float, int]] = []
    start, now = resource.created, 0
    for change in states(history(trace, resource)):
        out.append((start, change.t, now))
        start, now = change.t, level(resource, change)
    out.append((start, trace.duration, now))
    return out


def level_at(trace: Trace, resource: Resource, t: float) -> int:
    """The level once the moment ``t`` is over (every change within ``INSTANT`` of it made)."""
    return [lv for start, _, lv in steps(trace, resource) if start <= t + INSTANT][-1]


def levels_during(trace: Trace, resource: Resource, start: float, end: float) -> set[int]:
    """The levels the row shows between two moments (instants left out)."""
    return {
        lv
        for a, b, lv in steps(trace, resource)
        if b - a >= INSTANT and a < end - INSTANT and b > start + INSTANT
    }


def shown(trace: Trace, resource: Resource) -> list[tuple[float, float, int]]:
    """The stretches the row shows: those of one level longer than an instant, one
    stretch where another level lasted only an instant in the middle."""
    out: list[tuple[float, float, int]] = []
    for a, b, lv in steps(trace, resource):
        if b - a < INSTANT:
            continue
        if out and out[-1][2] == lv and a - out[-1][1] < INSTANT:
            out[-1] = (out[-1][0], b, lv)
        else:
            out.append((a, b, lv))
    return out


def moments(start: float, end: float, bounds: list[float]) -> list[float]:
    """Moments inside a stretch, one between each two of ``bounds`` (and its ends) that are
    more than an instant apart: where a count of other stretches can be read."""
    cuts = sorted({start, end, *(x for x in bounds if start < x < end)})
    return [(a + b) / 2 for a, b in itertools.pairwise(cuts) if b - a > 2 * INSTANT]


def marked_full(trace: Trace, resource: Resource) -> list[tuple[float, float]]:
    """The stretches at the bound (a queue's maxsize, a semaphore's permits), as the row
    marks them: a drop below for an instant only does not cut one in two."""
    assert resource.capacity is not None
    out: list[tuple[float, float]] = []
    for start, end, lv in steps(trace, resource):
        if lv < resource.capacity:
            continue
        if out and start - out[-1][1] < INSTANT:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return [(a, b) for a, b in out if b - a >= INSTANT]


def suspension_after(trace: Trace, task: str, t: float, label: str) -> Span:
    """The task's suspension that follows its ``wait`` row at ``t``, on ``label``."""
    span = next(s for s in of_state(trace, task, SUSPENDED) if s.start >= t)
    assert span.label == label and span.start == at(t), (task, t, span)
    return span


def ran_at(trace: Trace, task: str, t: float) -> bool:
    """``task`` was running at ``t`` (the change at ``t`` was made in its step)."""
    return any(s.start <= t <= s.end for s in of_state(trace, task, RUNNING))


# --- which lessons: every one that makes a primitive names its row --------------------------
#: each lesson that makes a primitive, and the rows it has (its params: where it makes them)
ROWS = {
    "queue_backpressure": [({}, "queue")],
    "semaphore_workers": [({}, "sem")],
    "lock_race": [({}, "lock")],
    "event_and_condition": [
        ({"primitive": "event"}, "go"),
        ({"primitive": "condition"}, "condition"),
    ],
    "fetch_many": [({}, "slots")],
    "cooperative_yielding": [({}, "finished")],
    "cpu_bound_work": [({}, "done")],
}
PRIMITIVE = re.compile(
    r"asyncio\.(Queue|PriorityQueue|LifoQueue|(Bounded)?Semaphore|Lock|Event|Condition|Barrier)\("
)


def test_every_lesson_that_makes_a_primitive_is_here() -> None:
    """(By its source: a lesson that makes one is in ``ROWS``, and so says what its row
    shows, below.)"""
    builtin = [s for s in discover()[0] if s.builtin]
    making = {s.id for s in builtin if PRIMITIVE.search(s.path.read_text(encoding="utf-8"))}
    assert making == set(ROWS)


@pytest.mark.parametrize(
    ("scenario", "params", "name"), [(s, p, n) for s, rows in ROWS.items() for p, n in rows]
)
def test_the_lesson_names_its_row_as_recorded(
    scenario: str, params: dict[str, object], name: str
) -> None:
    trace = lesson(scenario, **params)
    assert the_resource(trace, name).site is not None
    found = find(scenario)
    for text, look_for, row in (
        (found.explanation, "What to look for:", "row"),
        (found.explanation_zh, "要看什么：", "行"),
    ):
        bullets = re.split(r"^- ", text.partition(look_for)[2], flags=re.M)
        assert any(f"``{name}``" in b and row in b for b in bullets), (name, row)


# --- queue_backpressure -----------------------------------------------------------------------
@pytest.mark.parametrize("maxsize", [1, 2, 3])
def test_the_queue_row_is_full_while_the_producer_waits_to_put(maxsize: int) -> None:
    items, work = 6, 0.5
    trace = lesson("queue_backpressure", items=items, maxsize=maxsize, work=work)
    queue = the_resource(trace, "queue")
    assert (queue.kind, queue.capacity) == ("Queue", maxsize)
    assert queue.task == trace.task_by_name("main").id
    changes = history(trace, queue)
    # it holds at most maxsize items, and that many at once ("fills to 2/2 at once")
    assert max(level(queue, c) for c in states(changes)) == maxsize
    assert level_at(trace, queue, 0.0) == maxsize
    # each of the producer's waits on Queue.put begins (a tick mark) with the queue
    # full, and it stays full until the consumer's get that ends it: that get frees a
    # place for an instant only, as the producer it wakes puts the next item at once
    puts = [w for w in of_state(trace, "producer", SUSPENDED) if w.label == "Queue.put"]
    assert len(puts) == items - maxsize
    waits = [i for i, c in enumerate(changes) if c.op == "wait" and c.task == "producer"]
    assert len(waits) == len(puts)
    for i, put in zip(waits, puts, strict=True):
        assert changes[i].detail == res.WAIT_PUT and changes[i].t == at(put.start)
        before = states(changes[:i])[-1]
        assert level(queue, before) == maxsize, before
        then = states(changes[i + 1 :])
        end = next(k for k, c in enumerate(then) if c.task == "producer")
        *done, get = then[:end]
        assert all((c.op, level(queue, c)) == ("task_done", maxsize) for c in done), done
        assert (get.task, get.op, level(queue, get), get.t) == (
            "consumer",
            "get",
            maxsize - 1,
            at(put.end),
        )
        assert (then[end].op, level(queue, then[end]), then[end].t) == ("put", maxsize, at(put.end))
        assert levels_during(trace, queue, put.start, put.end) <= {maxsize}
    # marked full from the start until the first get after the last put; then it drains,
    # one item each `work` seconds, empty as the consumer takes the last item
    last_put = [c.t for c in changes if c.op == "put"][-1]
    assert last_put == at((items - maxsize - 1) * work)
    full = marked_full(trace, queue)
    assert full == [(at(0.0), at(last_put + work))]
    assert all(put.start >= full[0][0] and put.end <= full[0][1] for put in puts)
    assert shown(trace, queue) == [(at(0.0), at(last_put + work), maxsize)] + [
        (at(last_put + k * work), at(last_put + (k + 1) * work), maxsize - k)
        for k in range(1, maxsize + 1)
    ]
    assert last_put + maxsize * work == at((items - 1) * work)  # empty as the last is taken
    if maxsize == 2:  # the lesson's numbers: full until 2.0 s, 1/2 at 2.0 s, empty at 2.5 s
        assert full == [(at(0.0), at(2.0))] and last_put == at(1.5)
    # the other tick marks: the consumer waiting to get, at the start and at the end
    # (until main cancels it), and main's queue.join() as the producer ends
    assert [(t, task, what) for t, task, what in ticks(changes) if task != "producer"] == [
        (at(0.0), "consumer", res.WAIT_GET),
        (at(last_put), "main", res.WAIT_JOIN),
        (at(items * work), "consumer", res.WAIT_GET),
    ]


def test_an_unbounded_queue_row_takes_every_item_at_once_and_drains() -> None:
    trace = lesson("queue_backpressure", maxsize=0)  # items=6, work=0.5
    queue = the_resource(trace, "queue")
    assert queue.capacity is None
    changes = history(trace, queue)
    # all six put at the start (no wait), then the consumer takes the first at once
    at_start = [(c.task, c.op, c.value) for c in states(changes) if c.t == at(0.0)]
    assert at_start == [("producer", "put", n) for n in range(1, 7)] + [("consumer", "get", 5)]
    assert [task for _, task, _ in ticks(changes)].count("producer") == 0
    # then one fewer every 0.5 s
    assert shown(trace, queue) == [(at(0.5 * k), at(0.5 * (k + 1)), 5 - k) for k in range(6)]


# --- semaphore_workers ------------------------------------------------------------------------
@pytest.mark.parametrize("limit", [1, 2, 3, 4, 6])
def test_the_sem_row_counts_the_workers_inside_the_block(limit: int) -> None:
    workers, work = 6, 1.0
    trace = lesson("semaphore_workers", workers=workers, limit=limit, work=work)
    sem = the_resource(trace, "sem")
    assert (sem.kind, sem.capacity) == ("Semaphore", limit)
    changes = history(trace, sem)
    names = [f"worker-{i}" for i in range(1, workers + 1)]
    # permits in use: never more than the limit, and that many at the busiest
    assert max(level(sem, c) for c in states(changes)) == min(limit, workers)
    # at every moment, as many as there are workers inside the block (in their sleep)
    sleeps = [
        (s.start, s.end)
        for n in names
        for s in of_state(trace, n, SUSPENDED)
        if s.label == f"sleep({work})"
    ]
    assert len(sleeps) == workers
    bounds = [x for sleep in sleeps for x in sleep]
    for start, end, lv in shown(trace, sem):
        for t in moments(start, end, bounds):
            assert lv == sum(a <= t < b for a, b in sleeps), (start, end, lv, t)
    # the tick marks: the workers past the limit, at the start, each then suspended on
    # Semaphore.acquire while no permit is free (all in use), all the while
    assert ticks(changes) == [(at(0.0), n, res.WAIT_GET) for n in names[limit:]]
    waits = [suspension_after(trace, n, t, "Semaphore.acquire") for t, n, _ in ticks(changes)]
    for wait in waits:
        assert level_at(trace, sem, wait.start) == limit
        assert levels_during(trace, sem, wait.start, wait.end) <= {limit}
    # a worker leaving the block hands its permit straight to a waiter: the count drops
    # only once no one is left waiting, by the last workers' releases
    releases = [c for c in changes if c.op == "release"]
    assert len(releases) == min(limit, workers)
    assert all(r.t >= max((w.end for w in waits), default=0.0) for r in releases)
    # marked full through every wave that takes all the permits: the whole run with the
    # lesson's numbers (six workers, two at a time: 3 s)
    waves, rest = divmod(workers, limit)
    assert marked_full(trace, sem) == [(at(0.0), at(work * waves))]
    if rest == 0:
        assert marked_full(trace, sem) == [(at(0.0), at(trace.duration))]


# --- fetch_many -------------------------------------------------------------------------------
@pytest.mark.parametrize("limit", [1, 3, 5, 12])
def test_the_slots_row_counts_the_requests_in_flight(limit: int) -> None:
    trace = lesson("fetch_many", limit=limit)
    slots = the_resource(trace, "slots")
    assert (slots.kind, slots.capacity) == ("Semaphore", limit)
    changes = history(trace, slots)
    names = [f"fetch-{i}" for i in range(1, 13)]
    busiest = min(limit, 12)
    assert max(level(slots, c) for c in states(changes)) == busiest
    requests = {
        n: s
        for n in names
        for s in of_state(trace, n, SUSPENDED)
        if str(s.label).startswith("sleep(")
    }
    assert len(requests) == 12
    # permits in use: the requests in flight, at every moment
    bounds = [x for r in requests.values() for x in (r.start, r.end)]
    for start, end, lv in shown(trace, slots):
        for t in moments(start, end, bounds):
            assert lv == sum(r.start <= t < r.end for r in requests.values()), (start, end, t)
    # the tick marks: the fetches past the limit, all at the start, each waiting while
    # every place is taken
    assert ticks(changes) == [(at(0.0), n, res.WAIT_GET) for n in names[limit:]]
    waits = [suspension_after(trace, n, t, "Semaphore.acquire") for t, n, _ in ticks(changes)]
    for wait in waits:
        assert levels_during(trace, slots, wait.start, wait.end) <= {limit}
    # full until no fetch is left waiting and a request ends; then it empties as each of
    # the last `busiest` requests ends, by that fetch
    last = sorted(requests.items(), key=lambda item: item[1].end)[-busiest:]
    releases = [c for c in changes if c.op == "release"]
    assert [(c.t, c.task, level(slots, c)) for c in releases] == [
        (at(r.end), n, busiest - k) for k, (n, r) in enumerate(last, 1)
    ]
    assert all(w.end <= releases[0].t for w in waits)
    assert marked_full(trace, slots) == [(at(0.0), at(releases[0].t))]
    if limit == 3:  # the lesson's numbers
        assert [(c.t, c.task) for c in releases] == [
            (at(4.4), "fetch-10"),
            (at(5.3), "fetch-11"),
            (at(5.6), "fetch-12"),
        ]
        assert len(waits) == 9


# --- lock_race --------------------------------------------------------------------------------
def test_without_locking_the_lock_row_stays_empty() -> None:
    trace = lesson("lock_race", increments=3, locked=False)
    lock = the_resource(trace, "lock")
    assert lock.kind == "Lock" and history(trace, lock) == []
    assert shown(trace, lock) == [(at(0.0), at(0.75), 0)]


@pytest.mark.parametrize("increments", [1, 2, 3])
def test_the_lock_row_passes_from_adder_to_adder(increments: int) -> None:
    trace = lesson("lock_race", increments=increments, locked=True)
    lock = the_resource(trace, "lock")
    assert lock.kind == "Lock"
    changes = history(trace, lock)
    ids = {t.name: t.id for t in trace.tasks}
    turns = 2 * increments
    holders = ["adder-1", "adder-2"] * increments
    # one holder at a time: taken, let go by the same task, taken again ...
    held = states(changes)
    assert [c.op for c in held] == ["acquire", "release"] * turns
    sleeps = {
        n: [s for s in of_state(trace, n, SUSPENDED) if s.label == "sleep(0.25)"] for n in ids
    }
    for k, (take, give) in enumerate(zip(held[::2], held[1::2], strict=True)):
        holder = holders[k]
        # the holder is the task whose step took it, and the same task lets go
        assert (take.task, take.value, take.detail) == (holder, ids[holder], 1)
        assert ran_at(trace, holder, take.t)
        assert (give.task, give.value, give.detail) == (holder, -1, 0)
        assert ran_at(trace, holder, give.t)
        # each turn is 0.25 s, the holder's sleep(0.25)
        assert (take.t, give.t) == (at(0.25 * k), at(0.25 * (k + 1)))
        sleep = sleeps[holder][k // 2]
        assert (sleep.start, sleep.end) == (at(take.t), at(give.t))
    # the row: one bar from 0 to the end, the turns back to back (free for an instant only)
    assert shown(trace, lock) == [(at(0.0), at(0.25 * turns), 1)]
    assert trace.duration == at(0.25 * turns)
    # the tick marks: at the start the other adder, then at each hand-over but the last
    # the adder that let go, asking again at once; each waits on Lock.acquire until its turn
    expected = [(at(0.0), "adder-2")] + [
        (at(0.25 * k), holders[k - 1]) for k in range(1, turns - 1)
    ]
    assert [(t, task) for t, task, _ in ticks(changes)] == expected
    for t, task, what in ticks(changes):
        assert what == res.WAIT_GET
        wait = suspension_after(trace, task, t, "Lock.acquire")
        assert wait.end == at(t + 0.25)


# --- event_and_condition ----------------------------------------------------------------------
WAITERS = ["waiter-1", "waiter-2", "waiter-3"]


def test_the_go_row_is_set_once_as_the_waiters_wake() -> None:
    trace = lesson("event_and_condition", primitive="event")
    go = the_resource(trace, "go")
    assert go.kind == "Event"
    changes = history(trace, go)
    assert [(c.t, c.task, c.op, c.value) for c in states(changes)] == [
        (at(1.0), "setter", "set", 1)
    ]
    # clear (a thin line) to 1.0 s, set (a filled bar) from then on
    assert shown(trace, go) == [(at(0.0), at(1.0), 0), (at(1.0), at(1.5), 1)]
    # three tick marks at the start, one per waiter; each is woken the moment it is set
    assert ticks(changes) == [(at(0.0), n, res.WAIT_GET) for n in WAITERS]
    for t, name, _ in ticks(changes):
        wait = suspension_after(trace, name, t, "Event.wait")
        assert wait.end == at(1.0)


def test_the_condition_row_is_held_for_instants_and_notify_wakes_that_many() -> None:
    trace = lesson("event_and_condition", primitive="condition")
    condition = the_resource(trace, "condition")
    assert condition.kind == "Condition"
    changes = history(trace, condition)
    ids = {t.name: t.id for t in trace.tasks}
    held = states(changes)
    # every hold is an instant: taken and let go by the same task at one moment
    assert [c.op for c in held] == ["acquire", "release"] * (len(held) // 2)
    for take, give in zip(held[::2], held[1::2], strict=True):
        assert (take.value, take.detail, give.value, give.detail) == (ids[take.task], 1, -1, 0)
        assert give.task == take.task and give.t == at(take.t)
    assert [(c.t, c.task) for c in held[::2]] == [
        *((at(0.0), n) for n in WAITERS),  # to check `jobs`, before they wait
        (at(1.0), "notifier"),
        (at(1.0), "waiter-1"),
        (at(2.0), "notifier"),
        (at(2.0), "waiter-2"),
        (at(2.0), "waiter-3"),
    ]
    assert shown(trace, condition) == [(at(0.0), at(2.5), 0)]
    # the waiters take the lock, start waiting (three tick marks at the start) and let go
    # of it as they wait (3.13's wait() makes its future before it lets go, 3.11's after)
    assert ticks(changes) == [(at(0.0), n, res.WAIT_GET) for n in WAITERS]
    for name in WAITERS:
        mine = [c.op for c in changes if c.task == name and c.t == at(0.0)]
        assert mine[0] == "acquire" and sorted(mine[1:]) == ["release", "wait"]
    # each notify woke as many waiters as then ran, and took the lock, at that moment
    notifies = [(c.t, c.task, c.value) for c in changes if c.op == "notify"]
    assert notifies == [(at(1.0), "notifier", 1), (at(2.0), "notifier", 2)]
    waits = {n: suspension_after(trace, n, 0.0, "Condition.wait") for n in WAITERS}
    for t, _, woken in notifies:
        ended = [n for n, w in waits.items() if w.end == at(t)]
        assert len(ended) == woken
        for name in ended:
            step = next(s for s in of_state(trace, name, RUNNING) if s.start >= waits[name].end)
            assert step.start == at(t)
            assert any(c.op == "acquire" and c.task == name and c.t == at(t) for c in changes)


# --- cooperative_yielding and cpu_bound_work: an event nobody waits on ------------------------
def _set_once_by_main_and_polled(trace: Trace, name: str, poller: str) -> float:
    """The event ``name`` is set once, by main, and never waited on: ``poller`` checks
    ``is_set()`` and ends at its first step after it was set.  When it was set."""
    event = the_resource(trace, name)
    assert event.kind == "Event"
    changes = history(trace, event)
    ((t, task, op, value),) = [(c.t, c.task, c.op, c.value) for c in changes]
    assert (task, op, value) == ("main", "set", 1) and ran_at(trace, "main", t)
    assert ticks(changes) == []  # no tick marks
    assert not [s for s in of_state(trace, poller, SUSPENDED) if s.label == "Event.wait"]
    # a thin line from its creation until set, a filled bar from then on
    assert [lv for _, _, lv in steps(trace, event)] == [0, 1]
    after = [s for s in of_state(trace, poller, RUNNING) if s.start > t]
    assert len(after) == 1 and trace.task_by_name(poller).ended == after[0].end
    return t


@pytest.mark.parametrize("mode", ["hog", "yield"])
def test_the_finished_row_fills_as_the_work_ends(mode: str) -> None:
    trace = lesson("cooperative_yielding", on="virtual", mode=mode)  # (busy time: the lesson)
    t = _set_once_by_main_and_polled(trace, "finished", "heartbeat")
    # clear during all the work: set in main's first step after cruncher ended
    ended = trace.task_by_name("cruncher").ended
    assert ended is not None and t > ended
    first = next(s for s in of_state(trace, "main", RUNNING) if s.start >= ended)
    assert first.start <= t <= first.end
    assert the_resource(trace, "finished").created <= trace.task_by_name("cruncher").created


@pytest.mark.parametrize("where", ["loop", "threads", "processes"])
def test_the_done_row_fills_once_both_jobs_are_done(where: str) -> None:
    on: ClockKind = "virtual" if where == "loop" else "ideal"  # (loop: busy time is the lesson)
    trace = lesson("cpu_bound_work", on=on, where=where)
    t = _set_once_by_main_and_polled(trace, "done", "ticker")
    jobs = [trace.task_by_name(n) for n in ("job-1", "job-2")]
    assert all(j.ended is not None and j.ended < t for j in jobs)
    assert the_resource(trace, "done").created <= min(j.created for j in jobs)
